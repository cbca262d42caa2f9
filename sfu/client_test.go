package sfu

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// The "clients" of the integration tests are plain pion PeerConnections on
// loopback, playing the browser's part: they offer on the publisher PC and
// answer on the subscriber PC.

// testLogger logs to the test (pion's warnings included) at info level.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(string(b))
	return len(b), nil
}

// newTestEngine starts an engine on a random loopback port.
func newTestEngine(t testing.TB) *Engine {
	cfg := DefaultConfig()
	cfg.UDPPort = 0
	cfg.BindAddress = "127.0.0.1"
	cfg.IncludeLoopback = true
	cfg.PLIThrottle = 100 * time.Millisecond
	e, err := NewEngine(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// newClientPC returns a browser-like PeerConnection restricted to loopback.
func newClientPC(t testing.TB) *webrtc.PeerConnection {
	return newClientPCWith(t, func(se *webrtc.SettingEngine) {
		se.SetIncludeLoopbackCandidate(true)
		se.SetInterfaceFilter(isLoopbackInterface)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	})
}

// newClientPCWith returns a browser-like PeerConnection (default codecs,
// interceptors and simulcast extensions, audio level) with the setting
// engine adjusted by net.
func newClientPCWith(t testing.TB, netSetup func(*webrtc.SettingEngine)) *webrtc.PeerConnection {
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(me); err != nil {
		t.Fatal(err)
	}
	if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, reg); err != nil {
		t.Fatal(err)
	}
	var se webrtc.SettingEngine
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	netSetup(&se)
	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	return pc
}

// remoteCandidates adds candidates to pc once its remote description is
// set, in arrival order (trickle ICE races the description).
type remoteCandidates struct {
	mu      sync.Mutex
	pc      *webrtc.PeerConnection
	ready   bool
	pending []webrtc.ICECandidateInit
	seen    []string
}

func (r *remoteCandidates) add(c *webrtc.ICECandidateInit) {
	if c == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, c.Candidate)
	if !r.ready {
		r.pending = append(r.pending, *c)
		return
	}
	_ = r.pc.AddICECandidate(*c)
}

func (r *remoteCandidates) descriptionSet() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ready = true
	for _, c := range r.pending {
		_ = r.pc.AddICECandidate(c)
	}
	r.pending = nil
}

func (r *remoteCandidates) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

// pubClient is a client publisher PC wired to an engine Publisher.
type pubClient struct {
	t      testing.TB
	pc     *webrtc.PeerConnection
	server *Publisher
	cands  *remoteCandidates
}

func newPubClient(t testing.TB, e *Engine, cfg PublisherConfig) *pubClient {
	return newPubClientOn(t, e, cfg, newClientPC(t))
}

// newPubClientOn is newPubClient with a client PeerConnection of the
// caller's (e.g. on a virtual network).
func newPubClientOn(t testing.TB, e *Engine, cfg PublisherConfig, pc *webrtc.PeerConnection) *pubClient {
	c := &pubClient{t: t, pc: pc}
	c.cands = &remoteCandidates{pc: c.pc}
	cfg.OnICECandidate = c.cands.add
	p, err := e.NewPublisher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.server = p
	return c
}

// negotiate sends the client's offer (with its candidates) and applies the
// answer.
func (c *pubClient) negotiate() {
	c.t.Helper()
	offer, err := c.pc.CreateOffer(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(c.pc)
	if err := c.pc.SetLocalDescription(offer); err != nil {
		c.t.Fatal(err)
	}
	<-gathered
	answer, err := c.server.HandleOffer(*c.pc.LocalDescription())
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.pc.SetRemoteDescription(answer); err != nil {
		c.t.Fatal(err)
	}
	c.cands.descriptionSet()
}

func (c *pubClient) close() {
	_ = c.server.Close()
	_ = c.pc.GracefulClose()
}

// subClient is a client subscriber PC wired to an engine Subscriber: it
// answers every offer and records what it receives per track id.
type subClient struct {
	t      testing.TB
	pc     *webrtc.PeerConnection
	server *Subscriber
	cands  *remoteCandidates
	offers atomic.Int32
	wg     sync.WaitGroup
	done   chan struct{}
	once   sync.Once
	// countOnly keeps no packets (benchmarks).
	countOnly bool

	mu        sync.Mutex
	tracks    map[string]*receivedTrack
	lastOffer string
}

// receivedTrack is what a subscriber client got on one track.
type receivedTrack struct {
	count   atomic.Int64 // packets received
	mu      sync.Mutex
	packets []sentRTP // kept unless the client only counts
	ended   bool
	ssrc    uint32
	reports []rtcp.SenderReport // sender reports about the track
}

func (r *receivedTrack) snapshot() ([]sentRTP, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sentRTP(nil), r.packets...), r.ended
}

