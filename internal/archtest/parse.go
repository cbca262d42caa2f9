package archtest

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ParseModule reads the imports of every .go file under root (the module
// directory), tests included. It skips hidden directories, testdata, vendor
// and nested modules, as the go command does.
func ParseModule(root string) ([]File, error) {
	fset := token.NewFileSet()
	var files []File
	err := walkGoFiles(root, func(path string) error {
		f, err := parseFile(fset, root, path)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("archtest: %w", err)
	}
	return files, nil
}

// walkGoFiles calls fn with the path of every .go file under root,
// skipping what the go command skips.
func walkGoFiles(root string, fn func(path string) error) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && skipDir(path, d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(d.Name(), ".go") {
			return nil
		}
		return fn(path)
	})
}

func skipDir(path, name string) bool {
	switch {
	case strings.HasPrefix(name, "."), strings.HasPrefix(name, "_"),
		name == "testdata", name == "vendor", name == "node_modules":
		return true
	}
	_, err := os.Stat(filepath.Join(path, "go.mod"))
	return err == nil
}

func parseFile(fset *token.FileSet, root, path string) (File, error) {
	ast, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
	if err != nil {
		return File{}, err
	}
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return File{}, err
	}
	f := File{Path: filepath.ToSlash(rel), Test: strings.HasSuffix(path, "_test.go")}
	for _, spec := range ast.Imports {
		imp, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			return File{}, fmt.Errorf("%s: bad import %s: %w", rel, spec.Path.Value, err)
		}
		f.Imports = append(f.Imports, imp)
	}
	return f, nil
}
