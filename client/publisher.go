package client

import (
	"context"
	"fmt"
	"sync"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// publisher owns the publisher PeerConnection, on which the client offers.
// One offer is outstanding at a time: a renegotiation asked for meanwhile
// is made when the answer arrives.
type publisher struct {
	r *Room
	*peer

	mu          sync.Mutex
	offerID     uint32
	negotiating bool
	again       bool
	restart     bool
	restarting  bool                         // the outstanding offer restarts ICE
	lastOffer   *parleypb.SessionDescription // the outstanding offer, sent again after a resume
	tracks      map[string]*LocalTrack       // by sid
	pending     map[string]uint32            // cid -> request id of its AddTrackRequest
}

func newPublisher(r *Room, api *webrtc.API, rc webrtc.Configuration) (*publisher, error) {
	p, err := newPeer(api, rc, parleypb.SignalTarget_SIGNAL_TARGET_PUBLISHER, r.sendAsync, r.peerState)
	if err != nil {
		return nil, err
	}
	return &publisher{r: r, peer: p, tracks: make(map[string]*LocalTrack), pending: make(map[string]uint32)}, nil
}

// negotiate offers the current transceivers, or marks that an offer is
// needed once the outstanding one is answered.
func (p *publisher) negotiate(iceRestart bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.restart = p.restart || iceRestart
	if p.negotiating {
		p.again = true
		return nil
	}
	return p.offerLocked()
}

func (p *publisher) offerLocked() error {
	if len(p.pc.GetTransceivers()) == 0 {
		// Nothing to publish: an offer without m-sections is useless.
		p.restart = false
		return nil
	}
	offer, err := p.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: p.restart})
	if err != nil {
		return fmt.Errorf("%w: publisher: create offer: %v", ErrNegotiation, err)
	}
	p.restarting, p.restart = p.restart, false
	p.offerID++
	p.negotiating = true
	p.lastOffer = sessionDescription(offer, p.offerID)
	// Queue the offer before SetLocalDescription starts gathering, so the
	// server never gets a candidate ahead of its description.
	p.r.sendAsync(&parleypb.SignalRequest{Message: &parleypb.SignalRequest_Offer{Offer: clone(p.lastOffer)}})
	if err := p.pc.SetLocalDescription(offer); err != nil {
		p.negotiating = false
		return fmt.Errorf("%w: publisher: set local offer: %v", ErrNegotiation, err)
	}
	return nil
}

// restartICE offers with new ICE credentials, unless such an offer is out
// already (the client and the server both noticed the dead transport).
func (p *publisher) restartICE() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.negotiating && p.restarting {
		return nil
	}
	p.restart = true
	if p.negotiating {
		p.again = true
		return nil
	}
	return p.offerLocked()
}

// resendOffer sends the outstanding offer again after a resume: the
// server may never have got it, or its answer may have been lost. The
// server answers it again either way; the id is the same.
func (p *publisher) resendOffer() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.negotiating && p.lastOffer != nil {
		p.r.sendAsync(&parleypb.SignalRequest{Message: &parleypb.SignalRequest_Offer{Offer: clone(p.lastOffer)}})
	}
}

// handleAnswer applies the server's answer to the outstanding offer. An
// answer to a superseded offer (its id is not the last one) is dropped.
func (p *publisher) handleAnswer(sd *parleypb.SessionDescription) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.negotiating || (sd.GetId() != 0 && sd.GetId() != p.offerID) {
		p.r.log.Debug("dropping stale publisher answer", "id", sd.GetId(), "offer", p.offerID)
		return nil
	}
	p.negotiating, p.restarting = false, false
	err := p.setRemote(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sd.GetSdp()})
	if p.again {
		p.again = false
		if oerr := p.offerLocked(); err == nil {
			err = oerr
		}
	}
	return err
}

// offerRefused rolls the refused offer back so the next one can be made.
func (p *publisher) offerRefused() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.negotiating {
		return
	}
	p.negotiating, p.restarting = false, false
	if err := p.pc.SetLocalDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback}); err != nil {
		p.r.log.Warn("publisher: roll back refused offer", "err", err)
	}
}

// reserve claims cid for a publication in flight.
func (p *publisher) reserve(cid string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.pending[cid]; ok {
		return fmt.Errorf("%w: %q is being published", ErrDuplicateTrack, cid)
	}
	for _, t := range p.tracks {
		if t.cid == cid {
			return fmt.Errorf("%w: %q is published as %s", ErrDuplicateTrack, cid, t.sid)
		}
	}
	p.pending[cid] = 0
	return nil
}

