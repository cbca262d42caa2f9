package sfu

import (
	"fmt"
	"time"
)

// Config configures an [Engine]. Start from [DefaultConfig].
type Config struct {
	// UDPPort is the one UDP port all PeerConnections share (ICE UDP mux).
	// Zero picks a free port (tests).
	UDPPort int `yaml:"udp_port"`
	// BindAddress is the address the media port binds to; "127.0.0.1" in
	// dev mode, "" (all interfaces) in production.
	BindAddress string `yaml:"bind_address"`
	// NodeIPs are advertised instead of the interface addresses (1:1 NAT).
	NodeIPs []string `yaml:"node_ips"`
	// IncludeLoopback advertises loopback candidates (dev mode, tests).
	IncludeLoopback bool `yaml:"include_loopback"`
	// Interfaces, when set, restricts candidates to these interface names.
	Interfaces []string `yaml:"interfaces"`
	// PacketCacheSize is the number of packets kept per layer for
	// retransmission; a power of two.
	PacketCacheSize int `yaml:"packet_cache_size"`
	// PLIThrottle is the shortest interval between two keyframe requests
	// sent to a publisher for the same layer.
	PLIThrottle time.Duration `yaml:"pli_throttle"`
	// ICEDisconnectedTimeout and ICEFailedTimeout tune how fast a dead
	// transport is noticed.
	ICEDisconnectedTimeout time.Duration `yaml:"ice_disconnected_timeout"`
	ICEFailedTimeout       time.Duration `yaml:"ice_failed_timeout"`
	// RelayPortMin and RelayPortMax bound the UDP ports of node-to-node
	// relays (cascade); zero means any ephemeral port. Each relay has its
	// own port: relays between two nodes cannot share their media ports.
	RelayPortMin uint16 `yaml:"relay_port_min"`
	RelayPortMax uint16 `yaml:"relay_port_max"`
	// ICEConfig: ICE-TCP and the interface and IP filters.
	ICEConfig `yaml:",inline"`
}

// DefaultConfig returns the production defaults.
func DefaultConfig() Config {
	return Config{
		UDPPort:                7882,
		PacketCacheSize:        1024,
		PLIThrottle:            500 * time.Millisecond,
		ICEDisconnectedTimeout: 5 * time.Second,
		ICEFailedTimeout:       10 * time.Second,
		ICEConfig:              defaultICEConfig(),
	}
}

// validate reports settings the engine cannot run with.
func (c Config) validate() error {
	n := c.PacketCacheSize
	if n < 64 || n > 32768 || n&(n-1) != 0 {
		return fmt.Errorf("%w: packet_cache_size %d is not a power of two in [64, 32768]", ErrInvalidConfig, n)
	}
	if c.UDPPort < 0 || c.UDPPort > 65535 {
		return fmt.Errorf("%w: udp_port %d out of range", ErrInvalidConfig, c.UDPPort)
	}
	if c.RelayPortMax < c.RelayPortMin || (c.RelayPortMin == 0) != (c.RelayPortMax == 0) {
		return fmt.Errorf("%w: relay ports %d-%d are not a range", ErrInvalidConfig, c.RelayPortMin, c.RelayPortMax)
	}
	if c.PLIThrottle < 0 || c.ICEDisconnectedTimeout <= 0 || c.ICEFailedTimeout <= 0 {
		return fmt.Errorf("%w: negative PLI throttle or non-positive ICE timeouts", ErrInvalidConfig)
	}
	return c.ICEConfig.validate()
}
