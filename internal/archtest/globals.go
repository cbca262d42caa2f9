package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
)

// Global is one package-level variable that is not allowed: mutable state
// shared by everything in the process (two servers in one test process
// would share it).
type Global struct {
	File string // module-relative path
	Line int
	Name string
}

func (g Global) String() string {
	return fmt.Sprintf("%s:%d: package-level variable %s: keep state in a value (Config, a struct field) or make it a const or a func", g.File, g.Line, g.Name)
}

// FindGlobals reports the package-level variables of the non-test,
// non-generated Go files under root. Allowed are values that never change
// and are safe to share: sentinel errors (errors.New, fmt.Errorf),
// compiled regular expressions (regexp.MustCompile), //go:embed contents
// and the blank identifier (var _ I = T{}, compile-time assertions).
func FindGlobals(root string) ([]Global, error) {
	fset := token.NewFileSet()
	var out []Global
	err := walkGoFiles(root, func(path string) error {
		if strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		if ast.IsGenerated(f) {
			return nil
		}
		out = append(out, globalsOf(fset, filepath.ToSlash(rel), f)...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("archtest: %w", err)
	}
	return out, nil
}

// globalsOf lists the disallowed package-level variables of one file.
func globalsOf(fset *token.FileSet, rel string, f *ast.File) []Global {
	var out []Global
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.VAR {
			continue
		}
		embedded := hasEmbed(gen.Doc)
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			if embedded || hasEmbed(vs.Doc) {
				continue
			}
			for i, name := range vs.Names {
				if name.Name == "_" {
					continue
				}
				if i < len(vs.Values) && immutableValue(vs.Values[i]) {
					continue
				}
				out = append(out, Global{File: rel, Line: fset.Position(name.Pos()).Line, Name: name.Name})
			}
		}
	}
	return out
}

// immutableValue reports whether e is one of the allowed constructors.
func immutableValue(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	switch pkg.Name + "." + sel.Sel.Name {
	case "errors.New", "fmt.Errorf", "regexp.MustCompile":
		return true
	}
	return false
}

func hasEmbed(doc *ast.CommentGroup) bool {
	if doc == nil {
		return false
	}
	for _, c := range doc.List {
		if strings.HasPrefix(c.Text, "//go:embed ") {
			return true
		}
	}
	return false
}
