package fastlane

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	problemlist "github.com/ascend-tools/ascend/workflow/internal/problems"
)

// kind is how an option's value is read from an environment variable, as fastlane converts
// the text to the option's type.
type kind int

const (
	asText    kind = iota // as given
	asPath                // as given; relative to the project folder, as a Deliverfile's path
	asBool                // true/false, yes/no, on/off (any case; 1/0 too, as a Deliverfile's string)
	asInt                 // a whole number written as fastlane reads one back: 12, not 012 or 1e3
	asList                // split at commas, each entry trimmed, empty ones dropped
	asSeconds             // asInt, more than 0
	asHash                // a JSON object of text (a localized option: {"default": "...", "de-DE": "..."})
	asObject              // a JSON object, its values text, booleans, numbers or objects (pilot's localized_app_info)
	// asCredential is read by ascend's credential loading (asc/auth.FromFastlaneEnv), not
	// here: no note for the variable, a note for the Deliverfile's line.
	asCredential
	notApplied // read, not applied: option.why says why, in one note
)

// option is one of deliver's options: its environment variables, in fastlane's order (the
// first one set is taken), and how its value is read. An option with why set is noted, from
// the Deliverfile or a variable alike, instead of applied.
type option struct {
	name string
	env  []string
	kind kind
	why  string
}

// Reasons shared by several options.
const (
	whyAccount  = "it names an account or team; ascend uses the API key's team"
	whyPrecheck = "ascend runs no precheck; before submitting it checks what App Review needs (as `ascend submit` does)"
	whyIcon     = "App Store Connect takes the app icon from the build's asset catalog (deliver's option is retired too)"
)

