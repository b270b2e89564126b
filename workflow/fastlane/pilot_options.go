package fastlane

// Reasons pilot's options share.
const (
	whyUploader = "ascend uploads through the App Store Connect API (build uploads), not iTMSTransporter or altool, so there is no provider to choose"
	whyAppClip  = "ascend pilot does not send beta App Clip invocations; set them on the build's App Clip in App Store Connect"
)

// pilotOptions are pilot's options in fastlane's order (pilot/lib/pilot/options.rb), each
// with its variables (the first one set is taken) and how a value is read; an option with
// why set is noted instead of applied, from the Pilotfile, a variable or a flag alike.
// fastlane ranks a variable above the Pilotfile; ascend's flags outrank both.
var pilotOptions = []option{
	{"api_key_path", []string{"PILOT_API_KEY_PATH", "APP_STORE_CONNECT_API_KEY_PATH"}, asCredential, "ascend takes credentials from its flags, the environment (PILOT_API_KEY_PATH and APP_STORE_CONNECT_API_KEY_PATH too) or a saved profile, not from a Pilotfile"},
	{"api_key", []string{"PILOT_API_KEY", "APP_STORE_CONNECT_API_KEY"}, notApplied, "ascend does not read an API key given as a hash; name the api-key JSON file (PILOT_API_KEY_PATH, ASC_API_KEY_JSON) or give the key's parts (APP_STORE_CONNECT_API_KEY_KEY_ID, ...)"},
	{"username", []string{"PILOT_USERNAME"}, notApplied, whyAccount},
	// fastlane's default is TESTFLIGHT_APP_IDENTITIFER (sic), then the Appfile: below the
	// Pilotfile (pilotDefaults).
	{"app_identifier", []string{"PILOT_APP_IDENTIFIER"}, asText, ""},
	{"app_platform", []string{"PILOT_PLATFORM"}, asText, ""},
	// fastlane's default is TESTFLIGHT_APPLE_ID, below the Pilotfile (pilotDefaults).
	{"apple_id", []string{"PILOT_APPLE_ID"}, asText, ""},
	// Both default to the newest archive in the project folder (pilotDefaults).
	{"ipa", []string{"PILOT_IPA"}, asPath, ""},
	{"pkg", []string{"PILOT_PKG"}, asPath, ""},
	{"demo_account_required", []string{"DEMO_ACCOUNT_REQUIRED"}, asBool, ""},
	{"beta_app_review_info", []string{"PILOT_BETA_APP_REVIEW_INFO"}, asObject, ""},
	{"localized_app_info", []string{"PILOT_LOCALIZED_APP_INFO"}, asObject, ""},
	{"beta_app_description", []string{"PILOT_BETA_APP_DESCRIPTION"}, asText, ""},
	{"beta_app_feedback_email", []string{"PILOT_BETA_APP_FEEDBACK"}, asText, ""},
	{"localized_build_info", []string{"PILOT_LOCALIZED_BUILD_INFO"}, asObject, ""},
	{"changelog", []string{"PILOT_CHANGELOG"}, asText, ""},
	{"skip_submission", []string{"PILOT_SKIP_SUBMISSION"}, asBool, ""},
	{"skip_waiting_for_build_processing", []string{"PILOT_SKIP_WAITING_FOR_BUILD_PROCESSING"}, asBool, ""},
	{"update_build_info_on_upload", []string{"PILOT_UPDATE_BUILD_INFO_ON_UPLOAD"}, notApplied, "pilot deprecated it: App Store Connect takes a build's test information once the build is processed, which is when ascend sets it"},
	{"app_clip_invocations", []string{"PILOT_APP_CLIP_INVOCATIONS"}, notApplied, whyAppClip},
	{"overwrite_app_clip_invocations", []string{"PILOT_APP_CLIPS_OVERWRITE_INVOCATIONS"}, notApplied, whyAppClip},
	{"distribute_only", []string{"PILOT_DISTRIBUTE_ONLY"}, asBool, ""},
	{"uses_non_exempt_encryption", []string{"PILOT_USES_NON_EXEMPT_ENCRYPTION"}, asBool, ""},
	{"distribute_external", []string{"PILOT_DISTRIBUTE_EXTERNAL"}, asBool, ""},
	{"notify_external_testers", []string{"PILOT_NOTIFY_EXTERNAL_TESTERS"}, asBool, ""},
	{"app_version", []string{"PILOT_APP_VERSION"}, asText, ""},
	{"build_number", []string{"PILOT_BUILD_NUMBER"}, asText, ""},
	{"expire_previous_builds", []string{"PILOT_EXPIRE_PREVIOUS_BUILDS"}, asBool, ""},
	{"first_name", []string{"PILOT_TESTER_FIRST_NAME"}, asText, ""},
	{"last_name", []string{"PILOT_TESTER_LAST_NAME"}, asText, ""},
	{"email", []string{"PILOT_TESTER_EMAIL"}, asText, ""},
	{"testers_file_path", []string{"PILOT_TESTERS_FILE"}, asPath, ""},
	{"groups", []string{"PILOT_GROUPS"}, asList, ""},
	{"team_id", []string{"PILOT_TEAM_ID"}, notApplied, whyAccount},
	{"team_name", []string{"PILOT_TEAM_NAME"}, notApplied, whyAccount},
	{"dev_portal_team_id", []string{"PILOT_DEV_PORTAL_TEAM_ID"}, notApplied, whyAccount},
	{"itc_provider", []string{"PILOT_ITC_PROVIDER"}, notApplied, whyUploader},
	{"provider_public_id", []string{"PILOT_PROVIDER_PUBLIC_ID"}, notApplied, whyUploader},
	{"wait_processing_interval", []string{"PILOT_WAIT_PROCESSING_INTERVAL"}, asSeconds, ""},
	{"wait_processing_timeout_duration", []string{"PILOT_WAIT_PROCESSING_TIMEOUT_DURATION"}, asSeconds, ""},
	{"wait_for_uploaded_build", []string{"PILOT_WAIT_FOR_UPLOADED_BUILD"}, notApplied, "pilot deprecated it: ascend follows the very build its upload made"},
	{"reject_build_waiting_for_review", []string{"PILOT_REJECT_PREVIOUS_BUILD"}, asBool, ""},
	// PILOT_DISTRIBUTE_EXTERNAL is this option's variable too, as in fastlane: it sets both.
	{"submit_beta_review", []string{"PILOT_DISTRIBUTE_EXTERNAL"}, asBool, ""},
}

