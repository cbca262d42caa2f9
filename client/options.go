package client

import (
	"crypto/tls"
	"log/slog"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// Defaults of the options.
const (
	DefaultEventBuffer    = 1024
	DefaultRequestTimeout = 10 * time.Second
	// DefaultPingInterval and DefaultPingTimeout apply when the server's
	// JoinResponse leaves them zero.
	DefaultPingInterval = 10 * time.Second
	DefaultPingTimeout  = 30 * time.Second
	// maxQueuedRequests bounds the requests waiting to be written.
	maxQueuedRequests = 4096
	// maxMessageSize bounds one signaling message in either direction: a
	// subscriber offer of a large room is a few hundred KiB.
	maxMessageSize = 4 << 20
	sdkName        = "go-sdk"
	sdkVersion     = "0.1.0"
)

// Option configures Connect.
type Option func(*config)

type config struct {
	autoSubscribe  bool
	eventBuffer    int
	requestTimeout time.Duration
	logger         *slog.Logger
	clientInfo     *parleypb.ClientInfo
	resumeToken    string
	tlsConfig      *tls.Config
	// reconnectWindow is how long a dropped session is resumed for; zero
	// disables resuming.
	reconnectWindow time.Duration

	iceServers    []webrtc.ICEServer
	iceServersSet bool
	icePolicy     *webrtc.ICETransportPolicy
	networkTypes  []webrtc.NetworkType
	loopback      *bool
	settingEngine func(*webrtc.SettingEngine)
	mediaEngine   func(*webrtc.MediaEngine, *interceptor.Registry) error
}

func defaultConfig() config {
	return config{
		autoSubscribe:   true,
		eventBuffer:     DefaultEventBuffer,
		requestTimeout:  DefaultRequestTimeout,
		reconnectWindow: DefaultReconnectWindow,
		logger:          slog.New(slog.DiscardHandler),
		clientInfo:      &parleypb.ClientInfo{Sdk: sdkName, Version: sdkVersion},
	}
}

// WithAutoSubscribe sets JoinRequest.auto_subscribe. On by default: the
// server subscribes the participant to every track as it is published.
func WithAutoSubscribe(on bool) Option { return func(c *config) { c.autoSubscribe = on } }

// WithEventBuffer sets how many events Room.Events holds for a slow reader
// (default DefaultEventBuffer); see Room.Events for what happens when it is
// full.
func WithEventBuffer(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.eventBuffer = n
		}
	}
}

// WithRequestTimeout bounds how long a call waits for the server's answer
// (PublishTrack waiting for TrackPublishedResponse). Default 10 s.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.requestTimeout = d
		}
	}
}

// WithLogger sets the logger for the SDK's diagnostics and pion's logs
// (never per packet; pion traces at slog.LevelDebug-4). The default
// discards.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithClientInfo describes the client in the JoinRequest ("loadtest",
// version). Default: sdk "go-sdk".
func WithClientInfo(sdk, version string) Option {
	return func(c *config) { c.clientInfo = &parleypb.ClientInfo{Sdk: sdk, Version: version} }
}

// WithResumeToken sends JoinRequest.resume_token with the first join. The
// server then takes over the participant that token belongs to (its
// PeerConnections included), so this is for a client that carries its
// media state over on its own; a Room resumes its own session by itself
// (see WithReconnect).
func WithResumeToken(token string) Option { return func(c *config) { c.resumeToken = token } }

// WithReconnect sets how long a Room tries to resume its session when its
// signaling connection drops (default DefaultReconnectWindow, the server's
// default resume grace): it reconnects with its resume token and keeps its
// participant, PeerConnections, tracks and subscriptions, reporting
// Reconnecting and Reconnected. Zero disables it: a dropped connection
// then ends the Room with Disconnected at once.
func WithReconnect(window time.Duration) Option {
	return func(c *config) {
		if window >= 0 {
			c.reconnectWindow = window
		}
	}
}

// WithTLSConfig sets the TLS configuration for grpcs://, wss:// and
// https:// URLs (e.g. a test CA). Default: system roots.
func WithTLSConfig(cfg *tls.Config) Option { return func(c *config) { c.tlsConfig = cfg } }

// WithICEServers replaces the ICE servers of the JoinResponse (an empty
// list means none). The SDK never adds a STUN server of its own.
func WithICEServers(servers ...webrtc.ICEServer) Option {
	return func(c *config) { c.iceServers, c.iceServersSet = servers, true }
}

// WithICETransportPolicy overrides the JoinResponse's policy, e.g.
// webrtc.ICETransportPolicyRelay to force TURN.
func WithICETransportPolicy(p webrtc.ICETransportPolicy) Option {
	return func(c *config) { c.icePolicy = &p }
}

// WithNetworkTypes restricts the candidate network types
// (webrtc.NetworkTypeUDP4, ...).
func WithNetworkTypes(types ...webrtc.NetworkType) Option {
	return func(c *config) { c.networkTypes = types }
}

// WithLoopback forces loopback mode on or off. By default it is on exactly
// when the server host is loopback (127.0.0.0/8, ::1, localhost): the
// PeerConnections then gather loopback candidates only, on loopback
// interfaces only, and accept only loopback remote candidates.
func WithLoopback(on bool) Option { return func(c *config) { c.loopback = &on } }

// WithSettingEngine adjusts pion's SettingEngine after the SDK's defaults
// (mDNS off, loopback filters) are applied, so it can override them.
func WithSettingEngine(f func(*webrtc.SettingEngine)) Option {
	return func(c *config) { c.settingEngine = f }
}

// WithMediaEngine replaces the default codec and interceptor setup
// (RegisterDefaultCodecs + RegisterDefaultInterceptors).
func WithMediaEngine(f func(*webrtc.MediaEngine, *interceptor.Registry) error) Option {
	return func(c *config) { c.mediaEngine = f }
}
