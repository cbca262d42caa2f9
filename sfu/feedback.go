package sfu

import (
	"github.com/pion/interceptor"
)

// feedbackReader is a down-track's RTCP goroutine: it reads what the
// subscriber sends about the track, answers NACKs from the source's packet
// cache through the down-track's sequence map, and forwards keyframe
// requests upstream. It owns its buffers, so answering a NACK allocates
// nothing, and it never touches the munging state.
type feedbackReader struct {
	d       *DownTrack
	reader  interceptor.RTCPReader
	rtcpBuf [packetBufferSize]byte
	pktBuf  [packetBufferSize]byte
	pkt     packet
	scratch *writeScratch
}

func newFeedbackReader(d *DownTrack, reader interceptor.RTCPReader) *feedbackReader {
	return &feedbackReader{d: d, reader: reader, scratch: newWriteScratch()}
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
	ssrc := f.d.ssrc()
	for p, rest, ok := nextRTCP(buf); ok; p, rest, ok = nextRTCP(rest) {
		switch {
		case p.isNACKFor(ssrc):
			fci := p.fci()
			for i := 0; ; i++ {
				item, ok := nackItemAt(fci, i)
				if !ok {
					break
				}
				item.lost(f.retransmit)
			}
		case p.isKeyframeRequestFor(ssrc):
			f.d.stats.plisReceived.Add(1)
			if cur := f.d.CurrentLayer(); cur != LayerNone {
				f.d.src.RequestKeyframe(cur)
			}
		}
	}
}

// retransmit resends the packet the down-track sent as out, rebuilt from the
// source's cache with the offsets recorded when it was first sent.
func (f *feedbackReader) retransmit(out uint16) {
	d := f.d
	d.stats.nacksReceived.Add(1)
	sent, ok := d.seqs.load(out)
	if !ok {
		d.stats.nacksMissed.Add(1)
		return
	}
	n, ok := d.src.Retransmit(sent.Layer, sent.InSeq, f.pktBuf[:])
	if !ok || f.pkt.parse(f.pktBuf[:n], d.payload, 0) != nil || f.pkt.Header.SequenceNumber != sent.InSeq {
		d.stats.nacksMissed.Add(1)
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
		Marker:  p.Header.Marker,
		Seq:     out,
		TS:      p.Header.Timestamp - sent.TSOffset,
		Payload: payload,
	})
	if ok {
		d.stats.nacksAnswered.Add(1)
	} else {
		d.stats.nacksMissed.Add(1)
	}
}
