package sfu

import "encoding/binary"

// Transport-wide congestion control feedback (draft-holmer-rmcat-
// transport-wide-cc-extensions-01 section 3.1), read without allocating:
// parseTWCC checks the message and finds where the receive deltas start,
// then a twccIter walks the packet status chunks and the deltas together.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|      base sequence number     |      packet status count      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                 reference time                | fb pkt. count |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|          packet chunk         |         packet chunk          |
//	.                              ...                              .
//	|         recv delta            |  recv delta   | zero padding  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

// rtcpFmtTWCC is the RTPFB format of transport-wide feedback.
const rtcpFmtTWCC = 15

// Packet status symbols (section 3.1.1).
const (
	twccNotReceived = 0
	twccSmallDelta  = 1 // one-octet unsigned receive delta
	twccLargeDelta  = 2 // two-octet signed receive delta
)

// twccDeltaUnit is the receive delta resolution, 250 µs, in nanoseconds;
// twccRefUnit is that of the reference time, 64 ms.
const (
	twccDeltaUnit = 250_000
	twccRefUnit   = 64_000_000
)

// twccFeedback is one parsed feedback message.
type twccFeedback struct {
	BaseSeq uint16
	Count   uint16
	// RefTime is the reference time in 64 ms units, sign-extended from 24
	// bits (the arrival clock of the receiver; only differences count).
	RefTime int32
	FbCount uint8
	chunks  []byte
	deltas  []byte
}

// parseTWCC parses the FCI of a transport-wide feedback message. It
// reports false when the chunks do not cover the status count, a symbol is
// reserved, or the deltas the symbols announce are missing.
func parseTWCC(fci []byte) (twccFeedback, bool) {
	if len(fci) < 8 {
		return twccFeedback{}, false
	}
	fb := twccFeedback{
		BaseSeq: binary.BigEndian.Uint16(fci[0:]),
		Count:   binary.BigEndian.Uint16(fci[2:]),
		RefTime: int32(uint32(fci[4])<<24|uint32(fci[5])<<16|uint32(fci[6])<<8) >> 8,
		FbCount: fci[7],
	}
	rest := fci[8:]
	seen, deltaBytes := 0, 0
	i := 0
	for seen < int(fb.Count) {
		if i+2 > len(rest) {
			return twccFeedback{}, false
		}
		c := binary.BigEndian.Uint16(rest[i:])
		i += 2
		n, db, ok := chunkSymbols(c, int(fb.Count)-seen)
		if !ok {
			return twccFeedback{}, false
		}
		seen += n
		deltaBytes += db
	}
	if len(rest)-i < deltaBytes {
		return twccFeedback{}, false
	}
	fb.chunks = rest[:i]
	fb.deltas = rest[i : i+deltaBytes]
	return fb, true
}

// chunkSymbols returns how many of a packet status chunk's symbols count
// (at most limit) and how many delta octets they announce (a delta's size
// in octets is its symbol); false for a reserved symbol.
func chunkSymbols(c uint16, limit int) (n, deltaBytes int, ok bool) {
	if c&0x8000 == 0 { // run length chunk
		sym := int(c>>13) & 0x3
		if sym == 3 {
			return 0, 0, false
		}
		n = min(int(c&0x1fff), limit)
		return n, n * sym, true
	}
	if c&0x4000 == 0 { // status vector, 14 one-bit symbols
		n = min(14, limit)
		for k := range n {
			deltaBytes += int(c>>(13-k)) & 1
		}
		return n, deltaBytes, true
	}
	n = min(7, limit) // status vector, 7 two-bit symbols
	for k := range n {
		sym := int(c>>(12-2*k)) & 0x3
		if sym == 3 {
			return 0, 0, false
		}
		deltaBytes += sym
	}
	return n, deltaBytes, true
}

// twccIter walks a parsed feedback packet by packet.
type twccIter struct {
	fb       *twccFeedback
	index    int // packets done
	chunkOff int // offset of the current chunk in fb.chunks
	inChunk  int // symbols of the current chunk done
	deltaOff int
}

func (fb *twccFeedback) iter() twccIter { return twccIter{fb: fb} }

