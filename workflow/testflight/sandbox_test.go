package testflight_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/testflight"
)

const (
	demoApp  = "com.example.daybreak"
	quietApp = "com.example.quiethours"
)

func newSandbox(t *testing.T, opts sandbox.Options) (*sandbox.Server, *asc.Client) {
	t.Helper()
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	c, err := asc.NewClient(asc.WithBaseURL(sb.URL()), asc.WithKey(sb.Key()), asc.WithRateBudget(asc.NewRateBudget()),
		asc.WithRetryPolicy(asc.RetryPolicy{MaxAttempts: 5, BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	return sb, c
}

func writes(t *testing.T, sb *sandbox.Server) int {
	t.Helper()
	resp, err := http.Get(sb.URL() + "/sandbox/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		ByMethod map[string]int `json:"by_method"`
	}
	json.NewDecoder(resp.Body).Decode(&st)
	return st.ByMethod["POST"] + st.ByMethod["PATCH"] + st.ByMethod["DELETE"]
}

func TestGroups(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t, sandbox.Options{})
	gs, err := testflight.Groups(t.Context(), c, quietApp)
	if err != nil || len(gs) != 3 {
		t.Fatalf("%d groups, %v", len(gs), err)
	}
	res, err := testflight.CreateGroup(t.Context(), c, quietApp, testflight.GroupSpec{Name: "QA", PublicLink: true, PublicLinkLimit: 50})
	if err != nil || !res.Created {
		t.Fatalf("create: %+v %v", res, err)
	}
	if on, link, limit := res.Group.PublicLink(); !on || limit != 50 || !strings.HasPrefix(link, "https://testflight.apple.com/join/") {
		t.Errorf("public link %v %q limit %d", on, link, limit)
	}
	w := writes(t, sb)
	again, err := testflight.CreateGroup(t.Context(), c, quietApp, testflight.GroupSpec{Name: "QA", PublicLink: true, PublicLinkLimit: 50})
	if err != nil || again.Created || len(again.Changed) != 0 || writes(t, sb) != w {
		t.Errorf("re-create: %+v %v", again, err)
	}
	more, err := testflight.CreateGroup(t.Context(), c, quietApp, testflight.GroupSpec{Name: "QA", PublicLink: true, PublicLinkLimit: 80})
	if err != nil || strings.Join(more.Changed, ",") != "publicLinkLimit" {
		t.Errorf("raise the limit: %+v %v", more, err)
	}
	if _, err := testflight.CreateGroup(t.Context(), c, quietApp, testflight.GroupSpec{Name: "Internal Testers"}); err == nil || !strings.Contains(err.Error(), "exists as an internal group") {
		t.Errorf("external over internal: %v", err)
	}
	for _, bad := range []testflight.GroupSpec{{Name: " "}, {Name: "X", Internal: true, PublicLink: true}, {Name: "Y", PublicLinkLimit: 3}, {Name: "QA", PublicLink: true, PublicLinkLimit: 10_001}} {
		requests := func() (n int) {
			for _, v := range sb.Stats().ByMethod {
				n += v
			}
			return n
		}
		r := requests()
		if _, err := testflight.CreateGroup(t.Context(), c, quietApp, bad); err == nil || requests() != r {
			t.Errorf("%+v accepted, or refused after a request: %v", bad, err)
		}
	}
	if ok, err := testflight.DeleteGroup(t.Context(), c, quietApp, "QA"); !ok || err != nil {
		t.Errorf("delete: %v %v", ok, err)
	}
	if ok, err := testflight.DeleteGroup(t.Context(), c, quietApp, "QA"); ok || err != nil {
		t.Errorf("delete again: %v %v", ok, err)
	}
}

func TestTestersImportExport(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t, sandbox.Options{})
	var out bytes.Buffer
	n, err := testflight.Export(t.Context(), c, quietApp, "", &out)
	if err != nil || n != 4 {
		t.Fatalf("export %d: %v", n, err)
	}
	if !strings.HasPrefix(out.String(), "First,Last,Email,Groups\n") || !strings.Contains(out.String(), "Alan,Turing,alan.3@example.com,Design Partners\n") {
		t.Fatalf("export:\n%s", out.String())
	}
	csv := "First,Last,Email,Groups\nNew,Person,new.person@example.com,Design Partners;Public Beta\nOther,One,other.one@example.com,Public Beta\nAlan,Turing,alan.3@example.com,Design Partners;Public Beta\n"
	res, err := testflight.Import(t.Context(), c, quietApp, strings.NewReader(csv), nil)
	if err != nil || res.Created != 2 || res.Added != 1 || res.Unchanged != 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
	w := writes(t, sb)
	res, err = testflight.Import(t.Context(), c, quietApp, strings.NewReader(csv), nil)
	if err != nil || res.Created != 0 || res.Added != 0 || res.Unchanged != 3 || writes(t, sb) != w {
		t.Fatalf("import again: %+v %v (%d writes)", res, err, writes(t, sb)-w)
	}
	list, err := testflight.Testers(t.Context(), c, quietApp, "Public Beta")
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, tt := range list {
		emails = append(emails, tt.Email)
	}
	if got := strings.Join(emails, ","); got != "alan.3@example.com,grace.3@example.com,new.person@example.com,other.one@example.com" {
		t.Errorf("public beta testers %s", got)
	}
	rm, err := testflight.RemoveTesters(t.Context(), c, quietApp, []string{"other.one@example.com", "nobody@example.com"}, "Public Beta")
	if err != nil || rm.Removed != 1 || len(rm.NotFound) != 1 {
		t.Errorf("remove: %+v %v", rm, err)
	}
	invited, missing, err := testflight.Invite(t.Context(), c, quietApp, []string{"new.person@example.com", "nobody@example.com"})
	if err != nil || invited != 1 || len(missing) != 1 {
		t.Errorf("invite: %d %v %v", invited, missing, err)
	}
	// Bad rows and groups are refused before anything is written.
	w = writes(t, sb)
	for _, bad := range []string{
		"a,b,not-an-email,Public Beta\n",
		"a,b,x@example.com,No Such Group\n",
		"a,b,x@example.com,Internal Testers\n",
		"a,b,x@example.com,\n",
		"a,b\n",
		"a,b,x@example.com,Public Beta\nc,d,X@example.com,Public Beta\n",
	} {
		if _, err := testflight.Import(t.Context(), c, quietApp, strings.NewReader(bad), nil); err == nil {
			t.Errorf("%q imported", bad)
		}
	}
	if writes(t, sb) != w {
		t.Errorf("refused imports wrote %d times", writes(t, sb)-w)
	}
}

type sandboxClock struct {
	sb  *sandbox.Server
	mu  sync.Mutex
	now time.Time
}

func (k *sandboxClock) Now() time.Time { k.mu.Lock(); defer k.mu.Unlock(); return k.now }

func (k *sandboxClock) Sleep(ctx context.Context, d time.Duration) error {
	k.mu.Lock()
	k.now = k.now.Add(d)
	k.mu.Unlock()
	k.sb.Advance(d)
	return ctx.Err()
}

func TestDistribute(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t, sandbox.Options{ReviewDelay: time.Hour})
	ref := builds.Ref{App: demoApp, Version: "2.4.0", BuildNumber: "491"}
	opts := testflight.DistributeOptions{Build: ref, Groups: []string{"Design Partners", "Internal Testers"},
		WhatToTest: map[string]string{"en-US": "Try the new focus timer.", "de-DE": "Probiere den neuen Fokus-Timer."}, Notify: true,
		Review: &testflight.ReviewDetail{Notes: "Sign in with the demo account; no purchase needed."}}
	res, err := testflight.Distribute(t.Context(), c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.GroupsAdded, ",") != "Design Partners" || strings.Join(res.GroupsAlready, ",") != "Internal Testers" || !res.Submitted ||
		len(res.WhatToTest) != 2 || strings.Join(res.ReviewDetail, ",") != "notes" || !res.AutoNotify || res.ReviewState != "WAITING_FOR_REVIEW" {
		t.Fatalf("%+v", res)
	}
	w := writes(t, sb)
	again, err := testflight.Distribute(t.Context(), c, opts)
	if err != nil || len(again.GroupsAdded) != 0 || again.Submitted || len(again.WhatToTest) != 0 || len(again.ReviewDetail) != 0 || again.NotifyChanged {
		t.Fatalf("re-run: %+v %v", again, err)
	}
	if writes(t, sb) != w {
		t.Errorf("the re-run wrote %d times", writes(t, sb)-w)
	}
	// Waiting for Beta App Review on the sandbox clock.
	opts.Wait = true
	opts.WaitOptions = builds.WaitOptions{Clock: &sandboxClock{sb: sb, now: time.Now()}, PollInitial: 10 * time.Minute, PollMax: time.Hour, Timeout: 24 * time.Hour}
	var lines []string
	opts.Progress = func(s string) { lines = append(lines, s) }
	done, err := testflight.Distribute(t.Context(), c, opts)
	if err != nil || done.ReviewState != "APPROVED" {
		t.Fatalf("wait: %+v %v (%v)", done, err, lines)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "Beta App Review: APPROVED") {
		t.Errorf("progress %v", lines)
	}
}

