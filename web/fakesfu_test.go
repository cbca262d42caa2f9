package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"google.golang.org/protobuf/encoding/protojson"

	pb "github.com/parley-sfu/parley/proto/parleypb"
)

// fakeSFU stands in for the signaling layer and the media plane in tests of
// the web page alone: it serves /api/guest-token and /signal, parses every
// message of the page strictly (an unknown field name fails), and echoes
// the page's published tracks back to it as the tracks of a participant
// "bob", so the page subscribes to real media.
type fakeSFU struct {
	t   *testing.T
	api *webrtc.API

	guestStatus int // 0: 200

	mu       sync.Mutex
	requests []*pb.SignalRequest
	guestReq []string // bodies of guest-token requests
	sessions []*fakeSession
	errs     []error
}

func newFakeSFU(t *testing.T) *fakeSFU {
	t.Helper()
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	// The page's camera is simulcast: rids come in header extensions.
	for _, uri := range []string{"urn:ietf:params:rtp-hdrext:sdes:mid", "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"} {
		if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: uri}, webrtc.RTPCodecTypeVideo); err != nil {
			t.Fatal(err)
		}
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		t.Fatal(err)
	}
	f := &fakeSFU{t: t, api: webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir))}
	t.Cleanup(f.close)
	return f
}

func (f *fakeSFU) routes(mux *http.ServeMux) {
	mux.HandleFunc("/api/guest-token", f.serveGuestToken)
	mux.HandleFunc("/signal", f.serveSignal)
}

