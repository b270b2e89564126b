package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Faults are the failures and delays the sandbox injects, so clients' retries, backoff and
// timeouts can be exercised offline. Rates are probabilities between 0 and 1 per request.
type Faults struct {
	// Latency is added before every API answer, plus up to Jitter at random.
	Latency time.Duration
	Jitter  time.Duration
	// Rate500 and Rate503 answer that share of API requests with 500 UNEXPECTED_ERROR or 503.
	Rate500 float64
	Rate503 float64
	// DropRate closes that share of connections without an answer.
	DropRate float64
	// UploadPartDelay slows each upload part (presigned-URL PUT) by this much.
	UploadPartDelay time.Duration
	// Rules are the deterministic faults, checked before the random ones.
	Rules []FaultRule
}

// faultsJSON is the wire form of Faults for POST /sandbox/faults: durations in milliseconds.
type faultsJSON struct {
	LatencyMS         *float64 `json:"latency_ms,omitempty"`
	JitterMS          *float64 `json:"jitter_ms,omitempty"`
	Rate500           *float64 `json:"rate_500,omitempty"`
	Rate503           *float64 `json:"rate_503,omitempty"`
	DropRate          *float64 `json:"drop_rate,omitempty"`
	UploadPartDelayMS *float64 `json:"upload_part_delay_ms,omitempty"`
	// Rules, when present, replace the rules (their counts start again); [] clears them.
	Rules *[]faultRuleJSON `json:"rules,omitempty"`
}

func ms(d time.Duration) *float64 { v := float64(d) / float64(time.Millisecond); return &v }

// MarshalJSON writes durations as milliseconds, the form POST /sandbox/faults accepts.
func (f Faults) MarshalJSON() ([]byte, error) {
	j := faultsJSON{
		LatencyMS: ms(f.Latency), JitterMS: ms(f.Jitter), Rate500: &f.Rate500, Rate503: &f.Rate503,
		DropRate: &f.DropRate, UploadPartDelayMS: ms(f.UploadPartDelay),
	}
	if len(f.Rules) > 0 { // left out without rules, so the document stays a map of numbers
		rules := make([]faultRuleJSON, 0, len(f.Rules))
		for _, r := range f.Rules {
			rules = append(rules, faultRuleJSON{FaultRule: r, DelayMS: *ms(r.Delay)})
		}
		j.Rules = &rules
	}
	return json.Marshal(j)
}

// rules decodes the wire form of the rules.
func (j faultsJSON) rules() []FaultRule {
	var out []FaultRule
	for _, r := range *j.Rules {
		r.Delay = time.Duration(r.DelayMS * float64(time.Millisecond))
		out = append(out, r.FaultRule)
	}
	return out
}

// apply updates only the fields present in the request, so a test can turn one fault on
// without restating the others.
func (f *Faults) apply(j faultsJSON) {
	dur := func(v *float64, d *time.Duration) {
		if v != nil {
			*d = time.Duration(*v * float64(time.Millisecond))
		}
	}
	dur(j.LatencyMS, &f.Latency)
	dur(j.JitterMS, &f.Jitter)
	dur(j.UploadPartDelayMS, &f.UploadPartDelay)
	for _, p := range []struct {
		v *float64
		d *float64
	}{{j.Rate500, &f.Rate500}, {j.Rate503, &f.Rate503}, {j.DropRate, &f.DropRate}} {
		if p.v != nil {
			*p.d = min(max(*p.v, 0), 1)
		}
	}
}

// SetFaults replaces the injected faults, rules included (whose counts start again). Rules
// that make no sense are dropped with a logged error; SetFaultRules reports them instead.
func (s *Server) SetFaults(f Faults) {
	if err := checkRules(f.Rules); err != nil {
		s.log.Error("sandbox: faults", "err", err)
		f.Rules = nil
	}
	s.mu.Lock()
	s.faults = f
	s.setRulesLocked(f.Rules)
	s.mu.Unlock()
}

func (s *Server) currentFaults() Faults {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.faults
}

// sleep waits d or until the request is abandoned.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (f Faults) delay() time.Duration {
	d := f.Latency
	if f.Jitter > 0 {
		d += rand.N(f.Jitter)
	}
	return d
}

