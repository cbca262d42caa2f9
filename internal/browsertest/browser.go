package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Defaults of a test browser.
const (
	WindowWidth    = 1280
	WindowHeight   = 720
	DefaultTimeout = 30 * time.Second
	startTimeout   = 60 * time.Second
)

// Option configures [Start].
type Option func(*config)

type config struct {
	flags   []flag
	timeout time.Duration
}

// WithFlag adds a Chromium switch, or replaces one of the defaults; a bool
// false removes a default switch. Values of disable-features and
// enable-features are appended to the defaults, comma-separated. Examples:
//
//	WithFlag("auto-select-desktop-capture-source", "Entire screen")
//	WithFlag("use-fake-ui-for-media-stream", false)
func WithFlag(name string, value any) Option {
	return func(c *config) {
		name = strings.TrimLeft(name, "-")
		for i, f := range c.flags {
			if f.name != name {
				continue
			}
			if s, ok := value.(string); ok && (name == "disable-features" || name == "enable-features") {
				if prev, _ := f.value.(string); prev != "" {
					value = prev + "," + s
				}
			}
			c.flags[i].value = value
			return
		}
		c.flags = append(c.flags, flag{name, value})
	}
}

// WithTimeout sets how long one page action (navigate, evaluate,
// screenshot) may take; the default is [DefaultTimeout].
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// Browser is one headless Chromium process owned by a test.
type Browser struct {
	t       testing.TB
	cfg     config
	dataDir string
	output  *tailBuffer

	ctx         context.Context // root chromedp context: the browser
	cancel      context.CancelFunc
	cancelAlloc context.CancelFunc

	unlock func() // releases the machine's browser lock (lock.go)

	mu     sync.Mutex
	pages  []*Page
	closed bool
}

// Start launches Chromium for the test and closes it when the test ends.
// It fails the test when Chromium is missing or does not start. When the
// test has failed by then, the artefacts of every open page are saved first
// (see [Browser.SaveArtifacts]).
func Start(t testing.TB, opts ...Option) *Browser {
	t.Helper()
	if err := checkIsolated(); err != nil {
		t.Fatal(err)
	}
	path, err := chromiumPath()
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := lockMachine(t)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config{flags: baseFlags(), timeout: DefaultTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	b := &Browser{t: t, cfg: cfg, dataDir: t.TempDir(), output: newTailBuffer(256 << 10), unlock: unlock}

	allocOpts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(b.dataDir),
		chromedp.WindowSize(WindowWidth, WindowHeight),
		chromedp.CombinedOutput(b.output),
	}
	for _, f := range cfg.flags {
		allocOpts = append(allocOpts, chromedp.Flag(f.name, f.value))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	b.ctx, b.cancel = chromedp.NewContext(allocCtx)
	b.cancelAlloc = cancelAlloc

	// The first Do starts the process; its context must have no deadline
	// (the browser would die with it), so a watchdog bounds the start.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(b.ctx) }()
	select {
	case err = <-started:
	case <-time.After(startTimeout):
		err = fmt.Errorf("no answer after %v", startTimeout)
	}
	if err != nil {
		b.shutdown()
		t.Fatalf("browsertest: starting %s: %v\nbrowser output:\n%s", path, err, b.output.String())
	}
	t.Cleanup(b.close)
	return b
}

// Pages returns the open pages, in the order they were opened.
func (b *Browser) Pages() []*Page {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]*Page, 0, len(b.pages))
	for _, p := range b.pages {
		if !p.isClosed() {
			out = append(out, p)
		}
	}
	return out
}

// Output returns the tail of the browser process's stdout and stderr.
func (b *Browser) Output() string { return b.output.String() }

func (b *Browser) close() {
	if b.t.Failed() {
		dir, err := ArtifactDir(b.t.Name())
		if err == nil {
			var paths []string
			paths, err = b.SaveArtifacts(dir)
			for _, p := range paths {
				b.t.Logf("browsertest: saved %s", p)
			}
		}
		if err != nil {
			b.t.Logf("browsertest: saving artefacts: %v", err)
		}
	}
	b.shutdown()
}

// shutdown closes every page, then the browser, and waits for the process
// and its children to be gone so the user data directory can be removed.
func (b *Browser) shutdown() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	pages := b.pages
	b.mu.Unlock()
	for _, p := range pages {
		p.Close()
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	_ = chromedp.Cancel(ctx) // graceful Browser.close; the cancels below are the fallback
	b.cancel()
	b.cancelAlloc()
	killLeftovers(b.dataDir)
	b.unlock()
}

// killLeftovers kills processes that still run with the browser's user data
// directory (helpers of Chromium that outlive the main process). The
// directory is this test's own temporary directory, so only processes this
// harness started match.
func killLeftovers(dataDir string) {
	want := "--user-data-dir=" + dataDir
	deadline := time.Now().Add(3 * time.Second)
	for quiet := 0; quiet < 3 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if killProcessesWith(want) == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
}

func killProcessesWith(arg string) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		for _, a := range strings.Split(string(cmdline), "\x00") {
			if a == arg {
				if p, err := os.FindProcess(pid); err == nil && p.Kill() == nil {
					n++
				}
				break
			}
		}
	}
	return n
}
