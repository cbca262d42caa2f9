package sfu

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// TestOwnershipExclusive hammers the protocol directly: three "readers"
// enter as owner or take over, and write a plain (non-atomic) counter inside
// their critical section. The race detector flags any write that is not
// ordered by the hand-offs; the inside counter flags any overlap.
func TestOwnershipExclusive(t *testing.T) {
	var o ownership
	o.w.Store(ownWord(LayerNone))
	var target atomic.Int32
	var inside atomic.Int32
	var state struct{ writes, takes int } // guarded by ownership alone
	var readers, control sync.WaitGroup
	var done atomic.Bool

	for layer := range int8(MaxLayers) {
		readers.Go(func() {
			for i := range 20000 {
				if i%16 == 0 {
					runtime.Gosched() // let the others interleave on few cores
				}
				switch {
				case o.enter(layer):
				case int8(target.Load()) == layer && i%3 == 0: // "keyframe"
					o.take(layer)
					state.takes++
				default:
					continue
				}
				if inside.Add(1) != 1 {
					t.Error("two owners inside at once")
				}
				state.writes++
				inside.Add(-1)
				if int8(target.Load()) == LayerNone {
					o.leave()
				} else {
					o.exit(layer)
				}
			}
		})
	}
	control.Go(func() {
		for !done.Load() {
			target.Store(int32(rand.IntN(MaxLayers+1)) - 1)
			if target.Load() == int32(LayerNone) {
				o.drop()
			}
			runtime.Gosched()
		}
	})
	readers.Wait()
	done.Store(true)
	control.Wait()
	if state.takes < 10 || state.writes < 100 {
		t.Fatalf("protocol hardly exercised: %+v", state)
	}
	t.Logf("%+v", state)
}

// TestDownTrackLayerSwitchStress feeds three simulcast layers from three
// goroutines (like three layer readers) into one down-track while another
// goroutine keeps changing its preferences. Without loss the subscriber
// must see one gapless stream: every sequence number exactly once, in
// order, whatever the switches and pauses.
func TestDownTrackLayerSwitchStress(t *testing.T) {
	layers := []LayerInfo{{RID: "q", Width: 320, Height: 180}, {RID: "h", Width: 640, Height: 360}, {RID: "f", Width: 1280, Height: 720}}
	rig := newTestRig(t, webrtc.RTPCodecTypeVideo, codecVP8, layers)
	w := &fakeWriter{record: true}
	ls := []*receiverLayer{rig.layer(0), rig.layer(1), rig.layer(2)}
	d := rig.downTrack(Preferences{Width: 320}, w)

	const perLayer = 6000
	var feeders sync.WaitGroup
	var stop atomic.Bool
	for i, l := range ls {
		feeders.Go(func() {
			base := uint16(i * 20000)
			for n := range perLayer {
				key := n%8 == 0
				raw := rtpPacket(t, rtp.Header{
					SequenceNumber: base + uint16(n), Timestamp: uint32(n/2) * 3000, SSRC: 1000 + uint32(i), PayloadType: 96,
				}, vp8Payload(uint16(n/2), uint8(n/2), 0, n%2 == 0, key, []byte{byte(i), 1, 2, 3}))
				feed(l, raw, rig.r.clock.now())
				if n%4 == 0 {
					runtime.Gosched() // interleave with the others on few cores
				}
			}
		})
	}
	var control sync.WaitGroup
	control.Go(func() {
		prefs := []Preferences{{Width: 320}, {Width: 640}, {Width: 1280}, {Paused: true}, {}}
		for !stop.Load() {
			d.SetPreferences(prefs[rand.IntN(len(prefs))])
			runtime.Gosched()
		}
	})
	feeders.Wait()
	stop.Store(true)
	control.Wait()

	if w.overlap.Load() {
		t.Fatal("two writes overlapped")
	}
	sent := w.packets()
	st := d.Stats()
	if len(sent) < 100 || st.LayerSwitches < 5 {
		t.Fatalf("too little happened: %d packets sent, %d switches", len(sent), st.LayerSwitches)
	}
	for i := 1; i < len(sent); i++ {
		prev, cur := sent[i-1].Header, sent[i].Header
		if cur.SequenceNumber != prev.SequenceNumber+1 {
			t.Fatalf("packet %d: seq %d after %d", i, cur.SequenceNumber, prev.SequenceNumber)
		}
		if int32(cur.Timestamp-prev.Timestamp) < 0 {
			t.Fatalf("packet %d: timestamp went back from %d to %d", i, prev.Timestamp, cur.Timestamp)
		}
		if cur.SSRC != sent[0].Header.SSRC || cur.PayloadType != subscriberPT {
			t.Fatalf("packet %d: ssrc/pt %d/%d", i, cur.SSRC, cur.PayloadType)
		}
	}
	if uint64(len(sent)) != st.PacketsSent {
		t.Fatalf("stats say %d sent, writer saw %d", st.PacketsSent, len(sent))
	}
	t.Logf("%d packets, %d switches, drops %v", len(sent), st.LayerSwitches, st.Dropped)
}
