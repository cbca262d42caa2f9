package client

import (
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// fakePeer plays the server's media side with two plain pion
// PeerConnections on loopback: pub answers the client's publisher offers
// and receives its media; sub offers tracks to the client's subscriber
// connection. Its loop answers the signaling a real server would and hands
// everything else to the test on other.
type fakePeer struct {
	t    *testing.T
	sess *fakeSession
	pub  *peerSide
	sub  *peerSide

	offers   chan *parleypb.SessionDescription // the client's publisher offers
	other    chan *parleypb.SignalRequest
	received chan *webrtc.TrackRemote // media arriving from the client
	bad      chan string              // candidates that are not loopback

	mu        sync.Mutex
	subOffers uint32
	loopDone  chan struct{}
}

// peerSide is one fake PeerConnection with its remote-candidate buffer.
type peerSide struct {
	pc         *webrtc.PeerConnection
	mu         sync.Mutex
	haveRemote bool
	pending    []webrtc.ICECandidateInit
}

func loopbackAPI(t *testing.T) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		t.Fatal(err)
	}
	var se webrtc.SettingEngine
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(isLoopbackInterface)
	se.SetIPFilter(net.IP.IsLoopback)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
}

func newFakePeer(t *testing.T, sess *fakeSession) *fakePeer {
	t.Helper()
	api := loopbackAPI(t)
	f := &fakePeer{
		t: t, sess: sess,
		offers:   make(chan *parleypb.SessionDescription, 16),
		other:    make(chan *parleypb.SignalRequest, 64),
		received: make(chan *webrtc.TrackRemote, 8),
		bad:      make(chan string, 64),
		loopDone: make(chan struct{}),
	}
	for _, side := range []struct {
		p      **peerSide
		target parleypb.SignalTarget
	}{{&f.pub, parleypb.SignalTarget_SIGNAL_TARGET_PUBLISHER}, {&f.sub, parleypb.SignalTarget_SIGNAL_TARGET_SUBSCRIBER}} {
		pc, err := api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			t.Fatal(err)
		}
		target := side.target
		pc.OnICECandidate(func(c *webrtc.ICECandidate) {
			if c == nil {
				return
			}
			b, _ := json.Marshal(c.ToJSON())
			f.send(&parleypb.SignalResponse{Message: &parleypb.SignalResponse_Trickle{Trickle: &parleypb.TrickleRequest{
				Target: target, CandidateInit: string(b)}}})
		})
		*side.p = &peerSide{pc: pc}
	}
	f.pub.pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { f.received <- tr })
	go f.loop()
	t.Cleanup(func() {
		sess.close()
		<-f.loopDone
		_ = f.pub.pc.Close()
		_ = f.sub.pc.Close()
	})
	return f
}

func (f *fakePeer) send(resp *parleypb.SignalResponse) {
	f.sess.mu.Lock()
	defer f.sess.mu.Unlock()
	_ = f.sess.send(resp) // fails only once the session ended
}

func (f *fakePeer) loop() {
	defer close(f.loopDone)
	for req := range f.sess.reqs {
		switch m := req.GetMessage().(type) {
		case *parleypb.SignalRequest_Ping:
			f.send(&parleypb.SignalResponse{Message: &parleypb.SignalResponse_Pong{Pong: &parleypb.Pong{Timestamp: m.Ping.GetTimestamp()}}})
		case *parleypb.SignalRequest_Trickle:
			f.trickle(m.Trickle)
		case *parleypb.SignalRequest_AddTrack:
			a := m.AddTrack
			f.send(&parleypb.SignalResponse{RequestId: req.GetRequestId(), Message: &parleypb.SignalResponse_TrackPublished{
				TrackPublished: &parleypb.TrackPublishedResponse{Cid: a.GetCid(), Track: &parleypb.TrackInfo{
					Sid: "TR_" + a.GetCid(), ParticipantSid: "PA_me", Kind: a.GetKind(), Source: a.GetSource(),
					Simulcast: len(a.GetLayers()) > 0, Layers: a.GetLayers()}}}})
			f.other <- req
		case *parleypb.SignalRequest_Offer:
			f.answer(m.Offer)
		case *parleypb.SignalRequest_Answer:
			f.apply(f.sub, webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.Answer.GetSdp()})
		default:
			f.other <- req
		}
	}
}

