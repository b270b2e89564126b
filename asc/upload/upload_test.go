package upload

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
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
)

type staticToken string

func (s staticToken) Token(context.Context) (string, error) { return string(s), nil }

// assetServer is a minimal App Store Connect for one asset type: reserve, presigned parts,
// commit with MD5 check and a processing state that turns after a number of polls.
type assetServer struct {
	*httptest.Server
	t *testing.T

	mu          sync.Mutex
	partSize    int
	assets      map[string]*fakeAsset
	seq         int
	posts       int
	apiNoAuth   int // API requests without a token
	partsAuthed int // part requests with a token
	inFlight    int
	maxInFlight int
	failPost    func(n int) string // "", "before", "after"
	failPart    func(id string, part, attempt int) int
	pollsToDone int
	process     func(name string) string // final state: COMPLETE or FAILED
}

type fakeAsset struct {
	id, name    string
	size        int
	parts       map[int][]byte
	partTries   map[int]int
	state       string
	checksum    string
	pollsLeft   int
	errorsOnEnd []StateError
}

func newAssetServer(t *testing.T) *assetServer {
	s := &assetServer{t: t, partSize: 1000, assets: map[string]*fakeAsset{}, pollsToDone: 2,
		process: func(string) string { return Complete }}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *assetServer) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/part/") {
		s.part(w, r)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer test-token" {
		s.apiNoAuth++
	}
	id := strings.TrimPrefix(r.URL.Path, "/v1/appScreenshots/")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/appScreenshots":
		s.posts++
		mode := ""
		if s.failPost != nil {
			mode = s.failPost(s.posts)
		}
		if mode == "before" {
			http.Error(w, `{"errors":[{"status":"500","code":"X","title":"t","detail":"injected"}]}`, 500)
			return
		}
		var b struct {
			Data struct {
				Attributes struct {
					FileName string
					FileSize int
				}
			}
		}
		json.NewDecoder(r.Body).Decode(&b)
		s.seq++
		a := &fakeAsset{id: fmt.Sprint(s.seq), name: b.Data.Attributes.FileName, size: b.Data.Attributes.FileSize,
			parts: map[int][]byte{}, partTries: map[int]int{}, state: AwaitingUpload}
		s.assets[a.id] = a
		if mode == "after" {
			http.Error(w, `{"errors":[{"status":"500","code":"X","title":"t","detail":"injected"}]}`, 500)
			return
		}
		s.write(w, 201, a)
	case r.Method == http.MethodPatch:
		a := s.assets[id]
		var b struct {
			Data struct {
				Attributes struct {
					Uploaded           bool
					SourceFileChecksum string
				}
			}
		}
		json.NewDecoder(r.Body).Decode(&b)
		var all []byte
		for i := 0; len(all) < a.size; i++ {
			all = append(all, a.parts[i]...)
			if _, ok := a.parts[i]; !ok {
				http.Error(w, `{"errors":[{"status":"409","code":"X","title":"t","detail":"part missing"}]}`, 409)
				return
			}
		}
		sum := md5.Sum(all)
		a.checksum = b.Data.Attributes.SourceFileChecksum
		a.state = UploadComplete
		a.pollsLeft = s.pollsToDone
		if hex.EncodeToString(sum[:]) != a.checksum {
			a.errorsOnEnd = []StateError{{Code: "CHECKSUM", Description: "checksum mismatch"}}
		}
		s.write(w, 200, a)
	case r.Method == http.MethodGet:
		a := s.assets[id]
		if a == nil {
			http.Error(w, `{"errors":[{"status":"404","code":"NOT_FOUND","title":"t","detail":"gone"}]}`, 404)
			return
		}
		if a.state == UploadComplete {
			a.pollsLeft--
			if a.pollsLeft <= 0 {
				a.state = s.process(a.name)
				if a.errorsOnEnd != nil {
					a.state = Failed
				}
			}
		}
		s.write(w, 200, a)
	case r.Method == http.MethodDelete:
		delete(s.assets, id)
		w.WriteHeader(204)
	}
}

func (s *assetServer) write(w http.ResponseWriter, status int, a *fakeAsset) {
	attrs := Attributes{FileName: a.name, FileSize: int64(a.size), SourceFileChecksum: a.checksum,
		AssetDeliveryState: &DeliveryState{State: a.state, Errors: a.errorsOnEnd}}
	if a.state == AwaitingUpload {
		for off, i := 0, 0; off < a.size; off, i = off+s.partSize, i+1 {
			attrs.UploadOperations = append(attrs.UploadOperations, Operation{Method: "PUT",
				URL: fmt.Sprintf("%s/part/%s/%d", s.URL, a.id, i), Offset: int64(off), Length: int64(min(s.partSize, a.size-off)),
				RequestHeaders: []Header{{Name: "Content-Type", Value: "image/png"}, {Name: "X-Part", Value: fmt.Sprint(i)}}})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"type": "appScreenshots", "id": a.id, "attributes": attrs}})
}

func (s *assetServer) part(w http.ResponseWriter, r *http.Request) {
	var n int
	id, ns, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/part/"), "/")
	fmt.Sscan(ns, &n)
	s.mu.Lock()
	if r.Header.Get("Authorization") != "" {
		s.partsAuthed++
	}
	a := s.assets[id]
	a.partTries[n]++
	tries := a.partTries[n]
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.mu.Unlock()
	defer func() { s.mu.Lock(); s.inFlight--; s.mu.Unlock() }()
	time.Sleep(5 * time.Millisecond) // let parts overlap
	if s.failPart != nil {
		if code := s.failPart(id, n, tries); code != 0 {
			w.WriteHeader(code)
			return
		}
	}
	if r.Header.Get("X-Part") != fmt.Sprint(n) || r.Header.Get("Content-Type") != "image/png" {
		w.WriteHeader(400)
		return
	}
	data, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	a.parts[n] = data
	s.mu.Unlock()
	w.WriteHeader(200)
}

