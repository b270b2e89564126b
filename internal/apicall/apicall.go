// Package apicall is ascend's one generic request path to App Store Connect: a request for any
// operation of Apple's spec, checked against the spec the way Apple would refuse it, then sent
// through asc.Client. `ascend api` and the MCP call tools are thin adapters over it, so both
// refuse exactly the same mistakes with exactly the same words before anything is sent.
//
// Everything else in ascend talks to Apple through asc's typed services; this package is the
// allowed exception, because its paths come from the spec's catalog (or a user's command line)
// and are validated against it before they are used.
package apicall

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/fuzzy"
	"github.com/ascend-tools/ascend/internal/spec"
)

// Request is one request to send: a concrete, escaped path without its query.
type Request struct {
	Method string // upper case
	Path   string
	Query  url.Values
	Body   []byte // nil: no body
	// Accept is the media type asked for: "" for JSON, else the operation's ("text/csv",
	// "application/a-gzip"), which Apple insists on for its non-JSON answers.
	Accept string
}

// Problem is one thing wrong with a request, in the shape of Apple's error object: 400
// PARAMETER_ERROR.* with source.parameter for the query, 409 ENTITY_ERROR.* with
// source.pointer for the body.
type Problem struct {
	Status    int
	Code      string
	Parameter string
	Pointer   string
	Detail    string
	// Kind names problems a front end may add its own advice to (KindNoBody, KindNeedsBody,
	// KindType); "" for the others.
	Kind string
}

// Problem kinds front ends advise on.
const (
	KindNoBody    = "no-body"    // the operation takes no body, one was given
	KindNeedsBody = "needs-body" // the operation needs a body, none was given
	KindType      = "type"       // an attribute has the wrong JSON type
)

// Codes of body problems, as App Store Connect answers them.
const (
	CodeEntity               = "ENTITY_ERROR"
	CodeAttributeUnknown     = "ENTITY_ERROR.ATTRIBUTE.UNKNOWN"
	CodeAttributeInvalid     = "ENTITY_ERROR.ATTRIBUTE.INVALID"
	CodeAttributeRequired    = "ENTITY_ERROR.ATTRIBUTE.REQUIRED"
	CodeRelationshipUnknown  = "ENTITY_ERROR.RELATIONSHIP.UNKNOWN"
	CodeRelationshipRequired = "ENTITY_ERROR.RELATIONSHIP.REQUIRED"
)

// Apple's titles for the two families of problems.
const (
	titleParameter = "A parameter has an invalid value"
	titleEntity    = "The provided entity includes an attribute with an invalid value"
)

// Error is a request refused before it was sent.
type Error struct {
	Method, Path string
	Operation    string // Apple's operationId
	Problems     []Problem
}

// Error reads "invalid request GET /v1/apps (apps_getCollection): detail; detail", or
// "invalid body for ..." when the body is what is wrong.
func (e *Error) Error() string { return e.Format(nil) }

// Format is Error with a front end's advice appended to the problems it knows how to fix.
func (e *Error) Format(advice func(Problem) string) string {
	what := "invalid request"
	if e.BodyProblem() {
		what = "invalid body for"
	}
	return fmt.Sprintf("%s %s %s (%s): %s", what, e.Method, e.Path, e.Operation, strings.Join(e.Details(advice), "; "))
}

// Details are the problems' details one by one, each with a front end's advice appended (for
// a front end that prints one problem a line).
func (e *Error) Details(advice func(Problem) string) []string {
	msgs := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		msg := p.Detail
		if advice != nil {
			msg += advice(p)
		}
		msgs = append(msgs, msg)
	}
	return msgs
}

// BodyProblem reports whether the body is what is wrong (a 409 as Apple answers it).
func (e *Error) BodyProblem() bool {
	for _, p := range e.Problems {
		if p.Status == http.StatusConflict {
			return true
		}
	}
	return false
}

// Subject names what has the problems: "GET /v1/apps (apps_getCollection)", or "the body of
// POST /v1/apps (apps_createInstance)".
func (e *Error) Subject() string {
	s := fmt.Sprintf("%s %s (%s)", e.Method, e.Path, e.Operation)
	if e.BodyProblem() {
		s = "the body of " + s
	}
	return s
}

// Status is the HTTP status App Store Connect would have answered with.
func (e *Error) Status() int {
	if len(e.Problems) > 0 && e.Problems[0].Status != 0 {
		return e.Problems[0].Status
	}
	return http.StatusBadRequest
}

// APIErrors renders the problems as Apple's error objects.
func (e *Error) APIErrors() []asc.APIError {
	out := make([]asc.APIError, 0, len(e.Problems))
	for _, p := range e.Problems {
		ae := asc.APIError{Status: fmt.Sprint(p.Status), Code: p.Code, Title: titleParameter, Detail: p.Detail}
		if p.Status == http.StatusConflict {
			ae.Title = titleEntity
		}
		switch {
		case p.Parameter != "":
			ae.Source = &asc.ErrorSource{Parameter: p.Parameter}
		case p.Pointer != "":
			ae.Source = &asc.ErrorSource{Pointer: p.Pointer}
		}
		out = append(out, ae)
	}
	return out
}

// UnknownPathError is a path no operation serves with the method.
type UnknownPathError struct {
	Method, Path string
	Allowed      []string // the methods the path does serve, if any
	Suggestion   string   // the nearest known path, or ""
}

func (e *UnknownPathError) Error() string {
	switch {
	case len(e.Allowed) > 0:
		return fmt.Sprintf("%s is not allowed on %s: use %s", e.Method, e.Path, strings.Join(e.Allowed, ", "))
	case e.Suggestion != "":
		return fmt.Sprintf("unknown path %s: did you mean %s?", e.Path, e.Suggestion)
	}
	return fmt.Sprintf("unknown path %s: no App Store Connect operation matches", e.Path)
}

