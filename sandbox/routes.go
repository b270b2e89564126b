package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// routes builds the sandbox's handler: admin endpoints under /sandbox/ (never under /v1),
// presigned upload parts, and everything else answered from the operation catalog.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sandbox/stats", s.handleStats)
	mux.HandleFunc("POST /sandbox/reset", s.handleReset)
	mux.HandleFunc("GET /sandbox/faults", s.handleGetFaults)
	mux.HandleFunc("POST /sandbox/faults", s.handleSetFaults)
	mux.HandleFunc("POST /sandbox/feedback", s.handleFeedback)
	mux.HandleFunc("GET /sandbox/clock", s.handleClock)
	mux.HandleFunc("POST /sandbox/clock", s.handleClock)
	mux.Handle("/sandbox/upload/", s.counted(uploadRoute, http.HandlerFunc(s.handleUploadPart)))
	mux.Handle("GET "+assetRoute, s.counted(assetRoute, http.HandlerFunc(s.handleAssetFile)))
	mux.Handle("/", http.HandlerFunc(s.serveAPI))
	return s.logged(mux)
}

// logged writes Options.Logger's debug line for the requests serveAPI does not log itself:
// admin endpoints and upload parts.
func (s *Server) logged(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/sandbox/") {
			h.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			s.log.LogAttrs(r.Context(), slog.LevelDebug, "sandbox request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", rec.status))
		}()
		defer s.recoverPanic(rec, r)
		h.ServeHTTP(rec, r)
	})
}

// statusRecorder remembers the status a handler wrote, for the request counts.
type statusRecorder struct {
	http.ResponseWriter
	status int
	// count records the request once, with its status (0: dropped): when the status is
	// written, before any byte of the answer can reach the client; just before a fault
	// closes the connection; or when the handler returns having written nothing. A client
	// that has its answer, or sees the connection close, finds the request counted.
	count   func(status int)
	counted bool
}

func (r *statusRecorder) record(status int) {
	if !r.counted && r.count != nil {
		r.counted = true
		r.count(status)
	}
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
		r.record(code)
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
		r.record(http.StatusOK)
	}
	return r.ResponseWriter.Write(b)
}

// beforeDrop counts the request as dropped, just before a fault closes the connection.
func (r *statusRecorder) beforeDrop() { r.record(0) }

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// counted wraps a handler with faults and request counting under a fixed route name.
func (s *Server) counted(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, count: func(status int) { s.stats.record(r.Method, route, status) }}
		s.stats.enter(r.Method, route)
		defer func() { rec.record(rec.status) }() // a handler that wrote nothing, or panicked
		defer s.recoverPanic(rec, r)
		s.withRule(rec, r, s.takeRule(r.Method, route, ""), func(w http.ResponseWriter) {
			if !s.injectFault(w, r) {
				h.ServeHTTP(w, r)
			}
		})
	})
}

// recoverPanic turns a panic in a handler into Apple's 500 ErrorResponse (UNEXPECTED_ERROR),
// logged with its stack, so a sandbox bug shows as an answer a client can parse instead of a
// dropped connection. It is deferred directly, so recover sees the handler's panic. A drop
// fault's http.ErrAbortHandler is passed on, and a panic after the status was sent can only
// abort the connection.
func (s *Server) recoverPanic(w *statusRecorder, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	s.log.Error("sandbox: panic serving a request", "method", r.Method, "path", r.URL.Path,
		"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	if w.status != 0 {
		panic(http.ErrAbortHandler)
	}
	writeErrors(w, http.StatusInternalServerError, unexpectedError())
}

// injectFault applies latency and random failures; it reports whether it answered.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request) bool {
	f := s.currentFaults()
	if !strings.HasPrefix(r.URL.Path, "/sandbox/upload/") {
		s.pause(r.Context(), s.latency(f))
	}
	roll := rand.Float64()
	switch {
	case roll < f.DropRate:
		dropConnection(w)
		return true
	case roll < f.DropRate+f.Rate500:
		writeErrors(w, http.StatusInternalServerError, unexpectedError())
		return true
	case roll < f.DropRate+f.Rate500+f.Rate503:
		w.Header().Set("Retry-After", "1")
		writeErrors(w, http.StatusServiceUnavailable, appleError(http.StatusServiceUnavailable))
		return true
	}
	return false
}

