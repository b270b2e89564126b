package products

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// shape is the structure of the catalog's JSON, taken from the Go types by reflection, so
// that the shape check, the JSON Schema and the types cannot disagree.
type shape struct {
	kind   string // object, array, map, string, boolean, integer
	name   string // Go type name of an object ("InAppPurchase")
	fields []*shapeField
	elem   *shape // array items, map values
}

type shapeField struct {
	json     string
	required bool // neither omitempty nor omitzero in the tag
	shape    *shape
}

func (s *shape) field(name string) *shapeField {
	for _, f := range s.fields {
		if f.json == name {
			return f
		}
	}
	return nil
}

func (s *shape) fieldNames() []string {
	names := make([]string, len(s.fields))
	for i, f := range s.fields {
		names[i] = f.json
	}
	return names
}

// catalogShape is the shape of a Catalog; it is never changed after it is built.
var catalogShape = shapeOf(reflect.TypeFor[Catalog]())

func shapeOf(t reflect.Type) *shape {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return &shape{kind: "string"}
	case reflect.Bool:
		return &shape{kind: "boolean"}
	case reflect.Int:
		return &shape{kind: "integer"}
	case reflect.Slice:
		return &shape{kind: "array", elem: shapeOf(t.Elem())}
	case reflect.Map:
		return &shape{kind: "map", elem: shapeOf(t.Elem())}
	case reflect.Struct:
		s := &shape{kind: "object", name: t.Name()}
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			if name == "" || name == "-" {
				continue
			}
			s.fields = append(s.fields, &shapeField{json: name, required: !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero"), shape: shapeOf(f.Type)})
		}
		return s
	}
	panic(fmt.Sprintf("products: no JSON shape for %s", t))
}

// checkShape lists the values of raw (decoded with UseNumber) that do not fit s: unknown
// fields and values of the wrong type. null is accepted anywhere and means "absent".
func checkShape(raw any, s *shape, path string) []Problem {
	if raw == nil {
		return nil
	}
	wrong := func(want string) []Problem {
		return []Problem{{Path: path, Message: fmt.Sprintf("expected %s, found %s", want, describeJSON(raw))}}
	}
	switch s.kind {
	case "string":
		if _, ok := raw.(string); !ok {
			return wrong("a string")
		}
	case "boolean":
		if _, ok := raw.(bool); !ok {
			return wrong("true or false")
		}
	case "integer":
		n, ok := raw.(json.Number)
		if !ok {
			return wrong("a whole number")
		}
		if _, err := n.Int64(); err != nil {
			return wrong("a whole number")
		}
	case "array":
		items, ok := raw.([]any)
		if !ok {
			return wrong("a list")
		}
		var problems []Problem
		for i, it := range items {
			problems = append(problems, checkShape(it, s.elem, path+"["+label(it, i)+"]")...)
		}
		return problems
	case "map":
		obj, ok := raw.(map[string]any)
		if !ok {
			return wrong("an object")
		}
		var problems []Problem
		for _, k := range sortedKeys(obj) {
			problems = append(problems, checkShape(obj[k], s.elem, path+"["+k+"]")...)
		}
		return problems
	case "object":
		obj, ok := raw.(map[string]any)
		if !ok {
			return wrong("an object")
		}
		var problems []Problem
		for _, k := range sortedKeys(obj) {
			f := s.field(k)
			if f == nil {
				problems = append(problems, Problem{Path: join(path, k), Message: "unknown field; " + nearField(k, s.fieldNames())})
				continue
			}
			problems = append(problems, checkShape(obj[k], f.shape, join(path, k))...)
		}
		return problems
	}
	return nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// labelKeys name a list item in problem paths, in this order of preference.
var labelKeys = []string{"productId", "offerCode", "offerId", "referenceName", "startDate"}

// label names a list item by its identifying field (a product id), else by its index.
func label(item any, i int) string {
	if obj, ok := item.(map[string]any); ok {
		for _, k := range labelKeys {
			if s, ok := obj[k].(string); ok && s != "" {
				return s
			}
		}
	}
	return fmt.Sprint(i)
}

func describeJSON(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprint(x)
	case json.Number:
		return "the number " + x.String()
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%v", v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// nearField suggests the field a misspelt one meant (another case, a letter or two short or
// long), else lists them all.
func nearField(name string, known []string) string {
	lower := strings.ToLower(name)
	for _, k := range known {
		kl := strings.ToLower(k)
		if kl == lower || (len(kl)-len(lower) <= 2 && len(lower)-len(kl) <= 2 && len(lower) > 2 &&
			(strings.HasPrefix(kl, lower) || strings.HasPrefix(lower, kl))) {
			return fmt.Sprintf("did you mean %q?", k)
		}
	}
	return "expected one of " + strings.Join(known, ", ")
}