// latency is the wait before an API answer: Options.Latency (plus up to LatencyJitter),
// then the current faults' latency on top.
func (s *Server) latency(f Faults) time.Duration {
	d := s.opts.Latency + f.delay()
	if s.opts.LatencyJitter > 0 {
		d += rand.N(s.opts.LatencyJitter)
	}
	return d
}

// FaultRule is a deterministic fault: it matches requests by method and spec route (or
// operation id) and, for the next Times matching requests (0: all of them) or every Every-th
// one (after Skip), answers Status with Apple's error body, drops the connection, or delays the answer,
// either before the request is handled (nothing happens) or, with After, once the request has
// taken effect (the client cannot know it did). Rules are checked in order; the first whose
// turn it is acts. A rule for processing (Processing) makes the assets committed while it is
// in force end FAILED when processed, as App Store Connect's processing sometimes does.
// Call, set by a test in process, runs at the moment the rule acts (before the fault), as a
// kill -9 of the client at its n-th write.
type FaultRule struct {
	// Method is the request method ("" any; several as "POST|PATCH").
	Method string `json:"method,omitempty"`
	// Route is a path template of Apple's spec ("/v1/appScreenshots/{id}"), or
	// "/sandbox/upload/{token}/{part}" for upload parts, or "/sandbox/assets/{token}/{file}"
	// for the processed images clients download (Apple's CDN); Operation is an operation id
	// ("appScreenshots_createInstance") instead. Neither: every request.
	Route     string `json:"route,omitempty"`
	Operation string `json:"operation,omitempty"`
	// After acts once the request has been handled and its write has taken effect.
	After bool `json:"after,omitempty"`

	// The fault: Status (400-599, with Apple's error body for it; Code and Detail replace
	// the body's), Drop (close the connection without an answer) or Delay (answer late).
	Status int           `json:"status,omitempty"`
	Code   string        `json:"code,omitempty"`
	Detail string        `json:"detail,omitempty"`
	Drop   bool          `json:"drop,omitempty"`
	Delay  time.Duration `json:"-"`
	// Call runs when the rule acts, before its fault answers: before the request is handled
	// or, with After, once its write has taken effect. It is how a test acts at that exact
	// moment (send SIGKILL to the client process and wait for it to die, then Drop). It
	// cannot be set over HTTP.
	Call func(*http.Request) `json:"-"`

	// Processing makes committed assets (of FileName, when given) fail processing instead
	// of matching requests.
	Processing bool   `json:"processing,omitempty"`
	FileName   string `json:"file_name,omitempty"`

	// Skip lets that many matching requests through first; then the rule acts on the next
	// one and, with Every n, on every n-th after it (0 or 1: on each); Times bounds how often
	// it acts (0: no bound).
	Skip  int `json:"skip,omitempty"`
	Every int `json:"every,omitempty"`
	Times int `json:"times,omitempty"`
}

// faultRuleJSON adds the wire form of Delay and the counts GET /sandbox/faults reports.
type faultRuleJSON struct {
	FaultRule
	DelayMS float64 `json:"delay_ms,omitempty"`
	Matched int     `json:"matched"`
	Acted   int     `json:"acted"`
}

// ruleState is a rule with its counts.
type ruleState struct {
	FaultRule
	matched, acted int
}

const (
	uploadRoute = "/sandbox/upload/{token}/{part}"
	assetRoute  = "/sandbox/assets/{token}/{file}"
)

// check says what is wrong with a rule, in a sentence, or "".
func (r FaultRule) check() string {
	if r.Route != "" && r.Operation != "" {
		return "give a route or an operation, not both"
	}
	if r.Route != "" && r.Route != uploadRoute && r.Route != assetRoute && !knownRoute(r.Route) {
		hint := ""
		if near := specSuggest("GET", r.Route); near != "" {
			hint = " (did you mean " + near + "?)"
		}
		return fmt.Sprintf("route %q is no path of Apple's spec%s; use a template such as /v1/apps/{id}", r.Route, hint)
	}
	if r.Operation != "" {
		if _, ok := specByID(r.Operation); !ok {
			return fmt.Sprintf("operation %q is no operation id of Apple's spec", r.Operation)
		}
	}
	for m := range strings.SplitSeq(r.Method, "|") {
		if !slices.Contains([]string{"", "GET", "POST", "PATCH", "DELETE", "PUT"}, m) {
			return fmt.Sprintf("method %q is not GET, POST, PATCH, DELETE or PUT", m)
		}
	}
	if r.Times < 0 || r.Every < 0 || r.Skip < 0 || r.Delay < 0 {
		return "skip, every, times and delay cannot be negative"
	}
	actions := 0
	for _, on := range []bool{r.Status != 0, r.Drop, r.Delay > 0, r.Processing} {
		if on {
			actions++
		}
	}
	switch {
	case actions != 1:
		return "give exactly one of status, drop, delay_ms or processing"
	case r.Status != 0 && (r.Status < 400 || r.Status > 599):
		return fmt.Sprintf("status %d is not an error status (400-599)", r.Status)
	case r.Processing && (r.Method != "" || r.Route != "" || r.Operation != "" || r.After || r.Call != nil):
		return "a processing rule matches assets by file_name, not requests"
	}
	return ""
}

