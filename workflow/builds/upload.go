package builds

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/upload"
	"github.com/ascend-tools/ascend/workflow/builds/archive"
)

// UploadOptions tune Upload. Zero values take the defaults.
type UploadOptions struct {
	// App is the app's id or bundle id; empty takes the archive's bundle id.
	App string
	// KnownApp is the app App names as the caller has looked it up already (apps.Resolve's
	// answer): when it carries its bundle id, the checks use it and read no app (nil, or no
	// bundle id: the app is read).
	KnownApp *asc.App
	// HTTPClient sends the parts to their presigned URLs; it must not add the API token
	// (nil: a plain client).
	HTTPClient *http.Client
	// PartConcurrency is the most parts in flight (default 8).
	PartConcurrency int
	// StateDir keeps the journal of sent parts, so a run started again after a kill sends
	// only the rest ("" keeps none: the reservation is still reused, every part resent).
	StateDir string
	// Wait waits for processing after the commit (see WaitOptions).
	Wait bool
	WaitOptions
	// Progress, when set, receives events, from several goroutines.
	Progress func(Event)
}

// WaitOptions tune the wait for processing.
type WaitOptions struct {
	// Timeout ends the wait with a *PendingError (default 30 minutes).
	Timeout time.Duration
	// PollInitial is the first wait between polls (default 5s); each wait is half as long
	// again as the one before, up to PollMax (default 60s).
	PollInitial, PollMax time.Duration
	// Clock is the time the wait runs on (default: real time).
	Clock Clock
	// Once checks a single time instead of waiting: a build not yet processed returns the
	// *PendingError at once (`builds wait --no-wait`).
	Once bool
	// UntilBuild ends the wait once the upload has made its build, processed or not
	// (fastlane pilot's skip_waiting_for_build_processing with a changelog: the build's
	// What to Test can be set while it processes).
	UntilBuild bool
}

// waited is how long a wait begun at start has waited by now: none when it only checked once.
func (o *WaitOptions) waited(start, now time.Time) time.Duration {
	if o.Once {
		return 0
	}
	return now.Sub(start)
}

func (o *WaitOptions) defaults() {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Minute
	}
	if o.PollInitial <= 0 {
		o.PollInitial = 5 * time.Second
	}
	if o.PollMax <= 0 {
		o.PollMax = time.Minute
	}
	if o.PollMax < o.PollInitial {
		o.PollMax = o.PollInitial
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
}

// EventKind says what happened.
type EventKind string

const (
	EventChecked   EventKind = "checked"   // the archive is fit and nothing blocks the upload
	EventReserved  EventKind = "reserved"  // a build upload and its file were created
	EventResumed   EventKind = "resumed"   // an earlier run's reservation is reused; PartsDone were sent already
	EventBytes     EventKind = "bytes"     // Bytes of Total have been sent
	EventPart      EventKind = "part"      // a part was accepted; PartsDone of Parts
	EventCommitted EventKind = "committed" // the file is complete and its checksum sent
	EventState     EventKind = "state"     // State (the upload's) or BuildState changed
	EventIssue     EventKind = "issue"     // App Store Connect reported Level: Code Description
	EventWarning   EventKind = "warning"   // something on this side worth knowing (Description)
)

// Event reports progress.
type Event struct {
	Kind                     EventKind
	UploadID, BuildID        string
	Parts, PartsDone         int
	Bytes, Total             int64
	State, BuildState        string
	Level, Code, Description string
}

// UploadResult says what an upload did.
type UploadResult struct {
	Archive  *archive.Info `json:"archive"`
	AppID    string        `json:"appId"`
	UploadID string        `json:"buildUploadId"`
	FileID   string        `json:"buildUploadFileId"`
	BuildID  string        `json:"buildId,omitempty"`
	// State is the build upload's state and BuildState the build's processing state when
	// the upload returned ("" when there is no build yet).
	State      string `json:"state"`
	BuildState string `json:"buildState,omitempty"`
	// Resumed: an earlier run's reservation was reused. AlreadyUploaded: an earlier run had
	// committed this very file, so nothing was sent.
	Resumed         bool `json:"resumed,omitempty"`
	AlreadyUploaded bool `json:"alreadyUploaded,omitempty"`
	Parts           int  `json:"parts"`
	PartsSent       int  `json:"partsSent"`
	PartsSkipped    int  `json:"partsSkipped"`
	// Issues are the errors, warnings and infos App Store Connect reported.
	Issues   []Issue `json:"issues,omitempty"`
	Requests int     `json:"requests"`
}