// pilotOption is pilot's option of that name.
func pilotOption(name string) (option, bool) {
	for _, o := range pilotOptions {
		if o.name == name {
			return o, true
		}
	}
	return option{}, false
}

// PilotOptionNames are pilot's option names in fastlane's order, for help and tests.
func PilotOptionNames() []string {
	out := make([]string, len(pilotOptions))
	for i, o := range pilotOptions {
		out[i] = o.name
	}
	return out
}

// PilotVariables are the variables of pilot's option name, in fastlane's order.
func PilotVariables(name string) []string {
	o, _ := pilotOption(name)
	return o.env
}

// pilotPlatforms maps pilot's platform names (its check accepts only these) to App Store
// Connect's.
var pilotPlatforms = map[string]string{"ios": "IOS", "appletvos": "TV_OS", "osx": "MAC_OS", "xros": "VISION_OS"}

// pilotReviewKeys are the keys beta_app_review_info takes, pilotAppInfoKeys those of each
// language of localized_app_info and pilotBuildInfoKeys those of localized_build_info.
var (
	pilotReviewKeys    = []string{"contact_email", "contact_first_name", "contact_last_name", "contact_phone", "demo_account_required", "demo_account_name", "demo_account_password", "notes"}
	pilotAppInfoKeys   = []string{"feedback_email", "marketing_url", "privacy_policy_url", "tv_os_privacy_policy_url", "description"}
	pilotBuildInfoKeys = []string{"whats_new"}
)

// PilotFlag is one of pilot's options a command takes as a flag: its name, and how its text
// is read (Kind: "bool", "text", "path", "list", "seconds" or "json").
type PilotFlag struct{ Option, Kind string }

// PilotFlags are pilot's options ascend applies, in fastlane's order, for a command's flags
// (Pilot.Set reads their text).
func PilotFlags() []PilotFlag {
	kinds := map[kind]string{asText: "text", asPath: "path", asBool: "bool", asList: "list", asSeconds: "seconds", asObject: "json"}
	var out []PilotFlag
	for _, o := range pilotOptions {
		k, ok := kinds[o.kind]
		if !ok {
			continue
		}
		out = append(out, PilotFlag{Option: o.name, Kind: k})
	}
	return out
}
