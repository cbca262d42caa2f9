package sfu

import (
	"strconv"
	"strings"

	"github.com/pion/webrtc/v4"
)

// opusPayloadType is opus's payload type in the codec table, which every
// subscriber connection negotiates.
const opusPayloadType = 111

// redPrimaryPayloadType reads the payload type RED blocks carry from a
// publisher's RED format parameters ("111/111", RFC 2198 / RFC 7656) and
// reports whether it differs from the subscribers' opus payload type, in
// which case the blocks are rewritten on arrival.
func redPrimaryPayloadType(c webrtc.RTPCodecParameters) (uint8, bool) {
	if !strings.EqualFold(c.MimeType, mimeTypeRED) {
		return 0, false
	}
	first, _, _ := strings.Cut(c.SDPFmtpLine, "/")
	pt, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pt < 0 || pt > 127 || pt == opusPayloadType {
		return 0, false
	}
	return uint8(pt), true
}

// rewriteREDPayloadType replaces payload type from with to in the block
// headers of a RED payload (RFC 2198 section 3), in place. Each redundant
// block has a four-octet header (F bit set), the primary a one-octet
// header; a malformed payload is left alone from the first bad header on.
func rewriteREDPayloadType(p []byte, from, to uint8) {
	lengths := 0
	for i := 0; i < len(p); {
		h := p[i]
		if h&0x7f == from {
			p[i] = h&0x80 | to
		}
		if h&0x80 == 0 {
			return // the primary block's header is the last
		}
		if i+4 > len(p) {
			return
		}
		lengths += int(p[i+2]&0x03)<<8 | int(p[i+3])
		if lengths > len(p) {
			return
		}
		i += 4
	}
}
