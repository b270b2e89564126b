package sandbox

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// rawJSON is an answer already encoded; writeJSON sends it as is. Documents are built as
// bytes rather than maps because a 200-item page of builds has thousands of relationship
// objects, and sorting map keys for each was most of the sandbox's time.
type rawJSON []byte

// renderer turns records into JSON:API resource objects for one answer, collecting the
// included resources as it goes.
type renderer struct {
	s        *Server
	base     string
	lo       listOptions
	included [][]byte
	seen     map[[2]string]bool // type and id of the resources already in the answer
	// dataSchema is the resource schema the operation's answer declares for its data, when
	// it is a deprecated v1 sibling of the type's model (GET /v1/inAppPurchases/{id}
	// declares InAppPurchase, not InAppPurchaseV2); nil otherwise.
	dataSchema *ResourceType
	// gen is the state's write count the answer is rendered at (for the render cache);
	// variantKey caches variant().
	gen        uint64
	variantKey string
	// refs, while a cacheable resource renders, collects what its linkage puts in included.
	refs    *[][2]string
	noCache bool
}

func (s *Server) newRenderer(req *apiRequest, lo listOptions) *renderer {
	rd := &renderer{s: s, base: req.base, lo: lo, seen: map[[2]string]bool{}, gen: s.mu.gen()}
	// A write's answer is rendered while the write is still under way: never cached.
	rd.noCache = req.r.Method != http.MethodGet || !s.cacheOn()
	if req.op != nil {
		rd.dataSchema = v1Sibling(req.op.ResponseSchema)
	}
	return rd
}

// v1Sibling returns the deprecated v1 schema a response schema declares for its data where
// the type's model is the V2 one ("InAppPurchaseResponse" -> InAppPurchase), else nil.
func v1Sibling(responseSchema string) *ResourceType {
	if responseSchema == "" || strings.Contains(responseSchema, "V2") {
		return nil
	}
	typ, _, ok := specResponseItemType(responseSchema)
	if !ok {
		return nil
	}
	rt, ok := specResource(typ)
	if !ok || !strings.HasSuffix(rt.Schema, "V2") {
		return nil
	}
	if v1, ok := specResourceBySchema(strings.TrimSuffix(rt.Schema, "V2")); ok && v1.Type == typ {
		return v1
	}
	return nil
}

func (rd *renderer) allowed(typ, name string) bool {
	f, ok := rd.lo.fields[typ]
	return !ok || slices.Contains(f, name)
}

// primary renders a record of the answer's data and adds what its include asks for.
func (rd *renderer) primary(r *record) json.RawMessage {
	rd.seen[[2]string{r.Type, r.ID}] = true
	return rd.cached(r, rd.lo.include, rd.dataSchema)
}

// cached is render through the render cache: a stored record rendered before at the same
// write count and the same variant is sent as it was, and the resources its linkage
// included are included again.
func (rd *renderer) cached(r *record, include []string, declared *ResourceType) json.RawMessage {
	s := rd.s
	if rd.noCache || s.st.get(r.Type, r.ID) != r {
		return rd.render(r, include, declared)
	}
	v := rd.variant()
	if declared != nil {
		v += "|" + declared.Schema
	}
	if len(include) > 0 {
		v += "|" + strings.Join(include, ",")
	}
	k := resKey{typ: r.Type, id: r.ID, variant: v}
	if e := s.cache.resource(rd.gen, k); e != nil && e.rec == r {
		for _, ref := range e.refs {
			rd.addIncluded(ref[0], ref[1])
		}
		return e.data
	}
	outer := rd.refs
	var refs [][2]string
	rd.refs = &refs
	data := rd.render(r, include, declared)
	rd.refs = outer
	s.cache.putResource(rd.gen, k, &rendered{rec: r, data: data, refs: refs})
	return data
}

