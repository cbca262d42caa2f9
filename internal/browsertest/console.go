package browsertest

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
)

// ConsoleEntry is one console message of a page: a console API call, an
// uncaught exception or unhandled rejection, or a browser log entry (a
// failed request, a CSP violation...).
type ConsoleEntry struct {
	Time time.Time
	Type string // "log", "info", "warning", "error", "debug", "exception"...
	Text string
	URL  string
	Line int64 // 1-based; 0 when unknown
}

func (e ConsoleEntry) String() string {
	s := fmt.Sprintf("%s %s: %s", e.Time.Format("15:04:05.000"), e.Type, e.Text)
	if e.URL != "" {
		s += fmt.Sprintf(" (%s:%d)", e.URL, e.Line)
	}
	return s
}

// consoleLog records the console of one page. The recording starts when the
// tab opens, before the first navigation.
type consoleLog struct {
	mu      sync.Mutex
	entries []ConsoleEntry
}

func (c *consoleLog) add(m chromedp.ConsoleMessage) {
	e := ConsoleEntry{Time: m.Time, Type: string(m.Type), Text: m.Text, URL: m.URL}
	if m.URL != "" {
		e.Line = m.Line + 1
	}
	c.mu.Lock()
	c.entries = append(c.entries, e)
	c.mu.Unlock()
}

func (c *consoleLog) all() []ConsoleEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]ConsoleEntry(nil), c.entries...)
}

// text renders the last n entries (all when n <= 0), one per line.
func (c *consoleLog) text(n int) string {
	entries := c.all()
	if n > 0 && len(entries) > n {
		entries = entries[len(entries)-n:]
	}
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}
