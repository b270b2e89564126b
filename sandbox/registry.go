package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The behaviour registry. The generic engine (store, routing, queries, writes) knows nothing
// of particular resource types; what App Store Connect does beyond its schemas lives in
// families, one file each (family_*.go), which register themselves in init:
//
//   - hooks: rules the engine runs around every write of the family's types: a lock (may
//     the resource be written at all in its owner's state?), then before and after create,
//     update and delete, and a check of relationship writes;
//   - machines: each a table of transitions (state, event, guard, next state, effects, and an
//     event sent after a delay) that the engine runs when a hook, another machine or a timer
//     sends an event;
//   - demo data: what the "demo" seed holds of the family, for each demo app.
//
// Registration happens once, in init; afterwards the registry is read only.

// family is the behaviour of a group of related resource types.
type family struct {
	name     string
	hooks    []hooks
	machines []*machine
	// seed adds the family's demo data for one demo app (nil: none).
	seed func(sd seeder, d *demo)
	// seedAfter names the families whose demo data this family's demo data refers to (the
	// versions' builds), so theirs is made first.
	seedAfter []string
	// fill adds, once every demo app is seeded, what the demo data still lacks (nil: none).
	fill func(sd seeder)
	// noCatalog names types whose related resources only this family makes: the catalog
	// (family_catalog.go) adds none to them, since a workflow reading them whole (a products
	// pull) must meet only data the family made to Apple's rules.
	noCatalog []string
}

// hooks are a family's rules for the resource types it lists, or for every type match
// accepts (assets: any type with uploadOperations). Every field is optional. All run with
// s.mu held; a non-nil *httpError refuses the write and changes nothing.
type hooks struct {
	types []string
	match func(s *Server, typ string) bool

	// onePer names the to-one relationship to a parent that holds at most one resource of
	// the type (a version's review details): creating a second is a conflict, whose detail
	// ends with onePerFix ("" : "update that one instead").
	onePer, onePerFix string

	// lock refuses a write (create, update or delete) that the state of the resource or its
	// owner forbids; locks run before every other rule.
	lock func(s *Server, w write) *httpError

	beforeCreate func(s *Server, doc *resourceDoc) *httpError
	afterCreate  func(s *Server, req *apiRequest, r *record) *httpError
	beforeUpdate func(s *Server, r *record, doc *resourceDoc) *httpError
	afterUpdate  func(s *Server, req *apiRequest, r, old *record, doc *resourceDoc) *httpError
	beforeDelete func(s *Server, r *record) *httpError
	afterDelete  func(s *Server, r *record)
	// beforeLink checks a write of /relationships/{rel} (PATCH replace, POST add, DELETE remove).
	beforeLink func(s *Server, owner *record, rel, method string, targets []*record) *httpError
	// entered is told when a machine has moved a resource of the type into a new state.
	entered func(s *Server, r *record, state string)
	// newestFirst names to-many relationships of the type that Apple lists newest first
	// (an app's versions), in related lists, linkage and includes.
	newestFirst []string

	// resolve computes a resource of the type that the store does not hold (Apple's price
	// points: every tier of every territory of every product), or nil when the id names
	// none. Reads answer it as it is; the first write that refers to it stores it. An id a
	// type with resolve cannot resolve is ENTITY_ERROR.NOT_FOUND in a write, as Apple answers.
	resolve func(s *Server, id string) *record
	// related answers a related list of an owner of the type that the store does not hold
	// (a product's price points, a price point's equalizations) with computed resources;
	// ok false leaves the list to the store.
	// The request's query lets it compute only what a filter keeps.
	related func(s *Server, owner *record, rel string, q url.Values) (items []*record, ok bool)
	// relatedNames are the relationships related answers; it is asked of no other.
	relatedNames []string
	// imageSize says why a committed image of the type, w x h pixels, fails its processing
	// ("" when the size is accepted): the rule of an image asset whose size Apple fixes.
	imageSize func(w, h int) string
}

// write describes the write a lock is asked about.
type write struct {
	kind string // "create", "update" or "delete"
	typ  string
	doc  *resourceDoc // the request's resource (create, update); nil for delete
	rec  *record      // the stored resource (update, delete); nil for create
}

// machine is the state machine of some resource types, as a table. The state lives in the
// attribute attr unless get and set say otherwise (a nested state object, or a setter with
// side effects every change has, such as a webhook event).
type machine struct {
	types []string
	match func(s *Server, typ string) bool
	attr  string
	get   func(r *record) string
	set   func(s *Server, r *record, state string)
	rows  []transition
}

