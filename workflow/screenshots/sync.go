package screenshots

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/upload"
	"github.com/ascend-tools/ascend/workflow/internal/folder"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// Options tune a sync. Zero values take the defaults.
type Options struct {
	// HTTPClient sends the upload parts to their presigned URLs; it must not add the API
	// token (nil: a plain client).
	HTTPClient *http.Client
	// Concurrency is the most API requests in flight (default 8); it halves on rate-limit
	// holds and grows back slowly.
	Concurrency int
	// PartConcurrency is the most upload parts in flight (default 16).
	PartConcurrency int
	// PollInitial, PollMax and PollTimeout tune the wait for processing (see upload.Options).
	PollInitial, PollMax, PollTimeout time.Duration
	// NoWait does not wait for processing: once uploaded and committed, each set is put in
	// order and the sync ends (Result.Processing counts what was left processing). A later
	// run finds a screenshot whose processing failed and uploads it again.
	NoWait bool
	// MaxRetries is how often a screenshot whose processing FAILED is deleted and uploaded
	// again (default 2).
	MaxRetries int
	// DryRun plans without writing.
	DryRun bool
	// Replace lets a sync delete a set whose images the folder files under another display
	// type (SetPlan.ReplacedBy); without it such a plan is refused before any write.
	Replace bool
	// KeepExtras keeps what App Store Connect has and the folder lacks, as deliver does
	// unless told to overwrite: nothing is deleted, and each set is ordered by a natural sort
	// of all its file names, the kept ones included.
	KeepExtras bool
	// PreviewFrameTimeCode, for app previews, is the poster frame every preview of the folder
	// gets (HH:MM:SS:FF, fastlane deliver's preview_frame_time_code): sent with each upload,
	// and set on a kept preview whose frame differs. Checked against each preview's length
	// before any write. "" leaves App Store Connect's choice.
	PreviewFrameTimeCode string
	// Progress, when set, receives events from several goroutines.
	Progress func(Event)
}

// EventKind says what happened.
type EventKind string

const (
	EventPlanned   EventKind = "planned"   // Total is the number of steps for the locale
	EventUploaded  EventKind = "uploaded"  // a file was sent and committed
	EventProcessed EventKind = "processed" // App Store Connect finished processing it
	EventDeleted   EventKind = "deleted"
	EventReordered EventKind = "reordered"
	EventRetry     EventKind = "retry" // processing failed; deleting and uploading again
	EventFailed    EventKind = "failed"
)

// Event reports progress for one locale.
type Event struct {
	Locale      string
	DisplayType string
	Kind        EventKind
	File        string
	Total       int
	Err         error
}

// Kind names the resources of one media type: screenshots or app previews.
type Kind struct {
	Noun      string // "screenshot", "preview"
	SetType   string // appScreenshotSets
	AssetType string // appScreenshots, also the set's to-many relationship
	AssetRel  string // appScreenshotSet, the asset's relationship to its set
	MaxPerSet int
	media     media
}

// Screenshots and Previews are the two kinds a sync handles.
var (
	Screenshots = &Kind{Noun: "screenshot", SetType: "appScreenshotSets", AssetType: "appScreenshots", AssetRel: "appScreenshotSet",
		MaxPerSet: apple.MaxScreenshotsPerSet, media: screenshotMedia{}}
	Previews = &Kind{Noun: "preview", SetType: "appPreviewSets", AssetType: "appPreviews", AssetRel: "appPreviewSet",
		MaxPerSet: apple.MaxPreviewsPerSet, media: previewMedia{}}
)

// remoteShot is a screenshot App Store Connect has.
type remoteShot struct {
	asset *upload.Asset
}

func (r remoteShot) id() string { return r.asset.ID }

// FileName is the name App Store Connect has for the file.
func (r remoteShot) FileName() string { return r.asset.Attributes.FileName }
func (r remoteShot) state() string    { return r.asset.State() }

type remoteSet struct {
	ID          string
	DisplayType string
	Shots       []remoteShot // in the set's order
}

// SetPlan is the work for one screenshot set.
type SetPlan struct {
	Locale         string
	LocalizationID string
	DisplayType    string
	SetID          string // "" when the set must be created
	Local          []Shot
	// Match[i] is the remote screenshot kept for Local[i], or nil when it must be uploaded;
	// Reuse[i] is a reservation of the same file left AWAITING_UPLOAD by an interrupted run.
	Match     []*remoteShot
	Reuse     []*remoteShot
	Delete    []remoteShot
	DeleteSet bool // the folder has no screenshots of this display type
	// Keep are screenshots the folder lacks that stay (Options.KeepExtras).
	Keep []remoteShot
	// ReplacedBy, on a set to delete, is the display type the folder files the same images
	// under: every one of them also fits this set's type (2048x2732 fits both 12.9-inch iPad
	// Pro types; deliver's reading of the size and the file names decides).
	ReplacedBy string
	// Reframe are kept previews whose poster frame is not Options.PreviewFrameTimeCode.
	Reframe []remoteShot
	order   []string
	pending []remoteShot // kept screenshots still processing
}

