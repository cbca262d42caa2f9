package loadtest

// seqWindow is how many recent sequence numbers a seqTracker remembers to
// tell a late packet (a retransmission) from a duplicate.
const seqWindow = 1024

// seqTracker counts the RTP packets of one stream: how many were expected
// (the span of sequence numbers seen), how many distinct ones arrived,
// and how many were duplicates. Loss after repair is expected minus
// received; a NACK-repaired packet fills its gap.
type seqTracker struct {
	started    bool
	first, max int64 // extended sequence numbers
	seen       [seqWindow / 64]uint64
	received   uint64
	duplicates uint64
	tooLate    uint64 // older than the window: not counted
}

func (t *seqTracker) bit(ext int64) (word int, mask uint64) {
	i := int(uint64(ext) % seqWindow)
	return i / 64, 1 << (i % 64)
}

// push records the arrival of seq.
func (t *seqTracker) push(seq uint16) {
	if !t.started {
		t.started = true
		t.first, t.max = int64(seq), int64(seq)
		w, m := t.bit(t.max)
		t.seen[w] |= m
		t.received = 1
		return
	}
	ext := t.max + int64(int16(seq-uint16(t.max)))
	switch {
	case ext > t.max:
		if ext-t.max >= seqWindow {
			t.seen = [seqWindow / 64]uint64{}
		} else {
			for e := t.max + 1; e < ext; e++ {
				w, m := t.bit(e)
				t.seen[w] &^= m
			}
		}
		t.max = ext
	case t.max-ext >= seqWindow:
		t.tooLate++
		return
	default:
		if w, m := t.bit(ext); t.seen[w]&m != 0 {
			t.duplicates++
			return
		}
	}
	w, m := t.bit(ext)
	t.seen[w] |= m
	t.received++
	if ext < t.first {
		t.first = ext
	}
}

// expected is the number of packets from the first to the highest
// sequence number seen.
func (t *seqTracker) expected() uint64 {
	if !t.started {
		return 0
	}
	return uint64(t.max - t.first + 1)
}
