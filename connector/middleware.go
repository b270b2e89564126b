package connector

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"path"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/ascend-tools/ascend/store"
)

// requestInfo is what the gateway knows about a request beyond net/http's: its id, its
// logger (made on first use: most requests log one line, built without it) and, once
// authenticated, its client key. It is the one value observe puts in the context.
type requestInfo struct {
	id     string
	once   sync.Once
	log    *slog.Logger
	keyRec *store.ClientKey
	// key and profile name the client key for the request's log line, never the key itself.
	key, profile string
}

type ctxInfoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(ctxInfoKey{}).(*requestInfo)
	return info
}

func requestID(ctx context.Context) string {
	if info := infoFrom(ctx); info != nil {
		return info.id
	}
	return ""
}

// logger returns the request's logger, which carries its id.
func (g *Gateway) logger(ctx context.Context) *slog.Logger {
	info := infoFrom(ctx)
	if info == nil {
		return g.log
	}
	info.once.Do(func() { info.log = g.log.With("request_id", info.id) })
	return info.log
}

// uploadPrefix starts the paths whose last segment is an upload token: a presigned part URL,
// whose query is a credential.
const uploadPrefix = "/connector/uploads/"

// loggedPath is a request's path as logs and the audit keep it: escaped as it was sent (and
// forwarded), so a control character or line separator a client encoded (%1b, %c2%9b,
// %e2%80%a8) stays encoded rather than reaching a terminal or log viewer; an upload token is
// replaced by "{token}". The path is compared decoded, as the router cleans it (doubled
// slashes and dot segments resolved), so no spelling of an upload path that the router
// redirects to the real one keeps the token in the log.
func loggedPath(r *http.Request) string {
	if lower := strings.ToLower(r.URL.Path); strings.Contains(lower, "uploads") {
		// Lower case too: the router would 404 /Connector/Uploads/..., but the token in it
		// is still a credential.
		if strings.HasPrefix(path.Clean("/"+lower)+"/", uploadPrefix) {
			return uploadPrefix + "{token}"
		}
	}
	return r.URL.EscapedPath()
}

var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func newRequestID() string {
	var b [12]byte
	var h [24]byte
	rand.Read(b[:])
	hex.Encode(h[:], b[:])
	return string(h[:])
}

// statusWriter remembers the status and size of an answer for the log and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observed is what observe keeps of one request.
type observed struct {
	info     requestInfo
	sw       statusWriter
	idHeader [1]string
}

// observe gives each request an id (the caller's X-Request-Id when it is safe, else a new
// one), a logger carrying it, recovery from panics, one log line, and metrics. The route
// label is the pattern that matched, never the raw path, so metrics stay bounded.
func (g *Gateway) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !safeRequestID.MatchString(id) {
			id = newRequestID()
		}
		// What observe keeps of a request is one allocation.
		o := &observed{info: requestInfo{id: id}, sw: statusWriter{ResponseWriter: w}}
		o.idHeader[0] = id
		info, sw := &o.info, &o.sw
		ctx := context.WithValue(r.Context(), ctxInfoKey{}, info)
		r = r.WithContext(ctx)
		w.Header()["X-Request-Id"] = o.idHeader[:]
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				g.logger(ctx).Error("panic serving request", "panic", v, "stack", string(debug.Stack()))
				if sw.status == 0 {
					writeError(sw, r, http.StatusInternalServerError, "INTERNAL_ERROR", "Internal error", "the gateway failed; the log has the cause under this request id")
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			d := time.Since(start)
			g.metrics.request(route, sw.status, d)
			if !g.log.Enabled(ctx, slog.LevelInfo) {
				return
			}
			// The query is left out: it can carry filters with personal data. Keys and tokens
			// are in headers, which are never logged. The line is built from attributes
			// directly, not through the request's logger: a logger With the request id would
			// cost its own allocations on every request, and this line is the only one most
			// requests log.
			attrs := [...]slog.Attr{slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", loggedPath(r)),
				slog.String("route", route), slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes),
				slog.Float64("duration_ms", float64(d.Microseconds())/1000), slog.String("key", info.key), slog.String("profile", info.profile)}
			n := len(attrs)
			if info.key == "" {
				n -= 2
			}
			g.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs[:n]...)
		}()
		// The passthrough, by far the busiest route, skips the router when its path is
		// already clean (the router would only redirect an unclean one).
		if p := r.URL.Path; isAPIPath([]byte(p)) && !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
			r.Pattern = apiRoute(p)
			g.api.ServeHTTP(sw, r)
			return
		}
		if r.RequestURI == "*" {
			// ServeMux answers the asterisk form (net/http itself answers OPTIONS *) with a
			// bare 400; the gateway's errors are Apple's shape.
			writeError(sw, r, http.StatusBadRequest, "PARAMETER_ERROR.INVALID", "Invalid request target",
				"the request target * names no resource; send a path such as /v1/apps")
			return
		}
		next.ServeHTTP(sw, r)
	})
}
