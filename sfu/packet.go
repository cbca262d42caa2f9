package sfu

import (
	"errors"

	"github.com/pion/rtp"
)

var errPadding = errors.New("invalid RTP padding")

// payloadKind is how a layer reader interprets payloads.
type payloadKind uint8

const (
	payloadOther payloadKind = iota // every packet is a switch point (audio)
	payloadVP8
	payloadH264
)

// packet is one received RTP packet as the forwarding path sees it. A layer
// reader owns one and reuses it for every packet it reads; the slices point
// into the packet buffer, which is valid until the fan-out returns.
type packet struct {
	Header rtp.Header
	// Payload is the RTP payload without padding.
	Payload []byte
	// Arrival is the receive time in nanoseconds on the engine's clock.
	Arrival int64
	// Keyframe marks a packet a subscriber can start decoding at.
	Keyframe bool
	// Late marks a packet older than the newest of its layer: a
	// retransmission (or a publisher's probe made of old packets, which
	// libwebrtc sends on RTX) or a reordered one. Never a switch point.
	Late bool
	// VP8 is the parsed descriptor when IsVP8.
	VP8   vp8Descriptor
	IsVP8 bool
	// AudioLevel is the RFC 6464 header extension payload, nil if absent.
	AudioLevel []byte
}

// parse fills p from buf. The header is parsed with pion/rtp into the
// reused p.Header, which does not allocate once its slices have grown; the
// payload fields are parsed here. A malformed packet returns an error and
// must be dropped.
func (p *packet) parse(buf []byte, kind payloadKind, audioLevelID uint8) error {
	n, err := p.Header.Unmarshal(buf)
	if err != nil {
		return err
	}
	end := len(buf)
	if p.Header.Padding {
		if end <= n {
			return errPadding
		}
		pad := int(buf[end-1])
		if pad == 0 || n+pad > end {
			return errPadding
		}
		end -= pad
	}
	p.Payload = buf[n:end]
	p.AudioLevel = nil
	if audioLevelID != 0 {
		if lvl := p.Header.GetExtension(audioLevelID); len(lvl) == 1 {
			p.AudioLevel = lvl
		}
	}
	p.IsVP8 = false
	p.Keyframe = false
	if len(p.Payload) == 0 {
		return nil // padding only: forwarded as a gap, never a switch point
	}
	switch kind {
	case payloadVP8:
		if !parseVP8Descriptor(p.Payload, &p.VP8) {
			return errVP8Descriptor
		}
		p.IsVP8 = true
		p.Keyframe = p.VP8.Keyframe
	case payloadH264:
		p.Keyframe = h264Keyframe(p.Payload)
	default:
		p.Keyframe = true
	}
	return nil
}

var errVP8Descriptor = errors.New("malformed VP8 payload descriptor")

// seqBefore reports whether sequence number a comes before b (RFC 3550
// serial number arithmetic over 16 bits).
func seqBefore(a, b uint16) bool { return int16(a-b) < 0 }
