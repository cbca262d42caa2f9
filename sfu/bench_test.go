package sfu

import (
	"fmt"
	"net"
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"
)

// Benchmarks of the forwarding path with a fake writer (no SRTP, no
// socket), to compare with BenchmarkFloor: the least any SFU must spend per
// packet per subscriber (encrypt + send).

const benchPayload = 1200

// benchPackets returns VP8 packets of about benchPayload bytes, every one a
// keyframe start, so any layer can be switched to at any packet.
func benchPackets(b testing.TB, ssrc uint32, n int) [][]byte {
	pkts := make([][]byte, n)
	for i := range pkts {
		pkts[i] = rtpPacket(b, rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i) * 3000, SSRC: ssrc, PayloadType: 96},
			vp8Payload(uint16(i), uint8(i), 0, true, true, make([]byte, benchPayload-7)))
	}
	return pkts
}

// feeder feeds a layer a stream of packets with increasing numbers.
type feeder struct {
	l    *receiverLayer
	pkts [][]byte
	seq  int
}

func (f *feeder) next() {
	raw := f.pkts[f.seq%len(f.pkts)]
	raw[2], raw[3] = byte(f.seq>>8), byte(f.seq)
	f.l.handle(copy(f.l.spare.buf[:], raw), int64(f.seq)*1e6)
	f.seq++
}

// measure times f.next, one packet fanned out to n subscribers.
func (f *feeder) measure(b *testing.B, n int) {
	b.SetBytes(benchPayload)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f.next()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/subscriber")
}

// BenchmarkForward: one packet read by a layer reader, fanned out to N
// down-tracks and cached. ns/op is per packet; ns/subscriber divides it by
// N.
func BenchmarkForward(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			rig := newTestRig(b, webrtc.RTPCodecTypeVideo, codecVP8, nil)
			f := &feeder{l: rig.layer(0), pkts: benchPackets(b, 1000, 64)}
			w := &fakeWriter{}
			for range n {
				rig.downTrack(Preferences{}, w)
			}
			for range 2048 { // fill the cache
				f.next()
			}
			f.measure(b, n)
		})
	}
}

// BenchmarkForwardPion: as BenchmarkForward, but each down-track writes
// through a real subscriber PeerConnection (SRTP and the shared UDP socket)
// to a pion client on loopback: the whole per-packet cost of the SFU, to
// hold against BenchmarkFloor. The clients run in a process of their own
// (subprocess_test.go), so besides the wall time per packet (ns/op, and
// ns/subscriber divided by the fan-out) the benchmark reports the SFU
// process's own CPU time per outgoing packet (cpu-ns/pkt): on loopback
// that includes the kernel's delivery to the receiving socket, as the
// floor does.
func BenchmarkForwardPion(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.UDPPort, cfg.BindAddress, cfg.IncludeLoopback = 0, "127.0.0.1", true
			cfg.Congestion.Enabled = false // the clients send no feedback
			e, err := NewEngine(cfg, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			rig := newTestRig(b, webrtc.RTPCodecTypeVideo, codecVP8, nil)
			rig.r.bursts = e.bursts // as the engine's receivers batch their fan-out
			f := &feeder{l: rig.layer(0), pkts: benchPackets(b, 1000, 64)}
			f.next() // the layer is active
			subs := startSubscriberProcess(b, e, rig.r, n)
			defer subs.close()
			subs.waitMedia(f.next)
			cpu := cpuTime()
			f.measure(b, n)
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/float64(n), "cpu-ns/pkt")
		})
	}
}

// BenchmarkLayerSwitch: every packet is a keyframe of the other layer, which
// is the target: each op is a take-over, an epoch switch and a write.
func BenchmarkLayerSwitch(b *testing.B) {
	rig := newTestRig(b, webrtc.RTPCodecTypeVideo, codecVP8, nil)
	fs := []*feeder{
		{l: rig.layer(0), pkts: benchPackets(b, 1000, 64)},
		{l: rig.layer(1), pkts: benchPackets(b, 1001, 64)},
	}
	d := rig.downTrack(Preferences{}, &fakeWriter{})
	for range 2048 {
		fs[0].next()
		fs[1].next()
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		layer := i & 1
		d.target.Store(int32(layer))
		fs[layer].next()
		i++
	}
	b.StopTimer()
	if sw := d.Stats().LayerSwitches; sw < uint64(i) {
		b.Fatalf("%d switches for %d ops", sw, i)
	}
}