func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

// handleReset restores the seed and zeroes the counts and rate budgets; the key is kept, so
// clients stay authenticated across a reset.
func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	if err := s.Reset(); err != nil {
		writeErrors(w, http.StatusInternalServerError, newError(500, "UNEXPECTED_ERROR", "Reset failed", err.Error()))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleClock shows the state-machine clock and, on POST {"advance_ms": n}, moves it, so a
// script driving an out-of-process sandbox can skip a review's wait as Server.Advance does.
func (s *Server) handleClock(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		var body struct {
			AdvanceMS float64 `json:"advance_ms"`
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<12))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil || body.AdvanceMS < 0 {
			writeErrors(w, http.StatusBadRequest, newError(400, "PARAMETER_ERROR.INVALID", "Invalid clock change",
				`Send {"advance_ms": n} with n >= 0.`))
			return
		}
		s.Advance(time.Duration(body.AdvanceMS * float64(time.Millisecond)))
	}
	s.mu.RLock()
	now, offset, pending := s.stateNow(), s.offset, len(s.timers)
	var next any
	if pending > 0 {
		next = s.timers[0].At.UTC().Format(time.RFC3339Nano)
	}
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"now": now.UTC().Format(time.RFC3339Nano), "offset_ms": offset.Milliseconds(), "pending": pending, "next": next,
	})
}

func (s *Server) handleGetFaults(w http.ResponseWriter, r *http.Request) {
	s.writeFaults(w)
}

// writeFaults answers the faults in force, each rule with how often it matched and acted.
func (s *Server) writeFaults(w http.ResponseWriter) {
	f := s.currentFaults()
	raw, _ := json.Marshal(f)
	var doc map[string]any
	_ = json.Unmarshal(raw, &doc)
	counts := s.ruleCounts()
	if rules, ok := doc["rules"].([]any); ok {
		for i, r := range rules {
			if m, ok := r.(map[string]any); ok && i < len(counts) {
				m["matched"], m["acted"] = counts[i][0], counts[i][1]
			}
		}
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *Server) handleSetFaults(w http.ResponseWriter, r *http.Request) {
	var j faultsJSON
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		writeErrors(w, http.StatusBadRequest, newError(400, "PARAMETER_ERROR.INVALID", "Invalid faults",
			"Send a JSON object with latency_ms, jitter_ms, rate_500, rate_503, drop_rate, upload_part_delay_ms, rules: "+err.Error()))
		return
	}
	var rules []FaultRule
	if j.Rules != nil {
		rules = j.rules()
		if err := checkRules(rules); err != nil {
			writeErrors(w, http.StatusBadRequest, newError(400, "PARAMETER_ERROR.INVALID", "Invalid faults", strings.TrimPrefix(err.Error(), "sandbox: ")))
			return
		}
	}
	s.mu.Lock()
	s.faults.apply(j)
	if j.Rules != nil {
		s.setRulesLocked(rules)
	}
	s.mu.Unlock()
	s.writeFaults(w)
}

// maxRequestBody is the largest API request body the sandbox reads (uploads go to part URLs).
const maxRequestBody = 8 << 20

// serveAPI answers an App Store Connect API request: token, rate budget, route, query,
// role, then the operation itself, in the order Apple checks them.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if len(path) > 1 {
		path = strings.TrimRight(path, "/")
	}
	op, params, found := specFind(r.Method, path)
	route := "(unknown)"
	if found {
		route = op.Path
	}
	rec := &statusRecorder{ResponseWriter: w}
	s.stats.enter(r.Method, route)
	defer func() {
		s.stats.record(r.Method, route, rec.status)
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "sandbox request",
			slog.String("method", r.Method), slog.String("path", path), slog.String("route", route), slog.Int("status", rec.status))
	}()
	defer s.recoverPanic(rec, r)
	opID := ""
	if found {
		opID = op.ID
	}
	s.withRule(rec, r, s.takeRule(r.Method, route, opID), func(w http.ResponseWriter) {
		s.answerAPI(w, r, path, op, params, found)
	})
}

