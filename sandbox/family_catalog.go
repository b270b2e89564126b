package sandbox

import (
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
)

// The catalog: the demo data the families do not seed by hand. After every demo app is
// seeded, each GET operation of Apple's spec that would still answer nothing gets a resource
// to answer with: one of a collection's type, or one related to the last resource of the
// owner's type (made too when there is none; the first ones stay as their families made them), its attributes filled from the type's schema
// with values of the form Apple's carry. Families that seed a type by hand (versions,
// builds, ...) leave nothing for the catalog to fill there; a new family's own demo data
// replaces the catalog's for its types.

func init() {
	register(&family{name: "catalog", fill: fillCatalog})
}

// fillCatalog fills until a pass adds nothing (new resources bring new owners).
func fillCatalog(sd seeder) {
	for range 8 {
		if sd.fillPass() == 0 {
			return
		}
	}
}

func (sd seeder) fillPass() int {
	s := sd.s
	added := 0
	for _, op := range specOperations() {
		if op.Method != "GET" || op.MediaType != "application/json" {
			continue
		}
		segs := strings.Split(strings.Trim(op.Path, "/"), "/")
		base := "/" + segs[0] + "/" + segs[1]
		typ := s.mdl.typeAt(base)
		if s.computed(typ) || s.mdl.resource(typ) == nil {
			continue
		}
		switch {
		case len(segs) == 2:
			if itemType, list, ok := specResponseItemType(op.ResponseSchema); ok && list {
				typ = itemType
			}
			if s.computed(typ) || s.mdl.resource(typ) == nil {
				continue
			}
			if sd.fillCollection(op, typ) {
				added++
			}
		case len(segs) == 3:
			if len(s.st.all(typ)) == 0 {
				sd.make(typ)
				added++
			}
		case isMetricsPath(segs):
			if len(s.st.all(typ)) == 0 {
				sd.make(typ)
				added++
			}
		case len(segs) == 4 || (len(segs) == 5 && segs[3] == "relationships"):
			if sd.fillRelated(op, typ, segs[len(segs)-1]) {
				added++
			}
		}
	}
	return added
}

// fillCollection makes a resource of a collection that has none matching the filters it
// requires, linked to the first stored resource each required filter names.
func (sd seeder) fillCollection(op Operation, typ string) bool {
	s := sd.s
	var required []string
	for _, p := range op.Params {
		if inner, ok := bracket(p.Name, "filter"); ok && p.Required && len(p.Enum) == 0 {
			required = append(required, inner)
		}
	}
	if len(required) == 0 {
		if len(s.st.all(typ)) > 0 {
			return false
		}
		sd.make(typ)
		return true
	}
	// A resource linked to the first of each relationship a required filter names.
	targets := map[string]*record{}
	for _, name := range required {
		if name == "id" {
			continue
		}
		tgtType := s.mdl.target(typ, name)
		if tgtType == "" || s.computed(tgtType) {
			return false
		}
		if len(s.st.all(tgtType)) == 0 {
			sd.make(tgtType)
		}
		targets[name] = s.st.all(tgtType)[0]
	}
	for _, r := range s.st.all(typ) {
		match := true
		for name, tgt := range targets {
			match = match && slices.Contains(r.Rels[name], tgt.ID)
		}
		if match {
			return false
		}
	}
	r := sd.make(typ)
	for _, name := range slices.Sorted(maps.Keys(targets)) {
		s.st.link(r, name, targets[name])
	}
	return true
}

// fillRelated makes a resource related to the first owner of a type when no owner of the
// type has any there.
func (sd seeder) fillRelated(op Operation, typ, rel string) bool {
	s := sd.s
	if catalogSkips(typ) {
		return false
	}
	if s.computesRelated(typ, rel) {
		return false // a family computes this list
	}
	target := s.mdl.target(typ, rel)
	declared := target != ""
	if !declared {
		itemType, _, ok := specResponseItemType(op.ResponseSchema)
		if !ok {
			return false
		}
		target = itemType
	}
	if s.computed(target) || s.mdl.resource(target) == nil {
		return false
	}
	owners := s.st.all(typ)
	for _, o := range owners {
		if declared && len(o.Rels[rel]) > 0 {
			return false
		}
		if !declared && len(s.pointingAt(target, o)) > 0 {
			return false
		}
	}
	made := false
	if len(owners) == 0 {
		sd.make(typ)
		made = true
	}
	// The last owner: the first ones stay as the families that seed them made them.
	owner := s.st.all(typ)[len(s.st.all(typ))-1]
	if declared {
		s.st.link(owner, rel, sd.existingOrNew(typ, rel, target))
		return true
	}
	// A relationship only the related type declares: link from its side.
	for _, name := range s.mdl.relNames(target) {
		if s.mdl.target(target, name) == typ {
			s.st.link(sd.make(target), name, owner)
			return true
		}
	}
	// One neither model declares (a deprecated relationship): the owner holds the id.
	if _, ok := s.mdl.relation(typ, rel); !ok {
		owner.Rels[rel] = []string{sd.make(target).ID}
		return true
	}
	return made
}

