package sfu

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// TrackSpec is what the room layer says about a new published track.
type TrackSpec struct {
	// ID is the track sid the room assigned.
	ID string
	// Layers are the simulcast layers the client announced, lowest first
	// (may be empty: they are then learned from the rids received).
	Layers []LayerInfo
}

// PublisherConfig wires a Publisher to its participant.
type PublisherConfig struct {
	// ParticipantID becomes the StreamID of the publisher's receivers.
	ParticipantID string
	// ResolveTrack is called once per new track (its first layer, by msid
	// track id cid) before a Receiver exists. An error ignores the track:
	// its packets are read and discarded.
	ResolveTrack func(cid string, kind webrtc.RTPCodecType) (TrackSpec, error)
	// OnTrack is called when a receiver is live (its first layer); later
	// simulcast layers join it.
	OnTrack func(r *Receiver)
	// AttachTrack, when set, is asked first about every new remote track
	// (by msid track id cid): a node-to-node relay answers with the relay
	// receiver (see NewRelayReceiver) and the layer index the track
	// carries. When ok is false the track goes through ResolveTrack.
	AttachTrack func(cid string, kind webrtc.RTPCodecType) (r *Receiver, layer int8, ok bool)
	// OnICECandidate delivers a local candidate; nil means gathering is
	// complete.
	OnICECandidate          func(c *webrtc.ICECandidateInit)
	OnConnectionStateChange func(webrtc.PeerConnectionState)
	// Relay makes a node-to-node relay's PeerConnection (see relay.go).
	Relay bool
	// OnSubscribedLayers (dynacast) is called when the simulcast layers of
	// a receiver that subscribers need change: bit i of layers is layer i.
	// The client should stop sending the other layers (browsers: set
	// active=false on those encodings) and resume them when asked. Called
	// from the publisher's monitor goroutine; only with Config.Dynacast.
	OnSubscribedLayers func(r *Receiver, layers uint8)
}

// Publisher is a participant's publisher PeerConnection: the client offers,
// the SFU answers and receives.
type Publisher struct {
	e     *Engine
	cfg   PublisherConfig
	pc    *webrtc.PeerConnection
	log   *slog.Logger
	cands candidateQueue
	wg    sync.WaitGroup // layer readers, RTCP drains, discards, the monitor
	kick  chan struct{}  // wakes the monitor
	stop  chan struct{}  // ends the monitor

	mu        sync.Mutex
	closed    bool
	receivers map[string]*Receiver     // by cid
	ignored   map[string]bool          // cids ResolveTrack refused
	resolving map[string]chan struct{} // cids being resolved
}

var errTrackIgnored = errors.New("track ignored")

// NewPublisher creates a publisher PeerConnection.
func (e *Engine) NewPublisher(cfg PublisherConfig) (*Publisher, error) {
	pc, err := e.newPeerConnection(true, cfg.Relay)
	if err != nil {
		return nil, err
	}
	p := &Publisher{
		e:         e,
		cfg:       cfg,
		pc:        pc,
		log:       e.logger.With("participant", cfg.ParticipantID, "pc", "publisher"),
		receivers: map[string]*Receiver{},
		ignored:   map[string]bool{},
		resolving: map[string]chan struct{}{},
		kick:      make(chan struct{}, 1),
		stop:      make(chan struct{}),
	}
	if !e.track(p) {
		_ = pc.Close()
		return nil, ErrClosed
	}
	p.wg.Go(p.monitor)
	pc.OnTrack(p.onTrack)
	forwardCandidates(pc, cfg.OnICECandidate)
	pc.OnConnectionStateChange(func(webrtc.PeerConnectionState) {
		if cfg.OnConnectionStateChange != nil {
			cfg.OnConnectionStateChange(currentState(pc))
		}
	})
	return p, nil
}

