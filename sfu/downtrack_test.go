package sfu

import (
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// TestStreamState: what a subscriber is told about a video track.
func TestStreamState(t *testing.T) {
	rig := newTestRig(t, webrtc.RTPCodecTypeVideo, codecVP8, simLayers)
	f := newSimFeeder(t, rig)
	d := rig.downTrack(Preferences{}, &fakeWriter{})
	want := func(step string, paused bool, reason PauseReason, layer int8, q Quality) {
		t.Helper()
		got := d.StreamState()
		w := StreamState{TrackID: "TR_test", Publisher: "PA_pub", Paused: paused, Reason: reason, Layer: layer, Quality: q, Layers: 3}
		if got != w {
			t.Fatalf("%s: got %+v, want %+v", step, got, w)
		}
	}
	want("nothing received", true, PausePublisher, LayerNone, QualityOff)
	for l := range MaxLayers {
		f.feed(l, int64(l))
	}
	want("top layer", false, PauseNone, 2, QualityHigh)
	d.SetPreferences(Preferences{Width: 320})
	f.feed(0, 10)
	want("small tile", false, PauseNone, 0, QualityLow)
	d.setAllocation(allocation{set: true, layer: LayerNone}, 0)
	want("no bandwidth", true, PauseBandwidth, LayerNone, QualityOff)
	f.feed(0, 20)
	if st := d.Stats(); st.Dropped[DropBandwidth] != 1 {
		t.Fatalf("dropped for bandwidth: %d", st.Dropped[DropBandwidth])
	}
	d.setAllocation(allocation{set: true, layer: 1, temporal: maxTemporal}, 0)
	want("bandwidth back: the target, until its keyframe", false, PauseNone, 0, QualityLow)
	d.SetPreferences(Preferences{Paused: true})
	want("paused by the subscriber", true, PauseSubscriber, LayerNone, QualityOff)
}

// TestWriteFailureResyncs: a video down-track whose transport refuses a
// packet stops, counts why, and starts again at the next keyframe (asking
// for one); the stream stays continuous for the subscriber.
func TestWriteFailureResyncs(t *testing.T) {
	rig := newTestRig(t, webrtc.RTPCodecTypeVideo, codecVP8, nil)
	l := rig.layer(0)
	w := &fakeWriter{record: true}
	d := rig.downTrack(Preferences{}, w)
	seq := uint16(100)
	send := func(key bool) {
		feed(l, rtpPacket(t, rtp.Header{SequenceNumber: seq, Timestamp: uint32(seq) * 3000, SSRC: 1000, PayloadType: 96},
			vp8Payload(seq, 0, 0, true, key, []byte{1, 2, 3})), rig.r.clock.now())
		seq++
	}
	send(true)
	send(false)
	w.fail.Store(true)
	send(false)
	w.fail.Store(false)
	rig.r.pliThrottle = 0
	plis := rig.plis.Load()
	send(false) // waits for a keyframe
	send(false)
	send(true)
	send(false)
	st := d.Stats()
	if st.Dropped[DropWriteFailed] != 1 || st.Dropped[DropAwaitingKeyframe] != 2 || st.LayerSwitches != 2 {
		t.Fatalf("stats %+v", st)
	}
	if rig.plis.Load() == plis {
		t.Fatal("no keyframe asked for after the failure")
	}
	pkts := w.packets()
	if len(pkts) != 4 {
		t.Fatalf("%d packets written, want 4", len(pkts))
	}
	for i := 1; i < len(pkts); i++ {
		// The refused packet took its number: the gap is one packet.
		if d := pkts[i].Header.SequenceNumber - pkts[i-1].Header.SequenceNumber; d != 1 && !(i == 2 && d == 2) {
			t.Fatalf("packet %d: sequence %d after %d", i, pkts[i].Header.SequenceNumber, pkts[i-1].Header.SequenceNumber)
		}
	}
}