// Issue is one message of App Store Connect about a build upload.
type Issue struct {
	Level       string `json:"level"` // error, warning, info
	Code        string `json:"code"`
	Description string `json:"description"`
}

// RefusedError is an upload refused before anything was written: the archive does not
// belong to the app, or its build number is taken.
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return e.Reason }

// Upload sends a build archive to App Store Connect. In order: the archive is read and
// checked (nothing is sent for a file that is not a valid archive or whose bundle id is not
// the app's); the app's build uploads and builds of the same version and build number are
// read, and a number already used refuses the upload as Apple would; then a build upload and
// its file are created with the archive's asset type and UTI, the parts are sent in parallel
// straight from disk while the SHA-256 is computed beside them, and the file is committed with
// its checksum. A run that died half way is resumed by reusing its reservation (and its
// journal of sent parts); one that already committed the same file is recognised and not
// repeated. With opts.Wait, processing is awaited as Wait does. It is Prepare, then Send.
func Upload(ctx context.Context, c *asc.Client, path string, opts UploadOptions) (*UploadResult, error) {
	p, err := Prepare(ctx, c, path, opts)
	if err != nil {
		return nil, err
	}
	return p.Send(ctx)
}

// Prepared is an upload checked and not yet sent: the archive read, the app found and its
// uploads and builds of the same build number read, nothing written. Send it or Close it.
type Prepared struct {
	u    *uploader
	plan *uploadPlan
	f    *os.File
}

// Prepare does everything Upload does before its first write, every check included: an
// archive that is unfit, built for another app, or whose build number is taken (by another
// file) is refused here, with nothing written. fastlane deliver's verify_only is this alone.
// On success the archive stays open (its checksum computed meanwhile) until Send or Close.
func Prepare(ctx context.Context, c *asc.Client, path string, opts UploadOptions) (*Prepared, error) {
	opts.WaitOptions.defaults()
	if opts.PartConcurrency <= 0 {
		opts.PartConcurrency = 8
	}
	emit := func(e Event) {
		if opts.Progress != nil {
			opts.Progress(e)
		}
	}
	info, err := archive.Read(path)
	if err != nil {
		return nil, err
	}
	if abs, err := filepath.Abs(path); err == nil {
		info.Path = abs
	}
	if opts.App != "" && strings.Trim(opts.App, "0123456789") != "" && opts.App != info.BundleID {
		return nil, &RefusedError{Reason: fmt.Sprintf("%s is built for bundle id %s, not %s; upload it to its own app or fix --app", info.FileName(), info.BundleID, opts.App)}
	}
	n := &counter{}
	res := &UploadResult{Archive: info}
	appArg := opts.App
	if appArg == "" {
		appArg = info.BundleID
	}
	u := &uploader{c: c, n: n, info: info, opts: opts, emit: emit, res: res,
		file: upload.File{Name: info.FileName(), Size: info.Size}}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	p := &Prepared{u: u, f: f}
	u.file.Content = f
	// The checksum the commit needs is one pass over the whole file: it starts now, beside
	// the app's lookup, the checks and the reservation, rather than with the parts (on a
	// 4 GiB archive it is seconds of CPU, which an upload over a fast link waits for). A run
	// that ends early closes the file, which ends the pass.
	go func() { _, _ = u.checksum(checksumAlgorithm) }() // the commit asks again and gets any error
	fail := func(err error) (*Prepared, error) {
		p.Close()
		return nil, err
	}
	app := knownApp(opts.KnownApp)
	if app.ID == "" {
		if app, err = resolveApp(ctx, c, appArg, n); err != nil {
			return fail(err)
		}
	}
	if app.BundleID != info.BundleID {
		return fail(&RefusedError{Reason: fmt.Sprintf("%s is built for bundle id %s, but app %s is %s; upload it to its own app or fix --app", info.FileName(), info.BundleID, app.ID, app.BundleID)})
	}
	res.AppID = app.ID
	u.app = app
	if p.plan, err = u.check(ctx); err != nil {
		return fail(err)
	}
	emit(Event{Kind: EventChecked})
	if c := p.plan.committed; c != nil {
		res.AlreadyUploaded = true
		res.UploadID = c.ID
		res.State = uploadState(c)
		if fid := p.plan.fileID; fid != "" {
			res.FileID = fid
		}
	}
	res.Requests = n.get()
	return p, nil
}

