package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// infoLocalization is a create request for a localization of the demo app Quiet Hours'
// app info in a locale it lacks, and the path listing that app info's localizations.
func infoLocalization(t *testing.T, c *testClient, locale string) (body map[string]any, list string) {
	t.Helper()
	app := findOne(t, c, "/v1/apps", "bundleId", "com.example.quiethours")
	info := c.do("GET", "/v1/apps/"+id(app)+"/appInfos", nil).must(t, 200).list()[0].(map[string]any)
	return resource("appInfoLocalizations", "", map[string]any{"locale": locale, "name": "Quiet"},
			map[string]any{"appInfo": [2]string{"appInfos", id(info)}}),
		"/v1/appInfos/" + id(info) + "/appInfoLocalizations?filter[locale]=" + locale
}

// rawDo sends a signed request and returns the response, or the transport error of a
// dropped connection.
func rawDo(t *testing.T, c *testClient, method, path string, body any) (*http.Response, []byte, error) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, c.s.URL()+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b, nil
}

// TestFaultRuleBeforeAndAfter: a rule before the write answers with Apple's error and changes
// nothing; after the write, the write has taken effect although the client got the error or
// no answer at all; the next request is served normally once the rule has acted its times.
func TestFaultRuleBeforeAndAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		rule    FaultRule
		created bool
	}{
		{"500 before", FaultRule{Method: "POST", Route: "/v1/appInfoLocalizations", Status: 500, Times: 1}, false},
		{"500 after", FaultRule{Method: "POST", Route: "/v1/appInfoLocalizations", After: true, Status: 500, Times: 1}, true},
		{"drop after", FaultRule{Operation: "appInfoLocalizations_createInstance", After: true, Drop: true, Times: 1}, true},
		{"drop before", FaultRule{Method: "POST|PATCH", Drop: true, Times: 1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, c := newTestServer(t, Options{Faults: Faults{Rules: []FaultRule{tc.rule}}})
			body, list := infoLocalization(t, c, "fr-FR")
			resp, raw, err := rawDo(t, c, "POST", "/v1/appInfoLocalizations", body)
			if tc.rule.Drop {
				// Counted before the connection closes: a client that reads the stats as
				// soon as it sees the close finds the request there.
				if st := s.Stats(); st.ByStatus["dropped"] != 1 || st.ByRoute["POST /v1/appInfoLocalizations"] != 1 {
					t.Errorf("right after the drop the stats show %v, %v", st.ByStatus, st.ByRoute)
				}
			}
			switch {
			case tc.rule.Drop && err == nil:
				t.Fatalf("the connection was not dropped: %d %s", resp.StatusCode, raw)
			case !tc.rule.Drop && (err != nil || resp.StatusCode != 500):
				t.Fatalf("want Apple's 500, got %v %v", resp, err)
			case !tc.rule.Drop:
				var doc struct{ Errors []apiError }
				if json.Unmarshal(raw, &doc) != nil || len(doc.Errors) != 1 || doc.Errors[0].Code != "UNEXPECTED_ERROR" || doc.Errors[0].Status != "500" {
					t.Fatalf("the 500 is not Apple's error document: %s", raw)
				}
			}
			if got := len(c.do("GET", list, nil).must(t, 200).list()); (got == 1) != tc.created {
				t.Fatalf("%d localizations after the fault, want created=%v", got, tc.created)
			}
			// The rule has acted its one time: the retry goes through (a duplicate once created).
			want := 201
			if tc.created {
				want = 409
			}
			c.do("POST", "/v1/appInfoLocalizations", body).must(t, want)
		})
	}
}

