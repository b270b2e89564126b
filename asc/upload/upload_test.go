package upload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

// These tests run the uploader against the sandbox: its presigned part URLs, MD5 check on
// commit and processing, with fault rules placing failures exactly.

// partRoute is the sandbox's route of presigned upload parts, for fault rules and counts.
const partRoute = "/sandbox/upload/{token}/{part}"

// env is a sandbox with a fresh 6.5-inch iPhone screenshot set of the demo app's version in
// preparation, and an uploader for it.
type env struct {
	sb  *sandboxtest.Sandbox
	u   *Uploader
	set string
}

// shot is a PNG of a size the set accepts; variants differ in their bytes, not their size.
func shot(t *testing.T, variant int) []byte { return sandboxtest.PNG(t, 1242, 2688, variant) }

// newEnv starts the sandbox with upload parts of partSize bytes (and each part held 5 ms, so
// parts sent in parallel overlap), and finds or makes the screenshot set.
func newEnv(t *testing.T, partSize int, sbOpts sandbox.Options, opts Options) *env {
	t.Helper()
	sbOpts.PartSize = partSize
	sbOpts.Faults.UploadPartDelay = 5 * time.Millisecond
	if sbOpts.ProcessingDelay == 0 {
		sbOpts.ProcessingDelay = -1 // processed at the next request
	}
	sb := sandboxtest.Start(t, sbOpts)
	c := sb.Client(asc.WithRetryPolicy(asc.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	ctx := t.Context()
	var doc asc.ListDocument[asc.Resource]
	get := func(path string, q map[string][]string) asc.Resource {
		t.Helper()
		if _, err := c.Do(ctx, "GET", path, q, nil, &doc); err != nil || len(doc.Data) == 0 {
			t.Fatalf("GET %s: %v (%d found)", path, err, len(doc.Data))
		}
		return doc.Data[0]
	}
	app := get("/v1/apps", map[string][]string{"filter[bundleId]": {"com.example.daybreak"}})
	v := get("/v1/apps/"+app.ID+"/appStoreVersions", map[string][]string{"filter[appStoreState]": {"PREPARE_FOR_SUBMISSION"}})
	loc := get("/v1/appStoreVersions/"+v.ID+"/appStoreVersionLocalizations", map[string][]string{"filter[locale]": {"en-US"}})
	var set asc.Document[asc.Resource]
	body := map[string]any{"data": map[string]any{"type": "appScreenshotSets", "attributes": map[string]any{"screenshotDisplayType": "APP_IPHONE_65"},
		"relationships": map[string]any{"appStoreVersionLocalization": map[string]any{"data": map[string]any{"type": "appStoreVersionLocalizations", "id": loc.ID}}}}}
	if _, err := c.Do(ctx, "POST", "/v1/appScreenshotSets", nil, body, &set); err != nil {
		t.Fatal(err)
	}
	u := New(c, &http.Client{}, opts)
	u.sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	return &env{sb: sb, u: u, set: set.Data.ID}
}

func (e *env) request(name string, data []byte) Request {
	return Request{Type: "appScreenshots", Relationship: "appScreenshotSet",
		Parent: asc.ResourceIdentifier{Type: "appScreenshotSets", ID: e.set}, File: File{Name: name, Content: strings.NewReader(string(data)), Size: int64(len(data))}}
}

// screenshots lists the set's screenshots through the API, as a caller reads them back.
func (e *env) screenshots(ctx context.Context) ([]*Asset, error) {
	var doc asc.ListDocument[asc.Resource]
	if _, err := e.u.api.Do(ctx, "GET", "/v1/appScreenshotSets/"+e.set+"/appScreenshots", nil, nil, &doc); err != nil {
		return nil, err
	}
	var out []*Asset
	for _, r := range doc.Data {
		a, err := FromResource(r)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func TestUploadProtocol(t *testing.T) {
	t.Parallel()
	data := shot(t, 1)
	size := len(data)
	tests := []struct {
		name      string
		parts     int
		partConc  int
		wantParts int
	}{
		{"one part", 1, 4, 1},
		{"many parts in parallel", 10, 4, 10},
		{"parts one at a time", 3, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, (size+tt.parts-1)/tt.parts, sandbox.Options{}, Options{PartConcurrency: tt.partConc})
			a, err := e.u.Upload(t.Context(), e.request("a.png", data))
			if err != nil {
				t.Fatal(err)
			}
			if a.State() != Complete {
				t.Errorf("state = %s, want COMPLETE", a.State())
			}
			st := e.sb.Stats()
			if got := st.ByRoute["PUT "+partRoute]; got != tt.wantParts {
				t.Errorf("parts received = %d, want %d", got, tt.wantParts)
			}
			// A part carrying the API token is refused (400) by the presigned URL; an API
			// request without one gets 401.
			if st.ByStatus["400"] != 0 || st.ByStatus["401"] != 0 {
				t.Errorf("refused requests: %v (a part with the API token, or an API request without)", st.ByStatus)
			}
			inFlight := st.MaxInFlight["PUT "+partRoute]
			if inFlight > tt.partConc {
				t.Errorf("max parts in flight = %d, limit %d", inFlight, tt.partConc)
			}
			if tt.partConc > 1 && tt.wantParts > 1 && inFlight < 2 {
				t.Errorf("parts were not sent in parallel (max in flight %d)", inFlight)
			}
		})
	}
}

func TestReserveReconciles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		after     bool
		wantPosts int
	}{
		{"failure after the create is found by reading back", true, 1},
		{"failure before the create is sent again", false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 5000, sandbox.Options{}, Options{})
			e.sb.Fail(sandbox.FaultRule{Method: "POST", Route: "/v1/appScreenshots", After: tt.after, Status: 500, Times: 1})
			data := shot(t, 2)
			req := e.request("b.png", data)
			req.Find = func(ctx context.Context) (*Asset, error) {
				all, err := e.screenshots(ctx)
				for _, a := range all {
					if a.Attributes.FileName == "b.png" && a.Attributes.FileSize == int64(len(data)) && a.State() == AwaitingUpload {
						return a, err
					}
				}
				return nil, err
			}
			a, err := e.u.Upload(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			all, err := e.screenshots(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if posts := e.sb.Count("POST /v1/appScreenshots"); len(all) != 1 || posts != tt.wantPosts || a.State() != Complete {
				t.Errorf("assets = %d, posts = %d, state %s; want 1 asset, %d posts, COMPLETE", len(all), posts, a.State(), tt.wantPosts)
			}
		})
	}
}

