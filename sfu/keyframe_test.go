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

// TestLateKeyframeIsNoSwitchPoint: a keyframe packet older than its
// layer's newest (a retransmission, or a browser's bandwidth probe made of
// old packets) does not start a layer: the packets after it are gone.
func TestLateKeyframeIsNoSwitchPoint(t *testing.T) {
	rig := newTestRig(t, webrtc.RTPCodecTypeVideo, codecVP8, []LayerInfo{{Width: 320}, {Width: 640}})
	l0, l1 := rig.layer(0), rig.layer(1)
	pkt := func(l *receiverLayer, seq uint16, key bool) {
		raw := rtpPacket(t, rtp.Header{SequenceNumber: seq, Timestamp: uint32(seq) * 3000, SSRC: 1000, PayloadType: 96},
			vp8Payload(seq, 0, 0, true, key, []byte{1, 2, 3}))
		feed(l, raw, rig.r.clock.now())
	}
	pkt(l0, 10, true)
	pkt(l1, 100, true)
	pkt(l1, 101, false)
	d := rig.downTrack(Preferences{Width: 320}, &fakeWriter{})
	pkt(l0, 11, true)
	if d.CurrentLayer() != 0 {
		t.Fatalf("current %d, want 0", d.CurrentLayer())
	}
	d.SetPreferences(Preferences{Width: 640})
	pkt(l1, 100, true) // late: the old keyframe again
	if d.CurrentLayer() != 0 {
		t.Fatal("switched at a late keyframe packet")
	}
	pkt(l1, 102, true)
	if d.CurrentLayer() != 1 {
		t.Fatalf("current %d after a fresh keyframe, want 1", d.CurrentLayer())
	}
}

// TestReceiverClose: unpublishing on the server's side stops reading the
// publisher's track at once, before any renegotiation.
func TestReceiverClose(t *testing.T) {
	e := newTestEngine(t)
	defer e.Close()
	m := newMedia()
	defer m.stop()
	receivers := make(chan *Receiver, 1)
	pub := newPubClient(t, e, PublisherConfig{
		ParticipantID: "PA_pub",
		OnTrack:       func(r *Receiver) { receivers <- r },
	})
	defer pub.close()
	cam, camX := addSendTrack(t, pub.pc, vp8Cap, "cam")
	pub.negotiate()
	m.start(&source{track: cam, video: true, interval: 20 * time.Millisecond}, camX.Sender(), "")
	r := <-receivers
	eventually(t, 10*time.Second, "packets", func() bool { return r.Stats().Layers[0].Packets > 5 })
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done not closed")
	}
	n := r.Stats().Layers[0].Packets
	time.Sleep(200 * time.Millisecond)
	if got := r.Stats().Layers[0].Packets; got > n+1 {
		t.Fatalf("still reading: %d packets, then %d", n, got)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}