// options are deliver's options that have an environment variable or that ascend does not
// apply, from fastlane's deliver/lib/deliver/options.rb. The options that only a Deliverfile
// gives (the localized metadata hashes, app_review_information, submission_information)
// are read by Config.applyValue alone. fastlane ranks a variable above the Deliverfile and
// below the command line; ascend's flags outrank both. An empty variable counts as unset.
var options = []option{
	{"api_key_path", []string{"DELIVER_API_KEY_PATH", "APP_STORE_CONNECT_API_KEY_PATH"}, asCredential, "ascend takes credentials from its flags, the environment (DELIVER_API_KEY_PATH and APP_STORE_CONNECT_API_KEY_PATH too) or a saved profile, not from a Deliverfile"},
	{"api_key", []string{"DELIVER_API_KEY", "APP_STORE_CONNECT_API_KEY"}, notApplied, "ascend does not read an API key given as a hash; name the api-key JSON file (DELIVER_API_KEY_PATH, ASC_API_KEY_JSON) or give the key's parts (APP_STORE_CONNECT_API_KEY_KEY_ID, ...)"},
	{"username", []string{"DELIVER_USERNAME", "DELIVER_USER"}, notApplied, whyAccount}, // DELIVER_USER: fastlane's default for it
	{"app_identifier", []string{"DELIVER_APP_IDENTIFIER"}, asText, ""},
	{"app_version", []string{"DELIVER_APP_VERSION"}, asText, ""},
	{"ipa", []string{"DELIVER_IPA_PATH"}, asPath, ""},
	{"pkg", []string{"DELIVER_PKG_PATH"}, asPath, ""},
	{"build_number", []string{"DELIVER_BUILD_NUMBER"}, asText, ""},
	{"build_number_from_binary", nil, notApplied, "ascend deliver attaches the build of the ipa or pkg it uploads, or the one build_number names (or the newest one processed)"},
	{"platform", []string{"DELIVER_PLATFORM"}, asText, ""},
	{"edit_live", []string{"DELIVER_EDIT_LIVE"}, asBool, ""},
	{"use_live_version", []string{"DELIVER_USE_LIVE_VERSION"}, asBool, ""},
	{"metadata_path", []string{"DELIVER_METADATA_PATH"}, asPath, ""},
	{"screenshots_path", []string{"DELIVER_SCREENSHOTS_PATH"}, asPath, ""},
	{"app_clip_header_images_path", []string{"DELIVER_APP_CLIP_HEADER_IMAGES_PATH"}, asPath, ""},
	{"app_clip_default_experience_metadata_path", []string{"DELIVER_APP_CLIP_DEFAULT_EXPERIENCE_METADATA_PATH"}, asPath, ""},
	{"app_previews_path", []string{"DELIVER_APP_PREVIEWS_PATH"}, asPath, ""},
	{"preview_frame_time_code", []string{"DELIVER_PREVIEW_FRAME_TIME_CODE"}, asText, ""},
	{"overwrite_preview_videos", []string{"DELIVER_OVERWRITE_PREVIEW_VIDEOS"}, asBool, ""},
	{"skip_binary_upload", []string{"DELIVER_SKIP_BINARY_UPLOAD"}, asBool, ""},
	{"skip_screenshots", []string{"DELIVER_SKIP_SCREENSHOTS"}, asBool, ""},
	{"skip_metadata", []string{"DELIVER_SKIP_METADATA"}, asBool, ""},
	{"skip_app_version_update", []string{"DELIVER_SKIP_APP_VERSION_UPDATE"}, asBool, ""},
	{"force", []string{"DELIVER_FORCE"}, asBool, ""},
	{"overwrite_screenshots", []string{"DELIVER_OVERWRITE_SCREENSHOTS"}, asBool, ""},
	{"screenshot_processing_timeout", []string{"DELIVER_SCREENSHOT_PROCESSING_TIMEOUT"}, asSeconds, ""},
	{"sync_screenshots", []string{"DELIVER_SYNC_SCREENSHOTS"}, asBool, ""},
	{"submit_for_review", []string{"DELIVER_SUBMIT_FOR_REVIEW"}, asBool, ""},
	{"submit_for_review_wait", nil, notApplied, "ascend deliver submits and returns; follow the review with `ascend submit --wait`"},
	{"verify_only", []string{"DELIVER_VERIFY_ONLY"}, asBool, ""},
	{"reject_if_possible", []string{"DELIVER_REJECT_IF_POSSIBLE"}, asBool, ""},
	{"version_check_wait_retry_limit", []string{"DELIVER_VERSION_CHECK_WAIT_RETRY_LIMIT"}, notApplied, "ascend reads back the version it creates, so it has no wait to retry"},
	{"automatic_release", []string{"DELIVER_AUTOMATIC_RELEASE"}, asBool, ""},
	// fastlane reads auto_release_date as milliseconds; ascend takes an RFC 3339 time too,
	// from the Deliverfile and the variable alike (workflow/deliver checks it).
	{"auto_release_date", []string{"DELIVER_AUTO_RELEASE_DATE"}, asText, ""},
	{"phased_release", []string{"DELIVER_PHASED_RELEASE"}, asBool, ""},
	{"reset_ratings", []string{"DELIVER_RESET_RATINGS"}, asBool, ""},
	{"price_tier", []string{"DELIVER_PRICE_TIER"}, notApplied, "Apple retired price tiers; set the app's price with `ascend pricing set`"},
	{"app_rating_config_path", []string{"DELIVER_APP_RATING_CONFIG_PATH"}, asPath, ""},
	{"team_id", []string{"DELIVER_TEAM_ID"}, notApplied, whyAccount},
	{"team_name", []string{"DELIVER_TEAM_NAME"}, notApplied, whyAccount},
	{"dev_portal_team_id", []string{"DELIVER_DEV_PORTAL_TEAM_ID"}, notApplied, whyAccount},
	{"dev_portal_team_name", []string{"DELIVER_DEV_PORTAL_TEAM_NAME"}, notApplied, whyAccount},
	{"itc_provider", []string{"DELIVER_ITC_PROVIDER"}, notApplied, whyAccount},
	{"provider_public_id", []string{"DELIVER_PROVIDER_PUBLIC_ID"}, notApplied, whyAccount},
	{"run_precheck_before_submit", []string{"DELIVER_RUN_PRECHECK_BEFORE_SUBMIT"}, notApplied, whyPrecheck},
	{"precheck_default_rule_level", []string{"DELIVER_PRECHECK_DEFAULT_RULE_LEVEL"}, notApplied, whyPrecheck},
	{"precheck_include_in_app_purchases", []string{"PRECHECK_INCLUDE_IN_APP_PURCHASES"}, notApplied, whyPrecheck},
	{"individual_metadata_items", []string{"DELIVER_INDIVUDAL_METADATA_ITEMS", "DELIVER_INDIVIDUAL_METADATA_ITEMS"}, notApplied, "deliver retired it in 2020; ascend sends each resource's metadata in one request and names any that fails"},
	{"app_icon", []string{"DELIVER_APP_ICON_PATH"}, notApplied, whyIcon},
	{"apple_watch_app_icon", []string{"DELIVER_APPLE_WATCH_APP_ICON_PATH"}, notApplied, whyIcon},
	{"trade_representative_contact_information", nil, notApplied, "App Store Connect's API has no trade representative contact (set it in App Store Connect under App Information)"},
	{"app_review_attachment_file", []string{"DELIVER_APP_REVIEW_ATTACHMENT_FILE"}, notApplied, "send the file with `ascend versions review-attachments FILE`"},
	{"copyright", []string{"DELIVER_COPYRIGHT"}, asText, ""},
	{"primary_category", []string{"DELIVER_PRIMARY_CATEGORY"}, asText, ""},
	{"secondary_category", []string{"DELIVER_SECONDARY_CATEGORY"}, asText, ""},
	{"primary_first_sub_category", []string{"DELIVER_PRIMARY_FIRST_SUB_CATEGORY"}, asText, ""},
	{"primary_second_sub_category", []string{"DELIVER_PRIMARY_SECOND_SUB_CATEGORY"}, asText, ""},
	{"secondary_first_sub_category", []string{"DELIVER_SECONDARY_FIRST_SUB_CATEGORY"}, asText, ""},
	{"secondary_second_sub_category", []string{"DELIVER_SECONDARY_SECOND_SUB_CATEGORY"}, asText, ""},
	{"languages", []string{"DELIVER_LANGUAGES"}, asList, ""},
	{"ignore_language_directory_validation", []string{"DELIVER_IGNORE_LANGUAGE_DIRECTORY_VALIDATION"}, asBool, ""},
	{"app_clip_default_experience_subtitle", []string{"DELIVER_APP_CLIP_DEFAULT_EXPERIENCE_SUBTITLE"}, asHash, ""},
	{"app_clip_default_experience_action", []string{"DELIVER_APP_CLIP_DEFAULT_EXPERIENCE_ACTION"}, asText, ""},
	// fastlane reads app as a number: the variable must be one.
	{"app", []string{"DELIVER_APP_ID"}, asInt, ""},
}