func (p *publisher) setPending(cid string, id uint32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.pending[cid]; ok {
		p.pending[cid] = id
	}
}

func (p *publisher) release(cid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.pending, cid)
}

// pendingRequest is the request id of the AddTrackRequest for cid, for a
// TrackPublishedResponse that does not echo it.
func (p *publisher) pendingRequest(cid string) uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pending[cid]
}

// publish announces req, and once the server accepted it adds the track's
// layers to the PC and renegotiates.
func (p *publisher) publish(ctx context.Context, req *parleypb.AddTrackRequest, layers []webrtc.TrackLocal, rids []string) (*LocalTrack, error) {
	if err := p.reserve(req.GetCid()); err != nil {
		return nil, err
	}
	defer p.release(req.GetCid())
	resp, err := p.r.call(ctx, &parleypb.SignalRequest{Message: &parleypb.SignalRequest_AddTrack{AddTrack: req}},
		func(id uint32) { p.setPending(req.GetCid(), id) })
	if err != nil {
		return nil, fmt.Errorf("client: publish %q: %w", req.GetCid(), err)
	}
	info := resp.GetTrackPublished().GetTrack()
	if info.GetSid() == "" {
		return nil, fmt.Errorf("%w: TrackPublishedResponse for %q without a track sid", ErrProtocol, req.GetCid())
	}
	tr, err := p.addTransceiver(layers)
	if err != nil {
		p.r.sendAsync(&parleypb.SignalRequest{Message: &parleypb.SignalRequest_RemoveTrack{
			RemoveTrack: &parleypb.RemoveTrackRequest{TrackSid: info.GetSid()},
		}})
		return nil, err
	}
	var stamped map[string]*stampedLayer
	if len(rids) > 0 || req.GetKind() == parleypb.TrackKind_TRACK_KIND_AUDIO {
		stamped = p.r.rids.add(tr)
	}
	t := newLocalTrack(info, req.GetCid(), rids, tr, layers[0])
	t.stamped = stamped
	p.mu.Lock()
	p.tracks[t.sid] = t
	p.mu.Unlock()
	if len(rids) == 0 {
		p.r.group.Go(func() { t.readRTCP("") })
	}
	for _, rid := range rids {
		p.r.group.Go(func() { t.readRTCP(rid) })
	}
	if err := p.negotiate(false); err != nil {
		if uerr := p.r.Unpublish(t); uerr != nil {
			p.r.log.Debug("unpublish after failed negotiation", "err", uerr)
		}
		return nil, fmt.Errorf("client: publish %q: %w", req.GetCid(), err)
	}
	return t, nil
}

func (p *publisher) addTransceiver(layers []webrtc.TrackLocal) (*webrtc.RTPTransceiver, error) {
	tr, err := p.pc.AddTransceiverFromTrack(layers[0], webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		return nil, fmt.Errorf("%w: add transceiver: %v", ErrNegotiation, err)
	}
	for _, l := range layers[1:] {
		if err := tr.Sender().AddEncoding(l); err != nil {
			_ = p.pc.RemoveTrack(tr.Sender())
			return nil, fmt.Errorf("%w: add simulcast layer %q: %v", ErrNegotiation, l.RID(), err)
		}
	}
	return tr, nil
}

// unpublish removes t from the PC and renegotiates.
func (p *publisher) unpublish(t *LocalTrack) error {
	p.mu.Lock()
	_, ok := p.tracks[t.sid]
	delete(p.tracks, t.sid)
	p.mu.Unlock()
	if !ok {
		return fmt.Errorf("client: unpublish %s: not published", t.sid)
	}
	p.r.rids.remove(t.transceiver)
	if err := p.pc.RemoveTrack(t.transceiver.Sender()); err != nil {
		return fmt.Errorf("%w: remove track %s: %v", ErrNegotiation, t.sid, err)
	}
	return p.negotiate(false)
}

func (p *publisher) track(sid string) *LocalTrack {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tracks[sid]
}

func (p *publisher) localTracks() []*LocalTrack {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*LocalTrack, 0, len(p.tracks))
	for _, t := range p.tracks {
		out = append(out, t)
	}
	return out
}
