package sfu

// munger rewrites the sequence numbers, timestamps and VP8 picture fields
// of the packets a down-track forwards, so that the subscriber sees one
// continuous stream across layer switches, pauses and dropped packets.
//
// It is owned by the reader goroutine of the layer the down-track currently
// forwards (see ownership): no other goroutine touches it, except through
// seqs, whose slots are atomic.
//
// Forwarding happens in epochs. An epoch starts at a switch point (a
// keyframe, or any audio packet) with switchTo; within it, out = in - offset,
// so losses stay visible as gaps the subscriber can NACK and reordered or
// retransmitted packets land in their place. Packets the down-track skips
// (padding, later: dropped temporal layers) shift the offset so that no gap
// is left for them.
type munger struct {
	seqs      *seqMap
	clockRate uint32
	started   bool
	layer     int8

	// Sequence numbers: out = in - seqOff within the epoch.
	epochIn uint16 // first packet of the epoch; earlier packets are late
	lastIn  uint16 // newest packet of the epoch, sent or skipped
	lastOut uint16 // newest sequence number sent
	seqOff  uint16
	skips   skipHistory

	// Timestamps: out = in - tsOff.
	tsOff       uint32
	lastOutTS   uint32
	lastArrival int64 // arrival of the packet sent as lastOut

	// VP8: out = in - offset, each with its own width.
	vp8Off  vp8Offsets
	vp8Last vp8Fields
}

// mungeResult is what to write for one packet.
type mungeResult struct {
	Seq uint16
	TS  uint32
	// VP8 holds the fields to write when the packet is VP8.
	VP8 vp8Fields
	// Dropped is set, with Reason, when the packet must not be sent.
	Dropped bool
	Reason  DropReason
}

func newMunger(seqs *seqMap, clockRate uint32) *munger {
	return &munger{seqs: seqs, clockRate: clockRate, layer: LayerNone}
}

// maxGap bounds the wall time a switch may bridge in the timestamp domain
// (a longer pause is treated as this long); it keeps the multiplication in
// range and is far beyond any jitter buffer.
const maxGap = int64(1 << 40) // ns, about 18 minutes

// switchTo starts an epoch at p, a switch point of layer.
func (m *munger) switchTo(layer int8, p *packet) {
	seq, ts := p.Header.SequenceNumber, p.Header.Timestamp
	if !m.started {
		// The first epoch keeps the source's numbering.
		m.started = true
		m.seqOff, m.tsOff = 0, 0
		m.vp8Off = vp8Offsets{}
		m.lastArrival = p.Arrival
	} else {
		m.seqOff = seq - (m.lastOut + 1)
		elapsed := min(max(p.Arrival-m.lastArrival, 0), maxGap)
		step := uint32(elapsed * int64(m.clockRate) / 1e9)
		m.tsOff = ts - (m.lastOutTS + max(step, 1))
		if p.IsVP8 {
			d := &p.VP8
			m.vp8Off = vp8Offsets{
				PictureID: (d.PictureID - (m.vp8Last.PictureID + 1)) & d.pictureIDMask(),
				TL0PicIdx: d.TL0PicIdx - (m.vp8Last.TL0PicIdx + 1),
				KeyIdx:    (d.KeyIdx - (m.vp8Last.KeyIdx + 1)) & 0x1f,
			}
		}
	}
	m.layer = layer
	m.epochIn = seq
	m.lastIn = seq - 1
	m.skips.reset()
}