func newSubClient(t testing.TB, e *Engine) *subClient {
	return newSubClientOn(t, e, newClientPC(t))
}

// newSubClientOn is newSubClient with a client PeerConnection of the
// caller's (e.g. on a virtual network).
func newSubClientOn(t testing.TB, e *Engine, pc *webrtc.PeerConnection) *subClient {
	c := &subClient{t: t, pc: pc, tracks: map[string]*receivedTrack{}}
	c.cands = &remoteCandidates{pc: c.pc}
	offers := make(chan webrtc.SessionDescription)
	c.done = make(chan struct{})
	s, err := e.NewSubscriber(SubscriberConfig{
		ParticipantID: "PA_sub",
		OnOffer: func(o webrtc.SessionDescription) {
			select {
			case offers <- o:
			case <-c.done:
			}
		},
		OnICECandidate: c.cands.add,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.server = s
	c.pc.OnICECandidate(func(ic *webrtc.ICECandidate) {
		if ic != nil {
			_ = s.AddICECandidate(ic.ToJSON())
		}
	})
	c.pc.OnTrack(func(tr *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
		rt := &receivedTrack{ssrc: uint32(tr.SSRC())}
		c.mu.Lock()
		c.tracks[tr.ID()] = rt
		c.mu.Unlock()
		c.wg.Go(func() { c.read(tr, rt) })
		c.wg.Go(func() { c.readReports(recv, rt) })
	})
	c.wg.Go(func() {
		for {
			select {
			case o := <-offers:
				c.answer(o)
			case <-c.done:
				return
			}
		}
	})
	return c
}

// answer plays the browser's part of a server offer.
func (c *subClient) answer(offer webrtc.SessionDescription) {
	c.mu.Lock()
	c.lastOffer = offer.SDP
	c.mu.Unlock()
	defer c.offers.Add(1)
	if err := c.pc.SetRemoteDescription(offer); err != nil {
		c.t.Errorf("client: set offer: %v", err)
		return
	}
	c.cands.descriptionSet()
	answer, err := c.pc.CreateAnswer(nil)
	if err != nil {
		c.t.Errorf("client: create answer: %v", err)
		return
	}
	if err := c.pc.SetLocalDescription(answer); err != nil {
		c.t.Errorf("client: set answer: %v", err)
		return
	}
	if err := c.server.HandleAnswer(answer); err != nil {
		c.t.Errorf("server: handle answer: %v", err)
	}
}

func (c *subClient) read(tr *webrtc.TrackRemote, rt *receivedTrack) {
	buf := make([]byte, 1500)
	for {
		n, _, err := tr.Read(buf)
		if err != nil {
			rt.mu.Lock()
			rt.ended = true
			rt.mu.Unlock()
			return
		}
		rt.count.Add(1)
		if c.countOnly {
			continue
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:n]); err != nil {
			continue
		}
		rt.mu.Lock()
		rt.packets = append(rt.packets, sentRTP{Header: p.Header.Clone(), Payload: append([]byte(nil), p.Payload...)})
		rt.mu.Unlock()
	}
}

// readReports keeps the sender reports about the track.
func (c *subClient) readReports(recv *webrtc.RTPReceiver, rt *receivedTrack) {
	for {
		pkts, _, err := recv.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			if sr, ok := p.(*rtcp.SenderReport); ok && sr.SSRC == rt.ssrc {
				rt.mu.Lock()
				rt.reports = append(rt.reports, *sr)
				rt.mu.Unlock()
			}
		}
	}
}

// track returns what arrived for a track id, nil if nothing yet.
func (c *subClient) track(id string) *receivedTrack {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tracks[id]
}

