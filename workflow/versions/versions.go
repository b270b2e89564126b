// Package versions lists, creates and changes an app's App Store versions: the version
// string, how it is released (manually, after approval, or scheduled from a date), the
// copyright and the build. Create and Update read before they write and write only what
// differs, so running either again changes nothing; a create that failed in a way that may
// have taken effect is read back before it is tried again, so a version is never made twice.
package versions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/internal/readback"
)

// Version is an App Store version as the commands show it.
type Version struct {
	ID                  string     `json:"id"`
	Version             string     `json:"version"`
	Platform            string     `json:"platform"`
	State               string     `json:"state"`
	Phase               string     `json:"phase"` // apple's phase: editable, locked, live, retired
	ReleaseType         string     `json:"releaseType,omitempty"`
	EarliestReleaseDate *time.Time `json:"earliestReleaseDate,omitempty"`
	Copyright           string     `json:"copyright,omitempty"`
	// UsesIdfa is the version's answer to whether the app uses the advertising identifier
	// (deprecated in Apple's spec, which still carries it); nil when never answered.
	UsesIdfa    *bool      `json:"usesIdfa,omitempty"`
	BuildID     string     `json:"buildId,omitempty"`
	BuildNumber string     `json:"buildNumber,omitempty"`
	BuildState  string     `json:"buildProcessingState,omitempty"`
	Created     *time.Time `json:"created,omitempty"`
}

// Editable reports whether Apple accepts changes to the version now.
func (v *Version) Editable() bool { return apple.IsEditable(v.State) }

// ReleaseTypes maps the names users type to Apple's release types.
var releaseTypes = map[string]asc.AppStoreVersionReleaseType{
	"manual":         asc.AppStoreVersionReleaseTypeManual,
	"after-approval": asc.AppStoreVersionReleaseTypeAfterApproval,
	"scheduled":      asc.AppStoreVersionReleaseTypeScheduled,
}

// ReleaseTypeNames are the names ParseReleaseType accepts.
func ReleaseTypeNames() []string { return []string{"manual", "after-approval", "scheduled"} }

// ParseReleaseType turns "manual", "after-approval" or "scheduled" (or Apple's spelling) into
// Apple's release type.
func ParseReleaseType(s string) (asc.AppStoreVersionReleaseType, error) {
	k := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", "-"))
	if t, ok := releaseTypes[k]; ok {
		return t, nil
	}
	return "", fmt.Errorf("release type %q is not one of %s", s, strings.Join(ReleaseTypeNames(), ", "))
}

// Query names an app's version: Version "" is the one being prepared (the editable one).
type Query struct {
	App      string // id or bundle id
	Platform asc.Platform
	Version  string
}

var versionFields = []string{"platform", "versionString", "appVersionState", "releaseType", "earliestReleaseDate",
	"copyright", "createdDate", "usesIdfa", "build", "app"}

// List returns the app's versions (of Platform, when set), newest first: one request (two
// for a bundle id).
func List(ctx context.Context, c *asc.Client, q Query) ([]Version, error) {
	app, _, err := apps.Resolve(ctx, c, q.App)
	if err != nil {
		return nil, err
	}
	return list(ctx, c, app.ID, q.Platform, q.Version)
}

func list(ctx context.Context, c *asc.Client, appID string, platform asc.Platform, version string) ([]Version, error) {
	opts := &asc.AppsListAppStoreVersionsOptions{Limit: 200, Include: []string{"build"}, FieldsAppStoreVersions: versionFields,
		FieldsBuilds: []string{"version", "processingState"}}
	if platform != "" {
		opts.FilterPlatform = []asc.Platform{platform}
	}
	if version != "" {
		opts.FilterVersionString = []string{version}
	}
	doc, _, err := c.Apps.ListAppStoreVersions(ctx, appID, opts)
	if err != nil {
		return nil, fmt.Errorf("list the versions of app %s: %w", appID, err)
	}
	included := map[string]*asc.Build{}
	for _, inc := range doc.Included {
		if b, ok := inc.(*asc.Build); ok {
			included[b.ID] = b
		}
	}
	out := make([]Version, 0, len(doc.Data))
	for i := range doc.Data {
		out = append(out, of(&doc.Data[i], included))
	}
	slices.SortStableFunc(out, func(a, b Version) int {
		if a.Created == nil || b.Created == nil {
			return 0
		}
		return b.Created.Compare(*a.Created)
	})
	return out, nil
}