// transition is one row of a machine's table: in state from (one state, several as "A|B",
// "*" for any), event on, when the guard holds (nil: always), the resource moves to state to
// ("" stays), then do runs, and after the delay the event then is sent to the resource by a
// timer on the sandbox clock. The first row that matches wins.
type transition struct {
	from  string
	on    string
	when  func(s *Server, r *record) bool
	to    string
	do    func(s *Server, r *record)
	then  string
	after func(o *Options) time.Duration
}

// The delays of the machines' timers, from Options.
func processingDelay(o *Options) time.Duration      { return o.ProcessingDelay }
func buildProcessingDelay(o *Options) time.Duration { return o.BuildProcessingDelay }
func reviewDelay(o *Options) time.Duration          { return o.ReviewDelay }
func oneDay(*Options) time.Duration                 { return 24 * time.Hour }

// rejecting is the guard of App Review's outcomes: Options.RejectReviews rejects.
func rejecting(s *Server, _ *record) bool { return s.opts.RejectReviews }

// registry is every family, in registration order, with lookups by type built on first use.
var registry struct {
	families    []*family
	names       map[string]bool
	newestFirst map[string]bool // "apps.appStoreVersions"
}

// register adds a family; called from the family's file's init. Two families giving the
// same hook to the same listed type would make the order of their rules an accident of
// file names, so that is refused.
func register(f *family) {
	if registry.names == nil {
		registry.names = map[string]bool{}
	}
	if registry.names[f.name] {
		panic("sandbox: family " + f.name + " registered twice")
	}
	for _, h := range f.hooks {
		for _, typ := range h.types {
			for _, other := range registry.families {
				for _, oh := range other.hooks {
					if slices.Contains(oh.types, typ) && overlap(h, oh) {
						panic(fmt.Sprintf("sandbox: families %s and %s both give %s the same hook", other.name, f.name, typ))
					}
				}
			}
		}
	}
	for _, m := range f.machines {
		for _, row := range m.rows {
			if row.then != "" && row.after == nil {
				panic(fmt.Sprintf("sandbox: family %s: a transition on %q sends %q without a delay", f.name, row.on, row.then))
			}
		}
	}
	registry.names[f.name] = true
	registry.families = append(registry.families, f)
	for _, h := range f.hooks {
		for _, typ := range h.types {
			for _, rel := range h.newestFirst {
				if registry.newestFirst == nil {
					registry.newestFirst = map[string]bool{}
				}
				registry.newestFirst[typ+"."+rel] = true
			}
		}
	}
}

// listed returns a relationship's ids in the order Apple lists them: as linked, or newest
// first where a family says so.
func listed(typ, rel string, ids []string) []string {
	if !registry.newestFirst[typ+"."+rel] {
		return ids
	}
	out := slices.Clone(ids)
	slices.Reverse(out)
	return out
}

func overlap(a, b hooks) bool {
	both := func(x, y bool) bool { return x && y }
	return both(a.onePer != "", b.onePer != "") || both(a.lock != nil, b.lock != nil) ||
		both(a.beforeCreate != nil, b.beforeCreate != nil) || both(a.afterCreate != nil, b.afterCreate != nil) ||
		both(a.beforeUpdate != nil, b.beforeUpdate != nil) || both(a.afterUpdate != nil, b.afterUpdate != nil) ||
		both(a.beforeDelete != nil, b.beforeDelete != nil) || both(a.afterDelete != nil, b.afterDelete != nil) ||
		both(a.beforeLink != nil, b.beforeLink != nil) || both(a.entered != nil, b.entered != nil) ||
		both(a.resolve != nil, b.resolve != nil) || both(a.related != nil, b.related != nil)
}

// behaviour is what the registry holds for one resource type.
type behaviour struct {
	hooks   []*hooks // hooks given by match first, then those listing the type, each in registration order
	machine *machine
}

// behaviourOf returns a type's hooks and machine (computed once per type).
func (s *Server) behaviourOf(typ string) *behaviour {
	if v, ok := s.mdl.behaviours.Load(typ); ok {
		return v.(*behaviour)
	}
	b := &behaviour{}
	var listed []*hooks
	for _, f := range registry.families {
		for i := range f.hooks {
			h := &f.hooks[i]
			switch {
			case slices.Contains(h.types, typ):
				listed = append(listed, h)
			case h.match != nil && h.match(s, typ):
				b.hooks = append(b.hooks, h)
			}
		}
		for _, m := range f.machines {
			if slices.Contains(m.types, typ) || (m.match != nil && m.match(s, typ)) {
				if b.machine == nil {
					b.machine = m
				}
			}
		}
	}
	b.hooks = append(b.hooks, listed...)
	v, _ := s.mdl.behaviours.LoadOrStore(typ, b)
	return v.(*behaviour)
}

