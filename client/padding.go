package client

import (
	"encoding/binary"

	"github.com/pion/interceptor"
)

// Servers probe a subscriber's bandwidth with padding-only RTP packets
// (no payload, only padding). pion hands them to the application like
// media; the SDK drops them before RemoteTrack.Track().Read returns, after
// pion's interceptors (transport-wide feedback, NACKs) have seen them.

// BindRemoteStream implements interceptor.Interceptor: it skips
// padding-only packets.
func (s *ridStamper) BindRemoteStream(_ *interceptor.StreamInfo, reader interceptor.RTPReader) interceptor.RTPReader {
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		for {
			n, attr, err := reader.Read(b, a)
			if err != nil || !paddingOnly(b[:n]) {
				return n, attr, err
			}
		}
	})
}

// paddingOnly reports whether an RTP packet carries nothing but padding
// (RFC 3550 section 5.1: the last octet counts the padding octets).
func paddingOnly(b []byte) bool {
	if len(b) < 12 || b[0]&0x20 == 0 {
		return false
	}
	n := 12 + 4*int(b[0]&0x0f)
	if b[0]&0x10 != 0 { // header extension
		if len(b) < n+4 {
			return false
		}
		n += 4 + 4*int(binary.BigEndian.Uint16(b[n+2:]))
	}
	return n < len(b) && n+int(b[len(b)-1]) == len(b)
}
