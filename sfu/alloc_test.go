package sfu

import (
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// The per-packet paths must not allocate: a reader's packet (parse, fan-out
// to every down-track through a writer, munging with VP8 temporal-layer
// drops, the transport-wide number and its send-history record, cache
// store) and a NACK answer on the RTX stream.

func TestForwardDoesNotAllocate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kind  webrtc.RTPCodecType
		codec webrtc.RTPCodecParameters
		body  func(seq uint16) []byte
	}{
		{"vp8", webrtc.RTPCodecTypeVideo, codecVP8, func(seq uint16) []byte {
			// Temporal layers 0, 2, 1, 2: every packet its own frame.
			return vp8PayloadTID(seq, uint8(seq/4), []uint8{0, 2, 1, 2}[seq%4], true, true, make([]byte, 1100))
		}},
		{"opus", webrtc.RTPCodecTypeAudio, codecOpus, func(uint16) []byte { return make([]byte, 120) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rig := newTestRig(t, tc.kind, tc.codec, nil)
			l := rig.layer(0)
			w := &fakeWriter{}
			var dts []*DownTrack
			for i := range 10 {
				// Half the tiles want 15 fps: temporal layer 2 is dropped.
				dts = append(dts, rig.downTrack(Preferences{FPS: uint32(15 * (i % 2))}, w))
			}
			packets := make([][]byte, 64)
			for i := range packets {
				h := rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i) * 3000, SSRC: 1000, PayloadType: 96}
				_ = h.SetExtension(publisherLevelID, []byte{0x80 | 30})
				packets[i] = rtpPacket(t, h, tc.body(uint16(i)))
			}
			seq := 0
			step := func() {
				raw := packets[seq%len(packets)]
				// Rewrite the sequence number so that the stream goes on
				// through the wrap, as a real one does.
				raw[2], raw[3] = byte(seq>>8), byte(seq)
				feed(l, raw, int64(seq)*1e6)
				seq++
			}
			// Warm up: fill the cache, so that every slot has a buffer.
			for range 2048 {
				step()
			}
			// Make the down-tracks switch layers (to exercise the VP8
			// rewrite) by pausing and resuming them.
			for _, d := range dts {
				d.SetPreferences(Preferences{Paused: true})
			}
			for range 5 {
				step()
			}
			for i, d := range dts {
				d.SetPreferences(Preferences{FPS: uint32(15 * (i % 2))})
			}
			step()
			if r := dts[0].m.vp8Off; tc.kind == webrtc.RTPCodecTypeVideo && r.PictureID == 0 {
				t.Fatal("no picture id offset after the pause: the rewrite is not exercised")
			}
			before := w.count.Load()
			dropsBefore := dts[1].Stats().Dropped[DropTemporal]
			if avg := testing.AllocsPerRun(1000, step); avg != 0 {
				t.Fatalf("%.2f allocations per packet, want 0", avg)
			}
			sent := w.count.Load() - before
			want := 1000 * int64(len(dts))
			if tc.kind == webrtc.RTPCodecTypeVideo {
				want -= 1000 / 2 * int64(len(dts)/2) // TID 2: every other packet, half the tracks
				if d := dts[1].Stats().Dropped[DropTemporal] - dropsBefore; d < 490 {
					t.Fatalf("%d temporal drops", d)
				}
			}
			if sent < want-int64(len(dts)) {
				t.Fatalf("only %d packets written, want %d", sent, want)
			}
			if _, ok := rig.tx.hist.load(uint16(rig.tx.hist.next.Load()-1), rig.r.clock.now()); !ok {
				t.Fatal("the last packet is not in the send history")
			}
			if st := dts[0].Stats(); st.LayerSwitches != 2 {
				t.Fatalf("layer switches = %d, want 2", st.LayerSwitches)
			}
		})
	}
}

