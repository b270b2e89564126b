package apicall

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/ascend-tools/ascend/internal/spec"
)

// checkBody checks a JSON:API request body against the operation's request model: the
// resource type, the id when required, attribute and relationship names, enum values and
// JSON types, and what a create must carry. It returns one problem per mistake.
func checkBody(op *spec.Operation, body []byte) []Problem {
	entity := func(code, pointer, kind, format string, args ...any) Problem {
		return Problem{Status: http.StatusConflict, Code: code, Pointer: pointer, Kind: kind, Detail: fmt.Sprintf(format, args...)}
	}
	if op.RequestSchema == "" {
		if len(bytes.TrimSpace(body)) > 0 {
			// Apple's spec declares no body here; sending one is a mistake (often fields
			// meant as query parameters), not something to leave for the server to ignore.
			return []Problem{entity(CodeEntity, "", KindNoBody, "%s takes no body", op.ID)}
		}
		return nil
	}
	model, ok := spec.RequestBody(op.RequestSchema)
	if !ok {
		return nil
	}
	if len(body) == 0 {
		return []Problem{entity(CodeEntity, "", KindNeedsBody, "%s needs a %s body", op.ID, op.RequestSchema)}
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return []Problem{entity(CodeEntity, "", "", "the body is not a JSON object: %v", err)}
	}
	data, ok := doc["data"]
	if !ok {
		return []Problem{entity(CodeEntity, "/data", "", "the body has no \"data\"; %s expects {\"data\": {\"type\": %q, ...}}", op.RequestSchema, model.Type)}
	}
	trimmed := strings.TrimSpace(string(data))
	if strings.HasPrefix(trimmed, "[") {
		var items []map[string]json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return []Problem{entity(CodeEntity, "/data", "", "data is not an array of resource identifiers: %v", err)}
		}
		var problems []Problem
		for i, it := range items {
			problems = append(problems, checkType(fmt.Sprintf("data[%d]", i), fmt.Sprintf("/data/%d/type", i), it, model.Type)...)
		}
		return problems
	}
	if trimmed == "null" {
		return nil
	}
	var res map[string]json.RawMessage
	if err := json.Unmarshal(data, &res); err != nil {
		return []Problem{entity(CodeEntity, "/data", "", "data is not a JSON object: %v", err)}
	}
	problems := checkType("data", "/data/type", res, model.Type)
	if model.IDRequired {
		if _, ok := res["id"]; !ok {
			problems = append(problems, entity(CodeAttributeRequired, "/data/id", "", "data.id is required: set it to the id in the path"))
		}
	}
	if len(model.Attributes) == 0 && len(model.Relationships) == 0 {
		return problems
	}
	var attrs map[string]json.RawMessage
	if raw, ok := res["attributes"]; ok {
		if err := json.Unmarshal(raw, &attrs); err != nil {
			problems = append(problems, entity(CodeEntity, "/data/attributes", "", "data.attributes is not a JSON object"))
		}
	}
	for _, name := range sortedNames(attrs) {
		field, ok := model.Attributes[name]
		if !ok {
			problems = append(problems, entity(CodeAttributeUnknown, "/data/attributes/"+name, "",
				"'%s' is not an attribute of %s; allowed: %s", name, model.Type, strings.Join(sortedNames(model.Attributes), ", ")))
			continue
		}
		if p, ok := checkField(name, field, attrs[name]); ok {
			problems = append(problems, p)
		}
	}
	for _, name := range model.RequiredAttributes {
		if _, ok := attrs[name]; !ok {
			problems = append(problems, entity(CodeAttributeRequired, "/data/attributes/"+name, "", "data.attributes.%s is required by %s", name, op.RequestSchema))
		}
	}
	var rels map[string]json.RawMessage
	if raw, ok := res["relationships"]; ok {
		if err := json.Unmarshal(raw, &rels); err != nil {
			problems = append(problems, entity(CodeEntity, "/data/relationships", "", "data.relationships is not a JSON object"))
		}
	}
	for _, name := range sortedNames(rels) {
		if _, ok := model.Relationships[name]; !ok {
			allowed := strings.Join(sortedNames(model.Relationships), ", ")
			if allowed == "" {
				allowed = "none"
			}
			problems = append(problems, entity(CodeRelationshipUnknown, "/data/relationships/"+name, "",
				"'%s' is not a relationship %s accepts; allowed: %s", name, op.RequestSchema, allowed))
		}
	}
	for _, name := range model.RequiredRelationships {
		if _, ok := rels[name]; !ok {
			problems = append(problems, entity(CodeRelationshipRequired, "/data/relationships/"+name, "", "data.relationships.%s is required by %s", name, op.RequestSchema))
		}
	}
	return problems
}

func checkType(where, pointer string, res map[string]json.RawMessage, want string) []Problem {
	if want == "" {
		return nil
	}
	raw, ok := res["type"]
	if !ok {
		return []Problem{{Status: http.StatusConflict, Code: CodeAttributeRequired, Pointer: pointer,
			Detail: fmt.Sprintf("%s.type is required: set it to %q", where, want)}}
	}
	var got string
	if json.Unmarshal(raw, &got) != nil || got != want {
		return []Problem{{Status: http.StatusConflict, Code: CodeEntity, Pointer: pointer,
			Detail: fmt.Sprintf("%s.type is %s; it must be %q", where, strings.TrimSpace(string(raw)), want)}}
	}
	return nil
}

// checkField compares one attribute value with its model; null always passes (it unsets).
func checkField(name string, f *spec.Field, raw json.RawMessage) (Problem, bool) {
	var v any
	if json.Unmarshal(raw, &v) != nil || v == nil || f == nil {
		return Problem{}, false
	}
	pointer := "/data/attributes/" + name
	kind := jsonKind(v)
	want := f.Type
	if want == "integer" {
		want = "number"
	}
	if want != "" && kind != want {
		return Problem{Status: http.StatusConflict, Code: CodeAttributeInvalid, Pointer: pointer, Kind: KindType,
			Detail: fmt.Sprintf("attribute '%s' must be a %s, got a %s", name, f.Type, kind)}, true
	}
	if s, ok := v.(string); ok && len(f.Enum) > 0 && !slices.Contains(f.Enum, s) {
		return Problem{Status: http.StatusConflict, Code: CodeAttributeInvalid, Pointer: pointer,
			Detail: fmt.Sprintf("'%s' is not a valid value for attribute '%s'; allowed values: %s", s, name, strings.Join(f.Enum, ", "))}, true
	}
	return Problem{}, false
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	}
	return "object"
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
