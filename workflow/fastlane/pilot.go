package fastlane

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ascend-tools/ascend/internal/fuzzy"
	problemlist "github.com/ascend-tools/ascend/workflow/internal/problems"
)

// Pilot is what fastlane pilot's options say, from the Pilotfile, the Appfile, the PILOT_*
// variables and (through Set) a command's flags, each in fastlane's rank: a flag outranks a
// variable, which outranks the Pilotfile, which outranks the defaults (the Appfile's app
// identifier, the newest archive in the project folder).
type Pilot struct {
	// Root is the project folder (where fastlane runs); relative paths are read against it.
	Root string
	// Files are the files read, relative to Root ("fastlane/Appfile", "fastlane/Pilotfile").
	Files []string
	// Where says where each option given came from: "fastlane/Pilotfile line 3", "$PILOT_GROUPS",
	// "--groups", or a default's origin.
	Where map[string]string
	// Notes are the options read and not applied, each with its reason.
	Notes []string

	AppIdentifier string // the bundle id
	AppleID       string // the app's Apple id (digits)
	Platform      string // pilot's name: ios, appletvos, osx, xros ("" when not given)
	IPA, PKG      string // absolute

	DemoAccountRequired *bool
	// BetaAppReviewInfo is beta_app_review_info, its keys pilot's (contact_email, ...);
	// demo_account_required is "true" or "false".
	BetaAppReviewInfo map[string]string
	// LocalizedAppInfo is localized_app_info: language ("default" too) => pilot's key
	// (feedback_email, description, ...) => text.
	LocalizedAppInfo     map[string]map[string]string
	BetaAppDescription   string
	BetaAppFeedbackEmail string
	// LocalizedBuildInfo is localized_build_info's whats_new by language ("default" too).
	LocalizedBuildInfo map[string]string
	Changelog          string

	SkipSubmission, SkipWaitingForBuildProcessing bool
	DistributeOnly, UsesNonExemptEncryption       bool
	DistributeExternal                            bool
	NotifyExternalTesters                         *bool
	AppVersion, BuildNumber                       string
	ExpirePreviousBuilds                          bool
	FirstName, LastName, Email                    string
	TestersFilePath                               string // absolute; default <Root>/testers.csv
	Groups                                        []string
	// WaitProcessingInterval is how often processing is checked (default 30 s);
	// WaitProcessingTimeout bounds the wait (0: not given).
	WaitProcessingInterval, WaitProcessingTimeout time.Duration
	RejectBuildWaitingForReview                   bool
	SubmitBetaReview                              bool // default true

	// given says which options were given (not defaults), the first statement of a file
	// winning within it as fastlane reads a configuration file.
	given map[string]bool
}

// Given reports whether option name was given by a flag, a variable or the Pilotfile (not
// a default).
func (p *Pilot) Given(name string) bool { return p.given[name] }

// pilotFileDirs are where fastlane looks for a configuration file and for the Appfile, in
// its order, relative to the folder it runs in.
var pilotFileDirs = []string{"fastlane", ".fastlane", "."}

// ResolvePilot reads the project in dir ("" is "."; a folder named fastlane is its parent's)
// as fastlane pilot does: the Appfile and Pilotfile (fastlane/, .fastlane/ or dir itself,
// either may be absent), then the PILOT_* variables, then the defaults. env looks variables
// up (nil: os.LookupEnv). Every value that cannot be used (a wrong type, a key pilot does not
// take, an unknown option, a platform pilot does not know) is refused by name, all of them
// at once, before any request.
func ResolvePilot(dir string, env func(string) (string, bool)) (*Pilot, error) {
	if env == nil {
		env = os.LookupEnv
	}
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if filepath.Base(abs) == "fastlane" || filepath.Base(abs) == ".fastlane" {
		abs = filepath.Dir(abs)
	}
	p := &Pilot{Root: abs, Where: map[string]string{}, given: map[string]bool{}, SubmitBetaReview: true, WaitProcessingInterval: 30 * time.Second}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for _, name := range []string{"Appfile", "Pilotfile"} {
		rel, data, err := findFile(abs, name)
		if err != nil {
			return nil, err
		}
		if rel == "" {
			continue
		}
		p.Files = append(p.Files, rel)
		unread := func(line int, opt string, err error) {
			if name == "Appfile" {
				p.notef("%s line %d is not read: %v", rel, line, err)
				return
			}
			bad("%s line %d is not read: %v; write %s's value itself, or set it with its variable", rel, line, err, opt)
		}
		for _, st := range readStatements(rel, string(data), p.notef, unread) {
			where := fmt.Sprintf("%s line %d", rel, st.line)
			if len(st.args) != 1 {
				bad("%s: %s takes one value, it has %d", where, st.name, len(st.args))
				continue
			}
			v, how := st.args[0].eval(lookup(env))
			v = v.resolve(lookup(env))
			if how != "" {
				where += " (" + how + ")"
			}
			if name == "Appfile" {
				p.appfile(where, st.name, v)
				continue
			}
			if p.given[st.name] {
				p.notef("%s: %s is given again; fastlane takes a file's first statement of an option (%s), so this one is not applied", where, st.name, p.Where[st.name])
				continue
			}
			if err := p.apply(where, st.name, v); err != nil {
				bad("%s", err)
			}
		}
	}
	// fastlane's variables outrank the file: a variable replaces what the file gave.
	problems = append(problems, readEnv(pilotOptions, lookup(env), p.notef, func(o option, where string, v value) {
		if err := p.apply(where, o.name, v); err != nil {
			problems = append(problems, err.Error())
		}
	})...)
	if len(problems) > 0 {
		return nil, problemlist.New("pilot's options", problems)
	}
	if err := p.defaults(env); err != nil {
		return nil, err
	}
	return p, nil
}