// Resolve finds the operation serving method on a concrete path (HEAD is served as GET).
func Resolve(method, path string) (*spec.Operation, error) {
	m := method
	if m == http.MethodHead {
		m = http.MethodGet
	}
	op, _, ok := spec.Find(m, path)
	if ok {
		return op, nil
	}
	return nil, &UnknownPathError{Method: method, Path: path, Allowed: spec.Methods(path), Suggestion: spec.Suggest(m, path)}
}

// Check validates a request for op as Apple would before touching any data: the query first
// (every parameter declared, enum values, integers and maxima, required ones present), then,
// for writes, the body against the operation's request model. It returns nil or an *Error.
func Check(op *spec.Operation, req *Request) error {
	fail := func(problems []Problem) error {
		return &Error{Method: req.Method, Path: req.Path, Operation: op.ID, Problems: problems}
	}
	if qp := spec.ValidateQuery(op, req.Query); len(qp) > 0 {
		problems := make([]Problem, 0, len(qp))
		for _, p := range qp {
			detail := p.Detail
			switch {
			case strings.HasSuffix(p.Detail, "is not a valid filter type"):
				detail += filterAdvice(op, p.Parameter)
			case p.Code == spec.CodeIllegal:
				if near := nearestParam(op, p.Parameter); near != "" {
					detail += fmt.Sprintf(" (did you mean '%s'?)", near)
				}
			}
			problems = append(problems, Problem{Status: http.StatusBadRequest, Code: p.Code, Parameter: p.Parameter, Detail: detail})
		}
		return fail(problems)
	}
	switch req.Method {
	case http.MethodPost, http.MethodPatch, http.MethodDelete:
		if req.Body != nil || op.RequestSchema != "" {
			if problems := checkBody(op, req.Body); len(problems) > 0 {
				return fail(problems)
			}
		}
	}
	return nil
}

// Send makes the request through c, signed, under c's retry policy and rate budget (POST is
// never retried). The caller closes the body on success.
func Send(ctx context.Context, c *asc.Client, req *Request) (io.ReadCloser, *asc.Response, error) {
	var body any
	if req.Body != nil {
		body = req.Body
	}
	return c.DoRaw(ctx, req.Method, req.Path, req.Query, body, req.Accept)
}

// PathOf fills op's path template with params, each escaped as one path segment. Every
// placeholder needs a non-empty value and no other value is accepted.
func PathOf(op *spec.Operation, params map[string]string) (string, error) {
	segs := strings.Split(op.Path, "/")
	used := 0
	var missing []string
	for i, s := range segs {
		name, ok := strings.CutPrefix(s, "{")
		if !ok {
			continue
		}
		name = strings.TrimSuffix(name, "}")
		v, ok := params[name]
		if !ok || v == "" {
			missing = append(missing, name)
			continue
		}
		used++
		segs[i] = url.PathEscape(v)
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("%s needs the path parameter %s (its path is %s)", op.ID, strings.Join(missing, ", "), op.Path)
	}
	if used != len(params) {
		want := PathParams(op)
		for name := range params {
			if !slices.Contains(want, name) {
				if len(want) == 0 {
					return "", fmt.Errorf("%s takes no path parameters, got %q", op.ID, name)
				}
				return "", fmt.Errorf("%q is not a path parameter of %s; it takes %s", name, op.ID, strings.Join(want, ", "))
			}
		}
	}
	return strings.Join(segs, "/"), nil
}

// PathParams lists the placeholders of op's path template in order.
func PathParams(op *spec.Operation) []string {
	var out []string
	for _, s := range strings.Split(op.Path, "/") {
		if name, ok := strings.CutPrefix(s, "{"); ok {
			out = append(out, strings.TrimSuffix(name, "}"))
		}
	}
	return out
}

// filterAdvice names, after an unknown filter, the closest filter the operation takes (a
// relationship's filter ending in the name counts: filter[platform] on /v1/apps is
// filter[appStoreVersions.platform]) and every filter it takes.
func filterAdvice(op *spec.Operation, param string) string {
	name := strings.TrimSuffix(strings.TrimPrefix(param, "filter["), "]")
	var filters []string
	near, nearD := "", 0
	for _, p := range op.Params {
		inner, ok := strings.CutPrefix(p.Name, "filter[")
		if !ok {
			continue
		}
		inner = strings.TrimSuffix(inner, "]")
		filters = append(filters, p.Name)
		d := fuzzy.Distance(strings.ToLower(name), strings.ToLower(inner))
		if strings.HasSuffix(strings.ToLower(inner), "."+strings.ToLower(name)) {
			d = 0
		}
		if near == "" || d < nearD {
			near, nearD = p.Name, d
		}
	}
	if len(filters) == 0 {
		return fmt.Sprintf(" (%s takes no filters)", op.ID)
	}
	out := " ("
	if nearD <= max(2, len(name)/3) {
		out += fmt.Sprintf("did you mean '%s'? ", near)
	}
	return out + "valid filters: " + strings.Join(filters, ", ") + ")"
}

// nearestParam suggests the declared parameter closest to name, or "".
func nearestParam(op *spec.Operation, name string) string {
	best, bestD := "", 0
	for _, p := range op.Params {
		d := fuzzy.Distance(strings.ToLower(name), strings.ToLower(p.Name))
		if best == "" || d < bestD {
			best, bestD = p.Name, d
		}
	}
	if best == "" || bestD > max(2, len(name)/3) {
		return ""
	}
	return best
}
