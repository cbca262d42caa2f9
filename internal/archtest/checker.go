package archtest

import (
	"fmt"
	"slices"
	"strings"
)

// File is one Go source file as the checker sees it.
type File struct {
	// Path is module-relative and slash-separated ("room/room.go").
	Path string
	// Test is true for _test.go files.
	Test bool
	// Imports are the file's import paths.
	Imports []string
}

// Violation is one forbidden import.
type Violation struct {
	File   string // module-relative path of the importing file
	Import string // the import path as written
	From   string // layer of the importing file
	To     string // layer of the imported package; "" for an external import
	Reason string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s: %s (import %q)", v.File, v.Reason, v.Import)
}

// Check applies the dependency rules of design.md to files of the module
// named module and returns every violation, in file order.
func Check(module string, files []File) []Violation {
	allow := rules()
	pure := pureLayers()
	extras := testExtras()
	var out []Violation
	for _, f := range files {
		dir, _ := splitDir(f.Path)
		from := LayerOf(dir)
		r, known := allow[from]
		if !known {
			out = append(out, Violation{
				File: f.Path, From: from,
				Reason: fmt.Sprintf("unknown top-level package %q: add its layer to internal/archtest/rules.go and design.md", from),
			})
			continue
		}
		for _, imp := range f.Imports {
			if v, bad := checkImport(module, f, from, r, pure[from], extras, imp); bad {
				out = append(out, v)
			}
		}
	}
	return out
}

func checkImport(module string, f File, from string, r rule, pure, extras []string, imp string) (Violation, bool) {
	rel, internal := moduleRel(module, imp)
	if !internal {
		if f.Test || pure == nil || isStdlib(imp) || hasAnyPrefix(imp, pure) {
			return Violation{}, false
		}
		return Violation{
			File: f.Path, Import: imp, From: from,
			Reason: fmt.Sprintf("%s imports %s: forbidden, %s may import only the standard library and %s (see design.md)",
				from, imp, from, strings.Join(pure, ", ")),
		}, true
	}
	to := LayerOf(rel)
	if to == from || r.allows(to) || (f.Test && slices.Contains(extras, to)) {
		return Violation{}, false
	}
	return Violation{
		File: f.Path, Import: imp, From: from, To: to,
		Reason: fmt.Sprintf("%s imports %s: forbidden, see design.md", from, to),
	}, true
}

// moduleRel returns the module-relative path of an import inside module.
func moduleRel(module, imp string) (string, bool) {
	if imp == module {
		return "", true
	}
	rest, ok := strings.CutPrefix(imp, module+"/")
	return rest, ok
}

func splitDir(path string) (dir, file string) {
	i := strings.LastIndex(path, "/")
	if i < 0 {
		return "", path
	}
	return path[:i], path[i+1:]
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
