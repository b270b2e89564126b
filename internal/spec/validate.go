package spec

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a request's query, in the shape of Apple's error objects:
// Parameter goes to source.parameter, Code is Apple's code, Detail names what is allowed.
type Problem struct {
	Parameter, Code, Detail string
}

// Apple's error codes for query problems.
const (
	// CodeInvalid: a value is not allowed (enum, integer, limit), or a filter does not exist.
	CodeInvalid = "PARAMETER_ERROR.INVALID"
	// CodeIllegal: the parameter cannot be used with this request.
	CodeIllegal = "PARAMETER_ERROR.ILLEGAL"
	// CodeRequired: a required parameter is missing.
	CodeRequired = "PARAMETER_ERROR.REQUIRED"
)

// ValidateQuery checks a request's query against the operation, the way Apple does before
// touching any data: every parameter declared, enum values allowed (each item of a
// comma-separated array), integers well formed and limits within their maximum, required
// parameters present. Problems come sorted by parameter name; nil means the query is valid.
func ValidateQuery(op *Operation, q url.Values) []Problem {
	var problems []Problem
	for _, name := range sortedKeys(q) {
		p, ok := op.Param(name)
		if !ok && name == "cursor" && op.isList() {
			continue
		}
		if !ok {
			problems = append(problems, unknownParam(name))
			continue
		}
		for _, raw := range q[name] {
			items := []string{raw}
			if p.Array {
				items = strings.Split(raw, ",")
			}
			for _, v := range items {
				if pr, bad := checkValue(p, v); bad {
					problems = append(problems, pr)
				}
			}
		}
	}
	for _, p := range op.Params {
		if p.Required && !q.Has(p.Name) {
			problems = append(problems, Problem{Parameter: p.Name, Code: CodeRequired,
				Detail: fmt.Sprintf("the parameter '%s' is required for this request", p.Name)})
		}
	}
	slices.SortStableFunc(problems, func(a, b Problem) int { return strings.Compare(a.Parameter, b.Parameter) })
	return problems
}

// unknownParam words the problem for an undeclared parameter. Apple's documentation answers an
// unknown filter with PARAMETER_ERROR.INVALID ("'x' is not a valid filter type"); any other
// undeclared parameter is PARAMETER_ERROR.ILLEGAL.
func unknownParam(name string) Problem {
	if inner, ok := bracketed(name, "filter"); ok {
		return Problem{Parameter: name, Code: CodeInvalid, Detail: fmt.Sprintf("'%s' is not a valid filter type", inner)}
	}
	return Problem{Parameter: name, Code: CodeIllegal, Detail: fmt.Sprintf("the parameter '%s' can not be used with this request", name)}
}

func bracketed(name, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(name, prefix+"[")
	if !ok || !strings.HasSuffix(rest, "]") {
		return "", false
	}
	return strings.TrimSuffix(rest, "]"), true
}

func checkValue(p *Param, v string) (Problem, bool) {
	invalid := func(format string, args ...any) (Problem, bool) {
		return Problem{Parameter: p.Name, Code: CodeInvalid, Detail: fmt.Sprintf(format, args...)}, true
	}
	if v == "" {
		return invalid("an empty value is not valid for '%s'", p.Name)
	}
	if len(p.Enum) > 0 && !slices.Contains(p.Enum, v) {
		return invalid("'%s' is not a valid value for '%s'; allowed values: %s", v, p.Name, strings.Join(p.Enum, ", "))
	}
	switch p.Type {
	case "integer":
		n, err := strconv.Atoi(v)
		if err != nil {
			return invalid("'%s' is not a valid integer for '%s'", v, p.Name)
		}
		if isLimit(p.Name) && n < 1 {
			return invalid("'%s' must be at least 1", p.Name)
		}
		if p.Maximum > 0 && n > p.Maximum {
			return invalid("'%s' must be at most %d, got %d", p.Name, p.Maximum, n)
		}
	case "number":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return invalid("'%s' is not a valid number for '%s'", v, p.Name)
		}
	case "boolean":
		if v != "true" && v != "false" {
			return invalid("'%s' is not a valid value for '%s'; allowed values: true, false", v, p.Name)
		}
	}
	return Problem{}, false
}

// isList reports whether the operation pages its answer. The spec declares no cursor
// parameter, yet every links.next Apple sends carries one, so list operations accept it.
func (op *Operation) isList() bool {
	_, ok := op.Param("limit")
	return ok && op.Method == "GET"
}

func isLimit(name string) bool {
	return name == "limit" || strings.HasPrefix(name, "limit[")
}

func sortedKeys(q url.Values) []string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
