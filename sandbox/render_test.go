package sandbox

import (
	"bytes"
	"testing"
)

// TestAttributesEncodeAsEncodingJSON renders the attributes of every demo resource both
// ways, appended in name order and as a map through encoding/json, with and without a
// fields[] restriction, and wants the same bytes.
func TestAttributesEncodeAsEncodingJSON(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, Options{})
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for typ, tab := range s.st.tables {
		rt := s.mdl.resource(typ)
		if rt == nil {
			continue
		}
		var some []string
		for _, k := range s.mdl.attrNames(rt)[:min(2, len(rt.Attributes))] {
			some = append(some, k)
		}
		for _, lo := range []listOptions{{}, {fields: map[string][]string{typ: some}}} {
			rd := &renderer{s: s, lo: lo}
			for _, r := range tab.list {
				got := rd.appendAttributes(nil, r, s.mdl.attrNames(rt))
				want := marshalNoEscape(rd.attributes(r, rt, rt))
				if !bytes.Equal(got, want) {
					t.Fatalf("%s %s: attributes\n%s\nwant (encoding/json)\n%s", typ, r.ID, got, want)
				}
				n++
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d renders compared", n)
	}
	// Strings encoding/json escapes take its path.
	for _, v := range []any{"a\"b", "a\\b", "line\nbreak", "tab\t", "é", "\u2028", "<&>", "", 1.5, 1e21, true, []any{"x", nil}, map[string]any{"b": 1.0, "a": "<"}} {
		if got, want := appendJSONValue(nil, v), marshalNoEscape(v); !bytes.Equal(got, want) {
			t.Errorf("%#v: %s, encoding/json %s", v, got, want)
		}
	}
}
