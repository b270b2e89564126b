// Package upload implements App Store Connect's asset upload protocol, shared by screenshots,
// previews, in-app purchase images and every other asset resource:
//
//  1. reserve: POST the asset with fileName, fileSize and its parent relationship; the answer
//     lists uploadOperations, the parts to send;
//  2. send each part to its presigned URL with its requestHeaders and no token, in parallel
//     and in any order;
//  3. commit: PATCH the asset with uploaded: true and the MD5 of the file as
//     sourceFileChecksum;
//  4. await: poll assetDeliveryState until COMPLETE or FAILED, with backoff.
//
// A reservation is never created blindly twice: after a failed reserve the caller's Find reads
// back whether it was created, and a reservation left AWAITING_UPLOAD by an interrupted run can
// be passed as Reuse.
package upload

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ascend-tools/ascend/asc"
)

// Asset delivery states (AppMediaAssetState.state).
const (
	AwaitingUpload = "AWAITING_UPLOAD"
	UploadComplete = "UPLOAD_COMPLETE"
	Complete       = "COMPLETE"
	Failed         = "FAILED"
)

// Header is one request header a part must carry.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Operation is one part to send: the bytes [Offset, Offset+Length) of the file.
type Operation struct {
	Method         string   `json:"method"`
	URL            string   `json:"url"`
	Offset         int64    `json:"offset"`
	Length         int64    `json:"length"`
	RequestHeaders []Header `json:"requestHeaders,omitempty"`
	// PartNumber and Expiration come with delivery files (build uploads): the part's number
	// and when its presigned URL stops working.
	PartNumber int64     `json:"partNumber,omitempty"`
	Expiration *asc.Time `json:"expiration,omitempty"`
}

// Expired reports whether the part's presigned URL has expired (or will within margin) at now.
func (op Operation) Expired(now time.Time, margin time.Duration) bool {
	return op.Expiration != nil && !op.Expiration.IsZero() && !now.Add(margin).Before(op.Expiration.Time)
}

// DeliveryOperations converts the typed upload operations of a delivery file (a
// buildUploadFiles resource) to the protocol's.
func DeliveryOperations(ops []asc.DeliveryFileUploadOperation) []Operation {
	out := make([]Operation, 0, len(ops))
	for _, op := range ops {
		o := Operation{Method: op.Method, URL: op.URL, Expiration: op.Expiration}
		if op.Offset != nil {
			o.Offset = *op.Offset
		}
		if op.Length != nil {
			o.Length = *op.Length
		}
		if op.PartNumber != nil {
			o.PartNumber = *op.PartNumber
		}
		for _, h := range op.RequestHeaders {
			o.RequestHeaders = append(o.RequestHeaders, Header{Name: h.Name, Value: h.Value})
		}
		out = append(out, o)
	}
	return out
}

// StateError is one error or warning of asset processing.
type StateError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// DeliveryState is an asset's assetDeliveryState.
type DeliveryState struct {
	State    string       `json:"state"`
	Errors   []StateError `json:"errors,omitempty"`
	Warnings []StateError `json:"warnings,omitempty"`
}

// Attributes are the upload-related attributes every asset resource shares.
type Attributes struct {
	FileName           string         `json:"fileName,omitempty"`
	FileSize           int64          `json:"fileSize,omitempty"`
	SourceFileChecksum string         `json:"sourceFileChecksum,omitempty"`
	UploadOperations   []Operation    `json:"uploadOperations,omitempty"`
	AssetDeliveryState *DeliveryState `json:"assetDeliveryState,omitempty"`
	// VideoDeliveryState is the state of videos (app previews), which adds PROCESSING; where
	// present it supersedes assetDeliveryState.
	VideoDeliveryState *DeliveryState `json:"videoDeliveryState,omitempty"`
	// PreviewFrameTimeCode is an app preview's poster frame (HH:MM:SS:FF), "" for others.
	PreviewFrameTimeCode string `json:"previewFrameTimeCode,omitempty"`
}

// Asset is an asset resource as far as the protocol is concerned.
type Asset struct {
	Type       string
	ID         string
	Attributes Attributes
}

