package sandbox

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
)

// record is one stored resource. Attributes hold JSON values as encoding/json decodes them
// (string, float64, bool, nil, map[string]any, []any). Rels holds, per relationship name, the
// ids of the related resources in order (a to-one relationship holds at most one).
type record struct {
	Type  string              `json:"type"`
	ID    string              `json:"id"`
	Seq   int64               `json:"seq"`
	Attrs map[string]any      `json:"attributes"`
	Rels  map[string][]string `json:"relationships,omitempty"`
	// Hidden is server-side state clients never see: upload bookkeeping, scheduled states.
	Hidden map[string]any `json:"hidden,omitempty"`
}

func (r *record) str(attr string) string {
	s, _ := r.Attrs[attr].(string)
	return s
}

func (r *record) one(rel string) string {
	if ids := r.Rels[rel]; len(ids) > 0 {
		return ids[0]
	}
	return ""
}

func (r *record) clone() *record {
	c := *r
	c.Attrs = cloneValue(r.Attrs).(map[string]any)
	c.Rels = make(map[string][]string, len(r.Rels))
	for k, v := range r.Rels {
		c.Rels[k] = slices.Clone(v)
	}
	if r.Hidden != nil {
		c.Hidden = cloneValue(r.Hidden).(map[string]any)
	}
	return &c
}

func cloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = cloneValue(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = cloneValue(x)
		}
		return s
	default:
		return v
	}
}

// table holds the resources of one type in creation order, which is the order lists come in
// when no sort is asked for (as Apple's lists are stable between pages).
type table struct {
	byID map[string]*record
	list []*record
}

// store is the sandbox's whole state: every resource by type and id. It is guarded by the
// Server's mutex; the store itself is not safe for concurrent use.
type store struct {
	tables map[string]*table
	seq    int64
	model  *model
	// changed, when set, is told of every record the store adds, changes through a
	// relationship (either side of a link) or removes, so that the state file can follow
	// every change without each caller remembering which records a link touched.
	changed func(r *record, removed bool)
}

func (st *store) touch(r *record) {
	if st.changed != nil {
		st.changed(r, false)
	}
}

func newStore(m *model) *store { return &store{tables: map[string]*table{}, model: m} }

func (st *store) table(typ string) *table {
	t := st.tables[typ]
	if t == nil {
		t = &table{byID: map[string]*record{}}
		st.tables[typ] = t
	}
	return t
}

func (st *store) get(typ, id string) *record {
	if t := st.tables[typ]; t != nil {
		return t.byID[id]
	}
	return nil
}

func (st *store) all(typ string) []*record {
	if t := st.tables[typ]; t != nil {
		return t.list
	}
	return nil
}

// newID makes the id for the next resource of a type. Apps and builds get Apple-like numeric
// ids; everything else a UUID. Ids derive from the sequence number, so a seed is the same on
// every start and tests can rely on them.
func (st *store) newID(typ string, seq int64) string {
	switch typ {
	case "apps":
		return fmt.Sprintf("%d", 1500000000+seq)
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", typ, seq))
	var b [16]byte
	copy(b[:], sum[:16])
	return formatUUID(b)
}

// insert adds a resource with the given attributes and returns it; id "" assigns one.
func (st *store) insert(typ, id string, attrs map[string]any) *record {
	st.seq++
	if id == "" {
		id = st.newID(typ, st.seq)
	}
	if attrs == nil {
		attrs = map[string]any{}
	}
	r := &record{Type: typ, ID: id, Seq: st.seq, Attrs: attrs, Rels: map[string][]string{}}
	t := st.table(typ)
	t.byID[id] = r
	t.list = append(t.list, r)
	st.touch(r)
	return r
}

// link relates a to b through a's relationship rel and keeps the inverse side in step, so
// /v1/apps/{id}/appInfos and /v1/appInfos/{id}/app agree whichever side was written.
func (st *store) link(a *record, rel string, b *record) {
	st.linkOne(a, rel, b.ID)
	for _, inv := range st.model.inverseTo(a.Type, rel, b.Type) {
		st.linkOne(b, inv, a.ID)
	}
}

func (st *store) linkOne(a *record, rel, id string) {
	st.touch(a)
	if st.model.toMany(a.Type, rel) {
		if !slices.Contains(a.Rels[rel], id) {
			a.Rels[rel] = append(a.Rels[rel], id)
		}
		return
	}
	if old := a.one(rel); old != "" && old != id {
		// Moving a to-one relationship drops a from the old target's inverse list.
		if tgt := st.get(st.model.target(a.Type, rel), old); tgt != nil {
			for _, inv := range st.model.inverse(a.Type, rel) {
				tgt.Rels[inv] = slices.DeleteFunc(tgt.Rels[inv], func(x string) bool { return x == a.ID })
			}
			st.touch(tgt)
		}
	}
	a.Rels[rel] = []string{id}
}

func (st *store) unlink(a *record, rel string, b *record) {
	a.Rels[rel] = slices.DeleteFunc(a.Rels[rel], func(x string) bool { return x == b.ID })
	for _, inv := range st.model.inverseTo(a.Type, rel, b.Type) {
		b.Rels[inv] = slices.DeleteFunc(b.Rels[inv], func(x string) bool { return x == a.ID })
	}
	st.touch(a)
	st.touch(b)
}

// related returns the resources a's relationship rel points at, in order.
func (st *store) related(a *record, rel string) []*record {
	typ := st.model.target(a.Type, rel)
	var out []*record
	for _, id := range a.Rels[rel] {
		if r := st.get(typ, id); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// relatedListed is related in the order Apple lists the relationship (see listed).
func (st *store) relatedListed(a *record, rel string) []*record {
	out := st.related(a, rel)
	if registry.newestFirst[a.Type+"."+rel] {
		slices.Reverse(out)
	}
	return out
}

// remove deletes a resource, detaches it from everything that points at it, and deletes the
// resources it owns (a to-many relationship whose inverse is to-one, such as a version's
// localizations), as Apple does when a parent goes away.
func (st *store) remove(r *record) {
	t := st.tables[r.Type]
	if t == nil || t.byID[r.ID] != r {
		return
	}
	delete(t.byID, r.ID)
	t.list = slices.DeleteFunc(t.list, func(x *record) bool { return x == r })
	if st.changed != nil {
		st.changed(r, true)
	}
	for _, rel := range slices.Sorted(maps.Keys(r.Rels)) {
		ids := r.Rels[rel]
		tgtType := st.model.target(r.Type, rel)
		invs := st.model.inverse(r.Type, rel)
		owned := len(invs) > 0 && st.model.toMany(r.Type, rel) && !st.model.toMany(tgtType, invs[0])
		for _, id := range slices.Clone(ids) {
			tgt := st.get(tgtType, id)
			if tgt == nil {
				continue
			}
			if owned {
				st.remove(tgt)
				continue
			}
			for _, inv := range invs {
				tgt.Rels[inv] = slices.DeleteFunc(tgt.Rels[inv], func(x string) bool { return x == r.ID })
			}
			st.touch(tgt)
		}
	}
}

func (st *store) count() int {
	n := 0
	for _, t := range st.tables {
		n += len(t.list)
	}
	return n
}
