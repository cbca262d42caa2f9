package loadtest

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestProgressPrinter(t *testing.T) {
	samples := []Sample{
		{T: 1, Phase: phaseRamp, Connected: 2}, {T: 2, Phase: phaseRamp, Connected: 4},
		{T: 3, Phase: phaseWindow, Connected: 4}, {T: 4, Phase: phaseWindow}, {T: 5, Phase: phaseWindow},
		{T: 6, Phase: phaseWindow}, {T: 7, Phase: phaseWindow}, {T: 8, Phase: phaseWindow},
	}
	// Not a terminal: plain lines, every fifth sample and at phase changes.
	var plain bytes.Buffer
	p := newProgressPrinter(&plain)
	for _, s := range samples {
		p.update(s, 4, 6)
	}
	p.finish()
	lines := strings.Split(strings.TrimSpace(plain.String()), "\n")
	if len(lines) != 3 || strings.Contains(plain.String(), "\r") {
		t.Errorf("plain progress:\n%q", plain.String())
	}
	if !strings.HasPrefix(strings.TrimSpace(lines[0]), "1s ramp") || !strings.Contains(lines[0], "bots 2/4  tracks 0/6") {
		t.Errorf("first line %q", lines[0])
	}

	// A terminal: one line redrawn in place, ended by finish.
	var tty bytes.Buffer
	p = newProgressPrinter(&tty)
	p.tty = true
	for _, s := range samples {
		p.update(s, 4, 6)
	}
	p.finish()
	if got := strings.Count(tty.String(), "\r\033[K"); got != len(samples) || !strings.HasSuffix(tty.String(), "\n") || strings.Count(tty.String(), "\n") != 1 {
		t.Errorf("terminal progress: %d redraws in %q", got, tty.String())
	}

	// A pipe is not a terminal; nil writes nothing.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if newProgressPrinter(w).tty {
		t.Error("a pipe taken for a terminal")
	}
	newProgressPrinter(nil).update(samples[0], 1, 1)
}