// findFile is the first of fastlane's places for file name under root, relative to root
// ("" when none has it).
func findFile(root, name string) (string, []byte, error) {
	for _, d := range pilotFileDirs {
		path := filepath.Join(root, d, name)
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("read %s: %v", path, err)
		}
		return filepath.ToSlash(filepath.Join(d, name)), data, nil
	}
	return "", nil, nil
}

// appfile records an Appfile statement: its app_identifier is pilot's default; the keys that
// name an account are noted.
func (p *Pilot) appfile(where, name string, v value) {
	switch {
	case name == "app_identifier":
		if list, ok := v.asStrings(); ok && len(list) > 0 {
			if !p.given["app_identifier"] && p.AppIdentifier == "" {
				p.AppIdentifier, p.Where["app_identifier"] = list[0], where
			}
			return
		}
		p.notef("%s: app_identifier must be a string, it is %s; not applied", where, v)
	case appfileKeys[name]:
		p.notef("%s: %s names an account or team; ascend uses the API key's team, so it is not applied", where, name)
	default:
		p.notef("%s: %s is not an Appfile option ascend knows; not applied", where, name)
	}
}

func (p *Pilot) notef(format string, args ...any) {
	p.Notes = append(p.Notes, fmt.Sprintf(format, args...))
}

// Set gives option name the value text from where (a flag: "--groups"), read as its
// variable would be read and outranking the variable and the file. A path is read against
// Root unless absolute: a command makes a flag's path absolute first. The error names where.
func (p *Pilot) Set(name, text, where string) error {
	o, ok := pilotOption(name)
	if !ok {
		return fmt.Errorf("%s: %s is not one of pilot's options", where, name)
	}
	if o.kind == notApplied || o.kind == asCredential {
		p.notef("%s: %s is not applied: %s", where, name, o.why)
		return nil
	}
	v, err := envValue(o, text)
	if err != nil {
		return fmt.Errorf("%s %q: %v", where, text, err)
	}
	return p.apply(where, name, v)
}

// appleIDPattern is an app's Apple id: digits only.
var appleIDPattern = regexp.MustCompile(`^[0-9]+$`)

