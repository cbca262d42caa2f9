package archtest

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const module = "github.com/parley-sfu/parley"

// TestModuleDependencies is the real check: every file of the module obeys
// the dependency direction of design.md.
func TestModuleDependencies(t *testing.T) {
	root := moduleRoot(t)
	if got := modulePath(t, root); got != module {
		t.Fatalf("go.mod declares module %q, want %q", got, module)
	}
	files, err := ParseModule(root)
	if err != nil {
		t.Fatal(err)
	}
	// Guard against a walk that silently finds nothing.
	seen := map[string]bool{}
	for _, f := range files {
		dir, _ := splitDir(f.Path)
		seen[LayerOf(dir)] = true
	}
	for _, layer := range []string{LayerProto, LayerSFU, LayerInternal} {
		if !seen[layer] {
			t.Fatalf("no Go files found for layer %q under %s: the walk is broken", layer, root)
		}
	}
	for _, v := range Check(module, files) {
		t.Error(v)
	}
}

func TestCheck(t *testing.T) {
	m := func(p string) string { return module + "/" + p }
	tests := []struct {
		name  string
		files []File
		want  []Violation
	}{
		{
			name: "allowed imports",
			files: []File{
				{Path: "room/room.go", Imports: []string{"sync", m("sfu"), m("room/internal/ids")}},
				{Path: "signaling/session.go", Imports: []string{m("proto/parleypb"), m("auth"), m("room"), m("sfu"), "github.com/coder/websocket"}},
				{Path: "cascade/relay.go", Imports: []string{m("room"), m("sfu"), m("proto/parleypb"), m("auth"), "github.com/nats-io/nats.go"}},
				{Path: "client/client.go", Imports: []string{m("proto/parleypb"), "github.com/pion/webrtc/v4"}},
				{Path: "loadtest/bot.go", Imports: []string{m("client"), m("proto/parleypb"), m("auth")}},
				{Path: "server/server.go", Imports: []string{m("signaling"), m("cascade"), m("web"), m("room"), m("auth"), m("internal/testutil")}},
				{Path: "cmd/parley/main.go", Imports: []string{m("server"), m("loadtest"), m("auth")}},
				{Path: "internal/testutil/server.go", Imports: []string{m("server"), m("cmd/parley")}},
				{Path: "sfu/receiver.go", Imports: []string{"sync/atomic", "github.com/pion/rtp", "github.com/pion/webrtc/v4"}},
				{Path: "sfu/buffer/cache.go", Imports: []string{m("sfu"), "github.com/pion/rtp"}},
			},
		},
		{
			name: "tests may import helpers, client, auth and proto",
			files: []File{
				{Path: "room/room_test.go", Test: true, Imports: []string{m("internal/testutil"), m("client"), m("auth"), m("proto/parleypb")}},
				{Path: "web/web_test.go", Test: true, Imports: []string{m("internal/browsertest"), m("proto/parleypb"), "github.com/pion/webrtc/v4"}},
				{Path: "sfu/forward_test.go", Test: true, Imports: []string{"go.uber.org/goleak"}},
			},
		},
		{
			name: "upward imports are rejected",
			files: []File{
				{Path: "room/room.go", Imports: []string{m("signaling")}},
				{Path: "sfu/sfu.go", Imports: []string{m("room")}},
				{Path: "client/client.go", Imports: []string{m("auth")}},
				{Path: "server/server.go", Imports: []string{m("loadtest")}},
				{Path: "web/handler.go", Imports: []string{m("proto/parleypb")}},
			},
			want: []Violation{
				{File: "room/room.go", Import: m("signaling"), From: "room", To: "signaling", Reason: "room imports signaling: forbidden, see design.md"},
				{File: "sfu/sfu.go", Import: m("room"), From: "sfu", To: "room", Reason: "sfu imports room: forbidden, see design.md"},
				{File: "client/client.go", Import: m("auth"), From: "client", To: "auth", Reason: "client imports auth: forbidden, see design.md"},
				{File: "server/server.go", Import: m("loadtest"), From: "server", To: "loadtest", Reason: "server imports loadtest: forbidden, see design.md"},
				{File: "web/handler.go", Import: m("proto/parleypb"), From: "web", To: "proto", Reason: "web imports proto: forbidden, see design.md"},
			},
		},
		{
			name: "tests get no more than the extras",
			files: []File{
				{Path: "room/room_test.go", Test: true, Imports: []string{m("signaling")}},
			},
			want: []Violation{
				{File: "room/room_test.go", Import: m("signaling"), From: "room", To: "signaling", Reason: "room imports signaling: forbidden, see design.md"},
			},
		},
		{
			name: "sfu imports only stdlib and pion",
			files: []File{
				{Path: "sfu/metrics.go", Imports: []string{"github.com/prometheus/client_golang/prometheus", "golang.org/x/sys/unix"}},
			},
			want: []Violation{
				{File: "sfu/metrics.go", Import: "github.com/prometheus/client_golang/prometheus", From: "sfu", Reason: "sfu imports github.com/prometheus/client_golang/prometheus: forbidden, sfu may import only the standard library and github.com/pion/ (see design.md)"},
				{File: "sfu/metrics.go", Import: "golang.org/x/sys/unix", From: "sfu", Reason: "sfu imports golang.org/x/sys/unix: forbidden, sfu may import only the standard library and github.com/pion/ (see design.md)"},
			},
		},
		{
			name: "unknown top-level package",
			files: []File{
				{Path: "billing/server.go", Imports: []string{"net"}},
			},
			want: []Violation{
				{File: "billing/server.go", From: "billing", Reason: `unknown top-level package "billing": add its layer to internal/archtest/rules.go and design.md`},
			},
		},
		{
			name: "turn uses auth and pion only",
			files: []File{
				{Path: "turn/server.go", Imports: []string{m("auth"), "github.com/pion/turn/v4"}},
				{Path: "turn/relay.go", Imports: []string{m("room"), "github.com/coder/websocket"}},
			},
			want: []Violation{
				{File: "turn/relay.go", Import: m("room"), From: "turn", To: "room", Reason: "turn imports room: forbidden, see design.md"},
				{File: "turn/relay.go", Import: "github.com/coder/websocket", From: "turn", Reason: "turn imports github.com/coder/websocket: forbidden, turn may import only the standard library and github.com/pion/ (see design.md)"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(module, tt.files)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Check() =\n%s\nwant\n%s", dump(got), dump(tt.want))
			}
		})
	}
}

