package connector

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ascend-tools/ascend/store"
)

// Asset uploads. Apple answers an asset reservation with uploadOperations whose urls are
// presigned and point at Apple's storage hosts, not the API. By default the gateway leaves
// them alone and clients upload there directly. When Config.UploadHosts names those hosts,
// the gateway rewrites each such url to /connector/uploads/{token} on itself (the token is the
// original URL, base64url) and forwards the part there, without a JWT, for clients that can
// only reach the gateway. Only hosts on the list are ever contacted, and a write key is needed.

// maxUploadPart caps one forwarded upload part.
const maxUploadPart = 1 << 30

// uploadAllowed reports whether a URL's host is one the configuration lets the gateway
// forward upload parts to.
func (g *Gateway) uploadAllowed(u *url.URL) bool {
	if u == nil || (u.Scheme != "https" && u.Scheme != "http") {
		return false
	}
	for _, h := range g.cfg.UploadHosts {
		if strings.EqualFold(h, u.Host) || strings.EqualFold(h, u.Hostname()) {
			return true
		}
	}
	return false
}

// rewriteUploads points the allowed upload operation urls of a JSON answer at the gateway.
// On any decoding trouble the answer is returned unchanged.
func (g *Gateway) rewriteUploads(data []byte, public string) []byte {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return data
	}
	changed := false
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			if ops, ok := t["uploadOperations"].([]any); ok {
				for _, op := range ops {
					m, ok := op.(map[string]any)
					if !ok {
						continue
					}
					raw, _ := m["url"].(string)
					if u, err := url.Parse(raw); err == nil && g.uploadAllowed(u) {
						m["url"] = public + "/connector/uploads/" + base64.RawURLEncoding.EncodeToString([]byte(raw))
						changed = true
					}
				}
			}
			for _, x := range t {
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(doc)
	if !changed {
		return data
	}
	out, err := marshal(doc)
	if err != nil {
		return data
	}
	return out
}

// uploadRequestHeaders are not forwarded with a part: the gateway's own credentials and
// hop-by-hop headers.
var uploadDropped = map[string]bool{
	"Authorization": true, "X-Api-Key": true, "Cookie": true, "Connection": true, "Keep-Alive": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"X-Forwarded-For": true, "X-Forwarded-Host": true, "X-Forwarded-Proto": true, "Forwarded": true,
}

// handleUpload forwards one upload part to the presigned URL its token names.
func (g *Gateway) handleUpload(w http.ResponseWriter, r *http.Request, k *store.ClientKey, p *profileRuntime) {
	raw, err := base64.RawURLEncoding.DecodeString(r.PathValue("token"))
	u, perr := url.Parse(string(raw))
	if err != nil || perr != nil || !g.uploadAllowed(u) {
		writeError(w, r, http.StatusForbidden, "FORBIDDEN_ERROR", "Upload target not allowed",
			"this upload URL does not point at a host the gateway is configured to forward uploads to")
		return
	}
	if r.Method != http.MethodPut && r.Method != http.MethodPost {
		w.Header().Set("Allow", "PUT, POST")
		writeError(w, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "The request method is not allowed", "send upload parts with the method of their upload operation")
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), http.MaxBytesReader(w, r.Body, maxUploadPart))
	if err != nil {
		g.writeSendError(w, r, err)
		return
	}
	req.ContentLength = r.ContentLength
	for name, vals := range r.Header {
		if !uploadDropped[http.CanonicalHeaderKey(name)] {
			req.Header[name] = vals
		}
	}
	start := time.Now()
	resp, err := g.uploadClient.Do(req)
	if err != nil {
		g.metrics.upstreamCall(p.Name+"/upload", 0, time.Since(start))
		// The error names the presigned URL, whose query is a credential: keep only the cause.
		g.writeSendError(w, r, &upstreamError{errors.New(errorClass(err))})
		return
	}
	defer resp.Body.Close()
	g.metrics.upstreamCall(p.Name+"/upload", resp.StatusCode, time.Since(start))
	for name, vals := range resp.Header {
		if !droppedResponseHeaders[name] {
			w.Header()[name] = vals
		}
	}
	if resp.ContentLength >= 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, io.LimitReader(resp.Body, 1<<20))
}
