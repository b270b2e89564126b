package sandbox

import (
	"slices"
	"strings"
	"sync"
)

// model answers questions about the resource graph from the operation catalog: which type a
// path segment holds, where a type's canonical URL is, and which relationship is the inverse
// of which. Answers are computed once and cached, since the catalog never changes at run time.
type model struct {
	once      sync.Once
	homes     map[string]string // type -> instance path template, "/v1/apps/{id}"
	segTypes  map[string]string // "/v1/apps" -> "apps"
	inverses  sync.Map          // "type.rel" -> string ("" when none)
	linkCache sync.Map          // "type.rel" -> relLinks
}

type relLinks struct{ self, related bool }

func (m *model) init() {
	m.once.Do(func() {
		m.homes = map[string]string{}
		m.segTypes = map[string]string{}
		for _, op := range specOperations() {
			segs := strings.Split(strings.Trim(op.Path, "/"), "/")
			typ := ""
			if op.ResponseSchema != "" {
				typ, _, _ = specResponseItemType(op.ResponseSchema)
			}
			if typ == "" && op.RequestSchema != "" {
				if b, ok := specRequestBody(op.RequestSchema); ok {
					typ = b.Type
				}
			}
			switch {
			case len(segs) == 2 && typ != "":
				m.segTypes["/"+segs[0]+"/"+segs[1]] = typ
			case len(segs) == 3 && segs[2] == "{id}" && typ != "":
				base := "/" + segs[0] + "/" + segs[1]
				m.segTypes[base] = typ
				if op.Method == "GET" {
					if _, dup := m.homes[typ]; !dup || strings.HasPrefix(m.homes[typ], "/v1/") && segs[0] != "v1" {
						// Prefer the newest version's path as the canonical URL (v2 in-app purchases).
						m.homes[typ] = op.Path
					}
				}
			}
		}
	})
}

// typeAt returns the resource type stored under a collection path such as "/v1/apps".
func (m *model) typeAt(base string) string {
	m.init()
	if t, ok := m.segTypes[base]; ok {
		return t
	}
	i := strings.LastIndexByte(base, '/')
	return base[i+1:]
}

// selfPath is the path of a resource's canonical URL, "/v1/apps/123".
func (m *model) selfPath(typ, id string) string {
	m.init()
	if h, ok := m.homes[typ]; ok {
		return strings.Replace(h, "{id}", id, 1)
	}
	return "/v1/" + typ + "/" + id
}

func (m *model) resource(typ string) *ResourceType {
	if rt, ok := specResource(typ); ok {
		return rt
	}
	return nil
}

func (m *model) relation(typ, rel string) (Relation, bool) {
	rt := m.resource(typ)
	if rt == nil {
		return Relation{}, false
	}
	r, ok := rt.Relationships[rel]
	return r, ok
}

func (m *model) toMany(typ, rel string) bool {
	r, ok := m.relation(typ, rel)
	return ok && r.ToMany
}

func (m *model) target(typ, rel string) string {
	r, _ := m.relation(typ, rel)
	return r.Type
}

// inverse finds the relationship on the target type that points back: appInfos.app for
// apps.appInfos. When the target has several relationships back to the type, the one named
// after the type (singular for to-one, plural for to-many) wins; otherwise there is none.
func (m *model) inverse(typ, rel string) (string, bool) {
	key := typ + "." + rel
	if v, ok := m.inverses.Load(key); ok {
		s := v.(string)
		return s, s != ""
	}
	inv := m.findInverse(typ, rel)
	m.inverses.Store(key, inv)
	return inv, inv != ""
}

func (m *model) findInverse(typ, rel string) string {
	r, ok := m.relation(typ, rel)
	if !ok || r.Type == "" {
		return ""
	}
	tgt := m.resource(r.Type)
	if tgt == nil {
		return ""
	}
	var cands []string
	for name, back := range tgt.Relationships {
		if back.Type == typ {
			cands = append(cands, name)
		}
	}
	slices.Sort(cands)
	switch len(cands) {
	case 0:
		return ""
	case 1:
		return cands[0]
	}
	singular := strings.TrimSuffix(typ, "s")
	for _, c := range cands {
		if c == typ || c == singular {
			return c
		}
	}
	return ""
}

// links reports whether a relationship has a relationship endpoint and a related endpoint,
// which decides the links Apple puts on it.
func (m *model) links(typ, rel string) relLinks {
	key := typ + "." + rel
	if v, ok := m.linkCache.Load(key); ok {
		return v.(relLinks)
	}
	base := m.selfPath(typ, "x")
	var l relLinks
	_, _, l.self = specFind("GET", base+"/relationships/"+rel)
	_, _, l.related = specFind("GET", base+"/"+rel)
	m.linkCache.Store(key, l)
	return l
}
