package sandbox

import (
	"maps"
	"slices"
)

// renderer turns records into JSON:API resource objects for one answer, collecting the
// included resources as it goes.
type renderer struct {
	s        *Server
	base     string
	lo       listOptions
	included []map[string]any
	seen     map[string]bool
}

func (s *Server) newRenderer(base string, lo listOptions) *renderer {
	return &renderer{s: s, base: base, lo: lo, seen: map[string]bool{}}
}

func (rd *renderer) allowed(typ, name string) bool {
	f, ok := rd.lo.fields[typ]
	return !ok || slices.Contains(f, name)
}

// primary renders a record of the answer's data and adds what its include asks for.
func (rd *renderer) primary(r *record) map[string]any {
	rd.seen[r.Type+"/"+r.ID] = true
	return rd.resource(r, rd.lo.include)
}

func (rd *renderer) resource(r *record, include []string) map[string]any {
	m := rd.s.mdl
	rt := m.resource(r.Type)
	attrs := map[string]any{}
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
	self := rd.base + m.selfPath(r.Type, r.ID)
	out := map[string]any{"type": r.Type, "id": r.ID, "attributes": attrs, "links": map[string]any{"self": self}}

	rels := map[string]any{}
	names := map[string]bool{}
	if rt != nil {
		for name := range rt.Relationships {
			names[name] = true
		}
	} else {
		for name := range r.Rels {
			names[name] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		if !rd.allowed(r.Type, name) {
			continue
		}
		obj := map[string]any{}
		l := m.linksFor(r.Type, name)
		if l.self || l.related {
			links := map[string]any{}
			if l.self {
				links["self"] = self + "/relationships/" + name
			}
			if l.related {
				links["related"] = self + "/" + name
			}
			obj["links"] = links
		}
		if slices.Contains(include, name) {
			rd.includeRel(r, name, obj)
		}
		if len(obj) > 0 {
			rels[name] = obj
		}
	}
	if len(rels) > 0 {
		out["relationships"] = rels
	}
	return out
}

// includeRel puts the relationship's linkage in obj and the related resources in included.
func (rd *renderer) includeRel(r *record, name string, obj map[string]any) {
	m := rd.s.mdl
	typ := m.target(r.Type, name)
	ids := r.Rels[name]
	if !m.toMany(r.Type, name) {
		if len(ids) == 0 {
			// Apple shows an empty to-one as null, but the spec never marks it nullable;
			// leaving data out keeps the answer valid for clients generated from the spec.
			return
		}
		obj["data"] = map[string]any{"type": typ, "id": ids[0]}
		rd.addIncluded(typ, ids[0])
		return
	}
	limit := defaultIncludeLimit
	if n, ok := rd.lo.incLimit[name]; ok {
		limit = n
	}
	data := []any{}
	for _, id := range ids[:min(limit, len(ids))] {
		data = append(data, map[string]any{"type": typ, "id": id})
		rd.addIncluded(typ, id)
	}
	obj["data"] = data
	obj["meta"] = map[string]any{"paging": map[string]any{"total": len(ids), "limit": limit}}
}

func (rd *renderer) addIncluded(typ, id string) {
	key := typ + "/" + id
	if rd.seen[key] {
		return
	}
	rd.seen[key] = true
	if r := rd.s.st.get(typ, id); r != nil {
		rd.included = append(rd.included, rd.resource(r, nil))
	}
}

// document wraps data (one resource, a list or linkage) with included, links and meta.
func (rd *renderer) document(data any, links, meta map[string]any) map[string]any {
	doc := map[string]any{"data": data, "links": links}
	if len(rd.included) > 0 {
		doc["included"] = rd.included
	}
	if meta != nil {
		doc["meta"] = meta
	}
	return doc
}
