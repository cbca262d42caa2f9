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
// (padding, frames of dropped VP8 temporal layers) shift the offset so that
// no gap is left for them; a dropped frame also shifts the picture id
// offset, so that the subscriber sees consecutive picture ids.
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

	// VP8 temporal layers: frames with a TID above tlCurrent are dropped
	// whole. The decision is made at the first packet seen of a frame
	// (tlPic) and holds for its other packets.
	tlCurrent  int8
	tlPic      uint16
	tlPicValid bool
	tlDrop     bool
	dropped    droppedPictures
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
	return &munger{seqs: seqs, clockRate: clockRate, layer: LayerNone, tlCurrent: maxTemporal}
}

// maxGap bounds the wall time a switch may bridge in the timestamp domain
// (a longer pause is treated as this long); it keeps the multiplication in
// range and is far beyond any jitter buffer.
const maxGap = int64(1 << 40) // ns, about 18 minutes

// switchTo starts an epoch at p, a switch point of layer, forwarding the
// temporal layers up to temporal.
func (m *munger) switchTo(layer int8, p *packet, temporal int8) {
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
	// A keyframe depends on nothing: any temporal layer may start here.
	m.tlCurrent = temporal
	m.tlPicValid = false
	m.dropped.reset()
}

// munge places p in the outgoing stream. temporal is the highest VP8
// temporal layer the down-track wants now.
func (m *munger) munge(p *packet, temporal int8) mungeResult {
	seq := p.Header.SequenceNumber
	switch d := int16(seq - m.lastIn); {
	case d > 0:
		if len(p.Payload) == 0 {
			m.skip(seq)
			return mungeResult{Dropped: true, Reason: DropPadding}
		}
		if drop, first := m.dropTemporal(p, temporal); drop {
			m.skip(seq)
			if first {
				// The dropped frame takes its picture id along, so that
				// the subscriber sees consecutive ids.
				m.vp8Off.PictureID = (m.vp8Off.PictureID + 1) & p.VP8.pictureIDMask()
			}
			return mungeResult{Dropped: true, Reason: DropTemporal}
		}
		m.lastIn = seq
		r := m.result(p, m.seqOff, m.vp8Off.PictureID)
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
	if p.IsVP8 && p.VP8.HasPictureID && m.dropped.has(p.VP8.PictureID) {
		return mungeResult{Dropped: true, Reason: DropTemporal}
	}
	off, pic, reason, ok := m.skips.offsetAt(seq, m.seqOff, m.vp8Off.PictureID)
	if !ok {
		return mungeResult{Dropped: true, Reason: reason}
	}
	if prev, ok := m.seqs.load(seq - off); ok && prev.InSeq == seq && prev.Layer == m.layer {
		return mungeResult{Dropped: true, Reason: DropDuplicate}
	}
	// A late packet (padding too) fills the gap reserved for it; a
	// receiver such as libwebrtc needs the gap filled to see continuity.
	return m.result(p, off, pic)
}

// dropTemporal decides whether an in-order VP8 packet belongs to a frame of
// a temporal layer above what is forwarded. Going down takes effect at the
// next frame; going up waits for a frame a decoder can switch up at: a
// TL0 frame or one with the layer sync bit (RFC 7741 section 4.2, Y bit).
// It also reports whether p is the first packet seen of a dropped frame.
func (m *munger) dropTemporal(p *packet, temporal int8) (drop, first bool) {
	d := &p.VP8
	if !p.IsVP8 || !d.HasTID || !d.HasPictureID {
		return false, false
	}
	if m.tlPicValid && d.PictureID == m.tlPic {
		return m.tlDrop, false
	}
	tid := int8(d.TID)
	switch {
	case temporal < m.tlCurrent:
		m.tlCurrent = temporal
	case temporal > m.tlCurrent && tid <= temporal && (tid == 0 || d.LayerSync):
		m.tlCurrent = temporal
	}
	m.tlPic, m.tlPicValid = d.PictureID, true
	m.tlDrop = tid > m.tlCurrent
	if m.tlDrop {
		m.dropped.add(d.PictureID)
	}
	return m.tlDrop, m.tlDrop
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

// paddingLayer marks sequence map entries of padding the down-track
// inserted (no source packet).
const paddingLayer int8 = 0x7e

// pad inserts a padding packet after the last packet sent and returns its
// sequence number and timestamp; the packets after it move up by one, and
// late packets from before it keep their place.
func (m *munger) pad() (uint16, uint32) {
	m.skips.insert(m.lastIn+1, m.seqOff, m.vp8Off.PictureID)
	m.seqOff--
	m.lastOut++
	m.seqs.store(m.lastOut, sentPacket{Layer: paddingLayer, TSOffset: m.lastOutTS})
	return m.lastOut, m.lastOutTS
}

// skip drops an in-order packet without leaving a gap for it. It records
// the offsets in force before it, so that late packets of earlier frames
// keep their sequence numbers and picture ids.
func (m *munger) skip(seq uint16) {
	if d := int16(seq - m.lastIn); d <= 0 {
		return // late or duplicate: never had a slot of its own
	}
	m.skips.add(seq, m.seqOff, m.vp8Off.PictureID)
	m.seqOff++
	m.lastIn = seq
}

// result computes the outgoing fields of p with sequence offset off and
// picture id offset pic, and records them for NACKs.
func (m *munger) result(p *packet, off, pic uint16) mungeResult {
	r := mungeResult{
		Seq: p.Header.SequenceNumber - off,
		TS:  p.Header.Timestamp - m.tsOff,
	}
	vp8 := m.vp8Off
	vp8.PictureID = pic
	if p.IsVP8 {
		d := &p.VP8
		r.VP8 = vp8Fields{
			PictureID: (d.PictureID - vp8.PictureID) & d.pictureIDMask(),
			TL0PicIdx: d.TL0PicIdx - vp8.TL0PicIdx,
			KeyIdx:    (d.KeyIdx - vp8.KeyIdx) & 0x1f,
		}
	}
	m.seqs.store(r.Seq, sentPacket{
		Layer:    m.layer,
		InSeq:    p.Header.SequenceNumber,
		TSOffset: m.tsOff,
		VP8:      vp8,
	})
	return r
}

// skipHistory remembers the last skipped packets of an epoch, so that a late
// packet from before a skip gets the offsets that were in force for it. 64
// marks cover about two seconds of dropped VP8 frames, longer than a
// publisher takes to retransmit.
type skipHistory struct {
	ring [64]skipMark
	n    int // skips recorded in this epoch (may exceed len(ring))
}

type skipMark struct {
	seq    uint16 // the skipped packet
	offset uint16 // the sequence offset before it
	pic    uint16 // the picture id offset before it
	// inserted: padding went out before seq, which was not skipped.
	inserted bool
}

func (h *skipHistory) reset() { h.n = 0 }

func (h *skipHistory) add(seq, offset, pic uint16) {
	h.ring[h.n%len(h.ring)] = skipMark{seq: seq, offset: offset, pic: pic}
	h.n++
}

// insert records that the offsets changed before seq, for padding.
func (h *skipHistory) insert(seq, offset, pic uint16) {
	h.ring[h.n%len(h.ring)] = skipMark{seq: seq, offset: offset, pic: pic, inserted: true}
	h.n++
}

// offsetAt returns the sequence and picture id offsets for a late packet
// seq, given the current ones: those before the earliest skip seq
// precedes.
func (h *skipHistory) offsetAt(seq, current, currentPic uint16) (uint16, uint16, DropReason, bool) {
	off, pic := current, currentPic
	kept := min(h.n, len(h.ring))
	for i := 1; i <= kept; i++ {
		mark := h.ring[(h.n-i)%len(h.ring)]
		if seq == mark.seq && !mark.inserted {
			return 0, 0, DropDuplicate, false // it was skipped once already
		}
		if !seqBefore(seq, mark.seq) {
			return off, pic, 0, true
		}
		off, pic = mark.offset, mark.pic
	}
	if h.n > len(h.ring) {
		// Older than every skip we remember: its offset is unknown.
		return 0, 0, DropLate, false
	}
	return off, pic, 0, true
}

// droppedPictures remembers the picture ids of the last frames dropped for
// their temporal layer, so that their late packets are dropped too.
type droppedPictures struct {
	ids [16]uint16
	n   int
}

func (d *droppedPictures) reset() { d.n = 0 }

func (d *droppedPictures) add(id uint16) {
	d.ids[d.n%len(d.ids)] = id
	d.n++
}

func (d *droppedPictures) has(id uint16) bool {
	for i := range min(d.n, len(d.ids)) {
		if d.ids[i] == id {
			return true
		}
	}
	return false
}
