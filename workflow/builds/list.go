package builds

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/upload"
)

// Build is a build with what its TestFlight version (train) says: the version string and
// platform. It encodes to JSON as Apple's resource object.
type Build struct {
	asc.Build
	Version  string       `json:"-"` // CFBundleShortVersionString, from the preReleaseVersion
	Platform asc.Platform `json:"-"`
}

// Number is the build number (CFBundleVersion).
func (b *Build) Number() string {
	if b.Attributes == nil {
		return ""
	}
	return b.Attributes.Version
}

// State is the processing state.
func (b *Build) State() string {
	if b.Attributes == nil {
		return ""
	}
	return string(b.Attributes.ProcessingState)
}

// IsExpired reports whether the build has expired.
func (b *Build) IsExpired() bool {
	return b.Attributes != nil && b.Attributes.Expired != nil && *b.Attributes.Expired
}

// Uploaded is when the build was uploaded (zero when unknown).
func (b *Build) Uploaded() time.Time {
	if b.Attributes == nil || b.Attributes.UploadedDate == nil {
		return time.Time{}
	}
	return b.Attributes.UploadedDate.Time
}

// Filter selects builds of one app.
type Filter struct {
	App         string // id or bundle id (required)
	Version     string // CFBundleShortVersionString
	BuildNumber string // CFBundleVersion
	Platform    asc.Platform
	// Expired filters on expiry when set.
	Expired *bool
	// States keeps builds in these processing states.
	States []string
	// Limit stops after this many builds (0: all).
	Limit int
}

var buildFields = []string{"version", "uploadedDate", "expirationDate", "expired", "minOsVersion", "processingState",
	"buildAudienceType", "usesNonExemptEncryption", "preReleaseVersion", "appEncryptionDeclaration", "buildUpload"}

// buildIncludes are the relationships whose data a listed build carries: its train, for the
// version string, and its encryption declaration, for export compliance.
var buildIncludes = []string{"preReleaseVersion", "appEncryptionDeclaration"}

// List returns the app's builds, newest first: one request per 200 builds, with their
// versions included.
func List(ctx context.Context, c *asc.Client, f Filter) ([]Build, error) {
	var n counter
	app, err := resolveApp(ctx, c, f.App, &n)
	if err != nil {
		return nil, err
	}
	return list(ctx, c, app.ID, f)
}

func list(ctx context.Context, c *asc.Client, appID string, f Filter) ([]Build, error) {
	opts := &asc.BuildsListOptions{FilterApp: []string{appID}, Sort: []string{"-uploadedDate"},
		FieldsBuilds: buildFields, Include: buildIncludes, FieldsPreReleaseVersions: []string{"version", "platform"},
		FieldsAppEncryptionDeclarations: []string{"appEncryptionDeclarationState"}, Limit: 200}
	if f.Version != "" {
		opts.FilterPreReleaseVersionVersion = []string{f.Version}
	}
	if f.BuildNumber != "" {
		opts.FilterVersion = []string{f.BuildNumber}
	}
	if f.Platform != "" {
		opts.FilterPreReleaseVersionPlatform = []asc.Platform{f.Platform}
	}
	if f.Expired != nil {
		opts.FilterExpired = []string{fmt.Sprint(*f.Expired)}
	}
	for _, st := range f.States {
		opts.FilterProcessingState = append(opts.FilterProcessingState, asc.BuildProcessingState(st))
	}
	if f.Limit > 0 && f.Limit < 200 {
		opts.Limit = f.Limit
	}
	var out []Build
	doc, _, err := c.Builds.List(ctx, opts)
	for {
		if err != nil {
			return nil, fmt.Errorf("list builds of app %s: %w", appID, err)
		}
		trains := map[string]*asc.PrereleaseVersion{}
		for _, inc := range doc.Included {
			if p, ok := inc.(*asc.PrereleaseVersion); ok {
				trains[p.ID] = p
			}
		}
		for _, b := range doc.Data {
			out = append(out, withTrain(b, trains))
			if f.Limit > 0 && len(out) >= f.Limit {
				return out, nil
			}
		}
		if doc.Links.Next == "" {
			return out, nil
		}
		// links.next carries the query and the cursor; it is followed as given.
		next := new(asc.BuildsResponse)
		_, err = c.Do(ctx, "GET", doc.Links.Next, nil, nil, next)
		doc = next
	}
}

func withTrain(b asc.Build, trains map[string]*asc.PrereleaseVersion) Build {
	out := Build{Build: b}
	if b.Relationships != nil && b.Relationships.PreReleaseVersion != nil && b.Relationships.PreReleaseVersion.Data.One != nil {
		if p := trains[b.Relationships.PreReleaseVersion.Data.One.ID]; p != nil && p.Attributes != nil {
			out.Version, out.Platform = p.Attributes.Version, p.Attributes.Platform
		}
	}
	return out
}

