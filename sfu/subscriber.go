package sfu

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/webrtc/v4"
)

// SubscriberConfig wires a Subscriber to its participant.
type SubscriberConfig struct {
	ParticipantID string
	// OnOffer delivers an offer to the client. Calls are serialized.
	OnOffer func(offer webrtc.SessionDescription)
	// OnICECandidate delivers a local candidate; nil means gathering is
	// complete.
	OnICECandidate          func(c *webrtc.ICECandidateInit)
	OnConnectionStateChange func(webrtc.PeerConnectionState)
	// Relay makes a node-to-node relay's PeerConnection (see relay.go).
	Relay bool
	// OnStreamState reports video tracks whose state changed: paused (for
	// bandwidth, by the subscriber, by the publisher) or resumed, or moved
	// to another layer. Called from the subscriber's control goroutine.
	OnStreamState func([]StreamState)
}

// Subscriber is a participant's subscriber PeerConnection: the SFU offers,
// the client answers, and the SFU renegotiates as tracks come and go.
type Subscriber struct {
	e         *Engine
	cfg       SubscriberConfig
	pc        *webrtc.PeerConnection
	log       *slog.Logger
	cands     candidateQueue
	neg       *negotiator
	connected atomic.Bool
	wg        sync.WaitGroup // down-track RTCP readers, the controller
	// tx numbers every RTP packet of the PeerConnection for transport-wide
	// congestion control and estimates the subscriber's bandwidth; ctrl
	// allocates it.
	tx   *sendSide
	ctrl *controller

	mu     sync.Mutex
	closed bool
	// offerMu serializes making an offer with closing: pion creates the ICE
	// agent lazily in CreateOffer, and one created after Close would leak.
	offerMu    sync.Mutex
	offersDone bool // guarded by offerMu: Close began, make no more offers
	tracks     map[string]subscribedTrack
}

type subscribedTrack struct {
	dt     *DownTrack
	sender *webrtc.RTPSender
}

// NewSubscriber creates a subscriber PeerConnection. Nothing is offered
// until the first track is added.
func (e *Engine) NewSubscriber(cfg SubscriberConfig) (*Subscriber, error) {
	pc, err := e.newPeerConnection(false, cfg.Relay)
	if err != nil {
		return nil, err
	}
	s := &Subscriber{
		e:      e,
		cfg:    cfg,
		pc:     pc,
		log:    e.logger.With("participant", cfg.ParticipantID, "pc", "subscriber"),
		tracks: map[string]subscribedTrack{},
	}
	cc := e.cfg.Congestion
	if cfg.Relay {
		// A relay carries exactly the layers the other node's subscribers
		// demand, each layer a track of its own: the allocator could only
		// pause a layer (or drop its temporal layers) for all of them at
		// once, on an estimate of a link between servers. The other node
		// fits each subscriber's own link; the relay forwards everything.
		cc.Enabled = false
	}
	s.tx = newSendSide(e.clock, cc.limits(), nil)
	s.ctrl = newController(s, s.tx, cc)
	s.tx.kick = s.ctrl.kick
	s.neg = newNegotiator(s.makeOffer, s.deliverOffer, func(err error) {
		if !errors.Is(err, ErrClosed) {
			s.log.Warn("subscriber offer failed", "err", err)
		}
	})
	if !e.track(s) {
		_ = pc.Close()
		return nil, ErrClosed
	}
	// The negotiator may be inside OnOffer when Close is called (even from
	// OnOffer itself), so it belongs to the engine's wait group.
	e.wg.Go(s.neg.run)
	s.wg.Go(s.ctrl.run)
	forwardCandidates(pc, cfg.OnICECandidate)
	pc.OnConnectionStateChange(s.onConnectionState)
	return s, nil
}

func (s *Subscriber) onConnectionState(webrtc.PeerConnectionState) {
	state := currentState(s.pc)
	if state == webrtc.PeerConnectionStateConnected && s.connected.CompareAndSwap(false, true) {
		s.mu.Lock()
		dts := make([]*DownTrack, 0, len(s.tracks))
		for _, t := range s.tracks {
			dts = append(dts, t.dt)
		}
		s.mu.Unlock()
		for _, dt := range dts {
			dt.setConnected()
		}
	}
	if s.cfg.OnConnectionStateChange != nil {
		s.cfg.OnConnectionStateChange(state)
	}
}

// AddTrack subscribes to src and schedules a negotiation.
func (s *Subscriber) AddTrack(src TrackSource, prefs Preferences) (*DownTrack, error) {
	codecs, err := subscriberCodecs(src.Codec())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	if _, ok := s.tracks[src.ID()]; ok {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %s", ErrAlreadySubscribed, src.ID())
	}
	dt := newDownTrack(src, prefs, downTrackParams{
		seqMapSize: s.e.cacheSize(src.Kind()),
		wg:         &s.wg,
		tx:         s.tx,
		bursts:     s.e.bursts,
	})
	tr, err := s.pc.AddTransceiverFromTrack(dt, webrtc.RTPTransceiverInit{
		Direction: webrtc.RTPTransceiverDirectionSendonly,
	})
	if err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("add transceiver: %w", err)
	}
	if err := tr.SetCodecPreferences(codecs); err != nil {
		_ = s.pc.RemoveTrack(tr.Sender())
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %w", ErrUnsupportedCodec, err)
	}
	s.tracks[src.ID()] = subscribedTrack{dt: dt, sender: tr.Sender()}
	s.mu.Unlock()

	if s.connected.Load() {
		dt.setConnected()
	}
	src.AddDownTrack(dt)
	s.neg.schedule()
	return dt, nil
}

