package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The wire* types mirror the compact JSON that internal/spec decodes at first use. Keeping the
// catalog as one string constant instead of Go composite literals makes the package compile in
// a fraction of a second and costs a few milliseconds to load, only when something asks.

type wireCatalog struct {
	Strs   [][]string  `json:"strs"`
	Fields []wireField `json:"fields"`
	Ops    []wireOp    `json:"ops"`
	Res    []wireRes   `json:"res"`
	Bodies []wireBody  `json:"bodies"`
	Items  []wireItem  `json:"items"`
}

type wireField struct {
	T string         `json:"t,omitempty"`
	F string         `json:"f,omitempty"`
	E int            `json:"e,omitempty"`
	I int            `json:"i,omitempty"`
	P map[string]int `json:"p,omitempty"`
	R []string       `json:"r,omitempty"`
}

type wireOp struct {
	I string      `json:"i"`
	M string      `json:"m"`
	P string      `json:"p"`
	G string      `json:"g"`
	D bool        `json:"d,omitempty"`
	Q string      `json:"q,omitempty"`
	S int         `json:"s"`
	R string      `json:"r,omitempty"`
	T string      `json:"t,omitempty"`
	A []wireParam `json:"a,omitempty"`
}

type wireParam struct {
	N string `json:"n"`
	T string `json:"t,omitempty"`
	Y bool   `json:"y,omitempty"`
	Q bool   `json:"q,omitempty"`
	E int    `json:"e,omitempty"`
	X int    `json:"x,omitempty"`
}

type wireRel struct {
	M bool   `json:"m,omitempty"`
	T string `json:"t"`
}

type wireRes struct {
	N string             `json:"n"`
	S string             `json:"s"`
	P bool               `json:"p,omitempty"`
	A map[string]int     `json:"a,omitempty"`
	R map[string]wireRel `json:"r,omitempty"`
}

type wireBody struct {
	S  string             `json:"s"`
	T  string             `json:"t"`
	I  bool               `json:"i,omitempty"`
	A  map[string]int     `json:"a,omitempty"`
	RA []string           `json:"ra,omitempty"`
	R  map[string]wireRel `json:"r,omitempty"`
	RR []string           `json:"rr,omitempty"`
}

type wireItem struct {
	S string `json:"s"`
	T string `json:"t"`
	L bool   `json:"l,omitempty"`
}

// catalogBuilder deduplicates enum lists and fields while the catalog is assembled.
type catalogBuilder struct {
	doc      *Document
	out      wireCatalog
	strIdx   map[string]int
	fieldIdx map[string]int
}

func (b *catalogBuilder) strs(list []string) int {
	if len(list) == 0 {
		return 0
	}
	key := strings.Join(list, "\x00")
	if i, ok := b.strIdx[key]; ok {
		return i
	}
	b.out.Strs = append(b.out.Strs, list)
	b.strIdx[key] = len(b.out.Strs)
	return len(b.out.Strs)
}

// field converts a schema into a deduplicated field and returns its 1-based index.
func (b *catalogBuilder) field(s *Schema, depth int) int {
	s = b.doc.Resolve(s)
	if s == nil || depth > 12 {
		return 0
	}
	f := wireField{T: s.Type, F: s.Format, E: b.strs(s.Enum)}
	if s.Type == "" && s.Properties.Len() > 0 {
		f.T = "object"
	}
	if s.Items != nil {
		f.I = b.field(s.Items, depth+1)
	}
	if s.Properties.Len() > 0 {
		f.P = map[string]int{}
		for _, k := range s.Properties.Keys {
			f.P[k] = b.field(s.Properties.Values[k], depth+1)
		}
		f.R = s.Required
	}
	key, _ := json.Marshal(f)
	if i, ok := b.fieldIdx[string(key)]; ok {
		return i
	}
	b.out.Fields = append(b.out.Fields, f)
	b.fieldIdx[string(key)] = len(b.out.Fields)
	return len(b.out.Fields)
}

// resourceSchemas finds every schema shaped like a JSON:API resource object, keyed by name.
func resourceSchemas(doc *Document) map[string]string {
	out := map[string]string{}
	for _, name := range doc.Components.Schemas.Keys {
		s := doc.Components.Schemas.Values[name]
		t, ok := s.Properties.Get("type")
		_, hasID := s.Properties.Get("id")
		_, hasAttrs := s.Properties.Get("attributes")
		_, hasRels := s.Properties.Get("relationships")
		_, hasLinks := s.Properties.Get("links")
		if !ok || !hasID || len(t.Enum) != 1 || !(hasAttrs || hasRels || hasLinks) {
			continue
		}
		out[name] = t.Enum[0]
	}
	return out
}