// TestFaultRuleEveryNth: after one let through, every second matching request, twice, and a 503 with
// Retry-After; requests the rule does not match are not counted.
func TestFaultRuleEveryNth(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{Faults: Faults{Rules: []FaultRule{{Method: "GET", Route: "/v1/apps", Status: 503, Skip: 1, Every: 2, Times: 2}}}})
	var got []int
	for range 6 {
		got = append(got, c.do("GET", "/v1/apps", nil).status)
		c.do("GET", "/v1/territories", nil).must(t, 200) // another route: not counted
	}
	want := []int{200, 503, 200, 503, 200, 200}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses %v, want %v", got, want)
		}
	}
	r := c.do("GET", "/v1/apps?limit=1", nil)
	if r.status != 200 {
		t.Fatalf("after the rule's two times: %d", r.status)
	}
}

// TestFaultRuleDelay: a delay before the answer, then the real answer.
func TestFaultRuleDelay(t *testing.T) {
	t.Parallel()
	s, c, p := newPausedServer(t, Options{Seed: "empty"})
	if err := s.SetFaultRules(FaultRule{Route: "/v1/apps", Delay: 700 * time.Millisecond, Times: 1}); err != nil {
		t.Fatal(err)
	}
	c.do("GET", "/v1/apps", nil).must(t, 200)
	if got := p.take(); len(got) < 1 || got[0] != 700*time.Millisecond {
		t.Fatalf("waits %v, want 700ms first", got)
	}
	c.do("GET", "/v1/apps", nil).must(t, 200)
	for _, d := range p.take() {
		if d == 700*time.Millisecond {
			t.Fatal("the delay acted a second time")
		}
	}
}

// TestFaultRuleUploadPartAndProcessing: an upload part refused once (the retry lands), and a
// processing rule that makes the committed screenshot end FAILED.
func TestFaultRuleUploadPartAndProcessing(t *testing.T) {
	t.Parallel()
	s, c, clk := newClockedServer(t, Options{PartSize: 1 << 20, ProcessingDelay: time.Second})
	if err := s.SetFaultRules(
		FaultRule{Method: "PUT", Route: "/sandbox/upload/{token}/{part}", Status: 500, Times: 1},
		FaultRule{Processing: true, FileName: "bad.png"},
	); err != nil {
		t.Fatal(err)
	}
	_, _, locID := editableLocalization(t, c)
	set := c.do("POST", "/v1/appScreenshotSets", resource("appScreenshotSets", "", map[string]any{"screenshotDisplayType": "APP_IPHONE_65"},
		map[string]any{"appStoreVersionLocalization": [2]string{"appStoreVersionLocalizations", locID}})).must(t, 201).data()
	data := pngOf(t, 1242, 2688)
	for _, name := range []string{"good.png", "bad.png"} {
		shot := c.do("POST", "/v1/appScreenshots", resource("appScreenshots", "", map[string]any{"fileName": name, "fileSize": len(data)},
			map[string]any{"appScreenshotSet": [2]string{"appScreenshotSets", id(set)}})).must(t, 201).data()
		op := attr(shot, "uploadOperations").([]any)[0].(map[string]any)
		put := func() int {
			req, _ := http.NewRequestWithContext(t.Context(), "PUT", op["url"].(string), strings.NewReader(string(data)))
			req.Header.Set("Content-Type", "image/png")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		first := put()
		if name == "good.png" && first != 500 {
			t.Fatalf("first part PUT: %d, want the rule's 500", first)
		}
		if first == 500 && put() != 200 {
			t.Fatal("the retried part was refused")
		}
		c.do("PATCH", "/v1/appScreenshots/"+id(shot), resource("appScreenshots", id(shot), map[string]any{"uploaded": true, "sourceFileChecksum": md5hex(data)}, nil)).must(t, 200)
		step(s, clk, time.Second)
		st, errs := deliveryState(c.do("GET", "/v1/appScreenshots/"+id(shot), nil).must(t, 200).data())
		want := map[string]string{"good.png": "COMPLETE", "bad.png": "FAILED"}[name]
		if st != want {
			t.Fatalf("%s is %s (%v), want %s", name, st, errs, want)
		}
	}
}

// TestFaultRulesOverHTTP: POST /sandbox/faults sets rules (refusing one that makes no sense,
// with a sentence saying why, and keeping the old ones), GET shows them with their counts.
func TestFaultRulesOverHTTP(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{Seed: "empty"})
	resp := postJSON(t, s.URL()+"/sandbox/faults", map[string]any{"rules": []any{map[string]any{"method": "GET", "route": "/v1/apps", "status": 429, "times": 1}}})
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("set rules: %s", resp.Status)
	}
	r := c.do("GET", "/v1/apps", nil)
	if r.status != 429 || r.errorCode() != "RATE_LIMIT_EXCEEDED" || r.header.Get("Retry-After") == "" {
		t.Fatalf("rule's 429: %d %s %v", r.status, r.body, r.header)
	}
	for _, bad := range []map[string]any{
		{"route": "/v1/appz", "status": 500},
		{"route": "/v1/apps", "status": 200},
		{"route": "/v1/apps", "status": 500, "drop": true},
		{"operation": "apps_nonsense", "drop": true},
	} {
		resp := postJSON(t, s.URL()+"/sandbox/faults", map[string]any{"rules": []any{bad}})
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(b), "fault rule 1") {
			t.Errorf("rule %v: %s %s, want a 400 naming the rule", bad, resp.Status, b)
		}
	}
	var got struct {
		Rules []struct {
			Route          string
			Matched, Acted int
		}
	}
	getJSON(t, s.URL()+"/sandbox/faults", &got)
	if len(got.Rules) != 1 || got.Rules[0].Route != "/v1/apps" || got.Rules[0].Matched != 1 || got.Rules[0].Acted != 1 {
		t.Fatalf("GET /sandbox/faults rules: %+v", got.Rules)
	}
	if _, err := New(Options{Faults: Faults{Rules: []FaultRule{{Route: "/v1/apps"}}}}); err == nil || !strings.Contains(err.Error(), "exactly one of") {
		t.Fatalf("New with a rule that does nothing: %v", err)
	}
}

