package client

import (
	"bytes"
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// TestRIDStamperRTX: a layer's packets get the mid and rid; its RTX
// retransmissions (same stream, the RTX SSRC, the rid the NACK responder
// copied from the stored packet) get the mid and the repaired rid instead,
// or the receiver takes them for a new layer.
func TestRIDStamperRTX(t *testing.T) {
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	tr, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.CreateOffer(nil); err != nil { // assigns the mid
		t.Fatal(err)
	}
	const mediaSSRC, rtxSSRC = 1111, 2222
	s := newRIDStamper()
	s.layers[mediaSSRC] = &stampedLayer{tr: tr, rid: "h"}
	const midID, ridID, rridID = 1, 2, 3
	var got []rtp.Header
	w := s.BindLocalStream(&interceptor.StreamInfo{
		SSRC: mediaSSRC, SSRCRetransmission: rtxSSRC,
		RTPHeaderExtensions: []interceptor.RTPHeaderExtension{
			{URI: sdp.SDESMidURI, ID: midID}, {URI: sdp.SDESRTPStreamIDURI, ID: ridID}, {URI: sdp.SDESRepairRTPStreamIDURI, ID: rridID},
		},
	}, interceptor.RTPWriterFunc(func(h *rtp.Header, _ []byte, _ interceptor.Attributes) (int, error) {
		got = append(got, h.Clone())
		return 0, nil
	}))

	media := &rtp.Header{Version: 2, SSRC: mediaSSRC}
	rtx := &rtp.Header{Version: 2, SSRC: rtxSSRC}
	_ = rtx.SetExtension(ridID, []byte("h")) // as copied from the stored packet
	for _, h := range []*rtp.Header{media, rtx} {
		if _, err := w.Write(h, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	mid := []byte(tr.Mid())
	for i, want := range []map[uint8][]byte{
		{midID: mid, ridID: []byte("h")},
		{midID: mid, rridID: []byte("h")},
	} {
		for _, id := range []uint8{midID, ridID, rridID} {
			if v := got[i].GetExtension(id); !bytes.Equal(v, want[id]) {
				t.Errorf("packet %d: extension %d = %q, want %q", i, id, v, want[id])
			}
		}
	}
	if len(mid) == 0 {
		t.Error("transceiver has no mid")
	}
}
