package testflight

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/upload"
	"github.com/ascend-tools/ascend/internal/elapsed"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/internal/folder"
)

// ReviewDetail is what Beta App Review needs to know; empty fields are left as they are.
type ReviewDetail struct {
	ContactFirstName, ContactLastName, ContactPhone, ContactEmail string
	DemoAccountName, DemoAccountPassword                          string
	DemoAccountRequired                                           *bool
	Notes                                                         string
}

// DistributeOptions say which build goes to which groups, and how.
type DistributeOptions struct {
	Build  builds.Ref
	Groups []string
	// WhatToTest is the text testers see, per locale ("en-US").
	WhatToTest map[string]string
	// Review, when set, updates the app's beta app review details (external groups).
	Review *ReviewDetail
	// Notify makes App Store Connect notify testers when the build becomes available to them.
	Notify bool
	// SkipSubmission sends no beta review submission, even for external groups (fastlane
	// pilot's submit_beta_review false).
	SkipSubmission bool
	// Wait waits for Beta App Review's verdict when the build was submitted.
	Wait bool
	builds.WaitOptions
	// Progress, when set, receives one line per step taken.
	Progress func(string)
}

// DistributeResult says what Distribute did; empty lists mean it was all in place already.
type DistributeResult struct {
	BuildID        string   `json:"buildId"`
	GroupsAdded    []string `json:"groupsAdded"`
	GroupsAlready  []string `json:"groupsAlready"`
	WhatToTest     []string `json:"whatToTest"` // locales created or changed
	ReviewDetail   []string `json:"reviewDetail"`
	Submitted      bool     `json:"submitted"`
	ReviewState    string   `json:"reviewState,omitempty"`
	AutoNotify     bool     `json:"autoNotify"`
	NotifyChanged  bool     `json:"notifyChanged"`
	Requests       int      `json:"requests"`
	SubmissionID   string   `json:"betaAppReviewSubmissionId,omitempty"`
	ExternalGroups bool     `json:"externalGroups"`
}

// PendingError reports a wait for Beta App Review that ended first.
type PendingError struct {
	BuildID, State string
	Waited         time.Duration
}

func (e *PendingError) Error() string {
	return fmt.Sprintf("build %s is still %s in Beta App Review after %s; run the same distribute with --wait again to keep waiting", e.BuildID, e.State, elapsed.String(e.Waited))
}

// RejectedError reports a build Beta App Review rejected.
type RejectedError struct{ BuildID string }

func (e *RejectedError) Error() string {
	return fmt.Sprintf("Beta App Review rejected build %s; see App Store Connect for the reasons, fix them and upload a new build", e.BuildID)
}

