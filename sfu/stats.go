package sfu

import (
	"sync/atomic"
	"time"
)

// DropReason says why a down-track did not send a packet it was offered.
type DropReason uint8

const (
	// DropDuplicate: the packet was already sent (or skipped) once.
	DropDuplicate DropReason = iota
	// DropLate: the packet predates the current layer switch or is too old
	// to place in the outgoing sequence.
	DropLate
	// DropPadding: a padding-only packet; the gap is closed so the
	// subscriber sees no loss.
	DropPadding
	// DropMalformed: the payload could not be parsed for rewriting.
	DropMalformed
	// DropAwaitingKeyframe: nothing is being forwarded yet (start, resume)
	// and the packet is not a keyframe of the target layer.
	DropAwaitingKeyframe
	// DropWriteFailed: the transport refused the packet (closed, full);
	// the down-track resynchronizes at the next keyframe.
	DropWriteFailed
	// DropTemporal: a VP8 frame of a temporal layer above what the
	// subscriber's frame rate or bandwidth allows.
	DropTemporal
	// DropBandwidth: the subscriber's bandwidth does not fit the track
	// (the allocator paused it).
	DropBandwidth
	// NumDropReasons is the number of drop reasons.
	NumDropReasons
)

// String returns a short snake_case name, suitable as a metric label.
func (r DropReason) String() string {
	switch r {
	case DropDuplicate:
		return "duplicate"
	case DropLate:
		return "late"
	case DropPadding:
		return "padding"
	case DropMalformed:
		return "malformed"
	case DropAwaitingKeyframe:
		return "awaiting_keyframe"
	case DropWriteFailed:
		return "write_failed"
	case DropTemporal:
		return "temporal"
	case DropBandwidth:
		return "bandwidth"
	}
	return "unknown"
}

// DownTrackStats is a snapshot of a down-track's counters.
type DownTrackStats struct {
	// PacketsSent and BytesSent count every RTP packet handed to the
	// transport (header and payload, before SRTP): media, retransmissions
	// and probe padding.
	PacketsSent uint64
	BytesSent   uint64
	// Dropped counts packets offered to the down-track and not sent, by
	// reason; index with a DropReason.
	Dropped [NumDropReasons]uint64
	// NACKsReceived counts sequence numbers the subscriber asked for;
	// each is answered (retransmitted) or missed (no longer cached).
	NACKsReceived uint64
	NACKsAnswered uint64
	NACKsMissed   uint64
	// NACKsSuppressed counts requests for a packet resent less than a
	// round trip ago; NACKsThrottled those beyond the retransmission
	// budget (a share of the bandwidth estimate).
	NACKsSuppressed uint64
	NACKsThrottled  uint64
	// PLIsReceived counts PLI and FIR messages from the subscriber.
	PLIsReceived uint64
	// LayerSwitches counts starts, resumes and simulcast layer changes.
	LayerSwitches uint64
	// PaddingPackets and PaddingBytes count the bandwidth probe packets
	// among them (padding only, in the track's own sequence).
	PaddingPackets uint64
	PaddingBytes   uint64
	// Feedbacks counts transport-wide feedback messages received on this
	// down-track's stream (they are about the whole connection).
	Feedbacks uint64
	// FractionLost, Jitter (RTP timestamp units) and RTT are from the
	// subscriber's last receiver report.
	FractionLost float64
	Jitter       uint32
	RTT          time.Duration
}

type downTrackCounters struct {
	packetsSent     atomic.Uint64
	bytesSent       atomic.Uint64
	dropped         [NumDropReasons]atomic.Uint64
	nacksReceived   atomic.Uint64
	nacksAnswered   atomic.Uint64
	nacksMissed     atomic.Uint64
	nacksSuppressed atomic.Uint64
	nacksThrottled  atomic.Uint64
	plisReceived    atomic.Uint64
	layerSwitches   atomic.Uint64
	feedbacks       atomic.Uint64
	paddingPackets  atomic.Uint64
	paddingBytes    atomic.Uint64
}

func (c *downTrackCounters) snapshot() DownTrackStats {
	s := DownTrackStats{
		PacketsSent:     c.packetsSent.Load(),
		BytesSent:       c.bytesSent.Load(),
		NACKsReceived:   c.nacksReceived.Load(),
		NACKsAnswered:   c.nacksAnswered.Load(),
		NACKsMissed:     c.nacksMissed.Load(),
		NACKsSuppressed: c.nacksSuppressed.Load(),
		NACKsThrottled:  c.nacksThrottled.Load(),
		PLIsReceived:    c.plisReceived.Load(),
		LayerSwitches:   c.layerSwitches.Load(),
		Feedbacks:       c.feedbacks.Load(),
		PaddingPackets:  c.paddingPackets.Load(),
		PaddingBytes:    c.paddingBytes.Load(),
	}
	for i := range c.dropped {
		s.Dropped[i] = c.dropped[i].Load()
	}
	return s
}

// LayerStats is a snapshot of one received layer's counters.
type LayerStats struct {
	Packets   uint64
	Bytes     uint64 // whole RTP packets, as received after SRTP
	Keyframes uint64 // packets that start a keyframe
	Malformed uint64 // packets dropped because they could not be parsed
	PLIsSent  uint64 // keyframe requests sent to the publisher
	NACKsSent uint64 // sequence numbers the publisher was asked to resend
	// Late counts packets older than the newest received: retransmissions
	// the publisher answered our NACKs with (restored from RTX), or
	// reordered packets.
	Late uint64
	// Frames counts frames (packets with the marker bit) by VP8 temporal
	// layer (index 0 also for codecs without temporal layers).
	Frames [4]uint64
}

// ReceiverStats is a snapshot of a receiver's counters.
type ReceiverStats struct {
	Layers [MaxLayers]LayerStats
}

type layerCounters struct {
	packets   atomic.Uint64
	tidBytes  [4]atomic.Uint64
	tidFrames [4]atomic.Uint64
	keyframes atomic.Uint64
	malformed atomic.Uint64
	plisSent  atomic.Uint64
	nacksSent atomic.Uint64
	late      atomic.Uint64
}

func (c *layerCounters) snapshot() LayerStats {
	s := LayerStats{
		Packets:   c.packets.Load(),
		Keyframes: c.keyframes.Load(),
		Malformed: c.malformed.Load(),
		PLIsSent:  c.plisSent.Load(),
		NACKsSent: c.nacksSent.Load(),
		Late:      c.late.Load(),
	}
	for i := range c.tidBytes {
		s.Bytes += c.tidBytes[i].Load()
		s.Frames[i] = c.tidFrames[i].Load()
	}
	return s
}
