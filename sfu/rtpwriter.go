package sfu

import (
	"encoding/binary"
	"sync/atomic"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// binding is what a down-track learned when its sender was negotiated
// (TrackLocal.Bind): where and how to write. It is immutable; a new Bind
// stores a new one.
type binding struct {
	writer webrtc.TrackLocalWriter
	ssrc   uint32
	pt     uint8
	// audioLevelID is the subscriber's id for the RFC 6464 audio level
	// extension, 0 when not negotiated (or not audio).
	audioLevelID uint8
	// transportCCID is the id of the transport-wide sequence number
	// extension, 0 when not negotiated; transportSeq numbers the packets.
	transportCCID uint8
	transportSeq  *atomic.Uint32
}

// outPacket is one packet to send, in the down-track's numbering.
type outPacket struct {
	Marker     bool
	Seq        uint16
	TS         uint32
	AudioLevel []byte // RFC 6464 payload to carry, nil for none
	Payload    []byte
}

// writeScratch is the reusable memory of one writing goroutine: a header
// whose slices keep their capacity, and room for a rewritten payload. A
// layer reader has one for all its down-tracks; a down-track's RTCP
// goroutine has its own.
type writeScratch struct {
	hdr     rtp.Header
	twcc    [2]byte
	payload [packetBufferSize]byte
}

func newWriteScratch() *writeScratch {
	s := &writeScratch{}
	// Room for the extensions we write, so that appending never allocates.
	s.hdr.Extensions = make([]rtp.Extension, 0, 4)
	return s
}

// write sends p with the binding's SSRC and payload type and returns the
// bytes handed to the transport. Only the audio level extension is carried
// over (re-mapped to the subscriber's id): the publisher's other extension
// ids (mid, rid, transport-cc) mean nothing on the subscriber's session.
// The transport-wide sequence number (draft-holmer-rmcat-transport-wide-
// cc-extensions-01 section 2) is written here rather than by pion's
// interceptor, which allocates for every packet; the send-side estimator
// will hook in at this point.
func (b *binding) write(s *writeScratch, p outPacket) (int, error) {
	h := &s.hdr
	h.Version = 2
	h.Padding = false
	h.PaddingSize = 0
	h.Marker = p.Marker
	h.PayloadType = b.pt
	h.SequenceNumber = p.Seq
	h.Timestamp = p.TS
	h.SSRC = b.ssrc
	h.CSRC = h.CSRC[:0]
	h.Extension = false
	h.ExtensionProfile = 0
	h.Extensions = h.Extensions[:0]
	if b.audioLevelID != 0 && len(p.AudioLevel) == 1 {
		_ = h.SetExtension(b.audioLevelID, p.AudioLevel)
	}
	if b.transportCCID != 0 {
		binary.BigEndian.PutUint16(s.twcc[:], uint16(b.transportSeq.Add(1)-1))
		_ = h.SetExtension(b.transportCCID, s.twcc[:])
	}
	size := h.MarshalSize() + len(p.Payload)
	if _, err := b.writer.WriteRTP(h, p.Payload); err != nil {
		return 0, err
	}
	return size, nil
}
