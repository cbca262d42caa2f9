package archtest

import (
	"go/parser"
	"go/token"
	"reflect"
	"testing"
)

// TestNoPackageGlobals is the real check: no mutable package-level state
// anywhere in the module.
func TestNoPackageGlobals(t *testing.T) {
	got, err := FindGlobals(moduleRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range got {
		t.Error(g)
	}
}

func TestGlobalsOf(t *testing.T) {
	src := `package p

import (
	"embed"
	"errors"
	"fmt"
	"regexp"
)

var ErrA = errors.New("a")

var (
	errB  = fmt.Errorf("b: %w", ErrA)
	re    = regexp.MustCompile("x+")
	table = map[string]int{"a": 1}
)

//go:embed static
var files embed.FS

var _ error = (*T)(nil)

var counter int

var x, y = 1, errors.New("y")

type T struct{}

func (*T) Error() string { return "" }

func f() { var local = map[int]int{}; _ = local }
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	got := globalsOf(fset, "p/p.go", f)
	want := []Global{
		{File: "p/p.go", Line: 15, Name: "table"},
		{File: "p/p.go", Line: 23, Name: "counter"},
		{File: "p/p.go", Line: 25, Name: "x"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("globalsOf = %v\nwant %v", got, want)
	}
}