// Distribute gives a build to beta groups. It reads the build with everything it touches in
// one request, checks the groups and the build's state before writing, then does only what is
// missing: What to Test per locale (create or update), the beta app review details, the build
// added to the groups it is not in (one request), the auto-notify switch, and, for external
// groups, the beta review submission. A re-run with the same options writes nothing.
func Distribute(ctx context.Context, c *asc.Client, o DistributeOptions) (*DistributeResult, error) {
	say := func(format string, a ...any) {
		if o.Progress != nil {
			o.Progress(fmt.Sprintf(format, a...))
		}
	}
	if len(o.Groups) == 0 {
		return nil, errors.New("name the beta groups to distribute to")
	}
	for locale, text := range o.WhatToTest {
		if !apple.IsLocale(locale) {
			return nil, fmt.Errorf("what to test: %q is not a locale App Store Connect knows", locale)
		}
		if n := apple.Length(text); n > apple.MaxWhatToTestLength {
			return nil, fmt.Errorf("what to test (%s) is %d characters; TestFlight takes at most %d", locale, n, apple.MaxWhatToTestLength)
		}
	}
	n := 0
	id := o.Build.ID
	if id == "" {
		b, err := builds.Get(ctx, c, o.Build)
		if err != nil {
			return nil, err
		}
		id = b.ID
		n += 2
	}
	n++
	doc, _, err := c.Builds.Get(ctx, id, &asc.BuildsGetOptions{
		FieldsBuilds:                 []string{"version", "processingState", "expired", "app", "betaGroups", "betaAppReviewSubmission", "buildBetaDetail", "betaBuildLocalizations"},
		Include:                      []string{"app", "betaGroups", "betaAppReviewSubmission", "buildBetaDetail", "betaBuildLocalizations"},
		FieldsBetaBuildLocalizations: []string{"locale", "whatsNew"}, FieldsBetaAppReviewSubmissions: []string{"betaReviewState", "submittedDate"},
		FieldsBuildBetaDetails: []string{"autoNotifyEnabled", "internalBuildState", "externalBuildState"}, FieldsBetaGroups: []string{"name"},
		FieldsApps: []string{"bundleId"}, LimitBetaGroups: 50, LimitBetaBuildLocalizations: 50})
	if err != nil {
		return nil, fmt.Errorf("read build %s: %w", id, err)
	}
	res := &DistributeResult{BuildID: id, GroupsAdded: []string{}, GroupsAlready: []string{}, WhatToTest: []string{}, ReviewDetail: []string{}}
	defer func() { res.Requests += n }()
	b := doc.Data
	if b.Attributes == nil || b.Attributes.ProcessingState != asc.BuildProcessingStateValid {
		state := ""
		if b.Attributes != nil {
			state = string(b.Attributes.ProcessingState)
		}
		return nil, fmt.Errorf("build %s is %s; only a VALID build can be distributed (wait with `ascend builds wait`)", id, state)
	}
	if b.Attributes.Expired != nil && *b.Attributes.Expired {
		return nil, fmt.Errorf("build %s has expired; distribute a newer one", id)
	}
	var (
		appID    string
		inGroups = map[string]bool{}
		locs     = map[string]*asc.BetaBuildLocalization{}
		sub      *asc.BetaAppReviewSubmission
		detail   *asc.BuildBetaDetail
	)
	if r := b.Relationships; r != nil {
		if r.App != nil && r.App.Data.One != nil {
			appID = r.App.Data.One.ID
		}
		if r.BetaGroups != nil {
			for _, g := range r.BetaGroups.Data.IDs() {
				inGroups[g.ID] = true
			}
		}
	}
	for _, inc := range doc.Included {
		switch v := inc.(type) {
		case *asc.BetaBuildLocalization:
			if v.Attributes != nil {
				locs[v.Attributes.Locale] = v
			}
		case *asc.BetaAppReviewSubmission:
			sub = v
		case *asc.BuildBetaDetail:
			detail = v
		}
	}
	if appID == "" {
		return nil, fmt.Errorf("build %s names no app", id)
	}
	n++
	all, err := groups(ctx, c, appID)
	if err != nil {
		return nil, err
	}
	targets, err := findGroups(all, o.Groups)
	if err != nil {
		return nil, err
	}
	var add []string
	for _, g := range targets {
		if !g.Internal() {
			res.ExternalGroups = true
		}
		allBuilds := g.Attributes != nil && g.Attributes.HasAccessToAllBuilds != nil && *g.Attributes.HasAccessToAllBuilds
		if inGroups[g.ID] || allBuilds {
			res.GroupsAlready = append(res.GroupsAlready, g.Name())
			continue
		}
		add = append(add, g.ID)
		res.GroupsAdded = append(res.GroupsAdded, g.Name())
	}
	if sub != nil && sub.Attributes != nil && sub.Attributes.BetaReviewState == asc.BetaReviewStateRejected && res.ExternalGroups {
		return nil, &RejectedError{BuildID: id}
	}

	// What to Test, per locale, only where it differs.
	if len(o.WhatToTest) > 0 {
		have := map[string]asc.BetaBuildLocalization{}
		for l, v := range locs {
			have[l] = *v
		}
		wt, err := whatToTest(ctx, c, id, have, Localized[string]{By: o.WhatToTest}, false)
		n += wt.Requests
		res.WhatToTest = append(append(res.WhatToTest, wt.Created...), wt.Updated...)
		slices.Sort(res.WhatToTest)
		for _, l := range res.WhatToTest {
			say("what to test (%s) set", l)
		}
		if err != nil {
			return res, err
		}
	}

	if o.Review != nil && res.ExternalGroups {
		changed, reqs, err := updateReviewDetail(ctx, c, appID, *o.Review, false)
		n += reqs
		if err != nil {
			return res, err
		}
		res.ReviewDetail = changed
		if len(changed) > 0 {
			say("beta app review details: %s", strings.Join(changed, ", "))
		}
	}

	if len(add) > 0 {
		n++
		if _, err := c.Builds.AddBetaGroups(ctx, id, &asc.BuildBetaGroupsLinkagesRequest{Data: identifiers("betaGroups", add)}); err != nil {
			return res, fmt.Errorf("add build %s to %s: %w", id, strings.Join(res.GroupsAdded, ", "), err)
		}
		say("added to %s", strings.Join(res.GroupsAdded, ", "))
	}

	if detail != nil && detail.Attributes != nil {
		res.AutoNotify = detail.Attributes.AutoNotifyEnabled != nil && *detail.Attributes.AutoNotifyEnabled
		if o.Notify && !res.AutoNotify {
			n++
			if err := setAutoNotify(ctx, c, detail.ID, true); err != nil {
				return res, fmt.Errorf("turn on tester notifications for build %s: %w", id, err)
			}
			res.AutoNotify, res.NotifyChanged = true, true
			say("testers are notified when the build becomes available")
		}
	}

	if res.ExternalGroups && !o.SkipSubmission {
		if sub == nil {
			n++
			doc, _, err := c.BetaAppReviewSubmissions.Create(ctx, &asc.BetaAppReviewSubmissionCreateRequest{Data: asc.BetaAppReviewSubmissionCreateRequestData{
				Type: "betaAppReviewSubmissions", Relationships: asc.BetaAppReviewSubmissionCreateRequestRelationships{Build: asc.Relationship{Data: asc.ToOne("builds", id)}}}})
			if err != nil {
				if !mayHaveTakenEffect(err) && !isConflict(err) {
					return res, fmt.Errorf("submit build %s for beta review: %w", id, err)
				}
				// Read back: the submission may exist now.
				n++
				got, _, gerr := c.Builds.GetBetaAppReviewSubmission(ctx, id, nil)
				if gerr != nil || got.Data.ID == "" {
					return res, fmt.Errorf("submit build %s for beta review: %w", id, err)
				}
				sub = &got.Data
			} else {
				sub = &doc.Data
				res.Submitted = true
				say("submitted for beta review")
			}
		}
		res.SubmissionID = sub.ID
		if sub.Attributes != nil {
			res.ReviewState = string(sub.Attributes.BetaReviewState)
		}
	}
	if !o.Wait || sub == nil {
		return res, nil
	}
	state, reqs, err := awaitReview(ctx, c, id, sub.ID, res.ReviewState, o.WaitOptions, say)
	n += reqs
	res.ReviewState = state
	return res, err
}

