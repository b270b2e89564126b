package asc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// staticSource hands out one fixed token, as a caller-provided auth.TokenSource might.
type staticSource string

func (s staticSource) Token(context.Context) (string, error) { return string(s), nil }

func TestWithTokenSourceSignsEveryRequest(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	var calls counter
	srv.mux.HandleFunc("/v1/apps", func(w http.ResponseWriter, r *http.Request) {
		calls.inc()
		if got := r.Header.Get("Authorization"); got != "Bearer not-a-real-token" {
			t.Errorf("Authorization header does not carry the source's token")
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"data": []any{}})
	})
	// The caller's HTTP client must stay untouched: authentication wraps a copy.
	hc := &http.Client{}
	c, _ := newTestClient(t, srv, WithHTTPClient(hc), WithTokenSource(staticSource("not-a-real-token")))
	if _, err := c.Do(t.Context(), http.MethodGet, "/v1/apps", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if hc.Transport != nil {
		t.Errorf("WithHTTPClient modified the caller's client")
	}
	if calls.get() != 1 {
		t.Errorf("calls = %d", calls.get())
	}
}

func TestNextLinkOfOtherTargets(t *testing.T) {
	t.Parallel()
	body := []byte(`{"data":[],"links":{"self":"s","next":"https://h/v1/apps?cursor=2"}}`)
	var raw json.RawMessage
	var generic map[string]any
	var typed struct {
		Links PagedDocumentLinks `json:"links"`
	}
	_ = json.Unmarshal(body, &typed)
	tests := []struct {
		name string
		out  any
		data []byte
		want string
	}{
		{"nil target", nil, body, "https://h/v1/apps?cursor=2"},
		{"raw target", &raw, body, "https://h/v1/apps?cursor=2"},
		{"map target", &generic, body, "https://h/v1/apps?cursor=2"},
		{"struct with paged links", &typed, nil, "https://h/v1/apps?cursor=2"},
		{"single document", nil, []byte(`{"data":{},"links":{"self":"s"}}`), ""},
		{"null next", nil, []byte(`{"links":{"next":null}}`), ""},
		{"not JSON", nil, []byte(`"next" <html>`), ""},
	}
	for _, tt := range tests {
		if got := nextLinkOf(tt.out, tt.data); got != tt.want {
			t.Errorf("%s: next = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestDoRejectsBadInputBeforeSending(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	var calls counter
	srv.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { calls.inc() })
	c, _ := newTestClient(t, srv)
	tests := []struct {
		name    string
		path    string
		body    any
		wantErr string
	}{
		{"unencodable body", "/v1/apps", map[string]any{"c": make(chan int)}, "encode request body as JSON"},
		{"failing reader", "/v1/apps", errReader{}, "read request body"},
		{"bad path", "/v1/%zz", nil, "not a valid URL"},
		{"foreign host", "https://evil.test/v1/apps", nil, "not on the client's API host"},
	}
	for _, tt := range tests {
		_, err := c.Do(t.Context(), http.MethodPatch, tt.path, nil, tt.body, nil)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: error = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
	// A decode target that cannot be filled would fail only after a POST took effect.
	var doc Document[Resource]
	var nilDoc *Document[Resource]
	for _, out := range []any{doc, nilDoc} {
		_, err := c.Do(t.Context(), http.MethodPost, "/v1/apps", nil, []byte(`{}`), out)
		if err == nil || !strings.Contains(err.Error(), "non-nil pointer") {
			t.Errorf("out %T: error = %v, want a non-nil pointer error", out, err)
		}
	}
	if calls.get() != 0 {
		t.Errorf("%d requests were sent", calls.get())
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk gone") }

func TestDoRawError(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	srv.mux.HandleFunc("/v1/salesReports", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusBadRequest, appError("400", "PARAMETER_ERROR.REQUIRED", "filter[vendorNumber] is required"))
	})
	c, _ := newTestClient(t, srv)
	rc, resp, err := c.DoRaw(t.Context(), http.MethodGet, "/v1/salesReports", nil, nil, "application/a-gzip")
	var er *ErrorResponse
	if rc != nil || !errors.As(err, &er) || !er.HasCode("PARAMETER_ERROR") || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("DoRaw = %v, %v, %v", rc, resp, err)
	}
}

func TestEncodeOptionsKinds(t *testing.T) {
	t.Parallel()
	type opts struct {
		S     string   `query:"s"`
		I     int      `query:"limit"`
		B     bool     `query:"b"`
		PI    *int     `query:"pi"`
		PS    *string  `query:"ps"`
		Ints  []int    `query:"ints"`
		Strs  []string `query:"strs"`
		Skip  string
		Dash  string   `query:"-"`
		Empty []string `query:"empty"`
	}
	got := encodeOptions(opts{S: "x", I: 5, B: true, PI: Ptr(0), PS: Ptr(""), Ints: []int{1, 2}, Strs: []string{"a"}, Skip: "no", Dash: "no"})
	want := url.Values{"s": {"x"}, "limit": {"5"}, "b": {"true"}, "pi": {"0"}, "ps": {""}, "ints": {"1,2"}, "strs": {"a"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	if q := encodeOptions(42); len(q) != 0 {
		t.Errorf("a non-struct encoded as %v", q)
	}
	if got := resourcePath("/v1/apps/%s/appInfos", "a/b?c"); got != "/v1/apps/a%2Fb%3Fc/appInfos" {
		t.Errorf("resourcePath = %s", got)
	}
}

func TestSleepContext(t *testing.T) {
	t.Parallel()
	if err := sleepContext(t.Context(), time.Nanosecond); err != nil {
		t.Errorf("short sleep: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := sleepContext(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled sleep = %v", err)
	}
	if err := sleepContext(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("zero sleep on a cancelled context = %v", err)
	}
}

func TestTimeStrings(t *testing.T) {
	t.Parallel()
	tm, _ := ParseTime("2020-01-01T00:00:00.000+0000")
	d, _ := ParseDate("2024-02-26")
	got := []string{tm.String(), Time{}.String(), d.String(), Date{}.String()}
	if diff := cmp.Diff([]string{"2020-01-01T00:00:00Z", "", "2024-02-26", ""}, got); diff != "" {
		t.Errorf("strings (-want +got):\n%s", diff)
	}
	var attrs struct{ Name string }
	r := Resource{Type: "apps", ID: "1", Attributes: json.RawMessage(`{"name":7}`)}
	if err := r.DecodeAttributes(&attrs); err == nil || !strings.Contains(err.Error(), "apps 1") {
		t.Errorf("DecodeAttributes error = %v, want one naming the resource", err)
	}
	if err := (&Resource{Attributes: json.RawMessage(`null`)}).DecodeAttributes(&attrs); err != nil {
		t.Errorf("null attributes: %v", err)
	}
}

// TestDoFailsFastWhileHeld: after a 429 whose Retry-After exceeds the retry policy, further
// calls on the same budget fail at once with a *RateLimitError instead of blocking.
func TestDoFailsFastWhileHeld(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	var calls counter
	srv.mux.HandleFunc("/v1/apps", func(w http.ResponseWriter, r *http.Request) {
		calls.inc()
		w.Header().Set("Retry-After", "600")
		writeJSON(t, w, http.StatusTooManyRequests, appError("429", "RATE_LIMIT_EXCEEDED", "slow down"))
	})
	budget, _, budgetSleeps := newTestBudget()
	c, sl := newTestClient(t, srv, WithRateBudget(budget))
	_, err := c.Do(t.Context(), http.MethodGet, "/v1/apps", nil, nil, nil)
	var rle *RateLimitError
	if !errors.As(err, &rle) || rle.RetryAfter != 10*time.Minute {
		t.Fatalf("first call: %v", err)
	}
	_, err = c.Do(t.Context(), http.MethodGet, "/v1/apps", nil, nil, nil)
	if !errors.As(err, &rle) || rle.RetryAfter != 10*time.Minute || !strings.Contains(err.Error(), "not sent") {
		t.Fatalf("second call: %v", err)
	}
	if calls.get() != 1 {
		t.Errorf("server saw %d calls, want 1", calls.get())
	}
	if len(sl.got())+len(budgetSleeps.got()) != 0 {
		t.Errorf("slept %v / %v", sl.got(), budgetSleeps.got())
	}
}

// TestDoResultsOutliveRecycledBuffers: response buffers are reused between calls, so a
// decoded result must not alias one. A later call must leave earlier results intact.
func TestDoResultsOutliveRecycledBuffers(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	srv.mux.HandleFunc("GET /v1/things/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		writeJSON(t, w, http.StatusOK, map[string]any{"data": map[string]any{"type": "things", "id": id, "attributes": map[string]any{"v": strings.Repeat(id, 100)}}})
	})
	c, _ := newTestClient(t, srv)
	var first Document[json.RawMessage]
	var firstRes Document[Resource]
	if _, err := c.Do(t.Context(), http.MethodGet, "/v1/things/a", nil, nil, &first); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(t.Context(), http.MethodGet, "/v1/things/a", nil, nil, &firstRes); err != nil {
		t.Fatal(err)
	}
	keep, keepAttrs := string(first.Data), string(firstRes.Data.Attributes)
	for range 5 {
		var other Document[json.RawMessage]
		if _, err := c.Do(t.Context(), http.MethodGet, "/v1/things/b", nil, nil, &other); err != nil {
			t.Fatal(err)
		}
	}
	if string(first.Data) != keep || string(firstRes.Data.Attributes) != keepAttrs || !strings.Contains(keep, "aaaa") {
		t.Errorf("an earlier result changed after later calls: %.60s", first.Data)
	}
}

// TestRedirectsStayOnTheAPIHost: a redirect to another host is refused before any request
// (and so any token) goes there; one on the same host is followed.
func TestRedirectsStayOnTheAPIHost(t *testing.T) {
	t.Parallel()
	var foreignCalls counter
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { foreignCalls.inc() }))
	t.Cleanup(foreign.Close)
	srv := newTestServer(t)
	srv.mux.HandleFunc("/v1/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, foreign.URL+"/v1/apps", http.StatusFound)
	})
	srv.mux.HandleFunc("/v1/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, basePath+"/v1/here", http.StatusMovedPermanently)
	})
	srv.mux.HandleFunc("/v1/here", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			t.Errorf("same-host redirect lost its authorization")
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"data": map[string]any{"type": "apps", "id": "9"}})
	})
	c, _ := newTestClient(t, srv, WithTokenSource(staticSource("not-a-real-token")))
	_, err := c.Do(t.Context(), http.MethodGet, "/v1/away", nil, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "refusing to follow a redirect") {
		t.Errorf("error = %v, want a refused redirect", err)
	}
	if foreignCalls.get() != 0 {
		t.Errorf("the foreign host received %d requests", foreignCalls.get())
	}
	var doc Document[Resource]
	if _, err := c.Do(t.Context(), http.MethodGet, "/v1/moved", nil, nil, &doc); err != nil || doc.Data.ID != "9" {
		t.Errorf("same-host redirect: %v, %+v", err, doc.Data)
	}
}

// TestGivingUpKeepsTheCause: when the caller's context ends while a retry waits, the error
// still says what went wrong before.
func TestGivingUpKeepsTheCause(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	srv.mux.HandleFunc("/v1/reset", func(w http.ResponseWriter, r *http.Request) { hijackAndClose(t, w, "") })
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	c, sl := newTestClient(t, srv, WithHTTPClient(hc))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sl.hook = func(int) { cancel() }
	_, err := c.Do(ctx, http.MethodGet, "/v1/reset", nil, nil, nil)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "gave up retrying") || !strings.Contains(err.Error(), "EOF") {
		t.Errorf("error = %v, want the connection failure and the cancellation", err)
	}
	if c.RateBudget() != nil {
		t.Errorf("a client without WithRateBudget reports a budget")
	}
}