func TestReuseReservation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 5000, sandbox.Options{}, Options{})
	data := shot(t, 3)
	first, err := e.u.Reserve(t.Context(), e.request("c.png", data))
	if err != nil {
		t.Fatal(err)
	}
	req := e.request("c.png", data)
	req.Reuse = first
	a, err := e.u.Upload(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if posts := e.sb.Count("POST /v1/appScreenshots"); a.ID != first.ID || posts != 1 {
		t.Errorf("upload reserved again: id %s (reused %s), posts %d", a.ID, first.ID, posts)
	}
}

func TestPartRetriesAndFailures(t *testing.T) {
	t.Parallel()
	data := shot(t, 4)
	size := len(data)
	tests := []struct {
		name     string
		rule     sandbox.FaultRule
		partConc int
		wantErr  string
	}{
		{"503 then success", sandbox.FaultRule{Method: "PUT", Route: partRoute, Status: 503, Times: 1}, 0, ""},
		// One part at a time, so the third part request is the third part.
		{"403 is final", sandbox.FaultRule{Method: "PUT", Route: partRoute, Status: 403, Skip: 2, Times: 1}, 1, "upload part 3 of d.png"},
		{"503 forever gives up", sandbox.FaultRule{Method: "PUT", Route: partRoute, Status: 503}, 0, "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, (size+3)/4, sandbox.Options{}, Options{PartConcurrency: tt.partConc})
			e.sb.Fail(tt.rule)
			_, err := e.u.Upload(t.Context(), e.request("d.png", data))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestAwaitOutcomes(t *testing.T) {
	t.Parallel()
	t.Run("failed processing", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, 5000, sandbox.Options{}, Options{})
		e.sb.Fail(sandbox.FaultRule{Processing: true})
		a, err := e.u.Upload(t.Context(), e.request("e.png", shot(t, 5)))
		var fe *FailedError
		if !errors.As(err, &fe) || a == nil || fe.ID != a.ID {
			t.Fatalf("err = %v, want a FailedError for the asset", err)
		}
	})
	t.Run("still processing at the deadline", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, 5000, sandbox.Options{ProcessingDelay: time.Hour}, Options{PollInitial: time.Millisecond, PollMax: time.Millisecond, PollTimeout: 30 * time.Millisecond})
		e.u.sleep = sleepContext
		_, err := e.u.Upload(t.Context(), e.request("f.png", shot(t, 6)))
		var pe *PendingError
		if !errors.As(err, &pe) || pe.State != UploadComplete {
			t.Fatalf("err = %v, want a PendingError in UPLOAD_COMPLETE", err)
		}
	})
}

func TestNextWaitGrowsToMax(t *testing.T) {
	t.Parallel()
	d := time.Second
	var got []time.Duration
	for range 6 {
		d = NextWait(d, 4*time.Second)
		got = append(got, d)
	}
	want := []time.Duration{1500 * time.Millisecond, 2250 * time.Millisecond, 3375 * time.Millisecond, 4 * time.Second, 4 * time.Second, 4 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("waits = %v, want %v", got, want)
		}
	}
}

func TestClassifyCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want CreateFailure
	}{
		{"429 took no effect", &asc.RateLimitError{ErrorResponse: asc.ErrorResponse{StatusCode: 429}}, CreateRetry},
		{"500 may have", &asc.ErrorResponse{StatusCode: 500}, CreateReconcile},
		{"409 may be a duplicate", &asc.ErrorResponse{StatusCode: 409}, CreateReconcile},
		{"broken connection may have", fmt.Errorf("POST /v1/appScreenshots: %w", io.ErrUnexpectedEOF), CreateReconcile},
		{"422 is final", &asc.ErrorResponse{StatusCode: 422}, CreateFinal},
		{"403 is final", &asc.ErrorResponse{StatusCode: 403}, CreateFinal},
		{"cancelled is final", fmt.Errorf("x: %w", context.Canceled), CreateFinal},
	}
	for _, tt := range tests {
		if got := ClassifyCreate(tt.err); got != tt.want {
			t.Errorf("%s: ClassifyCreate = %d, want %d", tt.name, got, tt.want)
		}
	}
	if d := RetryDelay(&asc.RateLimitError{RetryAfter: 2 * time.Second}, 1); d != 2*time.Second {
		t.Errorf("RetryDelay honours Retry-After: got %v", d)
	}
}