func updateReviewDetail(ctx context.Context, c *asc.Client, appID string, want ReviewDetail, dryRun bool) ([]string, int, error) {
	doc, _, err := c.Apps.GetBetaAppReviewDetail(ctx, appID, nil)
	if err != nil {
		return nil, 1, fmt.Errorf("read the beta app review details: %w", err)
	}
	cur := doc.Data.Attributes
	if cur == nil {
		cur = &asc.BetaAppReviewDetailAttributes{}
	}
	attrs := &asc.BetaAppReviewDetailUpdateRequestAttributes{}
	var changed []string
	set := func(name, now, to string, field **string) {
		if to != "" && now != to {
			*field = asc.Ptr(to)
			changed = append(changed, name)
		}
	}
	set("contactFirstName", cur.ContactFirstName, want.ContactFirstName, &attrs.ContactFirstName)
	set("contactLastName", cur.ContactLastName, want.ContactLastName, &attrs.ContactLastName)
	set("contactPhone", cur.ContactPhone, want.ContactPhone, &attrs.ContactPhone)
	set("contactEmail", cur.ContactEmail, want.ContactEmail, &attrs.ContactEmail)
	set("demoAccountName", cur.DemoAccountName, want.DemoAccountName, &attrs.DemoAccountName)
	set("demoAccountPassword", cur.DemoAccountPassword, want.DemoAccountPassword, &attrs.DemoAccountPassword)
	set("notes", cur.Notes, want.Notes, &attrs.Notes)
	if r := want.DemoAccountRequired; r != nil && (cur.DemoAccountRequired == nil || *cur.DemoAccountRequired != *r) {
		attrs.DemoAccountRequired = r
		changed = append(changed, "demoAccountRequired")
	}
	if len(changed) == 0 {
		return []string{}, 1, nil
	}
	if dryRun {
		return changed, 1, nil
	}
	_, _, err = c.BetaAppReviewDetails.Update(ctx, doc.Data.ID, &asc.BetaAppReviewDetailUpdateRequest{Data: asc.BetaAppReviewDetailUpdateRequestData{
		Type: "betaAppReviewDetails", ID: doc.Data.ID, Attributes: attrs}})
	if err != nil {
		return nil, 2, fmt.Errorf("update the beta app review details: %w", err)
	}
	return changed, 2, nil
}

