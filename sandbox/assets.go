package sandbox

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc32"
	"html"
	"image"
	_ "image/jpeg" // screenshots come as JPEG
	_ "image/png"  // or PNG
	"io"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ascend-tools/ascend/apple"
)

// An asset is any resource whose model has uploadOperations: screenshots, previews, in-app
// purchase and subscription images, review attachments, build upload files. Creating one
// reserves an upload, whose parts clients PUT to /sandbox/upload/{token}/{part} without a
// token, as they do to Apple's presigned URLs; a PATCH {uploaded: true} commits it.

// pendingUpload holds the parts of an asset being uploaded. Small assets stay in memory; a
// large one (a build) is spooled to a temporary file, so the sandbox's memory does not grow
// with the file. Either way an upload interrupted by a restart has to be made again, as an
// expired presigned URL would.
type pendingUpload struct {
	typ, id     string
	size        int64
	parts       []uploadPart
	data        [][]byte
	contentType string
	expired     bool     // its presigned URLs no longer work (ExpireUpload)
	spool       *os.File // parts of a large upload, at their offsets
	got         []bool   // which parts of the spool have arrived
	// partMu guards data and got while parts arrive, which hold the state lock shared (a
	// part changes no resource); a commit reads them holding the state lock alone.
	partMu      sync.Mutex
	discardOnce sync.Once
}

// spoolThreshold is the size above which an upload's parts go to a temporary file.
const spoolThreshold = 32 << 20

// discard removes a spooled upload's file.
// discard removes a spooled upload's file; it may be called more than once, from a check
// and from Close or Reset at the same time.
func (u *pendingUpload) discard() {
	if u == nil || u.spool == nil {
		return
	}
	u.discardOnce.Do(func() {
		u.spool.Close()
		os.Remove(u.spool.Name())
	})
}

type uploadPart struct{ offset, length int64 }

// maxAssetSize bounds what one asset may reserve, so a typo cannot make the sandbox hold
// gigabytes in memory.
const maxAssetSize = 4 << 30

func (s *Server) isAsset(typ string) bool {
	rt := s.mdl.resource(typ)
	if rt == nil {
		return false
	}
	_, ok := rt.Attributes["uploadOperations"]
	return ok
}

func (s *Server) isImageAsset(typ string) bool {
	rt := s.mdl.resource(typ)
	if rt == nil {
		return false
	}
	_, ok := rt.Attributes["imageAsset"]
	return ok
}

func contentTypeFor(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".mov":
		return "video/quicktime"
	case ".mp4", ".m4v":
		return "video/mp4"
	case ".geojson", ".json":
		return "application/json"
	case ".ipa", ".zip":
		return "application/octet-stream"
	}
	return "application/octet-stream"
}