// primarySchemas chooses, for each resource type, the schema that Resource(type) returns. Apple
// keeps deprecated v1 shapes and inline-create shapes beside the current one; the current one
// is the V2 schema when there is one, and never an InlineCreate.
func primarySchemas(res map[string]string) map[string]string {
	primary := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(res)) {
		if strings.HasSuffix(name, "InlineCreate") {
			continue
		}
		typ := res[name]
		cur, ok := primary[typ]
		if !ok || (strings.HasSuffix(name, "V2") && !strings.HasSuffix(cur, "V2")) {
			primary[typ] = name
		}
	}
	return primary
}

// linkageType reads a relationship's data (object or array of identifiers).
func linkageType(doc *Document, data *Schema) (typ string, many bool) {
	data = doc.Resolve(data)
	if data == nil {
		return "", false
	}
	if data.Type == "array" && data.Items != nil {
		many = true
		data = doc.Resolve(data.Items)
	}
	if data == nil {
		return "", many
	}
	if t, ok := data.Properties.Get("type"); ok && len(t.Enum) == 1 {
		typ = t.Enum[0]
	}
	return typ, many
}

// itemTypes maps every response-like schema (a top-level data member) to its item type.
func itemTypes(doc *Document, res map[string]string) map[string]wireItem {
	out := map[string]wireItem{}
	for _, name := range doc.Components.Schemas.Keys {
		s := doc.Components.Schemas.Values[name]
		data, ok := s.Properties.Get("data")
		if !ok {
			continue
		}
		list := false
		if data.Type == "array" && data.Items != nil {
			list = true
			data = data.Items
		}
		var typ string
		if ref := data.RefName(); ref != "" {
			typ = res[ref]
		} else if t, ok := data.Properties.Get("type"); ok && len(t.Enum) == 1 {
			typ = t.Enum[0]
		}
		if typ != "" {
			out[name] = wireItem{S: name, T: typ, L: list}
		}
	}
	return out
}