// RemoveTrack unsubscribes from a track and schedules a negotiation.
func (s *Subscriber) RemoveTrack(trackID string) error {
	s.mu.Lock()
	t, ok := s.tracks[trackID]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrNotSubscribed, trackID)
	}
	delete(s.tracks, trackID)
	closed := s.closed
	s.mu.Unlock()

	t.dt.close()
	t.dt.src.RemoveDownTrack(t.dt)
	if closed {
		return nil
	}
	if err := s.pc.RemoveTrack(t.sender); err != nil {
		return fmt.Errorf("remove track %s: %w", trackID, err)
	}
	s.neg.schedule()
	return nil
}

// DownTrack returns the down-track of a subscribed track.
func (s *Subscriber) DownTrack(trackID string) (*DownTrack, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tracks[trackID]
	return t.dt, ok
}

// DownTracks returns every down-track.
func (s *Subscriber) DownTracks() []*DownTrack {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*DownTrack, 0, len(s.tracks))
	for _, t := range s.tracks {
		out = append(out, t.dt)
	}
	return out
}

// HandleAnswer applies the client's answer to the outstanding offer; changes
// made meanwhile go out in one follow-up offer.
func (s *Subscriber) HandleAnswer(answer webrtc.SessionDescription) error {
	if answer.Type != webrtc.SDPTypeAnswer {
		return fmt.Errorf("%w: got %s, want answer", ErrInvalidSDP, answer.Type)
	}
	err := s.neg.answered(func() error { return s.pc.SetRemoteDescription(answer) })
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	if err := s.cands.flush(s.pc); err != nil {
		s.log.Debug("queued candidate rejected", "err", err)
	}
	return nil
}

// AddICECandidate adds a remote candidate (queued until the first answer).
func (s *Subscriber) AddICECandidate(c webrtc.ICECandidateInit) error {
	return s.cands.add(s.pc, c)
}

// Close closes the PeerConnection and drops every down-track.
func (s *Subscriber) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	tracks := s.tracks
	s.tracks = map[string]subscribedTrack{}
	s.mu.Unlock()

	s.neg.close()
	// Wait for an offer being made right now; later ones see offersDone.
	s.offerMu.Lock()
	s.offersDone = true
	s.offerMu.Unlock()
	for _, t := range tracks {
		t.dt.close()
		t.dt.src.RemoveDownTrack(t.dt)
	}
	close(s.ctrl.stop)
	// GracefulClose waits for pion's own goroutines, so none outlives us.
	err := s.pc.GracefulClose()
	s.wg.Wait()
	s.e.untrack(s)
	return err
}

// Estimate returns the subscriber's bandwidth estimate in bits per second;
// ok is false while it sends no congestion feedback.
func (s *Subscriber) Estimate() (bps uint64, ok bool) { return s.tx.bwe.Estimate() }

// RestartICE makes the next offer restart ICE (new credentials, fresh
// candidates), for a transport that died. It does nothing before the first
// negotiation, when there is no transport to restart.
func (s *Subscriber) RestartICE() {
	if s.pc.RemoteDescription() == nil {
		return
	}
	s.neg.restartICE()
}

// ResendOffer delivers the offer still waiting for its answer again, for a
// client that resumed its session and may have lost it.
func (s *Subscriber) ResendOffer() { s.neg.resendOffer() }

// makeOffer creates the next offer and sets it as local description.
func (s *Subscriber) makeOffer(iceRestart bool) (webrtc.SessionDescription, error) {
	s.offerMu.Lock()
	defer s.offerMu.Unlock()
	if s.offersDone {
		return webrtc.SessionDescription{}, ErrClosed
	}
	offer, err := s.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: iceRestart})
	if err != nil {
		return offer, err
	}
	if err := s.pc.SetLocalDescription(offer); err != nil {
		return offer, err
	}
	return offer, nil
}

func (s *Subscriber) deliverOffer(offer webrtc.SessionDescription) {
	if s.cfg.OnOffer != nil {
		s.cfg.OnOffer(offer)
	}
}

// subscriberCodecs returns the codec list of a down-track's transceiver:
// the source's codec (its format parameters, our payload type and
// feedback), plus opus under RED.
func subscriberCodecs(src webrtc.RTPCodecParameters) ([]webrtc.RTPCodecParameters, error) {
	table := codecTable()
	c, ok := findCodec(table, src.RTPCodecCapability)
	if !ok || strings.EqualFold(src.MimeType, webrtc.MimeTypeRTX) {
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedCodec, src.MimeType)
	}
	// RED's format parameters name opus's payload type, which is ours
	// (rewritten on arrival if the publisher's differs).
	if src.SDPFmtpLine != "" && !strings.EqualFold(c.MimeType, mimeTypeRED) {
		c.SDPFmtpLine = src.SDPFmtpLine
	}
	codecs := []webrtc.RTPCodecParameters{c}
	if strings.EqualFold(c.MimeType, mimeTypeRED) {
		opus, _ := findCodec(table, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2})
		codecs = append(codecs, opus)
	}
	// Retransmissions and probes go on an RTX stream (RFC 4588) when the
	// subscriber accepts one.
	for _, r := range table {
		if strings.EqualFold(r.MimeType, webrtc.MimeTypeRTX) && r.SDPFmtpLine == fmt.Sprintf("apt=%d", c.PayloadType) {
			codecs = append(codecs, r)
		}
	}
	return codecs, nil
}
