package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc/auth"
)

func TestHourlyRateLimit(t *testing.T) {
	t.Parallel()
	s, c, clk := newClockedServer(t, Options{HourlyLimit: 5})
	for i := range 5 {
		r := c.do("GET", "/v1/apps", nil).must(t, 200)
		want := "user-hour-lim:5;user-hour-rem:" + strconv.Itoa(4-i) + ";"
		if h := r.header.Get("X-Rate-Limit"); h != want {
			t.Fatalf("request %d: X-Rate-Limit %q, want %q", i+1, h, want)
		}
	}
	r := c.do("GET", "/v1/apps", nil).must(t, 429)
	if r.errorCode() != "RATE_LIMIT_EXCEEDED" {
		t.Fatalf("code %q", r.errorCode())
	}
	ra, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 3600 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	if h := r.header.Get("X-Rate-Limit"); h != "user-hour-lim:5;user-hour-rem:0;" {
		t.Fatalf("429 X-Rate-Limit %q", h)
	}
	// The budget is per key: another key is unaffected.
	k, pemBytes, err := auth.GenerateKey("OTHERKEY01", s.Key().IssuerID)
	if err != nil {
		t.Fatal(err)
	}
	s.TrustKey(k, false)
	other := clientFor(t, s, pemBytes, k.ID, k.IssuerID)
	other.now = clk.Now
	other.do("GET", "/v1/apps", nil).must(t, 200)
	// An hour later the window has rolled.
	clk.add(time.Hour + time.Minute)
	c.do("GET", "/v1/apps", nil).must(t, 200)
}

func TestBurstLimit(t *testing.T) {
	t.Parallel()
	_, c, clk := newClockedServer(t, Options{BurstLimit: 3, BurstRate: 1})
	for range 3 {
		c.do("GET", "/v1/apps", nil).must(t, 200)
	}
	r := c.do("GET", "/v1/apps", nil).must(t, 429)
	if r.errorCode() != "RATE_LIMIT_EXCEEDED" || r.header.Get("Retry-After") != "1" {
		t.Fatalf("burst 429: %s %v", r.body, r.header)
	}
	// With hourly budget left, the header still shows it.
	if h := r.header.Get("X-Rate-Limit"); h != "user-hour-lim:3600;user-hour-rem:3597;" {
		t.Fatalf("X-Rate-Limit %q", h)
	}
	clk.add(time.Second)
	c.do("GET", "/v1/apps", nil).must(t, 200)
}

func postJSON(t *testing.T, url string, body any) *http.Response {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestFaultInjection(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{})
	set := func(f map[string]any) {
		resp := postJSON(t, s.URL()+"/sandbox/faults", f)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("faults %v: %s", f, resp.Status)
		}
	}
	set(map[string]any{"rate_500": 1})
	if r := c.do("GET", "/v1/apps", nil).must(t, 500); r.errorCode() != "UNEXPECTED_ERROR" {
		t.Fatalf("500 body %s", r.body)
	}
	set(map[string]any{"rate_500": 0, "rate_503": 1})
	if r := c.do("GET", "/v1/apps", nil).must(t, 503); r.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	set(map[string]any{"rate_503": 0, "drop_rate": 1})
	req, _ := http.NewRequestWithContext(t.Context(), "GET", s.URL()+"/v1/apps", nil)
	req.Header.Set("Authorization", "Bearer "+c.token())
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("dropped connection answered %s", resp.Status)
	}
	if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
		t.Logf("dropped connection error: %v", err)
	}
	// Admin endpoints are never faulted.
	set(map[string]any{"drop_rate": 0, "latency_ms": 5, "jitter_ms": 2, "upload_part_delay_ms": 1})
	var f map[string]float64
	getJSON(t, s.URL()+"/sandbox/faults", &f)
	if f["latency_ms"] != 5 || f["jitter_ms"] != 2 || f["upload_part_delay_ms"] != 1 || f["drop_rate"] != 0 {
		t.Fatalf("faults now %v", f)
	}
	c.do("GET", "/v1/apps", nil).must(t, 200)
	// Unknown fields are refused rather than silently ignored.
	resp = postJSON(t, s.URL()+"/sandbox/faults", map[string]any{"latency": "5ms"})
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("unknown fault field: %s", resp.Status)
	}
	st := s.Stats()
	if st.ByStatus["500"] != 1 || st.ByStatus["503"] != 1 {
		t.Fatalf("stats %v", st.ByStatus)
	}
}

