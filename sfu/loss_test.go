package sfu

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"
)

// TestNACKRepairOverLossyLinks: real pion PeerConnections through the SFU
// over a virtual network that drops 5% of the packets to the subscriber and
// 3% of those from the publisher. NACKs repair both legs: the SFU asks the
// publisher (which answers on RTX, restored by pion before the SFU reads
// it) and answers the subscriber from its cache on the subscriber's RTX
// stream. At least 99% of the media arrives, and every packet still
// missing is one the SFU did send: no gap of the SFU's own making.
func TestNACKRepairOverLossyLinks(t *testing.T) {
	defer goleak.VerifyNone(t)
	call := startVNetCall(t, 0, 0)
	rig, e, m := call.rig, call.e, call.m
	receivers := make(chan *Receiver, 1)
	pub := newPubClientOn(t, e, PublisherConfig{
		ParticipantID: "PA_pub",
		ResolveTrack:  func(cid string, _ webrtc.RTPCodecType) (TrackSpec, error) { return TrackSpec{ID: "TR_" + cid}, nil },
		OnTrack:       func(r *Receiver) { receivers <- r },
	}, rig.clientPC(rig.pub))
	cam, camX := addSendTrack(t, pub.pc, vp8Cap, "cam")
	pub.negotiate()
	// 100 packets a second, three per frame.
	m.start(&source{track: cam, layer: 1, video: true, interval: 30 * time.Millisecond, packets: 3, size: 600}, camX.Sender(), "")
	var r *Receiver
	select {
	case r = <-receivers:
	case <-time.After(20 * time.Second):
		t.Fatal("no receiver")
	}

	sub := newSubClientOn(t, e, rig.clientPC(rig.sub))
	defer call.end(t, sub, pub)
	dt, err := sub.server.AddTrack(r, Preferences{})
	if err != nil {
		t.Fatal(err)
	}
	sub.waitPackets("TR_cam", 30)
	if b := dt.bind.Load(); b == nil || !b.hasRTX() {
		t.Fatal("the subscriber did not negotiate RTX")
	}

	lastSeq := func() uint16 {
		p, _ := sub.track("TR_cam").snapshot()
		return p[len(p)-1].Header.SequenceNumber
	}
	from := lastSeq() + 1
	rig.lossToSub.Store(50)
	rig.lossFromPub.Store(30)
	time.Sleep(8 * time.Second)
	rig.lossToSub.Store(0)
	rig.lossFromPub.Store(0)
	to := lastSeq()
	time.Sleep(2 * time.Second) // the last repairs

	pkts, _ := sub.track("TR_cam").snapshot()
	got := map[uint16]bool{}
	for _, p := range pkts {
		if !bodyIntact(p.Payload[vp8BodyOffset:]) {
			t.Fatalf("damaged payload at %d", p.Header.SequenceNumber)
		}
		got[p.Header.SequenceNumber] = true
	}
	window := int(to - from + 1)
	var missing []uint16
	for s := from; s != to+1; s++ {
		if !got[s] {
			missing = append(missing, s)
		}
	}
	st, rs := dt.Stats(), r.Stats().Layers[0]
	t.Logf("window %d packets, %d dropped on the link to the subscriber, %d missing after repair; "+
		"down-track %d NACKs, %d answered, %d missed; receiver %d late (repaired) packets",
		window, rig.droppedSub.Load(), len(missing), st.NACKsReceived, st.NACKsAnswered, st.NACKsMissed, rs.Late)
	if window < 500 || rig.droppedSub.Load() < int64(window)/40 {
		t.Fatalf("too little traffic or loss to tell: window %d, dropped %d", window, rig.droppedSub.Load())
	}
	if float64(len(missing)) > 0.01*float64(window) {
		t.Fatalf("%d of %d packets missing after NACK repair: %v", len(missing), window, missing)
	}
	for _, s := range missing {
		if _, ok := dt.seqs.load(s); !ok {
			t.Errorf("sequence number %d is missing and the SFU never sent it", s)
		}
	}
	if st.NACKsAnswered == 0 || rs.Late == 0 {
		t.Fatalf("no repair seen: %d NACKs answered, %d late packets from the publisher", st.NACKsAnswered, rs.Late)
	}
}
