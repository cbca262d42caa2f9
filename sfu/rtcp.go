package sfu

import "encoding/binary"

// A minimal, allocation-free reader for the RTCP feedback a down-track acts
// on. pion/rtcp's Unmarshal allocates a value per packet; the NACK path must
// not, and it only needs three message types.

// RTCP packet types and feedback formats (RFC 4585 section 6.1, RFC 5104
// section 4.3.1).
const (
	rtcpRTPFB   = 205
	rtcpPSFB    = 206
	rtcpFmtNACK = 1 // RTPFB: generic NACK
	rtcpFmtPLI  = 1 // PSFB: picture loss indication
	rtcpFmtFIR  = 4 // PSFB: full intra request
)

// rtcpHeaderLen is the common header plus sender and media SSRC of a
// feedback message.
const rtcpFeedbackHeaderLen = 12

// rtcpPacket is one packet of a compound RTCP datagram.
type rtcpPacket struct {
	Type   uint8
	Format uint8 // FMT / RC field
	// Body is the packet after the 4-byte common header, padding removed.
	Body []byte
}

// nextRTCP splits the first packet off a compound RTCP buffer. It reports
// false at the end of the buffer or on a malformed header (a wrong version
// or a length that overruns the buffer), which ends the walk.
func nextRTCP(buf []byte) (p rtcpPacket, rest []byte, ok bool) {
	if len(buf) < 4 || buf[0]>>6 != 2 {
		return rtcpPacket{}, nil, false
	}
	size := (int(binary.BigEndian.Uint16(buf[2:4])) + 1) * 4
	if size > len(buf) {
		return rtcpPacket{}, nil, false
	}
	body := buf[4:size]
	if buf[0]&0x20 != 0 { // padding: the last octet counts the padding octets
		pad := int(buf[size-1])
		if pad == 0 || pad > len(body) {
			return rtcpPacket{}, nil, false
		}
		body = body[:len(body)-pad]
	}
	return rtcpPacket{Type: buf[1], Format: buf[0] & 0x1f, Body: body}, buf[size:], true
}

// mediaSSRC returns the media source SSRC of a feedback message.
func (p rtcpPacket) mediaSSRC() (uint32, bool) {
	if len(p.Body) < rtcpFeedbackHeaderLen-4 {
		return 0, false
	}
	return binary.BigEndian.Uint32(p.Body[4:8]), true
}

// fci returns the feedback control information of a feedback message.
func (p rtcpPacket) fci() []byte {
	if len(p.Body) < rtcpFeedbackHeaderLen-4 {
		return nil
	}
	return p.Body[rtcpFeedbackHeaderLen-4:]
}

// isNACKFor reports a generic NACK for ssrc.
func (p rtcpPacket) isNACKFor(ssrc uint32) bool {
	m, ok := p.mediaSSRC()
	return ok && p.Type == rtcpRTPFB && p.Format == rtcpFmtNACK && m == ssrc
}

// isKeyframeRequestFor reports a PLI for ssrc or a FIR with an entry for
// ssrc (a FIR names its targets in the FCI; RFC 5104 section 4.3.1.2).
func (p rtcpPacket) isKeyframeRequestFor(ssrc uint32) bool {
	if p.Type != rtcpPSFB {
		return false
	}
	switch p.Format {
	case rtcpFmtPLI:
		m, ok := p.mediaSSRC()
		return ok && m == ssrc
	case rtcpFmtFIR:
		fci := p.fci()
		for i := 0; i+8 <= len(fci); i += 8 {
			if binary.BigEndian.Uint32(fci[i:]) == ssrc {
				return true
			}
		}
	}
	return false
}

// nackItem is one FCI entry of a generic NACK (RFC 4585 section 6.2.1):
// packet id PID and the bitmask BLP of the 16 following lost packets.
type nackItem struct {
	PID uint16
	BLP uint16
}

// nackItemAt returns the i-th FCI entry of a generic NACK.
func nackItemAt(fci []byte, i int) (nackItem, bool) {
	off := i * 4
	if off+4 > len(fci) {
		return nackItem{}, false
	}
	return nackItem{
		PID: binary.BigEndian.Uint16(fci[off:]),
		BLP: binary.BigEndian.Uint16(fci[off+2:]),
	}, true
}

// lost calls fn for every sequence number the entry reports lost, in order.
func (n nackItem) lost(fn func(seq uint16)) {
	fn(n.PID)
	for b := uint16(0); b < 16; b++ {
		if n.BLP&(1<<b) != 0 {
			fn(n.PID + b + 1)
		}
	}
}