// Result is what the checks found: the archive, the app and, when an earlier run committed
// this very file, its upload (AlreadyUploaded).
func (p *Prepared) Result() *UploadResult { return p.u.res }

// Close closes the archive; Send does it too.
func (p *Prepared) Close() {
	if p.f != nil {
		p.f.Close()
		p.f = nil
	}
}

// Send writes what Prepare found missing (the reservation, reused when an earlier run made
// it, the parts not yet sent, the commit) and, with UploadOptions.Wait, awaits processing.
// An upload an earlier run committed is only awaited.
func (p *Prepared) Send(ctx context.Context) (*UploadResult, error) {
	defer p.Close()
	u, res := p.u, p.u.res
	defer func() { res.Requests = u.n.get() }()
	if p.plan.committed == nil {
		if err := u.send(ctx, p.plan); err != nil {
			return res, err
		}
	}
	if !u.opts.Wait {
		return res, nil
	}
	// An upload committed by an earlier run may be processed already: look before sleeping.
	w, err := poll(ctx, u.c, res.UploadID, u.opts.WaitOptions, u.emit, u.n, p.plan.committed != nil)
	res.State, res.BuildID, res.BuildState = w.State, w.BuildID, w.BuildState
	res.Issues = w.Issues
	return res, err
}

type uploader struct {
	c    *asc.Client
	n    *counter
	info *archive.Info
	app  appRef
	opts UploadOptions
	emit func(Event)
	res  *UploadResult
	file upload.File

	sumMu sync.Mutex
	sums  map[asc.ChecksumAlgorithm]string
}

// uploadPlan is what the checks found.
type uploadPlan struct {
	// committed is an earlier upload of this very file (fileID its file).
	committed *asc.BuildUpload
	fileID    string
	// reuse is an earlier reservation of the same build still awaiting its file; reuseFile
	// is its file when it matches this one.
	reuse     *asc.BuildUpload
	reuseFile *asc.BuildUploadFile
	// stale are reservations of the same build number with a different file, to replace.
	stale []string
	// retried: a reservation whose upload URLs were refused was replaced once already.
	retried bool
}

func uploadState(u *asc.BuildUpload) string {
	if u.Attributes != nil && u.Attributes.State != nil {
		return string(u.Attributes.State.State)
	}
	return ""
}

var fileFields = []string{"assetDeliveryState", "assetType", "fileName", "fileSize", "sourceFileChecksums", "uploadOperations", "uti"}

