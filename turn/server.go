package turn

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/pion/turn/v4"

	"github.com/parley-sfu/parley/auth"
)

// Options are the collaborators of a [Server].
type Options struct {
	// Exempt are the SFU's media addresses: relays may reach them although
	// they are loopback or private.
	Exempt []netip.AddrPort
	Logger *slog.Logger
	// Now is the clock of credential expiry; nil means time.Now.
	Now func() time.Time
}

// Server is a running embedded TURN server.
type Server struct {
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
	stats *counters
	turn  *turn.Server

	udp      net.PacketConn
	tcp, tls net.Listener
}

// New validates cfg, opens the listeners and starts serving.
func New(cfg Config, opts Options) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{cfg: cfg, log: opts.Logger, now: opts.Now, stats: &counters{}}
	if err := s.listen(); err != nil {
		s.closeListeners()
		return nil, err
	}
	allow, _ := parsePrefixes(cfg.AllowPeers) // validated
	policy := newPeerPolicy(allow, opts.Exempt, s.listenAddrs())
	g := &gate{secret: cfg.Secret, realm: cfg.Realm, now: opts.Now, policy: policy, stats: s.stats}
	quota := newUserQuota(cfg.MaxAllocationsPerUser, s.stats)
	bind := cfg.BindAddress
	if bind == "" {
		bind = "0.0.0.0"
	}
	relays := &relayGenerator{
		relayIP:  net.ParseIP(cfg.RelayAddress).To4(),
		bindHost: bind,
		minPort:  cfg.RelayPortMin,
		maxPort:  cfg.RelayPortMax,
		max:      int64(cfg.MaxAllocations),
		bitrate:  cfg.MaxAllocationBitrate,
		policy:   policy,
		stats:    s.stats,
		now:      opts.Now,
	}
	permit := func(_ net.Addr, peer net.IP) bool {
		if policy.permitIP(ipOf(peer)) {
			return true
		}
		s.stats.permissionsRefused.Add(1)
		return false
	}
	sc := turn.ServerConfig{
		Realm:         cfg.Realm,
		AuthHandler:   g.authHandler,
		QuotaHandler:  quota.allow,
		LoggerFactory: pionLogs{log: s.log.With("component", "turn")},
		EventHandler: turn.EventHandler{
			OnAllocationCreated: quota.created,
			OnAllocationDeleted: quota.deleted,
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            &gatedPacketConn{PacketConn: s.udp, gate: g},
			RelayAddressGenerator: relays,
			PermissionHandler:     permit,
		}},
	}
	for _, l := range []net.Listener{s.tcp, s.tls} {
		if l != nil {
			sc.ListenerConfigs = append(sc.ListenerConfigs, turn.ListenerConfig{
				Listener:              newGatedListener(l, g),
				RelayAddressGenerator: relays,
				PermissionHandler:     permit,
			})
		}
	}
	ts, err := turn.NewServer(sc)
	if err != nil {
		s.closeListeners()
		return nil, fmt.Errorf("turn server: %w", err)
	}
	s.turn = ts
	s.log.Info("TURN server started", "udp", s.udp.LocalAddr().String(), "tcp", s.tcp.Addr().String(),
		"tls", s.TLSAddr(), "relay", cfg.RelayAddress, "urls", s.URLs())
	return s, nil
}

// listen opens the UDP, TCP and (when configured) TLS listeners.
func (s *Server) listen() error {
	host := s.cfg.BindAddress
	var err error
	if s.udp, err = net.ListenPacket("udp", net.JoinHostPort(host, strconv.Itoa(s.cfg.UDPPort))); err != nil {
		return fmt.Errorf("TURN UDP port: %w", err)
	}
	if s.tcp, err = net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(s.cfg.TCPPort))); err != nil {
		return fmt.Errorf("TURN TCP port: %w", err)
	}
	if !s.cfg.TLS() {
		return nil
	}
	cert, err := tls.LoadX509KeyPair(s.cfg.CertFile, s.cfg.KeyFile)
	if err != nil {
		return fmt.Errorf("%w: TURN TLS certificate: %w", ErrInvalidConfig, err)
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(s.cfg.TLSPort)))
	if err != nil {
		return fmt.Errorf("TURN TLS port: %w", err)
	}
	s.tls = tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	return nil
}

func (s *Server) closeListeners() {
	if s.udp != nil {
		_ = s.udp.Close()
	}
	for _, l := range []net.Listener{s.tcp, s.tls} {
		if l != nil {
			_ = l.Close()
		}
	}
}

// listenAddrs are the server's own addresses, which relays must not reach.
func (s *Server) listenAddrs() []netip.AddrPort {
	var out []netip.AddrPort
	for _, a := range []net.Addr{s.udp.LocalAddr(), s.tcp.Addr(), s.tlsAddr()} {
		if a == nil {
			continue
		}
		if ap, ok := addrPortOf(a); ok {
			out = append(out, ap)
		}
	}
	return out
}

func (s *Server) tlsAddr() net.Addr {
	if s.tls == nil {
		return nil
	}
	return s.tls.Addr()
}

// Close stops serving: listeners, connections and every allocation.
func (s *Server) Close() error {
	if s.turn == nil {
		return ErrClosed
	}
	err := s.turn.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// UDPAddr is the TURN-over-UDP address actually bound.
func (s *Server) UDPAddr() *net.UDPAddr { return s.udp.LocalAddr().(*net.UDPAddr) }

// TCPAddr is the TURN-over-TCP address actually bound.
func (s *Server) TCPAddr() *net.TCPAddr { return s.tcp.Addr().(*net.TCPAddr) }

// TLSAddr is the TURN-over-TLS address, "" without TLS.
func (s *Server) TLSAddr() string {
	if a := s.tlsAddr(); a != nil {
		return a.String()
	}
	return ""
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// URLs are the turn:/turns: URLs of the embedded server for clients, then
// Config.ExternalURLs.
func (s *Server) URLs() []string {
	host := s.cfg.host()
	port := func(a net.Addr) string {
		_, p, _ := net.SplitHostPort(a.String())
		return p
	}
	urls := []string{
		"turn:" + net.JoinHostPort(host, port(s.udp.LocalAddr())) + "?transport=udp",
		"turn:" + net.JoinHostPort(host, port(s.tcp.Addr())) + "?transport=tcp",
	}
	if a := s.tlsAddr(); a != nil {
		urls = append(urls, "turns:"+net.JoinHostPort(host, port(a))+"?transport=tcp")
	}
	return append(urls, s.cfg.ExternalURLs...)
}

// Credentials mints credentials for identity, valid for CredentialTTL.
func (s *Server) Credentials(identity string) (username, password string) {
	return s.cfg.Credentials(identity, s.now())
}

// Credentials mints TURN REST credentials for identity, valid for
// CredentialTTL after now, for the embedded server and ExternalURLs alike.
func (c Config) Credentials(identity string, now time.Time) (username, password string) {
	return auth.TURNCredentials(c.Secret, identity, c.CredentialTTL, now)
}