// apply records option name's value v, read at where. A value the option cannot take is an
// error naming where; an option ascend does not apply is a note.
func (p *Pilot) apply(where, name string, v value) error {
	o, ok := pilotOption(name)
	if !ok {
		if s := nearestPilotOption(name); s != "" {
			return fmt.Errorf("%s: %s is not one of pilot's options (did you mean %s?)", where, name, s)
		}
		return fmt.Errorf("%s: %s is not one of pilot's options", where, name)
	}
	if o.kind == notApplied || o.kind == asCredential {
		p.notef("%s: %s is not applied: %s", where, name, o.why)
		return nil
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s %s", where, name, fmt.Sprintf(format, args...))
	}
	str := func() (string, error) {
		s, ok := v.asString()
		if !ok {
			return "", fail("must be text, it is %s", v.kindName())
		}
		return s, nil
	}
	boolean := func() (bool, error) {
		b, ok := v.asBool()
		if !ok {
			return false, fail("must be true or false, it is %s", v)
		}
		return b, nil
	}
	var err error
	switch o.kind {
	case asText, asPath:
		var s string
		if s, err = str(); err != nil {
			return err
		}
		if o.kind == asPath {
			if !filepath.IsAbs(s) {
				s = filepath.Join(p.Root, s)
			}
			s = filepath.Clean(s)
		}
		err = p.text(name, s, fail)
	case asBool:
		var b bool
		if b, err = boolean(); err != nil {
			return err
		}
		p.flag(name, b)
	case asSeconds:
		n, e := strconv.Atoi(v.text)
		if v.kind != kindNumber && v.kind != kindString || e != nil || n <= 0 {
			return fail("must be a whole number of seconds above 0, it is %s", v)
		}
		d := time.Duration(n) * time.Second
		if name == "wait_processing_interval" {
			p.WaitProcessingInterval = d
		} else {
			p.WaitProcessingTimeout = d
		}
	case asList:
		list, ok := v.asStrings()
		if !ok {
			return fail("must be a list of group names, it is %s", v)
		}
		if v.kind == kindString && v.text != "" {
			// A Pilotfile's "A,B" is split as fastlane splits a string given for an array.
			list = nil
			for _, s := range strings.Split(v.text, ",") {
				if s = strings.TrimSpace(s); s != "" {
					list = append(list, s)
				}
			}
		}
		p.Groups = list
	case asObject:
		err = p.object(name, v, fail)
	}
	if err != nil {
		return err
	}
	p.Where[name], p.given[name] = where, true
	return nil
}

// text records a text option, with pilot's checks of its value.
func (p *Pilot) text(name, s string, fail func(string, ...any) error) error {
	switch name {
	case "app_identifier":
		p.AppIdentifier = s
	case "app_platform":
		if _, ok := pilotPlatforms[s]; !ok {
			return fail("%q is not one of pilot's platforms (ios, appletvos, osx, xros)", s)
		}
		p.Platform = s
	case "apple_id":
		if !appleIDPattern.MatchString(s) {
			return fail("%q is not an app's Apple ID: take the digits shown as Apple ID under App Information in App Store Connect (not an email or a bundle id)", s)
		}
		p.AppleID = s
	case "ipa", "pkg":
		ext := "." + name
		if !strings.HasSuffix(s, ext) {
			return fail("%s does not end in %s; name the %s file", s, ext, name)
		}
		if st, err := os.Stat(s); err != nil || st.IsDir() {
			return fail("%s: no such file", s)
		}
		if name == "ipa" {
			p.IPA = s
		} else {
			p.PKG = s
		}
	case "beta_app_feedback_email", "email":
		if !strings.Contains(s, "@") {
			return fail("%q is not an email address", s)
		}
	}
	if f := p.textField(name); f != nil {
		*f = s
	}
	return nil
}

// textField is where text option name is kept (nil for those text handles itself).
func (p *Pilot) textField(name string) *string {
	return map[string]*string{
		"beta_app_description": &p.BetaAppDescription, "beta_app_feedback_email": &p.BetaAppFeedbackEmail,
		"changelog": &p.Changelog, "app_version": &p.AppVersion, "build_number": &p.BuildNumber,
		"first_name": &p.FirstName, "last_name": &p.LastName, "email": &p.Email, "testers_file_path": &p.TestersFilePath,
	}[name]
}

// flag records a boolean option.
func (p *Pilot) flag(name string, b bool) {
	switch name {
	case "demo_account_required":
		p.DemoAccountRequired = &b
	case "skip_submission":
		p.SkipSubmission = b
	case "skip_waiting_for_build_processing":
		p.SkipWaitingForBuildProcessing = b
	case "distribute_only":
		p.DistributeOnly = b
	case "uses_non_exempt_encryption":
		p.UsesNonExemptEncryption = b
	case "distribute_external":
		p.DistributeExternal = b
	case "notify_external_testers":
		p.NotifyExternalTesters = &b
	case "expire_previous_builds":
		p.ExpirePreviousBuilds = b
	case "reject_build_waiting_for_review":
		p.RejectBuildWaitingForReview = b
	case "submit_beta_review":
		p.SubmitBetaReview = b
	}
}