// check reads what App Store Connect has for this version and build number, in parallel:
// the builds, and the build uploads with their builds.
func (u *uploader) check(ctx context.Context) (*uploadPlan, error) {
	var (
		wg              sync.WaitGroup
		builds          *asc.BuildsResponse
		uploads         *asc.BuildUploadsResponse
		buildErr, upErr error
	)
	info := u.info
	wg.Add(2)
	go func() {
		defer wg.Done()
		u.n.add()
		builds, _, buildErr = u.c.Builds.List(ctx, &asc.BuildsListOptions{
			FilterApp: []string{u.app.ID}, FilterVersion: []string{info.BuildNumber},
			FilterPreReleaseVersionVersion: []string{info.Version}, FilterPreReleaseVersionPlatform: []asc.Platform{asc.Platform(info.Platform)},
			FieldsBuilds: []string{"version", "processingState", "uploadedDate", "expired", "buildUpload"},
			Include:      []string{"buildUpload"}, FieldsBuildUploads: []string{"state"}, Limit: 50})
	}()
	go func() {
		defer wg.Done()
		uploads, upErr = u.listUploads(ctx)
	}()
	wg.Wait()
	if buildErr != nil {
		return nil, fmt.Errorf("check build %s (%s) of app %s: %w", info.Version, info.BuildNumber, u.app.ID, buildErr)
	}
	if upErr != nil {
		return nil, fmt.Errorf("check build uploads of app %s: %w", u.app.ID, upErr)
	}
	plan := &uploadPlan{}
	for i := range uploads.Data {
		up := &uploads.Data[i]
		state := asc.BuildUploadState(uploadState(up))
		if state == asc.BuildUploadStateFailed {
			continue // a failed upload does not take the number
		}
		file, err := u.assetFile(ctx, up.ID)
		if err != nil {
			return nil, err
		}
		switch fs := fileState(file); {
		case file == nil && state == asc.BuildUploadStateAwaitingUpload:
			// Reserved, then interrupted before its file was created.
			if plan.reuse == nil {
				plan.reuse = up
				continue
			}
			plan.stale = append(plan.stale, up.ID)
		case file != nil && fs == string(asc.AppMediaAssetStateStateAwaitingUpload):
			if plan.reuse == nil && u.sameFile(file) {
				plan.reuse, plan.reuseFile = up, file
				continue
			}
			plan.stale = append(plan.stale, up.ID)
		case file != nil && fs == string(asc.AppMediaAssetStateStateFailed) && state == asc.BuildUploadStateAwaitingUpload:
			plan.stale = append(plan.stale, up.ID)
		default:
			// Committed already: this very file (same name, size and checksum) means an earlier
			// run got this far; anything else takes the number.
			match := false
			if file != nil && u.sameFile(file) {
				if match, err = u.sameChecksum(file); err != nil {
					return nil, err
				}
			}
			if !match || plan.committed != nil {
				return nil, u.duplicate(fmt.Sprintf("build upload %s (%s)", up.ID, state))
			}
			plan.committed, plan.fileID = up, file.ID
		}
	}
	for _, b := range builds.Data {
		// A build made by the earlier upload of this very file is no duplicate. Each build
		// names its upload, so this holds however the two reads interleave with processing.
		if plan.committed != nil && b.Relationships != nil && b.Relationships.BuildUpload != nil &&
			b.Relationships.BuildUpload.Data.One != nil && b.Relationships.BuildUpload.Data.One.ID == plan.committed.ID {
			continue
		}
		state := ""
		if b.Attributes != nil {
			state = string(b.Attributes.ProcessingState)
		}
		return nil, u.duplicate(fmt.Sprintf("build %s (%s)", b.ID, state))
	}
	if plan.committed != nil {
		plan.reuse, plan.reuseFile, plan.stale = nil, nil, nil
	}
	return plan, nil
}

func (u *uploader) duplicate(what string) error {
	i := u.info
	return &RefusedError{Reason: fmt.Sprintf("build number %s is already used for version %s on %s of app %s (%s); raise CFBundleVersion and build again",
		i.BuildNumber, i.Version, i.Platform, u.app.ID, what)}
}

func relID(rels *asc.BuildUploadRelationships, name string) string {
	if rels == nil {
		return ""
	}
	var r *asc.Relationship
	switch name {
	case "build":
		r = rels.Build
	}
	if r == nil || r.Data.One == nil {
		return ""
	}
	return r.Data.One.ID
}

// listUploads reads the app's build uploads of this version, build number and platform.
func (u *uploader) listUploads(ctx context.Context) (*asc.BuildUploadsResponse, error) {
	u.n.add()
	doc, _, err := u.c.Apps.ListBuildUploads(ctx, u.app.ID, &asc.AppsListBuildUploadsOptions{
		FilterCfBundleVersion: []string{u.info.BuildNumber}, FilterCfBundleShortVersionString: []string{u.info.Version},
		FilterPlatform: []asc.Platform{asc.Platform(u.info.Platform)}, Include: []string{"build"},
		FieldsBuildUploads: []string{"cfBundleShortVersionString", "cfBundleVersion", "platform", "state", "build", "createdDate"},
		FieldsBuilds:       []string{"version", "processingState"}, Limit: 50})
	return doc, err
}