// BenchmarkNACKResponse: one NACKed packet looked up, copied from the
// cache, rewritten and written.
func BenchmarkNACKResponse(b *testing.B) {
	rig := newTestRig(b, webrtc.RTPCodecTypeVideo, codecVP8, nil)
	f := &feeder{l: rig.layer(0), pkts: benchPackets(b, 1000, 64)}
	d := rig.downTrack(Preferences{}, &fakeWriter{})
	for range 1000 {
		f.next()
	}
	// Shift the numbering so that the answer needs the recorded offsets.
	d.SetPreferences(Preferences{Paused: true})
	f.next()
	d.SetPreferences(Preferences{})
	for range 1000 {
		f.next()
	}
	nack, err := rtcp.Marshal([]rtcp.Packet{&rtcp.TransportLayerNack{
		MediaSSRC: d.ssrc(), Nacks: []rtcp.NackPair{{PacketID: 1500}},
	}})
	if err != nil {
		b.Fatal(err)
	}
	fr := newFeedbackReader(d, nil)
	rig.tx.bwe.estimate.Store(1 << 40) // no retransmission budget to run out of
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		fr.handle(nack)
		clear(fr.resent[:]) // as if a round trip had passed
	}
	b.StopTimer()
	if st := d.Stats(); st.NACKsMissed != 0 || st.NACKsAnswered == 0 {
		b.Fatalf("stats %+v", st)
	}
}

// BenchmarkFloor: SRTP-encrypt a 1200-byte packet with the profile the
// engine prefers and browsers accept (AEAD_AES_128_GCM, see srtpProfiles)
// and send it once over loopback UDP to a socket drained by another
// process: the least any SFU must spend per packet per subscriber. ns/op
// is wall time; cpu-ns/pkt is this process's CPU time per packet, measured
// as BenchmarkForwardPion measures it.
func BenchmarkFloor(b *testing.B) { benchFloor(b, srtp.ProtectionProfileAeadAes128Gcm) }

// BenchmarkSendAESCM is the floor's measurement with
// AES_CM_128_HMAC_SHA1_80, pion's mandatory profile and what BenchmarkFloor
// measured before the engine preferred GCM (named so that tools that look
// for "floor" find one).
func BenchmarkSendAESCM(b *testing.B) { benchFloor(b, srtp.ProtectionProfileAes128CmHmacSha1_80) }

func benchFloor(b *testing.B, profile srtp.ProtectionProfile) {
	keyLen, err := profile.KeyLen()
	if err != nil {
		b.Fatal(err)
	}
	saltLen, err := profile.SaltLen()
	if err != nil {
		b.Fatal(err)
	}
	ctx, err := srtp.CreateContext(make([]byte, keyLen), make([]byte, saltLen), profile)
	if err != nil {
		b.Fatal(err)
	}
	drain := startDrainProcess(b)
	defer drain.close()
	tx, err := net.DialUDP("udp", nil, drain.addr)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Close()

	h := rtp.Header{Version: 2, PayloadType: 96, SSRC: 1}
	plain, _ := (&rtp.Packet{Header: h, Payload: make([]byte, benchPayload)}).Marshal()
	dst := make([]byte, 0, 1500)
	b.SetBytes(benchPayload)
	b.ReportAllocs()
	cpu := cpuTime()
	b.ResetTimer()
	seq := uint16(0)
	for b.Loop() {
		h.SequenceNumber = seq
		plain[2], plain[3] = byte(seq>>8), byte(seq)
		out, err := ctx.EncryptRTP(dst, plain, &h)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Write(out); err != nil {
			b.Fatal(err)
		}
		seq++
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/pkt")
}