// Ref names one build: by id, or by app, version and build number (and platform when the
// app has several).
type Ref struct {
	ID                        string
	App, Version, BuildNumber string
	Platform                  asc.Platform
}

// ErrNotFound is returned (wrapped) when no build matches a Ref.
var ErrNotFound = errors.New("no such build")

// Get returns one build: one request by id, two by app and numbers (one for a bundle id).
func Get(ctx context.Context, c *asc.Client, ref Ref) (*Build, error) {
	if ref.ID != "" {
		doc, _, err := c.Builds.Get(ctx, ref.ID, &asc.BuildsGetOptions{FieldsBuilds: buildFields, Include: buildIncludes,
			FieldsPreReleaseVersions: []string{"version", "platform"}, FieldsAppEncryptionDeclarations: []string{"appEncryptionDeclarationState"}})
		if err != nil {
			if isNotFound(err) {
				return nil, fmt.Errorf("build %s: %w visible to this key: %w", ref.ID, ErrNotFound, err)
			}
			return nil, fmt.Errorf("read build %s: %w", ref.ID, err)
		}
		trains := map[string]*asc.PrereleaseVersion{}
		for _, inc := range doc.Included {
			if p, ok := inc.(*asc.PrereleaseVersion); ok {
				trains[p.ID] = p
			}
		}
		b := withTrain(doc.Data, trains)
		return &b, nil
	}
	if ref.App == "" || ref.BuildNumber == "" {
		return nil, errors.New("name the build by its id, or by --app and --build-number (with --version)")
	}
	list, err := List(ctx, c, Filter{App: ref.App, Version: ref.Version, BuildNumber: ref.BuildNumber, Platform: ref.Platform, Limit: 10})
	if err != nil {
		return nil, err
	}
	what := fmt.Sprintf("build %s of %s", ref.BuildNumber, ref.App)
	if ref.Version != "" {
		what = fmt.Sprintf("build %s (%s) of %s", ref.Version, ref.BuildNumber, ref.App)
	}
	switch len(list) {
	case 0:
		return nil, fmt.Errorf("%s: %w", what, ErrNotFound)
	case 1:
		return &list[0], nil
	}
	var versions []string
	for _, b := range list {
		versions = append(versions, b.Version+" "+string(b.Platform))
	}
	return nil, fmt.Errorf("%s is ambiguous: %d builds (%v); add --version or --platform", what, len(list), versions)
}

// GetUpload reads one build upload with its state and its build, in one request.
func GetUpload(ctx context.Context, c *asc.Client, id string) (*asc.BuildUpload, error) {
	doc, _, err := c.BuildUploads.Get(ctx, id, &asc.BuildUploadsGetOptions{
		FieldsBuildUploads: []string{"cfBundleShortVersionString", "cfBundleVersion", "platform", "state", "createdDate", "uploadedDate", "build"},
		Include:            []string{"build"}, FieldsBuilds: []string{"version", "processingState"}})
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("build upload %s: %w visible to this key: %w", id, ErrNotFound, err)
		}
		return nil, fmt.Errorf("read build upload %s: %w", id, err)
	}
	return &doc.Data, nil
}

// ExpireOptions choose the builds Expire ends.
type ExpireOptions struct {
	App string
	// OlderThan expires builds uploaded longer ago than this (0: any age).
	OlderThan time.Duration
	// Keep spares the newest Keep unexpired builds whatever their age.
	Keep int
	// Version and Platform narrow to one train.
	Version  string
	Platform asc.Platform
	DryRun   bool
	// Now is the reference time (default time.Now).
	Now func() time.Time
}

// ExpireResult lists the builds expired (or, for a dry run, to expire) and kept.
type ExpireResult struct {
	Expired []Build `json:"expired"`
	Kept    int     `json:"kept"`
}