// stateOf is a resource's state in its machine ("" without one).
func (s *Server) stateOf(r *record) string {
	m := s.behaviourOf(r.Type).machine
	if m == nil {
		return ""
	}
	if m.get != nil {
		return m.get(r)
	}
	return r.str(m.attr)
}

// row finds the transition an event takes a resource through, or nil when its machine has
// none for the resource's state.
func (s *Server) row(r *record, event string) (*machine, *transition) {
	m := s.behaviourOf(r.Type).machine
	if m == nil {
		return nil, nil
	}
	state := s.stateOf(r)
	for i := range m.rows {
		t := &m.rows[i]
		if t.on == event && inState(t.from, state) && (t.when == nil || t.when(s, r)) {
			return m, t
		}
	}
	return m, nil
}

func inState(from, state string) bool {
	if from == "*" {
		return true
	}
	for f := range strings.SplitSeq(from, "|") {
		if f == state {
			return true
		}
	}
	return false
}

// can reports whether an event would move a resource: a hook refuses a request with it when
// the table has no row for the resource's state (a submission that is not ready).
func (s *Server) can(r *record, event string) bool {
	_, t := s.row(r, event)
	return t != nil
}

// send runs an event through the resource's machine and reports whether a row took it.
// Callers hold s.mu.
func (s *Server) send(r *record, event string) bool {
	m, t := s.row(r, event)
	if t == nil {
		return false
	}
	before := s.stateOf(r)
	if t.to != "" {
		if m.set != nil {
			m.set(s, r, t.to)
		} else {
			r.Attrs[m.attr] = t.to
		}
	}
	if t.do != nil {
		t.do(s, r)
	}
	if t.then != "" {
		s.schedule(t.after(&s.opts), r, t.then)
	}
	s.markDirty(r)
	if now := s.stateOf(r); now != before {
		for _, h := range s.behaviourOf(r.Type).hooks {
			if h.entered != nil {
				h.entered(s, r, now)
			}
		}
	}
	return true
}

// sendAll sends an event to each resource.
func (s *Server) sendAll(rs []*record, event string) {
	for _, r := range rs {
		s.send(r, event)
	}
}

// fire is a timer coming due: its event goes through the resource's machine.
func (s *Server) fire(r *record, event string) { s.send(r, event) }

// The engine's side of the hooks, called by the write paths in writes.go.

func (s *Server) lockFor(w write) *httpError {
	for _, h := range s.behaviourOf(w.typ).hooks {
		if h.lock != nil {
			if herr := h.lock(s, w); herr != nil {
				return herr
			}
		}
	}
	return nil
}

// beforeCreate refuses a create that would break a rule: a lock, a second resource of a
// locale or of a one-per-parent type, then the families' own rules.
func (s *Server) beforeCreate(doc *resourceDoc) *httpError {
	if herr := s.lockFor(write{kind: "create", typ: doc.Type, doc: doc}); herr != nil {
		return herr
	}
	if herr := s.uniqueLocale(doc); herr != nil {
		return herr
	}
	b := s.behaviourOf(doc.Type)
	for _, h := range b.hooks {
		if h.onePer == "" {
			continue
		}
		if l, has := doc.Rels[h.onePer]; has && len(l.ids) == 1 {
			if len(s.siblings(doc.Type, h.onePer, l.ids[0].ID)) > 0 {
				fix := h.onePerFix
				if fix == "" {
					fix = "update that one instead"
				}
				return conflict("ENTITY_ERROR.RELATIONSHIP.INVALID", entityTitles["ENTITY_ERROR.RELATIONSHIP.INVALID"],
					fmt.Sprintf("%s '%s' already has its %s; %s.", l.ids[0].Type, l.ids[0].ID, doc.Type, fix), "/data/relationships/"+h.onePer)
			}
		}
	}
	for _, h := range b.hooks {
		if h.beforeCreate != nil {
			if herr := h.beforeCreate(s, doc); herr != nil {
				return herr
			}
		}
	}
	return nil
}

