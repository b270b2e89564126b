package deliver

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/builds/archive"
	"github.com/ascend-tools/ascend/workflow/versions"
)

// readBinary reads the build archive deliver's ipa or pkg names (a flag's outranking the
// project's) before any request, as fastlane's DetectValues does: the archive gives the app,
// the version and the platform the options leave out, and one that disagrees with them is a
// problem. When the upload is skipped (build_number given, skip_binary_upload; not under
// verify_only, which is the checks alone) it is read only for what the options leave out.
func (p *plan) readBinary(o Options, platformGiven bool) (notes, problems []string) {
	path, option, from := o.IPA, "ipa", "--ipa"
	c := o.Project
	switch {
	case o.IPA != "" && o.PKG != "":
		return nil, []string{"--ipa and --pkg are both given: name one archive"}
	case o.PKG != "":
		path, option, from = o.PKG, "pkg", "--pkg"
	case o.IPA == "" && c != nil:
		switch {
		case c.IPA != "" && c.PKG != "":
			return nil, []string{fmt.Sprintf("ipa (%s) and pkg (%s) are both given: name one archive", c.Where["ipa"], c.Where["pkg"])}
		case c.IPA != "":
			path, from = c.IPA, c.Where["ipa"]
		case c.PKG != "":
			path, option, from = c.PKG, "pkg", c.Where["pkg"]
		}
	}
	pick := func(flag *bool, name string, project map[string]bool) bool {
		if flag != nil {
			return *flag
		}
		return c != nil && project[name]
	}
	var skip, verify bool
	if c != nil {
		skip, verify = pick(o.SkipBinaryUpload, "skip_binary_upload", c.Skip), pick(o.VerifyOnly, "verify_only", c.Flags)
	} else {
		skip, verify = pick(o.SkipBinaryUpload, "", nil), pick(o.VerifyOnly, "", nil)
	}
	p.verifyOnly = verify
	// pickBuild: skipping the upload, a submission attaches the archive's build (uploaded
	// some other way), as fastlane's submission selects the ipa's build number then.
	upload, pickBuild := true, false
	switch {
	case path == "" && verify:
		return nil, []string{"verify_only checks a build archive: name it with ipa or pkg (--ipa, --pkg, DELIVER_IPA_PATH, DELIVER_PKG_PATH)"}
	case path == "":
		return nil, nil
	case !verify && p.build != "":
		upload = false
		notes = append(notes, fmt.Sprintf("%s %s (%s) is not uploaded: build_number %s names the build to attach (fastlane deliver skips the upload then too)", option, path, from, p.build))
	case !verify && skip:
		upload, pickBuild = false, p.submit
		notes = append(notes, fmt.Sprintf("%s %s (%s) is not uploaded: skip_binary_upload", option, path, from))
	}
	needed := upload || pickBuild || p.app == "" || p.version == "" || !platformGiven
	if !needed {
		return notes, nil // nothing to take from the archive, which need not be there
	}
	info, err := archive.Read(path)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s (%s): %v", option, from, err)}
	}
	if want := map[string]archive.Kind{"ipa": archive.IPA, "pkg": archive.Package}[option]; info.Kind != want {
		return nil, []string{fmt.Sprintf("%s (%s): %s is a .%s archive; name it with %s", option, from, path, info.Kind, map[archive.Kind]string{archive.IPA: "ipa", archive.Package: "pkg"}[info.Kind])}
	}
	name := info.FileName()
	switch {
	case p.app == "":
		p.app = info.BundleID
		notes = append(notes, fmt.Sprintf("the app is %s, the bundle id of %s", info.BundleID, name))
	case strings.Trim(p.app, "0123456789") != "" && p.app != info.BundleID:
		problems = append(problems, fmt.Sprintf("%s (%s) is built for bundle id %s, but the app is %s: upload it to its own app or fix app_identifier", name, from, info.BundleID, p.app))
	}
	switch {
	case p.version == "":
		p.version = info.Version
	case p.version != info.Version:
		problems = append(problems, fmt.Sprintf("%s (%s) is version %s (CFBundleShortVersionString), but app_version is %s: build it again or fix app_version", name, from, info.Version, p.version))
	}
	switch {
	case !platformGiven:
		p.platform = info.Platform
	case p.platform != info.Platform:
		problems = append(problems, fmt.Sprintf("%s (%s) is built for %s, but the platform is %s", name, from, info.Platform, p.platform))
	}
	switch {
	case upload:
		p.binary = info
	case pickBuild:
		p.build = info.BuildNumber
		notes = append(notes, fmt.Sprintf("the submission attaches build %s, %s's", info.BuildNumber, name))
	}
	return notes, problems
}