// State returns the asset's delivery state (the video's for previews), "" when unknown.
func (a *Asset) State() string {
	if d := a.Delivery(); d != nil {
		return d.State
	}
	return ""
}

// Delivery returns the delivery state that decides the asset's progress: videoDeliveryState
// when present, else assetDeliveryState.
func (a *Asset) Delivery() *DeliveryState {
	if a == nil {
		return nil
	}
	if v := a.Attributes.VideoDeliveryState; v != nil && v.State != "" {
		return v
	}
	return a.Attributes.AssetDeliveryState
}

// FromResource decodes an asset from a JSON:API resource (a list item or an included one).
func FromResource(r asc.Resource) (*Asset, error) {
	a := &Asset{Type: r.Type, ID: r.ID}
	if err := r.DecodeAttributes(&a.Attributes); err != nil {
		return nil, err
	}
	return a, nil
}

// FailedError reports an asset whose processing ended FAILED.
type FailedError struct {
	Type, ID, FileName string
	Errors             []StateError
}

func (e *FailedError) Error() string {
	var parts []string
	for _, se := range e.Errors {
		parts = append(parts, strings.TrimSpace(se.Code+" "+se.Description))
	}
	detail := strings.Join(parts, "; ")
	if detail == "" {
		detail = "no reason given"
	}
	return fmt.Sprintf("App Store Connect could not process %s (%s %s): %s; check the file and upload it again", e.FileName, e.Type, e.ID, detail)
}

// PendingError reports an asset still processing when the wait ended.
type PendingError struct {
	Type, ID, FileName, State string
}

func (e *PendingError) Error() string {
	return fmt.Sprintf("%s (%s %s) is still %s; run again later to check it", e.FileName, e.Type, e.ID, e.State)
}

// Options tune an Uploader. Zero values take the defaults.
type Options struct {
	// PartConcurrency bounds the parts in flight across every upload of this Uploader
	// (default 8). Parts go to presigned storage URLs, not the API, so they do not count
	// against the API rate limit.
	PartConcurrency int
	// PartAttempts bounds the attempts of one part (default 4).
	PartAttempts int
	// PollInitial is the wait before the first poll (default 1s); it grows by half each time
	// up to PollMax (default 10s) until PollTimeout (default 10m).
	PollInitial, PollMax, PollTimeout time.Duration
	// Limiter, when set, bounds the API requests (not the parts) in flight; a sync shares one
	// between its own reads and every upload so that together they stay under the rate limit.
	Limiter Limiter
}

// Limiter admits API requests. Acquire blocks until one may be sent; Release follows each.
type Limiter interface {
	Acquire(ctx context.Context) error
	Release()
}

// Uploader runs the protocol. It is safe for concurrent use.
type Uploader struct {
	api   *asc.Client
	http  *http.Client
	opts  Options
	parts chan struct{}
	// sleep waits between polls and part retries; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// New returns an Uploader that calls the API through api and sends parts with httpClient,
// which must not add App Store Connect's token (nil: a plain client).
func New(api *asc.Client, httpClient *http.Client, opts Options) *Uploader {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 5 * time.Minute}
	}
	if opts.PartConcurrency <= 0 {
		opts.PartConcurrency = 8
	}
	if opts.PartAttempts <= 0 {
		opts.PartAttempts = 4
	}
	if opts.PollInitial <= 0 {
		opts.PollInitial = time.Second
	}
	if opts.PollMax <= 0 {
		opts.PollMax = 10 * time.Second
	}
	if opts.PollTimeout <= 0 {
		opts.PollTimeout = 10 * time.Minute
	}
	return &Uploader{api: api, http: httpClient, opts: opts, parts: make(chan struct{}, opts.PartConcurrency), sleep: sleepContext}
}

// Options returns the options in effect.
func (u *Uploader) Options() Options { return u.opts }

// File is the content to upload.
type File struct {
	Name    string
	Content io.ReaderAt
	Size    int64
	// MD5 is the hex MD5 of the content; computed when empty.
	MD5 string
}

