package sfu

import (
	"time"

	"github.com/pion/interceptor"
)

// feedbackReader is a down-track's RTCP goroutine: it reads what the
// subscriber sends about the track, answers NACKs from the source's packet
// cache through the down-track's sequence map (on the RTX stream when the
// subscriber negotiated one), forwards keyframe requests upstream, and
// hands congestion feedback (transport-wide feedback, REMB, receiver
// reports) to the subscriber's estimator. It owns its buffers, so answering
// a NACK allocates nothing, and it never touches the munging state.
type feedbackReader struct {
	d       *DownTrack
	reader  interceptor.RTCPReader
	rtcpBuf [packetBufferSize]byte
	pktBuf  [packetBufferSize]byte
	pkt     packet
	scratch *writeScratch
	levelID uint8 // the publisher's audio level extension id
	// resent remembers recent retransmissions, seq(16) | count(4) |
	// time(12, in 10 ms units), by out sequence number modulo its size: a
	// packet is resent at most once per round trip and resendMax times in
	// all, however often it is asked for.
	resent [256]uint32
}

// resendGuard is the least time between two retransmissions of a packet;
// resendMax the most retransmissions of one packet.
const (
	resendGuard = 20e6
	resendMax   = 4
)

func newFeedbackReader(d *DownTrack, reader interceptor.RTCPReader) *feedbackReader {
	f := &feedbackReader{d: d, reader: reader, scratch: newWriteScratch()}
	if l, ok := d.src.(audioLevelSource); ok {
		f.levelID = l.audioLevelExtension()
	}
	return f
}

// audioLevelSource is implemented by sources whose cached packets carry an
// audio level extension, so that retransmissions keep it.
type audioLevelSource interface {
	audioLevelExtension() uint8
}

// run reads until the sender stops (the track is removed or the
// PeerConnection closes).
func (f *feedbackReader) run() {
	for {
		n, _, err := f.reader.Read(f.rtcpBuf[:], nil)
		if err != nil {
			return
		}
		f.handle(f.rtcpBuf[:n])
	}
}

// handle acts on one compound RTCP packet.
func (f *feedbackReader) handle(buf []byte) {
	d := f.d
	ssrc := d.ssrc()
	for p, rest, ok := nextRTCP(buf); ok; p, rest, ok = nextRTCP(rest) {
		switch {
		case p.isNACKFor(ssrc):
			f.answerNACK(p.fci())
		case p.isKeyframeRequestFor(ssrc):
			d.stats.plisReceived.Add(1)
			if cur := d.CurrentLayer(); cur != LayerNone {
				d.src.RequestKeyframe(cur)
			}
		case p.Type == rtcpRTPFB && p.Format == rtcpFmtTWCC:
			if d.tx == nil {
				continue
			}
			if fb, ok := parseTWCC(p.fci()); ok {
				d.stats.feedbacks.Add(1)
				d.tx.bwe.onTransportFeedback(&fb)
			}
		case p.Type == rtcpPSFB && p.Format == rtcpFmtALFB:
			if bps, _, ok := parseREMB(p.fci()); ok && d.tx != nil {
				d.tx.bwe.onREMB(bps)
			}
		case p.Type == rtcpRR || p.Type == rtcpSR:
			f.receptionReport(p, ssrc)
		}
	}
}

// answerNACK retransmits what a NACK's items ask for, as one burst of
// writes (sent together, see sendBursts).
func (f *feedbackReader) answerNACK(fci []byte) {
	f.d.bursts.begin()
	defer f.d.bursts.end()
	for i := 0; ; i++ {
		item, ok := nackItemAt(fci, i)
		if !ok {
			return
		}
		item.lost(f.retransmit)
	}
}

