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

func (fl field) jsonValue() (any, error) {
	if fl.typed {
		return typedValue(fl.value)
	}
	return fl.value, nil
}

// buildBody nests keys written as a[b][c] into objects: -f data[type]=apps
// -f data[attributes][name]=X gives {"data":{"type":"apps","attributes":{"name":"X"}}}.
// A key ending in [] appends to an array.
func buildBody(fields []field) ([]byte, error) {
	root := map[string]any{}
	for _, fl := range fields {
		path, err := keyPath(fl.key)
		if err != nil {
			return nil, err
		}
		v, err := fl.jsonValue()
		if err != nil {
			return nil, err
		}
		if err := setPath(root, path, v, fl.key); err != nil {
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

func setPath(m map[string]any, path []string, v any, key string) error {
	head := path[0]
	if len(path) == 1 {
		m[head] = v
		return nil
	}
	if path[1] == "" && len(path) == 2 {
		arr, _ := m[head].([]any)
		m[head] = append(arr, v)
		return nil
	}
	next, ok := m[head].(map[string]any)
	if !ok {
		if _, exists := m[head]; exists {
			return cli.UsageErrorf("field key %q conflicts with an earlier field that set %q to a value", key, head)
		}
		next = map[string]any{}
		m[head] = next
	}
	return setPath(next, path[1:], v, key)
}