// Checksum returns the file's MD5 in hex, computing it once.
func (f *File) Checksum() (string, error) {
	if f.MD5 != "" {
		return f.MD5, nil
	}
	h := md5.New()
	if _, err := io.Copy(h, io.NewSectionReader(f.Content, 0, f.Size)); err != nil {
		return "", fmt.Errorf("read %s: %w", f.Name, err)
	}
	f.MD5 = hex.EncodeToString(h.Sum(nil))
	return f.MD5, nil
}

// Request describes one asset to upload.
type Request struct {
	// Type is the asset resource type and its collection path: "appScreenshots".
	Type string
	// Relationship names the parent relationship ("appScreenshotSet") and Parent the parent.
	Relationship string
	Parent       asc.ResourceIdentifier
	File         File
	// Reuse is a reservation of the same file (same name and size) left AWAITING_UPLOAD by an
	// interrupted run; its parts are sent instead of reserving again.
	Reuse *Asset
	// Find reads back, after a reserve that failed in a way that may have taken effect, an
	// AWAITING_UPLOAD asset of the parent with this file's name and size (nil if none).
	Find func(ctx context.Context) (*Asset, error)
	// NoWait returns after the commit, without awaiting processing.
	NoWait bool
	// Attributes are the asset type's typed create attributes when the reservation sends
	// more than the file (asc.AppPreviewCreateRequestAttributes with its poster frame);
	// fileName and fileSize always come from File.
	Attributes any
}

// Step names the protocol steps reported through Progress.
type Step string

const (
	StepReserve Step = "reserve"
	StepPart    Step = "part"
	StepCommit  Step = "commit"
	StepDone    Step = "done"
)

// Upload runs the whole protocol for one asset and returns it in its final state. A FAILED
// asset returns a *FailedError along with the asset, so the caller can delete and retry it.
func (u *Uploader) Upload(ctx context.Context, req Request) (*Asset, error) {
	sum, err := req.File.Checksum()
	if err != nil {
		return nil, err
	}
	asset := req.Reuse
	if asset == nil || asset.State() != AwaitingUpload || len(asset.Attributes.UploadOperations) == 0 {
		asset, err = u.Reserve(ctx, req)
		if err != nil {
			return nil, err
		}
	}
	if err := u.SendParts(ctx, asset, req.File); err != nil {
		return asset, err
	}
	if err := u.Commit(ctx, asset, sum); err != nil {
		return asset, err
	}
	if req.NoWait {
		return asset, nil
	}
	return u.Await(ctx, asset)
}

type body struct {
	Data bodyData `json:"data"`
}

type bodyData struct {
	Type          string                      `json:"type"`
	ID            string                      `json:"id,omitempty"`
	Attributes    map[string]any              `json:"attributes,omitempty"`
	Relationships map[string]asc.Relationship `json:"relationships,omitempty"`
}

// Reserve creates the asset. A failure that may have taken effect (broken connection, 5xx,
// 409, 429) is followed by req.Find before trying again, so at most one reservation exists.
func (u *Uploader) Reserve(ctx context.Context, req Request) (*Asset, error) {
	attrs := map[string]any{}
	if req.Attributes != nil {
		data, err := json.Marshal(req.Attributes)
		if err == nil {
			err = json.Unmarshal(data, &attrs)
		}
		if err != nil {
			return nil, fmt.Errorf("reserve %s: attributes: %w", req.File.Name, err)
		}
	}
	attrs["fileName"], attrs["fileSize"] = req.File.Name, req.File.Size
	b := body{Data: bodyData{Type: req.Type,
		Attributes:    attrs,
		Relationships: map[string]asc.Relationship{req.Relationship: {Data: asc.ToOne(req.Parent.Type, req.Parent.ID)}}}}
	for attempt := 1; ; attempt++ {
		var doc asc.Document[asc.Resource]
		_, err := u.do(ctx, http.MethodPost, "/v1/"+req.Type, nil, b, &doc)
		if err == nil {
			return FromResource(doc.Data)
		}
		kind := ClassifyCreate(err)
		if kind == CreateFinal || attempt >= MaxCreateAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("reserve upload of %s: %w", req.File.Name, err)
		}
		if err := u.sleep(ctx, RetryDelay(err, attempt)); err != nil {
			return nil, err
		}
		if kind == CreateReconcile && req.Find != nil {
			found, ferr := req.Find(ctx)
			if ferr != nil {
				return nil, fmt.Errorf("reserve upload of %s: %w; reading back failed too: %v", req.File.Name, err, ferr)
			}
			if found != nil {
				return found, nil
			}
		}
	}
}

