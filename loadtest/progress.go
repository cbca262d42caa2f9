package loadtest

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// plainEvery is how many samples go by between two progress lines when
// the output is not a terminal.
const plainEvery = 5

// progressPrinter shows the live progress line: rewritten in place on a
// terminal, else printed every few samples and at each phase change.
type progressPrinter struct {
	w   io.Writer
	tty bool

	mu        sync.Mutex
	n         int
	lastPhase string
	drawn     bool
}

func newProgressPrinter(w io.Writer) *progressPrinter {
	p := &progressPrinter{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// progressLine formats one sample.
func progressLine(s Sample, bots, tracksWanted int) string {
	return fmt.Sprintf("%5.0fs %s bots %d/%d  tracks %d/%d  sent %.1f Mbit/s  received %.1f Mbit/s  loss %.2f%%  latency p50 %.1f ms p99 %.1f ms  errors %d",
		s.T, phaseLabel(s.Phase), s.Connected, bots, s.TracksGot, tracksWanted,
		s.SentMbps, s.ReceivedMbps, s.LossPercent, s.LatencyP50MS, s.LatencyP99MS, s.Errors)
}

func (p *progressPrinter) update(s Sample, bots, tracksWanted int) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	line := progressLine(s, bots, tracksWanted)
	if p.tty {
		// Carriage return, clear the line, redraw.
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.drawn = true
		return
	}
	if p.n%plainEvery == 0 || s.Phase != p.lastPhase {
		fmt.Fprintln(p.w, line)
	}
	p.n++
	p.lastPhase = s.Phase
}

// finish ends the in-place line.
func (p *progressPrinter) finish() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.drawn {
		fmt.Fprintln(p.w)
	}
}
