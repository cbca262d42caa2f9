package loadtest

import (
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

const (
	// rtpMTU bounds an RTP payload, as browsers do (room for SRTP and
	// header extensions in a 1280-byte path MTU).
	rtpMTU = 1200
	// vp8MaxChunk is the most frame bytes a VP8 packet carries after its
	// 4-byte payload descriptor.
	vp8MaxChunk = rtpMTU - 4
	// audioStampEvery stamps one Opus packet in five (every 100 ms): the
	// stamp grows a 20 ms packet by 16 bytes.
	audioStampEvery = 5
)

// sendCounters are a sender's counters, read by the sampler.
type sendCounters struct {
	packets   atomic.Uint64
	bytes     atomic.Uint64 // RTP header and payload
	frames    atomic.Uint64
	keyframes atomic.Uint64
	// keyframeJumps counts keyframe requests answered by jumping to the
	// clip's next keyframe.
	keyframeJumps atomic.Uint64
	errors        atomic.Uint64
}

// SenderStats is a snapshot of a sender's counters.
type SenderStats struct {
	Packets       uint64 `json:"packets"`
	Bytes         uint64 `json:"bytes"`
	Frames        uint64 `json:"frames"`
	Keyframes     uint64 `json:"keyframes"`
	KeyframeJumps uint64 `json:"keyframe_jumps"`
	WriteErrors   uint64 `json:"write_errors"`
}

func (c *sendCounters) snapshot() SenderStats {
	return SenderStats{
		Packets: c.packets.Load(), Bytes: c.bytes.Load(), Frames: c.frames.Load(),
		Keyframes: c.keyframes.Load(), KeyframeJumps: c.keyframeJumps.Load(), WriteErrors: c.errors.Load(),
	}
}

func (s SenderStats) sub(o SenderStats) SenderStats {
	return SenderStats{
		Packets: s.Packets - o.Packets, Bytes: s.Bytes - o.Bytes, Frames: s.Frames - o.Frames,
		Keyframes: s.Keyframes - o.Keyframes, KeyframeJumps: s.KeyframeJumps - o.KeyframeJumps,
		WriteErrors: s.WriteErrors - o.WriteErrors,
	}
}

// sender writes a looped clip as RTP into a pion track, one frame per
// call of sendFrame: a simulcast layer, a single-layer video track or an
// audio track. Only its pacing goroutine calls sendFrame; keyframe
// requests arrive through wantKeyframe.
type sender struct {
	rid   string
	codec string // "vp8", "h264" or "opus"
	track rtpWriter
	clip  *clip
	ssrc  atomic.Uint32 // the negotiated SSRC, once known

	wantKeyframe atomic.Bool
	stats        sendCounters

	// owned by the pacing goroutine
	pos       int
	frameNo   uint64
	hdr       rtp.Header
	pkt       rtp.Packet
	pictureID uint16
	h264      codecs.H264Payloader
	buf       []byte
	chunk     [rtpMTU]byte
}

// rtpWriter is where a sender writes (*webrtc.TrackLocalStaticRTP).
type rtpWriter interface {
	WriteRTP(p *rtp.Packet) error
}

func newSender(rid, codec string, track rtpWriter, c *clip) *sender {
	return &sender{
		rid: rid, codec: codec, track: track, clip: c,
		hdr:       rtp.Header{Version: 2, SequenceNumber: uint16(rand.Uint32()), Timestamp: rand.Uint32()},
		pictureID: uint16(rand.Uint32() & 0x7fff),
	}
}

// sendFrame sends the next frame of the clip, stamped with now. A pending
// keyframe request moves the clip to its next keyframe first.
func (s *sender) sendFrame(now time.Time) {
	if s.wantKeyframe.Swap(false) && !s.clip.frames[s.pos].key {
		s.pos = s.clip.nextKeyframe(s.pos)
		s.stats.keyframeJumps.Add(1)
	}
	f := s.clip.frames[s.pos]
	s.pos = (s.pos + 1) % len(s.clip.frames)
	stamp := now.UnixNano()
	switch s.codec {
	case "vp8":
		s.buf = appendVP8Stamp(s.buf[:0], f.data, stamp)
		s.sendVP8(s.buf)
	case "h264":
		s.buf = appendH264Stamp(s.buf[:0], f.data, f.split, stamp)
		payloads := s.h264.Payload(rtpMTU, s.buf)
		for i, p := range payloads {
			s.write(p, i == len(payloads)-1)
		}
	default:
		payload := f.data
		if s.frameNo%audioStampEvery == 0 {
			s.buf, _ = appendOpusStamp(s.buf[:0], f.data, stamp)
			payload = s.buf
		}
		s.write(payload, s.frameNo == 0)
	}
	s.frameNo++
	s.hdr.Timestamp += s.clip.tsStep
	s.stats.frames.Add(1)
	if f.key && s.codec != "opus" {
		s.stats.keyframes.Add(1)
	}
}

// sendVP8 packetizes a frame (RFC 7741 section 4) with a 15-bit picture
// ID, like browsers. The chunks are of equal size, so the last one holds
// the whole stamp.
func (s *sender) sendVP8(frame []byte) {
	n := (len(frame) + vp8MaxChunk - 1) / vp8MaxChunk
	size := (len(frame) + n - 1) / n
	for i := 0; len(frame) > 0; i++ {
		c := min(size, len(frame))
		b := s.chunk[:4+c]
		b[0] = 0x80 // X: extensions present
		if i == 0 {
			b[0] |= 0x10 // S: start of partition 0
		}
		b[1] = 0x80 // I: picture ID present
		b[2] = 0x80 | byte(s.pictureID>>8)
		b[3] = byte(s.pictureID)
		copy(b[4:], frame[:c])
		frame = frame[c:]
		s.write(b, len(frame) == 0)
	}
	s.pictureID = (s.pictureID + 1) & 0x7fff
}

// write sends one RTP packet of the current frame.
func (s *sender) write(payload []byte, marker bool) {
	s.hdr.Marker = marker
	s.pkt.Header, s.pkt.Payload = s.hdr, payload
	if err := s.track.WriteRTP(&s.pkt); err != nil {
		s.stats.errors.Add(1)
	} else {
		s.stats.packets.Add(1)
		s.stats.bytes.Add(uint64(s.hdr.MarshalSize() + len(payload)))
	}
	s.hdr.SequenceNumber++
}
