package sfu

import "sync/atomic"

// sentPacket is what a down-track needs to rebuild the header of a packet
// it sent, given the source packet from the cache: where the packet came
// from and the offsets that were applied to it.
type sentPacket struct {
	Layer    int8
	InSeq    uint16
	TSOffset uint32 // out timestamp = in timestamp - TSOffset
	VP8      vp8Offsets
}

// vp8Offsets are subtracted (with wrap) from the source's VP8 fields.
type vp8Offsets struct {
	PictureID uint16
	TL0PicIdx uint8
	KeyIdx    uint8
}

// seqMap maps the sequence numbers a down-track sent to their source
// packets, for answering NACKs. It has one writer at a time (the reader
// goroutine that owns the down-track) and readers on the RTCP goroutine.
//
// Each slot is two atomic words, both tagged with the out sequence number:
//
//	a: outSeq(16) | inSeq(16) | tsOffset(32)
//	b: outSeq(16) | valid(1) layer(7) | picOffset(16) | tl0Offset(8) | keyIdxOffset(8) | 0(8)
//
// A reader accepts a slot only when both tags equal the sequence number it
// asks for, so a slot rewritten between its two loads reads as a miss.
type seqMap struct {
	slots []seqSlot
	mask  uint16
}

type seqSlot struct {
	a, b atomic.Uint64
}

const seqMapValid = 0x80

// newSeqMap returns a map of size slots (a power of two, at most 32768).
func newSeqMap(size int) *seqMap {
	return &seqMap{slots: make([]seqSlot, size), mask: uint16(size - 1)}
}

// store records that out was sent for p.
func (m *seqMap) store(out uint16, p sentPacket) {
	s := &m.slots[out&m.mask]
	tag := uint64(out) << 48
	s.a.Store(tag | uint64(p.InSeq)<<32 | uint64(p.TSOffset))
	s.b.Store(tag | uint64(seqMapValid|uint8(p.Layer))<<40 |
		uint64(p.VP8.PictureID)<<24 | uint64(p.VP8.TL0PicIdx)<<16 | uint64(p.VP8.KeyIdx)<<8)
}

// load returns what was recorded for out.
func (m *seqMap) load(out uint16) (sentPacket, bool) {
	s := &m.slots[out&m.mask]
	a := s.a.Load()
	b := s.b.Load()
	tag := uint64(out)
	if a>>48 != tag || b>>48 != tag || (b>>40)&seqMapValid == 0 {
		return sentPacket{}, false
	}
	return sentPacket{
		Layer:    int8((b >> 40) & 0x7f),
		InSeq:    uint16(a >> 32),
		TSOffset: uint32(a),
		VP8: vp8Offsets{
			PictureID: uint16(b >> 24),
			TL0PicIdx: uint8(b >> 16),
			KeyIdx:    uint8(b >> 8),
		},
	}, true
}