func buildCatalog(doc *Document, ops []*Op) (*wireCatalog, error) {
	b := &catalogBuilder{doc: doc, strIdx: map[string]int{}, fieldIdx: map[string]int{}}
	res := resourceSchemas(doc)
	primary := primarySchemas(res)
	items := itemTypes(doc, res)
	byID := map[string]*Op{}
	for _, op := range ops {
		if _, dup := byID[op.ID]; dup {
			return nil, fmt.Errorf("duplicate operationId %s", op.ID)
		}
		byID[op.ID] = op
		w := wireOp{I: op.ID, M: op.Method, P: op.Path, G: op.Tag, D: op.Deprecated, Q: op.RequestSchema,
			S: op.SuccessStatus, R: op.ResponseSchema}
		if op.MediaType != "application/json" {
			w.T = op.MediaType
		}
		for _, p := range op.Query {
			typ, array, enum, maximum := paramInfo(p)
			wp := wireParam{N: p.Name, Y: array, Q: p.Required, E: b.strs(enum), X: maximum}
			if typ != "string" {
				wp.T = typ
			}
			w.A = append(w.A, wp)
		}
		b.out.Ops = append(b.out.Ops, w)
	}

	// relationInferred fills in a relationship that declares only links, from the operations
	// that read or change it ({type}_{rel}_getToManyRelated, ..._deleteToManyRelationship).
	relationInferred := func(typ, rel string) (wireRel, bool) {
		for _, kind := range []string{"getToManyRelated", "getToOneRelated", "getToManyRelationship",
			"getToOneRelationship", "replaceToManyRelationship", "replaceToOneRelationship",
			"createToManyRelationship", "deleteToManyRelationship"} {
			var op *Op
			// Versioned resources prefix their operations "appPricePointsV3_".
			for _, prefix := range []string{typ, typ + "V2", typ + "V3"} {
				if o, ok := byID[prefix+"_"+rel+"_"+kind]; ok && op == nil {
					op = o
				}
			}
			if op == nil {
				continue
			}
			many := strings.Contains(kind, "ToMany")
			if it, ok := items[op.ResponseSchema]; ok {
				return wireRel{M: many, T: it.T}, true
			}
			if op.RequestSchema != "" {
				t, _ := linkageType(doc, doc.Components.Schemas.Values[op.RequestSchema].Properties.Values["data"])
				return wireRel{M: many, T: t}, true
			}
			return wireRel{M: many}, true
		}
		return wireRel{}, false
	}

	for _, name := range slices.Sorted(maps.Keys(res)) {
		typ := res[name]
		s := doc.Components.Schemas.Values[name]
		w := wireRes{N: typ, S: name, P: primary[typ] == name}
		if attrs := doc.Resolve(s.Properties.Values["attributes"]); attrs != nil && attrs.Properties.Len() > 0 {
			w.A = map[string]int{}
			for _, k := range attrs.Properties.Keys {
				w.A[k] = b.field(attrs.Properties.Values[k], 0)
			}
		}
		if rels := doc.Resolve(s.Properties.Values["relationships"]); rels != nil && rels.Properties.Len() > 0 {
			w.R = map[string]wireRel{}
			for _, k := range rels.Properties.Keys {
				r := doc.Resolve(rels.Properties.Values[k])
				if data, ok := r.Properties.Get("data"); ok {
					t, many := linkageType(doc, data)
					w.R[k] = wireRel{M: many, T: t}
				} else if wr, ok := relationInferred(typ, k); ok {
					w.R[k] = wr
				} else {
					_, paged := r.Properties.Get("meta")
					w.R[k] = wireRel{M: paged}
				}
			}
		}
		b.out.Res = append(b.out.Res, w)
	}

	bodies := map[string]bool{}
	for _, op := range ops {
		if op.RequestSchema != "" {
			bodies[op.RequestSchema] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(bodies)) {
		s := doc.Components.Schemas.Values[name]
		data := doc.Resolve(s.Properties.Values["data"])
		if data == nil {
			return nil, fmt.Errorf("request schema %s has no data", name)
		}
		w := wireBody{S: name}
		if data.Type == "array" {
			w.T, _ = linkageType(doc, data)
			b.out.Bodies = append(b.out.Bodies, w)
			continue
		}
		if t, ok := data.Properties.Get("type"); ok && len(t.Enum) == 1 {
			w.T = t.Enum[0]
		}
		w.I = data.IsRequired("id")
		if attrs := doc.Resolve(data.Properties.Values["attributes"]); attrs != nil {
			if attrs.Properties.Len() > 0 {
				w.A = map[string]int{}
				for _, k := range attrs.Properties.Keys {
					w.A[k] = b.field(attrs.Properties.Values[k], 0)
				}
			}
			w.RA = attrs.Required
		}
		if rels := doc.Resolve(data.Properties.Values["relationships"]); rels != nil {
			if rels.Properties.Len() > 0 {
				w.R = map[string]wireRel{}
				for _, k := range rels.Properties.Keys {
					r := doc.Resolve(rels.Properties.Values[k])
					t, many := linkageType(doc, r.Properties.Values["data"])
					w.R[k] = wireRel{M: many, T: t}
				}
			}
			w.RR = rels.Required
		}
		b.out.Bodies = append(b.out.Bodies, w)
	}

	for _, name := range slices.Sorted(maps.Keys(items)) {
		b.out.Items = append(b.out.Items, items[name])
	}
	return &b.out, nil
}

// catalogSource renders the catalog as a Go file holding one raw string constant, one JSON
// value per line so that a regeneration's diff shows what Apple changed.
func catalogSource(version string, c *wireCatalog) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(generatedHeader)
	buf.WriteString("\npackage spec\n\n")
	buf.WriteString("// SpecVersion is the version of Apple's OpenAPI spec this catalog was generated from.\n")
	fmt.Fprintf(&buf, "const SpecVersion = %q\n\n", version)
	buf.WriteString("// catalogJSON is decoded once, at first use, by load.\n")
	buf.WriteString("const catalogJSON = `{\n")
	section := func(name string, n int, item func(i int) any, last bool) error {
		fmt.Fprintf(&buf, "%q: [\n", name)
		for i := range n {
			line, err := json.Marshal(item(i))
			if err != nil {
				return err
			}
			if bytes.IndexByte(line, '`') >= 0 {
				return fmt.Errorf("%s entry %d contains a backquote", name, i)
			}
			buf.Write(line)
			if i < n-1 {
				buf.WriteByte(',')
			}
			buf.WriteByte('\n')
		}
		buf.WriteString("]")
		if !last {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
		return nil
	}
	for _, s := range []struct {
		name string
		n    int
		item func(int) any
	}{
		{"strs", len(c.Strs), func(i int) any { return c.Strs[i] }},
		{"fields", len(c.Fields), func(i int) any { return c.Fields[i] }},
		{"ops", len(c.Ops), func(i int) any { return c.Ops[i] }},
		{"res", len(c.Res), func(i int) any { return c.Res[i] }},
		{"bodies", len(c.Bodies), func(i int) any { return c.Bodies[i] }},
		{"items", len(c.Items), func(i int) any { return c.Items[i] }},
	} {
		if err := section(s.name, s.n, s.item, s.name == "items"); err != nil {
			return nil, err
		}
	}
	buf.WriteString("}`\n")
	return buf.Bytes(), nil
}