func of(v *asc.AppStoreVersion, included map[string]*asc.Build) Version {
	out := Version{ID: v.ID}
	if a := v.Attributes; a != nil {
		out.Version, out.Platform, out.State = a.VersionString, string(a.Platform), string(a.AppVersionState)
		out.ReleaseType, out.Copyright = string(a.ReleaseType), a.Copyright
		out.EarliestReleaseDate, out.Created = timeOf(a.EarliestReleaseDate), timeOf(a.CreatedDate)
		out.UsesIdfa = a.UsesIdfa
	}
	out.Phase = apple.StatePhase(out.State).String()
	if r := v.Relationships; r != nil && r.Build != nil && r.Build.Data.One != nil {
		out.BuildID = r.Build.Data.One.ID
		if b := included[out.BuildID]; b != nil && b.Attributes != nil {
			out.BuildNumber, out.BuildState = b.Attributes.Version, string(b.Attributes.ProcessingState)
		}
	}
	return out
}

// ErrNotFound is returned (wrapped) when no version matches a Query.
var ErrNotFound = errors.New("no such version")

// Get returns one version: by its version string, or the one being prepared when Version is
// empty. A version string on several platforms needs Platform.
func Get(ctx context.Context, c *asc.Client, q Query) (*Version, error) {
	app, _, err := apps.Resolve(ctx, c, q.App)
	if err != nil {
		return nil, err
	}
	return get(ctx, c, app.ID, q)
}

func get(ctx context.Context, c *asc.Client, appID string, q Query) (*Version, error) {
	vs, err := list(ctx, c, appID, q.Platform, q.Version)
	if err != nil {
		return nil, err
	}
	if q.Version == "" {
		vs = slices.DeleteFunc(vs, func(v Version) bool { return !v.Editable() })
	}
	what := "the version being prepared"
	if q.Version != "" {
		what = "version " + q.Version
	}
	switch len(vs) {
	case 0:
		return nil, fmt.Errorf("%s of app %s: %w; create one with 'ascend versions create'", what, q.App, ErrNotFound)
	case 1:
		return &vs[0], nil
	}
	var where []string
	for _, v := range vs {
		where = append(where, v.Version+" "+v.Platform)
	}
	return nil, fmt.Errorf("%s of app %s is ambiguous (%s); pass --platform", what, q.App, strings.Join(where, ", "))
}

// Change is what Create or Update sets; nil fields are left as they are.
type Change struct {
	Query
	// NewVersion renames the version (Update only).
	NewVersion  *string
	ReleaseType *asc.AppStoreVersionReleaseType
	// EarliestRelease is the date of a scheduled release; it implies SCHEDULED.
	EarliestRelease *time.Time
	Copyright       *string
	// UsesIdfa answers whether the app uses the advertising identifier (deliver's
	// submission_information add_id_info_uses_idfa).
	UsesIdfa *bool
	// Build is the build number to attach; with AttachNewest and no Build, the newest
	// processed build of the version's train is attached.
	Build        string
	AttachNewest bool
	DryRun       bool
	// Now is the reference time for a scheduled date (default time.Now).
	Now func() time.Time
}

// Result is the version as Create or Update left it, and what changed.
type Result struct {
	Version Version  `json:"version"`
	Created bool     `json:"created"`
	Changed []string `json:"changed"` // the fields written (or, for a dry run, to write)
	DryRun  bool     `json:"dryRun,omitempty"`
}

// check refuses a change that cannot be right, before anything is read.
func (ch *Change) check() error {
	now := time.Now
	if ch.Now != nil {
		now = ch.Now
	}
	if ch.Platform != "" && !apple.IsPlatform(string(ch.Platform)) {
		return fmt.Errorf("platform %s is not one of %s", ch.Platform, strings.Join(apple.Platforms(), ", "))
	}
	if ch.EarliestRelease != nil {
		if ch.ReleaseType == nil {
			ch.ReleaseType = asc.Ptr(asc.AppStoreVersionReleaseTypeScheduled)
		}
		if *ch.ReleaseType != asc.AppStoreVersionReleaseTypeScheduled {
			return fmt.Errorf("an earliest release date goes with a scheduled release, not %s", *ch.ReleaseType)
		}
		if !ch.EarliestRelease.After(now()) {
			return fmt.Errorf("the earliest release date %s has passed", ch.EarliestRelease.UTC().Format(time.RFC3339))
		}
	}
	if ch.NewVersion != nil && !apple.IsVersionString(*ch.NewVersion) {
		return fmt.Errorf("version %q is not a version string like 1.2 or 1.2.3", *ch.NewVersion)
	}
	if ch.Version != "" && !apple.IsVersionString(ch.Version) {
		return fmt.Errorf("version %q is not a version string like 1.2 or 1.2.3", ch.Version)
	}
	return nil
}