// assetFile reads a build upload's files and returns its main one (assetType ASSET), nil
// when it has none yet.
func (u *uploader) assetFile(ctx context.Context, uploadID string) (*asc.BuildUploadFile, error) {
	u.n.add()
	doc, _, err := u.c.BuildUploads.ListFiles(ctx, uploadID, &asc.BuildUploadsListFilesOptions{FieldsBuildUploadFiles: fileFields, Limit: 50})
	if err != nil {
		return nil, fmt.Errorf("read the files of build upload %s: %w", uploadID, err)
	}
	for i := range doc.Data {
		f := &doc.Data[i]
		if f.Attributes != nil && (f.Attributes.AssetType == asc.BuildUploadFileAssetTypeAsset || f.Attributes.AssetType == "") {
			return f, nil
		}
	}
	return nil, nil
}

func fileState(f *asc.BuildUploadFile) string {
	if f == nil || f.Attributes == nil || f.Attributes.AssetDeliveryState == nil {
		return ""
	}
	return string(f.Attributes.AssetDeliveryState.State)
}

// sameFile reports whether a remote file has this archive's name and size.
func (u *uploader) sameFile(f *asc.BuildUploadFile) bool {
	a := f.Attributes
	return a != nil && a.FileName == u.file.Name && a.FileSize != nil && *a.FileSize == u.file.Size
}

// sameChecksum reports whether a committed file's checksum is this archive's.
func (u *uploader) sameChecksum(f *asc.BuildUploadFile) (bool, error) {
	cs := f.Attributes.SourceFileChecksums
	if cs == nil || cs.File == nil {
		return false, nil
	}
	sum, err := u.checksum(cs.File.Algorithm)
	if err != nil || sum == "" {
		return false, err
	}
	return strings.EqualFold(sum, cs.File.Hash), nil
}

// checksumAlgorithm is what ascend sends: SHA-256, which CPUs with SHA extensions compute
// two to four times faster than MD5, so the one pass over the file beside the parts keeps up.
const checksumAlgorithm = asc.ChecksumAlgorithmSHA256

// checksum returns the file's hash in hex with the algorithm (computed once per algorithm).
func (u *uploader) checksum(algo asc.ChecksumAlgorithm) (string, error) {
	u.sumMu.Lock()
	defer u.sumMu.Unlock()
	if s, ok := u.sums[algo]; ok {
		return s, nil
	}
	var h hash.Hash
	switch algo {
	case asc.ChecksumAlgorithmMD5, "":
		h = md5.New()
	case asc.ChecksumAlgorithmSHA256:
		h = sha256.New()
	default:
		return "", nil // an algorithm ascend does not know: not this file, as far as it can tell
	}
	if err := hashFile(h, u.file.Content, u.file.Size); err != nil {
		return "", fmt.Errorf("read %s: %w", u.file.Name, err)
	}
	if u.sums == nil {
		u.sums = map[asc.ChecksumAlgorithm]string{}
	}
	u.sums[algo] = hex.EncodeToString(h.Sum(nil))
	return u.sums[algo], nil
}