func knownRoute(route string) bool {
	for _, op := range specOperations() {
		if op.Path == route {
			return true
		}
	}
	return false
}

func checkRules(rules []FaultRule) error {
	for i, r := range rules {
		if why := r.check(); why != "" {
			return fmt.Errorf("sandbox: fault rule %d: %s", i+1, why)
		}
	}
	return nil
}

// SetFaultRules replaces the deterministic faults (their counts start again); a rule that
// makes no sense is refused with an error naming it, and nothing changes.
func (s *Server) SetFaultRules(rules ...FaultRule) error {
	if err := checkRules(rules); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setRulesLocked(rules)
	return nil
}

// setRulesLocked installs rules; callers hold s.mu (which guards s.faults).
func (s *Server) setRulesLocked(rules []FaultRule) {
	s.faults.Rules = slices.Clone(rules)
	states := make([]*ruleState, len(rules))
	for i, r := range rules {
		states[i] = &ruleState{FaultRule: r}
	}
	s.ruleMu.Lock()
	s.rules = states
	s.ruleMu.Unlock()
}

// ruleCounts reports how often each rule matched and acted, for GET /sandbox/faults.
func (s *Server) ruleCounts() [][2]int {
	s.ruleMu.Lock()
	defer s.ruleMu.Unlock()
	out := make([][2]int, len(s.rules))
	for i, r := range s.rules {
		out[i] = [2]int{r.matched, r.acted}
	}
	return out
}

// takeRule finds the rule whose turn it is for a request, counting the match. Upload parts
// have no operation; route is the spec template ("" for a path Apple does not have).
func (s *Server) takeRule(method, route, opID string) *FaultRule {
	s.ruleMu.Lock()
	defer s.ruleMu.Unlock()
	for _, r := range s.rules {
		if r.Processing || !r.matches(method, route, opID) {
			continue
		}
		if r.turn() {
			rule := r.FaultRule
			return &rule
		}
	}
	return nil
}

func (r *ruleState) matches(method, route, opID string) bool {
	if r.Method != "" && !inState(r.Method, method) {
		return false
	}
	if r.Route != "" && r.Route != route {
		return false
	}
	return r.Operation == "" || r.Operation == opID
}

// turn counts a match and reports whether the rule acts on it.
func (r *ruleState) turn() bool {
	r.matched++
	if r.matched <= r.Skip || (r.Times > 0 && r.acted >= r.Times) {
		return false
	}
	if r.Every > 1 && (r.matched-r.Skip-1)%r.Every != 0 {
		return false
	}
	r.acted++
	return true
}

// processingFault reports whether a processing rule fails the asset being committed.
func (s *Server) processingFault(fileName string) bool {
	s.ruleMu.Lock()
	defer s.ruleMu.Unlock()
	for _, r := range s.rules {
		if r.Processing && (r.FileName == "" || r.FileName == fileName) && r.turn() {
			return true
		}
	}
	return false
}