// existingOrNew is a resource of the target type to link to through typ.rel: one already
// stored whose side of the link is free (so demo data of other families is joined, not
// duplicated: an existing territory, version, build), else a new one.
func (sd seeder) existingOrNew(typ, rel, target string) *record {
	s := sd.s
	invs := s.mdl.inverse(typ, rel)
	for _, t := range s.st.all(target) {
		free := true
		for _, inv := range invs {
			if !s.mdl.toMany(target, inv) && len(t.Rels[inv]) > 0 {
				free = false
			}
		}
		if free {
			return t
		}
	}
	return sd.make(target)
}

// make stores a resource of a type with attributes from its schema, linked to the first
// app when the type belongs to one.
func (sd seeder) make(typ string) *record {
	s := sd.s
	rt := s.mdl.resource(typ)
	attrs := map[string]any{}
	if rt != nil {
		for _, name := range slices.Sorted(maps.Keys(rt.Attributes)) {
			if v := demoValue(typ, name, rt.Attributes[name], 0); v != nil {
				attrs[name] = v
			}
		}
	}
	r := sd.add(typ, attrs)
	if s.mdl.target(typ, "app") == "apps" && !s.mdl.toMany(typ, "app") {
		if apps := s.st.all("apps"); len(apps) > 0 {
			s.st.link(r, "app", apps[0])
		}
	}
	return r
}

// demoValue is a value of the form an attribute takes: the first of an enum, a URL, an
// email, a date, a time, a locale, a version, a small number, or words naming it.
func demoValue(typ, name string, f *Field, depth int) any {
	if f == nil || depth > 3 {
		return nil
	}
	if len(f.Enum) > 0 {
		return f.Enum[0]
	}
	lower := strings.ToLower(name)
	switch f.Type {
	case "boolean":
		return false
	case "integer":
		return 3
	case "number":
		return 1.5
	case "array":
		if f.Items == nil {
			return []any{}
		}
		if v := demoValue(typ, strings.TrimSuffix(name, "s"), f.Items, depth+1); v != nil {
			return []any{v}
		}
		return []any{}
	case "object":
		m := map[string]any{}
		for _, k := range slices.Sorted(maps.Keys(f.Properties)) {
			if v := demoValue(typ, k, f.Properties[k], depth+1); v != nil {
				m[k] = v
			}
		}
		return m
	}
	switch f.Format {
	case "date-time":
		return stamp(seedEpoch.Add(-time.Duration(len(name)) * 26 * time.Hour))
	case "date":
		return seedEpoch.Add(-time.Duration(len(name)) * 24 * time.Hour).Format(time.DateOnly)
	case "uri", "uri-reference", "url":
		return "https://example.com/demo/" + typ + "/" + name
	case "email":
		return "team@example.com"
	}
	switch {
	case lower == "locale":
		return "en-US"
	case strings.Contains(lower, "email"):
		return "team@example.com"
	case strings.HasSuffix(lower, "url"):
		return "https://example.com/demo/" + typ
	case strings.Contains(lower, "version"):
		return "1.0"
	case lower == "vendoridentifier" || strings.HasSuffix(name, "Id") || strings.HasSuffix(name, "ID"):
		return "demo." + strings.ToLower(typ)
	}
	return "Demo " + words(name)
}

// words spells a camelCase name as words: "referenceName" -> "reference name".
func words(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// catalogSkips reports whether a family keeps the catalog away from a type's related data.
func catalogSkips(typ string) bool {
	for _, f := range registry.families {
		if slices.Contains(f.noCatalog, typ) {
			return true
		}
	}
	return false
}