// send reserves (or reuses) the build upload and its file, sends the parts and commits.
func (u *uploader) send(ctx context.Context, plan *uploadPlan) error {
	for _, id := range plan.stale {
		// A reservation of the same build number with another file never got a build:
		// replacing it is the only way to upload this one.
		u.n.add()
		if _, err := u.c.BuildUploads.Delete(ctx, id); err != nil && !isNotFound(err) {
			return fmt.Errorf("remove the unfinished build upload %s of the same build number: %w", id, err)
		}
		u.emit(Event{Kind: EventWarning, UploadID: id, Description: "removed an unfinished build upload of the same build number with a different file"})
	}
	up := plan.reuse
	var err error
	if up == nil {
		up, err = u.createUpload(ctx)
		if err != nil {
			return err
		}
	} else {
		u.res.Resumed = true
	}
	u.res.UploadID = up.ID
	u.res.State = uploadState(up)
	file := plan.reuseFile
	if file != nil && expired(file) {
		// Its presigned URLs expired: the reservation cannot be completed; start afresh.
		u.n.add()
		if _, err := u.c.BuildUploads.Delete(ctx, up.ID); err != nil && !isNotFound(err) {
			return fmt.Errorf("remove the expired build upload %s: %w", up.ID, err)
		}
		u.emit(Event{Kind: EventWarning, UploadID: up.ID, Description: "the earlier reservation's upload URLs expired; reserving again"})
		u.res.Resumed = false
		if up, err = u.createUpload(ctx); err != nil {
			return err
		}
		u.res.UploadID, file = up.ID, nil
	}
	if file == nil {
		if file, err = u.createFile(ctx, up.ID); err != nil {
			return err
		}
	}
	u.res.FileID = file.ID
	asset := &upload.Asset{Type: "buildUploadFiles", ID: file.ID}
	asset.Attributes.FileName = u.file.Name
	asset.Attributes.FileSize = u.file.Size
	if file.Attributes != nil {
		asset.Attributes.UploadOperations = upload.DeliveryOperations(file.Attributes.UploadOperations)
	}
	parts := len(asset.Attributes.UploadOperations)
	u.res.Parts = parts
	st, _ := os.Stat(u.info.Path)
	var mod time.Time
	if st != nil {
		mod = st.ModTime()
	}
	j := openJournal(u.opts.StateDir, journalRecord{BuildUpload: up.ID, File: file.ID, Path: u.info.Path, Size: u.file.Size, ModTime: mod, Parts: parts})
	if err := j.save(); err != nil {
		u.emit(Event{Kind: EventWarning, Description: err.Error()})
	}
	defer j.close()
	done := j.countDone()
	var sentBytes atomic.Int64
	for i, op := range asset.Attributes.UploadOperations {
		if j.done(i) {
			sentBytes.Add(op.Length)
		}
	}
	if u.res.Resumed {
		u.emit(Event{Kind: EventResumed, UploadID: up.ID, Parts: parts, PartsDone: done, Bytes: sentBytes.Load(), Total: u.file.Size})
	} else {
		u.emit(Event{Kind: EventReserved, UploadID: up.ID, Parts: parts, Total: u.file.Size})
	}
	u.res.PartsSkipped = done

	// The checksum is one sequential pass over the file, made beside the parts.
	type sumResult struct {
		sum string
		err error
	}
	sendFile := u.file
	sumc := make(chan sumResult, 1)
	go func() {
		s, err := u.checksum(checksumAlgorithm)
		sumc <- sumResult{s, err}
	}()
	var (
		partsDone atomic.Int64
		warnOnce  sync.Once
	)
	partsDone.Store(int64(done))
	pc, closeIdle := partClient(u.opts.HTTPClient, u.opts.PartConcurrency)
	defer closeIdle()
	uploader := upload.New(nil, pc, upload.Options{PartConcurrency: u.opts.PartConcurrency})
	err = uploader.SendPartsWith(ctx, asset, sendFile, upload.PartsOptions{
		Done: j.done,
		OnPart: func(i int) {
			if err := j.mark(i); err != nil {
				warnOnce.Do(func() { u.emit(Event{Kind: EventWarning, Description: err.Error()}) })
			}
			d := partsDone.Add(1)
			u.emit(Event{Kind: EventPart, UploadID: up.ID, Parts: parts, PartsDone: int(d), Bytes: sentBytes.Load(), Total: u.file.Size})
		},
		OnBytes: func(n int64) {
			b := sentBytes.Add(n)
			u.emit(Event{Kind: EventBytes, UploadID: up.ID, Bytes: b, Total: u.file.Size})
		},
	})
	u.res.PartsSent = int(partsDone.Load()) - done
	// Only the commit waits for the checksum: a run that stopped (cancelled, a part refused)
	// returns at once, and Send's Close of the file ends the pass (sumc is buffered).
	var refused *upload.StatusError
	if err != nil && u.res.Resumed && !plan.retried && errors.As(err, &refused) && refused.StatusCode == http.StatusForbidden {
		// The reused reservation's upload URLs no longer work (they expire): replace it.
		u.n.add()
		if _, derr := u.c.BuildUploads.Delete(ctx, up.ID); derr != nil && !isNotFound(derr) {
			return fmt.Errorf("%w; removing the expired build upload %s failed too: %v", err, up.ID, derr)
		}
		j.remove()
		u.emit(Event{Kind: EventWarning, UploadID: up.ID, Description: "the earlier reservation's upload URLs no longer work; reserving again"})
		u.res.Resumed = false
		return u.send(ctx, &uploadPlan{retried: true})
	}
	if err != nil {
		return fmt.Errorf("%w (run the same command again to resume: parts already sent are not sent again)", err)
	}
	sum := <-sumc
	if sum.err != nil {
		return sum.err
	}
	if err := u.commit(ctx, file.ID, sum.sum); err != nil {
		return err
	}
	j.remove()
	// A committed upload is PROCESSING: reading it back to be told so would cost a request.
	u.res.State = string(asc.BuildUploadStateProcessing)
	u.emit(Event{Kind: EventCommitted, UploadID: up.ID, Parts: parts, PartsDone: parts, Bytes: u.file.Size, Total: u.file.Size})
	return nil
}