// Create makes version ch.Version on ch.Platform (apple.DefaultPlatform when none is given,
// on every face alike), or, when the app has it already, brings the existing one to what ch
// asks (as Update does): a second run changes nothing.
func Create(ctx context.Context, c *asc.Client, ch Change) (*Result, error) {
	if ch.Version == "" {
		return nil, errors.New("a version string is required to create a version")
	}
	if ch.Platform == "" {
		ch.Platform = asc.Platform(apple.DefaultPlatform)
	}
	if ch.NewVersion != nil {
		return nil, errors.New("a new version string is for update, not create")
	}
	if err := ch.check(); err != nil {
		return nil, err
	}
	app, _, err := apps.Resolve(ctx, c, ch.App)
	if err != nil {
		return nil, err
	}
	existing, err := list(ctx, c, app.ID, ch.Platform, ch.Version)
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		return update(ctx, c, app.ID, &existing[0], ch)
	}
	buildID, buildNumber, err := pickBuild(ctx, c, app.ID, ch, ch.Version)
	if err != nil {
		return nil, err
	}
	res := &Result{Created: true, DryRun: ch.DryRun, Changed: []string{"version"}}
	attrs := asc.AppStoreVersionCreateRequestAttributes{Platform: ch.Platform, VersionString: ch.Version,
		Copyright: ch.Copyright, ReleaseType: ch.ReleaseType, UsesIdfa: ch.UsesIdfa}
	if ch.UsesIdfa != nil {
		res.Changed = append(res.Changed, "usesIdfa")
	}
	if ch.EarliestRelease != nil {
		attrs.EarliestReleaseDate = &asc.Time{Time: ch.EarliestRelease.UTC()}
	}
	body := &asc.AppStoreVersionCreateRequest{Data: asc.AppStoreVersionCreateRequestData{Type: "appStoreVersions", Attributes: attrs,
		Relationships: asc.AppStoreVersionCreateRequestRelationships{App: asc.Relationship{Data: asc.ToOne("apps", app.ID)}}}}
	if buildID != "" {
		body.Data.Relationships.Build = &asc.Relationship{Data: asc.ToOne("builds", buildID)}
		res.Changed = append(res.Changed, "build")
	}
	if ch.DryRun {
		res.Version = Version{Version: ch.Version, Platform: string(ch.Platform), BuildID: buildID, BuildNumber: buildNumber}
		return res, nil
	}
	for attempt := 1; ; attempt++ {
		created, _, err := c.AppStoreVersions.Create(ctx, body)
		if err == nil {
			v := of(&created.Data, nil)
			v.BuildNumber = buildNumber
			res.Version = v
			return res, nil
		}
		if !readback.Needed(ctx, err) || attempt == 3 {
			return nil, fmt.Errorf("create version %s: %w", ch.Version, err)
		}
		// The create may have been made: read back before sending it again.
		found, rerr := list(ctx, c, app.ID, ch.Platform, ch.Version)
		if rerr != nil {
			return nil, fmt.Errorf("create version %s: %w (and reading back failed: %v)", ch.Version, err, rerr)
		}
		if len(found) > 0 {
			r, uerr := update(ctx, c, app.ID, &found[0], ch)
			if r != nil {
				r.Created = true
			}
			return r, uerr
		}
		if readback.Refused(err) {
			return nil, fmt.Errorf("create version %s: %w", ch.Version, err)
		}
	}
}

// Update changes the version ch names (the one being prepared when ch.Version is empty),
// writing only what differs, in one request; nothing differing, nothing is sent.
func Update(ctx context.Context, c *asc.Client, ch Change) (*Result, error) {
	if err := ch.check(); err != nil {
		return nil, err
	}
	app, _, err := apps.Resolve(ctx, c, ch.App)
	if err != nil {
		return nil, err
	}
	v, err := get(ctx, c, app.ID, ch.Query)
	if err != nil {
		return nil, err
	}
	return update(ctx, c, app.ID, v, ch)
}

