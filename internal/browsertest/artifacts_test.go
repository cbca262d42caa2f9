package browsertest_test

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-sfu/parley/internal/browsertest"
)

// TestSaveArtifacts exercises what a failing test leaves behind, by calling
// the artefact writer directly on a passing test.
func TestSaveArtifacts(t *testing.T) {
	srv := testdataServer(t)
	b := browsertest.Start(t)
	p := b.NewPage("alice")
	p.Navigate(srv.URL + "/blank.html")
	p.Eval(`console.log("artefact-marker", 42); setTimeout(() => { throw new Error("uncaught-marker"); }, 0)`, nil)
	browsertest.WaitFor(t, 10*time.Second, "console messages", func() error {
		var texts []string
		for _, e := range p.Console() {
			texts = append(texts, e.Type+": "+e.Text)
		}
		all := strings.Join(texts, "\n")
		if !strings.Contains(all, "log: artefact-marker 42") || !strings.Contains(all, "uncaught-marker") {
			return fmt.Errorf("console so far:\n%s", all)
		}
		return nil
	})

	dir := filepath.Join(t.TempDir(), "TestX", "sub")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stale.png"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	paths, err := b.SaveArtifacts(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	slices.Sort(names)
	if want := []string{"alice.console.log", "alice.png", "browser.log"}; !slices.Equal(names, want) {
		t.Errorf("SaveArtifacts wrote %v, want %v", names, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "stale.png")); !os.IsNotExist(err) {
		t.Errorf("a stale artefact survived: %v", err)
	}

	img, err := os.ReadFile(filepath.Join(dir, "alice.png"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if cfg.Width != browsertest.WindowWidth || cfg.Height > browsertest.WindowHeight || cfg.Height < browsertest.WindowHeight/2 {
		t.Errorf("screenshot is %dx%d, want the %dx%d window's viewport", cfg.Width, cfg.Height, browsertest.WindowWidth, browsertest.WindowHeight)
	}
	log, err := os.ReadFile(filepath.Join(dir, "alice.console.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"log: artefact-marker 42", "exception: ", "uncaught-marker"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("console log lacks %q:\n%s", want, log)
		}
	}
}

func TestArtifactDir(t *testing.T) {
	t.Setenv(browsertest.ArtifactsEnv, "/tmp/arts")
	got, err := browsertest.ArtifactDir("TestMeeting/two browsers: video")
	if err != nil {
		t.Fatal(err)
	}
	if want := "/tmp/arts/TestMeeting/two_browsers_video"; got != want {
		t.Errorf("ArtifactDir = %q, want %q", got, want)
	}

	t.Setenv(browsertest.ArtifactsEnv, "")
	got, err = browsertest.ArtifactDir("TestX")
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if want := filepath.Join(filepath.Dir(filepath.Dir(wd)), "test-artifacts", "TestX"); got != want {
		t.Errorf("ArtifactDir = %q, want %q (repository root)", got, want)
	}
}
