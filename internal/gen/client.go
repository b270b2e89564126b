package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// method is one generated method of a service.
type method struct {
	op      *Op
	service string            // Go field on Client: "Apps"
	name    string            // "ListInfos"
	options string            // options type or ""
	out     string            // response type, "" for no content
	raw     bool              // non-JSON answer: io.ReadCloser
	item    string            // list item type when the operation pages
	filters map[string]string // query filter with an enum -> Go type of its values
}

// docURL is the operation's page in Apple's documentation, whose slugs are the method and
// the path, lower-cased, with "/" as "-" and {id} as _id_.
func docURL(op *Op) string {
	slug := strings.ToLower(op.Method) + strings.ReplaceAll(strings.ReplaceAll(op.Path, "{", "_"), "}", "_")
	slug = strings.ToLower(strings.ReplaceAll(slug, "/", "-"))
	return "https://developer.apple.com/documentation/appstoreconnectapi/" + slug
}

func generateClient(doc *Document, ops []*Op, dir string) error {
	// Names the hand-written part of package asc declares, which no generated type may take.
	// Read from the module's asc folder (not dir) so that generating elsewhere gives the same
	// names.
	reserved := map[string]bool{}
	if root, err := moduleRoot(); err == nil {
		names, err := declaredNames(filepath.Join(root, "asc"))
		if err != nil {
			return err
		}
		reserved = names
	}
	g := newTypeGen(doc)
	prepareBodies(doc, ops)
	// Every resource gets a type, even one no response names directly, so included unions
	// and users can rely on it.
	for _, name := range slices.Sorted(mapKeys(g.resources)) {
		g.named(name)
	}
	var methods []*method
	parsed, names, err := methodNames(ops, resourceName)
	if err != nil {
		return err
	}
	for _, op := range ops {
		service, name := parsed[op].service, names[op]
		m := &method{op: op, service: service, name: name}
		if op.RequestSchema != "" {
			g.named(op.RequestSchema)
		}
		switch {
		case op.ResponseSchema == "":
		case op.MediaType != "application/json":
			m.raw = true
		default:
			m.out = g.named(op.ResponseSchema)
			if item, ok := g.listItem[op.ResponseSchema]; ok && op.Method == "GET" {
				if s := doc.Components.Schemas.Values[op.ResponseSchema]; s != nil {
					if _, hasLinks := s.Properties.Get("links"); hasLinks {
						m.item = item
					}
				}
			}
		}
		if len(op.Query) > 0 {
			m.options = service + name + "Options"
		}
		methods = append(methods, m)
	}

	// Query filters whose values the spec enumerates take the enum type (FilterPlatform
	// []Platform); inline enums get their names once every use of them is known.
	for _, m := range methods {
		for _, p := range m.op.Query {
			if _, _, enum, _ := paramInfo(p); len(enum) > 0 && strings.HasPrefix(p.Name, "filter[") {
				field := strings.TrimSuffix(strings.TrimPrefix(p.Name, "filter["), "]")
				field = field[strings.LastIndex(field, ".")+1:]
				if m.filters == nil {
					m.filters = map[string]string{}
				}
				m.filters[p.Name] = g.filterEnum(resourceName(m.service), field, enum)
			}
		}
	}
	if err := g.unusedOverrides(); err != nil {
		return err
	}
	rename := g.resolveEnums(reserved)
	for _, m := range methods {
		for k, t := range m.filters {
			m.filters[k] = rename(t)
		}
	}

	files := map[string][]byte{}
	// One file per resource family: its service, options and methods, then its types.
	byService := map[string][]*method{}
	for _, m := range methods {
		byService[m.service] = append(byService[m.service], m)
	}
	services := slices.Sorted(mapKeys(byService))
	fam := newFamilies(g.resources, services)
	bodies := map[string]*strings.Builder{}
	body := func(file string) *strings.Builder {
		if bodies[file] == nil {
			bodies[file] = &strings.Builder{}
		}
		return bodies[file]
	}
	for _, svc := range services {
		writeService(body(fam.file(svc)), svc, byService[svc])
	}
	declFile := map[string]string{}
	for n := range g.decls {
		declFile[n] = fam.file(n)
	}
	for _, file := range slices.Compact(slices.Sorted(maps.Values(declFile))) {
		body(file).Write(g.source(func(n string) bool { return declFile[n] == file }))
	}
	for file, b := range bodies {
		files[file] = fileSource([]byte(b.String()), "context", "encoding/json", "io", "iter", "net/http")
	}
	files["services_gen.go"] = fileSource(servicesStruct(services))
	files["operations_gen_test.go"] = operationTable(methods, g)

	// Remove generated files that this run no longer produces (a family emptied); a
	// file without the generated header is someone's hand-written code and stays.
	old, _ := filepath.Glob(filepath.Join(dir, "*_gen.go"))
	for _, f := range old {
		if _, keep := files[filepath.Base(f)]; !keep && isGenerated(f) {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	for _, name := range slices.Sorted(mapKeys(files)) {
		if err := writeGo(filepath.Join(dir, name), files[name]); err != nil {
			return err
		}
	}
	return nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// fileSource wraps declarations in a file with the generated header; goimports-like pruning
// is done by referencing each import once.
func fileSource(body []byte, imports ...string) []byte {
	var b strings.Builder
	b.WriteString(generatedHeader)
	b.WriteString("\npackage asc\n\n")
	var used []string
	for _, imp := range imports {
		base := imp[strings.LastIndex(imp, "/")+1:]
		if strings.Contains(string(body), base+".") {
			used = append(used, imp)
		}
	}
	if len(used) > 0 {
		b.WriteString("import (\n")
		for _, imp := range used {
			fmt.Fprintf(&b, "\t%q\n", imp)
		}
		b.WriteString(")\n\n")
	}
	b.Write(body)
	return []byte(b.String())
}

func writeService(b *strings.Builder, svc string, ms []*method) {
	fmt.Fprintf(b, "// %sService reaches the %s operations of the App Store Connect API.\ntype %sService service\n\n", svc, lowerFirst(svc), svc)
	for _, m := range ms {
		writeOptions(b, m)
		writeMethod(b, svc, m)
	}
}

func writeOptions(b *strings.Builder, m *method) {
	if m.options == "" {
		return
	}
	fmt.Fprintf(b, "// %s are the query parameters of %s %s.\ntype %s struct {\n", m.options, m.op.Method, m.op.Path, m.options)
	seen := map[string]bool{}
	for _, p := range m.op.Query {
		typ, array, _, _ := paramInfo(p)
		field := goName(p.Name)
		for seen[field] {
			field += "X"
		}
		seen[field] = true
		var t string
		switch et, enum := m.filters[p.Name]; {
		case enum && array:
			t = "[]" + et
		case enum:
			t = et
		case array:
			t = "[]string"
		case typ == "boolean":
			t = "*bool"
		case typ == "integer":
			t = "int"
		case typ == "number":
			t = "float64"
		default:
			t = "string"
		}
		if p.Required {
			fmt.Fprintf(b, "\t// %s is required.\n", field)
		}
		fmt.Fprintf(b, "\t%s %s `query:\"%s\"`\n", field, t, p.Name)
	}
	b.WriteString("}\n\n")
}

func writeMethod(b *strings.Builder, svc string, m *method) {
	op := m.op
	path := fmt.Sprintf("%q", op.Path)
	var args []string
	args = append(args, "ctx context.Context")
	if len(op.PathParams) > 0 {
		format := op.Path
		var ids []string
		for _, p := range op.PathParams {
			format = strings.ReplaceAll(format, "{"+p+"}", "%s")
			args = append(args, paramVar(p)+" string")
			ids = append(ids, paramVar(p))
		}
		path = fmt.Sprintf("resourcePath(%q, %s)", format, strings.Join(ids, ", "))
	}
	bodyArg := "nil"
	if op.RequestSchema != "" {
		args = append(args, "body *"+op.RequestSchema)
		bodyArg = "body"
	}
	query := "nil"
	if m.options != "" {
		args = append(args, "opts *"+m.options)
		query = "encodeOptions(opts)"
	}
	verb := "http.Method" + strings.ToUpper(op.Method[:1]) + strings.ToLower(op.Method[1:])

	var results string
	switch {
	case m.raw:
		results = "(io.ReadCloser, *Response, error)"
	case m.out == "":
		results = "(*Response, error)"
	default:
		results = fmt.Sprintf("(*%s, *Response, error)", m.out)
	}
	fmt.Fprintf(b, "// %s sends %s %s (%s).\n", m.name, op.Method, op.Path, op.ID)
	if m.raw {
		fmt.Fprintf(b, "// The answer is %s; the caller reads and closes it.\n", op.MediaType)
	}
	if m.item != "" {
		fmt.Fprintf(b, "// It returns one page; %sIter walks every page.\n", m.name)
	}
	fmt.Fprintf(b, "//\n// Apple's documentation: %s\n", docURL(op))
	if op.Deprecated {
		b.WriteString("//\n// Deprecated: Apple marks this operation deprecated.\n")
	}
	fmt.Fprintf(b, "func (s *%sService) %s(%s) %s {\n", svc, m.name, strings.Join(args, ", "), results)
	if op.RequestSchema != "" {
		writeBodyDefaults(b, m)
	}
	switch {
	case m.raw:
		fmt.Fprintf(b, "\treturn s.client.DoRaw(ctx, %s, %s, %s, %s, %q)\n", verb, path, query, bodyArg, op.MediaType)
	case m.out == "":
		fmt.Fprintf(b, "\treturn s.client.Do(ctx, %s, %s, %s, %s, nil)\n", verb, path, query, bodyArg)
	default:
		fmt.Fprintf(b, "\treturn doJSON[%s](ctx, s.client, %s, %s, %s, %s)\n", m.out, verb, path, query, bodyArg)
	}
	b.WriteString("}\n\n")
	if m.item != "" {
		iterArgs := slices.Clone(args)
		fmt.Fprintf(b, "// %sIter yields every item of %s, requesting the next page only as the loop asks.\n", m.name, m.name)
		if op.Deprecated {
			b.WriteString("//\n// Deprecated: Apple marks this operation deprecated.\n")
		}
		fmt.Fprintf(b, "func (s *%sService) %sIter(%s) iter.Seq2[%s, error] {\n", svc, m.name, strings.Join(iterArgs, ", "), m.item)
		fmt.Fprintf(b, "\treturn All[%s](ctx, s.client, %s, %s)\n}\n\n", m.item, path, query)
	}
}

// writeBodyDefaults fills the resource type (and, for updates, the id) of a request body when
// the caller left them empty, without modifying the caller's value.
func writeBodyDefaults(b *strings.Builder, m *method) {
	// Known only through the catalog's body model; the generator keeps its own copy.
	info := bodyInfo[m.op.RequestSchema]
	if info.typ == "" {
		return
	}
	cond := "body.Data.Type == \"\""
	if info.hasID && len(m.op.PathParams) > 0 {
		cond += " || body.Data.ID == \"\""
	}
	if strings.Contains(cond, "||") {
		cond = "(" + cond + ")"
	}
	fmt.Fprintf(b, "\tif body != nil && %s {\n\t\tcp := *body\n", cond)
	fmt.Fprintf(b, "\t\tif cp.Data.Type == \"\" {\n\t\t\tcp.Data.Type = %q\n\t\t}\n", info.typ)
	if info.hasID && len(m.op.PathParams) > 0 {
		fmt.Fprintf(b, "\t\tif cp.Data.ID == \"\" {\n\t\t\tcp.Data.ID = %s\n\t\t}\n", paramVar(m.op.PathParams[0]))
	}
	b.WriteString("\t\tbody = &cp\n\t}\n")
}

// bodyInfo is filled by prepareBodies: request schemas whose data is an object with a type.
var bodyInfo = map[string]struct {
	typ   string
	hasID bool
}{}

func prepareBodies(doc *Document, ops []*Op) {
	for _, op := range ops {
		if op.RequestSchema == "" {
			continue
		}
		s := doc.Components.Schemas.Values[op.RequestSchema]
		data, ok := s.Properties.Get("data")
		if !ok || data.Ref != "" || data.Type == "array" || isIdentifier(data) {
			continue
		}
		t, ok := data.Properties.Get("type")
		if !ok || len(t.Enum) != 1 {
			continue
		}
		_, hasID := data.Properties.Get("id")
		bodyInfo[op.RequestSchema] = struct {
			typ   string
			hasID bool
		}{t.Enum[0], hasID}
	}
}

func servicesStruct(services []string) []byte {
	var b strings.Builder
	b.WriteString("// services holds one typed service per resource of the API. It is embedded in Client so\n// calls read client.Apps.List(ctx, opts); NewClient points every field at the client.\ntype services struct {\n")
	for _, s := range services {
		fmt.Fprintf(&b, "\t%s *%sService\n", s, s)
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// operationTable is a test file mapping every operationId to its method, which the coverage
// test checks against the catalog and, by reflection, against the services.
func operationTable(methods []*method, g *typeGen) []byte {
	var b strings.Builder
	b.WriteString(generatedHeader)
	b.WriteString("\npackage asc\n\n// operationMethods maps every operationId of the spec to its generated method.\nvar operationMethods = map[string]string{\n")
	for _, m := range methods {
		fmt.Fprintf(&b, "\t%q: %q,\n", m.op.ID, m.service+"."+m.name)
	}
	b.WriteString("}\n\n// listIterators names the iterator of every paged operation.\nvar listIterators = map[string]string{\n")
	for _, m := range methods {
		if m.item != "" {
			fmt.Fprintf(&b, "\t%q: %q,\n", m.op.ID, m.service+"."+m.name+"Iter")
		}
	}
	b.WriteString("}\n\n")
	// schemaTypes lets tests decode a document by its spec schema name: every resource and
	// every JSON response.
	names := map[string]string{} // spec schema -> Go type
	for n := range g.resources {
		names[n] = n
	}
	for _, m := range methods {
		if m.out != "" {
			names[m.op.ResponseSchema] = m.out
		}
	}
	b.WriteString("// schemaTypes makes a new value of the generated type of a spec schema.\nvar schemaTypes = map[string]func() any{\n")
	for _, n := range slices.Sorted(mapKeys(names)) {
		fmt.Fprintf(&b, "\t%q: func() any { return new(%s) },\n", n, names[n])
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// paramVar names a path parameter's Go argument: id stays id.
func paramVar(p string) string {
	if p == "id" {
		return "id"
	}
	return lowerFirst(goName(p))
}

// isGenerated reports whether the file starts with this generator's header.
func isGenerated(path string) bool {
	data, err := os.ReadFile(path)
	return err == nil && strings.HasPrefix(string(data), generatedHeader)
}

// declaredNames lists the package-level names of the hand-written Go files of package asc in
// dir (generated files and external test packages left out).
func declaredNames(dir string) (map[string]bool, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	fset := token.NewFileSet()
	for _, path := range files {
		if isGenerated(path) {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		if f.Name.Name != "asc" {
			continue
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					names[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					switch sp := sp.(type) {
					case *ast.TypeSpec:
						names[sp.Name.Name] = true
					case *ast.ValueSpec:
						for _, n := range sp.Names {
							names[n.Name] = true
						}
					}
				}
			}
		}
	}
	return names, nil
}