func TestDistributeRefusals(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t, sandbox.Options{})
	cases := []struct {
		opts testflight.DistributeOptions
		want string
	}{
		{testflight.DistributeOptions{Build: builds.Ref{App: demoApp, Version: "2.4.0", BuildNumber: "491"}, Groups: []string{"Nope"}}, "no beta group named Nope; the app has: "},
		{testflight.DistributeOptions{Build: builds.Ref{App: demoApp, Version: "2.4.0", BuildNumber: "491"}}, "name the beta groups"},
		{testflight.DistributeOptions{Build: builds.Ref{App: demoApp, Version: "2.4.0", BuildNumber: "491"}, Groups: []string{"Public Beta"}, WhatToTest: map[string]string{"xx-YY": "hi"}}, "not a locale"},
		{testflight.DistributeOptions{Build: builds.Ref{App: demoApp, Version: "2.4.0", BuildNumber: "491"}, Groups: []string{"Public Beta"}, WhatToTest: map[string]string{"en-US": strings.Repeat("é", 4001)}}, "at most 4000"},
		{testflight.DistributeOptions{Build: builds.Ref{App: demoApp, Version: "2.0.0", BuildNumber: "1"}, Groups: []string{"Public Beta"}}, "has expired"},
		{testflight.DistributeOptions{Build: builds.Ref{App: demoApp, Version: "2.4.0", BuildNumber: "9999"}, Groups: []string{"Public Beta"}}, "no such build"},
	}
	for _, tc := range cases {
		_, err := testflight.Distribute(t.Context(), c, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.opts, err, tc.want)
		}
		if errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
	}
	if w := writes(t, sb); w != 0 {
		t.Errorf("%d writes", w)
	}
}

// TestPendingErrorSaysHowLong: a wait cut short under a second says so in milliseconds.
func TestPendingErrorSaysHowLong(t *testing.T) {
	t.Parallel()
	err := &testflight.PendingError{BuildID: "b1", State: "WAITING_FOR_REVIEW", Waited: 400 * time.Millisecond}
	if !strings.Contains(err.Error(), " is still WAITING_FOR_REVIEW in Beta App Review after 400ms;") {
		t.Errorf("%q", err)
	}
}
