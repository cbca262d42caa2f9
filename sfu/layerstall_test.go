package sfu

import (
	"slices"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// TestStalledLayerFallsBack: a down-track on the middle layer falls back to
// the lowest when the middle one goes silent, and returns when it resumes.
func TestStalledLayerFallsBack(t *testing.T) {
	layers := []LayerInfo{{RID: "q", Width: 320, Height: 180}, {RID: "h", Width: 640, Height: 360}, {RID: "f", Width: 1280, Height: 720}}
	rig := newTestRig(t, webrtc.RTPCodecTypeVideo, codecVP8, layers)
	q, h := rig.layer(0), rig.layer(1) // f never flows
	d := rig.downTrack(Preferences{Width: 640}, &fakeWriter{})
	seq := map[*receiverLayer]uint16{}
	send := func(l *receiverLayer, at time.Duration) {
		seq[l]++
		n := seq[l]
		feed(l, rtpPacket(t, rtp.Header{SequenceNumber: n, Timestamp: uint32(n) * 3000, SSRC: l.ssrc, PayloadType: 96},
			vp8Payload(n, uint8(n), 0, true, true, []byte{1, 2, 3})), int64(at))
	}

	var got []int8
	step := 100 * time.Millisecond
	for at := step; at <= 4*time.Second; at += step {
		send(q, at)
		// h flows for the first second and from the third on.
		if at <= time.Second || at > 3*time.Second {
			send(h, at)
		}
		if t := d.TargetLayer(); len(got) == 0 || got[len(got)-1] != t {
			got = append(got, t)
		}
	}
	if want := []int8{1, 0, 1}; !slices.Equal(got, want) {
		t.Errorf("target layers over time %v, want %v (h, then q while h is silent, then h)", got, want)
	}
	if a := rig.r.ActiveLayers(); a != 0b011 {
		t.Errorf("active layers %03b at the end, want q and h", a)
	}
}

// TestLoneLayerStaysActive: a single-layer track that pauses is not marked
// inactive (nothing flows to check it, and nothing to fall back to).
func TestLoneLayerStaysActive(t *testing.T) {
	rig := newTestRig(t, webrtc.RTPCodecTypeVideo, codecVP8, nil)
	l := rig.layer(0)
	feed(l, rtpPacket(t, rtp.Header{SequenceNumber: 1, SSRC: l.ssrc, PayloadType: 96}, vp8Payload(1, 1, 0, true, true, []byte{1})), int64(time.Millisecond))
	feed(l, rtpPacket(t, rtp.Header{SequenceNumber: 2, SSRC: l.ssrc, PayloadType: 96}, vp8Payload(2, 2, 0, true, false, []byte{1})), int64(5*time.Second))
	if a := rig.r.ActiveLayers(); a != 0b001 {
		t.Errorf("active layers %03b, want the one layer", a)
	}
}
