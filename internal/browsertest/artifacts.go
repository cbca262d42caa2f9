package browsertest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ArtifactsEnv overrides the directory artefacts are written under
// (default: test-artifacts at the repository root).
const ArtifactsEnv = "PARLEY_ARTIFACTS_DIR"

// ArtifactDir returns the directory for the artefacts of the named test:
// test-artifacts/<TestName>/ at the repository root (the nearest parent
// directory with a go.mod), with subtests as subdirectories.
func ArtifactDir(testName string) (string, error) {
	base := os.Getenv(ArtifactsEnv)
	if base == "" {
		root, err := repoRoot()
		if err != nil {
			return "", err
		}
		base = filepath.Join(root, "test-artifacts")
	}
	parts := strings.Split(testName, "/")
	for i, p := range parts {
		parts[i] = unsafeName.ReplaceAllString(p, "_")
	}
	return filepath.Join(append([]string{base}, parts...)...), nil
}

// SaveArtifacts writes, into dir (replacing what a previous run left
// there), a PNG screenshot and the console log of every open page and the
// browser's own output. It returns the paths written; it carries on past
// errors and returns them joined.
func (b *Browser) SaveArtifacts(dir string) ([]string, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	var errs []error
	write := func(name string, data []byte) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			errs = append(errs, err)
			return
		}
		paths = append(paths, path)
	}
	for _, p := range b.Pages() {
		if png, err := p.Screenshot(); err != nil {
			errs = append(errs, fmt.Errorf("screenshot of page %q: %w", p.name, err))
		} else {
			write(p.name+".png", png)
		}
		write(p.name+".console.log", []byte(p.console.text(0)))
	}
	write("browser.log", []byte(b.output.String()))
	return paths, errors.Join(errs...)
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("browsertest: no go.mod above the working directory")
		}
		dir = parent
	}
}
