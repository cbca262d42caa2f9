package server

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/parley-sfu/parley/signaling"
	"github.com/parley-sfu/parley/turn"
)

// applyDevTURN keeps a dev-mode TURN server on localhost: it listens,
// relays and is reached on the bind address.
func (c *Config) applyDevTURN() {
	for _, a := range []*string{&c.TURN.BindAddress, &c.TURN.RelayAddress, &c.TURN.Host} {
		if *a == "" {
			*a = c.BindAddress
		}
	}
}

// devAddresses are the addresses dev mode must keep on localhost.
func (c *Config) devAddresses() []string {
	addrs := []string{c.BindAddress, c.SFU.BindAddress}
	if c.TURN.Enabled {
		addrs = append(addrs, c.TURN.BindAddress, c.TURN.RelayAddress)
	}
	return addrs
}

// TURNSecret is the secret TURN credentials are signed with: turn.secret,
// else the dev key's API secret, else that of the first API key in sorted
// order (so that `parley turn credentials --config` agrees with the node).
func (c *Config) TURNSecret() string {
	if c.TURN.Secret != "" {
		return c.TURN.Secret
	}
	if s, ok := c.Keys[DevAPIKey]; ok {
		return s
	}
	keys := slices.Sorted(maps.Keys(c.Keys))
	if len(keys) == 0 {
		return ""
	}
	return c.Keys[keys[0]]
}

// turnConfig completes the TURN config from the node's: the API secret
// signs the credentials unless turn.secret is set, and the relay address
// defaults to the first IPv4 node IP, then to the TURN bind address.
func (c *Config) turnConfig() (turn.Config, error) {
	t := c.TURN
	t.Secret = c.TURNSecret()
	if t.RelayAddress == "" {
		for _, ip := range c.SFU.NodeIPs {
			if p := net.ParseIP(ip); p != nil && p.To4() != nil {
				t.RelayAddress = ip
				break
			}
		}
	}
	if t.RelayAddress == "" {
		if ip := net.ParseIP(t.BindAddress); ip != nil && !ip.IsUnspecified() {
			t.RelayAddress = t.BindAddress
		}
	}
	if t.Enabled && t.RelayAddress == "" {
		return t, errors.New("turn.relay_address is needed when the TURN server binds to all interfaces and no node_ip is set: it is the address relays are reached at")
	}
	return t, nil
}

// startTURN starts the embedded TURN server; the SFU's media addresses
// stay reachable through it however the relay policy is set.
func (s *Server) startTURN(cfg turn.Config) error {
	var exempt []netip.AddrPort
	for _, a := range s.engine.UDPAddrs() {
		exempt = append(exempt, a.AddrPort())
	}
	port := uint16(s.engine.UDPAddr().Port)
	for _, ip := range s.cfg.SFU.NodeIPs {
		if a, err := netip.ParseAddr(ip); err == nil {
			exempt = append(exempt, netip.AddrPortFrom(a, port))
		}
	}
	t, err := turn.New(cfg, turn.Options{Exempt: exempt, Logger: s.log})
	if err != nil {
		return fmt.Errorf("TURN server: %w", err)
	}
	s.turn = t
	return nil
}

// iceServers are the TURN servers handed to identity in its JoinResponse,
// with credentials minted for it at every join and resume: the embedded
// server's URLs and the external ones sharing its secret.
func (s *Server) iceServers(cfg turn.Config) func(identity string) []signaling.ICEServer {
	urls := cfg.ExternalURLs
	if s.turn != nil {
		urls = s.turn.URLs()
	}
	if len(urls) == 0 {
		return nil
	}
	return func(identity string) []signaling.ICEServer {
		u, p := cfg.Credentials(identity, time.Now())
		return []signaling.ICEServer{{URLs: urls, Username: u, Credential: p}}
	}
}

// TURN returns the embedded TURN server, nil when it is off.
func (s *Server) TURN() *turn.Server { return s.turn }
