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
	// rtxSSRC and rtxPT are the retransmission stream (RFC 4588), 0 when
	// the subscriber did not negotiate RTX; rtxSeq numbers it (shared with
	// later bindings of the same down-track).
	rtxSSRC uint32
	rtxPT   uint8
	rtxSeq  *atomic.Uint32
	// audioLevelID is the subscriber's id for the RFC 6464 audio level
	// extension, 0 when not negotiated (or not audio).
	audioLevelID uint8
	// transportCCID is the id of the transport-wide sequence number
	// extension, 0 when not negotiated; hist numbers the packets of the
	// connection and remembers them for the estimator.
	transportCCID uint8
	hist          *sendHistory
}

// hasRTX reports whether retransmissions go on an RTX stream.
func (b *binding) hasRTX() bool { return b.rtxSSRC != 0 && b.rtxPT != 0 && b.rtxSeq != nil }

// outPacket is one packet to send, in the down-track's numbering.
type outPacket struct {
	Marker     bool
	Seq        uint16
	TS         uint32
	AudioLevel []byte // RFC 6464 payload to carry, nil for none
	Payload    []byte
	// RTX sends the packet as a retransmission on the RTX stream: the
	// original sequence number (Seq) leads the payload.
	RTX bool
	// Padding, when set, sends a padding-only packet of that many octets
	// (a bandwidth probe, which receivers discard after noting its
	// sequence number and arrival).
	Padding uint8
}

// writeScratch is the reusable memory of one writing goroutine: a header
// whose slices keep their capacity, and room for a rewritten payload. A
// layer reader has one for all its down-tracks; a down-track's RTCP
// goroutine and a subscriber's prober have their own.
type writeScratch struct {
	hdr     rtp.Header
	twcc    [2]byte
	payload [packetBufferSize]byte
	rtx     [packetBufferSize + 2]byte
}

func newWriteScratch() *writeScratch {
	s := &writeScratch{}
	// Room for the extensions we write, so that appending never allocates.
	s.hdr.Extensions = make([]rtp.Extension, 0, 4)
	return s
}

// write sends p and returns the bytes handed to the transport. Only the
// audio level extension is carried over (re-mapped to the subscriber's
// id): the publisher's other extension ids (mid, rid, transport-cc) mean
// nothing on the subscriber's session.
//
// The transport-wide sequence number (draft-holmer-rmcat-transport-wide-
// cc-extensions-01 section 2) is written here, and the packet recorded in
// the send history once the transport took it, rather than by pion's
// interceptor, which allocates for every packet.
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
	payload := p.Payload
	switch {
	case p.Padding > 0:
		h.Padding, h.PaddingSize = true, p.Padding
		payload = nil
	case p.RTX && b.hasRTX():
		h.SSRC, h.PayloadType = b.rtxSSRC, b.rtxPT
		h.SequenceNumber = uint16(b.rtxSeq.Add(1))
		binary.BigEndian.PutUint16(s.rtx[:], p.Seq)
		payload = s.rtx[:2+copy(s.rtx[2:], p.Payload)]
	}
	if b.audioLevelID != 0 && len(p.AudioLevel) == 1 {
		_ = h.SetExtension(b.audioLevelID, p.AudioLevel)
	}
	var tw uint16
	if b.transportCCID != 0 {
		tw = b.hist.take()
		binary.BigEndian.PutUint16(s.twcc[:], tw)
		_ = h.SetExtension(b.transportCCID, s.twcc[:])
	}
	size := h.MarshalSize() + len(payload) + int(h.PaddingSize)
	var at int64
	if b.hist != nil {
		at = b.hist.clock.now()
	}
	if _, err := b.writer.WriteRTP(h, payload); err != nil {
		return 0, err
	}
	if b.transportCCID != 0 {
		b.hist.record(tw, size, at, p.Padding > 0)
	}
	return size, nil
}
