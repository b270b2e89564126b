package deliver

import (
	"fmt"
	"slices"
	"strings"
)

// submissionInfo is what deliver's submission_information asks that App Store Connect's API
// has a field for: export compliance on the build, content rights on the app, the
// advertising identifier answer on the version.
type submissionInfo struct {
	usesEncryption    *bool // export_compliance_uses_encryption: the build's usesNonExemptEncryption
	thirdPartyContent *bool // content_rights_contains_third_party_content: the app's contentRightsDeclaration
	usesIdfa          *bool // add_id_info_uses_idfa: the version's usesIdfa (deprecated in the spec)
}

// Why the other keys deliver documents for submission_information are not applied.
const (
	notEncryption = "App Store Connect's API takes these answers in an app encryption declaration, which also needs a description deliver does not give: make the declaration in App Store Connect and attach it with 'ascend builds update --encryption-declaration ID'"
	notIDFA       = "Apple no longer asks the advertising identifier questions at submission (App Privacy details replaced them, and the API takes no answers to them)"
)

var notApplicable = map[string]string{
	"content_rights_has_rights":                           "App Store Connect's API records only whether the app uses third-party content (content_rights_contains_third_party_content), not whether you hold the rights to it",
	"add_id_info_serves_ads":                              notIDFA,
	"add_id_info_tracks_install":                          notIDFA,
	"add_id_info_tracks_action":                           notIDFA,
	"add_id_info_limits_tracking":                         notIDFA,
	"export_compliance_platform":                          "App Store Connect's API answers export compliance per build, whose platform it knows",
	"export_compliance_compliance_required":               notEncryption,
	"export_compliance_encryption_updated":                notEncryption,
	"export_compliance_app_type":                          notEncryption,
	"export_compliance_is_exempt":                         notEncryption,
	"export_compliance_contains_third_party_cryptography": notEncryption,
	"export_compliance_contains_proprietary_cryptography": notEncryption,
	"export_compliance_available_on_french_store":         notEncryption,
}

// readSubmissionInfo reads submission_information's keys (values as the Deliverfile wrote
// them); where is where the option came from ("Deliverfile line 17"). Each key not applied
// is a note of its own; a value that is no boolean is a problem.
func readSubmissionInfo(info map[string]string, where string) (si submissionInfo, notes, problems []string) {
	if where != "" {
		where += ": "
	}
	keys := make([]string, 0, len(info))
	for k := range info {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := strings.TrimSpace(info[k])
		var dst **bool
		switch k {
		case "export_compliance_uses_encryption":
			dst = &si.usesEncryption
		case "content_rights_contains_third_party_content":
			dst = &si.thirdPartyContent
		case "add_id_info_uses_idfa":
			dst = &si.usesIdfa
		}
		switch {
		case dst != nil && (v == "nil" || v == ""):
			// deliver's own template writes nil for "not answered"
		case dst != nil && (v == "true" || v == "false"):
			b := v == "true"
			*dst = &b
		case dst != nil:
			problems = append(problems, fmt.Sprintf("%ssubmission_information's %s must be true or false, it is %q", where, k, info[k]))
		case notApplicable[k] != "":
			notes = append(notes, fmt.Sprintf("%ssubmission_information's %s is not applicable: %s", where, k, notApplicable[k]))
		default:
			notes = append(notes, fmt.Sprintf("%ssubmission_information's %s is not a key deliver knows; not applied", where, k))
		}
	}
	return si, notes, problems
}
