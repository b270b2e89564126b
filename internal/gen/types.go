package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// coreTypes are spec schemas that the hand-written core of package asc already declares.
var coreTypes = map[string]string{
	"ResourceLinks":      "ResourceLinks",
	"DocumentLinks":      "DocumentLinks",
	"PagedDocumentLinks": "PagedDocumentLinks",
	"PagingInformation":  "PagingInformation",
	"RelationshipLinks":  "RelationshipLinks",
}

// decl is one generated top-level declaration, filed with its resource family (files.go).
type decl struct {
	name string
	src  string
}

// typeGen turns spec schemas into Go types on demand, each at most once.
type typeGen struct {
	doc        *Document
	decls      map[string]*decl
	enumGroups map[string]*enumGroup // field|values -> inline enum (enums.go)
	enumOrder  []*enumGroup          // in order of first occurrence
	overridden map[string]bool       // typeOverrides keys used (overrides.go)
	tables     map[string]string     // included members -> decoder table type
	resources  map[string]string     // schema -> JSON:API type
	listItem   map[string]string     // list document schema -> Go type of its items
}

func newTypeGen(doc *Document) *typeGen {
	return &typeGen{doc: doc, decls: map[string]*decl{}, enumGroups: map[string]*enumGroup{}, overridden: map[string]bool{},
		tables: map[string]string{}, resources: resourceSchemas(doc), listItem: map[string]string{}}
}

func (g *typeGen) add(name, src string) {
	if old, ok := g.decls[name]; ok {
		if old.src != src {
			panic(fmt.Sprintf("gen: two different declarations named %s", name))
		}
		return
	}
	g.decls[name] = &decl{name: name, src: src}
}

// isRequestSchema tells which mode a component schema is generated in: request bodies use
// pointers for every optional field so that nil means "leave out".
func isRequestSchema(name string) bool {
	return strings.HasSuffix(name, "Request") || strings.Contains(name, "InlineCreate")
}

// named makes sure the component schema is declared and returns its Go type.
func (g *typeGen) named(name string) string {
	if t, ok := coreTypes[name]; ok {
		return t
	}
	if _, ok := g.decls[name]; ok {
		return name
	}
	s := g.doc.Components.Schemas.Values[name]
	if s == nil {
		panic("gen: unknown schema " + name)
	}
	if t, list, ok := linkageCoreType(name, s); ok {
		if list {
			g.listItem[name] = "ResourceIdentifier"
		}
		return t
	}
	switch {
	case s.Type == "string" && len(s.Enum) > 0:
		g.enum(name, s.Enum, "")
	case s.Properties.Len() > 0:
		g.decls[name] = &decl{name: name, src: "// placeholder"} // breaks reference cycles
		g.structType(name, name, s, isRequestSchema(name))
	case s.Type == "array" && s.Items != nil:
		g.decls[name] = &decl{name: name, src: "// placeholder"}
		elem := g.fieldType(s.Items, name, "Item", isRequestSchema(name))
		g.decls[name].src = fmt.Sprintf("// %s is the spec's schema %s.\ntype %s []%s\n", name, name, name, elem)
	default:
		g.add(name, fmt.Sprintf("// %s is the spec's schema %s, a free-form JSON value.\ntype %s = json.RawMessage\n", name, name, name))
	}
	return name
}

// enum declares a named string type with one constant per value.
func (g *typeGen) enum(name string, values []string, doc string) {
	var b strings.Builder
	if doc == "" {
		doc = fmt.Sprintf("%s is the spec's enumeration %s.", name, name)
	}
	fmt.Fprintf(&b, "// %s\ntype %s string\n\n", doc, name)
	b.WriteString("const (\n")
	seen := map[string]bool{}
	for _, v := range values {
		c := name + enumConstName(v)
		for i := 2; seen[c]; i++ {
			c = fmt.Sprintf("%s%s%d", name, enumConstName(v), i)
		}
		seen[c] = true
		fmt.Fprintf(&b, "\t%s %s = %q\n", c, name, v)
	}
	b.WriteString(")\n")
	g.add(name, b.String())
}