// notApplicable is why ascend does not apply option name ("" when it does).
func notApplicable(name string) string {
	for _, o := range options {
		if o.name == name {
			return o.why
		}
	}
	return ""
}

// deliverPlatformNames are the platform names deliver accepts, as its check lists them.
const deliverPlatformNames = "ios, osx, appletvos (or tvos), xros"

// fromEnv reads the variables of options that are set, after the files, as fastlane ranks a
// variable above them. A value that cannot be read as its option's type is a problem naming
// the variable: all of them are returned at once in an *EnvError, and the Config is then not
// used. A variable of an option ascend does not apply is one note naming it; its value is
// not shown (it may be an account).
func (c *Config) fromEnv(env lookup) error {
	problems := readEnv(options, env, c.notef, func(o option, where string, v value) {
		c.applyValue("environment", where, o.name, v, "")
		if o.name == "app_identifier" {
			c.AppIdentifierFrom = where
		}
	})
	if len(problems) == 0 {
		return nil
	}
	e := &EnvError{Problems: problems}
	if len(problems) > 1 {
		e.list = problemlist.New("the environment", problems)
	}
	return e
}

// readEnv reads the variables of a tool's options table (deliver's, pilot's) that are set:
// for each option the first of its variables set and not empty, converted by the option's
// kind and given to apply with where ("$NAME"). A variable of an option ascend does not apply
// is one note (its value not shown: it may be an account); one whose value cannot be read is
// a problem naming it, returned with the others.
func readEnv(table []option, env lookup, note func(format string, args ...any), apply func(o option, where string, v value)) []string {
	var problems []string
	for _, o := range table {
		name, text := "", ""
		for _, n := range o.env {
			if v, ok := env(n); ok && strings.TrimSpace(v) != "" {
				name, text = n, v
				break
			}
		}
		if name == "" || o.kind == asCredential {
			continue
		}
		where := "$" + name
		if o.kind == notApplied {
			note("%s: %s is not applied: %s", where, o.name, o.why)
			continue
		}
		v, err := envValue(o, text)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s=%q: %v", name, text, err))
			continue
		}
		apply(o, where, v)
	}
	return problems
}

