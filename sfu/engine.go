package sfu

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// iceKeepalive is how often an idle ICE pair is refreshed.
const iceKeepalive = 2 * time.Second

// Engine is the media plane of one node: the shared pion API objects (one
// per PeerConnection role, because their interceptors differ), the single
// media UDP port, the packet buffer pool and the clock.
type Engine struct {
	cfg    Config
	opts   options
	logger *slog.Logger
	clock  *clock
	pool   *sync.Pool
	mux    ice.UDPMux
	addr   *net.UDPAddr
	socks  []net.PacketConn // the media port's sockets (socketstats.go)
	bursts *sendBursts      // batches their sends; nil when they cannot
	tcpMux ice.TCPMux       // nil without ICE-TCP
	tcp    *net.TCPAddr
	pubAPI *webrtc.API
	subAPI *webrtc.API
	wg     sync.WaitGroup // goroutines that outlive a PeerConnection's Close

	// relayPubAPI and relaySubAPI make node-to-node relays (relay.go).
	relayPubAPI, relaySubAPI *webrtc.API

	mu     sync.Mutex
	closed bool
	peers  map[io.Closer]struct{} // open publishers and subscribers
}

// NewEngine binds the media port and prepares the pion APIs.
func NewEngine(cfg Config, logger *slog.Logger, opts ...Option) (*Engine, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.net != nil {
		cfg.TCPPort = -1 // ICE-TCP listens on the host's network only
	}
	lf := pionLoggerFactory{logger: logger}
	mux, socks, err := listenUDPMux(cfg, &o, lf)
	if err != nil {
		return nil, err
	}
	addr := socks[0].LocalAddr().(*net.UDPAddr)
	e := &Engine{
		cfg:    cfg,
		opts:   o,
		logger: logger,
		clock:  newClock(),
		pool:   newPacketPool(),
		mux:    mux,
		addr:   addr,
		socks:  socks,
		bursts: newSendBursts(socks, cfg.SendQueue),
		peers:  map[io.Closer]struct{}{},
	}
	if e.tcpMux, e.tcp, err = listenTCPMux(cfg, lf); err != nil {
		_ = mux.Close()
		return nil, err
	}
	se, err := e.settingEngine(lf)
	if err == nil {
		// Node-to-node relays (cascade) stay on UDP; participants also get
		// ICE-TCP.
		err = e.initRelayAPIs(se)
	}
	if err == nil {
		e.addICETCP(&se)
		e.pubAPI, err = newAPI(se, true)
	}
	if err == nil {
		e.subAPI, err = newAPI(se, false)
	}
	if err != nil {
		_ = e.closeMuxes()
		return nil, err
	}
	logger.Info("media engine started", "udp", addr.String(), "ice_tcp", e.TCPAddr())
	e.checkSocketBuffers()
	return e, nil
}

func (e *Engine) closeMuxes() error {
	if e.tcpMux != nil {
		_ = e.tcpMux.Close()
	}
	return e.mux.Close()
}

// settingEngine applies the connectivity settings shared by both roles.
func (e *Engine) settingEngine(lf pionLoggerFactory) (webrtc.SettingEngine, error) {
	cfg := e.cfg
	var se webrtc.SettingEngine
	se.LoggerFactory = lf
	se.SetICEUDPMux(e.mux)
	// mDNS would send multicast off the box; candidates are plain IPs.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	se.SetICETimeouts(cfg.ICEDisconnectedTimeout, cfg.ICEFailedTimeout, iceKeepalive)
	se.SetSRTPProtectionProfiles(srtpProfiles()...)
	e.opts.applyNet(&se)
	if cfg.IncludeLoopback {
		se.SetIncludeLoopbackCandidate(true)
	}
	switch ip := net.ParseIP(cfg.BindAddress); {
	case ip != nil && ip.IsLoopback():
		// Dev mode and tests: advertise and use loopback only.
		se.SetInterfaceFilter(isLoopbackInterface)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	default:
		if len(cfg.Interfaces) > 0 || len(cfg.ExcludeInterfaces) > 0 {
			se.SetInterfaceFilter(func(name string) bool { return interfaceAllowed(cfg, net.Interface{Name: name}) })
		}
		if f := cfg.ipFilter(); !f.empty() {
			se.SetIPFilter(f.keep)
		}
	}
	if len(cfg.NodeIPs) > 0 {
		// 1:1 NAT: advertise the node's public addresses instead of the
		// interface ones (the old SetNAT1To1IPs with host candidates).
		err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External:        cfg.NodeIPs,
			AsCandidateType: webrtc.ICECandidateTypeHost,
			Mode:            webrtc.ICEAddressRewriteReplace,
		})
		if err != nil {
			return se, fmt.Errorf("%w: node_ips: %w", ErrInvalidConfig, err)
		}
	}
	return se, nil
}