// reserveUpload prepares the parts of a new asset and puts uploadOperations on it.
func (s *Server) reserveUpload(req *apiRequest, r *record) *httpError {
	size, ok := r.Attrs["fileSize"].(float64)
	if !ok || size < 1 || size > maxAssetSize {
		return conflict("ENTITY_ERROR.ATTRIBUTE.INVALID", entityTitles["ENTITY_ERROR.ATTRIBUTE.INVALID"],
			fmt.Sprintf("fileSize must be between 1 and %d bytes.", int64(maxAssetSize)), "/data/attributes/fileSize")
	}
	name := r.str("fileName")
	var tok [16]byte
	_, _ = rand.Read(tok[:])
	token := hex.EncodeToString(tok[:])
	u := &pendingUpload{typ: r.Type, id: r.ID, size: int64(size), contentType: contentTypeFor(name)}
	partSize := int64(s.opts.PartSize)
	delivery := r.Type == "buildUploadFiles" || r.Type == "backgroundAssetUploadFiles"
	var ops []any
	for off := int64(0); off < u.size; off += partSize {
		n := min(partSize, u.size-off)
		i := len(u.parts)
		u.parts = append(u.parts, uploadPart{offset: off, length: n})
		op := map[string]any{
			"method": "PUT",
			"url":    fmt.Sprintf("%s/sandbox/upload/%s/%d", req.base, token, i),
			"offset": off,
			"length": n,
			"requestHeaders": []any{
				map[string]any{"name": "Content-Type", "value": u.contentType},
			},
		}
		if delivery {
			op["partNumber"] = i + 1
			op["expiration"] = s.stateNow().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339)
		}
		ops = append(ops, op)
	}
	if u.size > spoolThreshold {
		f, err := os.CreateTemp(s.opts.SpoolDir, "ascend-sandbox-upload-*")
		if err != nil {
			return errResp(http.StatusInternalServerError, newError(http.StatusInternalServerError, "UNEXPECTED_ERROR", "An unexpected error occurred.", "The sandbox could not make room for the upload."))
		}
		u.spool, u.got = f, make([]bool, len(u.parts))
	} else {
		u.data = make([][]byte, len(u.parts))
	}
	s.uploads[token] = u
	r.Attrs["uploadOperations"] = ops
	r.Attrs["assetDeliveryState"] = map[string]any{"state": "AWAITING_UPLOAD", "errors": []any{}, "warnings": []any{}}
	if r.Type == "appPreviews" {
		r.Attrs["videoDeliveryState"] = map[string]any{"state": "AWAITING_UPLOAD", "errors": []any{}, "warnings": []any{}}
		r.Attrs["mimeType"] = u.contentType
	}
	if r.Type != "buildUploadFiles" && r.Type != "appStoreReviewAttachments" && r.Type != "inAppPurchaseImages" && r.Type != "subscriptionImages" {
		if rt := s.mdl.resource(r.Type); rt != nil {
			if _, ok := rt.Attributes["assetToken"]; ok {
				r.Attrs["assetToken"] = "SandboxSource/v4/" + token[:2] + "/" + token[2:4] + "/" + token + "/" + name
			}
			if _, ok := rt.Attributes["assetType"]; ok && r.Type == "appScreenshots" {
				r.Attrs["assetType"] = "SCREENSHOT"
			}
		}
	}
	r.Hidden = map[string]any{"upload": token, "base": req.base}
	return nil
}