// next returns the next packet: its transport-wide sequence number, whether
// it was received and, if so, its receive delta in nanoseconds (relative to
// the previous received packet, or to the reference time for the first).
func (it *twccIter) next() (seq uint16, received bool, delta int64, ok bool) {
	fb := it.fb
	var sym uint8
	var size int
	for size == 0 { // skip empty runs
		if it.index >= int(fb.Count) || it.chunkOff+2 > len(fb.chunks) {
			return 0, false, 0, false
		}
		c := binary.BigEndian.Uint16(fb.chunks[it.chunkOff:])
		switch {
		case c&0x8000 == 0:
			sym, size = uint8(c>>13)&0x3, int(c&0x1fff)
		case c&0x4000 == 0:
			sym, size = uint8(c>>(13-it.inChunk))&1, 14
		default:
			sym, size = uint8(c>>(12-2*it.inChunk))&0x3, 7
		}
		if size == 0 {
			it.chunkOff += 2
		}
	}
	seq = fb.BaseSeq + uint16(it.index)
	it.index++
	if it.inChunk++; it.inChunk >= size {
		it.chunkOff += 2
		it.inChunk = 0
	}
	switch sym {
	case twccSmallDelta:
		if it.deltaOff+1 > len(fb.deltas) {
			return 0, false, 0, false
		}
		delta = int64(fb.deltas[it.deltaOff]) * twccDeltaUnit
		it.deltaOff++
		return seq, true, delta, true
	case twccLargeDelta:
		if it.deltaOff+2 > len(fb.deltas) {
			return 0, false, 0, false
		}
		delta = int64(int16(binary.BigEndian.Uint16(fb.deltas[it.deltaOff:]))) * twccDeltaUnit
		it.deltaOff += 2
		return seq, true, delta, true
	}
	return seq, false, 0, true
}

// parseREMB reads a receiver estimated maximum bitrate message
// (draft-alvestrand-rmcat-remb-03 section 2.2), the FCI of a PSFB with
// format 15 whose FCI starts with "REMB". It returns the bitrate in bits
// per second and the SSRCs it applies to.
func parseREMB(fci []byte) (bps uint64, ssrcs []byte, ok bool) {
	if len(fci) < 8 || string(fci[:4]) != "REMB" {
		return 0, nil, false
	}
	n := int(fci[4])
	exp := fci[5] >> 2
	mantissa := uint64(fci[5]&0x3)<<16 | uint64(fci[6])<<8 | uint64(fci[7])
	if len(fci) < 8+4*n {
		return 0, nil, false
	}
	if mantissa != 0 && exp > 63-18 {
		bps = ^uint64(0) // beyond any link: "no limit"
	} else {
		bps = mantissa << exp
	}
	return bps, fci[8 : 8+4*n], true
}

// rtcpFmtALFB is the PSFB format of application layer feedback (REMB).
const rtcpFmtALFB = 15

// RTCP packet types of reports (RFC 3550 section 6.4).
const (
	rtcpSR = 200
	rtcpRR = 201
)

// reportBlock is one reception report block (RFC 3550 section 6.4.1).
type reportBlock struct {
	SSRC         uint32
	FractionLost uint8 // in 1/256
	TotalLost    int32
	HighestSeq   uint32
	Jitter       uint32
	LSR          uint32 // middle 32 bits of the NTP time of the last SR
	DLSR         uint32 // delay since that SR, in 1/65536 s
}

// reportBlocks returns the report block area of a SR or RR and the number
// of blocks in it (the RC field).
func (p rtcpPacket) reportBlocks() ([]byte, int) {
	skip := 4 // reporter SSRC
	switch p.Type {
	case rtcpSR:
		skip += 20 // sender info
	case rtcpRR:
	default:
		return nil, 0
	}
	if len(p.Body) < skip {
		return nil, 0
	}
	blocks := p.Body[skip:]
	return blocks, min(int(p.Format), len(blocks)/24)
}

// reportBlockAt returns the i-th block of a block area.
func reportBlockAt(blocks []byte, i int) reportBlock {
	b := blocks[i*24:]
	return reportBlock{
		SSRC:         binary.BigEndian.Uint32(b[0:]),
		FractionLost: b[4],
		TotalLost:    int32(uint32(b[5])<<24|uint32(b[6])<<16|uint32(b[7])<<8) >> 8,
		HighestSeq:   binary.BigEndian.Uint32(b[8:]),
		Jitter:       binary.BigEndian.Uint32(b[12:]),
		LSR:          binary.BigEndian.Uint32(b[16:]),
		DLSR:         binary.BigEndian.Uint32(b[20:]),
	}
}