func (f *fakePeer) trickle(tr *parleypb.TrickleRequest) {
	if tr.GetFinal() {
		return
	}
	var c webrtc.ICECandidateInit
	if err := json.Unmarshal([]byte(tr.GetCandidateInit()), &c); err != nil {
		f.t.Errorf("bad candidate JSON %q: %v", tr.GetCandidateInit(), err)
		return
	}
	if !loopbackCandidate(c.Candidate) {
		f.bad <- c.Candidate
	}
	side := f.pub
	if tr.GetTarget() == parleypb.SignalTarget_SIGNAL_TARGET_SUBSCRIBER {
		side = f.sub
	}
	side.mu.Lock()
	defer side.mu.Unlock()
	if !side.haveRemote {
		side.pending = append(side.pending, c)
		return
	}
	if err := side.pc.AddICECandidate(c); err != nil {
		f.t.Errorf("add candidate: %v", err)
	}
}

// loopbackCandidate reports whether an a=candidate value has a loopback
// address (field 5 of RFC 8839 section 5.1).
func loopbackCandidate(c string) bool {
	f := strings.Fields(c)
	if len(f) < 5 {
		return false
	}
	ip := net.ParseIP(f[4])
	return ip != nil && ip.IsLoopback()
}

func (f *fakePeer) apply(side *peerSide, sd webrtc.SessionDescription) {
	side.mu.Lock()
	defer side.mu.Unlock()
	if err := side.pc.SetRemoteDescription(sd); err != nil {
		f.t.Errorf("fake: set remote %s: %v", sd.Type, err)
		return
	}
	side.haveRemote = true
	for _, c := range side.pending {
		if err := side.pc.AddICECandidate(c); err != nil {
			f.t.Errorf("fake: add candidate: %v", err)
		}
	}
	side.pending = nil
}

func (f *fakePeer) answer(offer *parleypb.SessionDescription) {
	f.offers <- offer
	f.apply(f.pub, webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer.GetSdp()})
	answer, err := f.pub.pc.CreateAnswer(nil)
	if err != nil {
		f.t.Errorf("fake: create answer: %v", err)
		return
	}
	f.send(&parleypb.SignalResponse{Message: &parleypb.SignalResponse_Answer{Answer: sessionDescription(answer, offer.GetId())}})
	if err := f.pub.pc.SetLocalDescription(answer); err != nil {
		f.t.Errorf("fake: set local answer: %v", err)
	}
}

// offer (re)negotiates the subscriber side: the server's offer.
func (f *fakePeer) offer() {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	offer, err := f.sub.pc.CreateOffer(nil)
	if err != nil {
		f.t.Fatal(err)
	}
	f.subOffers++
	f.send(&parleypb.SignalResponse{Message: &parleypb.SignalResponse_Offer{Offer: sessionDescription(offer, f.subOffers)}})
	if err := f.sub.pc.SetLocalDescription(offer); err != nil {
		f.t.Fatal(err)
	}
}

// pump writes an RTP packet with payload to each track every 10 ms until
// stop is closed; the returned function stops it and waits.
func pump(tracks map[*webrtc.TrackLocalStaticRTP][]byte) func() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		seq := uint16(0)
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			seq++
			for tr, payload := range tracks {
				_ = tr.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq,
					Timestamp: uint32(seq) * 900, Marker: true}, Payload: payload})
			}
		}
	})
	var once sync.Once
	return func() { once.Do(func() { close(stop); wg.Wait() }) }
}
