package signaling

import (
	"encoding/json"
	"fmt"

	"github.com/pion/webrtc/v4"

	pb "github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/room"
	"github.com/parley-sfu/parley/sfu"
)

// handle dispatches one request after the join. Each message type has its
// own handler; an error becomes an ErrorResponse carrying the request id.
func (s *session) handle(req *pb.SignalRequest) error {
	id := req.GetRequestId()
	switch m := req.GetMessage().(type) {
	case *pb.SignalRequest_Offer:
		return s.handleOffer(id, m.Offer)
	case *pb.SignalRequest_Answer:
		return s.handleAnswer(m.Answer)
	case *pb.SignalRequest_Trickle:
		return s.handleTrickle(m.Trickle)
	case *pb.SignalRequest_AddTrack:
		return s.handleAddTrack(id, m.AddTrack)
	case *pb.SignalRequest_RemoveTrack:
		return s.p.RemoveTrack(m.RemoveTrack.GetTrackSid())
	case *pb.SignalRequest_Subscription:
		return s.handleSubscription(m.Subscription)
	case *pb.SignalRequest_Mute:
		_, err := s.p.SetTrackMuted(m.Mute.GetTrackSid(), m.Mute.GetMuted(), false)
		return err
	case *pb.SignalRequest_Leave:
		return s.handleLeave(id)
	case *pb.SignalRequest_Ping:
		return s.handlePing(id, m.Ping)
	case *pb.SignalRequest_Data:
		return s.handleData(m.Data)
	case *pb.SignalRequest_IceRestart:
		return s.handleICERestart(m.IceRestart)
	case *pb.SignalRequest_UpdateParticipant:
		u := m.UpdateParticipant
		return s.p.Update(room.ParticipantUpdate{Name: u.GetName(), Metadata: u.GetMetadata(), Attributes: u.GetAttributes()})
	case *pb.SignalRequest_Join:
		return fmt.Errorf("%w: already joined", ErrInvalidRequest)
	}
	return fmt.Errorf("%w: this server does not handle %T", ErrUnsupportedMessage, req.GetMessage())
}

func parseSDP(d *pb.SessionDescription, want webrtc.SDPType) (webrtc.SessionDescription, error) {
	if d.GetSdp() == "" {
		return webrtc.SessionDescription{}, fmt.Errorf("%w: empty SDP", ErrInvalidRequest)
	}
	if got := webrtc.NewSDPType(d.GetType()); got != want {
		return webrtc.SessionDescription{}, fmt.Errorf("%w: expected an %s, got type %q", ErrInvalidRequest, want, d.GetType())
	}
	return webrtc.SessionDescription{Type: want, SDP: d.GetSdp()}, nil
}

func (s *session) handleOffer(id uint32, d *pb.SessionDescription) error {
	offer, err := parseSDP(d, webrtc.SDPTypeOffer)
	if err != nil {
		return err
	}
	answer, err := s.p.HandleOffer(offer)
	if err != nil {
		return err
	}
	s.out.respond(&pb.SignalResponse{RequestId: id, Message: &pb.SignalResponse_Answer{Answer: sdpToPB(answer, d.GetId())}})
	return nil
}

// handleAnswer applies the client's answer to the last offer written. An
// answer to an earlier one (its id is not the last; the client re-sent it
// after a resume, and the offer itself was sent again since) is dropped.
func (s *session) handleAnswer(d *pb.SessionDescription) error {
	answer, err := parseSDP(d, webrtc.SDPTypeAnswer)
	if err != nil {
		return err
	}
	if id, last := d.GetId(), s.m.offerID.Load(); id != 0 && id != last {
		s.log.Debug("dropping an answer to a superseded offer", "id", id, "last", last)
		return nil
	}
	return s.p.HandleAnswer(answer)
}

// handleICERestart: the client lost its media transport; the subscriber
// PC gets an ICE-restart offer (the client restarts its publisher PC
// itself).
func (s *session) handleICERestart(r *pb.IceRestartRequest) error {
	if r.GetTarget() != pb.SignalTarget_SIGNAL_TARGET_SUBSCRIBER {
		return fmt.Errorf("%w: the client restarts ICE on its publisher PC itself, with an offer", ErrInvalidRequest)
	}
	return s.p.RestartICE()
}