// linkageCoreType recognises the spec's relationship answers, one schema per relationship and
// all of two shapes, and returns the core type that decodes them: LinkageResponse ({data:
// identifier, links: DocumentLinks}) or LinkagesResponse ({data: [identifier], links:
// PagedDocumentLinks, meta: PagingInformation}). A schema of another shape is generated as
// it is.
func linkageCoreType(name string, s *Schema) (typ string, list, ok bool) {
	props := s.Properties
	data, hasData := props.Get("data")
	links, hasLinks := props.Get("links")
	if !hasData || !hasLinks || !s.IsRequired("data") || !s.IsRequired("links") {
		return "", false, false
	}
	switch {
	case strings.HasSuffix(name, "LinkageResponse") && props.Len() == 2 && isIdentifier(data) && links.RefName() == "DocumentLinks":
		return "LinkageResponse", false, true
	case strings.HasSuffix(name, "LinkagesResponse") && props.Len() == 3 && data.Type == "array" && data.Items != nil && isIdentifier(data.Items) && links.RefName() == "PagedDocumentLinks":
		if meta, ok := props.Get("meta"); ok && meta.RefName() == "PagingInformation" && !s.IsRequired("meta") {
			return "LinkagesResponse", true, true
		}
	}
	return "", false, false
}

func isIdentifier(s *Schema) bool {
	if s.Properties.Len() != 2 {
		return false
	}
	t, ok := s.Properties.Get("type")
	_, hasID := s.Properties.Get("id")
	return ok && hasID && len(t.Enum) == 1
}

// fieldType returns the Go type of a property. owner is the Go type holding it, used to name
// inline enums and objects.
func (g *typeGen) fieldType(s *Schema, owner, prop string, request bool) string {
	if s == nil {
		return "json.RawMessage"
	}
	if ref := s.RefName(); ref != "" {
		return g.named(ref)
	}
	switch s.Type {
	case "string":
		switch {
		case len(s.Enum) > 1 || (len(s.Enum) == 1 && prop != "type"):
			return g.inlineEnum(owner, prop, s.Enum)
		case s.Format == "date-time":
			return "Time"
		case s.Format == "date":
			return "Date"
		}
		return "string"
	case "integer":
		if s.Format == "int64" {
			return "int64"
		}
		return "int"
	case "number":
		return "float64"
	case "boolean":
		return "bool"
	case "array":
		if s.Items != nil && len(s.Items.OneOf) > 0 {
			if request {
				return "[]any"
			}
			return "[]json.RawMessage"
		}
		if s.Items != nil && s.Items.Ref == "" && s.Items.Type == "string" && len(s.Items.Enum) > 0 {
			// An enum type names one value: contentStatuses hold ContentStatus values.
			return "[]" + g.inlineEnum(owner, singular(goName(prop)), s.Items.Enum)
		}
		return "[]" + g.fieldType(s.Items, owner, prop, request)
	}
	if len(s.OneOf) > 0 {
		return "json.RawMessage"
	}
	if s.Properties.Len() > 0 {
		if isIdentifier(s) {
			return "ResourceIdentifier"
		}
		name := owner + goName(prop)
		if _, taken := g.decls[name]; taken {
			name += "Object"
		}
		g.decls[name] = &decl{name: name, src: "// placeholder"}
		g.structType(name, owner, s, request)
		return name
	}
	if len(s.AdditionalProperties) > 0 && string(s.AdditionalProperties) != "{}" && string(s.AdditionalProperties) != "true" {
		var ap Schema
		if err := jsonUnmarshal(s.AdditionalProperties, &ap); err == nil && ap.Type == "string" && ap.Ref == "" {
			return "map[string]string"
		}
	}
	return "json.RawMessage"
}

