package loadtest

import (
	"slices"
	"testing"
	"time"
)

// TestEmbeddedMedia: every clip parses, starts with a keyframe, has a
// keyframe every 2 s, and runs at about the bit rate it was encoded for.
func TestEmbeddedMedia(t *testing.T) {
	wantKbps := [3]float64{150, 500, 1700}
	for _, codec := range []Codec{CodecVP8, CodecH264} {
		m, err := loadMedia(codec)
		if err != nil {
			t.Fatalf("%s: %v", codec, err)
		}
		for i, c := range m.layers {
			if got, want := len(c.frames), 6*videoFPS; got != want {
				t.Errorf("%s %s: %d frames, want %d", codec, layerRIDs()[i], got, want)
			}
			if got, want := c.keyframes, []int{0, 60, 120}; !slices.Equal(got, want) {
				t.Errorf("%s %s: keyframes at %v, want %v", codec, layerRIDs()[i], got, want)
			}
			if kbps := c.bitrate() / 1000; kbps < 0.8*wantKbps[i] || kbps > 1.2*wantKbps[i] {
				t.Errorf("%s %s: %.0f kbit/s, want about %.0f", codec, layerRIDs()[i], kbps, wantKbps[i])
			}
		}
	}
	m, err := loadMedia(CodecVP8)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.audio.frames); n < 290 || n > 302 {
		t.Errorf("opus: %d packets, want about 300 (6 s of 20 ms)", n)
	}
	if m.audio.interval != 20*time.Millisecond || m.audio.tsStep != 960 {
		t.Errorf("opus: interval %v step %d", m.audio.interval, m.audio.tsStep)
	}
	if kbps := m.audio.bitrate() / 1000; kbps < 25 || kbps > 40 {
		t.Errorf("opus: %.0f kbit/s, want about 32", kbps)
	}
}

func TestNextKeyframe(t *testing.T) {
	c := &clip{keyframes: []int{0, 60, 120}}
	for _, tc := range []struct{ at, want int }{{0, 0}, {1, 60}, {60, 60}, {61, 120}, {121, 0}, {179, 0}} {
		if got := c.nextKeyframe(tc.at); got != tc.want {
			t.Errorf("nextKeyframe(%d) = %d, want %d", tc.at, got, tc.want)
		}
	}
}