// faultAnswer writes a rule's fault as the answer; it reports false when the fault is only a
// delay (the real answer follows).
func (s *Server) faultAnswer(w http.ResponseWriter, r *http.Request, rule *FaultRule) bool {
	if rule.Call != nil {
		rule.Call(r)
	}
	switch {
	case rule.Delay > 0:
		s.pause(r.Context(), rule.Delay)
		return false
	case rule.Drop:
		dropConnection(w)
	default:
		e := appleError(rule.Status)
		if known, ok := appleErrorsByCode[rule.Code]; ok {
			e.Code, e.Title, e.Detail, e.Links = rule.Code, known.Title, known.Detail, known.Links
		} else if rule.Code != "" {
			e.Code = rule.Code
		}
		if rule.Detail != "" {
			e.Detail = rule.Detail
		}
		if rule.Status == http.StatusTooManyRequests || rule.Status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "1")
		}
		writeErrors(w, rule.Status, e)
	}
	return true
}

// dropConnection closes the connection without an answer, the request counted first.
func dropConnection(w http.ResponseWriter) {
	if rec, ok := w.(*statusRecorder); ok {
		rec.beforeDrop()
	}
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	// Without hijacking (HTTP/2, a recorder) the closest thing is aborting the handler.
	panic(http.ErrAbortHandler)
}

// appleError is the error App Store Connect answers with a status, as its documentation and
// captures show them.
func appleError(status int) apiError {
	switch status {
	case http.StatusBadRequest:
		return newError(status, "PARAMETER_ERROR.INVALID", titleParameter, "A parameter provided in the request is invalid.")
	case http.StatusUnauthorized:
		return newError(status, "NOT_AUTHORIZED", titleNotAuthorized, detailNotAuthorized)
	case http.StatusForbidden:
		return newError(status, "FORBIDDEN_ERROR", titleForbidden, "The API key in use does not allow this request")
	case http.StatusNotFound:
		return newError(status, "NOT_FOUND", titleNotFound, "The specified resource does not exist.")
	case http.StatusConflict:
		return newError(status, "STATE_ERROR", "The request cannot be fulfilled because of the state of another resource.", "The resource is in a state that does not allow this request.")
	case http.StatusTooManyRequests:
		return newError(status, "RATE_LIMIT_EXCEEDED", titleRateLimit, "We've received too many requests for this API. Please wait and try again or slow down your request rate.")
	case http.StatusServiceUnavailable:
		return newError(status, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable.", "The server is currently unable to handle the request. Try again later.")
	case http.StatusInternalServerError:
		return unexpectedError()
	}
	return newError(status, "UNEXPECTED_ERROR", http.StatusText(status), "An unexpected error occurred on the server side. If this issue continues, contact us at https://developer.apple.com/contact/.")
}

// appleErrorsByCode are errors App Store Connect answers in a form of their own, which a
// fault rule naming the code gets whole.
var appleErrorsByCode = map[string]apiError{
	"FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED": {
		Title:  "A required agreement is missing or has expired.",
		Detail: "This request requires an in-effect agreement that has not been signed or has expired.",
		Links:  map[string]string{"see": "/business"},
	},
}

func unexpectedError() apiError {
	return newError(http.StatusInternalServerError, "UNEXPECTED_ERROR", "An unexpected error occurred.",
		"An unexpected error occurred on the server side. If this issue continues, contact us at https://developer.apple.com/contact/.")
}

// heldAnswer keeps a handler's answer from the client while a fault decides what it gets:
// with After, the request is handled in full, then the fault replaces (or delays) its answer.
type heldAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newHeldAnswer() *heldAnswer { return &heldAnswer{header: http.Header{}} }

func (h *heldAnswer) Header() http.Header { return h.header }
func (h *heldAnswer) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}
func (h *heldAnswer) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return h.body.Write(b)
}

// release sends the held answer on.
func (h *heldAnswer) release(w http.ResponseWriter) {
	for k, v := range h.header {
		w.Header()[k] = v
	}
	if h.status == 0 {
		h.status = http.StatusOK
	}
	w.WriteHeader(h.status)
	_, _ = w.Write(h.body.Bytes())
}

// withRule runs a handler under the rule whose turn it is: before (the fault answers and the
// handler never runs) or after (the handler runs against a held answer, then the fault).
func (s *Server) withRule(w http.ResponseWriter, r *http.Request, rule *FaultRule, handle func(http.ResponseWriter)) {
	if rule == nil {
		handle(w)
		return
	}
	if !rule.After {
		if !s.faultAnswer(w, r, rule) {
			handle(w)
		}
		return
	}
	held := newHeldAnswer()
	handle(held)
	if !s.faultAnswer(w, r, rule) {
		held.release(w)
	}
}