// addICETCP adds passive ICE-TCP on the shared TCP port, when it is on.
func (e *Engine) addICETCP(se *webrtc.SettingEngine) {
	if e.tcpMux == nil {
		return
	}
	se.SetICETCPMux(e.tcpMux)
	se.SetNetworkTypes([]webrtc.NetworkType{
		webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6, webrtc.NetworkTypeTCP4, webrtc.NetworkTypeTCP6,
	})
}

// newAPI returns the pion API of a role.
func newAPI(se webrtc.SettingEngine, publisher bool) (*webrtc.API, error) {
	me, err := newMediaEngine(publisher)
	if err != nil {
		return nil, err
	}
	interceptors := subscriberInterceptors
	if publisher {
		interceptors = publisherInterceptors
	}
	reg, err := interceptors()
	if err != nil {
		return nil, err
	}
	return webrtc.NewAPI(
		webrtc.WithSettingEngine(se),
		webrtc.WithMediaEngine(me),
		webrtc.WithInterceptorRegistry(reg),
	), nil
}

// UDPAddr returns the media port actually bound.
func (e *Engine) UDPAddr() *net.UDPAddr {
	a := *e.addr
	return &a
}

// UDPAddrs returns every address the media port is bound on (one per
// interface address when no BindAddress is set).
func (e *Engine) UDPAddrs() []*net.UDPAddr {
	var out []*net.UDPAddr
	for _, a := range e.mux.GetListenAddresses() {
		if u, ok := a.(*net.UDPAddr); ok {
			c := *u
			out = append(out, &c)
		}
	}
	return out
}

// TCPAddr returns the ICE-TCP port actually bound, nil without ICE-TCP.
func (e *Engine) TCPAddr() *net.TCPAddr {
	if e.tcp == nil {
		return nil
	}
	a := *e.tcp
	return &a
}

// Close closes every open publisher and subscriber, then the media port.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	peers := make([]io.Closer, 0, len(e.peers))
	for p := range e.peers {
		peers = append(peers, p)
	}
	e.mu.Unlock()
	for _, p := range peers {
		_ = p.Close()
	}
	e.wg.Wait()
	return e.closeMuxes()
}

// track registers an open peer; false if the engine is closed.
func (e *Engine) track(p io.Closer) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.peers[p] = struct{}{}
	return true
}

// PeerConnections returns how many publisher and subscriber connections are
// open.
func (e *Engine) PeerConnections() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.peers)
}

func (e *Engine) untrack(p io.Closer) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.peers, p)
}

// newPeerConnection creates a PeerConnection of a role, for a client or,
// with relay set, for a node-to-node relay.
func (e *Engine) newPeerConnection(publisher, relay bool) (*webrtc.PeerConnection, error) {
	api := e.subAPI
	switch {
	case publisher && relay:
		api = e.relayPubAPI
	case publisher:
		api = e.pubAPI
	case relay:
		api = e.relaySubAPI
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{
		BundlePolicy:  webrtc.BundlePolicyMaxBundle,
		RTCPMuxPolicy: webrtc.RTCPMuxPolicyRequire,
	})
	if err != nil {
		return nil, fmt.Errorf("new peer connection: %w", err)
	}
	return pc, nil
}

// cacheSize returns the packet cache size for a kind: audio (which is
// rarely NACKed and has small packets at 50 per second) keeps fewer.
func (e *Engine) cacheSize(kind webrtc.RTPCodecType) int {
	if kind == webrtc.RTPCodecTypeAudio {
		return max(64, e.cfg.PacketCacheSize/8)
	}
	return e.cfg.PacketCacheSize
}