func TestNACKAnswerDoesNotAllocate(t *testing.T) {
	rig := newTestRig(t, webrtc.RTPCodecTypeVideo, codecVP8, nil)
	l := rig.layer(0)
	w := &fakeWriter{}
	d := rig.downTrack(Preferences{}, w)
	for i := range 512 {
		raw := rtpPacket(t, rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i / 3 * 3000), SSRC: 1000, PayloadType: 96},
			vp8Payload(uint16(i/3), uint8(i/3), 0, i%3 == 0, i == 0, make([]byte, 1000)))
		feed(l, raw, int64(i)*1e6)
	}
	// Shift the down-track's numbering with a pause, so that answers need
	// the recorded offsets and a VP8 rewrite.
	d.SetPreferences(Preferences{Paused: true})
	d.SetPreferences(Preferences{})
	for i := 512; i < 1024; i++ {
		raw := rtpPacket(t, rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i / 3 * 3000), SSRC: 1000, PayloadType: 96},
			vp8Payload(uint16(i/3), uint8(i/3), 0, i%3 == 0, i%3 == 0, make([]byte, 1000)))
		feed(l, raw, int64(i)*1e6)
	}
	nack, err := rtcp.Marshal([]rtcp.Packet{&rtcp.TransportLayerNack{
		MediaSSRC: d.ssrc(),
		Nacks:     []rtcp.NackPair{{PacketID: 520, LostPackets: 0xffff}, {PacketID: 600, LostPackets: 0x00ff}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	f := newFeedbackReader(d, nil)
	rig.tx.bwe.estimate.Store(1 << 40) // no retransmission budget to run out of
	before := d.Stats()
	answer := func() {
		f.handle(nack)
		clear(f.resent[:]) // as if a round trip had passed
	}
	if avg := testing.AllocsPerRun(100, answer); avg != 0 {
		t.Fatalf("%.2f allocations per NACK, want 0", avg)
	}
	after := d.Stats()
	if got := after.NACKsAnswered - before.NACKsAnswered; got != 101*(17+9) {
		t.Fatalf("answered %d, want %d (missed %d)", got, 101*(17+9), after.NACKsMissed-before.NACKsMissed)
	}
	// The answers went out on the RTX stream, the original sequence number
	// leading the payload (RFC 4588 section 4).
	if w.lastPT != subscriberRTXPT || w.lastSSRC == d.ssrc() {
		t.Fatalf("last answer: payload type %d ssrc %x, want RTX", w.lastPT, w.lastSSRC)
	}
	if osn := uint16(w.lastPayload[0])<<8 | uint16(w.lastPayload[1]); osn != 600+8 {
		t.Fatalf("RTX original sequence number %d, want 608", osn)
	}
}

// TestFeedbackDoesNotAllocate: the subscriber's congestion feedback
// (transport-wide feedback, a receiver report, REMB in one compound
// packet) is parsed in place and handed to the estimator without an
// allocation: what pion's SRTCP session costs per packet is its own.
func TestFeedbackDoesNotAllocate(t *testing.T) {
	rig := newTestRig(t, webrtc.RTPCodecTypeVideo, codecVP8, nil)
	l := rig.layer(0)
	d := rig.downTrack(Preferences{}, &fakeWriter{})
	f := newFeedbackReader(d, nil)
	seq := 0
	var arrivals []*rtcp.RecvDelta
	fill := func() { // 20 packets to the subscriber, all received 1 ms apart
		arrivals = arrivals[:0]
		for range 20 {
			feed(l, rtpPacket(t, rtp.Header{SequenceNumber: uint16(seq), Timestamp: uint32(seq) * 3000, SSRC: 1000, PayloadType: 96},
				vp8Payload(uint16(seq), uint8(seq), 0, true, true, make([]byte, 1000))), int64(seq)*1e6)
			seq++
			arrivals = append(arrivals, &rtcp.RecvDelta{Type: rtcp.TypeTCCPacketReceivedSmallDelta, Delta: 1000})
		}
	}
	fill()
	compound := func() []byte {
		base := uint16(rig.tx.hist.next.Load()) - 20
		tcc := &rtcp.TransportLayerCC{
			MediaSSRC: d.ssrc(), BaseSequenceNumber: base, PacketStatusCount: 20, ReferenceTime: uint32(seq), FbPktCount: uint8(seq),
			PacketChunks: []rtcp.PacketStatusChunk{&rtcp.RunLengthChunk{PacketStatusSymbol: rtcp.TypeTCCPacketReceivedSmallDelta, RunLength: 20}},
			RecvDeltas:   arrivals,
		}
		// pion marshals the header it is given, as its interceptor fills it.
		tcc.Header = rtcp.Header{Count: rtcp.FormatTCC, Type: rtcp.TypeTransportSpecificFeedback, Length: uint16(tcc.MarshalSize()/4 - 1)}
		b, err := rtcp.Marshal([]rtcp.Packet{
			&rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: d.ssrc(), FractionLost: 0, Jitter: 10}}},
			tcc,
			&rtcp.ReceiverEstimatedMaximumBitrate{SenderSSRC: 1, Bitrate: 2e6, SSRCs: []uint32{d.ssrc()}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pkts := make([][]byte, 0, 110)
	for range cap(pkts) {
		pkts = append(pkts, compound())
		fill()
	}
	before := d.Stats().Feedbacks
	i := 0
	if avg := testing.AllocsPerRun(100, func() { f.handle(pkts[i]); i++ }); avg != 0 {
		t.Fatalf("%.2f allocations per feedback packet, want 0", avg)
	}
	if got := d.Stats().Feedbacks - before; got != 101 {
		t.Fatalf("%d transport-wide feedbacks counted, want 101", got)
	}
}