func (f *fakeSFU) serveGuestToken(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.guestReq = append(f.guestReq, r.Method+" "+string(body))
	status := f.guestStatus
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if status != 0 {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"error":"guest tokens are disabled on this server"}`))
		return
	}
	var req struct{ Room, Name string }
	_ = json.Unmarshal(body, &req)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"token": "guest-" + req.Name, "identity": strings.ToLower(req.Name) + "-1", "room": req.Room,
	})
}

func (f *fakeSFU) serveSignal(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		f.fail(err)
		return
	}
	s := &fakeSession{f: f, conn: conn, ctx: r.Context()}
	f.mu.Lock()
	f.sessions = append(f.sessions, s)
	f.mu.Unlock()
	s.run()
}

func (f *fakeSFU) fail(err error) {
	f.mu.Lock()
	f.errs = append(f.errs, err)
	f.mu.Unlock()
}

func (f *fakeSFU) close() {
	f.mu.Lock()
	sessions := f.sessions
	f.mu.Unlock()
	for _, s := range sessions {
		s.close()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, err := range f.errs {
		f.t.Errorf("fake SFU: %v", err)
	}
}

// session returns the i-th signaling session, waiting for it.
func (f *fakeSFU) session(t *testing.T, i int) *fakeSession {
	t.Helper()
	var s *fakeSession
	waitFor(t, "signaling session", func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.sessions) <= i {
			return fmt.Errorf("%d sessions", len(f.sessions))
		}
		s = f.sessions[i]
		return nil
	})
	return s
}

// request waits for a request of the page that match accepts.
func (f *fakeSFU) request(t *testing.T, what string, match func(*pb.SignalRequest) bool) *pb.SignalRequest {
	t.Helper()
	var got *pb.SignalRequest
	waitFor(t, what, func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, r := range f.requests {
			if match(r) {
				got = r
				return nil
			}
		}
		return fmt.Errorf("not among %d requests", len(f.requests))
	})
	return got
}

func waitFor(t *testing.T, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited for %s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Identities of the fake room.
const (
	selfSid = "PA_self"
	bobSid  = "PA_bob"
)

// fakeSession is one page's signaling session.
type fakeSession struct {
	f    *fakeSFU
	conn *websocket.Conn
	ctx  context.Context

	mu         sync.Mutex
	pub, sub   *webrtc.PeerConnection
	subOfferID uint32
	offering   bool // a subscriber offer awaits its answer
	again      bool // renegotiate when it arrives
	wg         sync.WaitGroup
}

func (s *fakeSession) run() {
	for {
		_, data, err := s.conn.Read(s.ctx)
		if err != nil {
			return
		}
		req := &pb.SignalRequest{}
		if err := protojson.Unmarshal(data, req); err != nil { // strict: no unknown fields
			s.f.fail(fmt.Errorf("page sent %s: %w", data, err))
			continue
		}
		s.f.mu.Lock()
		s.f.requests = append(s.f.requests, req)
		s.f.mu.Unlock()
		if err := s.handle(req); err != nil {
			s.f.fail(fmt.Errorf("handling %s: %w", data, err))
		}
	}
}

func (s *fakeSession) send(resp *pb.SignalResponse) {
	data, err := protojson.Marshal(resp)
	if err == nil {
		err = s.conn.Write(s.ctx, websocket.MessageText, data)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		s.f.fail(fmt.Errorf("sending %v: %w", resp, err))
	}
}

func (s *fakeSession) handle(req *pb.SignalRequest) error {
	switch m := req.Message.(type) {
	case *pb.SignalRequest_Join:
		return s.join(req.RequestId, m.Join)
	case *pb.SignalRequest_AddTrack:
		s.send(&pb.SignalResponse{RequestId: req.RequestId, Message: &pb.SignalResponse_TrackPublished{
			TrackPublished: &pb.TrackPublishedResponse{Cid: m.AddTrack.Cid, Track: &pb.TrackInfo{
				Sid: "TR_self_" + m.AddTrack.Kind.String(), ParticipantSid: selfSid, Kind: m.AddTrack.Kind, Source: m.AddTrack.Source,
			}},
		}})
	case *pb.SignalRequest_Offer:
		return s.answerPublisher(m.Offer)
	case *pb.SignalRequest_Answer:
		return s.subscriberAnswered(m.Answer)
	case *pb.SignalRequest_Trickle:
		return s.trickle(m.Trickle)
	case *pb.SignalRequest_Ping:
		s.send(&pb.SignalResponse{Message: &pb.SignalResponse_Pong{Pong: &pb.Pong{Timestamp: m.Ping.Timestamp, ServerTime: time.Now().UnixMilli()}}})
	case *pb.SignalRequest_Leave:
		s.send(&pb.SignalResponse{Message: &pb.SignalResponse_Leave{Leave: &pb.LeaveResponse{Reason: pb.LeaveReason_LEAVE_REASON_CLIENT_REQUEST}}})
	}
	return nil
}

func (s *fakeSession) join(requestID uint32, j *pb.JoinRequest) error {
	if j.Token == "bad" {
		s.send(&pb.SignalResponse{RequestId: requestID, Message: &pb.SignalResponse_Error{Error: &pb.ErrorResponse{
			Code: pb.ErrorCode_ERROR_CODE_UNAUTHENTICATED, Message: "token expired", RequestId: requestID,
		}}})
		return s.conn.Close(websocket.StatusPolicyViolation, "join failed")
	}
	var err error
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pub, err = s.f.api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return err
	}
	if s.sub, err = s.f.api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return err
	}
	s.trickleFrom(s.pub, pb.SignalTarget_SIGNAL_TARGET_PUBLISHER)
	s.trickleFrom(s.sub, pb.SignalTarget_SIGNAL_TARGET_SUBSCRIBER)
	s.pub.OnTrack(s.echo)
	s.send(&pb.SignalResponse{RequestId: requestID, Message: &pb.SignalResponse_Join{Join: &pb.JoinResponse{
		Room:              &pb.RoomInfo{Sid: "RM_demo", Name: "demo", NumParticipants: 2},
		Participant:       &pb.ParticipantInfo{Sid: selfSid, Identity: "self", Name: "Self"},
		OtherParticipants: []*pb.ParticipantInfo{{Sid: bobSid, Identity: "bob", Name: "Bob"}},
		PingInterval:      1,
		PingTimeout:       5,
	}}})
	return nil
}

func (s *fakeSession) trickleFrom(pc *webrtc.PeerConnection, target pb.SignalTarget) {
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		init, _ := json.Marshal(c.ToJSON())
		s.send(&pb.SignalResponse{Message: &pb.SignalResponse_Trickle{Trickle: &pb.TrickleRequest{
			Target: target, CandidateInit: string(init),
		}}})
	})
}

func (s *fakeSession) pc(target pb.SignalTarget) *webrtc.PeerConnection {
	s.mu.Lock()
	defer s.mu.Unlock()
	if target == pb.SignalTarget_SIGNAL_TARGET_SUBSCRIBER {
		return s.sub
	}
	return s.pub
}

func (s *fakeSession) trickle(t *pb.TrickleRequest) error {
	if t.Final {
		return nil
	}
	var init webrtc.ICECandidateInit
	if err := json.Unmarshal([]byte(t.CandidateInit), &init); err != nil {
		return fmt.Errorf("candidateInit is not RTCIceCandidateInit JSON: %w", err)
	}
	return s.pc(t.Target).AddICECandidate(init)
}

func (s *fakeSession) answerPublisher(offer *pb.SessionDescription) error {
	pc := s.pc(pb.SignalTarget_SIGNAL_TARGET_PUBLISHER)
	if offer.Type != "offer" {
		return fmt.Errorf("offer of type %q", offer.Type)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer.Sdp}); err != nil {
		return err
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return err
	}
	if err := pc.SetLocalDescription(answer); err != nil {
		return err
	}
	s.send(&pb.SignalResponse{Message: &pb.SignalResponse_Answer{Answer: &pb.SessionDescription{
		Type: "answer", Sdp: answer.SDP, Id: offer.Id,
	}}})
	return nil
}

// echo forwards a track the page published back to it as bob's, and bob's
// keyframe requests to the page.
func (s *fakeSession) echo(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	if rid := remote.RID(); rid != "" && rid != "q" {
		return // of the camera's simulcast layers, the lowest is echoed
	}
	kind := pb.TrackKind_TRACK_KIND_AUDIO
	source := pb.TrackSource_TRACK_SOURCE_MICROPHONE
	if remote.Kind() == webrtc.RTPCodecTypeVideo {
		kind, source = pb.TrackKind_TRACK_KIND_VIDEO, pb.TrackSource_TRACK_SOURCE_CAMERA
	}
	sid := "TR_bob_" + remote.Kind().String()
	local, err := webrtc.NewTrackLocalStaticRTP(remote.Codec().RTPCodecCapability, sid, bobSid)
	if err != nil {
		s.f.fail(err)
		return
	}
	s.mu.Lock()
	pub, sub := s.pub, s.sub
	s.mu.Unlock()
	sender, err := sub.AddTrack(local)
	if err != nil {
		s.f.fail(err)
		return
	}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		for {
			pkts, _, err := sender.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				if _, ok := p.(*rtcp.PictureLossIndication); ok {
					_ = pub.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(remote.SSRC())}})
				}
			}
		}
	}()
	go func() {
		defer s.wg.Done()
		for {
			pkt, _, err := remote.ReadRTP()
			if err != nil {
				return
			}
			_ = local.WriteRTP(pkt)
		}
	}()
	s.send(&pb.SignalResponse{Message: &pb.SignalResponse_TrackAdded{TrackAdded: &pb.TrackPublished{Track: &pb.TrackInfo{
		Sid: sid, ParticipantSid: bobSid, ParticipantIdentity: "bob", Kind: kind, Source: source, StreamId: bobSid,
	}}}})
	s.offerSubscriber()
}

// offerSubscriber (re)negotiates the subscriber PC, one offer at a time.
func (s *fakeSession) offerSubscriber() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.offering {
		s.again = true
		return
	}
	offer, err := s.sub.CreateOffer(nil)
	if err == nil {
		err = s.sub.SetLocalDescription(offer)
	}
	if err != nil {
		s.f.fail(err)
		return
	}
	s.offering = true
	s.subOfferID++
	s.send(&pb.SignalResponse{Message: &pb.SignalResponse_Offer{Offer: &pb.SessionDescription{
		Type: "offer", Sdp: offer.SDP, Id: s.subOfferID,
	}}})
}

func (s *fakeSession) subscriberAnswered(answer *pb.SessionDescription) error {
	s.mu.Lock()
	if answer.Type != "answer" || answer.Id != s.subOfferID {
		s.mu.Unlock()
		return fmt.Errorf("answer %q id %d, want an answer to offer %d", answer.Type, answer.Id, s.subOfferID)
	}
	err := s.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer.Sdp})
	s.offering = false
	again := s.again
	s.again = false
	s.mu.Unlock()
	if err == nil && again {
		s.offerSubscriber()
	}
	return err
}

func (s *fakeSession) close() {
	_ = s.conn.CloseNow()
	s.mu.Lock()
	pcs := []*webrtc.PeerConnection{s.pub, s.sub}
	s.mu.Unlock()
	for _, pc := range pcs {
		if pc != nil {
			_ = pc.Close()
		}
	}
	s.wg.Wait()
}