// Uploads returns the files to send.
func (p *SetPlan) Uploads() []Shot {
	var out []Shot
	for i, m := range p.Match {
		if m == nil {
			out = append(out, p.Local[i])
		}
	}
	return out
}

// Plan is the work of a sync.
type Plan struct {
	Kind     *Kind
	Location *metadata.Location
	Sets     []*SetPlan
	Problems []metadata.Problem
	Requests int // reads made to plan
}

// Totals counts the planned uploads, deletions and whole sets to delete.
func (p *Plan) Totals() (uploads, deletes, setDeletes int) {
	for _, s := range p.Sets {
		uploads += len(s.Uploads())
		deletes += len(s.Delete)
		if s.DeleteSet {
			setDeletes++
		}
	}
	return
}

// Result counts what a sync did.
type Result struct {
	Uploaded, Deleted, SetsCreated, SetsDeleted, Reordered, Retried, Kept int
	// KeptExtra counts what App Store Connect has and the folder lacks, kept (KeepExtras).
	KeptExtra int
	// Processing counts uploads left processing, not awaited (Options.NoWait).
	Processing int
	// Framed counts kept previews whose poster frame was set (Options.PreviewFrameTimeCode).
	Framed int
}

type syncer struct {
	kind *Kind
	c    *asc.Client
	up   *upload.Uploader
	// lim bounds the API requests in flight, the sync's own and the uploader's alike.
	lim  upload.Limiter
	opts Options
	mu   sync.Mutex
	res  Result
	// processing is the shortest time from commit to COMPLETE seen so far (0: none yet). Later
	// sets wait about that long before their first poll, so most need a single check.
	processing time.Duration
	// Until the first estimate exists, one set (the probe) polls with backoff while the others
	// wait for ready, which closes when the probe has an estimate or gives up.
	probing   bool
	ready     chan struct{}
	readyOnce sync.Once
	// requests counts the API requests made through lim, the sync's and the uploader's.
	requests atomic.Int64
	// files bounds the files open for upload at once: parts are bounded anyway, and hundreds
	// of open files would exceed a small descriptor limit (macOS defaults to 256).
	files chan struct{}
}

// observeProcessing records that an asset committed at committed was seen COMPLETE now.
func (s *syncer) observeProcessing(committed time.Time) {
	if committed.IsZero() {
		return
	}
	d := time.Since(committed)
	s.mu.Lock()
	if s.processing == 0 || d < s.processing {
		s.processing = d
	}
	s.mu.Unlock()
	s.readyOnce.Do(func() { close(s.ready) })
}

// waitForEstimate makes every set but one wait for the first processing estimate. It
// returns whether the caller is the probe, which must call probeDone when its wait ends.
func (s *syncer) waitForEstimate(ctx context.Context, deadline time.Time) (probe bool) {
	s.mu.Lock()
	known := s.processing != 0
	probe = !known && !s.probing
	if probe {
		s.probing = true
	}
	s.mu.Unlock()
	if known || probe {
		return probe
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-s.ready:
	case <-ctx.Done():
	case <-t.C:
	}
	return false
}

func (s *syncer) probeDone() { s.readyOnce.Do(func() { close(s.ready) }) }

// firstWait is the wait before a set's first poll, its last commit having been at last.
func (s *syncer) firstWait(last time.Time, initial time.Duration) time.Duration {
	s.mu.Lock()
	est := s.processing
	s.mu.Unlock()
	if est == 0 || last.IsZero() {
		return initial
	}
	return max(est-time.Since(last), 10*time.Millisecond)
}

func newSyncer(c *asc.Client, opts Options) *syncer {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.PartConcurrency <= 0 {
		opts.PartConcurrency = 16
	}
	if opts.MaxRetries <= 0 {
		opts.MaxRetries = 2
	}
	s := &syncer{kind: Screenshots, c: c, opts: opts, ready: make(chan struct{}), files: make(chan struct{}, opts.PartConcurrency)}
	s.lim = counted{slots: make(slots, opts.Concurrency), n: &s.requests}
	s.up = upload.New(c, opts.HTTPClient, upload.Options{PartConcurrency: opts.PartConcurrency,
		PollInitial: opts.PollInitial, PollMax: opts.PollMax, PollTimeout: opts.PollTimeout, Limiter: s.lim})
	return s
}

// counted admits API requests through slots and counts them.
type counted struct {
	slots
	n *atomic.Int64
}

