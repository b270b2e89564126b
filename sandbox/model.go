package sandbox

import (
	"slices"
	"strings"
	"sync"
)

// model answers questions about the resource graph from the operation catalog: which type a
// path segment holds, where a type's canonical URL is, and which relationship is the inverse
// of which. Answers are computed once, since the catalog never changes at run time.
type model struct {
	once          sync.Once
	homes         map[string]string              // type -> instance path template, "/v1/apps/{id}"
	segTypes      map[string]string              // "/v1/apps" -> "apps"
	rels          map[string]map[string]Relation // type -> relationship -> target, response and request models merged
	inverses      map[string][]string            // "type.rel" -> relationships on the target pointing back
	links         sync.Map                       // "type.rel" -> relLinks
	relNameCache  sync.Map                       // type -> sorted relationship names
	attrNameCache sync.Map                       // *ResourceType -> sorted attribute names
	behaviours    sync.Map                       // type -> *behaviour (registry.go)
}

type relLinks struct{ self, related bool }

func (m *model) init() {
	m.once.Do(func() {
		m.homes = map[string]string{}
		m.segTypes = map[string]string{}
		m.rels = map[string]map[string]Relation{}
		addRels := func(typ string, rels map[string]Relation) {
			if typ == "" {
				return
			}
			if m.rels[typ] == nil {
				m.rels[typ] = map[string]Relation{}
			}
			for name, r := range rels {
				if _, dup := m.rels[typ][name]; !dup && r.Type != "" {
					m.rels[typ][name] = r
				}
			}
		}
		for _, op := range specOperations() {
			segs := strings.Split(strings.Trim(op.Path, "/"), "/")
			typ := ""
			if op.ResponseSchema != "" {
				typ, _, _ = specResponseItemType(op.ResponseSchema)
			}
			if rt, ok := specResource(typ); ok {
				addRels(typ, rt.Relationships)
			}
			if op.RequestSchema != "" {
				if b, ok := specRequestBody(op.RequestSchema); ok {
					// A create or update body names relationships the response model may leave
					// out (a localization's parent), which the graph needs for inverses.
					if len(segs) <= 3 {
						addRels(b.Type, b.Relationships)
						if typ == "" {
							typ = b.Type
						}
					}
				}
			}
			switch {
			case len(segs) == 2 && typ != "":
				if _, dup := m.segTypes["/"+segs[0]+"/"+segs[1]]; !dup {
					m.segTypes["/"+segs[0]+"/"+segs[1]] = typ
				}
			case len(segs) == 3 && segs[2] == "{id}" && typ != "":
				base := "/" + segs[0] + "/" + segs[1]
				m.segTypes[base] = typ
				if op.Method == "GET" {
					if old, dup := m.homes[typ]; !dup || (strings.HasPrefix(old, "/v1/") && segs[0] != "v1") {
						// The newest version's path is the canonical URL (v2 in-app purchases).
						m.homes[typ] = op.Path
					}
				}
			}
		}
		// Types met only as a relationship's target (a build's buildBundles) get their
		// relationships from their own model too, so that both sides of their links hold.
		for grown := true; grown; {
			grown = false
			for _, rels := range m.rels {
				for _, r := range rels {
					if _, known := m.rels[r.Type]; known {
						continue
					}
					if rt, ok := specResource(r.Type); ok {
						addRels(r.Type, rt.Relationships)
						grown = true
					}
				}
			}
		}
		m.inverses = map[string][]string{}
		for typ, rels := range m.rels {
			for name, r := range rels {
				m.inverses[typ+"."+name] = m.findInverse(typ, name, r.Type)
			}
		}
	})
}

// findInverse lists the relationships of tgt that point back at typ. With one candidate it
// is the inverse; with several, those named after typ (its plural, its singular, or a "V2"
// variant such as apps.inAppPurchasesV2 beside apps.inAppPurchases) are.
func (m *model) findInverse(typ, rel, tgt string) []string {
	var cands []string
	for name, back := range m.rels[tgt] {
		// A relationship to the same type (a category's parent) is not its own inverse.
		if back.Type == typ && !(tgt == typ && name == rel) {
			cands = append(cands, name)
		}
	}
	slices.Sort(cands)
	if len(cands) <= 1 {
		return cands
	}
	singular := strings.TrimSuffix(typ, "s")
	var named []string
	for _, c := range cands {
		base := strings.TrimSuffix(c, "V2")
		if base == typ || base == singular {
			named = append(named, c)
		}
	}
	return named
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

// resource is the response model of a type (what answers show), or nil.
func (m *model) resource(typ string) *ResourceType {
	if rt, ok := specResource(typ); ok {
		return rt
	}
	return nil
}

func (m *model) relation(typ, rel string) (Relation, bool) {
	m.init()
	r, ok := m.rels[typ][rel]
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

// inverse returns the relationships on the target that mirror typ.rel.
func (m *model) inverse(typ, rel string) []string {
	m.init()
	return m.inverses[typ+"."+rel]
}

// inverseTo is inverse for a link whose target type is known, which also covers
// relationships the model does not declare on typ (a customer review's app).
func (m *model) inverseTo(typ, rel, tgtType string) []string {
	m.init()
	if _, ok := m.rels[typ][rel]; ok {
		return m.inverses[typ+"."+rel]
	}
	return m.findInverse(typ, rel, tgtType)
}

// linksFor reports whether a relationship has a relationship endpoint and a related
// endpoint, which decides the links Apple puts on it.
func (m *model) linksFor(typ, rel string) relLinks {
	key := typ + "." + rel
	if v, ok := m.links.Load(key); ok {
		return v.(relLinks)
	}
	base := m.selfPath(typ, "x")
	var l relLinks
	// Apple links a relationship endpoint that only takes writes too (an app's betaTesters,
	// which has just DELETE): real answers carry links.self for it.
	l.self = len(specMethods(base+"/relationships/"+rel)) > 0
	_, _, l.related = specFind("GET", base+"/"+rel)
	m.links.Store(key, l)
	return l
}
