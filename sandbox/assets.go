package sandbox

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"image"
	_ "image/jpeg" // screenshots come as JPEG
	_ "image/png"  // or PNG
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// An asset is any resource whose model has uploadOperations: screenshots, previews, in-app
// purchase and subscription images, review attachments, build upload files. Creating one
// reserves an upload, whose parts clients PUT to /sandbox/upload/{token}/{part} without a
// token, as they do to Apple's presigned URLs; a PATCH {uploaded: true} commits it.

// pendingUpload holds the parts of an asset being uploaded. Bytes stay in memory only; an
// upload interrupted by a restart has to be made again, as an expired presigned URL would.
type pendingUpload struct {
	typ, id     string
	size        int64
	parts       []uploadPart
	data        [][]byte
	contentType string
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
	u.data = make([][]byte, len(u.parts))
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
	s.mu.Lock()
	u := s.uploads[token]
	var want uploadPart
	if u != nil && part >= 0 && part < len(u.parts) {
		want = u.parts[part]
	}
	s.mu.Unlock()
	if u == nil || part < 0 || part >= len(u.parts) {
		http.Error(w, "no such upload part: it expired, was committed, or the URL is wrong", http.StatusNotFound)
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
	body, err := io.ReadAll(io.LimitReader(r.Body, want.length+1))
	if err != nil {
		http.Error(w, "reading the part failed: "+err.Error(), http.StatusBadRequest)
		return
	}
	if int64(len(body)) != want.length {
		http.Error(w, fmt.Sprintf("part %d must be %d bytes (offset %d), got %d", part, want.length, want.offset, len(body)), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	if cur := s.uploads[token]; cur == u {
		u.data[part] = body
	}
	s.mu.Unlock()
	sum := md5.Sum(body)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
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
	if u == nil {
		r.Hidden["uploadProblem"] = map[string]any{"code": "UPLOAD_EXPIRED", "description": "The upload was not found; reserve the asset again."}
		return
	}
	var buf bytes.Buffer
	for i, p := range u.data {
		if p == nil {
			r.Hidden["uploadProblem"] = map[string]any{"code": "UPLOAD_INCOMPLETE",
				"description": fmt.Sprintf("Part %d of %d (offset %d, %d bytes) was never uploaded.", i+1, len(u.parts), u.parts[i].offset, u.parts[i].length)}
			return
		}
		buf.Write(p)
	}
	data := buf.Bytes()
	if why := verifyChecksum(r, data); why != "" {
		r.Hidden["uploadProblem"] = map[string]any{"code": "CHECKSUM_MISMATCH", "description": why}
		return
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

// verifyChecksum compares the committed checksum with the bytes received.
func verifyChecksum(r *record, data []byte) string {
	md5sum := md5.Sum(data)
	md5hex := hex.EncodeToString(md5sum[:])
	if cs, ok := r.Attrs["sourceFileChecksums"].(map[string]any); ok {
		file, _ := cs["file"].(map[string]any)
		hash, _ := file["hash"].(string)
		algo, _ := file["algorithm"].(string)
		want := md5hex
		if algo == "SHA_256" {
			sum := sha256.Sum256(data)
			want = hex.EncodeToString(sum[:])
		}
		if !strings.EqualFold(hash, want) {
			return fmt.Sprintf("The %s checksum %q does not match the uploaded bytes.", strings.ReplaceAll(algo, "_", "-"), hash)
		}
		return ""
	}
	if sum, ok := r.Attrs["sourceFileChecksum"].(string); ok && sum != "" {
		if !strings.EqualFold(sum, md5hex) {
			return fmt.Sprintf("The MD5 checksum %q does not match the uploaded bytes.", sum)
		}
		return ""
	}
	return ""
}

// imageProblem is why a processed image asset fails: it does not decode, or a screenshot
// does not fit its set's display type; nil when it is fine.
func (s *Server) imageProblem(r *record) map[string]any {
	if !s.isImageAsset(r.Type) {
		return nil
	}
	if why, _ := r.Hidden["imageError"].(string); why != "" {
		return map[string]any{"code": "IMAGE_TOOL_FAILURE", "description": why}
	}
	if r.Type != "appScreenshots" {
		return nil
	}
	set := s.st.get("appScreenshotSets", r.one("appScreenshotSet"))
	if set == nil {
		return nil
	}
	w, h := hiddenInt(r, "width"), hiddenInt(r, "height")
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

// Screenshot sizes App Store Connect accepts per display type (portrait width x height;
// landscape is the same pair swapped), from Apple's "Screenshot specifications". The 6.9"
// and 6.7" iPhones share APP_IPHONE_67, and the 13" and 12.9" iPads APP_IPAD_PRO_3GEN_129.
var screenshotSizes = map[string][][2]int{
	"APP_IPHONE_67":                  {{1320, 2868}, {1290, 2796}, {1260, 2736}},
	"APP_IPHONE_65":                  {{1242, 2688}, {1284, 2778}},
	"APP_IPHONE_61":                  {{1179, 2556}, {1206, 2622}, {1170, 2532}},
	"APP_IPHONE_58":                  {{1125, 2436}, {1170, 2532}, {1080, 2340}},
	"APP_IPHONE_55":                  {{1242, 2208}},
	"APP_IPHONE_47":                  {{750, 1334}},
	"APP_IPHONE_40":                  {{640, 1096}, {640, 1136}},
	"APP_IPHONE_35":                  {{640, 920}, {640, 960}},
	"APP_IPAD_PRO_3GEN_129":          {{2064, 2752}, {2048, 2732}},
	"APP_IPAD_PRO_129":               {{2048, 2732}},
	"APP_IPAD_PRO_3GEN_11":           {{1488, 2266}, {1668, 2420}, {1668, 2388}, {1640, 2360}},
	"APP_IPAD_105":                   {{1668, 2224}},
	"APP_IPAD_97":                    {{1536, 2048}, {768, 1024}, {1536, 2008}, {768, 1004}},
	"APP_DESKTOP":                    {{800, 1280}, {900, 1440}, {1600, 2560}, {1800, 2880}},
	"APP_APPLE_TV":                   {{1080, 1920}, {2160, 3840}},
	"APP_APPLE_VISION_PRO":           {{2160, 3840}},
	"APP_WATCH_ULTRA":                {{410, 502}, {422, 514}},
	"APP_WATCH_SERIES_10":            {{416, 496}, {374, 446}},
	"APP_WATCH_SERIES_7":             {{396, 484}, {352, 430}},
	"APP_WATCH_SERIES_4":             {{368, 448}, {324, 394}},
	"APP_WATCH_SERIES_3":             {{312, 390}, {272, 340}},
	"IMESSAGE_APP_IPHONE_67":         {{1320, 2868}, {1290, 2796}, {1260, 2736}},
	"IMESSAGE_APP_IPHONE_65":         {{1242, 2688}, {1284, 2778}},
	"IMESSAGE_APP_IPHONE_61":         {{1179, 2556}, {1206, 2622}, {1170, 2532}},
	"IMESSAGE_APP_IPHONE_58":         {{1125, 2436}, {1170, 2532}, {1080, 2340}},
	"IMESSAGE_APP_IPHONE_55":         {{1242, 2208}},
	"IMESSAGE_APP_IPHONE_47":         {{750, 1334}},
	"IMESSAGE_APP_IPHONE_40":         {{640, 1096}, {640, 1136}},
	"IMESSAGE_APP_IPAD_PRO_3GEN_129": {{2064, 2752}, {2048, 2732}},
	"IMESSAGE_APP_IPAD_PRO_3GEN_11":  {{1488, 2266}, {1668, 2420}, {1668, 2388}, {1640, 2360}},
	"IMESSAGE_APP_IPAD_PRO_129":      {{2048, 2732}},
	"IMESSAGE_APP_IPAD_105":          {{1668, 2224}},
	"IMESSAGE_APP_IPAD_97":           {{1536, 2048}, {768, 1024}},
}

// screenshotFits reports whether w x h (either orientation) is accepted for a display type.
// A display type the table does not know accepts any size rather than failing good uploads.
func screenshotFits(displayType string, w, h int) bool {
	sizes, ok := screenshotSizes[displayType]
	if !ok {
		return true
	}
	for _, sz := range sizes {
		if (w == sz[0] && h == sz[1]) || (w == sz[1] && h == sz[0]) {
			return true
		}
	}
	return false
}

func acceptedSizes(displayType string) string {
	var out []string
	for _, sz := range screenshotSizes[displayType] {
		out = append(out, fmt.Sprintf("%dx%d", sz[0], sz[1]))
	}
	return strings.Join(out, ", ") + " or the same sizes in landscape"
}

// ScreenshotSizes returns the pixel sizes (portrait) the sandbox accepts for a screenshot
// display type, so tests can make images that fit.
func ScreenshotSizes(displayType string) [][2]int { return screenshotSizes[displayType] }

// hiddenInt reads a number from a record's hidden state, which holds ints when fresh and
// float64s after a round trip through the state file.
func hiddenInt(r *record, key string) int { return intOf(r.Hidden[key]) }
