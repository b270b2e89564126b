package api

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/ascend-tools/ascend/internal/cli"
)

// field is one -f (string) or -F (typed) key=value.
type field struct {
	key, value string
	typed      bool
}

func parseFields(raw []string, typed bool) ([]field, error) {
	flag := "-f"
	if typed {
		flag = "-F"
	}
	out := make([]field, 0, len(raw))
	for _, s := range raw {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return nil, cli.UsageErrorf("%s %q is not key=value", flag, s)
		}
		out = append(out, field{key: k, value: v, typed: typed})
	}
	return out, nil
}

// typedValue gives -F values their JSON type: true, false, null, numbers, and @file for a
// file's contents; anything else stays a string.
func typedValue(v string) (any, error) {
	switch v {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		return n, nil
	}
	if path, ok := strings.CutPrefix(v, "@"); ok {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read -F value %s: %v", v, err)
		}
		return string(b), nil
	}
	return v, nil
}

// jsonValue is the field's value encoded as JSON.
func (fl field) jsonValue() (json.RawMessage, error) {
	var v any = fl.value
	if fl.typed {
		var err error
		if v, err = typedValue(fl.value); err != nil {
			return nil, err
		}
	}
	return json.Marshal(v)
}

// buildBody nests keys written as a[b][c] into objects: -f data[type]=apps
// -f data[attributes][name]=X gives {"data":{"type":"apps","attributes":{"name":"X"}}}.
// A key ending in [] appends to an array. Members come in the order the fields first named
// them, so the body reads as the command line does.
func buildBody(fields []field) ([]byte, error) {
	root := &object{}
	for _, fl := range fields {
		path, err := keyPath(fl.key)
		if err != nil {
			return nil, err
		}
		v, err := fl.jsonValue()
		if err != nil {
			return nil, err
		}
		if err := root.set(path, v, fl.key); err != nil {
			return nil, err
		}
	}
	return json.Marshal(root)
}

func keyPath(key string) ([]string, error) {
	name, rest, _ := strings.Cut(key, "[")
	path := []string{name}
	if rest == "" && !strings.Contains(key, "[") {
		return path, nil
	}
	rest = "[" + rest
	for rest != "" {
		if rest[0] != '[' {
			return nil, cli.UsageErrorf("field key %q is malformed: write nested keys as a[b][c]", key)
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return nil, cli.UsageErrorf("field key %q is malformed: a '[' has no matching ']'", key)
		}
		path = append(path, rest[1:end])
		rest = rest[end+1:]
	}
	return path, nil
}

// object is a JSON object of the body, its members in the order first set.
type object struct{ members []*member }

// member is one name of an object with its value: exactly one of a value, an array of
// values (key[]=) or an object (key[name]=).
type member struct {
	name  string
	value json.RawMessage
	items []json.RawMessage
	obj   *object
}

// member returns the member called name, adding an empty one at the end when there is none.
func (o *object) member(name string) (m *member, existed bool) {
	for _, m := range o.members {
		if m.name == name {
			return m, true
		}
	}
	m = &member{name: name}
	o.members = append(o.members, m)
	return m, false
}

// set puts v at path. A later plain value or array replaces what an earlier field set there;
// nesting under a name an earlier field gave a value or an array is a usage error.
func (o *object) set(path []string, v json.RawMessage, key string) error {
	m, existed := o.member(path[0])
	switch {
	case len(path) == 1:
		*m = member{name: m.name, value: v}
		return nil
	case path[1] == "" && len(path) == 2:
		items := m.items
		if m.obj != nil || m.value != nil {
			items = nil
		}
		*m = member{name: m.name, items: append(items, v)}
		return nil
	}
	if m.obj == nil {
		if existed {
			return cli.UsageErrorf("field key %q conflicts with an earlier field that set %q to a value", key, path[0])
		}
		m.obj = &object{}
	}
	return m.obj.set(path[1:], v, key)
}

// MarshalJSON writes the object with its members in order.
func (o *object) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, m := range o.members {
		if i > 0 {
			b = append(b, ',')
		}
		name, err := json.Marshal(m.name)
		if err != nil {
			return nil, err
		}
		b = append(append(b, name...), ':')
		switch {
		case m.obj != nil:
			inner, err := m.obj.MarshalJSON()
			if err != nil {
				return nil, err
			}
			b = append(b, inner...)
		case m.items != nil:
			b = append(b, '[')
			for j, it := range m.items {
				if j > 0 {
					b = append(b, ',')
				}
				b = append(b, it...)
			}
			b = append(b, ']')
		default:
			b = append(b, m.value...)
		}
	}
	return append(b, '}'), nil
}
