package client

import (
	"sync"
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// ridStamper writes the mid (RFC 9143 section 15) and rid (RFC 8852
// section 3.3) header extensions on the packets of simulcast layers. A
// simulcast offer declares no SSRCs, so the receiver can tell the layers
// apart only by these extensions, and pion leaves writing them to the
// application. Publishing simulcast with the SDK therefore needs nothing
// but WriteRTP on each layer. It also drops the packets of layers the
// server paused (dynacast) and stamps the audio level (RFC 6464) an
// application set on an audio track.
//
// The stamper is the interceptor factory and the interceptor at once: one
// per Room, shared by its PeerConnections (only the publisher binds local
// streams).
type ridStamper struct {
	interceptor.NoOp

	mu     sync.Mutex
	layers map[uint32]*stampedLayer // by SSRC
}

type stampedLayer struct {
	// tr gives the mid, which pion assigns in CreateOffer, before the
	// stream is bound (when the answer is applied).
	tr  *webrtc.RTPTransceiver
	rid string // "" for a single-layer (audio) track
	// paused drops the layer's packets (dynacast).
	paused atomic.Bool
	// level is the RFC 6464 octet to stamp | levelSet, 0 for none.
	level atomic.Uint32
}

func newRIDStamper() *ridStamper {
	return &ridStamper{layers: make(map[uint32]*stampedLayer)}
}

// NewInterceptor implements interceptor.Factory.
func (s *ridStamper) NewInterceptor(string) (interceptor.Interceptor, error) { return s, nil }

// add registers the encodings of a simulcast transceiver (or the one
// encoding of an audio track) and returns them by rid.
func (s *ridStamper) add(tr *webrtc.RTPTransceiver) map[string]*stampedLayer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]*stampedLayer{}
	for _, e := range tr.Sender().GetParameters().Encodings {
		l := &stampedLayer{tr: tr, rid: e.RID}
		s.layers[uint32(e.SSRC)] = l
		out[e.RID] = l
	}
	return out
}

// remove forgets the encodings of a transceiver.
func (s *ridStamper) remove(tr *webrtc.RTPTransceiver) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ssrc, l := range s.layers {
		if l.tr == tr {
			delete(s.layers, ssrc)
		}
	}
}

// BindLocalStream implements interceptor.Interceptor. Streams not
// registered (single-layer video) pass through untouched. A layer's RTX retransmissions
// (written by the NACK responder on the layer's stream, with the RTX SSRC)
// carry the repaired rid (RFC 8852 section 3.2) instead of the rid: a
// receiver would take an RTX stream stamped with the rid for a new layer.
func (s *ridStamper) BindLocalStream(info *interceptor.StreamInfo, writer interceptor.RTPWriter) interceptor.RTPWriter {
	s.mu.Lock()
	l, ok := s.layers[info.SSRC]
	s.mu.Unlock()
	if !ok {
		return writer
	}
	var midID, ridID, rridID, levelID uint8
	for _, e := range info.RTPHeaderExtensions {
		switch e.URI {
		case sdp.SDESMidURI:
			midID = uint8(e.ID) //nolint:gosec // extension ids are 1..255
		case sdp.SDESRTPStreamIDURI:
			ridID = uint8(e.ID) //nolint:gosec // extension ids are 1..255
		case sdp.SDESRepairRTPStreamIDURI:
			rridID = uint8(e.ID) //nolint:gosec // extension ids are 1..255
		case sdp.AudioLevelURI:
			levelID = uint8(e.ID) //nolint:gosec // extension ids are 1..255
		}
	}
	mid, rid := []byte(l.tr.Mid()), []byte(l.rid)
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if l.paused.Load() {
			return len(payload), nil // the server needs no packet of this layer
		}
		// The header is the track's per-binding copy; pion's own
		// interceptors (TWCC) set extensions on it the same way.
		if l.rid != "" {
			if midID != 0 && len(mid) > 0 {
				_ = h.SetExtension(midID, mid)
			}
			switch {
			case h.SSRC != info.SSRC && h.SSRC == info.SSRCRetransmission:
				if ridID != 0 {
					h.DelExtension(ridID)
				}
				if rridID != 0 {
					_ = h.SetExtension(rridID, rid)
				}
			case ridID != 0:
				_ = h.SetExtension(ridID, rid)
			}
		}
		if v := l.level.Load(); v&levelSet != 0 && levelID != 0 {
			_ = h.SetExtension(levelID, []byte{byte(v)})
		}
		return writer.Write(h, payload, a)
	})
}