// attributes is the attributes object of a record shown as the declared schema (or, with
// none, as the record has them), as a map for encoding/json to sort.
func (rd *renderer) attributes(r *record, rt, declared *ResourceType) map[string]any {
	n := len(r.Attrs)
	if declared != nil {
		n = max(n, len(declared.Attributes))
	}
	attrs := make(map[string]any, n)
	if declared != nil {
		for k := range declared.Attributes {
			if rd.allowed(r.Type, k) {
				attrs[k] = nil
			}
		}
	}
	for k, v := range r.Attrs {
		if v == nil || !rd.allowed(r.Type, k) {
			continue
		}
		// Only what the response model has is shown: write-only attributes (a webhook's
		// secret, an asset's "uploaded") never come back, as with Apple.
		if rt != nil {
			if _, ok := rt.Attributes[k]; !ok {
				continue
			}
		}
		attrs[k] = v
	}
	return attrs
}

// appendAttributes writes the attributes object of a record shown as its type's model:
// the model's attributes in name order (names), null where the record has none, the same
// bytes encoding/json makes of attributes' map without building and sorting the map.
func (rd *renderer) appendAttributes(b []byte, r *record, names []string) []byte {
	b = append(b, '{')
	first := true
	for _, k := range names {
		if !rd.allowed(r.Type, k) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONValue(b, r.Attrs[k])
	}
	return append(b, '}')
}

// appendJSONValue appends v as encoding/json (without HTML escaping) encodes it; plain
// strings and booleans directly, anything else through encoding/json.
func appendJSONValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, v)
	case string:
		if plainJSONString(v) {
			b = append(b, '"')
			b = append(b, v...)
			return append(b, '"')
		}
	}
	return append(b, marshalNoEscape(v)...)
}

// plainJSONString reports whether encoding/json writes s as it is between quotes: printable
// ASCII without quote or backslash.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// attrNames lists a type's attributes in name order (cached per type).
func (m *model) attrNames(rt *ResourceType) []string {
	if v, ok := m.attrNameCache.Load(rt); ok {
		return v.([]string)
	}
	names := slices.Sorted(maps.Keys(rt.Attributes))
	m.attrNameCache.Store(rt, names)
	return names
}

// relNames lists a type's relationships in name order (cached per type).
func (m *model) relNames(typ string) []string {
	if v, ok := m.relNameCache.Load(typ); ok {
		return v.([]string)
	}
	var names []string
	if rt := m.resource(typ); rt != nil {
		names = slices.Sorted(maps.Keys(rt.Relationships))
	}
	m.relNameCache.Store(typ, names)
	return names
}

func marshalNoEscape(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// appendJSONString appends the concatenation of parts as one JSON string (a link is its
// resource's URL and a suffix: joined here, not in a string made for it).
func appendJSONString(b []byte, parts ...string) []byte {
	b = append(b, '"')
	for _, s := range parts {
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, `\u00`...)
				b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
			default:
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}

func (rd *renderer) resource(r *record, include []string) json.RawMessage {
	return rd.cached(r, include, nil)
}

// render writes one resource object. Like Apple, it shows every attribute the declared
// schema has (within fields[type], when given), those the record lacks as null; declared
// is that schema, or the type's model when nil.
func (rd *renderer) render(r *record, include []string, declared *ResourceType) json.RawMessage {
	m := rd.s.mdl
	rt := m.resource(r.Type)
	if declared == nil {
		declared = rt
	}
	self := rd.base + m.selfPath(r.Type, r.ID)
	b := make([]byte, 0, 256+len(m.relNames(r.Type))*(2*len(self)+64))
	b = append(b, `{"type":`...)
	b = appendJSONString(b, r.Type)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, r.ID)
	b = append(b, `,"attributes":`...)
	if declared != nil && declared == rt {
		b = rd.appendAttributes(b, r, m.attrNames(rt))
	} else {
		b = append(b, marshalNoEscape(rd.attributes(r, rt, declared))...)
	}
	names := m.relNames(r.Type)
	if rt == nil {
		names = slices.Sorted(maps.Keys(r.Rels))
	}
	first := true
	for _, name := range names {
		if !rd.allowed(r.Type, name) {
			continue
		}
		l := m.linksFor(r.Type, name)
		inc := slices.Contains(include, name)
		if !l.self && !l.related && !inc {
			continue
		}
		if first {
			b = append(b, `,"relationships":{`...)
			first = false
		} else {
			b = append(b, ',')
		}
		b = appendJSONString(b, name)
		b = append(b, ":{"...)
		inner := false
		if l.self || l.related {
			b = append(b, `"links":{`...)
			if l.self {
				b = append(b, `"self":`...)
				b = appendJSONString(b, self, "/relationships/", name)
			}
			if l.related {
				if l.self {
					b = append(b, ',')
				}
				b = append(b, `"related":`...)
				b = appendJSONString(b, self, "/", name)
			}
			b = append(b, '}')
			inner = true
		}
		if inc {
			b = rd.appendLinkage(b, r, name, inner)
		}
		b = append(b, '}')
	}
	if !first {
		b = append(b, '}')
	}
	b = append(b, `,"links":{"self":`...)
	b = appendJSONString(b, self)
	b = append(b, "}}"...)
	return b
}