// handleUploadPart receives one part of an upload: PUT with exactly the part's bytes.
func (s *Server) handleUploadPart(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/sandbox/upload/")
	token, partStr, ok := strings.Cut(rest, "/")
	part, err := strconv.Atoi(partStr)
	if !ok || err != nil {
		http.Error(w, "no such upload part", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPut {
		w.Header().Set("Allow", "PUT")
		http.Error(w, "upload parts are sent with PUT", http.StatusMethodNotAllowed)
		return
	}
	if d := s.currentFaults().UploadPartDelay; d > 0 {
		s.pause(r.Context(), d)
	}
	// Apple's part URLs are presigned: a second credential is refused, and the headers the
	// operation lists are part of the signature, as with any S3-style presigned PUT.
	if r.Header.Get("Authorization") != "" {
		storageError(w, http.StatusBadRequest, "InvalidArgument", "Only one auth mechanism allowed; the URL is presigned, so send no Authorization header.")
		return
	}
	// Parts hold the state lock shared: they change no resource, so the parts of an upload
	// arrive in parallel and do not count as writes (which would empty the render cache).
	s.mu.RLock()
	u := s.uploads[token]
	var want uploadPart
	expired := false
	if u != nil && part >= 0 && part < len(u.parts) {
		want, expired = u.parts[part], u.expired
	}
	s.mu.RUnlock()
	if u == nil || part < 0 || part >= len(u.parts) {
		http.Error(w, "no such upload part: it expired, was committed, or the URL is wrong", http.StatusNotFound)
		return
	}
	if expired {
		storageError(w, http.StatusForbidden, "AccessDenied", "Request has expired")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != u.contentType {
		storageError(w, http.StatusForbidden, "SignatureDoesNotMatch",
			fmt.Sprintf("The request signature does not match: send the operation's requestHeaders (Content-Type %q, not %q).", u.contentType, ct))
		return
	}
	if r.ContentLength >= 0 && r.ContentLength != want.length {
		http.Error(w, fmt.Sprintf("part %d is %d bytes (offset %d); the request has Content-Length %d", part, want.length, want.offset, r.ContentLength), http.StatusBadRequest)
		return
	}
	if u.spool != nil {
		s.receiveSpooled(w, r, token, u, part, want)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, want.length+1))
	if err != nil {
		http.Error(w, "reading the part failed: "+err.Error(), http.StatusBadRequest)
		return
	}
	if int64(len(body)) != want.length {
		http.Error(w, fmt.Sprintf("part %d must be %d bytes (offset %d), got %d", part, want.length, want.offset, len(body)), http.StatusBadRequest)
		return
	}
	s.mu.RLock()
	if cur := s.uploads[token]; cur == u {
		u.partMu.Lock()
		u.data[part] = body
		u.partMu.Unlock()
	}
	s.mu.RUnlock()
	sum := md5.Sum(body)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
	w.WriteHeader(http.StatusOK)
}

// receiveSpooled writes a part of a large upload straight to its place in the spool file.
// Its ETag is a CRC-32C, not the MD5 object storage gives: hashing every byte twice would
// make the sandbox, not the client, the bottleneck of a large upload.
func (s *Server) receiveSpooled(w http.ResponseWriter, r *http.Request, tok string, u *pendingUpload, part int, want uploadPart) {
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	n, err := io.CopyBuffer(io.NewOffsetWriter(u.spool, want.offset), io.TeeReader(io.LimitReader(r.Body, want.length), crc), make([]byte, 256<<10))
	if err == nil && n == want.length {
		var extra [1]byte
		if m, _ := r.Body.Read(extra[:]); m > 0 {
			n++
		}
	}
	if err != nil || n != want.length {
		http.Error(w, fmt.Sprintf("part %d must be %d bytes (offset %d), got %d", part, want.length, want.offset, n), http.StatusBadRequest)
		return
	}
	s.mu.RLock()
	if cur := s.uploads[tok]; cur == u {
		u.partMu.Lock()
		u.got[part] = true
		u.partMu.Unlock()
	}
	s.mu.RUnlock()
	w.Header().Set("ETag", fmt.Sprintf(`"%08x"`, crc.Sum32()))
	w.WriteHeader(http.StatusOK)
}

// storageError answers an upload part the way object storage does: an XML error document.
func storageError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message></Error>\n", code, html.EscapeString(message))
}

// assetStateKey is the attribute holding an asset's state object.
func assetStateKey(typ string) string {
	if typ == "appPreviews" {
		return "videoDeliveryState"
	}
	return "assetDeliveryState"
}

func (s *Server) setAssetState(r *record, state string, errs ...map[string]any) {
	list := make([]any, 0, len(errs))
	for _, e := range errs {
		list = append(list, e)
	}
	r.Attrs[assetStateKey(r.Type)] = map[string]any{"state": state, "errors": list, "warnings": []any{}}
	if r.Type == "appPreviews" {
		// The deprecated assetDeliveryState has no PROCESSING; it shows UPLOAD_COMPLETE then.
		legacy := state
		if state == "PROCESSING" {
			legacy = "UPLOAD_COMPLETE"
		}
		r.Attrs["assetDeliveryState"] = map[string]any{"state": legacy, "errors": list, "warnings": []any{}}
	}
}

func assetState(r *record) string {
	m, _ := r.Attrs[assetStateKey(r.Type)].(map[string]any)
	s, _ := m["state"].(string)
	return s
}

// assembleUpload handles PATCH {uploaded: true} before the commit event: it drops the
// upload's bookkeeping, puts the parts together and notes in Hidden["uploadProblem"] why
// the asset must fail (expired, a part missing, a checksum that does not match), or the
// image's size for processing.
func (s *Server) assembleUpload(r *record) {
	token, _ := r.Hidden["upload"].(string)
	u := s.uploads[token]
	delete(s.uploads, token)
	delete(r.Attrs, "uploaded")
	delete(r.Attrs, "uploadOperations")
	if u == nil || u.expired {
		r.Hidden["uploadProblem"] = map[string]any{"code": apple.IssueUploadExpired, "description": "The upload was not found; reserve the asset again."}
		return
	}
	if u.spool != nil {
		for i, got := range u.got {
			if !got {
				u.discard()
				r.Hidden["uploadProblem"] = missingPart(u, i)
				return
			}
		}
		// Hashing gigabytes takes seconds: it runs without the lock, and processing waits
		// for it (Hidden["checking"]), as Apple's does.
		r.Hidden["checking"] = true
		if s.processingFault(r.str("fileName")) {
			r.Hidden["processingFault"] = true
		}
		algo, want := committedChecksum(r)
		s.checks[u] = true
		s.checkWG.Add(1)
		go s.checkSpooled(r.Type, r.ID, r.str("fileName"), u, algo, want)
		return
	}
	var buf bytes.Buffer
	for i, p := range u.data {
		if p == nil {
			r.Hidden["uploadProblem"] = missingPart(u, i)
			return
		}
		buf.Write(p)
	}
	data := buf.Bytes()
	algo, want := committedChecksum(r)
	if why := verifyChecksum(bytes.NewReader(data), algo, want); why != "" {
		r.Hidden["uploadProblem"] = map[string]any{"code": apple.IssueChecksumMismatch, "description": why}
		return
	}
	if s.processingFault(r.str("fileName")) {
		r.Hidden["processingFault"] = true
	}
	if r.Type == "buildUploadFiles" {
		inspectDelivery(r.Hidden, bytes.NewReader(data), int64(len(data)), r.str("fileName"))
	}
	if s.isImageAsset(r.Type) {
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			r.Hidden["imageError"] = "The file is not a readable PNG or JPEG image."
		} else {
			r.Hidden["width"], r.Hidden["height"], r.Hidden["format"] = cfg.Width, cfg.Height, format
		}
	}
}