// TestFaultRuleCall: a rule's Call runs when the rule acts, before the write takes effect or,
// with After, once it has, and only on the request whose turn it is (the third write here).
func TestFaultRuleCall(t *testing.T) {
	t.Parallel()
	for _, after := range []bool{false, true} {
		t.Run(fmt.Sprintf("after=%v", after), func(t *testing.T) {
			t.Parallel()
			s, c := newTestServer(t, Options{})
			body, _ := infoLocalization(t, c, "fr-FR")
			before := len(s.IDs("appInfoLocalizations"))
			var (
				mu          sync.Mutex
				calls, seen int
				method      string
			)
			err := s.SetFaultRules(FaultRule{Method: "POST|PATCH", Skip: 2, Times: 1, After: after, Drop: true, Call: func(r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				calls++
				method = r.Method
				seen = len(s.IDs("appInfoLocalizations"))
			}})
			if err != nil {
				t.Fatal(err)
			}
			bad := resource("appInfoLocalizations", "", map[string]any{"locale": "xx-XX"}, nil)
			for range 2 {
				if resp, _, err := rawDo(t, c, "POST", "/v1/appInfoLocalizations", bad); err != nil || resp.StatusCode < 400 {
					t.Fatalf("a bad write: %v %v", resp, err)
				}
			}
			if _, _, err := rawDo(t, c, "POST", "/v1/appInfoLocalizations", body); err == nil {
				t.Fatal("the third write's connection was not dropped")
			}
			if resp, _, err := rawDo(t, c, "POST", "/v1/appInfoLocalizations", bad); err != nil || resp.StatusCode < 400 {
				t.Fatalf("a write after the rule acted: %v %v", resp, err)
			}
			want := before
			if after {
				want++
			}
			mu.Lock()
			defer mu.Unlock()
			if calls != 1 || method != "POST" || seen != want {
				t.Fatalf("Call ran %d times (%s), saw %d localizations, want once seeing %d", calls, method, seen, want)
			}
		})
	}
	if err := (&Server{}).SetFaultRules(FaultRule{Processing: true, Call: func(*http.Request) {}}); err == nil {
		t.Error("a processing rule with Call was accepted")
	}
}