// receptionReport records the block about this down-track's stream and
// the round-trip time it implies (RFC 3550 section 6.4.1: the arrival
// time, less the delay since our last sender report and that report's own
// time).
func (f *feedbackReader) receptionReport(p rtcpPacket, ssrc uint32) {
	blocks, n := p.reportBlocks()
	for i := range n {
		b := reportBlockAt(blocks, i)
		if b.SSRC != ssrc {
			continue
		}
		r := &f.d.rr
		r.fractionLost.Store(uint32(b.FractionLost))
		r.jitter.Store(b.Jitter)
		if b.LSR == 0 {
			continue
		}
		now := ntpMiddle(time.Now())
		if rtt := int64(now-b.LSR-b.DLSR) * 1e9 / 65536; rtt > 0 && rtt < 10e9 {
			r.rtt.Store(rtt)
			if f.d.tx != nil {
				f.d.tx.bwe.onRTT(rtt)
			}
		}
	}
}

// retransmit resends the packet the down-track sent as out, rebuilt from the
// source's cache with the offsets recorded when it was first sent.
func (f *feedbackReader) retransmit(out uint16) {
	d := f.d
	d.stats.nacksReceived.Add(1)
	now := int64(0)
	if d.tx != nil {
		now = d.tx.clock.now()
		slot := &f.resent[out%uint16(len(f.resent))]
		ticks := uint32(now/10e6) & 0xfff
		count := uint32(0)
		if uint16(*slot>>16) == out {
			count = *slot >> 12 & 0xf
			guard := uint32(max(d.rr.rtt.Load(), resendGuard) / 10e6)
			if count >= resendMax || (ticks-*slot)&0xfff < guard {
				d.stats.nacksSuppressed.Add(1)
				return
			}
		}
		defer func() { *slot = uint32(out)<<16 | (count+1)<<12 | ticks }()
	}
	sent, ok := d.seqs.load(out)
	if !ok {
		d.stats.nacksMissed.Add(1)
		return
	}
	if sent.Layer == paddingLayer {
		// Probe padding carries nothing: resending it would only add to
		// the congestion the loss hints at.
		d.stats.nacksMissed.Add(1)
		return
	}
	n, ok := d.src.Retransmit(sent.Layer, sent.InSeq, f.pktBuf[:])
	if !ok || f.pkt.parse(f.pktBuf[:n], d.payload, f.levelID) != nil || f.pkt.Header.SequenceNumber != sent.InSeq {
		d.stats.nacksMissed.Add(1)
		return
	}
	if d.tx != nil && !d.tx.allowRetransmit(n, now) {
		d.stats.nacksThrottled.Add(1)
		return
	}
	p := &f.pkt
	payload := p.Payload
	if p.IsVP8 {
		v := vp8Fields{
			PictureID: (p.VP8.PictureID - sent.VP8.PictureID) & p.VP8.pictureIDMask(),
			TL0PicIdx: p.VP8.TL0PicIdx - sent.VP8.TL0PicIdx,
			KeyIdx:    (p.VP8.KeyIdx - sent.VP8.KeyIdx) & 0x1f,
		}
		if vp8Changed(&p.VP8, v) {
			// The cached copy is ours: rewrite it in place.
			payload = rewriteVP8(payload, payload, &p.VP8, v)
		}
	}
	ok = d.write(f.scratch, outPacket{
		Marker:     p.Header.Marker,
		Seq:        out,
		TS:         p.Header.Timestamp - sent.TSOffset,
		AudioLevel: p.AudioLevel,
		Payload:    payload,
		RTX:        true,
	})
	if ok {
		d.stats.nacksAnswered.Add(1)
	} else {
		d.stats.nacksMissed.Add(1)
	}
}

// ntpMiddle returns the middle 32 bits of the NTP timestamp of t (RFC 3550
// section 4): seconds in the high half, fractions in the low half.
func ntpMiddle(t time.Time) uint32 {
	return uint32(ntpTime(t) >> 16)
}

// ntpTime returns the 64-bit NTP timestamp of t.
func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800 // 1900-01-01 to 1970-01-01, seconds
	secs := uint64(t.Unix()) + ntpEpochOffset
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return secs<<32 | frac
}
