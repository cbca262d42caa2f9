package archtest

import (
	"slices"
	"strings"
)

// Layers of the module, named by their top-level directory. Every package
// below a layer's directory belongs to it (sfu/buffer is "sfu"), and imports
// inside one layer are always allowed.
const (
	LayerProto     = "proto"
	LayerAuth      = "auth"
	LayerTURN      = "turn"
	LayerSFU       = "sfu"
	LayerRoom      = "room"
	LayerSignaling = "signaling"
	LayerCascade   = "cascade"
	LayerWeb       = "web"
	LayerClient    = "client"
	LayerLoadtest  = "loadtest"
	LayerServer    = "server"
	LayerCmd       = "cmd"
	LayerInternal  = "internal"
)

// rule says which other layers a layer's non-test files may import.
type rule struct {
	// any allows every layer of the module except those in except.
	any    bool
	except []string
	allow  []string
}

func (r rule) allows(layer string) bool {
	if r.any {
		return !slices.Contains(r.except, layer)
	}
	return slices.Contains(r.allow, layer)
}

// rules is the allow-list of shared/design.md ("Layout and dependency
// direction"). It is built per call so the package holds no mutable state.
func rules() map[string]rule {
	return map[string]rule{
		LayerProto:     {},
		LayerAuth:      {},
		LayerTURN:      {allow: []string{LayerAuth}},
		LayerSFU:       {},
		LayerRoom:      {allow: []string{LayerSFU}},
		LayerSignaling: {allow: []string{LayerProto, LayerAuth, LayerRoom, LayerSFU}},
		LayerCascade:   {allow: []string{LayerRoom, LayerSFU, LayerProto, LayerAuth}},
		LayerWeb:       {},
		LayerClient:    {allow: []string{LayerProto}},
		LayerLoadtest:  {allow: []string{LayerClient, LayerProto, LayerAuth}},
		LayerServer:    {any: true, except: []string{LayerCmd, LayerLoadtest}},
		LayerCmd:       {any: true},
		LayerInternal:  {any: true},
	}
}

// testExtras are the layers that any package's _test.go files may import on
// top of its own allow-list: test helpers, the client SDK to drive a server,
// tokens, and the wire contract to check messages.
func testExtras() []string {
	return []string{LayerInternal, LayerClient, LayerAuth, LayerProto}
}

// pureLayers are layers whose non-test files may import only the standard
// library and these external module prefixes.
func pureLayers() map[string][]string {
	return map[string][]string{
		LayerSFU:  {"github.com/pion/"},
		LayerTURN: {"github.com/pion/"},
	}
}

// LayerOf maps a module-relative, slash-separated directory ("sfu/buffer",
// "proto/parleypb", "cmd/parley") to its layer: its first path element.
func LayerOf(dir string) string {
	dir = strings.Trim(dir, "/")
	if dir == "" || dir == "." {
		return ""
	}
	first, _, _ := strings.Cut(dir, "/")
	return first
}

// isStdlib reports whether an import path belongs to the standard library:
// its first element has no dot (golang.org/x is not standard).
func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