// binaryUpload is the build upload running beside the other steps.
type binaryUpload struct {
	prep   *builds.Prepared
	cancel context.CancelFunc
	done   chan struct{}
	res    *builds.UploadResult
	err    error
}

// startBinary sends the checked upload in the background: the parts go to their own
// presigned URLs and the upload's few API requests share the client's rate budget, so the
// metadata and screenshot steps, which touch other resources, go on meanwhile.
func startBinary(ctx context.Context, prep *builds.Prepared) *binaryUpload {
	ctx, cancel := context.WithCancel(ctx)
	b := &binaryUpload{prep: prep, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		b.res, b.err = prep.Send(ctx)
	}()
	return b
}

// join waits for the upload and its processing.
func (b *binaryUpload) join() (*builds.UploadResult, error) {
	<-b.done
	return b.res, b.err
}

// stop ends an upload the run no longer waits for (another step failed): the reservation and
// the journal of parts sent stay, so the next run resumes it.
func (b *binaryUpload) stop() {
	if b == nil {
		return
	}
	b.cancel()
	<-b.done
}

// binaryDetail says what the upload did.
func binaryDetail(r *builds.UploadResult) string {
	a := r.Archive
	what := fmt.Sprintf("%s (%s build %s)", a.FileName(), a.Version, a.BuildNumber)
	switch {
	case r.AlreadyUploaded:
		what += " uploaded already"
	case r.Resumed:
		what += fmt.Sprintf(" uploaded, resumed: %d of %d parts sent", r.PartsSent, r.Parts)
	default:
		what += fmt.Sprintf(" uploaded in %d parts", r.Parts)
	}
	if r.BuildState != "" {
		what += ", build " + strings.ToLower(r.BuildState)
	}
	return what
}

// checkTrain refuses, before anything is written, an archive whose version App Store Connect
// takes no more builds for (one read: the app's versions on the platform): a version on the
// App Store or retired from it is closed (Apple's 90186), and a version lower than one of
// those is refused too (90062). Apple would otherwise fail the build after the whole upload.
// It returns the archive's version when the app has it.
func checkTrain(ctx context.Context, c *asc.Client, appID string, info *archive.Info) (*versions.Version, error) {
	vs, err := versions.List(ctx, c, versions.Query{App: appID, Platform: asc.Platform(info.Platform)})
	if err != nil {
		return nil, err
	}
	var same *versions.Version
	for i, v := range vs {
		if v.Version == info.Version {
			same = &vs[i]
		}
		if ph := apple.StatePhase(v.State); ph != apple.Live && ph != apple.Retired {
			continue
		}
		code, why := "", ""
		switch order := compareVersions(info.Version, v.Version); {
		case order == 0:
			code, why = "90186", fmt.Sprintf("version %s is %s", v.Version, v.State)
		case order < 0:
			code, why = "90062", fmt.Sprintf("version %s, higher, is %s", v.Version, v.State)
		default:
			continue
		}
		issue, _ := apple.LookupBuildIssue(code)
		return nil, &builds.RefusedError{Reason: fmt.Sprintf("%s is version %s, but %s: %s (Apple's %s); %s", info.FileName(), info.Version, why, issue.What, code, issue.Fix)}
	}
	return same, nil
}

// compareVersions compares two version strings (1.2.3) part by part as numbers, a missing
// part counting as 0.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(pa), len(pb)) {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	return 0
}
