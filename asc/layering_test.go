package asc

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCoreDoesNotUseGeneratedCode checks the layering of package asc: the generated files
// call the hand-written core (Do, DoRaw, All, doJSON, encodeOptions, resourcePath, Included),
// never the reverse. The one generated name the core may mention is the services struct
// that Client embeds (bound by reflection, not by a generated function).
func TestCoreDoesNotUseGeneratedCode(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	generated := map[string]bool{}
	var core []*ast.File
	var coreNames []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(name, "_gen.go") {
			core = append(core, f)
			coreNames = append(coreNames, name)
			continue
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					generated[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						generated[s.Name.Name] = true
					case *ast.ValueSpec:
						for _, n := range s.Names {
							generated[n.Name] = true
						}
					}
				}
			}
		}
	}
	if len(generated) < 1000 || len(core) < 5 {
		t.Fatalf("read %d generated names and %d core files: the test lost its input", len(generated), len(core))
	}
	allowed := map[string]bool{"services": true}
	for i, f := range core {
		var used []string
		var visit func(n ast.Node) bool
		visit = func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				// x.Name: Name is a field, method or another package's name.
				ast.Inspect(n.X, visit)
				return false
			case *ast.Ident:
				if generated[n.Name] && !allowed[n.Name] {
					used = append(used, n.Name)
				}
			}
			return true
		}
		ast.Inspect(f, visit)
		slices.Sort(used)
		if used = slices.Compact(used); len(used) > 0 {
			t.Errorf("%s uses generated declarations %v: move the helper into the core or the call into the generated code", coreNames[i], used)
		}
	}
}
