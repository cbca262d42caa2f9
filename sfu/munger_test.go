package sfu

import (
	"fmt"
	"reflect"
	"testing"
)

// mstep is one packet offered to a munger.
type mstep struct {
	layer int8
	seq   uint16
	ts    uint32
	at    int64 // arrival, ms
	sw    bool  // a switch point: the down-track (re)starts or changes layer here
	pad   bool  // padding only
	vp8   *vp8Descriptor
	tl    *int8 // temporal target; nil: every temporal layer
}

func (s mstep) packet() *packet {
	p := &packet{Arrival: s.at * 1e6, Payload: []byte{1}}
	p.Header.SequenceNumber = s.seq
	p.Header.Timestamp = s.ts
	if s.pad {
		p.Payload = nil
	}
	if s.vp8 != nil {
		p.IsVP8 = true
		p.VP8 = *s.vp8
	}
	return p
}

func ok(seq uint16, ts uint32) mungeResult { return mungeResult{Seq: seq, TS: ts} }

func okVP8(seq uint16, ts uint32, pic uint16, tl0, key uint8) mungeResult {
	return mungeResult{Seq: seq, TS: ts, VP8: vp8Fields{PictureID: pic, TL0PicIdx: tl0, KeyIdx: key}}
}

func drop(r DropReason) mungeResult { return mungeResult{Dropped: true, Reason: r} }

// vp8t is a descriptor with a temporal layer id and layer sync bit.
func vp8t(pic uint16, tl0, tid uint8, sync bool) *vp8Descriptor {
	return &vp8Descriptor{
		HasPictureID: true, PictureID15: true, PictureID: pic,
		HasTL0PicIdx: true, TL0PicIdx: tl0, HasTID: true, TID: tid, LayerSync: sync,
	}
}

func tl(t int8) *int8 { return &t }

func okTL(seq uint16, pic uint16, tl0 uint8) mungeResult {
	return mungeResult{Seq: seq, VP8: vp8Fields{PictureID: pic, TL0PicIdx: tl0}}
}

func vp8d(pic uint16, wide bool, tl0, key uint8) *vp8Descriptor {
	return &vp8Descriptor{
		HasPictureID: true, PictureID15: wide, PictureID: pic,
		HasTL0PicIdx: true, TL0PicIdx: tl0, HasKeyIdx: true, KeyIdx: key,
	}
}

