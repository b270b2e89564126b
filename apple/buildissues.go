package apple

// Build upload issues: the codes App Store Connect gives in a build upload's state (the
// errors, warnings and infos of BuildUpload.attributes.state, each a StateDetail {code,
// description}) when it imports a build, and the 409 that refuses a build number already
// used. The spec names no codes; these come from public sources:
//
//   - the numbers: expo/eas-cli's upload_to_asc step, a client of the Build Uploads API, tells
//     failed uploads apart by state.errors codes 90054 and 90055 (bundle identifier), 90062,
//     90186 and 90478 (a version closed or lower than one approved), 90725 (SDK too old) and
//     90683 (a privacy purpose string missing); rorkai/App-Store-Connect-CLI (#2087) reads the
//     same "raw numeric codes". They are the numbers of Transporter's ITMS-9xxxx messages
//     without the prefix, whose texts (quoted in fastlane's issues) give the descriptions below;
//   - the refusal of a used build number: altool's uploads over the API print Apple's JSON
//     error ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE, "The bundle version must be higher than
//     the previously uploaded version: '60'." Transporter said ITMS-90189 (Redundant Binary
//     Upload), and altool since Xcode 26 ITMS-4238.
//
// Searched without finding Apple's code (so the sandbox keeps codes of its own, marked
// SandboxOnly): an archive built for another platform than the upload's, an archive App
// Store Connect cannot read at all, and a file's own problems (a checksum that does not
// match, a part never sent, an upload whose URLs expired) in assetDeliveryState.errors.
// Searched: the 4.4.1 spec (StateDetail, AppMediaStateError, BuildUploadFile, Checksums),
// Apple's documentation pages of BuildUpload, BuildUploadFile and their requests, the
// shared fixtures (fastlane's build_uploads and build_delivery), and public issues and code
// ("buildUploadFiles", "assetDeliveryState errors", "App Store Connect API build uploads").

// BuildIssue is one code App Store Connect reports about a build upload.
type BuildIssue struct {
	Code string
	// What the code means, in a few words.
	What string
	// Fix is what to do about it, as ascend tells users.
	Fix string
	// SandboxOnly: no public source gives Apple's code for this case; the sandbox uses this
	// one of its own, and a client must not rely on it.
	SandboxOnly bool
}

// The codes the sandbox gives; their entries are in buildIssues.
const (
	// IssueBundleIDChanged (ITMS-90055): the archive's bundle identifier is not the app's.
	IssueBundleIDChanged = "90055"
	// IssueMetadataMismatch (ITMS-90345, "Metadata/Info.plist Mismatch"): the upload's
	// version or build number is not the archive's Info.plist's.
	IssueMetadataMismatch = "90345"
	// IssueRedundantBinary (ITMS-90189): the build number is already used for the version.
	IssueRedundantBinary = "90189"
	// IssuePlatformMismatch: the archive is built for another platform than the upload's.
	IssuePlatformMismatch = "PLATFORM_MISMATCH"
	// IssueInvalidArchive: the file is not an archive App Store Connect can read.
	IssueInvalidArchive = "INVALID_ARCHIVE"
	// IssueChecksumMismatch: the checksum committed is not the bytes received.
	IssueChecksumMismatch = "CHECKSUM_MISMATCH"
	// IssueUploadIncomplete: a part was never sent.
	IssueUploadIncomplete = "UPLOAD_INCOMPLETE"
	// IssueUploadExpired: the reservation's upload URLs expired before the commit.
	IssueUploadExpired = "UPLOAD_EXPIRED"
)

// DuplicateBuildDetail is the detail of Apple's 409 (ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE)
// refusing a build upload whose build number is already used for its version.
func DuplicateBuildDetail(buildNumber string) string {
	return "The bundle version must be higher than the previously uploaded version: '" + buildNumber + "'."
}

var buildIssues = []BuildIssue{
	{Code: "90054", What: "the bundle identifier cannot be changed from the previous version",
		Fix: "build the archive with the app's bundle identifier, or upload it to the app it belongs to"},
	{Code: IssueBundleIDChanged, What: "the archive's bundle identifier is not the app's",
		Fix: "build the archive with the app's bundle identifier, or upload it to the app it belongs to"},
	{Code: "90062", What: "the version is lower than one already approved",
		Fix: "raise CFBundleShortVersionString and build again"},
	{Code: "90186", What: "the version is closed for new builds",
		Fix: "raise CFBundleShortVersionString and build again"},
	{Code: "90478", What: "a later version is closed for new builds",
		Fix: "raise CFBundleShortVersionString and build again"},
	{Code: IssueRedundantBinary, What: "the build number is already used for this version",
		Fix: "raise CFBundleVersion and build again"},
	{Code: "4238", What: "the build number is already used for this version",
		Fix: "raise CFBundleVersion and build again"},
	{Code: IssueMetadataMismatch, What: "the upload's version or build number is not the archive's",
		Fix: "upload the archive with the version and build number of its Info.plist"},
	{Code: "90683", What: "Info.plist lacks a privacy purpose string the app needs",
		Fix: "add the NS...UsageDescription keys the description names and build again"},
	{Code: "90725", What: "the archive is built with an SDK older than App Store Connect accepts",
		Fix: "build with a newer Xcode and SDK"},
	{Code: IssuePlatformMismatch, What: "the archive is built for another platform than the upload's",
		Fix: "upload it with the platform it is built for", SandboxOnly: true},
	{Code: IssueInvalidArchive, What: "the file is not an archive App Store Connect can read",
		Fix: "upload the .ipa or .pkg that Xcode exported", SandboxOnly: true},
	{Code: IssueChecksumMismatch, What: "the bytes received are not the file committed",
		Fix: "upload it again", SandboxOnly: true},
	{Code: IssueUploadIncomplete, What: "a part of the file was never sent",
		Fix: "upload it again", SandboxOnly: true},
	{Code: IssueUploadExpired, What: "the upload's URLs expired before it was committed",
		Fix: "upload it again", SandboxOnly: true},
}

// LookupBuildIssue returns what ascend knows of a build upload issue code.
func LookupBuildIssue(code string) (BuildIssue, bool) {
	for _, b := range buildIssues {
		if b.Code == code {
			return b, true
		}
	}
	return BuildIssue{}, false
}

// BuildIssues returns the table (a copy).
func BuildIssues() []BuildIssue { return append([]BuildIssue(nil), buildIssues...) }