// appendLinkage writes the relationship's data (and paging for to-many) and puts the
// related resources in included. An empty to-one is "data": null, as Apple sends it,
// although the spec never marks it nullable; an empty to-many is "data": [].
func (rd *renderer) appendLinkage(b []byte, r *record, name string, comma bool) []byte {
	m := rd.s.mdl
	typ := m.target(r.Type, name)
	ids := listed(r.Type, name, r.Rels[name])
	if !m.toMany(r.Type, name) {
		if comma {
			b = append(b, ',')
		}
		if len(ids) == 0 {
			return append(b, `"data":null`...)
		}
		b = append(b, `"data":{"type":`...)
		b = appendJSONString(b, typ)
		b = append(b, `,"id":`...)
		b = appendJSONString(b, ids[0])
		b = append(b, '}')
		rd.addIncluded(typ, ids[0])
		return b
	}
	limit := defaultIncludeLimit
	if n, ok := rd.lo.incLimit[name]; ok {
		limit = n
	}
	if comma {
		b = append(b, ',')
	}
	b = append(b, `"data":[`...)
	for i, id := range ids[:min(limit, len(ids))] {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":`...)
		b = appendJSONString(b, typ)
		b = append(b, `,"id":`...)
		b = appendJSONString(b, id)
		b = append(b, '}')
		rd.addIncluded(typ, id)
	}
	b = append(b, `],"meta":{"paging":{"total":`...)
	b = strconv.AppendInt(b, int64(len(ids)), 10)
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(limit), 10)
	return append(b, "}}"...)
}

func (rd *renderer) addIncluded(typ, id string) {
	if rd.refs != nil {
		*rd.refs = append(*rd.refs, [2]string{typ, id})
	}
	key := [2]string{typ, id}
	if rd.seen[key] {
		return
	}
	rd.seen[key] = true
	if r := rd.s.lookup(typ, id); r != nil { // stored, or computed by its family
		rd.included = append(rd.included, rd.resource(r, nil))
	}
}

// document wraps data (one rendered resource, a list of them, or nil) with included, links
// and meta into the answer's bytes.
func (rd *renderer) document(data any, links, meta map[string]any) rawJSON {
	size := 512
	switch d := data.(type) {
	case json.RawMessage:
		size += len(d)
	case []json.RawMessage:
		for _, x := range d {
			size += len(x) + 1
		}
	}
	for _, x := range rd.included {
		size += len(x) + 1
	}
	b := make([]byte, 0, size)
	b = append(b, `{"data":`...)
	switch d := data.(type) {
	case json.RawMessage:
		b = append(b, d...)
	case []json.RawMessage:
		b = append(b, '[')
		for i, x := range d {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, x...)
		}
		b = append(b, ']')
	default:
		b = append(b, marshalNoEscape(d)...)
	}
	if len(rd.included) > 0 {
		b = append(b, `,"included":[`...)
		for i, x := range rd.included {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, x...)
		}
		b = append(b, ']')
	}
	b = append(b, `,"links":`...)
	b = append(b, marshalNoEscape(links)...)
	if meta != nil {
		b = append(b, `,"meta":`...)
		b = append(b, marshalNoEscape(meta)...)
	}
	return append(b, '}')
}