// munge places p in the outgoing stream.
func (m *munger) munge(p *packet) mungeResult {
	seq := p.Header.SequenceNumber
	switch d := int16(seq - m.lastIn); {
	case d > 0:
		if len(p.Payload) == 0 {
			m.skip(seq)
			return mungeResult{Dropped: true, Reason: DropPadding}
		}
		m.lastIn = seq
		r := m.result(p, m.seqOff)
		m.lastOut = r.Seq
		m.lastOutTS = r.TS
		m.lastArrival = p.Arrival
		if p.IsVP8 {
			m.noteVP8(&p.VP8, r.VP8)
		}
		return r
	case d == 0:
		return mungeResult{Dropped: true, Reason: DropDuplicate}
	}
	// An older packet: reordered, or a retransmission from the publisher.
	if seqBefore(seq, m.epochIn) {
		return mungeResult{Dropped: true, Reason: DropLate}
	}
	off, reason, ok := m.skips.offsetAt(seq, m.seqOff)
	if !ok {
		return mungeResult{Dropped: true, Reason: reason}
	}
	if prev, ok := m.seqs.load(seq - off); ok && prev.InSeq == seq && prev.Layer == m.layer {
		return mungeResult{Dropped: true, Reason: DropDuplicate}
	}
	// A late packet (padding too) fills the gap reserved for it; a
	// receiver such as libwebrtc needs the gap filled to see continuity.
	return m.result(p, off)
}

// noteVP8 remembers the fields sent, those the descriptor carries.
func (m *munger) noteVP8(d *vp8Descriptor, f vp8Fields) {
	if d.HasPictureID {
		m.vp8Last.PictureID = f.PictureID
	}
	if d.HasTL0PicIdx {
		m.vp8Last.TL0PicIdx = f.TL0PicIdx
	}
	if d.HasKeyIdx {
		m.vp8Last.KeyIdx = f.KeyIdx
	}
}

// skip drops an in-order packet without leaving a gap for it.
func (m *munger) skip(seq uint16) {
	if d := int16(seq - m.lastIn); d <= 0 {
		return // late or duplicate: never had a slot of its own
	}
	m.skips.add(seq, m.seqOff)
	m.seqOff++
	m.lastIn = seq
}

// result computes the outgoing fields of p with sequence offset off and
// records them for NACKs.
func (m *munger) result(p *packet, off uint16) mungeResult {
	r := mungeResult{
		Seq: p.Header.SequenceNumber - off,
		TS:  p.Header.Timestamp - m.tsOff,
	}
	if p.IsVP8 {
		d := &p.VP8
		r.VP8 = vp8Fields{
			PictureID: (d.PictureID - m.vp8Off.PictureID) & d.pictureIDMask(),
			TL0PicIdx: d.TL0PicIdx - m.vp8Off.TL0PicIdx,
			KeyIdx:    (d.KeyIdx - m.vp8Off.KeyIdx) & 0x1f,
		}
	}
	m.seqs.store(r.Seq, sentPacket{
		Layer:    m.layer,
		InSeq:    p.Header.SequenceNumber,
		TSOffset: m.tsOff,
		VP8:      m.vp8Off,
	})
	return r
}

// skipHistory remembers the last skipped packets of an epoch, so that a late
// packet from before a skip gets the offset that was in force for it.
type skipHistory struct {
	ring [8]skipMark
	n    int // skips recorded in this epoch (may exceed len(ring))
}

type skipMark struct {
	seq    uint16 // the skipped packet
	offset uint16 // the offset before it
}

func (h *skipHistory) reset() { h.n = 0 }

func (h *skipHistory) add(seq, offset uint16) {
	h.ring[h.n%len(h.ring)] = skipMark{seq: seq, offset: offset}
	h.n++
}

// offsetAt returns the sequence offset for a late packet seq, given the
// current one: the offset before the earliest skip seq precedes.
func (h *skipHistory) offsetAt(seq, current uint16) (uint16, DropReason, bool) {
	off := current
	kept := min(h.n, len(h.ring))
	for i := 1; i <= kept; i++ {
		mark := h.ring[(h.n-i)%len(h.ring)]
		if seq == mark.seq {
			return 0, DropDuplicate, false // it was skipped once already
		}
		if !seqBefore(seq, mark.seq) {
			return off, 0, true
		}
		off = mark.offset
	}
	if h.n > len(h.ring) {
		// Older than every skip we remember: its offset is unknown.
		return 0, DropLate, false
	}
	return off, 0, true
}
