package sandbox

import (
	"fmt"
	"io"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/workflow/builds/archive"
)

// Build uploads (API 4.1): a build upload names the app, version, build number and platform;
// its file is reserved with an asset type and a UTI that must fit the platform (an .ipa for
// iOS, tvOS and visionOS, a .pkg for macOS), sent in parts and committed with its checksum.
// The upload is PROCESSING from the commit; once the file is processed, the archive is read
// as App Store Connect reads it, and an archive that is not the app's bundle id, version,
// build number or platform fails the upload with its reasons; otherwise it becomes a build
// (family_builds.go). A build number already used for the version is refused at once.

func init() {
	register(&family{
		name: "builduploads",
		hooks: []hooks{
			{types: []string{"buildUploads"}, beforeCreate: uniqueBuildNumber},
			{types: []string{"buildUploadFiles"}, beforeCreate: checkUploadFile, entered: fileEntered},
		},
		machines: []*machine{buildUploadMachine},
	})
}

// buildUploadMachine: state.state.
var buildUploadMachine = &machine{
	types: []string{"buildUploads"},
	get:   buildUploadState,
	set:   (*Server).setBuildUploadState,
	rows: []transition{
		{from: "*", on: "create", to: "AWAITING_UPLOAD"},
		{from: "AWAITING_UPLOAD", on: "fileUploaded", to: "PROCESSING"},
		{from: "AWAITING_UPLOAD|PROCESSING", on: "fileFailed", to: "FAILED", do: failFromFile},
		{from: "AWAITING_UPLOAD|PROCESSING", on: "fileProcessed", when: archiveRefused, to: "FAILED", do: failFromArchive},
		{from: "AWAITING_UPLOAD|PROCESSING", on: "fileProcessed", when: allFilesProcessed, to: "PROCESSING", do: (*Server).makeBuild},
		{from: "*", on: "buildReady", to: "COMPLETE"},
	},
}

func buildUploadState(r *record) string {
	st, _ := r.Attrs["state"].(map[string]any)
	s, _ := st["state"].(string)
	return s
}

