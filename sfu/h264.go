package sfu

// H.264 NAL unit types (ITU-T H.264 table 7-1) and RTP packetization types
// (RFC 6184 section 5.2).
const (
	h264NALIDR  = 5
	h264NALSPS  = 7
	h264STAPA   = 24
	h264FUA     = 28
	h264NALMask = 0x1f
)

// h264Keyframe reports whether an H.264 RTP payload starts a key frame: an
// IDR slice or a sequence parameter set as a single NAL unit, inside a
// STAP-A aggregate, or as the first fragment of an FU-A.
func h264Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	switch t := p[0] & h264NALMask; t {
	case h264NALIDR, h264NALSPS:
		return true
	case h264STAPA:
		// STAP-A: after the NAL header, repeated 16-bit size + NAL unit.
		for i := 1; i+2 < len(p); {
			size := int(p[i])<<8 | int(p[i+1])
			i += 2
			if size == 0 || i+size > len(p) {
				return false
			}
			if nt := p[i] & h264NALMask; nt == h264NALIDR || nt == h264NALSPS {
				return true
			}
			i += size
		}
		return false
	case h264FUA:
		// FU indicator, then FU header: S bit and the fragmented NAL type.
		if len(p) < 2 {
			return false
		}
		nt := p[1] & h264NALMask
		return p[1]&0x80 != 0 && (nt == h264NALIDR || nt == h264NALSPS)
	default:
		return false
	}
}
