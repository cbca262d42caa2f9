package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
)

// PageOption configures [Browser.NewPage].
type PageOption func(*pageConfig)

type pageConfig struct {
	deny []string
}

// DenyPermissions makes the page's browser context deny the named
// permissions ("camera", "microphone": names of the Permissions API) on
// every origin, so getUserMedia fails with NotAllowedError. It needs a
// browser started with [WithPerPagePermissions]: the fake media UI of the
// default browser grants every request whatever the permission says.
func DenyPermissions(names ...string) PageOption {
	return func(c *pageConfig) { c.deny = append(c.deny, names...) }
}

// Page is one tab in a browser context of its own. Its methods fail the
// test that started the browser on error (the Err variants return the error
// instead), so call them from that test's goroutine: a subtest that uses
// them starts a browser of its own.
type Page struct {
	b       *Browser
	name    string
	ctx     context.Context
	cancel  context.CancelFunc
	console *consoleLog
	wg      sync.WaitGroup

	mu     sync.Mutex
	closed bool
}

// NewPage opens a tab named name (used in messages and artefact file
// names) in a new browser context, so it shares no cookies or storage with
// other pages. The console is recorded from the start.
func (b *Browser) NewPage(name string, opts ...PageOption) *Page {
	b.t.Helper()
	var cfg pageConfig
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	p := &Page{b: b, ctx: ctx, cancel: cancel, console: &consoleLog{}}
	if err := chromedp.Do(ctx); err != nil { // opens the tab
		cancel()
		b.t.Fatalf("browsertest: opening page %q: %v", name, err)
	}
	messages := chromedp.Console(ctx)
	p.wg.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			p.console.add(m)
		}
	})
	if err := b.setPermissions(ctx, cfg.deny); err != nil {
		p.Close()
		b.t.Fatalf("browsertest: page %q: %v", name, err)
	}

	b.mu.Lock()
	p.name = uniqueName(b.pages, name)
	b.pages = append(b.pages, p)
	b.mu.Unlock()
	return p
}

// Name returns the page's name, unique within its browser.
func (p *Page) Name() string { return p.name }

// Context returns the chromedp context of the tab, for actions this package
// does not wrap: chromedp.Run(p.Context(), chromedp.Click(...)).
func (p *Page) Context() context.Context { return p.ctx }

// Console returns the console messages recorded so far.
func (p *Page) Console() []ConsoleEntry { return p.console.all() }

// Close closes the tab and its browser context. The browser closes its
// pages itself when the test ends.
func (p *Page) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.wg.Wait()
}

func (p *Page) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// Navigate loads url and waits for its load event.
func (p *Page) Navigate(url string) {
	p.b.t.Helper()
	if err := p.NavigateErr(url); err != nil {
		p.fatalf("navigating to %s: %v", url, err)
	}
}

// NavigateErr is Navigate returning the error.
func (p *Page) NavigateErr(url string) error {
	ctx, cancel := context.WithTimeout(p.ctx, p.b.cfg.timeout)
	defer cancel()
	return chromedp.Do(ctx, chromedp.Navigate(url))
}

// Eval evaluates a JavaScript expression, awaits it when it is a promise,
// and decodes its JSON value into out (nil ignores the result). Wrap
// statements in an async function: `(async () => { ...; return x })()`.
func (p *Page) Eval(js string, out any) {
	p.b.t.Helper()
	if err := p.EvalErr(js, out); err != nil {
		p.fatalf("evaluating %s: %v", abbreviate(js, 200), err)
	}
}

// EvalErr is Eval returning the error, e.g. a rejected promise.
func (p *Page) EvalErr(js string, out any) error {
	ctx, cancel := context.WithTimeout(p.ctx, p.b.cfg.timeout)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if len(raw) == 0 {
		return fmt.Errorf("result is undefined")
	}
	return json.Unmarshal(raw, out)
}

// WaitJS polls a JavaScript expression until it is truthy. An expression
// that throws counts as false; on timeout the test fails with the
// expression, its last result or error and the tail of the console.
func (p *Page) WaitJS(expr string, timeout time.Duration) {
	p.b.t.Helper()
	js := "(async () => !!(" + expr + "))()"
	var last string
	err := poll(timeout, func() bool {
		var ok bool
		if err := p.EvalErr(js, &ok); err != nil {
			last = "error: " + err.Error()
			return false
		}
		last = fmt.Sprint(ok)
		return ok
	})
	if err != nil {
		p.fatalf("waited %v for %s (last: %s)", timeout, expr, last)
	}
}

// Text returns the textContent of the first element matching the CSS
// selector, or "" when none does.
func (p *Page) Text(selector string) string {
	p.b.t.Helper()
	var s string
	p.Eval(fmt.Sprintf(`document.querySelector(%s)?.textContent ?? ""`, jsString(selector)), &s)
	return s
}

// Attr returns an attribute of the first element matching the selector, or
// "" when there is no such element or attribute.
func (p *Page) Attr(selector, name string) string {
	p.b.t.Helper()
	var s string
	p.Eval(fmt.Sprintf(`document.querySelector(%s)?.getAttribute(%s) ?? ""`, jsString(selector), jsString(name)), &s)
	return s
}

// Count returns how many elements match the CSS selector.
func (p *Page) Count(selector string) int {
	p.b.t.Helper()
	var n int
	p.Eval(fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(selector)), &n)
	return n
}

// Click clicks the first element matching the selector (a DOM click, as a
// user's would dispatch). It fails the test when there is none.
func (p *Page) Click(selector string) {
	p.b.t.Helper()
	p.Eval(fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		if (!el) throw new Error("no element matches " + %s);
		el.click();
	})()`, jsString(selector), jsString(selector)), nil)
}

// Screenshot returns a PNG of the tab's viewport.
func (p *Page) Screenshot() ([]byte, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.b.cfg.timeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.CaptureScreenshot())
}

// fatalf fails the test with the page's name and the tail of its console.
func (p *Page) fatalf(format string, args ...any) {
	p.b.t.Helper()
	p.b.t.Fatalf("page %q: %s\nlast console messages:\n%s", p.name, fmt.Sprintf(format, args...), p.console.text(15))
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func abbreviate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// uniqueName makes name safe for a file name and unique among pages.
func uniqueName(pages []*Page, name string) string {
	base := unsafeName.ReplaceAllString(name, "_")
	if base == "" {
		base = "page"
	}
	taken := func(n string) bool {
		for _, p := range pages {
			if p.name == n {
				return true
			}
		}
		return false
	}
	out := base
	for i := 2; taken(out); i++ {
		out = fmt.Sprintf("%s-%d", base, i)
	}
	return out
}