// EnvError is deliver's variables whose values cannot be used, each problem naming its
// variable (`DELIVER_PHASED_RELEASE="maybe": not a boolean`). One is one line; several are a
// list (errors.As finds it), printed one a line.
type EnvError struct {
	Problems []string
	list     error
}

func (e *EnvError) Error() string {
	if e.list != nil {
		return e.list.Error()
	}
	return e.Problems[0] + "; nothing was sent"
}

func (e *EnvError) Unwrap() error { return e.list }

// envValue converts a variable's text to option o's value as fastlane converts it, with the
// checks a value of that option gets before it is used.
func envValue(o option, text string) (value, error) {
	trimmed := strings.TrimSpace(text)
	switch o.kind {
	case asBool:
		v := value{kind: kindString, text: trimmed}
		if _, ok := v.asBool(); !ok {
			return value{}, fmt.Errorf("not a boolean (true or false, yes or no, on or off)")
		}
		return v, nil
	case asInt, asSeconds:
		n, err := strconv.ParseInt(trimmed, 10, 64)
		if err != nil || strconv.FormatInt(n, 10) != trimmed {
			return value{}, fmt.Errorf("not a whole number")
		}
		if o.kind == asSeconds && n <= 0 {
			return value{}, fmt.Errorf("not a number of seconds above 0")
		}
		return value{kind: kindNumber, text: trimmed}, nil
	case asList:
		v := value{kind: kindArray}
		for _, l := range strings.Split(text, ",") {
			if l = strings.TrimSpace(l); l != "" {
				v.list = append(v.list, value{kind: kindString, text: l})
			}
		}
		return v, nil
	case asHash:
		// fastlane parses the variable as JSON; what is not an object of text is refused.
		var m map[string]string
		if err := json.Unmarshal([]byte(trimmed), &m); err != nil || m == nil { // null decodes to no map
			return value{}, fmt.Errorf(`not a JSON object of language => text ({"default": "...", "de-DE": "..."})`)
		}
		v := value{kind: kindHash}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			v.pairs = append(v.pairs, pair{key: k, val: value{kind: kindString, text: m[k]}})
		}
		return v, nil
	case asObject:
		var m map[string]any
		if err := json.Unmarshal([]byte(trimmed), &m); err != nil || m == nil {
			return value{}, fmt.Errorf("not a JSON object")
		}
		v, err := jsonValue(m)
		if err != nil {
			return value{}, err
		}
		return v, nil
	}
	if o.name == "platform" {
		if _, ok := deliverPlatforms[strings.ToLower(text)]; !ok {
			return value{}, fmt.Errorf("not one of deliver's platforms (%s)", deliverPlatformNames)
		}
	}
	return value{kind: kindString, text: text}, nil
}

// jsonValue is a decoded JSON value as the Ruby value a file would write: objects are hashes
// (keys sorted, as JSON gives no order), text, booleans and numbers as they are. Arrays and
// null have no place in the objects fastlane's options take.
func jsonValue(j any) (value, error) {
	switch x := j.(type) {
	case string:
		return value{kind: kindString, text: x}, nil
	case bool:
		return value{kind: kindBool, text: strconv.FormatBool(x)}, nil
	case float64:
		return value{kind: kindNumber, text: strconv.FormatFloat(x, 'f', -1, 64)}, nil
	case map[string]any:
		v := value{kind: kindHash}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			e, err := jsonValue(x[k])
			if err != nil {
				return value{}, fmt.Errorf("%s: %v", k, err)
			}
			v.pairs = append(v.pairs, pair{key: k, val: e})
		}
		return v, nil
	}
	return value{}, fmt.Errorf("holds %v, which is not text, a boolean, a number or an object", j)
}
