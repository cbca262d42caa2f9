package web_test

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/parley-sfu/parley/internal/browsertest"
)

// TestActiveSpeaker checks the active-speaker highlight and stage against
// the real server's speaker detection (from the audio levels the browsers
// send). Chromium's own fake microphone beeps for 20 ms now and then, which
// the detector's smoothing may or may not count as speech (it did not under
// CPU load), so the fake microphone plays a speech-like WAV instead; alice
// and bob join without a microphone, carol with one:
//
//  1. alice in speaker view has bob on stage (the only other person); when
//     carol joins and speaks, the stage moves to her;
//  2. alice and bob see carol's tile highlighted as speaking, and no other
//     tile; carol sees her own tile highlighted;
//  3. when carol mutes, the highlight goes away.
func TestActiveSpeaker(t *testing.T) {
	base := startMeetingServer(t)
	b := browsertest.Start(t, browsertest.WithFlag("use-file-for-fake-audio-capture", speechWAV(t)))
	const room = "speakers"
	alice := join(t, b, base, room, "Alice", "mic", "off")
	bob := join(t, b, base, room, "Bob", "mic", "off")
	alice.waitVideoPlaying(t, bob)

	alice.page.Click(`[data-testid="layout-button"]`)
	alice.page.WaitJS(visible(`[data-testid="stage"] `+tile("bob")), joinWait)

	t.Log("carol joins and speaks")
	carol := join(t, b, base, room, "Carol")
	for _, p := range []*person{alice, bob} {
		p.page.WaitJS(speaking("carol"), mediaWait)
		for _, other := range []string{"alice", "bob", "local"} {
			if other == p.identity {
				continue
			}
			var on bool
			p.page.Eval(speaking(other), &on)
			if on {
				t.Errorf("%s sees %s speaking; only carol has a microphone", p.name, other)
			}
		}
	}
	carol.page.WaitJS(speaking("local"), mediaWait)
	alice.page.WaitJS(visible(`[data-testid="stage"] `+tile("carol"))+` && `+visible(`[data-testid="filmstrip"] `+tile("bob")), joinWait)
	alice.waitVideoPlaying(t, carol)

	t.Log("carol mutes")
	carol.page.Click(`[data-testid="mic-button"]`)
	for _, p := range []*person{alice, bob} {
		p.page.WaitJS(`!`+speaking("carol")+` && `+visible(tile("carol", "mic-muted")), mediaWait)
	}
	carol.page.WaitJS(`!`+speaking("local"), mediaWait)
	noPageErrors(t, alice, bob, carol)
}

// speaking is a JavaScript expression: the tile of identity is highlighted
// as an active speaker.
func speaking(identity string) string {
	return jsQuery(tile(identity)) + `?.classList.contains("speaking")`
}

// speechWAV writes a WAV file that sounds enough like speech to the
// browser's noise suppressor and the server's detector: "syllables" of a
// few hundred milliseconds with a gliding pitch and harmonics, and short
// pauses between them (a steady tone would be learnt as noise and
// suppressed). Chromium loops it.
func speechWAV(t *testing.T) string {
	t.Helper()
	const rate = 48000
	var samples []int16
	for syl := range 8 {
		n := rate * (180 + 40*(syl%3)) / 1000
		f0 := 140.0 + 25*float64(syl%4)
		phase := 0.0
		for i := range n {
			x := float64(i) / float64(n)
			phase += 2 * math.Pi * f0 * (1 + 0.15*x) / rate
			env := math.Sin(math.Pi * x) // rises and falls like a syllable
			v := 0.0
			for h := 1; h <= 6; h++ {
				v += math.Sin(float64(h)*phase) / float64(h)
			}
			samples = append(samples, int16(env*v*0.4*math.MaxInt16))
		}
		samples = append(samples, make([]int16, rate*60/1000)...)
	}
	data := make([]byte, 2*len(samples))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(data[2*i:], uint16(s))
	}
	// The canonical 44-byte header of 16-bit mono PCM.
	hdr := make([]byte, 44)
	copy(hdr[0:], "RIFF")
	binary.LittleEndian.PutUint32(hdr[4:], uint32(36+len(data)))
	copy(hdr[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(hdr[16:], 16)     // fmt chunk size
	binary.LittleEndian.PutUint16(hdr[20:], 1)      // PCM
	binary.LittleEndian.PutUint16(hdr[22:], 1)      // mono
	binary.LittleEndian.PutUint32(hdr[24:], rate)   // sample rate
	binary.LittleEndian.PutUint32(hdr[28:], rate*2) // byte rate
	binary.LittleEndian.PutUint16(hdr[32:], 2)      // block align
	binary.LittleEndian.PutUint16(hdr[34:], 16)     // bits per sample
	copy(hdr[36:], "data")
	binary.LittleEndian.PutUint32(hdr[40:], uint32(len(data)))
	path := filepath.Join(t.TempDir(), "speech.wav")
	if err := os.WriteFile(path, append(hdr, data...), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
