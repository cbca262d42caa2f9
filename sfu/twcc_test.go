package sfu

import (
	"reflect"
	"testing"

	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
)

// twccArrival is one packet as a feedback reports it.
type twccArrival struct {
	Seq      uint16
	Received bool
	At       int64 // µs, relative to the first received packet
}

// recordFeedback builds transport-wide feedback with pion's recorder (an
// independent implementation) from arrivals in µs, -1 for lost packets.
func recordFeedback(t *testing.T, first uint16, arrivals []int64) []byte {
	t.Helper()
	rec := twcc.NewRecorder(1)
	for i, at := range arrivals {
		if at >= 0 {
			rec.Record(2, first+uint16(i), at)
		}
	}
	pkts := rec.BuildFeedbackPacket()
	if len(pkts) != 1 {
		t.Fatalf("recorder built %d packets", len(pkts))
	}
	raw, err := pkts[0].Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// readFeedback parses one feedback message with our parser.
func readFeedback(t *testing.T, raw []byte) []twccArrival {
	t.Helper()
	p, _, ok := nextRTCP(raw)
	if !ok || p.Type != rtcpRTPFB || p.Format != rtcpFmtTWCC {
		t.Fatalf("not transport-wide feedback: % x", raw)
	}
	fb, ok := parseTWCC(p.fci())
	if !ok {
		t.Fatalf("parse failed: % x", raw)
	}
	var out []twccArrival
	at, first, have := int64(fb.RefTime)*twccRefUnit/1000, int64(0), false
	for it := fb.iter(); ; {
		seq, rcv, delta, ok := it.next()
		if !ok {
			break
		}
		a := twccArrival{Seq: seq, Received: rcv}
		if rcv {
			at += delta / 1000
			if !have {
				first, have = at, true
			}
			a.At = at - first
		}
		out = append(out, a)
	}
	if len(out) != int(fb.Count) {
		t.Fatalf("iterated %d packets of %d", len(out), fb.Count)
	}
	return out
}

func TestParseTWCC(t *testing.T) {
	tests := []struct {
		name     string
		first    uint16
		arrivals []int64 // µs, -1 lost; multiples of 250 to avoid rounding
	}{
		{"in order, small deltas", 10, []int64{1000, 2000, 2250, 9000, 9000}},
		{"losses make a status vector", 100, []int64{1000, -1, 3000, -1, -1, 5000, 5250, -1, 7000}},
		{"large and negative deltas", 500, []int64{100000, 250000, 240000, 500000, 500250}},
		{"a long run", 0, runOf(300, 250)},
		{"sequence wrap", 65530, []int64{0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := readFeedback(t, recordFeedback(t, tc.first, tc.arrivals))
			var want []twccArrival
			base := int64(-1)
			for i, at := range tc.arrivals {
				a := twccArrival{Seq: tc.first + uint16(i), Received: at >= 0}
				if at >= 0 {
					if base < 0 {
						base = at
					}
					a.At = at - base
				}
				want = append(want, a)
			}
			// The recorder starts its feedback at the first received packet.
			for len(want) > 0 && !want[0].Received {
				want = want[1:]
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %v\nwant %v", got, want)
			}
		})
	}
}

func runOf(n int, step int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i) * step
	}
	return out
}

func TestParseTWCCMalformed(t *testing.T) {
	good := recordFeedback(t, 1, []int64{0, 250, -1, 1000})
	p, _, _ := nextRTCP(good)
	fci := p.fci()
	if _, ok := parseTWCC(fci); !ok {
		t.Fatal("good feedback rejected")
	}
	tests := map[string][]byte{
		"too short":                fci[:7],
		"status count beyond":      append(append([]byte{}, fci[:2]...), append([]byte{0x7f, 0xff}, fci[4:]...)...),
		"deltas missing":           fci[:len(fci)-4],
		"reserved run symbol":      append(append([]byte{}, fci[:8]...), 0x60, 0x04, 1, 1, 1, 1),
		"reserved two-bit symbol":  append(append([]byte{}, fci[:8]...), 0xf0, 0x00, 1, 1, 1, 1),
		"no chunks at all":         fci[:8],
		"run length of zero, then": append(append([]byte{}, fci[:8]...), 0x00, 0x00),
	}
	for name, b := range tests {
		if _, ok := parseTWCC(b); ok {
			t.Errorf("%s: accepted % x", name, b)
		}
	}
}