// partClient keeps a connection per part in flight: the default transport keeps two, so
// the others would be closed and opened again for every part. closeIdle lets go of the
// connections of a transport made here once the parts are sent (a long-running process, such
// as the gateway or a bench, would otherwise hold them until their idle timeout); a client
// the caller gave is left as it is.
func partClient(hc *http.Client, concurrency int) (c *http.Client, closeIdle func()) {
	if hc != nil && hc.Transport != nil && hc.Transport != http.DefaultTransport {
		return hc, func() {}
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = concurrency
	out := &http.Client{Transport: t}
	if hc != nil {
		out.Timeout, out.CheckRedirect, out.Jar = hc.Timeout, hc.CheckRedirect, hc.Jar
	}
	return out, t.CloseIdleConnections
}

func expired(f *asc.BuildUploadFile) bool {
	if f.Attributes == nil {
		return false
	}
	now := time.Now()
	for _, op := range upload.DeliveryOperations(f.Attributes.UploadOperations) {
		if op.Expired(now, 10*time.Minute) {
			return true
		}
	}
	return false
}

func isNotFound(err error) bool {
	var er *asc.ErrorResponse
	return errors.As(err, &er) && er.StatusCode == http.StatusNotFound
}

// createUpload creates the build upload. A failure that may have taken effect is followed by
// a read-back of the app's uploads of this build before anything is created again.
func (u *uploader) createUpload(ctx context.Context) (*asc.BuildUpload, error) {
	body := &asc.BuildUploadCreateRequest{Data: asc.BuildUploadCreateRequestData{Type: "buildUploads",
		Attributes:    asc.BuildUploadCreateRequestAttributes{CfBundleShortVersionString: u.info.Version, CfBundleVersion: u.info.BuildNumber, Platform: asc.Platform(u.info.Platform)},
		Relationships: asc.BuildUploadCreateRequestRelationships{App: asc.Relationship{Data: asc.ToOne("apps", u.app.ID)}}}}
	for attempt := 1; ; attempt++ {
		u.n.add()
		doc, _, err := u.c.BuildUploads.Create(ctx, body)
		if err == nil {
			return &doc.Data, nil
		}
		if herr := u.refusal(err); herr != nil {
			return nil, herr
		}
		kind := upload.ClassifyCreate(err)
		if kind == upload.CreateFinal || attempt >= upload.MaxCreateAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("create the build upload: %w", err)
		}
		if err := sleepCtx(ctx, upload.RetryDelay(err, attempt)); err != nil {
			return nil, err
		}
		if kind == upload.CreateReconcile {
			list, lerr := u.listUploads(ctx)
			if lerr != nil {
				return nil, fmt.Errorf("create the build upload: %w; reading back failed too: %v", err, lerr)
			}
			for i := range list.Data {
				if uploadState(&list.Data[i]) == string(asc.BuildUploadStateAwaitingUpload) {
					return &list.Data[i], nil
				}
			}
		}
	}
}