func TestMunger(t *testing.T) {
	big := uint32(4294967000) // 296 ticks before the 32-bit wrap
	tests := []struct {
		name  string
		clock uint32
		steps []mstep
		want  []mungeResult
	}{
		{
			name:  "in order keeps the source numbering",
			clock: 90000,
			steps: []mstep{{seq: 100, ts: 9000, sw: true}, {seq: 101, ts: 9000}, {seq: 102, ts: 12000}},
			want:  []mungeResult{ok(100, 9000), ok(101, 9000), ok(102, 12000)},
		},
		{
			name:  "loss leaves a gap the subscriber can NACK",
			clock: 90000,
			steps: []mstep{{seq: 100, ts: 0, sw: true}, {seq: 101, ts: 0}, {seq: 104, ts: 3000}, {seq: 105, ts: 3000}},
			want:  []mungeResult{ok(100, 0), ok(101, 0), ok(104, 3000), ok(105, 3000)},
		},
		{
			name:  "reordered packets land in their place",
			clock: 90000,
			steps: []mstep{{seq: 100, ts: 0, sw: true}, {seq: 102, ts: 0}, {seq: 101, ts: 0}, {seq: 103, ts: 3000}},
			want:  []mungeResult{ok(100, 0), ok(102, 0), ok(101, 0), ok(103, 3000)},
		},
		{
			name:  "duplicates are dropped, in order and late",
			clock: 90000,
			steps: []mstep{
				{seq: 100, sw: true}, {seq: 101}, {seq: 101}, {seq: 103}, {seq: 102}, {seq: 102}, {seq: 100},
			},
			want: []mungeResult{
				ok(100, 0), ok(101, 0), drop(DropDuplicate), ok(103, 0), ok(102, 0), drop(DropDuplicate), drop(DropDuplicate),
			},
		},
		{
			name:  "padding is skipped without a gap; a late packet keeps its slot",
			clock: 90000,
			steps: []mstep{
				{seq: 100, sw: true}, {seq: 102}, {seq: 103, pad: true}, {seq: 101}, {seq: 104}, {seq: 103}, {seq: 105, pad: true}, {seq: 106},
			},
			want: []mungeResult{
				ok(100, 0), ok(102, 0), drop(DropPadding), ok(101, 0), ok(103, 0), drop(DropDuplicate), drop(DropPadding), ok(104, 0),
			},
		},
		{
			name:  "a late packet older than every remembered skip is dropped",
			clock: 90000,
			steps: append(append([]mstep{{seq: 100, sw: true}, {seq: 102}},
				padRun(103, 65)...), mstep{seq: 101}, mstep{seq: 168}),
			want: append(append([]mungeResult{ok(100, 0), ok(102, 0)},
				dropRun(DropPadding, 65)...), drop(DropLate), ok(103, 0)),
		},
		{
			name:  "a late packet older than 64 skips still fits",
			clock: 90000,
			steps: append(append([]mstep{{seq: 100, sw: true}, {seq: 102}},
				padRun(103, 64)...), mstep{seq: 101}, mstep{seq: 167}),
			want: append(append([]mungeResult{ok(100, 0), ok(102, 0)},
				dropRun(DropPadding, 64)...), ok(101, 0), ok(103, 0)),
		},
		{
			name:  "layer switch up then down is continuous",
			clock: 90000,
			steps: []mstep{
				{layer: 0, seq: 1000, ts: 90000, at: 0, sw: true},
				{layer: 0, seq: 1001, ts: 90000, at: 0},
				{layer: 0, seq: 1002, ts: 93000, at: 33},
				// up: 7 ms after the last packet sent = 630 ticks
				{layer: 1, seq: 5000, ts: 1000000, at: 40, sw: true},
				{layer: 1, seq: 4999, ts: 1000000, at: 41}, // predates the switch
				{layer: 1, seq: 5001, ts: 1000000, at: 41},
				{layer: 1, seq: 5003, ts: 1003000, at: 73}, // 5002 lost
				// down: 27 ms after the last packet sent = 2430 ticks
				{layer: 0, seq: 1010, ts: 120000, at: 100, sw: true},
				{layer: 0, seq: 1011, ts: 123000, at: 133},
			},
			want: []mungeResult{
				ok(1000, 90000), ok(1001, 90000), ok(1002, 93000),
				ok(1003, 93630), drop(DropLate), ok(1004, 93630), ok(1006, 96630),
				ok(1007, 99060), ok(1008, 102060),
			},
		},
		{
			name:  "pause and resume on the same layer",
			clock: 48000,
			steps: []mstep{
				{seq: 100, ts: 0, at: 0, sw: true},
				{seq: 101, ts: 960, at: 20},
				// paused for a second; 99 packets were not forwarded
				{seq: 200, ts: 96000, at: 1020, sw: true},
				{seq: 201, ts: 96960, at: 1040},
			},
			want: []mungeResult{ok(100, 0), ok(101, 960), ok(102, 48960), ok(103, 49920)},
		},
		{
			name:  "sequence numbers wrap, also across a switch",
			clock: 90000,
			steps: []mstep{
				{layer: 0, seq: 65534, ts: 0, sw: true}, {layer: 0, seq: 65535}, {layer: 0, seq: 0}, {layer: 0, seq: 1},
				{layer: 1, seq: 300, at: 10, sw: true}, {layer: 1, seq: 301, at: 10},
				{layer: 0, seq: 65533, at: 20, sw: true}, {layer: 0, seq: 65534, at: 20}, {layer: 0, seq: 65535, at: 20}, {layer: 0, seq: 0, at: 20},
			},
			want: []mungeResult{
				ok(65534, 0), ok(65535, 0), ok(0, 0), ok(1, 0),
				ok(2, 900), ok(3, 900),
				ok(4, 1800), ok(5, 1800), ok(6, 1800), ok(7, 1800),
			},
		},
		{
			name:  "timestamps wrap, also across a switch",
			clock: 90000,
			steps: []mstep{
				{layer: 0, seq: 10, ts: big, sw: true},
				{layer: 0, seq: 11, ts: big + 3000, at: 33},
				{layer: 1, seq: 900, ts: 7, at: 43, sw: true},
				{layer: 1, seq: 901, ts: 3007, at: 76},
				{layer: 0, seq: 20, ts: big - 100, at: 86, sw: true},
			},
			want: []mungeResult{
				ok(10, big), ok(11, 2704), ok(12, 3604), ok(13, 6604), ok(14, 7504),
			},
		},
		{
			name:  "VP8 picture id, TL0PICIDX and KEYIDX continue across a switch",
			clock: 90000,
			steps: []mstep{
				{layer: 0, seq: 1, ts: 0, sw: true, vp8: vp8d(32766, true, 254, 30)},
				{layer: 0, seq: 2, ts: 3000, at: 33, vp8: vp8d(32767, true, 255, 31)},
				{layer: 0, seq: 3, ts: 6000, at: 66, vp8: vp8d(0, true, 0, 0)},
				{layer: 2, seq: 700, ts: 50000, at: 70, sw: true, vp8: vp8d(12000, true, 77, 5)},
				{layer: 2, seq: 701, ts: 53000, at: 103, vp8: vp8d(12001, true, 78, 5)},
				{layer: 2, seq: 703, ts: 56000, at: 136, vp8: vp8d(12002, true, 79, 5)},
				{layer: 2, seq: 702, ts: 53000, at: 137, vp8: vp8d(12001, true, 78, 5)}, // late
			},
			want: []mungeResult{
				okVP8(1, 0, 32766, 254, 30), okVP8(2, 3000, 32767, 255, 31), okVP8(3, 6000, 0, 0, 0),
				okVP8(4, 6360, 1, 1, 1), okVP8(5, 9360, 2, 2, 1), okVP8(7, 12360, 3, 3, 1),
				okVP8(6, 9360, 2, 2, 1),
			},
		},
		{
			name:  "VP8 temporal layers above the target are dropped, leaving no gap in sequence numbers or picture ids",
			clock: 90000,
			steps: []mstep{
				{seq: 1, sw: true, tl: tl(1), vp8: vp8t(10, 5, 0, false)},
				{seq: 2, tl: tl(1), vp8: vp8t(11, 5, 2, true)},
				{seq: 3, tl: tl(1), vp8: vp8t(12, 5, 1, true)},
				{seq: 4, tl: tl(1), vp8: vp8t(12, 5, 1, true)},
				{seq: 5, tl: tl(1), vp8: vp8t(13, 5, 2, false)},
				{seq: 6, tl: tl(1), vp8: vp8t(14, 6, 0, false)},
			},
			want: []mungeResult{
				okTL(1, 10, 5), drop(DropTemporal), okTL(2, 11, 5), okTL(3, 11, 5), drop(DropTemporal), okTL(4, 12, 6),
			},
		},
		{
			name:  "VP8 going up waits for a TL0 or layer sync frame; going down applies at the next frame",
			clock: 90000,
			steps: []mstep{
				{seq: 1, sw: true, tl: tl(0), vp8: vp8t(20, 1, 0, false)},
				{seq: 2, tl: tl(2), vp8: vp8t(21, 1, 2, false)}, // no sync: not yet
				{seq: 3, tl: tl(2), vp8: vp8t(22, 1, 1, true)},  // layer sync: up
				{seq: 4, tl: tl(2), vp8: vp8t(23, 1, 2, false)},
				{seq: 5, tl: tl(0), vp8: vp8t(23, 1, 2, false)}, // same frame: kept whole
				{seq: 6, tl: tl(0), vp8: vp8t(24, 1, 1, false)}, // next frame: down
				{seq: 7, tl: tl(0), vp8: vp8t(25, 2, 0, false)},
			},
			want: []mungeResult{
				okTL(1, 20, 1), drop(DropTemporal), okTL(2, 21, 1), okTL(3, 22, 1), okTL(4, 22, 1), drop(DropTemporal), okTL(5, 23, 2),
			},
		},
		{
			name:  "VP8 late packets: of a kept frame they keep their ids, of a dropped frame they are dropped",
			clock: 90000,
			steps: []mstep{
				{seq: 10, sw: true, tl: tl(1), vp8: vp8t(40, 1, 0, false)},
				{seq: 12, tl: tl(1), vp8: vp8t(41, 1, 2, false)},
				{seq: 13, tl: tl(1), vp8: vp8t(42, 1, 1, false)},
				{seq: 11, tl: tl(1), vp8: vp8t(40, 1, 0, false)},
				{seq: 15, tl: tl(1), vp8: vp8t(43, 1, 2, false)},
				{seq: 17, tl: tl(1), vp8: vp8t(44, 2, 0, false)},
				{seq: 16, tl: tl(1), vp8: vp8t(43, 1, 2, false)},
				{seq: 14, tl: tl(1), vp8: vp8t(42, 1, 1, false)},
			},
			want: []mungeResult{
				okTL(10, 40, 1), drop(DropTemporal), okTL(12, 41, 1), okTL(11, 40, 1),
				drop(DropTemporal), okTL(15, 42, 2), drop(DropTemporal), okTL(13, 41, 1),
			},
		},
		{
			name:  "VP8 7-bit picture ids wrap at 128",
			clock: 90000,
			steps: []mstep{
				{layer: 0, seq: 1, ts: 0, sw: true, vp8: vp8d(126, false, 0, 0)},
				{layer: 0, seq: 2, ts: 3000, at: 33, vp8: vp8d(127, false, 0, 0)},
				{layer: 1, seq: 50, ts: 9000, at: 40, sw: true, vp8: vp8d(60, false, 9, 0)},
				{layer: 1, seq: 51, ts: 12000, at: 73, vp8: vp8d(61, false, 10, 0)},
			},
			want: []mungeResult{
				okVP8(1, 0, 126, 0, 0), okVP8(2, 3000, 127, 0, 0), okVP8(3, 3630, 0, 1, 1), okVP8(4, 6630, 1, 2, 1),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newMunger(newSeqMap(1024), tc.clock)
			var got []mungeResult
			for _, s := range tc.steps {
				p := s.packet()
				want := maxTemporal
				if s.tl != nil {
					want = *s.tl
				}
				if s.sw {
					m.switchTo(s.layer, p, want)
				}
				got = append(got, m.munge(p, want))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("results differ\n got: %s\nwant: %s", fmtResults(got), fmtResults(tc.want))
			}
		})
	}
}

