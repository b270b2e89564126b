// Command layer finds, by syntax rather than by text, what issue 9 counts of the domain
// layer in the non-test, non-generated Go files outside asc/, sandbox/ and bench/ (where
// building paths is the job):
//
//   - path: a string literal whose value starts with one of the API's roots (spec.Roots:
//     "/v1/", "/v2/", "/v3/"), with or without its leading slash: a path built by hand. Text
//     that only mentions a path (a help text's "/v1/apps" example) is not one.
//   - map: a map[string]any built by hand: a composite literal of that type or of a map,
//     slice, array or pointer type whose elements are such maps (map[string]map[string]any{},
//     []map[string]any{{...}, {...}}: one each, the elided inner literals are the outer
//     one's), and a make call of such a map type (a slice made for maps holds none yet).
//     map[string]interface{} and a type of the package that names either count alike.
//
// It prints one line a finding, "path" or "map", then file:line: and the line's code, for
// bench/layer.sh to count and list.
package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/ascend-tools/ascend/internal/spec"
)

// skipped are the top-level folders whose job is building paths and bodies.
var skipped = map[string]bool{".git": true, "asc": true, "sandbox": true, "bench": true}

func main() {
	if len(os.Args) > 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./bench/layer [module root]")
		os.Exit(2)
	}
	root := "."
	if len(os.Args) == 2 {
		root = os.Args[1]
	}
	found, err := scan(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "layer:", err)
		os.Exit(1)
	}
	for _, f := range found {
		fmt.Println(f)
	}
}

// finding is one path or map, printed as bench/layer.sh reads it.
type finding struct {
	kind, file string
	line       int
	code       string
}

func (f finding) String() string {
	return fmt.Sprintf("%s ./%s:%d: %s", f.kind, f.file, f.line, f.code)
}

// scan reads every package folder under root and returns the findings, by file and line.
func scan(root string) ([]finding, error) {
	dirs := map[string][]string{} // folder -> its non-test Go files
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if skipped[strings.Split(filepath.ToSlash(rel), "/")[0]] {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			dirs[filepath.Dir(rel)] = append(dirs[filepath.Dir(rel)], rel)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	roots := spec.Roots()
	for _, r := range spec.Roots() {
		roots = append(roots, strings.TrimPrefix(r, "/"))
	}
	var out []finding
	for _, files := range dirs {
		found, err := scanPackage(root, files, roots)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].file != out[j].file {
			return out[i].file < out[j].file
		}
		return out[i].line < out[j].line
	})
	return out, nil
}

// scanPackage parses one folder's files: the types all of them declare, generated ones too,
// resolve names; the findings are the hand-written files'.
func scanPackage(root string, files []string, roots []string) ([]finding, error) {
	fset := token.NewFileSet()
	c := &counter{fset: fset, types: map[string]ast.Expr{}, roots: roots}
	var parsed []*ast.File
	sources := map[*ast.File][]byte{}
	for _, rel := range files {
		src, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, rel, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok {
				c.types[ts.Name.Name] = ts.Type
			}
			return true
		})
		if !ast.IsGenerated(f) {
			parsed = append(parsed, f)
			sources[f] = src
		}
	}
	for _, f := range parsed {
		c.src = sources[f]
		c.visit(f)
	}
	return c.found, nil
}

// counter walks a package's files.
type counter struct {
	fset  *token.FileSet
	types map[string]ast.Expr // the package's types by name (one scope: near enough here)
	roots []string
	src   []byte // the file being walked
	found []finding
}

func (c *counter) add(kind string, n ast.Node) {
	p := c.fset.Position(n.Pos())
	lines := bytes.Split(c.src, []byte("\n"))
	code := ""
	if p.Line-1 < len(lines) {
		code = strings.TrimSpace(string(lines[p.Line-1]))
	}
	c.found = append(c.found, finding{kind: kind, file: filepath.ToSlash(p.Filename), line: p.Line, code: code})
}

// visit finds the paths and maps under n.
func (c *counter) visit(n ast.Node) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CompositeLit:
			if n.Type != nil && c.holdsMapOfAny(n.Type, 0) {
				c.add("map", n)
			}
		case *ast.CallExpr:
			if fn, ok := n.Fun.(*ast.Ident); ok && fn.Name == "make" && len(n.Args) > 0 && c.isMap(n.Args[0], 0) && c.holdsMapOfAny(n.Args[0], 0) {
				c.add("map", n) // a map made; a slice made for maps holds none yet
			}
		case *ast.BasicLit:
			if n.Kind != token.STRING {
				break
			}
			v, err := strconv.Unquote(n.Value)
			if err != nil {
				break
			}
			for _, r := range c.roots {
				if strings.HasPrefix(v, r) {
					c.add("path", n)
					break
				}
			}
		}
		return true
	})
}

// holdsMapOfAny reports whether typ is a map[string]any or a map, slice, array or pointer
// type whose elements are (through the package's type names).
func (c *counter) holdsMapOfAny(typ ast.Expr, depth int) bool {
	if depth > 8 {
		return false
	}
	if c.isStringMapOfAny(typ, depth) {
		return true
	}
	switch t := ast.Unparen(typ).(type) {
	case *ast.ArrayType:
		return c.holdsMapOfAny(t.Elt, depth+1)
	case *ast.MapType:
		return c.holdsMapOfAny(t.Key, depth+1) || c.holdsMapOfAny(t.Value, depth+1)
	case *ast.StarExpr:
		return c.holdsMapOfAny(t.X, depth+1)
	case *ast.Ident:
		if named, ok := c.types[t.Name]; ok {
			return c.holdsMapOfAny(named, depth+1)
		}
	}
	return false
}

// isMap reports whether typ is a map type (through the package's type names).
func (c *counter) isMap(typ ast.Expr, depth int) bool {
	switch t := ast.Unparen(typ).(type) {
	case *ast.MapType:
		return true
	case *ast.Ident:
		if named, ok := c.types[t.Name]; ok && depth < 8 {
			return c.isMap(named, depth+1)
		}
	}
	return false
}

// isStringMapOfAny reports whether typ is map[string]any, map[string]interface{} or a type of
// the package naming one.
func (c *counter) isStringMapOfAny(typ ast.Expr, depth int) bool {
	switch t := ast.Unparen(typ).(type) {
	case *ast.MapType:
		k, ok := ast.Unparen(t.Key).(*ast.Ident)
		return ok && k.Name == "string" && c.isAny(t.Value, depth)
	case *ast.Ident:
		if named, ok := c.types[t.Name]; ok && depth < 8 {
			return c.isStringMapOfAny(named, depth+1)
		}
	}
	return false
}

// isAny reports whether typ is any, interface{} or a type of the package naming one.
func (c *counter) isAny(typ ast.Expr, depth int) bool {
	switch t := ast.Unparen(typ).(type) {
	case *ast.InterfaceType:
		return len(t.Methods.List) == 0
	case *ast.Ident:
		if named, ok := c.types[t.Name]; ok && depth < 8 {
			return c.isAny(named, depth+1)
		}
		return t.Name == "any"
	}
	return false
}