func newUploader(t *testing.T, s *assetServer, opts Options) *Uploader {
	t.Helper()
	c, err := asc.NewClient(asc.WithBaseURL(s.URL), asc.WithTokenSource(staticToken("test-token")),
		asc.WithRetryPolicy(asc.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	u := New(c, s.Client(), opts)
	u.sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	return u
}

func testFile(name string, size int) File {
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	return File{Name: name, Content: bytes.NewReader(data), Size: int64(size)}
}

func request(f File) Request {
	return Request{Type: "appScreenshots", Relationship: "appScreenshotSet",
		Parent: asc.ResourceIdentifier{Type: "appScreenshotSets", ID: "set1"}, File: f}
}

func TestUploadProtocol(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		size      int
		partConc  int
		wantParts int
	}{
		{"one part", 600, 4, 1},
		{"many parts in parallel", 9500, 4, 10},
		{"parts one at a time", 3000, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newAssetServer(t)
			u := newUploader(t, s, Options{PartConcurrency: tt.partConc})
			a, err := u.Upload(t.Context(), request(testFile("a.png", tt.size)))
			if err != nil {
				t.Fatal(err)
			}
			if a.State() != Complete {
				t.Errorf("state = %s, want COMPLETE", a.State())
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if got := len(s.assets[a.ID].parts); got != tt.wantParts {
				t.Errorf("parts received = %d, want %d", got, tt.wantParts)
			}
			if s.partsAuthed != 0 {
				t.Errorf("%d part requests carried the API token", s.partsAuthed)
			}
			if s.apiNoAuth != 0 {
				t.Errorf("%d API requests had no token", s.apiNoAuth)
			}
			if s.maxInFlight > tt.partConc {
				t.Errorf("max parts in flight = %d, limit %d", s.maxInFlight, tt.partConc)
			}
			if tt.partConc > 1 && tt.wantParts > 1 && s.maxInFlight < 2 {
				t.Errorf("parts were not sent in parallel (max in flight %d)", s.maxInFlight)
			}
		})
	}
}

func TestReserveReconciles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		mode      string
		wantPosts int
	}{
		{"failure after the create is found by reading back", "after", 1},
		{"failure before the create is sent again", "before", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newAssetServer(t)
			s.failPost = func(n int) string {
				if n == 1 {
					return tt.mode
				}
				return ""
			}
			u := newUploader(t, s, Options{})
			req := request(testFile("b.png", 2500))
			req.Find = func(ctx context.Context) (*Asset, error) {
				s.mu.Lock()
				var id string
				for _, a := range s.assets {
					if a.name == "b.png" && a.size == 2500 && a.state == AwaitingUpload {
						id = a.id
					}
				}
				s.mu.Unlock()
				if id == "" {
					return nil, nil
				}
				// Read it like a caller would, through the API, to get its operations.
				var doc asc.Document[asc.Resource]
				if _, err := u.api.Do(ctx, "GET", "/v1/appScreenshots/"+id, nil, nil, &doc); err != nil {
					return nil, err
				}
				return FromResource(doc.Data)
			}
			a, err := u.Upload(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if len(s.assets) != 1 || s.posts != tt.wantPosts || a.State() != Complete {
				t.Errorf("assets = %d, posts = %d, state %s; want 1 asset, %d posts, COMPLETE", len(s.assets), s.posts, a.State(), tt.wantPosts)
			}
		})
	}
}

func TestReuseReservation(t *testing.T) {
	t.Parallel()
	s := newAssetServer(t)
	u := newUploader(t, s, Options{})
	f := testFile("c.png", 2100)
	first, err := u.Reserve(t.Context(), request(f))
	if err != nil {
		t.Fatal(err)
	}
	req := request(testFile("c.png", 2100))
	req.Reuse = first
	a, err := u.Upload(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != first.ID || s.posts != 1 {
		t.Errorf("upload reserved again: id %s (reused %s), posts %d", a.ID, first.ID, s.posts)
	}
}

func TestPartRetriesAndFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fail    func(id string, part, attempt int) int
		wantErr string
	}{
		{"503 then success", func(_ string, part, attempt int) int {
			if part == 1 && attempt == 1 {
				return 503
			}
			return 0
		}, ""},
		{"403 is final", func(_ string, part, _ int) int {
			if part == 2 {
				return 403
			}
			return 0
		}, "upload part 3 of d.png"},
		{"503 forever gives up", func(string, int, int) int { return 503 }, "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newAssetServer(t)
			s.failPart = tt.fail
			u := newUploader(t, s, Options{})
			_, err := u.Upload(t.Context(), request(testFile("d.png", 4000)))
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
		s := newAssetServer(t)
		s.process = func(string) string { return Failed }
		u := newUploader(t, s, Options{})
		a, err := u.Upload(t.Context(), request(testFile("e.png", 1500)))
		var fe *FailedError
		if !errors.As(err, &fe) || a == nil || fe.ID != a.ID {
			t.Fatalf("err = %v, want a FailedError for the asset", err)
		}
	})
	t.Run("still processing at the deadline", func(t *testing.T) {
		t.Parallel()
		s := newAssetServer(t)
		s.pollsToDone = 1 << 30
		u := newUploader(t, s, Options{PollInitial: time.Millisecond, PollMax: time.Millisecond, PollTimeout: 30 * time.Millisecond})
		u.sleep = sleepContext
		_, err := u.Upload(t.Context(), request(testFile("f.png", 1500)))
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
	f := testFile("secret.png", 10)
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