func TestStatePersistsAcrossRestarts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state", "sandbox.db")
	s1, err := New(Options{StatePath: path, BurstLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	c1 := clientFor(t, s1, s1.KeyPEM(), s1.Key().ID, s1.Key().IssuerID)
	_, _, locID := editableLocalization(t, c1)
	c1.do("PATCH", "/v1/appStoreVersionLocalizations/"+locID, resource("appStoreVersionLocalizations", locID, map[string]any{"whatsNew": "Persisted."}, nil)).must(t, 200)
	app := findOne(t, c1, "/v1/apps", "bundleId", "com.example.quiethours")
	info := c1.do("GET", "/v1/apps/"+id(app)+"/appInfos", nil).must(t, 200).list()[0].(map[string]any)
	created := c1.do("POST", "/v1/appInfoLocalizations", resource("appInfoLocalizations", "", map[string]any{"locale": "fi", "name": "Hiljaiset tunnit"},
		map[string]any{"appInfo": [2]string{"appInfos", id(info)}})).must(t, 201).data()
	gone := findOne(t, c1, "/v1/appInfos/"+id(info)+"/appInfoLocalizations", "locale", "en-US")
	c1.do("DELETE", "/v1/appInfoLocalizations/"+id(gone), nil).must(t, 204)
	keyID := s1.Key().ID
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", st, err)
	}

	s2, err := New(Options{StatePath: path, BurstLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	if s2.Key().ID != keyID || !bytes.Equal(s2.KeyPEM(), s1.KeyPEM()) {
		t.Fatal("the key changed across a restart")
	}
	// The old client's tokens still work: the same key is trusted.
	c2 := clientFor(t, s2, s1.KeyPEM(), keyID, s1.Key().IssuerID)
	if got := attr(c2.do("GET", "/v1/appStoreVersionLocalizations/"+locID, nil).must(t, 200).data(), "whatsNew"); got != "Persisted." {
		t.Fatalf("whatsNew after restart: %v", got)
	}
	if got := attr(c2.do("GET", "/v1/appInfoLocalizations/"+id(created), nil).must(t, 200).data(), "locale"); got != "fi" {
		t.Fatalf("created localization after restart: %v", got)
	}
	c2.do("GET", "/v1/appInfoLocalizations/"+id(gone), nil).must(t, 404)
	// Relationships survive too, on both sides.
	locs := ids(c2.do("GET", "/v1/appInfos/"+id(info)+"/appInfoLocalizations", nil).must(t, 200).list())
	if len(locs) != 1 || locs[0] != id(created) {
		t.Fatalf("localizations after restart %v", locs)
	}
	// New resources get fresh ids, not ones already used.
	again := c2.do("POST", "/v1/appInfoLocalizations", resource("appInfoLocalizations", "", map[string]any{"locale": "da", "name": "Stille timer"},
		map[string]any{"appInfo": [2]string{"appInfos", id(info)}})).must(t, 201).data()
	if id(again) == id(created) {
		t.Fatal("id reused after restart")
	}
	// Reset restores the seed in the file as well.
	resp := postJSON(t, s2.URL()+"/sandbox/reset", nil)
	resp.Body.Close()
	c2.do("GET", "/v1/appInfoLocalizations/"+id(gone), nil).must(t, 200)
	c2.do("GET", "/v1/appInfoLocalizations/"+id(created), nil).must(t, 404)
}

func TestWriteCredentials(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, Options{Seed: "empty"})
	dir := filepath.Join(t.TempDir(), "creds")
	if err := s.WriteCredentials(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"credentials.json", "AuthKey_" + s.Key().ID + ".p8"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", name, st, err)
		}
	}
	k, f, err := auth.LoadAPIKeyJSON(filepath.Join(dir, "credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if f.BaseURL != s.URL() || k.ID != s.Key().ID || k.IssuerID != s.Key().IssuerID {
		t.Fatalf("credentials %v base %s", k, f.BaseURL)
	}
	fromFile, err := auth.LoadKeyFile(filepath.Join(dir, "AuthKey_"+s.Key().ID+".p8"), s.Key().ID, s.Key().IssuerID)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := fromFile.Sign(auth.TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := clientFor(t, s, s.KeyPEM(), s.Key().ID, s.Key().IssuerID)
	c.doToken("GET", "/v1/apps", nil, tok).must(t, 200)
}

func TestFixedAddress(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, Options{Seed: "empty"})
	addr := strings.TrimPrefix(s.URL(), "http://")
	// The address is taken: a second sandbox on it fails with a clear error.
	if _, err := New(Options{Seed: "empty", Addr: addr}); err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("second sandbox on %s: %v", addr, err)
	}
	if _, err := New(Options{Seed: "nonsense"}); err == nil {
		t.Fatal("unknown seed accepted")
	}
}