// uniqueBuildNumber: App Store Connect takes each build number once per version and
// platform; an upload that failed does not use it up.
func uniqueBuildNumber(s *Server, doc *resourceDoc) *httpError {
	short, _ := doc.Attrs["cfBundleShortVersionString"].(string)
	number, _ := doc.Attrs["cfBundleVersion"].(string)
	platform, _ := doc.Attrs["platform"].(string)
	var errs []apiError
	for _, a := range [][2]string{{"cfBundleShortVersionString", short}, {"cfBundleVersion", number}} {
		if e, bad := invalidVersion(a[0], a[1]); bad {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		return errResp(409, errs...)
	}
	appID := doc.relID("app")
	used := apple.DuplicateBuildDetail(number)
	for _, up := range s.siblings("buildUploads", "app", appID) {
		if up.str("cfBundleShortVersionString") == short && up.str("cfBundleVersion") == number && up.str("platform") == platform && buildUploadState(up) != "FAILED" {
			return duplicate(used, "/data/attributes/cfBundleVersion")
		}
	}
	for _, b := range s.siblings("builds", "app", appID) {
		if b.str("version") != number {
			continue
		}
		if p := s.st.get("preReleaseVersions", b.one("preReleaseVersion")); p != nil && p.str("version") == short && p.str("platform") == platform {
			return duplicate(used, "/data/attributes/cfBundleVersion")
		}
	}
	return nil
}

// utiFor is the UTI of a platform's build archive.
func utiFor(platform string) string {
	if platform == "MAC_OS" {
		return "com.apple.pkg"
	}
	return "com.apple.ipa"
}

// checkUploadFile: a file is added to an upload still awaiting it, one archive per upload,
// with the UTI its platform takes.
func checkUploadFile(s *Server, doc *resourceDoc) *httpError {
	up := s.st.get("buildUploads", doc.relID("buildUpload"))
	if up == nil {
		return nil // the engine answers for a relationship to nothing
	}
	if st := buildUploadState(up); st != "AWAITING_UPLOAD" {
		return stateError(fmt.Sprintf("The build upload is %s; files can be added only while it awaits its upload.", st))
	}
	if t, _ := doc.Attrs["assetType"].(string); t != "ASSET" {
		return nil
	}
	if uti, _ := doc.Attrs["uti"].(string); uti != utiFor(up.str("platform")) {
		return conflict("ENTITY_ERROR.ATTRIBUTE.INVALID", entityTitles["ENTITY_ERROR.ATTRIBUTE.INVALID"],
			fmt.Sprintf("A %s build is uploaded as %s, not %s.", up.str("platform"), utiFor(up.str("platform")), uti), "/data/attributes/uti")
	}
	for _, f := range s.siblings("buildUploadFiles", "buildUpload", up.ID) {
		if f.str("assetType") == "ASSET" && assetState(f) != "FAILED" {
			return conflict("ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE", "The provided entity includes an attribute with a value that has already been used",
				"The build upload already has its archive file.", "/data/attributes/assetType")
		}
	}
	return nil
}

// fileEntered tells the upload what became of its file.
func fileEntered(s *Server, f *record, state string) {
	up := s.st.get("buildUploads", f.one("buildUpload"))
	if up == nil {
		return
	}
	switch state {
	case "UPLOAD_COMPLETE":
		s.send(up, "fileUploaded")
	case "COMPLETE":
		s.send(up, "fileProcessed")
	case "FAILED":
		s.send(up, "fileFailed")
	}
}

// allFilesProcessed: the upload has no build yet and every one of its files is COMPLETE.
func allFilesProcessed(s *Server, up *record) bool {
	if up.one("build") != "" {
		return false
	}
	for _, f := range s.siblings("buildUploadFiles", "buildUpload", up.ID) {
		if assetState(f) != "COMPLETE" {
			return false
		}
	}
	return true
}

// archiveRefused: every file is processed and the archive is not the upload's build.
func archiveRefused(s *Server, up *record) bool {
	return allFilesProcessed(s, up) && len(archiveProblems(s, up)) > 0
}

// archiveProblems compares the archive App Store Connect read with the upload and its app.
func archiveProblems(s *Server, up *record) []any {
	var f *record
	for _, x := range s.siblings("buildUploadFiles", "buildUpload", up.ID) {
		if x.str("assetType") == "ASSET" {
			f = x
		}
	}
	if f == nil || f.Hidden == nil {
		return nil
	}
	if why, _ := f.Hidden["archiveProblem"].(string); why != "" {
		return []any{issue(apple.IssueInvalidArchive, why)}
	}
	got, _ := f.Hidden["archive"].(map[string]any)
	if got == nil {
		return nil
	}
	// Apple's codes and texts where public sources give them (apple.BuildIssues); the
	// platform's is the sandbox's own.
	var out []any
	if app := s.st.get("apps", up.one("app")); app != nil && got["bundleId"] != app.str("bundleId") {
		out = append(out, issue(apple.IssueBundleIDChanged, fmt.Sprintf("This bundle is invalid. The bundle identifier cannot be changed from the current value, '%s'. "+
			"If you want to change your bundle identifier, you will need to create a new application in App Store Connect. (The archive's is '%v'.)", app.str("bundleId"), got["bundleId"])))
	}
	if got["version"] != up.str("cfBundleShortVersionString") {
		out = append(out, issue(apple.IssueMetadataMismatch, fmt.Sprintf("Metadata/Info.plist Mismatch - The value for cfBundleShortVersionString of the build upload, '%s', does not match the value for CFBundleShortVersionString in the archive, '%v'.",
			up.str("cfBundleShortVersionString"), got["version"])))
	}
	if got["build"] != up.str("cfBundleVersion") {
		out = append(out, issue(apple.IssueMetadataMismatch, fmt.Sprintf("Metadata/Info.plist Mismatch - The value for cfBundleVersion of the build upload, '%s', does not match the value for CFBundleVersion in the archive, '%v'.",
			up.str("cfBundleVersion"), got["build"])))
	}
	if got["platform"] != up.str("platform") {
		out = append(out, issue(apple.IssuePlatformMismatch, fmt.Sprintf("The archive is built for %v, not %s.", got["platform"], up.str("platform"))))
	}
	return out
}

func issue(code, description string) map[string]any {
	return map[string]any{"code": code, "description": description}
}

func failFromArchive(s *Server, up *record) { s.setUploadErrors(up, archiveProblems(s, up)) }

// failFromFile passes the file's errors (a checksum that does not match, a missing part) on
// to the upload.
func failFromFile(s *Server, up *record) {
	var errs []any
	for _, f := range s.siblings("buildUploadFiles", "buildUpload", up.ID) {
		if assetState(f) == "FAILED" {
			st, _ := f.Attrs["assetDeliveryState"].(map[string]any)
			list, _ := st["errors"].([]any)
			errs = append(errs, list...)
		}
	}
	s.setUploadErrors(up, errs)
}

func (s *Server) setUploadErrors(up *record, errs []any) {
	st, _ := up.Attrs["state"].(map[string]any)
	if st == nil {
		return
	}
	if errs == nil {
		errs = []any{}
	}
	st["errors"] = errs
	s.markDirty(up)
}

// setBuildUploadState sets state.state and tells the webhooks; uploadedDate is set when the
// upload is done.
func (s *Server) setBuildUploadState(up *record, state string) {
	old := buildUploadState(up)
	if old == state {
		return
	}
	up.Attrs["state"] = map[string]any{"state": state, "errors": []any{}, "warnings": []any{}, "infos": []any{}}
	if state == "COMPLETE" || state == "PROCESSING" {
		if _, ok := up.Attrs["uploadedDate"]; !ok {
			up.Attrs["uploadedDate"] = s.timestamp(up.Type)
		}
	}
	s.markDirty(up)
	if old == "" {
		return // a new upload: no change to tell
	}
	s.emit(up.one("app"), "BUILD_UPLOAD_STATE_UPDATED", "buildUploadStateUpdated", up,
		map[string]any{"oldValue": old, "newValue": state})
}

// inspectDelivery reads a committed build archive as App Store Connect does and keeps what it
// says (or why it cannot be read) in hidden, for processing to compare with the upload.
func inspectDelivery(hidden map[string]any, r io.ReaderAt, size int64, name string) {
	info, err := archive.ReadAt(r, size, name)
	if err != nil {
		hidden["archiveProblem"] = err.Error()
		return
	}
	hidden["archive"] = map[string]any{"bundleId": info.BundleID, "version": info.Version, "build": info.BuildNumber,
		"platform": info.Platform, "kind": string(info.Kind)}
}
