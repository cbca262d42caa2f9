package sfu

import (
	"reflect"
	"testing"
	"time"
)

// fakeLevels is an audio track whose level the test sets (-dBov; 127 or
// no packets is silence).
type fakeLevels struct {
	level   float64
	packets int
}

func (f *fakeLevels) ConsumeAudioLevel() (float64, int) { return f.level, f.packets }

// TestSpeakerDetector follows two participants: the louder one is reported
// first; starting needs 200 ms above -50 dBov, stopping 1 s below -60;
// short dips and blips change nothing.
func TestSpeakerDetector(t *testing.T) {
	d := NewSpeakerDetector(DefaultSpeakerConfig(), nil)
	alice, bob := &fakeLevels{level: 127}, &fakeLevels{level: 127}
	d.Add("TR_a", "alice", alice)
	d.Add("TR_b", "bob", bob)
	type report struct {
		IDs    []string
		Active []bool
	}
	ticks := func(n int) *report {
		var last *report
		for range n {
			if sp, ok := d.tick(); ok {
				r := &report{}
				for _, s := range sp {
					r.IDs = append(r.IDs, s.ID)
					r.Active = append(r.Active, s.Active)
				}
				last = r
			}
		}
		return last
	}
	expect := func(step string, got, want *report) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: got %+v, want %+v", step, got, want)
		}
	}
	expect("silence", ticks(10), nil)

	alice.level, alice.packets = 20, 5 // -20 dBov: speech
	expect("a blip is not speech", ticks(1), nil)
	alice.level = 127
	expect("silence again", ticks(5), nil)

	alice.level = 20
	expect("alice speaks", ticks(5), &report{IDs: []string{"alice"}, Active: []bool{true}})
	bob.level, bob.packets = 35, 5
	expect("bob joins, quieter", ticks(5), &report{IDs: []string{"alice", "bob"}, Active: []bool{true, true}})
	bob.level = 10
	expect("bob louder", ticks(10), &report{IDs: []string{"bob", "alice"}, Active: []bool{true, true}})

	alice.level, alice.packets = 127, 0 // DTX: no packets
	expect("a pause shorter than a second", ticks(5), nil)
	expect("alice stopped", ticks(10), &report{IDs: []string{"bob", "alice"}, Active: []bool{true, false}})
	expect("reported once", ticks(10), nil)

	d.Remove("TR_b")
	expect("bob's track is gone", ticks(1), &report{IDs: []string{"bob"}, Active: []bool{false}})
	expect("nothing more", ticks(10), nil)
}

func TestDBovToAmplitude(t *testing.T) {
	for _, tc := range []struct{ db, want float64 }{{0, 1}, {-20, 0.1}, {-40, 0.01}, {3, 1}} {
		if got := dBovToAmplitude(tc.db); got < tc.want*0.999 || got > tc.want*1.001 {
			t.Errorf("%v dBov: %v, want %v", tc.db, got, tc.want)
		}
	}
}

// TestSpeakerDetectorRuns: Run reports, and Stop ends it.
func TestSpeakerDetectorRuns(t *testing.T) {
	cfg := DefaultSpeakerConfig()
	cfg.Interval = 10e6
	got := make(chan []Speaker, 10)
	d := NewSpeakerDetector(cfg, func(s []Speaker) { got <- s })
	done := make(chan struct{})
	go func() { d.Run(); close(done) }()
	d.Add("TR_a", "alice", &fakeLevels{level: 10, packets: 3})
	select {
	case s := <-got:
		if len(s) != 1 || s[0].ID != "alice" || !s[0].Active || s[0].Level < 0.2 {
			t.Fatalf("speakers %+v", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no speakers reported")
	}
	d.Stop()
	d.Stop()
	<-done
}