// uniqueLocale refuses a second resource of a locale under the same parent (localizations of
// every kind), with Apple's detail as captured from App Store Connect.
func (s *Server) uniqueLocale(doc *resourceDoc) *httpError {
	locale, ok := doc.Attrs["locale"].(string)
	if !ok {
		return nil
	}
	for name, l := range doc.Rels {
		if l.many || len(l.ids) != 1 || len(s.mdl.inverse(doc.Type, name)) == 0 {
			continue
		}
		for _, r := range s.siblings(doc.Type, name, l.ids[0].ID) {
			if r.str("locale") == locale {
				return duplicate(fmt.Sprintf("Entity with locale: '%s' already exists. Try updating.", locale), "/data/attributes/locale")
			}
		}
	}
	return nil
}

// afterCreate sets what the server fills in on a new resource (createdDate, the families'
// defaults) and sends it the event "create", which its machine's table may take.
func (s *Server) afterCreate(req *apiRequest, r *record) *httpError {
	if rt := s.mdl.resource(r.Type); rt != nil {
		if f, ok := rt.Attributes["createdDate"]; ok && f.Format == "date-time" {
			r.Attrs["createdDate"] = s.timestamp(r.Type)
		}
	}
	for _, h := range s.behaviourOf(r.Type).hooks {
		if h.afterCreate != nil {
			if herr := h.afterCreate(s, req, r); herr != nil {
				return herr
			}
		}
	}
	s.send(r, "create")
	return nil
}

func (s *Server) beforeUpdate(r *record, doc *resourceDoc) *httpError {
	if herr := s.lockFor(write{kind: "update", typ: r.Type, doc: doc, rec: r}); herr != nil {
		return herr
	}
	for _, h := range s.behaviourOf(r.Type).hooks {
		if h.beforeUpdate != nil {
			if herr := h.beforeUpdate(s, r, doc); herr != nil {
				return herr
			}
		}
	}
	return nil
}

func (s *Server) afterUpdate(req *apiRequest, r, old *record, doc *resourceDoc) *httpError {
	for _, h := range s.behaviourOf(r.Type).hooks {
		if h.afterUpdate != nil {
			if herr := h.afterUpdate(s, req, r, old, doc); herr != nil {
				return herr
			}
		}
	}
	return nil
}

func (s *Server) beforeDelete(r *record) *httpError {
	if herr := s.lockFor(write{kind: "delete", typ: r.Type, rec: r}); herr != nil {
		return herr
	}
	for _, h := range s.behaviourOf(r.Type).hooks {
		if h.beforeDelete != nil {
			if herr := h.beforeDelete(s, r); herr != nil {
				return herr
			}
		}
	}
	return nil
}

func (s *Server) afterDelete(r *record) {
	for _, h := range s.behaviourOf(r.Type).hooks {
		if h.afterDelete != nil {
			h.afterDelete(s, r)
		}
	}
}

// checkRelationshipChange guards relationship writes: the families' rules, then the generic
// one that an owned list (a set's screenshots) can be reordered through PATCH but not emptied
// or filled with others' children.
func (s *Server) checkRelationshipChange(owner *record, rel, method string, targets []*record) *httpError {
	for _, h := range s.behaviourOf(owner.Type).hooks {
		if h.beforeLink != nil {
			if herr := h.beforeLink(s, owner, rel, method, targets); herr != nil {
				return herr
			}
		}
	}
	if method != "PATCH" || !s.mdl.toMany(owner.Type, rel) {
		return nil
	}
	invs := s.mdl.inverse(owner.Type, rel)
	if len(invs) == 0 || s.mdl.toMany(s.mdl.target(owner.Type, rel), invs[0]) {
		return nil
	}
	have := slices.Clone(owner.Rels[rel])
	var want []string
	for _, t := range targets {
		want = append(want, t.ID)
	}
	slices.Sort(have)
	slices.Sort(want)
	if !slices.Equal(have, want) {
		return conflict("ENTITY_ERROR.RELATIONSHIP.INVALID", entityTitles["ENTITY_ERROR.RELATIONSHIP.INVALID"],
			fmt.Sprintf("Send every one of the %d %s of this resource, in the new order.", len(have), rel), "/data")
	}
	return nil
}

// seedFamilies adds every family's demo data for one demo app, each family after those it
// names in seedAfter.
func seedFamilies(sd seeder, d *demo) {
	done := map[string]bool{}
	var visit func(f *family)
	visit = func(f *family) {
		if done[f.name] {
			return
		}
		done[f.name] = true
		for _, dep := range f.seedAfter {
			for _, g := range registry.families {
				if g.name == dep {
					visit(g)
				}
			}
		}
		if f.seed != nil {
			f.seed(sd, d)
		}
	}
	for _, f := range registry.families {
		visit(f)
	}
}