// HandleOffer applies the client's offer and returns the answer. Candidates
// trickle through OnICECandidate.
func (p *Publisher) HandleOffer(offer webrtc.SessionDescription) (webrtc.SessionDescription, error) {
	if offer.Type != webrtc.SDPTypeOffer {
		return webrtc.SessionDescription{}, fmt.Errorf("%w: got %s, want offer", ErrInvalidSDP, offer.Type)
	}
	if err := p.pc.SetRemoteDescription(offer); err != nil {
		return webrtc.SessionDescription{}, fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	answer, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return webrtc.SessionDescription{}, fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	if err := p.pc.SetLocalDescription(answer); err != nil {
		return webrtc.SessionDescription{}, fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	if err := p.cands.flush(p.pc); err != nil {
		p.log.Debug("queued candidate rejected", "err", err)
	}
	return answer, nil
}

// AddICECandidate adds a remote candidate (queued until the offer arrives).
func (p *Publisher) AddICECandidate(c webrtc.ICECandidateInit) error {
	return p.cands.add(p.pc, c)
}

// Close closes the PeerConnection; every receiver ends.
func (p *Publisher) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	close(p.stop)
	// GracefulClose waits for pion's own goroutines, so none outlives us.
	err := p.pc.GracefulClose()
	p.wg.Wait()
	p.mu.Lock()
	receivers := make([]*Receiver, 0, len(p.receivers))
	for _, r := range p.receivers {
		receivers = append(receivers, r)
	}
	p.mu.Unlock()
	for _, r := range receivers {
		r.end()
	}
	p.e.untrack(p)
	return err
}

// Receivers returns the live receivers.
func (p *Publisher) Receivers() []*Receiver {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*Receiver, 0, len(p.receivers))
	for _, r := range p.receivers {
		out = append(out, r)
	}
	return out
}

// onTrack handles one new layer (rid) of a remote track.
func (p *Publisher) onTrack(track *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	cid, rid := track.ID(), track.RID()
	if p.cfg.AttachTrack != nil {
		if r, index, ok := p.cfg.AttachTrack(cid, track.Kind()); ok {
			if !relayLayerIndex(r, index) {
				p.log.Warn("relayed track ignored", "cid", cid, "layer", index)
				p.discard(track)
				return
			}
			p.startLayer(r, index, false, track, recv)
			return
		}
	}
	r, created, err := p.receiverFor(cid, track, recv)
	if err != nil {
		p.discard(track)
		return
	}
	index, ok := layerIndex(r, rid)
	if !ok {
		p.log.Warn("unknown simulcast layer ignored", "track", r.ID(), "rid", rid)
		p.discard(track)
		return
	}
	p.startLayer(r, index, created, track, recv)
}

// startLayer runs the reader of layer index of r; created says r is new
// and OnTrack is due once the layer runs.
func (p *Publisher) startLayer(r *Receiver, index int8, created bool, track *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	rid := track.RID()
	var audioLevelID uint8
	if track.Kind() == webrtc.RTPCodecTypeAudio {
		audioLevelID = headerExtensionID(recv.GetParameters().HeaderExtensions, sdp.AudioLevelURI)
	}
	l := r.addLayerWith(index, rid, uint32(track.SSRC()), audioLevelID, p.sendPLI)
	if l == nil {
		p.discard(track)
		return
	}
	l.useNACK(p.sendNACK)
	if !p.goroutine(func() { l.run(track) }) {
		r.layerEnded(l)
		p.discard(track)
		return
	}
	p.goroutine(func() { drainRTCP(recv, rid) })
	if created && p.cfg.OnTrack != nil {
		p.cfg.OnTrack(r)
	}
}

// goroutine runs f in the publisher's wait group unless it is closed.
func (p *Publisher) goroutine(f func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.wg.Go(f)
	return true
}

// receiverFor returns the receiver of cid, creating it (after ResolveTrack)
// for the first layer. Concurrent first layers wait for one resolution.
func (p *Publisher) receiverFor(cid string, track *webrtc.TrackRemote, recv *webrtc.RTPReceiver) (*Receiver, bool, error) {
	p.mu.Lock()
	for {
		switch {
		case p.closed:
			p.mu.Unlock()
			return nil, false, ErrClosed
		case p.receivers[cid] != nil:
			r := p.receivers[cid]
			p.mu.Unlock()
			return r, false, nil
		case p.ignored[cid]:
			p.mu.Unlock()
			return nil, false, errTrackIgnored
		}
		wait, busy := p.resolving[cid]
		if !busy {
			break
		}
		p.mu.Unlock()
		<-wait
		p.mu.Lock()
	}
	done := make(chan struct{})
	p.resolving[cid] = done
	p.mu.Unlock()

	spec, err := TrackSpec{ID: cid}, error(nil)
	if p.cfg.ResolveTrack != nil {
		spec, err = p.cfg.ResolveTrack(cid, track.Kind())
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.resolving, cid)
	close(done)
	if err != nil {
		p.ignored[cid] = true
		p.log.Info("published track refused", "cid", cid, "err", err)
		return nil, false, err
	}
	if p.closed {
		return nil, false, ErrClosed
	}
	var r *Receiver
	r = newReceiver(receiverParams{
		spec:        spec,
		streamID:    p.cfg.ParticipantID,
		clientID:    cid,
		kind:        track.Kind(),
		codec:       track.Codec(),
		clock:       p.e.clock,
		cacheSize:   p.e.cacheSize(track.Kind()),
		pliThrottle: p.e.cfg.PLIThrottle,
		sendPLI:     p.sendPLI,
		pool:        p.e.pool,
		bursts:      p.e.bursts,
		onEnd:       func() { p.forget(cid, r) },
		dynacast:    p.dynacastCallback(),
		kick:        p.wake,
		stop:        recv.Stop,
	})
	p.receivers[cid] = r
	return r, true, nil
}