// refusal turns Apple's refusal of a duplicate build into the same message the checks give
// (another client may have uploaded the number in between).
func (u *uploader) refusal(err error) error {
	var er *asc.ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != http.StatusConflict {
		return nil
	}
	for _, e := range er.Errors {
		if strings.Contains(e.Code, "DUPLICATE") {
			return u.duplicate(strings.TrimSpace(e.Detail))
		}
	}
	return nil
}

// createFile creates the build upload's file, reading back after a failure that may have
// taken effect.
func (u *uploader) createFile(ctx context.Context, uploadID string) (*asc.BuildUploadFile, error) {
	body := &asc.BuildUploadFileCreateRequest{Data: asc.BuildUploadFileCreateRequestData{Type: "buildUploadFiles",
		Attributes: asc.BuildUploadFileCreateRequestAttributes{AssetType: asc.BuildUploadFileAssetTypeAsset,
			FileName: u.file.Name, FileSize: u.file.Size, Uti: asc.BuildUploadFileUti(u.info.UTI())},
		Relationships: asc.BuildUploadFileCreateRequestRelationships{BuildUpload: asc.Relationship{Data: asc.ToOne("buildUploads", uploadID)}}}}
	for attempt := 1; ; attempt++ {
		u.n.add()
		doc, _, err := u.c.BuildUploadFiles.Create(ctx, body)
		if err == nil {
			return &doc.Data, nil
		}
		kind := upload.ClassifyCreate(err)
		if kind == upload.CreateFinal || attempt >= upload.MaxCreateAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("create the file of build upload %s: %w", uploadID, err)
		}
		if err := sleepCtx(ctx, upload.RetryDelay(err, attempt)); err != nil {
			return nil, err
		}
		if kind == upload.CreateReconcile {
			f, ferr := u.assetFile(ctx, uploadID)
			if ferr != nil {
				return nil, fmt.Errorf("create the file of build upload %s: %w; reading back failed too: %v", uploadID, err, ferr)
			}
			if f != nil && u.sameFile(f) && fileState(f) == string(asc.AppMediaAssetStateStateAwaitingUpload) {
				return f, nil
			}
		}
	}
}

// commit marks the file uploaded with its checksum. After a failure the file is read back: one
// no longer awaiting upload was committed by the failed attempt.
func (u *uploader) commit(ctx context.Context, fileID, sum string) error {
	body := &asc.BuildUploadFileUpdateRequest{Data: asc.BuildUploadFileUpdateRequestData{Type: "buildUploadFiles", ID: fileID,
		Attributes: &asc.BuildUploadFileUpdateRequestAttributes{Uploaded: asc.Ptr(true),
			SourceFileChecksums: &asc.Checksums{File: &asc.ChecksumsFile{Hash: sum, Algorithm: checksumAlgorithm}}}}}
	u.n.add()
	_, _, err := u.c.BuildUploadFiles.Update(ctx, fileID, body)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return err
	}
	u.n.add()
	got, _, gerr := u.c.BuildUploadFiles.Get(ctx, fileID, &asc.BuildUploadFilesGetOptions{FieldsBuildUploadFiles: []string{"assetDeliveryState"}})
	if gerr == nil && got.Data.Attributes != nil && got.Data.Attributes.AssetDeliveryState != nil {
		if s := got.Data.Attributes.AssetDeliveryState.State; s != "" && s != asc.AppMediaAssetStateStateAwaitingUpload {
			return nil
		}
	}
	return fmt.Errorf("commit %s: %w (run the same command again: the parts are kept)", u.file.Name, err)
}

func sleepCtx(ctx context.Context, d time.Duration) error { return realClock{}.Sleep(ctx, d) }

// readHash writes the first size bytes of src into h, read a MiB at a time.
func readHash(h hash.Hash, src io.ReaderAt, size int64) error {
	_, err := io.CopyBuffer(h, io.NewSectionReader(src, 0, size), make([]byte, 1<<20))
	return err
}