// TestTimersAndUploadsAcrossRestarts: a review in progress keeps going after a restart; an
// upload in progress does not (its parts lived in memory, like an expired presigned URL).
func TestTimersAndUploadsAcrossRestarts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sandbox.db")
	clk := newFakeClock()
	opts := Options{StatePath: path, BurstLimit: -1, Now: clk.Now, ReviewDelay: time.Hour}
	s1, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c1 := clientFor(t, s1, s1.KeyPEM(), s1.Key().ID, s1.Key().IssuerID)
	c1.now = clk.Now
	appID, versionID, locID := editableLocalization(t, c1)
	sub := c1.do("POST", "/v1/reviewSubmissions", resource("reviewSubmissions", "", nil, map[string]any{"app": [2]string{"apps", appID}})).must(t, 201).data()
	c1.do("POST", "/v1/reviewSubmissionItems", resource("reviewSubmissionItems", "", nil, map[string]any{
		"reviewSubmission": [2]string{"reviewSubmissions", id(sub)}, "appStoreVersion": [2]string{"appStoreVersions", versionID}})).must(t, 201)
	set := findOne(t, c1, "/v1/appStoreVersionLocalizations/"+locID+"/appScreenshotSets", "screenshotDisplayType", "APP_IPHONE_67")
	shot := c1.do("POST", "/v1/appScreenshots", resource("appScreenshots", "", map[string]any{"fileName": "a.png", "fileSize": 100},
		map[string]any{"appScreenshotSet": [2]string{"appScreenshotSets", id(set)}})).must(t, 201).data()
	c1.do("PATCH", "/v1/reviewSubmissions/"+id(sub), resource("reviewSubmissions", id(sub), map[string]any{"submitted": true}, nil)).must(t, 200)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	clk.add(2 * time.Hour)
	s2, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	c2 := clientFor(t, s2, s2.KeyPEM(), s2.Key().ID, s2.Key().IssuerID)
	c2.now = clk.Now
	if st := attr(c2.do("GET", "/v1/reviewSubmissions/"+id(sub), nil).must(t, 200).data(), "state"); st != "COMPLETE" {
		t.Fatalf("review after restart and two hours: %v", st)
	}
	committed := c2.do("PATCH", "/v1/appScreenshots/"+id(shot), resource("appScreenshots", id(shot), map[string]any{"uploaded": true, "sourceFileChecksum": strings.Repeat("0", 32)}, nil)).must(t, 200).data()
	if st, errs := deliveryState(committed); st != "FAILED" || len(errs) == 0 {
		t.Fatalf("upload reserved before the restart: %s %v", st, errs)
	}
}

func TestClockEndpoint(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{ReviewDelay: time.Hour})
	appID, versionID, _ := editableLocalization(t, c)
	sub := c.do("POST", "/v1/reviewSubmissions", resource("reviewSubmissions", "", nil, map[string]any{"app": [2]string{"apps", appID}})).must(t, 201).data()
	c.do("POST", "/v1/reviewSubmissionItems", resource("reviewSubmissionItems", "", nil, map[string]any{
		"reviewSubmission": [2]string{"reviewSubmissions", id(sub)}, "appStoreVersion": [2]string{"appStoreVersions", versionID}})).must(t, 201)
	c.do("PATCH", "/v1/reviewSubmissions/"+id(sub), resource("reviewSubmissions", id(sub), map[string]any{"submitted": true}, nil)).must(t, 200)
	var clock struct {
		OffsetMS float64 `json:"offset_ms"`
		Pending  int     `json:"pending"`
	}
	getJSON(t, s.URL()+"/sandbox/clock", &clock)
	if clock.Pending != 1 || clock.OffsetMS != 0 {
		t.Fatalf("clock before %+v", clock)
	}
	resp := postJSON(t, s.URL()+"/sandbox/clock", map[string]any{"advance_ms": 2 * 3600 * 1000})
	json.NewDecoder(resp.Body).Decode(&clock)
	resp.Body.Close()
	if clock.OffsetMS != 7200000 || clock.Pending != 0 {
		t.Fatalf("clock after %+v", clock)
	}
	if st := attr(c.do("GET", "/v1/reviewSubmissions/"+id(sub), nil).must(t, 200).data(), "state"); st != "COMPLETE" {
		t.Fatalf("review after two hours: %v", st)
	}
	resp = postJSON(t, s.URL()+"/sandbox/clock", map[string]any{"advance_ms": -1})
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("negative advance: %s", resp.Status)
	}
}