// answerAPI is serveAPI's answer once the deterministic faults have let the request through.
func (s *Server) answerAPI(w http.ResponseWriter, r *http.Request, path string, op *Operation, params map[string]string, found bool) {
	if s.injectFault(w, r) {
		return
	}
	key, err := s.verifyToken(r)
	if err != nil {
		s.log.Debug("sandbox: token refused", "reason", err.Error(), "path", path)
		w.Header().Set("X-Rate-Limit", s.peekRate(""))
		writeErrors(w, http.StatusUnauthorized, newError(http.StatusUnauthorized, "NOT_AUTHORIZED", titleNotAuthorized, detailNotAuthorized))
		return
	}
	dec := s.admit(key.id)
	w.Header().Set("X-Rate-Limit", dec.header)
	if dec.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((dec.retryAfter+999_999_999)/1_000_000_000)))
		writeErrors(w, http.StatusTooManyRequests, newError(http.StatusTooManyRequests, "RATE_LIMIT_EXCEEDED", titleRateLimit,
			"We've received too many requests for this API. Please wait and try again or slow down your request rate."))
		return
	}
	if !found {
		methods := specMethods(path)
		if len(methods) == 0 {
			writeHTTPError(w, pathNotFound())
			return
		}
		w.Header().Set("Allow", strings.Join(methods, ", "))
		writeErrors(w, http.StatusMethodNotAllowed, newError(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
			"The request method is not allowed", "The resource at '"+path+"' does not allow '"+r.Method+"'. Allowed methods are: "+strings.Join(methods, ", ")))
		return
	}
	q := r.URL.Query()
	// The cursor of links.next belongs to paged operations (every list in the spec takes
	// limit); on any other it is an unknown parameter, refused as such by the validation.
	cursor := ""
	if paged(op) {
		cursor = q.Get("cursor")
		q.Del("cursor")
	}
	if probs := specValidateQuery(op, q); len(probs) > 0 {
		errs := make([]apiError, 0, len(probs))
		for _, p := range probs {
			errs = append(errs, newError(http.StatusBadRequest, p.Code, titleParameter, p.Detail).parameter(p.Parameter))
		}
		writeErrors(w, http.StatusBadRequest, errs...)
		return
	}
	if key.readOnly && r.Method != http.MethodGet {
		writeErrors(w, http.StatusForbidden, newError(http.StatusForbidden, "FORBIDDEN_ERROR", titleForbidden,
			"The API key in use does not allow this request"))
		return
	}
	req := &apiRequest{r: r, op: op, params: params, query: q, cursor: cursor, base: baseURL(r)}
	if r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodDelete {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
		if err != nil {
			writeErrors(w, http.StatusBadRequest, newError(400, "ENTITY_UNPROCESSABLE", "The request entity could not be read", err.Error()))
			return
		}
		if len(body) > maxRequestBody {
			// Refused whole: a document cut at the limit would be judged on what is left of it
			// (an "empty" body, a JSON syntax error) rather than on its size.
			writeErrors(w, http.StatusUnprocessableEntity, newError(http.StatusUnprocessableEntity, "ENTITY_UNPROCESSABLE",
				"The request entity is not a valid request document object",
				fmt.Sprintf("The request body is larger than %d bytes.", maxRequestBody)))
			return
		}
		req.body = body
	}
	status, doc, herr := s.handle(req)
	if herr != nil {
		writeHTTPError(w, herr)
		return
	}
	if doc == nil {
		w.WriteHeader(status)
		return
	}
	if raw, ok := doc.(rawBody); ok {
		w.Header().Set("Content-Type", raw.contentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(raw.data)))
		w.WriteHeader(status)
		_, _ = w.Write(raw.data)
		return
	}
	writeJSON(w, status, doc)
}

// paged reports whether an operation answers pages, which the spec marks with a limit.
func paged(op *Operation) bool {
	for _, p := range op.Params {
		if p.Name == "limit" {
			return true
		}
	}
	return false
}

// baseURL is the scheme and host links in answers point at: the host the client used.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