// Helpers the families share.

func stateError(detail string) *httpError {
	return conflict("STATE_ERROR.ENTITY_STATE_INVALID", "The request cannot be fulfilled because of the state of another resource.", detail, "")
}

func duplicate(detail, pointer string) *httpError {
	return conflict("ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE", "The provided entity includes an attribute with a value that has already been used", detail, pointer)
}

// intOf reads a number from a record's attributes or hidden state, which hold ints when
// fresh and float64s after a round trip through the state file.
func intOf(v any) int {
	switch v := v.(type) {
	case int:
		return v
	case float64:
		return int(v)
	}
	return 0
}

// relsOf turns a stored record's relationships into request-shaped linkage.
func relsOf(r *record) map[string]linkage {
	out := map[string]linkage{}
	for name, ids := range r.Rels {
		l := linkage{present: true}
		for _, id := range ids {
			l.ids = append(l.ids, identifier{ID: id})
		}
		out[name] = l
	}
	return out
}

func (doc *resourceDoc) relID(name string) string {
	if l, ok := doc.Rels[name]; ok && len(l.ids) > 0 {
		return l.ids[0].ID
	}
	return ""
}

// siblings returns the stored resources of a type under the same parent: through the
// parent's inverse list when the model has one (no scan of the whole type), else by a scan.
func (s *Server) siblings(typ, rel, parentID string) []*record {
	if tgt := s.mdl.target(typ, rel); tgt != "" {
		for _, inv := range s.mdl.inverse(typ, rel) {
			if s.mdl.target(tgt, inv) != typ {
				continue
			}
			if p := s.st.get(tgt, parentID); p != nil {
				return s.st.related(p, inv)
			}
			return nil
		}
	}
	var out []*record
	for _, r := range s.st.all(typ) {
		if r.one(rel) == parentID {
			out = append(out, r)
		}
	}
	return out
}

// lookup finds a resource in the store or, for a type whose family computes its resources,
// computes it (not stored: reads only).
func (s *Server) lookup(typ, id string) *record {
	if r := s.st.get(typ, id); r != nil {
		return r
	}
	for _, h := range s.behaviourOf(typ).hooks {
		if h.resolve != nil {
			return h.resolve(s, id)
		}
	}
	return nil
}

// computed reports whether a family computes the type's resources.
func (s *Server) computed(typ string) bool {
	for _, h := range s.behaviourOf(typ).hooks {
		if h.resolve != nil {
			return true
		}
	}
	return false
}

// referenced is the resource a write refers to: a stored one, or a computed one that is
// stored now so that it can be linked and included like any other. Callers hold s.mu.
func (s *Server) referenced(typ, id string) *record {
	if r := s.st.get(typ, id); r != nil {
		return r
	}
	c := s.lookup(typ, id)
	if c == nil {
		return nil
	}
	r := s.st.insert(typ, id, c.Attrs)
	for name, ids := range c.Rels {
		for _, tid := range ids {
			if tgt := s.st.get(s.mdl.target(typ, name), tid); tgt != nil {
				s.st.link(r, name, tgt)
			}
		}
	}
	s.markDirty(r)
	return r
}

// relatedHook asks the owner's families for a computed related list.
func (s *Server) relatedHook(owner *record, rel string, q url.Values) ([]*record, bool) {
	for _, h := range s.behaviourOf(owner.Type).hooks {
		if h.related != nil && slices.Contains(h.relatedNames, rel) {
			if items, ok := h.related(s, owner, rel, q); ok {
				return items, true
			}
		}
	}
	return nil, false
}

// computesRelated tells whether a family computes related lists rel of the type (without
// computing one: a product's price points are thousands of resources).
func (s *Server) computesRelated(typ, rel string) bool {
	for _, h := range s.behaviourOf(typ).hooks {
		if h.related != nil && slices.Contains(h.relatedNames, rel) {
			return true
		}
	}
	return false
}

// unknownComputed is Apple's answer to a write naming a computed resource that does not
// exist (an unknown price point): 409 ENTITY_ERROR.NOT_FOUND, not a relationship error.
func unknownComputed(typ, id, pointer string) apiError {
	return newError(http.StatusConflict, "ENTITY_ERROR.NOT_FOUND", "The specified resource does not exist",
		fmt.Sprintf("There is no resource of type '%s' with id '%s'", typ, id)).pointer(pointer)
}