// kindOf classifies a Go type for pointer and omitempty decisions.
func (g *typeGen) kindOf(t string) string {
	switch {
	case strings.HasPrefix(t, "[]") || strings.HasPrefix(t, "map[") || t == "json.RawMessage" || strings.HasPrefix(t, "Included["):
		return "ref"
	case t == "string":
		return "string"
	case t == "bool" || t == "int" || t == "int64" || t == "float64" || t == "Time" || t == "Date":
		return "scalar"
	}
	if d, ok := g.decls[t]; ok && strings.Contains(d.src, "type "+t+" string") {
		return "string"
	}
	if d, ok := g.decls[t]; ok && (strings.Contains(d.src, "type "+t+" []") || strings.Contains(d.src, "= json.RawMessage")) {
		return "ref"
	}
	return "struct"
}

// structType declares an object schema. name is the Go type; prefix names its inline
// children (the data member of a request keeps the request's name as prefix, so its parts are
// XCreateRequestAttributes rather than XCreateRequestDataAttributes).
func (g *typeGen) structType(name, prefix string, s *Schema, request bool) {
	_, isResource := g.resources[name]
	var b strings.Builder
	var fields strings.Builder
	for _, k := range s.Properties.Keys {
		p := s.Properties.Values[k]
		required := s.IsRequired(k)
		childPrefix := name
		if prefix != name && strings.HasSuffix(name, "Data") {
			childPrefix = prefix
		}
		var t string
		switch {
		case k == "relationships" && p.Ref == "" && p.Properties.Len() > 0:
			t = g.relationships(childPrefix+"Relationships", p, request)
		case k == "included" && p.Type == "array" && p.Items != nil && len(p.Items.OneOf) > 0 && !request:
			t = "Included[" + g.includedTable(name, p.Items) + "]"
		case k == "data" && p.Ref == "" && p.Properties.Len() > 0 && !isIdentifier(p):
			dn := name + "Data"
			g.decls[dn] = &decl{name: dn, src: "// placeholder"}
			g.structType(dn, name, p, request)
			t = dn
		case k == "data" && p.Ref == "" && p.Type == "string" && len(p.Enum) == 0:
			// Spec error: metrics dimensions declare data as a string, but Apple sends a
			// {type, id} linkage (its own documentation example does). Keep it raw.
			t = "json.RawMessage"
		default:
			t = g.fieldType(p, childPrefix, k, request)
		}
		overrideNote := ""
		if o, ok := g.override(name, k); ok {
			t, overrideNote = o.typ, o.reason
		}
		if k == "data" && strings.HasPrefix(t, "[]") {
			g.listItem[name] = t[2:]
		}
		kind := g.kindOf(t)
		omit := ",omitempty"
		ptr := ""
		switch {
		case required:
			omit = ""
		case kind == "ref" || (kind == "string" && !request):
		default:
			ptr = "*"
		}
		if kind == "struct" && required {
			ptr = ""
		}
		if (k == "id" || k == "type") && t == "string" {
			ptr = "" // identity members are plain strings even where a request may omit them
		}
		if overrideNote != "" {
			fmt.Fprintf(&fields, "\t// %s: %s.\n", goName(k), overrideNote)
		}
		if p.Deprecated {
			fmt.Fprintf(&fields, "\t// Deprecated: Apple marks %s deprecated.\n", k)
		}
		fmt.Fprintf(&fields, "\t%s %s%s `json:\"%s%s\"`\n", goName(k), ptr, t, k, omit)
	}
	switch {
	case isResource:
		fmt.Fprintf(&b, "// %s is a resource of type %q (schema %s).\n", name, g.resources[name], name)
	case name == prefix:
		fmt.Fprintf(&b, "// %s is the spec's schema %s.\n", name, name)
	default:
		fmt.Fprintf(&b, "// %s is part of %s.\n", name, prefix)
	}
	clearable := request && strings.HasSuffix(name, "UpdateRequestAttributes")
	if clearable {
		fields.WriteString("\t// Clear names attributes (by their JSON names) to send as null, which clears them.\n")
		fields.WriteString("\tClear []string `json:\"-\"`\n")
	}
	fmt.Fprintf(&b, "type %s struct {\n%s}\n", name, fields.String())
	if clearable {
		fmt.Fprintf(&b, "\n// MarshalJSON sends the attributes Clear names as null.\nfunc (a %s) MarshalJSON() ([]byte, error) {\n\ttype plain %s\n\treturn marshalCleared(plain(a), a.Clear)\n}\n", name, name)
	}
	if isResource {
		fmt.Fprintf(&b, "\n// ResourceType returns the resource's JSON:API type; with ResourceID it makes %s an\n// IncludedResource.\nfunc (r *%s) ResourceType() string { return r.Type }\n\n", name, name)
		fmt.Fprintf(&b, "// ResourceID returns the resource's id.\nfunc (r *%s) ResourceID() string { return r.ID }\n", name)
	}
	g.decls[name] = &decl{name: name, src: b.String()}
}

