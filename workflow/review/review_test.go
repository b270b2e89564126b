package review_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/review"
)

// lossy forwards requests to the sandbox and, for the requests lose picks, drops the answer
// after the sandbox has acted on it: the write took effect, the caller sees a broken
// connection.
type lossy struct {
	mu   sync.Mutex
	lose func(r *http.Request) bool
	sent []string
}

func (l *lossy) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	l.mu.Lock()
	l.sent = append(l.sent, r.Method+" "+r.URL.Path)
	drop := err == nil && l.lose != nil && l.lose(r)
	l.mu.Unlock()
	if drop {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil, io.ErrUnexpectedEOF
	}
	return resp, err
}

// once loses the first answer to method+path prefix.
func once(method, prefix string) func(*http.Request) bool {
	done := false
	return func(r *http.Request) bool {
		if done || r.Method != method || !strings.HasPrefix(r.URL.Path, prefix) {
			return false
		}
		done = true
		return true
	}
}

type fixture struct {
	c       *asc.Client
	tr      *lossy
	app     string
	version string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	tr := &lossy{}
	c, err := asc.NewClient(asc.WithBaseURL(sb.URL()), asc.WithKey(sb.Key()), asc.WithHTTPClient(&http.Client{Transport: tr}),
		asc.WithRetryPolicy(asc.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{c: c, tr: tr}
	apps, _, err := c.Apps.List(t.Context(), &asc.AppsListOptions{FilterBundleID: []string{"com.example.quiethours"}})
	if err != nil || len(apps.Data) != 1 {
		t.Fatalf("find the demo app: %v", err)
	}
	f.app = apps.Data[0].ID
	vs, _, err := c.Apps.ListAppStoreVersions(t.Context(), f.app, &asc.AppsListAppStoreVersionsOptions{
		FilterPlatform: []asc.Platform{asc.PlatformIOS}, FilterAppVersionState: []asc.AppVersionState{asc.AppVersionStatePrepareForSubmission}})
	if err != nil || len(vs.Data) != 1 {
		t.Fatalf("find the version in preparation: %v (%d)", err, len(vs.Data))
	}
	f.version = vs.Data[0].ID
	return f
}

func (f *fixture) request(submit bool) review.Request {
	return review.Request{App: f.app, Version: f.version, Platform: asc.PlatformIOS, Submit: submit}
}

// counts returns the app's open IOS submissions and the items of the first.
func (f *fixture) counts(t *testing.T) (subs, items int, state asc.ReviewSubmissionState) {
	t.Helper()
	list, _, err := f.c.ReviewSubmissions.List(t.Context(), &asc.ReviewSubmissionsListOptions{FilterApp: []string{f.app}, FilterPlatform: []asc.Platform{asc.PlatformIOS}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list.Data {
		if s.Attributes.State == asc.ReviewSubmissionStateComplete {
			continue
		}
		subs++
		state = s.Attributes.State
		its, _, err := f.c.ReviewSubmissions.ListItems(t.Context(), s.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		items += len(its.Data)
	}
	return subs, items, state
}

func TestSubmitThenAgainChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res, err := review.Submit(t.Context(), f.c, f.request(true))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || !res.ItemAdded || !res.Submitted || res.Submission.Attributes.State != asc.ReviewSubmissionStateWaitingForReview {
		t.Errorf("first submit: %+v state %s", res, res.Submission.Attributes.State)
	}
	again, err := review.Submit(t.Context(), f.c, f.request(true))
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || again.ItemAdded || again.Submitted || again.Submission.ID != res.Submission.ID {
		t.Errorf("second submit changed something: %+v", again)
	}
	if subs, items, _ := f.counts(t); subs != 1 || items != 1 {
		t.Errorf("%d open submissions with %d items; want 1 and 1", subs, items)
	}
}

func TestPrepareThenSubmitReusesTheSubmission(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	first, err := review.Submit(t.Context(), f.c, f.request(false))
	if err != nil {
		t.Fatal(err)
	}
	if first.Submitted || first.Submission.Attributes.State != asc.ReviewSubmissionStateReadyForReview {
		t.Errorf("submit=false: %+v", first)
	}
	second, err := review.Submit(t.Context(), f.c, f.request(true))
	if err != nil {
		t.Fatal(err)
	}
	if second.Created || second.ItemAdded || !second.Submitted || second.Submission.ID != first.Submission.ID {
		t.Errorf("submitting the prepared submission: %+v", second)
	}
}

// TestLostAnswersConverge: each write's answer is lost after App Store Connect made the
// change; Submit reads back instead of writing again, so one submission with one item ends
// up submitted.
func TestLostAnswersConverge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, method, path string }{
		{"create submission", "POST", "/v1/reviewSubmissions"},
		{"add item", "POST", "/v1/reviewSubmissionItems"},
		{"submit", "PATCH", "/v1/reviewSubmissions/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.tr.lose = once(tc.method, tc.path)
			res, err := review.Submit(t.Context(), f.c, f.request(true))
			if err != nil {
				t.Fatalf("submit with the %s answer lost: %v (sent %v)", tc.name, err, f.tr.sent)
			}
			if subs, items, state := f.counts(t); subs != 1 || items != 1 || state != asc.ReviewSubmissionStateWaitingForReview {
				t.Errorf("%d open submissions with %d items, %s; want one submitted with one item (sent %v)", subs, items, state, f.tr.sent)
			}
			posts := 0
			for _, s := range f.tr.sent {
				if s == tc.method+" "+strings.TrimSuffix(tc.path, "/") || tc.method == "PATCH" && strings.HasPrefix(s, "PATCH ") {
					posts++
				}
			}
			if posts != 1 {
				t.Errorf("the %s write was sent %d times; want once (read back, not resent): %v", tc.name, posts, f.tr.sent)
			}
			if res.Submission.Attributes == nil || res.Submission.Attributes.State != asc.ReviewSubmissionStateWaitingForReview {
				t.Errorf("result: %+v", res.Submission)
			}
			// The call made the submission and its item, whichever answer was lost: what it
			// found on reading back was its own write.
			if !res.Created || !res.ItemAdded || !res.Submitted {
				t.Errorf("created %v, item added %v, submitted %v; want all three", res.Created, res.ItemAdded, res.Submitted)
			}
		})
	}
}

// TestBusySubmissionIsNotJoined: while the app's submission is in review without the
// version, Submit refuses with a BusyError and creates nothing.
func TestBusySubmissionIsNotJoined(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Another submission, in review, holding nothing of ours: created and submitted with
	// the version, then the test asks for a different version.
	if _, err := review.Submit(t.Context(), f.c, f.request(true)); err != nil {
		t.Fatal(err)
	}
	other := f.request(true)
	other.Version = "some-other-version"
	_, err := review.Submit(t.Context(), f.c, other)
	var busy *review.BusyError
	if !errors.As(err, &busy) || busy.State != asc.ReviewSubmissionStateWaitingForReview {
		t.Fatalf("submit beside a submission in review: %v; want a BusyError", err)
	}
	if subs, items, _ := f.counts(t); subs != 1 || items != 1 {
		t.Errorf("%d open submissions with %d items after the refusal; want 1 and 1", subs, items)
	}
}

func TestMissingFieldsAreRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.tr.sent = nil
	if _, err := review.Submit(t.Context(), f.c, review.Request{App: f.app, Platform: asc.PlatformIOS}); err == nil {
		t.Error("a request without a version was accepted")
	}
	if len(f.tr.sent) != 0 {
		t.Errorf("requests were sent: %v", f.tr.sent)
	}
}
