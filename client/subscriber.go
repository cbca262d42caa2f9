package client

import (
	"fmt"
	"sync"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// subscriber owns the subscriber PeerConnection: the server offers, the
// client answers every offer. Tracks are identified by the msid of their
// m-section in the latest offer, looked up by mid, because pion's
// TrackRemote.ID() is only as fresh as the SSRC-based matching it does.
type subscriber struct {
	r *Room
	*peer

	mu    sync.Mutex
	mids  map[string]msid         // mid -> msid of the latest offer
	byMid map[string]*RemoteTrack // delivered tracks
}

func newSubscriber(r *Room, api *webrtc.API, rc webrtc.Configuration) (*subscriber, error) {
	p, err := newPeer(api, rc, parleypb.SignalTarget_SIGNAL_TARGET_SUBSCRIBER, r.sendAsync, r.peerState)
	if err != nil {
		return nil, err
	}
	s := &subscriber{r: r, peer: p, mids: make(map[string]msid), byMid: make(map[string]*RemoteTrack)}
	p.pc.OnTrack(s.onTrack)
	return s, nil
}

// handleOffer answers an offer of the server, then ends the subscriptions
// whose m-section no longer carries their track.
func (s *subscriber) handleOffer(sd *parleypb.SessionDescription) error {
	tracks, err := sendingTracks(sd.GetSdp())
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.mids = tracks
	s.mu.Unlock()
	if err := s.setRemote(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sd.GetSdp()}); err != nil {
		return err
	}
	answer, err := s.pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("%w: subscriber: create answer: %v", ErrNegotiation, err)
	}
	// Queue the answer before SetLocalDescription starts gathering, so the
	// server never gets a candidate ahead of its description.
	s.r.sendAsync(&parleypb.SignalRequest{Message: &parleypb.SignalRequest_Answer{
		Answer: sessionDescription(answer, sd.GetId()),
	}})
	if err := s.pc.SetLocalDescription(answer); err != nil {
		return fmt.Errorf("%w: subscriber: set local answer: %v", ErrNegotiation, err)
	}

	s.mu.Lock()
	var gone []*RemoteTrack
	for mid, rt := range s.byMid {
		if tracks[mid].track != rt.sid {
			gone = append(gone, rt)
			delete(s.byMid, mid)
		}
	}
	s.mu.Unlock()
	for _, rt := range gone {
		s.r.state.endSubscription(rt)
	}
	return nil
}

// onTrack runs on a pion goroutine when media of a new track arrives.
func (s *subscriber) onTrack(track *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	mid := ""
	if tr := receiver.RTPTransceiver(); tr != nil {
		mid = tr.Mid()
	}
	s.mu.Lock()
	id := s.mids[mid]
	s.mu.Unlock()
	if id.track == "" {
		id.track = track.ID()
	}
	if id.stream == "" {
		id.stream = track.StreamID()
	}
	info, publisher := s.r.state.describe(id.track, id.stream)
	rt := newRemoteTrack(id.track, mid, info, publisher, track, receiver, s.pc)

	s.mu.Lock()
	old := s.byMid[mid]
	s.byMid[mid] = rt
	s.mu.Unlock()
	if old != nil {
		s.r.state.endSubscription(old)
	}
	if !s.r.group.Go(rt.readRTCP) {
		return // closing
	}
	s.r.state.addSubscribed(rt)
}