// object records one of pilot's hash options, refusing a key pilot does not take as its
// check does.
func (p *Pilot) object(name string, v value, fail func(string, ...any) error) error {
	if v.kind != kindHash {
		return fail("must be a hash, it is %s", v.kindName())
	}
	text := func(key string, e value) (string, error) {
		if s, ok := e.asString(); ok {
			return s, nil
		}
		return "", fail("%s must be text, it is %s", key, e.kindName())
	}
	switch name {
	case "beta_app_review_info":
		m := map[string]string{}
		for _, kv := range v.pairs {
			if !slices.Contains(pilotReviewKeys, kv.key) {
				return fail("has the key %q, which pilot does not take (%s)", kv.key, strings.Join(pilotReviewKeys, ", "))
			}
			if kv.key == "demo_account_required" {
				b, ok := kv.val.asBool()
				if !ok {
					return fail("demo_account_required must be true or false, it is %s", kv.val.kindName())
				}
				m[kv.key] = strconv.FormatBool(b)
				continue
			}
			s, err := text(kv.key, kv.val) // the kind only: the hash holds the demo password
			if err != nil {
				return err
			}
			m[kv.key] = s
		}
		p.BetaAppReviewInfo = m
	case "localized_app_info", "localized_build_info":
		keys := pilotAppInfoKeys
		if name == "localized_build_info" {
			keys = pilotBuildInfoKeys
		}
		apps, builds := map[string]map[string]string{}, map[string]string{}
		for _, lang := range v.pairs {
			if lang.val.kind != kindHash {
				return fail("for %s must be a hash (%s), it is %s", keyText(lang.key), strings.Join(keys, ", "), lang.val.kindName())
			}
			m := map[string]string{}
			for _, kv := range lang.val.pairs {
				if !slices.Contains(keys, kv.key) {
					return fail("for %s has the key %q, which pilot does not take (%s)", keyText(lang.key), kv.key, strings.Join(keys, ", "))
				}
				s, err := text(keyText(lang.key)+"'s "+kv.key, kv.val)
				if err != nil {
					return err
				}
				m[kv.key] = s
			}
			apps[lang.key] = m
			if s, ok := m["whats_new"]; ok {
				builds[lang.key] = s
			}
		}
		if name == "localized_app_info" {
			p.LocalizedAppInfo = apps
		} else {
			p.LocalizedBuildInfo = builds
		}
	}
	return nil
}

// nearestPilotOption is the option a mistyped name most likely meant ("" when none is close).
func nearestPilotOption(name string) string {
	best, bestD := "", 3
	for _, o := range pilotOptions {
		if d := fuzzy.Distance(name, o.name); d < bestD {
			best, bestD = o.name, d
		}
	}
	return best
}

// defaults fills what pilot defaults when no flag, variable or Pilotfile gave it: the app
// identifier from TESTFLIGHT_APP_IDENTITIFER (fastlane's spelling) before the Appfile's, the
// Apple id from TESTFLIGHT_APPLE_ID, the newest .ipa or .pkg in the project folder, and
// ./testers.csv.
func (p *Pilot) defaults(env lookup) error {
	if !p.given["app_identifier"] {
		if v, ok := env("TESTFLIGHT_APP_IDENTITIFER"); ok && strings.TrimSpace(v) != "" {
			p.AppIdentifier, p.Where["app_identifier"] = v, "$TESTFLIGHT_APP_IDENTITIFER"
		}
	}
	if !p.given["apple_id"] {
		if v, ok := env("TESTFLIGHT_APPLE_ID"); ok && strings.TrimSpace(v) != "" {
			if !appleIDPattern.MatchString(v) {
				return problemlist.New("pilot's options", []string{fmt.Sprintf("$TESTFLIGHT_APPLE_ID=%q: not an app's Apple ID (digits)", v)})
			}
			p.AppleID, p.Where["apple_id"] = v, "$TESTFLIGHT_APPLE_ID"
		}
	}
	if !p.given["ipa"] && !p.given["pkg"] {
		for _, ext := range []string{"ipa", "pkg"} {
			if f := newest(p.Root, "."+ext); f != "" {
				if ext == "ipa" {
					p.IPA = f
				} else {
					p.PKG = f
				}
				p.Where[ext] = "the newest ." + ext + " in " + p.Root
			}
		}
	}
	if !p.given["testers_file_path"] {
		p.TestersFilePath = filepath.Join(p.Root, "testers.csv")
	}
	return nil
}

// newest is the most recently modified file of dir ending in ext ("" when none).
func newest(dir, ext string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var best string
	var at time.Time
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ext) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		if best == "" || info.ModTime().After(at) {
			best, at = filepath.Join(dir, e.Name()), info.ModTime()
		}
	}
	return best
}

// ApplePlatform is the platform as App Store Connect names it ("" when not given).
func (p *Pilot) ApplePlatform() string { return pilotPlatforms[p.Platform] }

// App is the app the options name: the Apple id when given, else the app identifier; from
// says where it came from ("" and "" when neither is given).
func (p *Pilot) App() (app, from string) {
	if p.AppleID != "" {
		return p.AppleID, p.Where["apple_id"]
	}
	return p.AppIdentifier, p.Where["app_identifier"]
}