// relationships declares a relationships object. Responses hold every relationship as a
// *Relationship (linkage, links, meta); requests hold Relationship values built with ToOne or
// ToMany, required ones without omitempty.
func (g *typeGen) relationships(name string, s *Schema, request bool) string {
	var b strings.Builder
	if request {
		fmt.Fprintf(&b, "// %s links the resource to others; build each with ToOne or ToMany.\n", name)
	} else {
		fmt.Fprintf(&b, "// %s are the resource's relationships. Each is nil when Apple did not send it;\n// its Data is set only for relationships named in Include.\n", name)
	}
	fmt.Fprintf(&b, "type %s struct {\n", name)
	for _, k := range s.Properties.Keys {
		if request && s.IsRequired(k) {
			fmt.Fprintf(&b, "\t%s Relationship `json:\"%s\"`\n", goName(k), k)
		} else {
			fmt.Fprintf(&b, "\t%s *Relationship `json:\"%s,omitempty\"`\n", goName(k), k)
		}
	}
	b.WriteString("}\n")
	g.add(name, b.String())
	return name
}

// includedTable declares the decoder of one included union and returns its type name.
// Responses listing the same member schemas share one table.
func (g *typeGen) includedTable(owner string, items *Schema) string {
	type member struct{ typ, schema string }
	var members []member
	mapping := map[string]string{}
	for _, o := range items.OneOf {
		name := o.RefName()
		typ := g.resources[name]
		if typ == "" {
			continue
		}
		if _, dup := mapping[typ]; dup {
			continue // two schemas for one type: the first listed wins
		}
		mapping[typ] = name
		members = append(members, member{typ, name})
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.typ, b.typ) })
	var key []string
	for _, m := range members {
		key = append(key, m.typ+"="+m.schema)
	}
	k := strings.Join(key, ",")
	if t, ok := g.tables[k]; ok {
		return t
	}
	name := lowerFirst(owner) + "Included"
	g.tables[k] = name
	var b strings.Builder
	fmt.Fprintf(&b, "// %s decodes the included resources of %s and of every response listing the same types.\ntype %s struct{}\n\n", name, owner, name)
	fmt.Fprintf(&b, "func (%s) decode(typ string) IncludedResource {\n\tswitch typ {\n", name)
	for _, m := range members {
		fmt.Fprintf(&b, "\tcase %q:\n\t\treturn new(%s)\n", m.typ, g.named(m.schema))
	}
	b.WriteString("\t}\n\treturn nil\n}\n")
	g.add(name, b.String())
	return name
}

// source renders the declarations whose names pass keep, sorted by name.
func (g *typeGen) source(keep func(name string) bool) []byte {
	var names []string
	for n := range g.decls {
		if keep(n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var buf bytes.Buffer
	for _, n := range names {
		buf.WriteString(g.decls[n].src)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}