// Expire ends the TestFlight life of an app's old builds: of the unexpired builds (one list),
// the newest Keep are kept, and of the rest those uploaded before now-OlderThan are expired,
// one PATCH each. A build already expired is never touched, so a re-run changes nothing.
func Expire(ctx context.Context, c *asc.Client, o ExpireOptions) (*ExpireResult, error) {
	if o.Keep < 0 || o.OlderThan < 0 {
		return nil, errors.New("keep and older-than must not be negative")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	var n counter
	app, err := resolveApp(ctx, c, o.App, &n)
	if err != nil {
		return nil, err
	}
	no := false
	all, err := list(ctx, c, app.ID, Filter{Version: o.Version, Platform: o.Platform, Expired: &no})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(all, func(a, b Build) int { return b.Uploaded().Compare(a.Uploaded()) })
	cutoff := o.Now().Add(-o.OlderThan)
	res := &ExpireResult{Expired: []Build{}}
	for i, b := range all {
		if b.IsExpired() || i < o.Keep || (o.OlderThan > 0 && !b.Uploaded().Before(cutoff)) {
			res.Kept++
			continue
		}
		res.Expired = append(res.Expired, b)
	}
	if o.DryRun {
		return res, nil
	}
	return ApplyExpire(ctx, c, res)
}

// ApplyExpire expires the builds of a plan (an Expire dry run), one PATCH each, and returns
// those done; after a failure it names how many were expired, and a re-run finishes.
func ApplyExpire(ctx context.Context, c *asc.Client, plan *ExpireResult) (*ExpireResult, error) {
	done := &ExpireResult{Expired: []Build{}, Kept: plan.Kept}
	for _, b := range plan.Expired {
		got, err := ExpireOne(ctx, c, b.ID)
		if err != nil {
			return done, fmt.Errorf("expired %d of %d builds, then: %w (run it again to finish)", len(done.Expired), len(plan.Expired), err)
		}
		b.Build = *got
		done.Expired = append(done.Expired, b)
	}
	return done, nil
}

// ExpireOne expires one build (a build already expired is left alone).
func ExpireOne(ctx context.Context, c *asc.Client, buildID string) (*asc.Build, error) {
	body := &asc.BuildUpdateRequest{Data: asc.BuildUpdateRequestData{Type: "builds", ID: buildID,
		Attributes: &asc.BuildUpdateRequestAttributes{Expired: asc.Ptr(true)}}}
	doc, _, err := c.Builds.Update(ctx, buildID, body)
	if err != nil {
		return nil, fmt.Errorf("expire build %s: %w", buildID, err)
	}
	return &doc.Data, nil
}

// Compliance is a build's export compliance: whether it uses non-exempt encryption, and the
// app encryption declaration that covers it.
type Compliance struct {
	UsesNonExemptEncryption *bool
	// EncryptionDeclaration is the declaration's id ("" leaves it as it is).
	EncryptionDeclaration string
	// DryRun reads the build and reports what would change, sending nothing.
	DryRun bool
}

// UpdateResult says what Update changed.
type UpdateResult struct {
	Build   *Build   `json:"build"`
	Changed []string `json:"changed"`
}

// Update sets a build's export compliance. It reads the build first and sends one PATCH with
// only what differs, or nothing when all is as asked.
func Update(ctx context.Context, c *asc.Client, ref Ref, want Compliance) (*UpdateResult, error) {
	if want.UsesNonExemptEncryption == nil && want.EncryptionDeclaration == "" {
		return nil, errors.New("nothing to change: pass --uses-non-exempt-encryption or --encryption-declaration")
	}
	b, err := Get(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	res := &UpdateResult{Build: b, Changed: []string{}}
	attrs := &asc.BuildUpdateRequestAttributes{}
	var rels *asc.BuildUpdateRequestRelationships
	if u := want.UsesNonExemptEncryption; u != nil {
		cur := b.Attributes != nil && b.Attributes.UsesNonExemptEncryption != nil
		if !cur || *b.Attributes.UsesNonExemptEncryption != *u {
			attrs.UsesNonExemptEncryption = u
			res.Changed = append(res.Changed, "usesNonExemptEncryption")
		}
	}
	if d := want.EncryptionDeclaration; d != "" {
		cur := ""
		if r := b.Relationships; r != nil && r.AppEncryptionDeclaration != nil && r.AppEncryptionDeclaration.Data.One != nil {
			cur = r.AppEncryptionDeclaration.Data.One.ID
		}
		if cur != d {
			rels = &asc.BuildUpdateRequestRelationships{AppEncryptionDeclaration: &asc.Relationship{Data: asc.ToOne("appEncryptionDeclarations", d)}}
			res.Changed = append(res.Changed, "appEncryptionDeclaration")
		}
	}
	if len(res.Changed) == 0 || want.DryRun {
		return res, nil
	}
	if attrs.UsesNonExemptEncryption == nil {
		attrs = nil
	}
	doc, _, err := c.Builds.Update(ctx, b.ID, &asc.BuildUpdateRequest{Data: asc.BuildUpdateRequestData{Type: "builds", ID: b.ID, Attributes: attrs, Relationships: rels}})
	if err != nil {
		return nil, fmt.Errorf("update build %s: %w", b.ID, err)
	}
	b.Build.Attributes = doc.Data.Attributes
	if doc.Data.Relationships != nil {
		b.Build.Relationships = doc.Data.Relationships
	}
	return res, nil
}

// WaitFor waits for a build to finish processing. A build made by a build upload is
// followed through the upload (Wait); one that is not yet a build, named by app and numbers,
// is found through its build upload; a build without an upload is polled directly.
func WaitFor(ctx context.Context, c *asc.Client, ref Ref, opts WaitOptions, progress func(Event)) (*WaitResult, error) {
	opts.defaults()
	emit := func(e Event) {
		if progress != nil {
			progress(e)
		}
	}
	var n counter
	if ref.ID == "" {
		if ref.App == "" || ref.BuildNumber == "" || ref.Version == "" {
			return nil, errors.New("name the build by its id, or by --app, --version and --build-number")
		}
		app, err := resolveApp(ctx, c, ref.App, &n)
		if err != nil {
			return nil, err
		}
		n.add()
		opts2 := &asc.AppsListBuildUploadsOptions{FilterCfBundleVersion: []string{ref.BuildNumber}, FilterCfBundleShortVersionString: []string{ref.Version},
			Sort: []string{"-uploadedDate"}, FieldsBuildUploads: []string{"state", "build"}, Include: []string{"build"}, Limit: 10}
		if ref.Platform != "" {
			opts2.FilterPlatform = []asc.Platform{ref.Platform}
		}
		ups, _, err := c.Apps.ListBuildUploads(ctx, app.ID, opts2)
		if err != nil {
			return nil, fmt.Errorf("find the build upload of %s (%s): %w", ref.Version, ref.BuildNumber, err)
		}
		for _, up := range ups.Data {
			if uploadState(&up) != string(asc.BuildUploadStateFailed) {
				return poll(ctx, c, up.ID, opts, emit, &n, true)
			}
		}
		b, err := Get(ctx, c, Ref{App: app.ID, Version: ref.Version, BuildNumber: ref.BuildNumber, Platform: ref.Platform})
		if err != nil {
			return nil, err
		}
		ref = Ref{ID: b.ID}
	}
	return pollBuild(ctx, c, ref.ID, opts, emit, &n)
}

// pollBuild follows a build by id: through its upload when it has one, else by its own state.
func pollBuild(ctx context.Context, c *asc.Client, buildID string, opts WaitOptions, emit func(Event), n *counter) (*WaitResult, error) {
	clock := opts.Clock
	start := clock.Now()
	deadline := start.Add(opts.Timeout)
	if opts.Once {
		deadline = start
	}
	delay := opts.PollInitial
	res := &WaitResult{BuildID: buildID}
	defer func() { res.Requests = n.get() }()
	for {
		n.add()
		res.Polls++
		doc, _, err := c.Builds.Get(ctx, buildID, &asc.BuildsGetOptions{FieldsBuilds: []string{"processingState", "buildUpload"}, Include: []string{"buildUpload"}, FieldsBuildUploads: []string{"state"}})
		if err != nil {
			if isNotFound(err) {
				return res, fmt.Errorf("build %s: %w visible to this key: %w", buildID, ErrNotFound, err)
			}
			return res, fmt.Errorf("check build %s: %w", buildID, err)
		}
		b := &doc.Data
		if res.Polls == 1 && b.Relationships != nil && b.Relationships.BuildUpload != nil && b.Relationships.BuildUpload.Data.One != nil {
			state := ""
			if b.Attributes != nil {
				state = string(b.Attributes.ProcessingState)
			}
			if state == string(asc.BuildProcessingStateProcessing) {
				w, err := poll(ctx, c, b.Relationships.BuildUpload.Data.One.ID, opts, emit, n, true)
				w.Polls += res.Polls
				return w, err
			}
		}
		state := ""
		if b.Attributes != nil {
			state = string(b.Attributes.ProcessingState)
		}
		if state != res.BuildState {
			res.BuildState = state
			emit(Event{Kind: EventState, BuildID: buildID, BuildState: state})
		}
		switch asc.BuildProcessingState(state) {
		case asc.BuildProcessingStateValid:
			return res, nil
		case asc.BuildProcessingStateFailed, asc.BuildProcessingStateInvalid:
			return res, &ProcessingError{BuildID: buildID, State: state}
		}
		now := clock.Now()
		if !now.Before(deadline) {
			return res, &PendingError{BuildID: buildID, BuildState: state, Waited: opts.waited(start, now)}
		}
		d := min(delay, deadline.Sub(now))
		delay = upload.NextWait(delay, opts.PollMax)
		if err := clock.Sleep(ctx, d); err != nil {
			return res, err
		}
	}
}
