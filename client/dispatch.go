package client

import (
	"time"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// handle processes one message of the server on the reader goroutine. Each
// message type has its own small handler; unknown types are ignored so an
// older SDK keeps working with a newer server.
func (r *Room) handle(resp *parleypb.SignalResponse) {
	switch m := resp.GetMessage().(type) {
	case *parleypb.SignalResponse_Answer:
		r.warnIf("apply publisher answer", r.pub.handleAnswer(m.Answer))
	case *parleypb.SignalResponse_Offer:
		r.warnIf("answer subscriber offer", r.sub.handleOffer(m.Offer))
	case *parleypb.SignalResponse_Trickle:
		r.handleTrickle(m.Trickle)
	case *parleypb.SignalResponse_TrackPublished:
		r.handleTrackPublished(resp.GetRequestId(), resp)
	case *parleypb.SignalResponse_Error:
		r.handleError(resp.GetRequestId(), resp)
	case *parleypb.SignalResponse_Subscription:
		r.handleSubscription(resp.GetRequestId(), m.Subscription)
	case *parleypb.SignalResponse_Pong:
		r.handlePong(m.Pong)
	case *parleypb.SignalResponse_Leave:
		r.fail(Disconnected{Reason: m.Leave.GetReason(), Message: m.Leave.GetMessage(), CanReconnect: m.Leave.GetCanReconnect()})
	case *parleypb.SignalResponse_IceRestart:
		if m.IceRestart.GetTarget() == parleypb.SignalTarget_SIGNAL_TARGET_PUBLISHER {
			r.warnIf("restart publisher ICE", r.pub.restartICE())
		} // the server offers the subscriber restart itself
	case *parleypb.SignalResponse_ParticipantJoined:
		r.state.participantJoined(m.ParticipantJoined.GetParticipant())
	case *parleypb.SignalResponse_ParticipantLeft:
		r.state.participantLeft(m.ParticipantLeft)
	case *parleypb.SignalResponse_ParticipantUpdated:
		r.state.participantUpdated(m.ParticipantUpdated.GetParticipant())
	case *parleypb.SignalResponse_TrackAdded:
		r.state.trackAdded(m.TrackAdded.GetTrack())
	case *parleypb.SignalResponse_TrackRemoved:
		r.state.trackRemoved(m.TrackRemoved)
	case *parleypb.SignalResponse_TrackMuted:
		r.state.trackMuted(m.TrackMuted)
	case *parleypb.SignalResponse_RoomUpdate:
		r.state.roomUpdated(m.RoomUpdate.GetRoom())
	case *parleypb.SignalResponse_Data:
		r.events.push(dataEvent(m.Data))
	case *parleypb.SignalResponse_SpeakersChanged:
		r.events.push(SpeakersChanged{Speakers: clone(m.SpeakersChanged).GetSpeakers()})
	case *parleypb.SignalResponse_ConnectionQuality:
		r.events.push(ConnectionQualityChanged{Updates: clone(m.ConnectionQuality).GetUpdates()})
	case *parleypb.SignalResponse_StreamState:
		r.events.push(StreamStateChanged{Streams: clone(m.StreamState).GetStreams()})
	case *parleypb.SignalResponse_SubscribedQuality:
		q := clone(m.SubscribedQuality)
		t := r.pub.track(q.GetTrackSid())
		if t != nil {
			t.applySubscribedQualities(q.GetQualities())
		}
		r.events.push(SubscribedQualityChanged{TrackSid: q.GetTrackSid(), Track: t, Qualities: q.GetQualities()})
	case *parleypb.SignalResponse_Join:
		r.log.Warn("ignoring a second JoinResponse")
	default:
		r.log.Debug("ignoring unknown signal response", "type", m)
	}
}

func (r *Room) warnIf(what string, err error) {
	if err != nil {
		r.log.Warn(what, "err", err)
	}
}

func (r *Room) handleTrickle(t *parleypb.TrickleRequest) {
	p := r.pub.peer
	if t.GetTarget() == parleypb.SignalTarget_SIGNAL_TARGET_SUBSCRIBER {
		p = r.sub.peer
	}
	r.warnIf("add remote candidate", p.addCandidate(t))
}

func (r *Room) handleTrackPublished(id uint32, resp *parleypb.SignalResponse) {
	if id == 0 {
		id = r.pub.pendingRequest(resp.GetTrackPublished().GetCid())
	}
	if r.reqs.deliver(id, resp) {
		return
	}
	// The call gave up (timeout, cancelled): the server published a track
	// that will never get media. Take it back.
	if sid := resp.GetTrackPublished().GetTrack().GetSid(); sid != "" {
		r.log.Info("unpublishing a track accepted too late", "cid", resp.GetTrackPublished().GetCid(), "sid", sid)
		r.sendAsync(&parleypb.SignalRequest{Message: &parleypb.SignalRequest_RemoveTrack{
			RemoveTrack: &parleypb.RemoveTrackRequest{TrackSid: sid},
		}})
	}
}

// handleError routes an ErrorResponse to the call that waits for it, or
// reports it as an event: SubscriptionFailed for a subscription (which
// also ends WaitForTrack), ErrorReceived for anything else.
func (r *Room) handleError(id uint32, resp *parleypb.SignalResponse) {
	e := resp.GetError()
	if e.GetRequestId() != 0 {
		id = e.GetRequestId()
	}
	if r.reqs.deliver(id, resp) {
		return
	}
	kind, subject := r.reqs.lookup(id)
	err := errorFromResponse(e, id, kind)
	switch {
	case kind == "offer":
		r.pub.offerRefused()
	case kind == "subscription" && subject != "":
		r.state.subscriptionFailed(subject, err)
		return
	}
	r.events.push(ErrorReceived{Err: err})
}

// handleSubscription reports a failed subscription (a server may answer
// with SubscriptionResponse instead of an ErrorResponse).
func (r *Room) handleSubscription(id uint32, s *parleypb.SubscriptionResponse) {
	if s.GetError() == parleypb.ErrorCode_ERROR_CODE_UNSPECIFIED {
		return
	}
	kind, _ := r.reqs.lookup(id)
	r.state.subscriptionFailed(s.GetTrackSid(), &Error{Code: s.GetError(), Message: s.GetMessage(), RequestID: id, Request: kind})
}

func dataEvent(d *parleypb.DataReceived) DataReceived {
	return DataReceived{
		ID:           d.GetId(),
		Topic:        d.GetTopic(),
		Text:         d.GetText(),
		Payload:      append([]byte(nil), d.GetPayload()...),
		FromSid:      d.GetFromSid(),
		FromIdentity: d.GetFromIdentity(),
		FromName:     d.GetFromName(),
		Time:         time.UnixMilli(d.GetTimestamp()),
	}
}