func update(ctx context.Context, c *asc.Client, appID string, v *Version, ch Change) (*Result, error) {
	res := &Result{DryRun: ch.DryRun, Changed: []string{}}
	attrs := &asc.AppStoreVersionUpdateRequestAttributes{}
	if ch.NewVersion != nil && *ch.NewVersion != v.Version {
		attrs.VersionString = ch.NewVersion
		res.Changed = append(res.Changed, "version")
	}
	if ch.ReleaseType != nil && string(*ch.ReleaseType) != v.ReleaseType {
		attrs.ReleaseType = ch.ReleaseType
		res.Changed = append(res.Changed, "releaseType")
	}
	if ch.EarliestRelease != nil && (v.EarliestReleaseDate == nil || !v.EarliestReleaseDate.Equal(ch.EarliestRelease.UTC().Truncate(time.Second))) {
		attrs.EarliestReleaseDate = &asc.Time{Time: ch.EarliestRelease.UTC().Truncate(time.Second)}
		res.Changed = append(res.Changed, "earliestReleaseDate")
	}
	if ch.Copyright != nil && *ch.Copyright != v.Copyright {
		attrs.Copyright = ch.Copyright
		res.Changed = append(res.Changed, "copyright")
	}
	if ch.UsesIdfa != nil && (v.UsesIdfa == nil || *v.UsesIdfa != *ch.UsesIdfa) {
		attrs.UsesIdfa = ch.UsesIdfa
		res.Changed = append(res.Changed, "usesIdfa")
	}
	train := v.Version
	if attrs.VersionString != nil {
		train = *attrs.VersionString
	}
	buildID, buildNumber, err := pickBuild(ctx, c, appID, ch, train)
	if err != nil {
		return nil, err
	}
	var rels *asc.AppStoreVersionUpdateRequestRelationships
	if buildID != "" && buildID != v.BuildID {
		rels = &asc.AppStoreVersionUpdateRequestRelationships{Build: &asc.Relationship{Data: asc.ToOne("builds", buildID)}}
		res.Changed = append(res.Changed, "build")
	}
	res.Version = *v
	if len(res.Changed) == 0 {
		return res, nil
	}
	if !v.Editable() {
		return nil, fmt.Errorf("version %s (%s) is %s (%s): Apple accepts no changes to it now", v.Version, v.Platform, v.State, v.Phase)
	}
	if ch.DryRun {
		if buildID != "" {
			// The plan shows the build it would attach.
			res.Version.BuildID, res.Version.BuildNumber, res.Version.BuildState = buildID, buildNumber, string(asc.BuildProcessingStateValid)
		}
		return res, nil
	}
	body := &asc.AppStoreVersionUpdateRequest{Data: asc.AppStoreVersionUpdateRequestData{Type: "appStoreVersions", ID: v.ID,
		Attributes: attrs, Relationships: rels}}
	// A PATCH sets values: sending it again after a lost answer is safe.
	updated, _, err := c.AppStoreVersions.Update(ctx, v.ID, body)
	if err != nil {
		return nil, fmt.Errorf("update version %s: %w", v.Version, err)
	}
	nv := of(&updated.Data, nil)
	if nv.BuildID == "" {
		nv.BuildID = v.BuildID
	}
	nv.BuildNumber, nv.BuildState = v.BuildNumber, v.BuildState
	if buildID != "" {
		nv.BuildID, nv.BuildNumber, nv.BuildState = buildID, buildNumber, "VALID"
	}
	res.Version = nv
	return res, nil
}

// pickBuild finds the build to attach: ch.Build by number, or with AttachNewest the newest
// processed (VALID, unexpired) build of the train, through workflow/builds. Neither asked:
// none.
func pickBuild(ctx context.Context, c *asc.Client, appID string, ch Change, train string) (id, number string, err error) {
	if ch.Build == "" && !ch.AttachNewest {
		return "", "", nil
	}
	f := builds.Filter{App: appID, Version: train, Platform: ch.Platform, BuildNumber: ch.Build, Expired: asc.Ptr(false), Limit: 1}
	if ch.Build == "" {
		f.States = []string{string(asc.BuildProcessingStateValid)}
	}
	list, err := builds.List(ctx, c, f)
	if err != nil {
		return "", "", err
	}
	if len(list) == 0 {
		if ch.Build != "" {
			return "", "", fmt.Errorf("build %s of version %s: %w; list them with 'ascend builds list'", ch.Build, train, builds.ErrNotFound)
		}
		return "", "", fmt.Errorf("version %s has no processed build to attach: upload one with 'ascend builds upload' or wait with 'ascend builds wait'", train)
	}
	b := list[0]
	if b.State() != string(asc.BuildProcessingStateValid) {
		return "", "", fmt.Errorf("build %s of version %s is %s; only a processed (VALID) build can be attached", b.Number(), train, b.State())
	}
	return b.ID, b.Number(), nil
}

func timeOf(t *asc.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