// TestMungerRecordsSentPackets checks the sequence map a NACK is answered
// from: every sent packet is found with the offsets it was sent with.
func TestMungerRecordsSentPackets(t *testing.T) {
	seqs := newSeqMap(1024)
	m := newMunger(seqs, 90000)
	steps := []mstep{
		{layer: 0, seq: 1000, ts: 90000, sw: true, vp8: vp8d(10, true, 1, 1)},
		{layer: 1, seq: 5000, ts: 1000000, at: 10, sw: true, vp8: vp8d(500, true, 7, 2)},
		{layer: 1, seq: 5002, ts: 1000000, at: 11, vp8: vp8d(501, true, 7, 2)},
	}
	for _, s := range steps {
		p := s.packet()
		if s.sw {
			m.switchTo(s.layer, p, maxTemporal)
		}
		m.munge(p, maxTemporal)
	}
	got := map[uint16]sentPacket{}
	for out := uint16(999); out <= 1003; out++ {
		if e, ok := seqs.load(out); ok {
			got[out] = e
		}
	}
	want := map[uint16]sentPacket{
		1000: {Layer: 0, InSeq: 1000},
		1001: {Layer: 1, InSeq: 5000, TSOffset: 1000000 - 90900, VP8: vp8Offsets{PictureID: 489, TL0PicIdx: 5, KeyIdx: 0}},
		1003: {Layer: 1, InSeq: 5002, TSOffset: 1000000 - 90900, VP8: vp8Offsets{PictureID: 489, TL0PicIdx: 5, KeyIdx: 0}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sequence map\n got: %+v\nwant: %+v", got, want)
	}
}

func padRun(from uint16, n int) []mstep {
	var s []mstep
	for i := range n {
		s = append(s, mstep{seq: from + uint16(i), pad: true})
	}
	return s
}

func dropRun(r DropReason, n int) []mungeResult {
	var s []mungeResult
	for range n {
		s = append(s, drop(r))
	}
	return s
}

func fmtResults(rs []mungeResult) string {
	s := ""
	for _, r := range rs {
		if r.Dropped {
			s += fmt.Sprintf("[drop %s] ", r.Reason)
			continue
		}
		s += fmt.Sprintf("[%d %d %+v] ", r.Seq, r.TS, r.VP8)
	}
	return s
}