// CreateFailure says what a failed POST (a create) means for the next step.
type CreateFailure int

const (
	// CreateFinal: the create was refused for good (400, 403, 404, 422...) or cancelled.
	CreateFinal CreateFailure = iota
	// CreateRetry: refused before taking effect (429): send it again after RetryDelay.
	CreateRetry
	// CreateReconcile: it may have taken effect (broken connection, 5xx, 409): read back before
	// sending it again.
	CreateReconcile
)

// ClassifyCreate classifies the error of a failed POST.
func ClassifyCreate(err error) CreateFailure {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return CreateFinal
	}
	var rl *asc.RateLimitError
	if errors.As(err, &rl) {
		return CreateRetry
	}
	var er *asc.ErrorResponse
	if errors.As(err, &er) {
		if er.StatusCode >= 500 || er.StatusCode == http.StatusConflict {
			return CreateReconcile
		}
		return CreateFinal
	}
	return CreateReconcile
}

// RetryDelay is the wait before the next attempt of a failed create: the server's
// Retry-After for a 429, else a delay growing with the attempt.
func RetryDelay(err error, attempt int) time.Duration {
	var rl *asc.RateLimitError
	if errors.As(err, &rl) && rl.RetryAfter > 0 && rl.RetryAfter < time.Minute {
		return rl.RetryAfter
	}
	return time.Duration(attempt) * 300 * time.Millisecond
}

// MaxCreateAttempts bounds the attempts of one create: those after a read-back found nothing
// and those refused with 429 alike.
const MaxCreateAttempts = 6

// PartsOptions tune SendPartsWith. Every callback may be called from several goroutines.
type PartsOptions struct {
	// Done reports the parts an earlier run already sent; they are not sent again.
	Done func(i int) bool
	// OnPart is called once part i has been accepted.
	OnPart func(i int)
	// OnBytes receives the bytes sent as they go (a negative count when a failed attempt
	// is rewound before it is sent again), for progress display.
	OnBytes func(n int64)
}

// SendParts sends every upload operation of the asset in parallel, bounded by the Uploader's
// part concurrency. Parts carry their requestHeaders and never the API token.
func (u *Uploader) SendParts(ctx context.Context, a *Asset, f File) error {
	return u.SendPartsWith(ctx, a, f, PartsOptions{})
}