// waitPackets waits until n packets of track id arrived.
func (c *subClient) waitPackets(id string, n int) []sentRTP {
	c.t.Helper()
	var got []sentRTP
	eventually(c.t, 10*time.Second, "packets on "+id, func() bool {
		if rt := c.track(id); rt != nil {
			got, _ = rt.snapshot()
		}
		return len(got) >= n
	})
	return got
}

// lastOfferSDP returns the last offer received.
func (c *subClient) lastOfferSDP() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastOffer
}

// extID returns the id of a header extension negotiated for receiving
// audio.
func (c *subClient) extID(uri string) uint8 {
	for _, x := range c.pc.GetTransceivers() {
		if x.Kind() == webrtc.RTPCodecTypeAudio {
			return headerExtensionID(x.Receiver().GetParameters().HeaderExtensions, uri)
		}
	}
	return 0
}

func (c *subClient) close() {
	c.once.Do(func() { close(c.done) })
	_ = c.server.Close()
	_ = c.pc.GracefulClose()
	c.wg.Wait()
}

// source writes synthetic media on a client track until stopped, and
// answers PLIs with a keyframe.
type source struct {
	track    *webrtc.TrackLocalStaticRTP
	video    bool
	h264     bool // video as H.264 single NAL units instead of VP8
	layer    byte
	interval time.Duration
	packets  int      // per video frame (default 1)
	size     int      // payload body bytes per packet (default 200 video, 80 audio)
	ext      []rtpExt // set on every packet (mid, rid)
	keyNow   atomic.Bool
	plis     atomic.Int32
	frames   atomic.Int32
}

type rtpExt struct {
	id    uint8
	value []byte
}

// body is the deterministic payload body of a frame: the subscriber can
// check it arrived intact from the bytes it carries.
func body(layer byte, frame uint16, n int) []byte {
	b := make([]byte, n)
	b[0], b[1], b[2] = layer, byte(frame>>8), byte(frame)
	for i := 3; i < n; i++ {
		b[i] = byte(int(frame)*7+i) ^ layer
	}
	return b
}

// bodyIntact reports whether b is a body produced by body.
func bodyIntact(b []byte) bool {
	if len(b) < 3 {
		return false
	}
	frame := uint16(b[1])<<8 | uint16(b[2])
	want := body(b[0], frame, len(b))
	return string(want) == string(b)
}

// run writes one frame per interval: VP8 frames (a keyframe every 60 or
// on PLI) of s.packets packets, or opus-sized audio packets.
func (s *source) run(ctx context.Context) {
	tick := time.NewTicker(s.interval)
	defer tick.Stop()
	seq := uint16(1000 * (uint16(s.layer) + 1))
	per, size := max(s.packets, 1), s.size
	if size == 0 {
		size = 200
		if !s.video {
			size = 80
		}
	}
	for frame := uint16(0); ; frame++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		key := s.video && (frame%60 == 0 || s.keyNow.Swap(false))
		for i := range per {
			if !s.video && i > 0 {
				break
			}
			h := rtp.Header{Version: 2, SequenceNumber: seq, Marker: i == per-1}
			var payload []byte
			if s.video {
				h.Timestamp = uint32(frame) * 3000
				if s.h264 {
					nal := byte(0x41) // non-IDR slice
					if key {
						nal = 0x65 // IDR slice
					}
					payload = append([]byte{nal}, body(s.layer, frame, size)...)
				} else {
					payload = vp8Payload(frame, uint8(frame), 0, i == 0, key, body(s.layer, frame, size))
				}
			} else {
				h.Timestamp = uint32(frame) * 960
				payload = body(s.layer, frame, size)
			}
			for _, e := range s.ext {
				_ = h.SetExtension(e.id, e.value)
			}
			_ = s.track.WriteRTP(&rtp.Packet{Header: h, Payload: payload})
			seq++
		}
		s.frames.Add(1)
	}
}

// readRTCP answers the SFU's PLIs for this source's layer.
func (s *source) readRTCP(sender *webrtc.RTPSender, rid string) {
	for {
		var pkts []rtcp.Packet
		var err error
		if rid == "" {
			pkts, _, err = sender.ReadRTCP()
		} else {
			pkts, _, err = sender.ReadSimulcastRTCP(rid)
		}
		if err != nil {
			return
		}
		for _, p := range pkts {
			if _, ok := p.(*rtcp.PictureLossIndication); ok {
				s.plis.Add(1)
				s.keyNow.Store(true)
			}
		}
	}
}