// TestPartErrorsHideThePresignedURL makes a part fail at the connection level, where net/http
// quotes the whole URL, and checks that the error names the host but none of the presigned
// query's credentials.
func TestPartErrorsHideThePresignedURL(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more: every attempt is refused
	u := New(nil, &http.Client{}, Options{PartAttempts: 2})
	u.sleep = func(context.Context, time.Duration) error { return nil }
	f := File{Name: "secret.png", Content: strings.NewReader("0123456789"), Size: 10}
	op := Operation{Method: http.MethodPut, URL: "http://" + addr + "/bucket/part?X-Amz-Signature=SECRETSIG&AWSAccessKeyId=AKIDSECRET", Length: 10}
	err = u.sendPart(t.Context(), op, f, nil)
	if err == nil {
		t.Fatal("a part sent to a closed port succeeded")
	}
	for _, secret := range []string{"SECRETSIG", "AKIDSECRET", "X-Amz-Signature"} {
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("part error reveals the presigned URL: %v", err)
		}
	}
	if !strings.Contains(err.Error(), addr) {
		t.Fatalf("part error %q does not name the host %s", err, addr)
	}
}

// TestSendPartsWithResumesAndCounts sends only the parts not done yet, reports each accepted
// part once, and counts every byte sent exactly once despite a failed attempt.
func TestSendPartsWithResumesAndCounts(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("0123456789"), 1000) // 10,000 bytes, 10 parts of 1,000
	var (
		mu       sync.Mutex
		received = map[string][]byte{}
		tries    = map[string]int{}
	)
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		tries[r.URL.Path]++
		if r.URL.Path == "/p/4" && tries[r.URL.Path] == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		received[r.URL.Path] = b
	}))
	t.Cleanup(storage.Close)
	a := &Asset{Type: "buildUploadFiles", ID: "f1"}
	for i := range 10 {
		a.Attributes.UploadOperations = append(a.Attributes.UploadOperations,
			Operation{Method: http.MethodPut, URL: fmt.Sprintf("%s/p/%d", storage.URL, i), Offset: int64(i * 1000), Length: 1000})
	}
	u := New(nil, storage.Client(), Options{PartConcurrency: 3})
	u.sleep = func(context.Context, time.Duration) error { return nil }
	var (
		bytesSent int64
		parts     []int
	)
	err := u.SendPartsWith(t.Context(), a, File{Name: "App.ipa", Content: bytes.NewReader(data), Size: int64(len(data))}, PartsOptions{
		Done:    func(i int) bool { return i < 3 },
		OnPart:  func(i int) { mu.Lock(); parts = append(parts, i); mu.Unlock() },
		OnBytes: func(n int64) { mu.Lock(); bytesSent += n; mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(received) != 7 || len(parts) != 7 {
		t.Fatalf("received %d parts, reported %d; want the 7 not done", len(received), len(parts))
	}
	for i := range 10 {
		got, ok := received[fmt.Sprintf("/p/%d", i)]
		if i < 3 && ok {
			t.Errorf("part %d was done already but sent again", i)
		}
		if i >= 3 && !bytes.Equal(got, data[i*1000:(i+1)*1000]) {
			t.Errorf("part %d arrived with the wrong bytes", i)
		}
	}
	if bytesSent != 7000 {
		t.Errorf("progress counted %d bytes, want 7000 (a failed attempt rewound)", bytesSent)
	}
}

func TestDeliveryOperationsAndExpiry(t *testing.T) {
	t.Parallel()
	exp := asc.Time{Time: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	ops := DeliveryOperations([]asc.DeliveryFileUploadOperation{{Method: "PUT", URL: "https://s/p", Offset: asc.Ptr[int64](5), Length: asc.Ptr[int64](7),
		PartNumber: asc.Ptr[int64](2), Expiration: &exp, RequestHeaders: []asc.HttpHeader{{Name: "Content-Type", Value: "application/octet-stream"}}}})
	want := Operation{Method: "PUT", URL: "https://s/p", Offset: 5, Length: 7, PartNumber: 2, Expiration: &exp, RequestHeaders: []Header{{"Content-Type", "application/octet-stream"}}}
	if len(ops) != 1 || fmt.Sprint(ops[0]) != fmt.Sprint(want) {
		t.Fatalf("got %+v, want %+v", ops, want)
	}
	if ops[0].Expired(exp.Add(-time.Hour), time.Minute) || !ops[0].Expired(exp.Add(-time.Second), time.Minute) {
		t.Error("Expired does not honour the margin")
	}
}