func TestParseModule(t *testing.T) {
	root := t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module "+module+"\n")
	write("room/room.go", "package room\n\nimport (\n\t\"fmt\"\n\tsig \""+module+"/signaling\"\n)\n")
	write("room/room_test.go", "package room_test\n\nimport \"testing\"\n")
	write("room/testdata/skip.go", "package skip\n\nimport \"os\"\n")
	write(".hidden/skip.go", "package skip\n")
	write("tools/go.mod", "module example.com/tools\n")
	write("tools/tools.go", "package tools\n")

	got, err := ParseModule(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []File{
		{Path: "room/room.go", Imports: []string{"fmt", module + "/signaling"}},
		{Path: "room/room_test.go", Test: true, Imports: []string{"testing"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseModule() = %+v, want %+v", got, want)
	}

	write("room/broken.go", "package room\n\nimport (\n")
	if _, err := ParseModule(root); err == nil {
		t.Error("ParseModule() on a file that does not parse: want an error")
	}
}

func TestLayerOf(t *testing.T) {
	tests := map[string]string{
		"":               "",
		".":              "",
		"sfu":            "sfu",
		"sfu/buffer":     "sfu",
		"proto/parleypb": "proto",
		"cmd/parley":     "cmd",
		"internal/x/y":   "internal",
	}
	for dir, want := range tests {
		if got := LayerOf(dir); got != want {
			t.Errorf("LayerOf(%q) = %q, want %q", dir, got, want)
		}
	}
}

func dump(vs []Violation) string {
	if len(vs) == 0 {
		return "  (none)"
	}
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("  " + v.String() + "\n")
	}
	return b.String()
}

// moduleRoot walks up from the test's directory to the go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

func modulePath(t *testing.T, root string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	t.Fatal("go.mod has no module line")
	return ""
}
