// Package release reports where an app's releases stand: its recent App Store versions with
// their state and build, its recent builds with their processing state, and its review
// submissions. It only reads, in four requests (five for a bundle id).
package release

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/lookup"
)

// Request says which app to report on.
type Request struct {
	App      string // numeric id or bundle id
	Platform string // "" for every platform
	// Versions, Builds and Reviews bound how many of each are reported (newest first);
	// zero means 5.
	Versions, Builds, Reviews int
}

// Status is an app's release status, newest first in every list.
type Status struct {
	App      App          `json:"app"`
	Versions []Version    `json:"versions"`
	Builds   []Build      `json:"builds"`
	Reviews  []Submission `json:"reviewSubmissions"`
	Requests int          `json:"-"`
}

// App names the app.
type App struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	BundleID string `json:"bundleId"`
}

// Version is one App Store version: its state, what the state means for work on it (apple's
// phase: editable, locked, live, retired), and its build.
type Version struct {
	ID            string     `json:"id"`
	Version       string     `json:"version"`
	Platform      string     `json:"platform"`
	State         string     `json:"state"`
	Phase         string     `json:"phase"`
	ReleaseType   string     `json:"releaseType,omitempty"`
	Created       *time.Time `json:"created,omitempty"`
	Build         *Build     `json:"build,omitempty"`
	BuildAttached bool       `json:"buildAttached"`
}

// Build is a build and its processing.
type Build struct {
	ID         string     `json:"id"`
	Number     string     `json:"number"`
	Version    string     `json:"version,omitempty"`
	Processing string     `json:"processingState"`
	Expired    bool       `json:"expired,omitempty"`
	Uploaded   *time.Time `json:"uploaded,omitempty"`
}

// Submission is a review submission.
type Submission struct {
	ID        string     `json:"id"`
	Platform  string     `json:"platform"`
	State     string     `json:"state"`
	Submitted *time.Time `json:"submitted,omitempty"`
}

// Get reads the app's release status.
func Get(ctx context.Context, c *asc.Client, req Request) (*Status, error) {
	limit := func(n int) int {
		if n <= 0 {
			return 5
		}
		return min(n, 50)
	}
	found, n, err := apps.Resolve(ctx, c, req.App)
	if err != nil {
		return nil, err
	}
	st := &Status{Requests: n, Versions: []Version{}, Builds: []Build{}, Reviews: []Submission{}}
	appID := found.ID
	app, err := lookup.App(ctx, c, appID)
	if err != nil {
		return nil, err
	}
	st.Requests++
	st.App = App{ID: app.ID}
	if app.Attributes != nil {
		st.App.Name, st.App.BundleID = app.Attributes.Name, app.Attributes.BundleID
	}

	// Versions with their builds in one request; a page of 50 so that the newest are in it
	// whatever order the server lists them in.
	vopts := &asc.AppsListAppStoreVersionsOptions{Limit: 50, Include: []string{"build"},
		FieldsAppStoreVersions: []string{"platform", "versionString", "appVersionState", "releaseType", "createdDate", "build"},
		FieldsBuilds:           []string{"version", "processingState", "expired", "uploadedDate"}}
	if req.Platform != "" {
		vopts.FilterPlatform = []asc.Platform{asc.Platform(req.Platform)}
	}
	vs, _, err := c.Apps.ListAppStoreVersions(ctx, appID, vopts)
	if err != nil {
		return nil, fmt.Errorf("read the versions of app %s: %w", appID, err)
	}
	st.Requests++
	included := map[string]*asc.Build{}
	for _, inc := range vs.Included {
		if b, ok := inc.(*asc.Build); ok {
			included[b.ID] = b
		}
	}
	for _, v := range vs.Data {
		out := Version{ID: v.ID}
		if a := v.Attributes; a != nil {
			out.Version, out.Platform, out.State, out.ReleaseType = a.VersionString, string(a.Platform), string(a.AppVersionState), string(a.ReleaseType)
			out.Phase = apple.StatePhase(out.State).String()
			out.Created = timeOf(a.CreatedDate)
		}
		if v.Relationships != nil && v.Relationships.Build != nil && v.Relationships.Build.Data.One != nil {
			out.BuildAttached = true
			if b, ok := included[v.Relationships.Build.Data.One.ID]; ok {
				bb := buildOf(b, "")
				out.Build = &bb
			}
		}
		st.Versions = append(st.Versions, out)
	}
	slices.SortStableFunc(st.Versions, func(a, b Version) int {
		switch {
		case a.Created == nil || b.Created == nil:
			return 0
		case a.Created.After(*b.Created):
			return -1
		case b.Created.After(*a.Created):
			return 1
		}
		return 0
	})
	st.Versions = st.Versions[:min(len(st.Versions), limit(req.Versions))]

	bs, err := builds.List(ctx, c, builds.Filter{App: appID, Platform: asc.Platform(req.Platform), Limit: limit(req.Builds)})
	if err != nil {
		return nil, fmt.Errorf("read the builds of app %s: %w", appID, err)
	}
	st.Requests++
	for i := range bs {
		st.Builds = append(st.Builds, buildOf(&bs[i].Build, bs[i].Version))
	}

	ropts := &asc.AppsListReviewSubmissionsOptions{Limit: limit(req.Reviews), FieldsReviewSubmissions: []string{"platform", "state", "submittedDate"}}
	if req.Platform != "" {
		ropts.FilterPlatform = []asc.Platform{asc.Platform(req.Platform)}
	}
	rs, _, err := c.Apps.ListReviewSubmissions(ctx, appID, ropts)
	if err != nil {
		return nil, fmt.Errorf("read the review submissions of app %s: %w", appID, err)
	}
	st.Requests++
	for _, r := range rs.Data {
		out := Submission{ID: r.ID}
		if a := r.Attributes; a != nil {
			out.Platform, out.State, out.Submitted = string(a.Platform), string(a.State), timeOf(a.SubmittedDate)
		}
		st.Reviews = append(st.Reviews, out)
	}
	return st, nil
}

func buildOf(b *asc.Build, version string) Build {
	out := Build{ID: b.ID, Version: version}
	if a := b.Attributes; a != nil {
		out.Number, out.Processing, out.Uploaded = a.Version, string(a.ProcessingState), timeOf(a.UploadedDate)
		out.Expired = a.Expired != nil && *a.Expired
	}
	return out
}

func timeOf(t *asc.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