func (c counted) Acquire(ctx context.Context) error {
	if err := c.slots.Acquire(ctx); err != nil {
		return err
	}
	c.n.Add(1)
	return nil
}

// call makes one API request of the sync's own within the bound on requests in flight.
func (s *syncer) call(ctx context.Context, f func() error) error {
	if err := s.lim.Acquire(ctx); err != nil {
		return err
	}
	defer s.lim.Release()
	return f()
}

// slots bounds the API requests of a sync in flight; the client's rate budget paces them.
type slots chan struct{}

func (s slots) Acquire(ctx context.Context) error {
	select {
	case s <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s slots) Release() { <-s }

func (s *syncer) emit(e Event) {
	if s.opts.Progress != nil {
		s.opts.Progress(e)
	}
}

// Prepare validates the folder, reads what App Store Connect has for every locale concerned
// and plans the sync. It writes nothing; a problem returns a *metadata.ValidationError before
// any write.
func Prepare(ctx context.Context, c *asc.Client, t metadata.Target, l *Layout, opts Options) (*Plan, error) {
	return newSyncer(c, opts).prepare(ctx, t, l)
}

func (s *syncer) prepare(ctx context.Context, t metadata.Target, l *Layout) (*Plan, error) {
	s.kind = l.kind()
	loc, err := metadata.Locate(ctx, s.c, t)
	if err != nil {
		return nil, err
	}
	p := &Plan{Location: loc, Requests: loc.Requests, Kind: s.kind}
	locales := l.LocaleNames()
	if l.Default != nil {
		for locale := range loc.Localizations {
			if _, own := l.Locales[locale]; !own {
				locales = append(locales, locale)
			}
		}
		slices.Sort(locales)
	}
	for _, locale := range locales {
		if _, ok := loc.Localizations[locale]; !ok {
			p.Problems = append(p.Problems, metadata.Problem{Path: locale,
				Message: fmt.Sprintf("version %s has no %s localization; add it first (ascend metadata push) or remove the folder", loc.VersionString, locale)})
		}
	}
	if len(p.Problems) > 0 {
		return p, &metadata.ValidationError{Dir: l.Dir, Problems: p.Problems}
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, locale := range locales {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sets, err := s.readSets(ctx, loc.Localizations[locale])
			mu.Lock()
			defer mu.Unlock()
			p.Requests++
			if err != nil {
				errs = append(errs, fmt.Errorf("read the %s %s sets: %w", locale, s.kind.Noun, err))
				return
			}
			local, _ := l.For(locale)
			p.Sets = append(p.Sets, planLocale(locale, loc.Localizations[locale], local, sets, s.opts.KeepExtras)...)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.SortFunc(p.Sets, func(a, b *SetPlan) int {
		if a.Locale != b.Locale {
			return NaturalCompare(a.Locale, b.Locale)
		}
		return NaturalCompare(a.DisplayType, b.DisplayType)
	})
	for _, sp := range p.Sets {
		if n := len(sp.Local) + len(sp.Keep); len(sp.Keep) > 0 && n > s.kind.MaxPerSet {
			p.Problems = append(p.Problems, metadata.Problem{Path: sp.Locale, Message: fmt.Sprintf(
				"%s: the folder's %d %ss and the %d App Store Connect keeps (%s) make %d, Apple accepts at most %d; remove some, or let the sync delete what the folder lacks (overwrite_screenshots or sync_screenshots in the Deliverfile)",
				sp.DisplayType, len(sp.Local), s.kind.Noun, len(sp.Keep), keptNames(sp.Keep), n, s.kind.MaxPerSet)})
		}
	}
	if s.kind == Previews {
		p.Problems = append(p.Problems, l.FrameProblems(s.opts.PreviewFrameTimeCode)...)
		s.planFrames(p)
	}
	if len(p.Problems) > 0 {
		return p, &metadata.ValidationError{Dir: l.Dir, Problems: p.Problems}
	}
	if slices.ContainsFunc(p.Sets, (*SetPlan).Changed) {
		if msg := metadata.EditableProblem(loc.VersionString, loc.VersionState, false); msg != "" {
			p.Problems = append(p.Problems, metadata.Problem{Message: msg})
			return p, &metadata.ValidationError{Dir: l.Dir, Problems: p.Problems}
		}
	}
	return p, nil
}

// planFrames, for previews with Options.PreviewFrameTimeCode, lists the kept previews to
// reframe; the time code itself is checked by Layout.FrameProblems.
func (s *syncer) planFrames(p *Plan) {
	code := s.opts.PreviewFrameTimeCode
	if s.kind != Previews || code == "" {
		return
	}
	for _, sp := range p.Sets {
		for _, m := range sp.Match {
			if m != nil && m.asset.Attributes.PreviewFrameTimeCode != code {
				sp.Reframe = append(sp.Reframe, *m)
			}
		}
	}
}

// readSets lists a localization's sets with their assets in one request.
func (s *syncer) readSets(ctx context.Context, localizationID string) ([]remoteSet, error) {
	var (
		typed    []typedSet
		included map[string]*upload.Asset
	)
	err := s.call(ctx, func() (err error) {
		typed, included, err = s.kind.media.sets(ctx, s.c, localizationID)
		return err
	})
	if err != nil {
		return nil, err
	}
	var sets []remoteSet
	for _, ts := range typed {
		set := remoteSet{ID: ts.ID, DisplayType: ts.DisplayType}
		var rel asc.Relationship
		if ts.Assets != nil {
			rel = *ts.Assets
		}
		ids := rel.Data.IDs()
		complete := rel.Data.Present
		for _, id := range ids {
			a, ok := included[id.ID]
			if !ok {
				complete = false
				break
			}
			set.Shots = append(set.Shots, remoteShot{asset: a})
		}
		if !complete || len(ids) >= 50 {
			// The included linkage was missing or capped: list the set's assets.
			list, err := s.listShots(ctx, ts.ID)
			if err != nil {
				return nil, err
			}
			set.Shots = list
		}
		sets = append(sets, set)
	}
	return sets, nil
}

func (s *syncer) listShots(ctx context.Context, setID string) ([]remoteShot, error) {
	var assets []*upload.Asset
	err := s.call(ctx, func() (err error) {
		assets, err = s.kind.media.assets(ctx, s.c, setID)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]remoteShot, len(assets))
	for i, a := range assets {
		out[i] = remoteShot{asset: a}
	}
	return out, nil
}

func keptNames(shots []remoteShot) string {
	names := make([]string, len(shots))
	for i, r := range shots {
		names[i] = r.FileName()
	}
	return strings.Join(names, ", ")
}

// planLocale matches the folder's sets with App Store Connect's by MD5. With keep, what the
// folder lacks stays.
func planLocale(locale, localizationID string, local map[string][]Shot, remote []remoteSet, keep bool) []*SetPlan {
	var plans []*SetPlan
	byType := map[string]*remoteSet{}
	for i := range remote {
		byType[remote[i].DisplayType] = &remote[i]
	}
	for typ, shots := range local {
		p := &SetPlan{Locale: locale, LocalizationID: localizationID, DisplayType: typ, Local: shots,
			Match: make([]*remoteShot, len(shots)), Reuse: make([]*remoteShot, len(shots))}
		rs := byType[typ]
		used := map[string]bool{}
		if rs != nil {
			p.SetID = rs.ID
			for i, shot := range shots {
				for j := range rs.Shots {
					r := &rs.Shots[j]
					st := r.state()
					if !used[r.id()] && r.asset.Attributes.SourceFileChecksum == shot.MD5 && (st == upload.Complete || st == upload.UploadComplete) {
						used[r.id()] = true
						p.Match[i] = r
						if st == upload.UploadComplete {
							p.pending = append(p.pending, *r)
						}
						break
					}
				}
			}
			for i, shot := range shots {
				if p.Match[i] != nil {
					continue
				}
				for j := range rs.Shots {
					r := &rs.Shots[j]
					a := r.asset.Attributes
					if !used[r.id()] && r.state() == upload.AwaitingUpload && a.FileName == shot.Name && a.FileSize == shot.Size && len(a.UploadOperations) > 0 {
						used[r.id()] = true
						p.Reuse[i] = r
						break
					}
				}
			}
			for _, r := range rs.Shots {
				switch {
				case used[r.id()]:
				case keep && r.state() != upload.AwaitingUpload:
					p.Keep = append(p.Keep, r)
				default:
					// An abandoned reservation is never kept: it holds no image.
					p.Delete = append(p.Delete, r)
				}
				p.order = append(p.order, r.id())
			}
		}
		plans = append(plans, p)
	}
	for _, rs := range remote {
		if _, ok := local[rs.DisplayType]; !ok && !keep {
			plans = append(plans, &SetPlan{Locale: locale, LocalizationID: localizationID, DisplayType: rs.DisplayType,
				SetID: rs.ID, DeleteSet: true, Delete: rs.Shots, ReplacedBy: replacement(rs.DisplayType, plans)})
		}
	}
	return plans
}

// replacement returns the type of a new set among plans whose screenshots all fit
// displayType as well, or "".
func replacement(displayType string, plans []*SetPlan) string {
	for _, p := range plans {
		if p.SetID != "" || len(p.Local) == 0 {
			continue
		}
		fits := true
		for _, shot := range p.Local {
			fits = fits && apple.AcceptsScreenshot(displayType, shot.Width, shot.Height)
		}
		if fits {
			return p.DisplayType
		}
	}
	return ""
}

// ReplaceError refuses a plan that would delete sets only because the folder files their
// images under another display type, unless Options.Replace.
type ReplaceError struct{ Sets []*SetPlan }

func (e *ReplaceError) Error() string {
	_, parts := e.ProblemList()
	return strings.Join(parts, "; ") + "; " + replaceAdvice
}

const replaceAdvice = "name the files to keep the set (\"(2nd generation)\" for the 12.9-inch iPad Pro of that generation) or confirm with --yes"

// ProblemList is the summary and one line a set, for a front end that prints one problem a
// line (the CLI's cli.ProblemLister).
func (e *ReplaceError) ProblemList() (string, []string) {
	parts := make([]string, len(e.Sets))
	for i, sp := range e.Sets {
		parts[i] = fmt.Sprintf("%s: the folder files the screenshots as %s, so the %s set would be deleted", sp.Locale, sp.ReplacedBy, sp.DisplayType)
	}
	noun := "sets"
	if len(parts) == 1 {
		noun = "set"
	}
	return fmt.Sprintf("%d %s would be deleted only for a display type read differently, nothing was written; %s", len(parts), noun, replaceAdvice), parts
}

// Changed reports whether the set needs any write (reordering is decided while syncing).
func (p *SetPlan) Changed() bool {
	return p.SetID == "" || p.DeleteSet || len(p.Delete) > 0 || len(p.Uploads()) > 0 || len(p.Reframe) > 0 || !p.inOrder()
}

// inOrder reports whether the kept screenshots already stand in the folder's order.
func (p *SetPlan) inOrder() bool {
	var want []string
	for _, m := range p.Match {
		if m == nil {
			return true // uploads change the order anyway; decided after them
		}
		want = append(want, m.id())
	}
	return slices.Equal(p.withKept(want), p.order)
}

// withKept returns the set's order given the ids of the folder's files in the folder's order:
// those ids alone, or, with screenshots kept, all of them by a natural sort of the file names
// (stable, so the folder's order breaks ties), as deliver orders a set.
func (p *SetPlan) withKept(ids []string) []string {
	if len(p.Keep) == 0 {
		return ids
	}
	type entry struct{ name, id string }
	all := make([]entry, 0, len(ids)+len(p.Keep))
	for i, id := range ids {
		all = append(all, entry{p.Local[i].Name, id})
	}
	for _, k := range p.Keep {
		all = append(all, entry{k.FileName(), k.id()})
	}
	slices.SortStableFunc(all, func(a, b entry) int { return NaturalCompare(a.name, b.name) })
	out := make([]string, len(all))
	for i, e := range all {
		out[i] = e.id
	}
	return out
}

// Sync makes App Store Connect's screenshots match the folder: it validates, plans, deletes
// what the folder no longer has, uploads what App Store Connect lacks (sets in parallel, parts
// in parallel), reorders, and waits for processing by polling only the sets it changed. A
// second run after success writes nothing.
func Sync(ctx context.Context, c *asc.Client, t metadata.Target, l *Layout, opts Options) (*Plan, Result, error) {
	s := newSyncer(c, opts)
	p, err := s.prepare(ctx, t, l)
	if err != nil || opts.DryRun {
		return p, Result{}, err
	}
	err = s.apply(ctx, p)
	return p, s.res, err
}

// Apply carries out a plan made by Prepare.
func Apply(ctx context.Context, c *asc.Client, p *Plan, opts Options) (Result, error) {
	s := newSyncer(c, opts)
	if p.Kind != nil {
		s.kind = p.Kind
	}
	err := s.apply(ctx, p)
	return s.res, err
}

func (s *syncer) apply(ctx context.Context, p *Plan) error {
	if !s.opts.Replace {
		var replaced []*SetPlan
		for _, sp := range p.Sets {
			if sp.ReplacedBy != "" {
				replaced = append(replaced, sp)
			}
		}
		if len(replaced) > 0 {
			return &ReplaceError{Sets: replaced}
		}
	}
	perLocale := map[string]int{}
	for _, sp := range p.Sets {
		perLocale[sp.Locale] += len(sp.Uploads()) + len(sp.Delete)
	}
	for locale, n := range perLocale {
		s.emit(Event{Locale: locale, Kind: EventPlanned, Total: n})
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, sp := range p.Sets {
		if !sp.Changed() && len(sp.pending) == 0 {
			s.count(func(r *Result) { r.Kept += len(sp.Local); r.KeptExtra += len(sp.Keep) })
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.syncSet(ctx, sp); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s %s: %w", sp.Locale, sp.DisplayType, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (s *syncer) count(f func(*Result)) {
	s.mu.Lock()
	f(&s.res)
	s.mu.Unlock()
}

// syncSet does one set's work: delete, create the set, upload in order, await, retry
// failures, reorder.
func (s *syncer) syncSet(ctx context.Context, sp *SetPlan) error {
	if sp.DeleteSet {
		if err := s.deleteSet(ctx, sp.SetID); err != nil {
			return err
		}
		s.count(func(r *Result) { r.SetsDeleted++; r.Deleted += len(sp.Delete) })
		for _, d := range sp.Delete {
			s.emit(Event{Locale: sp.Locale, DisplayType: sp.DisplayType, Kind: EventDeleted, File: d.asset.Attributes.FileName})
		}
		return nil
	}
	// Deletions first: a set holds at most ten screenshots.
	if err := s.parallel(ctx, len(sp.Delete), func(i int) error {
		d := sp.Delete[i]
		if err := s.up.Delete(ctx, s.kind.AssetType, d.id()); err != nil {
			return fmt.Errorf("delete %s: %w", d.asset.Attributes.FileName, err)
		}
		s.count(func(r *Result) { r.Deleted++ })
		s.emit(Event{Locale: sp.Locale, DisplayType: sp.DisplayType, Kind: EventDeleted, File: d.asset.Attributes.FileName})
		return nil
	}); err != nil {
		return err
	}
	if err := s.parallel(ctx, len(sp.Reframe), func(i int) error {
		r := sp.Reframe[i]
		if err := s.call(ctx, func() error { return s.kind.media.setFrame(ctx, s.c, r.id(), s.opts.PreviewFrameTimeCode) }); err != nil {
			return fmt.Errorf("set the poster frame of %s: %w", r.FileName(), err)
		}
		s.count(func(r *Result) { r.Framed++ })
		return nil
	}); err != nil {
		return err
	}
	order := slices.DeleteFunc(slices.Clone(sp.order), func(id string) bool {
		return slices.ContainsFunc(sp.Delete, func(d remoteShot) bool { return d.id() == id })
	})
	if sp.SetID == "" {
		id, err := s.createSet(ctx, sp)
		if err != nil {
			return err
		}
		sp.SetID = id
		s.count(func(r *Result) { r.SetsCreated++ })
	}
	s.count(func(r *Result) { r.Kept += len(sp.Local) - len(sp.Uploads()); r.KeptExtra += len(sp.Keep) })

	// Reserve in the folder's order, one after the other, so the set's order comes out right;
	// each file's parts and commit proceed in parallel with the next reservations.
	ids := make([]string, len(sp.Local))
	for i, m := range sp.Match {
		if m != nil {
			ids[i] = m.id()
		}
	}
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		errs      []error
		pending   = slices.Clone(sp.pending)
		committed = map[string]time.Time{}
	)
	for i, shot := range sp.Local {
		if sp.Match[i] != nil {
			continue
		}
		var reuse *upload.Asset
		if sp.Reuse[i] != nil {
			reuse = sp.Reuse[i].asset
		}
		a, err := s.reserve(ctx, sp.SetID, shot, reuse)
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
			if ctx.Err() != nil {
				break
			}
			continue
		}
		mu.Lock()
		ids[i] = a.ID
		if !slices.Contains(order, a.ID) {
			order = append(order, a.ID)
		}
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.sendAndCommit(ctx, a, shot)
			if err != nil && reuse != nil && ctx.Err() == nil {
				// An earlier run's reservation may have expired: replace it, once.
				var na *upload.Asset
				if err = s.up.Delete(ctx, s.kind.AssetType, a.ID); err == nil {
					if na, err = s.reserve(ctx, sp.SetID, shot, nil); err == nil {
						err = s.sendAndCommit(ctx, na, shot)
					}
				}
				if na != nil {
					mu.Lock()
					order = slices.DeleteFunc(order, func(id string) bool { return id == a.ID })
					order = append(order, na.ID)
					ids[i] = na.ID
					mu.Unlock()
					a = na
				}
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			mu.Lock()
			pending = append(pending, remoteShot{asset: a})
			committed[a.ID] = time.Now()
			mu.Unlock()
			s.count(func(r *Result) { r.Uploaded++ })
			s.emit(Event{Locale: sp.Locale, DisplayType: sp.DisplayType, Kind: EventUploaded, File: shot.Name})
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if s.opts.NoWait {
		left := 0
		for _, r := range pending {
			if r.state() != upload.Complete {
				left++
			}
		}
		s.count(func(r *Result) { r.Processing += left })
	} else if err := s.await(ctx, sp, pending, ids, &order, committed); err != nil {
		return err
	}
	if ids = sp.withKept(ids); !slices.Equal(order, ids) {
		if err := s.reorder(ctx, sp.SetID, ids); err != nil {
			return err
		}
		s.count(func(r *Result) { r.Reordered++ })
		s.emit(Event{Locale: sp.Locale, DisplayType: sp.DisplayType, Kind: EventReordered})
	}
	return nil
}

func (s *syncer) parallel(ctx context.Context, n int, f func(i int) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(i); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// openShot opens the file for its upload and checks that it still is what the scan saw: its
// parts are read from disk as they are sent (previews run to hundreds of megabytes, and many
// upload at once), and a file rewritten since the scan must not go out under the scanned
// checksum. The caller closes the file.
func openShot(shot Shot) (upload.File, *os.File, error) {
	f, err := folder.Open(shot.Path)
	if err != nil {
		return upload.File{}, nil, fmt.Errorf("read %s: %w", shot.Rel, err)
	}
	h := md5.New()
	n, err := io.Copy(h, f)
	if err != nil {
		f.Close()
		return upload.File{}, nil, fmt.Errorf("read %s: %w", shot.Rel, err)
	}
	if n != shot.Size || hex.EncodeToString(h.Sum(nil)) != shot.MD5 {
		f.Close()
		return upload.File{}, nil, fmt.Errorf("%s changed during the sync; run again", shot.Rel)
	}
	return upload.File{Name: shot.Name, Content: f, Size: n, MD5: shot.MD5}, f, nil
}

func (s *syncer) request(setID string, shot Shot, f upload.File, reuse *upload.Asset) upload.Request {
	var attrs any
	if s.kind == Previews && s.opts.PreviewFrameTimeCode != "" {
		attrs = &asc.AppPreviewCreateRequestAttributes{PreviewFrameTimeCode: &s.opts.PreviewFrameTimeCode}
	}
	return upload.Request{Type: s.kind.AssetType, Relationship: s.kind.AssetRel, Attributes: attrs,
		Parent: asc.ResourceIdentifier{Type: s.kind.SetType, ID: setID}, File: f, Reuse: reuse,
		Find: func(ctx context.Context) (*upload.Asset, error) {
			shots, err := s.listShots(ctx, setID)
			if err != nil {
				return nil, err
			}
			for _, r := range shots {
				a := r.asset.Attributes
				if r.state() == upload.AwaitingUpload && a.FileName == shot.Name && a.FileSize == shot.Size {
					return r.asset, nil
				}
			}
			return nil, nil
		}}
}

func (s *syncer) reserve(ctx context.Context, setID string, shot Shot, reuse *upload.Asset) (*upload.Asset, error) {
	if reuse != nil {
		return reuse, nil
	}
	f := upload.File{Name: shot.Name, Size: shot.Size, MD5: shot.MD5}
	a, err := s.up.Reserve(ctx, s.request(setID, shot, f, nil))
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (s *syncer) sendAndCommit(ctx context.Context, a *upload.Asset, shot Shot) error {
	select {
	case s.files <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.files }()
	f, file, err := openShot(shot)
	if err != nil {
		return err
	}
	defer file.Close()
	if err := s.up.SendParts(ctx, a, f); err != nil {
		return err
	}
	if err := s.up.Commit(ctx, a, shot.MD5); err != nil {
		return err
	}
	if a.Attributes.FileName == "" {
		a.Attributes.FileName = shot.Name
	}
	return nil
}

// await polls the set's pending screenshots until each is COMPLETE. With several pending, one
// list of the set covers them all; with one, the screenshot itself is read. A FAILED one is
// deleted and uploaded again, up to MaxRetries times.
func (s *syncer) await(ctx context.Context, sp *SetPlan, pending []remoteShot, ids []string, order *[]string, committed map[string]time.Time) error {
	opts := s.up.Options()
	deadline := time.Now().Add(opts.PollTimeout)
	var last time.Time
	for _, t := range committed {
		if t.After(last) {
			last = t
		}
	}
	if len(pending) > 0 {
		if s.waitForEstimate(ctx, deadline) {
			defer s.probeDone()
		}
	}
	wait := s.firstWait(last, opts.PollInitial)
	retries := map[string]int{}
	for len(pending) > 0 {
		// Screenshots already reported COMPLETE need no poll.
		pending = slices.DeleteFunc(pending, func(r remoteShot) bool {
			if r.state() == upload.Complete {
				s.emit(Event{Locale: sp.Locale, DisplayType: sp.DisplayType, Kind: EventProcessed, File: r.asset.Attributes.FileName})
				return true
			}
			return false
		})
		if len(pending) == 0 {
			break
		}
		if time.Now().Add(wait).After(deadline) {
			return &upload.PendingError{Type: s.kind.AssetType, ID: pending[0].id(), FileName: pending[0].asset.Attributes.FileName, State: pending[0].state()}
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		wait = upload.NextWait(wait, opts.PollMax)
		states := map[string]*upload.Asset{}
		if len(pending) == 1 {
			a, err := s.up.Get(ctx, s.kind.AssetType, pending[0].id())
			if err != nil {
				return fmt.Errorf("check processing: %w", err)
			}
			states[a.ID] = a
		} else {
			list, err := s.listShots(ctx, sp.SetID)
			if err != nil {
				return fmt.Errorf("check processing: %w", err)
			}
			for _, r := range list {
				states[r.id()] = r.asset
			}
		}
		var next []remoteShot
		for _, r := range pending {
			a, ok := states[r.id()]
			if !ok {
				return fmt.Errorf("%s disappeared while processing; run again", r.asset.Attributes.FileName)
			}
			name := r.asset.Attributes.FileName
			if a.Attributes.FileName == "" {
				a.Attributes.FileName = name
			}
			switch a.State() {
			case upload.Complete:
				s.observeProcessing(committed[a.ID])
				next = append(next, remoteShot{asset: a}) // reported at the top of the loop
			case upload.Failed:
				i := slices.Index(ids, r.id())
				if i < 0 || retries[name] >= s.opts.MaxRetries {
					fe := &upload.FailedError{Type: s.kind.AssetType, ID: a.ID, FileName: name}
					if st := a.Delivery(); st != nil {
						fe.Errors = st.Errors
					}
					s.emit(Event{Locale: sp.Locale, DisplayType: sp.DisplayType, Kind: EventFailed, File: name, Err: fe})
					return fe
				}
				retries[name]++
				s.emit(Event{Locale: sp.Locale, DisplayType: sp.DisplayType, Kind: EventRetry, File: name})
				if err := s.up.Delete(ctx, s.kind.AssetType, a.ID); err != nil {
					return fmt.Errorf("delete failed %s: %w", name, err)
				}
				*order = slices.DeleteFunc(*order, func(id string) bool { return id == a.ID })
				shot := sp.Local[i]
				na, err := s.reserve(ctx, sp.SetID, shot, nil)
				if err != nil {
					return err
				}
				if err := s.sendAndCommit(ctx, na, shot); err != nil {
					return err
				}
				ids[i] = na.ID
				committed[na.ID] = time.Now()
				*order = append(*order, na.ID)
				s.count(func(r *Result) { r.Retried++ })
				next = append(next, remoteShot{asset: na})
				wait = s.firstWait(time.Now(), opts.PollInitial)
			default:
				next = append(next, remoteShot{asset: a})
			}
		}
		pending = next
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// createSet creates the set; after a failure that may have taken effect it reads back the
// localization's sets of that display type before trying again.
func (s *syncer) createSet(ctx context.Context, sp *SetPlan) (string, error) {
	for attempt := 1; ; attempt++ {
		var id string
		err := s.call(ctx, func() (err error) {
			id, err = s.kind.media.createSet(ctx, s.c, sp.LocalizationID, sp.DisplayType)
			return err
		})
		if err == nil {
			return id, nil
		}
		kind := upload.ClassifyCreate(err)
		if kind == upload.CreateFinal || attempt >= upload.MaxCreateAttempts || ctx.Err() != nil {
			return "", fmt.Errorf("create the %s set: %w", s.kind.Noun, err)
		}
		if err := sleep(ctx, upload.RetryDelay(err, attempt)); err != nil {
			return "", err
		}
		if kind == upload.CreateRetry {
			continue // a 429 took no effect
		}
		sets, rerr := s.readSets(ctx, sp.LocalizationID)
		if rerr != nil {
			return "", fmt.Errorf("create the screenshot set: %w; reading back failed too: %v", err, rerr)
		}
		for _, set := range sets {
			if set.DisplayType == sp.DisplayType {
				return set.ID, nil
			}
		}
	}
}

func (s *syncer) deleteSet(ctx context.Context, id string) error {
	if err := s.call(ctx, func() error { return s.kind.media.deleteSet(ctx, s.c, id) }); err != nil {
		return fmt.Errorf("delete the screenshot set: %w", err)
	}
	return nil
}

func (s *syncer) reorder(ctx context.Context, setID string, ids []string) error {
	data := make([]asc.ResourceIdentifier, len(ids))
	for i, id := range ids {
		data[i] = asc.ResourceIdentifier{Type: s.kind.AssetType, ID: id}
	}
	if err := s.call(ctx, func() error { return s.kind.media.reorder(ctx, s.c, setID, data) }); err != nil {
		return fmt.Errorf("reorder the screenshots: %w", err)
	}
	return nil
}