func TestParseREMB(t *testing.T) {
	for _, bps := range []uint64{0, 1, 300_000, 2_500_000, 1 << 40} {
		raw, err := (&rtcp.ReceiverEstimatedMaximumBitrate{SenderSSRC: 1, Bitrate: float32(bps), SSRCs: []uint32{7, 8}}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		p, _, ok := nextRTCP(raw)
		if !ok || p.Type != rtcpPSFB || p.Format != rtcpFmtALFB {
			t.Fatalf("not a REMB: % x", raw)
		}
		got, ssrcs, ok := parseREMB(p.fci())
		if !ok || len(ssrcs) != 8 {
			t.Fatalf("%d: ok %v, ssrcs % x", bps, ok, ssrcs)
		}
		// The mantissa has 18 bits: compare within its precision.
		if diff := float64(got) - float64(bps); diff > float64(bps)/(1<<17)+1 || diff < -float64(bps)/(1<<17)-1 {
			t.Errorf("REMB %d read as %d", bps, got)
		}
	}
	if _, _, ok := parseREMB([]byte("REMX\x01\x00\x00\x01\x00\x00\x00\x07")); ok {
		t.Error("wrong identifier accepted")
	}
	if _, _, ok := parseREMB([]byte("REMB\x02\x00\x00\x01\x00\x00\x00\x07")); ok {
		t.Error("missing SSRC accepted")
	}
}

func TestReportBlocks(t *testing.T) {
	rr := &rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{
		{SSRC: 7, FractionLost: 12, TotalLost: 300, LastSequenceNumber: 70000, Jitter: 90, LastSenderReport: 0x12345678, Delay: 6553},
		{SSRC: 8, FractionLost: 255},
	}}
	sr := &rtcp.SenderReport{SSRC: 1, Reports: rr.Reports[:1]}
	for _, pkt := range []rtcp.Packet{rr, sr} {
		raw, err := pkt.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		p, _, ok := nextRTCP(raw)
		if !ok {
			t.Fatal("bad packet")
		}
		blocks, n := p.reportBlocks()
		var got []reportBlock
		for i := range n {
			got = append(got, reportBlockAt(blocks, i))
		}
		want := []reportBlock{{SSRC: 7, FractionLost: 12, TotalLost: 300, HighestSeq: 70000, Jitter: 90, LSR: 0x12345678, DLSR: 6553}}
		if pkt == rr {
			want = append(want, reportBlock{SSRC: 8, FractionLost: 255})
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%T: got %+v\nwant %+v", pkt, got, want)
		}
	}
}

func FuzzTWCC(f *testing.F) {
	for _, arr := range [][]int64{{0, 250, -1, 1000}, runOf(40, 250), {100000, 250000, 240000}} {
		raw := recordFeedbackF(f, arr)
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for p, rest, ok := nextRTCP(b); ok; p, rest, ok = nextRTCP(rest) {
			if p.Type == rtcpPSFB {
				if _, ssrcs, ok := parseREMB(p.fci()); ok && len(ssrcs)%4 != 0 {
					t.Fatal("partial SSRC list")
				}
			}
			if blocks, n := p.reportBlocks(); n > 0 {
				_ = reportBlockAt(blocks, n-1)
			}
			fb, ok := parseTWCC(p.fci())
			if !ok {
				continue
			}
			n := 0
			for it := fb.iter(); ; n++ {
				if _, _, _, ok := it.next(); !ok {
					break
				}
			}
			if n != int(fb.Count) {
				t.Fatalf("a valid feedback of %d packets iterated %d", fb.Count, n)
			}
		}
	})
}

func recordFeedbackF(f *testing.F, arrivals []int64) []byte {
	rec := twcc.NewRecorder(1)
	for i, at := range arrivals {
		if at >= 0 {
			rec.Record(2, uint16(i), at)
		}
	}
	raw, err := rec.BuildFeedbackPacket()[0].Marshal()
	if err != nil {
		f.Fatal(err)
	}
	return raw
}
