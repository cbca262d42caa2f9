package sfu

import (
	"reflect"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// TestKeyframeRequests follows the PLIs a receiver sends upstream: when a
// down-track starts, while it waits for a keyframe (throttled), and when a
// subscriber asks for one; never for audio.
func TestKeyframeRequests(t *testing.T) {
	rig := newTestRig(t, webrtc.RTPCodecTypeVideo, codecVP8, nil)
	l := rig.layer(0)
	d := rig.downTrack(Preferences{}, &fakeWriter{})
	seq := uint16(0)
	send := func(key bool) {
		raw := rtpPacket(t, rtp.Header{SequenceNumber: seq, Timestamp: uint32(seq) * 3000, SSRC: 1000, PayloadType: 96},
			vp8Payload(seq, 0, 0, true, key, []byte{1, 2, 3}))
		feed(l, raw, rig.r.clock.now())
		seq++
	}
	type state struct {
		PLIsSent     int64
		PLIsReceived uint64
		Current      int8
	}
	now := func() state {
		return state{rig.plis.Load(), d.Stats().PLIsReceived, d.CurrentLayer()}
	}
	check := func(step string, want state) {
		t.Helper()
		if got := now(); got != want {
			t.Fatalf("%s: got %+v, want %+v", step, got, want)
		}
	}

	check("nothing received", state{0, 0, LayerNone})
	send(false)
	check("layer active: the down-track asks for a keyframe", state{1, 0, LayerNone})
	send(false)
	check("waiting, within the throttle", state{1, 0, LayerNone})
	rig.r.pliThrottle = 0
	send(false)
	check("waiting, throttle passed: asked again", state{2, 0, LayerNone})
	send(true)
	check("keyframe: forwarding", state{2, 0, 0})
	send(false)
	check("forwarding needs no keyframe", state{2, 0, 0})

	pli, err := rtcp.Marshal([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: d.ssrc()}})
	if err != nil {
		t.Fatal(err)
	}
	rig.rtcp[0].ch <- pli
	eventually(t, 5*time.Second, "the subscriber's PLI", func() bool { return d.Stats().PLIsReceived == 1 })
	check("a subscriber's PLI goes upstream", state{3, 1, 0})

	audio := newTestRig(t, webrtc.RTPCodecTypeAudio, codecOpus, nil)
	al := audio.layer(0)
	ad := audio.downTrack(Preferences{}, &fakeWriter{})
	feed(al, rtpPacket(t, rtp.Header{SequenceNumber: 1, SSRC: 1000, PayloadType: 111}, []byte{1}), 1)
	pli, err = rtcp.Marshal([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ad.ssrc()}})
	if err != nil {
		t.Fatal(err)
	}
	audio.rtcp[0].ch <- pli
	eventually(t, 5*time.Second, "the audio PLI", func() bool { return ad.Stats().PLIsReceived == 1 })
	audio.r.RequestKeyframe(0)
	if ad.CurrentLayer() != 0 || audio.plis.Load() != 0 {
		t.Fatalf("audio: current layer %d, %d PLIs sent", ad.CurrentLayer(), audio.plis.Load())
	}
}

// TestDownTrackHeaderRewrite compares whole written headers: the
// subscriber's SSRC and payload type, the publisher's extensions dropped
// but the audio level (under the subscriber's id), and a transport-wide
// sequence number shared by the PeerConnection's down-tracks.
func TestDownTrackHeaderRewrite(t *testing.T) {
	rig := newTestRig(t, webrtc.RTPCodecTypeAudio, codecOpus, nil)
	l := rig.layer(0)
	w1, w2 := &fakeWriter{record: true}, &fakeWriter{record: true}
	d1 := rig.downTrack(Preferences{}, w1)
	d2 := rig.downTrack(Preferences{}, w2)
	for i := range 2 {
		h := rtp.Header{SequenceNumber: uint16(7 + i), Timestamp: 960 * uint32(i), SSRC: 1000, PayloadType: 111, Marker: i == 0}
		_ = h.SetExtension(3, []byte("0"))                      // mid
		_ = h.SetExtension(publisherLevelID, []byte{0x80 | 20}) // audio level
		_ = h.SetExtension(2, []byte{0xaa, 0xbb})               // the publisher's transport-cc
		feed(l, rtpPacket(t, h, []byte{1, 2, 3}), int64(i)*20e6)
	}
	want := func(ssrc uint32, seq uint16, ts uint32, marker bool, twcc uint16) rtp.Header {
		h := rtp.Header{Version: 2, Marker: marker, PayloadType: subscriberPT, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc}
		_ = h.SetExtension(subscriberLevelID, []byte{0x80 | 20})
		_ = h.SetExtension(subscriberTransportCCID, []byte{byte(twcc >> 8), byte(twcc)})
		return h
	}
	got := [][]sentRTP{w1.packets(), w2.packets()}
	wantHeaders := [][]rtp.Header{
		{want(d1.ssrc(), 7, 0, true, 0), want(d1.ssrc(), 8, 960, false, 2)},
		{want(d2.ssrc(), 7, 0, true, 1), want(d2.ssrc(), 8, 960, false, 3)},
	}
	for i := range got {
		var headers []rtp.Header
		for _, p := range got[i] {
			headers = append(headers, p.Header)
			if string(p.Payload) != "\x01\x02\x03" {
				t.Fatalf("payload % x", p.Payload)
			}
		}
		if !reflect.DeepEqual(headers, wantHeaders[i]) {
			t.Errorf("down-track %d headers\n got %+v\nwant %+v", i, headers, wantHeaders[i])
		}
	}
}