func (s *session) handleTrickle(t *pb.TrickleRequest) error {
	if t.GetFinal() && t.GetCandidateInit() == "" {
		return nil // end of candidates: pion needs no signal
	}
	var c webrtc.ICECandidateInit
	if err := json.Unmarshal([]byte(t.GetCandidateInit()), &c); err != nil {
		return fmt.Errorf("%w: candidateInit is not the JSON of an RTCIceCandidateInit: %w", ErrInvalidRequest, err)
	}
	return s.p.AddICECandidate(t.GetTarget() == pb.SignalTarget_SIGNAL_TARGET_SUBSCRIBER, c)
}

func target(subscriber bool) pb.SignalTarget {
	if subscriber {
		return pb.SignalTarget_SIGNAL_TARGET_SUBSCRIBER
	}
	return pb.SignalTarget_SIGNAL_TARGET_PUBLISHER
}

func candidateToPB(e room.CandidateEvent) *pb.SignalResponse {
	t := &pb.TrickleRequest{Target: target(e.Subscriber)}
	if e.Candidate == nil {
		t.Final = true
	} else {
		raw, err := json.Marshal(e.Candidate)
		if err != nil {
			return nil
		}
		t.CandidateInit = string(raw)
	}
	return &pb.SignalResponse{Message: &pb.SignalResponse_Trickle{Trickle: t}}
}

func (s *session) handleAddTrack(id uint32, a *pb.AddTrackRequest) error {
	info, err := s.p.AddTrack(room.AddTrackParams{
		CID:    a.GetCid(),
		Name:   a.GetName(),
		Kind:   kindFromPB(a.GetKind()),
		Source: sourceFromPB(a.GetSource()),
		Width:  a.GetWidth(),
		Height: a.GetHeight(),
		Muted:  a.GetMuted(),
		Layers: layersFromPB(a.GetLayers()),
		DTX:    a.GetDtx(),
		RED:    a.GetRed(),
	})
	if err != nil {
		return err
	}
	s.out.respond(&pb.SignalResponse{RequestId: id, Message: &pb.SignalResponse_TrackPublished{
		TrackPublished: &pb.TrackPublishedResponse{Cid: a.GetCid(), Track: trackToPB(info)},
	}})
	return nil
}

// handleSubscription applies every entry; the first failure is returned
// after the others were applied.
func (s *session) handleSubscription(u *pb.UpdateSubscriptionRequest) error {
	var first error
	for _, t := range u.GetTracks() {
		var err error
		if t.GetSubscribe() {
			err = s.p.Subscribe(t.GetTrackSid(), sfu.Preferences{
				Width: t.GetWidth(), Height: t.GetHeight(), FPS: t.GetFps(), Paused: t.GetPaused(),
				Quality: qualityFromPB(t.GetQuality()),
			})
		} else {
			err = s.p.Unsubscribe(t.GetTrackSid())
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *session) handleLeave(id uint32) error {
	s.left.Store(true)
	s.p.Leave(room.LeaveClientRequest)
	s.out.respond(&pb.SignalResponse{RequestId: id, Message: &pb.SignalResponse_Leave{
		Leave: &pb.LeaveResponse{Reason: pb.LeaveReason_LEAVE_REASON_CLIENT_REQUEST},
	}})
	return nil
}

func (s *session) handlePing(id uint32, p *pb.Ping) error {
	s.out.respond(&pb.SignalResponse{RequestId: id, Message: &pb.SignalResponse_Pong{
		Pong: &pb.Pong{Timestamp: p.GetTimestamp(), ServerTime: s.svc.now().UnixMilli()},
	}})
	return nil
}

func (s *session) handleData(d *pb.SendDataRequest) error {
	return s.p.SendData(room.DataMessage{
		Topic:        d.GetTopic(),
		Text:         d.GetText(),
		Payload:      d.GetPayload(),
		Destinations: d.GetDestinationIdentities(),
	})
}