func missingPart(u *pendingUpload, i int) map[string]any {
	return map[string]any{"code": apple.IssueUploadIncomplete,
		"description": fmt.Sprintf("Part %d of %d (offset %d, %d bytes) was never uploaded.", i+1, len(u.parts), u.parts[i].offset, u.parts[i].length)}
}

// checkSpooled verifies a spooled upload's checksum (and a build's archive) off the lock,
// then records the outcome for processing and removes the spool.
func (s *Server) checkSpooled(typ, id, name string, u *pendingUpload, algo, want string) {
	defer s.checkWG.Done()
	defer u.discard()
	why := verifyChecksum(io.NewSectionReader(u.spool, 0, u.size), algo, want)
	found := map[string]any{}
	if why == "" && typ == "buildUploadFiles" {
		inspectDelivery(found, u.spool, u.size, name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.checks, u)
	r := s.st.get(typ, id)
	if r == nil {
		return
	}
	delete(r.Hidden, "checking")
	if why != "" {
		r.Hidden["uploadProblem"] = map[string]any{"code": apple.IssueChecksumMismatch, "description": why}
	}
	for k, v := range found {
		r.Hidden[k] = v
	}
	s.markDirty(r)
}

// committedChecksum is the algorithm and hex hash a commit gave: sourceFileChecksums.file
// (build upload files) or sourceFileChecksum (MD5, other assets); "" when none.
func committedChecksum(r *record) (algo, hash string) {
	if cs, ok := r.Attrs["sourceFileChecksums"].(map[string]any); ok {
		file, _ := cs["file"].(map[string]any)
		hash, _ = file["hash"].(string)
		algo, _ = file["algorithm"].(string)
		if algo == "" {
			algo = "MD5"
		}
		return algo, hash
	}
	if sum, ok := r.Attrs["sourceFileChecksum"].(string); ok && sum != "" {
		return "MD5", sum
	}
	return "", ""
}

// verifyChecksum compares a committed checksum with the bytes received ("" when they match
// or no checksum was given).
func verifyChecksum(data io.Reader, algo, want string) string {
	if algo == "" {
		return ""
	}
	var h hash.Hash = md5.New()
	if algo == "SHA_256" {
		h = sha256.New()
	}
	if _, err := io.CopyBuffer(h, data, make([]byte, 1<<20)); err != nil {
		return "The uploaded bytes could not be read back."
	}
	if !strings.EqualFold(want, hex.EncodeToString(h.Sum(nil))) {
		return fmt.Sprintf("The %s checksum %q does not match the uploaded bytes.", strings.ReplaceAll(algo, "_", "-"), want)
	}
	return ""
}

// imageProblem is why a processed image asset fails: it does not decode, its type's family
// refuses its size (hooks.imageSize: an App Clip header image), or a screenshot does not fit
// its set's display type; nil when it is fine.
func (s *Server) imageProblem(r *record) map[string]any {
	if !s.isImageAsset(r.Type) {
		return nil
	}
	if why, _ := r.Hidden["imageError"].(string); why != "" {
		return map[string]any{"code": "IMAGE_TOOL_FAILURE", "description": why}
	}
	w, h := hiddenInt(r, "width"), hiddenInt(r, "height")
	for _, hk := range s.behaviourOf(r.Type).hooks {
		if hk.imageSize == nil {
			continue
		}
		if why := hk.imageSize(w, h); why != "" {
			return map[string]any{"code": "IMAGE_INCORRECT_DIMENSIONS", "description": why}
		}
	}
	if r.Type != "appScreenshots" {
		return nil
	}
	set := s.st.get("appScreenshotSets", r.one("appScreenshotSet"))
	if set == nil {
		return nil
	}
	if dt := set.str("screenshotDisplayType"); !screenshotFits(dt, w, h) {
		return map[string]any{"code": "IMAGE_INCORRECT_DIMENSIONS",
			"description": fmt.Sprintf("The image is %dx%d pixels, which is not a size accepted for %s (%s).", w, h, dt, acceptedSizes(dt))}
	}
	return nil
}

// publishAsset gives a processed asset what clients fetch it by: an image's templateUrl and
// size, a preview's video URL.
func (s *Server) publishAsset(r *record) {
	base, _ := r.Hidden["base"].(string)
	token, _ := r.Hidden["upload"].(string)
	if s.isImageAsset(r.Type) {
		r.Attrs["imageAsset"] = map[string]any{
			"templateUrl": base + "/sandbox/assets/" + token + "/{w}x{h}bb.{f}",
			"width":       hiddenInt(r, "width"), "height": hiddenInt(r, "height"),
		}
	}
	if r.Type == "appPreviews" {
		r.Attrs["videoUrl"] = base + "/sandbox/assets/" + token + "/video.m3u8"
	}
}

// screenshotFits reports whether w x h is accepted for a display type (apple's table of
// Apple's screenshot sizes). A display type the table does not know accepts any size rather
// than failing good uploads.
func screenshotFits(displayType string, w, h int) bool {
	d, ok := apple.LookupDisplayType(displayType)
	return !ok || d.Accepts(w, h)
}

func acceptedSizes(displayType string) string {
	d, _ := apple.LookupDisplayType(displayType)
	return d.SizeList()
}

// hiddenInt reads a number from a record's hidden state, which holds ints when fresh and
// float64s after a round trip through the state file.
func hiddenInt(r *record, key string) int { return intOf(r.Hidden[key]) }
