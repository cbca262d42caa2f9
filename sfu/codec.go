package sfu

import (
	"strings"

	"github.com/pion/webrtc/v4"
)

// payloadKindOf returns how the forwarding path treats a codec's payloads.
func payloadKindOf(mime string) payloadKind {
	switch {
	case strings.EqualFold(mime, webrtc.MimeTypeVP8):
		return payloadVP8
	case strings.EqualFold(mime, webrtc.MimeTypeH264):
		return payloadH264
	default:
		return payloadOther
	}
}

// codecMatches reports whether two codec descriptions are the same codec in
// the sense of SDP negotiation: same MIME type and clock rate and, for H.264,
// the same packetization mode and profile (RFC 6184 section 8.1: the level
// may differ).
func codecMatches(a, b webrtc.RTPCodecCapability) bool {
	if !strings.EqualFold(a.MimeType, b.MimeType) || a.ClockRate != b.ClockRate {
		return false
	}
	if a.Channels != 0 && b.Channels != 0 && a.Channels != b.Channels {
		return false
	}
	if !strings.EqualFold(a.MimeType, webrtc.MimeTypeH264) {
		return true
	}
	fa, fb := parseFmtp(a.SDPFmtpLine), parseFmtp(b.SDPFmtpLine)
	if fmtpOr(fa, "packetization-mode", "0") != fmtpOr(fb, "packetization-mode", "0") {
		return false
	}
	pa, pb := fmtpOr(fa, "profile-level-id", "42001f"), fmtpOr(fb, "profile-level-id", "42001f")
	return len(pa) == 6 && len(pb) == 6 && strings.EqualFold(pa[:4], pb[:4])
}

// findCodec returns the first codec of list matching c.
func findCodec(list []webrtc.RTPCodecParameters, c webrtc.RTPCodecCapability) (webrtc.RTPCodecParameters, bool) {
	for _, p := range list {
		if codecMatches(p.RTPCodecCapability, c) {
			return p, true
		}
	}
	return webrtc.RTPCodecParameters{}, false
}

// parseFmtp splits an a=fmtp parameter line into lower-case keys and values.
func parseFmtp(line string) map[string]string {
	m := map[string]string{}
	for part := range strings.SplitSeq(line, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		if k != "" {
			m[strings.ToLower(k)] = v
		}
	}
	return m
}

func fmtpOr(m map[string]string, key, def string) string {
	if v, ok := m[key]; ok {
		return v
	}
	return def
}

// headerExtensionID returns the negotiated id of uri, 0 if not negotiated.
func headerExtensionID(exts []webrtc.RTPHeaderExtensionParameter, uri string) uint8 {
	for _, e := range exts {
		if e.URI == uri && e.ID > 0 && e.ID < 256 {
			return uint8(e.ID)
		}
	}
	return 0
}
