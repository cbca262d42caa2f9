package loadtest

// Send-time stamps: publishers put the wall-clock time a frame was sent
// into the media, where decoders ignore it and the SFU passes it
// untouched (it forwards payloads as they are, and only the audio level
// of the header extensions), and subscribers read it back on arrival.
// Bots on one machine share its clock, so the difference is the latency
// through the SFU.
//
// A stamp is the Unix time in nanoseconds in ten 7-bit groups, each with
// the high bit set, then a 4-byte magic: 14 bytes and never a zero byte,
// so it cannot form an H.264 start code or need emulation prevention.
//
//   - VP8: appended to the frame. The last partition of a VP8 frame runs
//     to the end of the frame and decoders stop reading when its tokens
//     are decoded, so trailing bytes are ignored (RFC 6386 section 9.5).
//     The packetizer keeps the stamp whole in the frame's last packet.
//   - H.264: a user_data_unregistered SEI message (H.264 D.1.6) before the
//     first slice, which decoders skip.
//   - Opus: the padding of a code 3 packet (RFC 6716 section 3.2.5), whose
//     content decoders must ignore.
const (
	stampTimeLen = 10
	stampLen     = stampTimeLen + len(stampMagic)
	stampMagic   = "PLts"
)

// putStamp writes the stamp of t (Unix nanoseconds) into b[:stampLen].
func putStamp(b []byte, t int64) {
	u := uint64(t)
	for i := stampTimeLen - 1; i >= 0; i-- {
		b[i] = 0x80 | byte(u&0x7f)
		u >>= 7
	}
	copy(b[stampTimeLen:], stampMagic)
}

// readStamp reads a stamp from b[:stampLen].
func readStamp(b []byte) (int64, bool) {
	if len(b) < stampLen || string(b[stampTimeLen:stampLen]) != stampMagic {
		return 0, false
	}
	var u uint64
	for _, c := range b[:stampTimeLen] {
		if c&0x80 == 0 {
			return 0, false
		}
		u = u<<7 | uint64(c&0x7f)
	}
	return int64(u), true
}

// trailingStamp reads a stamp that ends payload (VP8, Opus).
func trailingStamp(payload []byte) (int64, bool) {
	if len(payload) < stampLen {
		return 0, false
	}
	return readStamp(payload[len(payload)-stampLen:])
}

// appendVP8Stamp returns dst with frame and its stamp.
func appendVP8Stamp(dst, frame []byte, t int64) []byte {
	dst = append(dst, frame...)
	n := len(dst)
	dst = append(dst, make([]byte, stampLen)...)
	putStamp(dst[n:], t)
	return dst
}

// appendOpusStamp returns dst with the Opus packet pkt rewritten as a code
// 3 packet of one frame whose padding is the stamp. Packets that already
// use code 1, 2 or 3 are copied unchanged (false).
func appendOpusStamp(dst, pkt []byte, t int64) ([]byte, bool) {
	if len(pkt) == 0 || pkt[0]&3 != 0 {
		return append(dst, pkt...), false
	}
	// TOC with c=3; frame count byte: CBR, padding, one frame; padding
	// length; the frame; the padding.
	dst = append(dst, pkt[0]|3, 0x40|1, byte(stampLen))
	dst = append(dst, pkt[1:]...)
	n := len(dst)
	dst = append(dst, make([]byte, stampLen)...)
	putStamp(dst[n:], t)
	return dst, true
}

// seiUUID identifies Parley's SEI message; no zero byte.
const seiUUID = "parley-loadtest!"

// seiLen is the length of the stamp SEI NAL unit.
const seiLen = 3 + 16 + stampLen + 1

// appendH264Stamp returns dst with the access unit au (Annex B) and a SEI
// NAL unit carrying the stamp inserted at split, before the first slice.
func appendH264Stamp(dst, au []byte, split int, t int64) []byte {
	dst = append(dst, au[:split]...)
	dst = append(dst, annexBStart...)
	// NAL header (nal_ref_idc 0, type 6), payloadType 5
	// (user_data_unregistered), payloadSize, UUID, stamp, RBSP trailing
	// bits.
	dst = append(dst, naluSEI, 5, byte(16+stampLen))
	dst = append(dst, seiUUID...)
	n := len(dst)
	dst = append(dst, make([]byte, stampLen)...)
	putStamp(dst[n:], t)
	dst = append(dst, 0x80)
	return append(dst, au[split:]...)
}

// h264Stamp reads the stamp of an RTP payload that is the stamp SEI NAL
// unit (single NAL unit packet, RFC 6184 section 5.6).
func h264Stamp(payload []byte) (int64, bool) {
	if len(payload) != seiLen || payload[0]&0x1f != naluSEI || string(payload[3:19]) != seiUUID {
		return 0, false
	}
	return readStamp(payload[19 : 19+stampLen])
}