// SendPartsWith is SendParts with resumption and progress. Parts are streamed from f.Content
// (an *os.File, typically) through a fixed buffer each, so memory stays bounded by the part
// concurrency whatever the file's size.
func (u *Uploader) SendPartsWith(ctx context.Context, a *Asset, f File, po PartsOptions) error {
	ops := a.Attributes.UploadOperations
	if len(ops) == 0 {
		return fmt.Errorf("upload %s: App Store Connect returned no upload operations for %s %s; delete it and run again", f.Name, a.Type, a.ID)
	}
	for i, op := range ops {
		if op.Offset < 0 || op.Length < 0 || op.Offset+op.Length > f.Size {
			return fmt.Errorf("upload %s: part %d asks for bytes %d-%d of a %d-byte file; delete the reservation and run again", f.Name, i, op.Offset, op.Offset+op.Length, f.Size)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for i, op := range ops {
		if po.Done != nil && po.Done(i) {
			continue
		}
		select {
		case u.parts <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			mu.Lock()
			defer mu.Unlock()
			if firstErr != nil {
				return firstErr
			}
			return ctx.Err()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-u.parts }()
			if err := u.sendPart(ctx, op, f, po.OnBytes); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("upload part %d of %s: %w", i+1, f.Name, err)
					cancel()
				}
				mu.Unlock()
				return
			}
			if po.OnPart != nil {
				po.OnPart(i)
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// StatusError is a part refused by the storage for good (4xx other than 408 and 429); a 403
// usually means the presigned URL has expired.
type StatusError struct {
	Method, Host string
	StatusCode   int
	Status       string
}

func (e *StatusError) Error() string { return fmt.Sprintf("%s %s: %s", e.Method, e.Host, e.Status) }

// partBuffer is the read size of a part's body: net/http would otherwise copy it to the
// connection 4 KiB at a time, which costs most of the throughput of a large upload.
const partBuffer = 256 << 10

// directPartMin is the smallest part sent from the file by the kernel: below it the copy
// through the process costs less than the descriptor the part would hold open (a sync of
// small screenshots keeps at most one file open per part in flight).
const directPartMin = 1 << 20

// partBody streams a part from the file through one buffer and counts what goes out.
type partBody struct {
	r       *bufio.Reader
	sent    int64
	onBytes func(int64)
}

func (b *partBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.count(n)
	return n, err
}

// WriteTo hands the transport whole buffers, so each becomes one write to the connection.
func (b *partBody) WriteTo(w io.Writer) (int64, error) {
	return b.r.WriteTo(writerFunc(func(p []byte) (int, error) {
		n, err := w.Write(p)
		b.count(n)
		return n, err
	}))
}

func (b *partBody) count(n int) {
	if n > 0 && b.onBytes != nil {
		b.sent += int64(n)
		b.onBytes(int64(n))
	}
}

// rewind takes back, for progress, what a failed attempt counted (nil: a part sent from
// the file directly, which counts only once accepted).
func (b *partBody) rewind() {
	if b != nil && b.sent != 0 && b.onBytes != nil {
		b.onBytes(-b.sent)
		b.sent = 0
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func (u *Uploader) sendPart(ctx context.Context, op Operation, f File, onBytes func(int64)) error {
	method := op.Method
	if method == "" {
		method = http.MethodPut
	}
	target, err := url.Parse(op.URL)
	if err != nil || (target.Scheme != "https" && target.Scheme != "http") {
		// The URL is presigned: its query holds credentials, so it is never quoted.
		return fmt.Errorf("upload operation has no usable http(s) URL")
	}
	var last error
	for attempt := 1; attempt <= u.opts.PartAttempts; attempt++ {
		if attempt > 1 {
			if err := u.sleep(ctx, time.Duration(attempt-1)*200*time.Millisecond); err != nil {
				return err
			}
		}
		var (
			reqBody io.Reader
			body    *partBody
			direct  *filePart
		)
		if target.Scheme == "http" && op.Length >= directPartMin {
			// Plain HTTP (the sandbox, a local mirror): sent by the kernel from the file, on
			// a descriptor of its own while it goes. Its progress counts when it is done.
			direct, _ = openFilePart(f.Content, op.Offset, op.Length)
		}
		if direct != nil {
			reqBody = direct
		} else {
			size := min(int64(partBuffer), max(op.Length, 16))
			body = &partBody{r: bufio.NewReaderSize(io.NewSectionReader(f.Content, op.Offset, op.Length), int(size)), onBytes: onBytes}
			reqBody = body
		}
		req, err := http.NewRequestWithContext(ctx, method, op.URL, reqBody)
		if err != nil {
			if direct != nil {
				direct.Close()
			}
			return fmt.Errorf("%s %s: build request", method, target.Host)
		}
		req.ContentLength = op.Length
		if op.Length == 0 {
			req.Body = http.NoBody
		}
		for _, h := range op.RequestHeaders {
			req.Header.Set(h.Name, h.Value)
		}
		resp, err := u.http.Do(req)
		if direct != nil {
			direct.Close()
		}
		if err != nil {
			body.rewind()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// net/http's *url.Error quotes the whole presigned URL, credentials included:
			// keep only its cause and name the host.
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			last = fmt.Errorf("%s %s: %w", method, target.Host, err)
			continue
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		switch {
		case resp.StatusCode < 300:
			if direct != nil && onBytes != nil {
				onBytes(op.Length)
			}
			return nil
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout:
			body.rewind()
			last = fmt.Errorf("%s %s: %s", method, target.Host, resp.Status)
		default:
			body.rewind()
			return &StatusError{Method: method, Host: target.Host, StatusCode: resp.StatusCode, Status: resp.Status}
		}
	}
	return last
}

// Commit marks the upload finished with the file's MD5. If the commit fails, the asset is
// read back: an asset no longer AWAITING_UPLOAD was committed by the failed attempt.
func (u *Uploader) Commit(ctx context.Context, a *Asset, md5hex string) error {
	b := body{Data: bodyData{Type: a.Type, ID: a.ID, Attributes: map[string]any{"uploaded": true, "sourceFileChecksum": md5hex}}}
	var doc asc.Document[asc.Resource]
	_, err := u.do(ctx, http.MethodPatch, "/v1/"+a.Type+"/"+url.PathEscape(a.ID), nil, b, &doc)
	if err == nil {
		if got, derr := FromResource(doc.Data); derr == nil && got.ID != "" {
			*a = *got
		}
		return nil
	}
	if ctx.Err() != nil {
		return err
	}
	got, gerr := u.Get(ctx, a.Type, a.ID)
	if gerr == nil && got.State() != "" && got.State() != AwaitingUpload {
		*a = *got
		return nil
	}
	return fmt.Errorf("commit upload of %s: %w", a.Attributes.FileName, err)
}

// Get reads an asset's upload attributes.
func (u *Uploader) Get(ctx context.Context, typ, id string) (*Asset, error) {
	var doc asc.Document[asc.Resource]
	fields := "fileName,fileSize,sourceFileChecksum,assetDeliveryState"
	if typ == "appPreviews" {
		fields += ",videoDeliveryState"
	}
	q := url.Values{"fields[" + typ + "]": {fields}}
	if _, err := u.do(ctx, http.MethodGet, "/v1/"+typ+"/"+url.PathEscape(id), q, nil, &doc); err != nil {
		return nil, err
	}
	return FromResource(doc.Data)
}

// Await polls the asset with growing intervals until processing ends. COMPLETE returns the
// asset; FAILED returns it with a *FailedError; running out of time returns a *PendingError.
func (u *Uploader) Await(ctx context.Context, a *Asset) (*Asset, error) {
	deadline := time.Now().Add(u.opts.PollTimeout)
	wait := u.opts.PollInitial
	name := a.Attributes.FileName
	for {
		switch a.State() {
		case Complete:
			return a, nil
		case Failed:
			return a, &FailedError{Type: a.Type, ID: a.ID, FileName: name, Errors: a.Delivery().Errors}
		}
		if time.Now().Add(wait).After(deadline) {
			return a, &PendingError{Type: a.Type, ID: a.ID, FileName: name, State: a.State()}
		}
		if err := u.sleep(ctx, wait); err != nil {
			return a, err
		}
		wait = NextWait(wait, u.opts.PollMax)
		got, err := u.Get(ctx, a.Type, a.ID)
		if err != nil {
			return a, fmt.Errorf("check processing of %s: %w", name, err)
		}
		if got.Attributes.FileName == "" {
			got.Attributes.FileName = name
		}
		a = got
	}
}

// NextWait grows a poll interval by half, up to max.
func NextWait(d, max time.Duration) time.Duration {
	d += d / 2
	if d > max {
		return max
	}
	return d
}

// Delete removes an asset (a FAILED one before uploading it again, or one no longer wanted).
// An asset already gone counts as deleted.
func (u *Uploader) Delete(ctx context.Context, typ, id string) error {
	_, err := u.do(ctx, http.MethodDelete, "/v1/"+typ+"/"+url.PathEscape(id), nil, nil, nil)
	var er *asc.ErrorResponse
	if errors.As(err, &er) && er.StatusCode == http.StatusNotFound {
		return nil
	}
	return err
}

func (u *Uploader) do(ctx context.Context, method, path string, query url.Values, body, out any) (*asc.Response, error) {
	if u.opts.Limiter != nil {
		if err := u.opts.Limiter.Acquire(ctx); err != nil {
			return nil, err
		}
		defer u.opts.Limiter.Release()
	}
	return u.api.Do(ctx, method, path, query, body, out)
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