// monitor visits the receivers regularly (layer liveness, rates,
// dynacast), and at once when woken.
func (p *Publisher) monitor() {
	t := time.NewTicker(monitorInterval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		case <-p.kick:
		}
		now := p.e.clock.now()
		for _, r := range p.Receivers() {
			r.tick(now)
		}
	}
}

// wake runs the monitor soon; it never blocks.
func (p *Publisher) wake() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (p *Publisher) dynacastCallback() func(*Receiver, uint8) {
	if !p.e.cfg.Dynacast || p.cfg.OnSubscribedLayers == nil {
		return nil
	}
	return p.cfg.OnSubscribedLayers
}

// forget drops an ended receiver, so that the cid may be published again.
func (p *Publisher) forget(cid string, r *Receiver) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.receivers[cid] == r && !p.closed {
		delete(p.receivers, cid)
	}
}

// sendPLI asks the publisher for a keyframe on a layer's SSRC.
func (p *Publisher) sendPLI(ssrc uint32) {
	if err := p.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}}); err != nil {
		p.log.Debug("PLI not sent", "err", err)
	}
}

// sendNACK asks the publisher to retransmit lost packets of a layer.
func (p *Publisher) sendNACK(ssrc uint32, lost []uint16) {
	nack := &rtcp.TransportLayerNack{MediaSSRC: ssrc, Nacks: rtcp.NackPairsFromSequenceNumbers(lost)}
	if err := p.pc.WriteRTCP([]rtcp.Packet{nack}); err != nil {
		p.log.Debug("NACK not sent", "err", err)
	}
}

// discard reads and drops a layer nobody forwards, so that pion's buffers
// do not fill.
func (p *Publisher) discard(track *webrtc.TrackRemote) {
	p.goroutine(func() {
		var buf [packetBufferSize]byte
		readUntilClosed(track, buf[:])
	})
}

// drainRTCP reads a layer's incoming RTCP so that the interceptors see the
// publisher's sender reports (and the stream's buffer never fills).
func drainRTCP(recv *webrtc.RTPReceiver, rid string) {
	var buf [packetBufferSize]byte
	readUntilClosed(rtcpReader{recv: recv, rid: rid}, buf[:])
}

type rtcpReader struct {
	recv *webrtc.RTPReceiver
	rid  string
}

func (r rtcpReader) Read(b []byte) (int, interceptor.Attributes, error) {
	return r.recv.ReadSimulcast(b, r.rid)
}

// readUntilClosed reads src until it ends.
func readUntilClosed(src rtpReader, buf []byte) {
	for errs := 0; errs <= maxReadErrors; {
		if _, _, err := src.Read(buf); err != nil {
			if isClosedErr(err) {
				return
			}
			errs++
			continue
		}
		errs = 0
	}
}

// isClosedErr reports errors that mean a stream ended.
func isClosedErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, net.ErrClosed)
}

// layerIndex maps a rid to a layer index: its position among the announced
// layers, else the conventional q/h/f (or 0/1/2) names; "" is layer 0.
func layerIndex(r *Receiver, rid string) (int8, bool) {
	if rid == "" {
		return 0, true
	}
	if r.announced {
		for i, l := range r.Layers() {
			if l.RID == rid {
				return int8(i), true
			}
		}
	}
	switch rid {
	case "q", "0":
		return 0, true
	case "h", "1":
		return 1, true
	case "f", "2":
		return 2, true
	}
	return 0, false
}