// awaitReview polls the one submission with backoff until Beta App Review decides.
func awaitReview(ctx context.Context, c *asc.Client, buildID, subID, state string, o builds.WaitOptions, say func(string, ...any)) (string, int, error) {
	if o.Timeout <= 0 {
		o.Timeout = 48 * time.Hour
	}
	if o.PollInitial <= 0 {
		o.PollInitial = 30 * time.Second
	}
	if o.PollMax <= 0 {
		o.PollMax = 10 * time.Minute
	}
	if o.Clock == nil {
		o.Clock = wallClock{}
	}
	start := o.Clock.Now()
	delay := o.PollInitial
	n := 0
	say("waiting for Beta App Review: %s (at most %s)", state, o.Timeout)
	for {
		switch asc.BetaReviewState(state) {
		case asc.BetaReviewStateApproved:
			return state, n, nil
		case asc.BetaReviewStateRejected:
			return state, n, &RejectedError{BuildID: buildID}
		}
		now := o.Clock.Now()
		if !now.Before(start.Add(o.Timeout)) {
			return state, n, &PendingError{BuildID: buildID, State: state, Waited: now.Sub(start)}
		}
		if err := o.Clock.Sleep(ctx, min(delay, start.Add(o.Timeout).Sub(now))); err != nil {
			return state, n, err
		}
		delay = upload.NextWait(delay, o.PollMax)
		n++
		doc, _, err := c.BetaAppReviewSubmissions.Get(ctx, subID, &asc.BetaAppReviewSubmissionsGetOptions{FieldsBetaAppReviewSubmissions: []string{"betaReviewState"}})
		if err != nil {
			return state, n, fmt.Errorf("check the beta review of build %s: %w", buildID, err)
		}
		if doc.Data.Attributes != nil && string(doc.Data.Attributes.BetaReviewState) != state {
			state = string(doc.Data.Attributes.BetaReviewState)
			if state == string(asc.BetaReviewStateApproved) || state == string(asc.BetaReviewStateRejected) {
				say("Beta App Review: %s", state)
			} else {
				say("waiting for Beta App Review: %s", state)
			}
		}
	}
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ReadWhatToTest reads What to Test texts from a folder: <locale>.txt files, or pilot's
// <locale>/what_to_test.txt (fastlane's changelog layout).
func ReadWhatToTest(dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read what-to-test folder: %w", err)
	}
	out := map[string]string{}
	var problems []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		var locale, path string
		switch {
		case e.IsDir():
			locale, path = name, filepath.Join(dir, name, "what_to_test.txt")
			if _, err := os.Stat(path); err != nil {
				continue
			}
		case strings.HasSuffix(name, ".txt"):
			locale, path = strings.TrimSuffix(name, ".txt"), filepath.Join(dir, name)
		default:
			continue
		}
		if !apple.IsLocale(locale) {
			problems = append(problems, fmt.Sprintf("%s: %q is not a locale", path, locale))
			continue
		}
		b, err := folder.ReadFile(path, folder.MaxText)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		out[locale] = strings.TrimSpace(string(b))
	}
	if len(problems) > 0 {
		return nil, &ProblemsError{What: dir, Problems: problems}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s has no <locale>.txt or <locale>/what_to_test.txt", dir)
	}
	return out, nil
}
