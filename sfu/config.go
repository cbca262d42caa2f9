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
	// Congestion configures the per-subscriber bandwidth estimation and
	// allocation.
	Congestion CongestionConfig `yaml:"congestion"`
	// Dynacast tells publishers to stop sending simulcast layers no
	// subscriber needs.
	Dynacast bool `yaml:"dynacast"`
	// SocketBuffer is the receive and send buffer asked for the media
	// port's sockets, in bytes (0: the kernel's default, about 208 KiB on
	// Linux, which a hundred subscribers' keyframe burst overflows). Linux
	// caps it at net.core.rmem_max / wmem_max unless the process has
	// CAP_NET_ADMIN; the engine logs what it got.
	SocketBuffer int `yaml:"socket_buffer"`
	// SendQueue is the number of datagrams each media socket can queue
	// while a packet is fanned out to its subscribers, to send them with
	// a few sendmmsg system calls instead of one sendto each (Linux; a
	// power of two in [64, 8192], about 1.5 KB each); 0 sends every
	// datagram with its own call.
	SendQueue int `yaml:"send_queue"`
}

// CongestionConfig configures send-side congestion control.
type CongestionConfig struct {
	// Enabled estimates each subscriber's bandwidth (transport-wide
	// feedback, REMB) and fits its video into it; when false every
	// subscriber gets the layers its preferences ask for.
	Enabled bool `yaml:"enabled"`
	// StartBitrate is the estimate before any feedback; MinBitrate and
	// MaxBitrate bound it. Bits per second.
	StartBitrate uint64 `yaml:"start_bitrate"`
	MinBitrate   uint64 `yaml:"min_bitrate"`
	MaxBitrate   uint64 `yaml:"max_bitrate"`
	// Probing sends padding to find out whether a higher layer fits before
	// switching to it (see prober.go).
	Probing bool `yaml:"probing"`
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
		Congestion: CongestionConfig{
			Enabled:      true,
			StartBitrate: 1_000_000,
			MinBitrate:   30_000,
			MaxBitrate:   20_000_000,
			Probing:      true,
		},
		Dynacast:     true,
		SocketBuffer: 4 << 20,
		SendQueue:    512,
	}
}

// validate reports settings the engine cannot run with.
func (c Config) validate() error {
	n := c.PacketCacheSize
	if n < 64 || n > 32768 || n&(n-1) != 0 {
		return fmt.Errorf("%w: packet_cache_size %d is not a power of two in [64, 32768]", ErrInvalidConfig, n)
	}
	if q := c.SendQueue; q != 0 && (q < 64 || q > 8192 || q&(q-1) != 0) {
		return fmt.Errorf("%w: send_queue %d is not 0 or a power of two in [64, 8192]", ErrInvalidConfig, q)
	}
	if c.SocketBuffer < 0 || c.SocketBuffer > 1<<30 {
		return fmt.Errorf("%w: socket_buffer %d out of range", ErrInvalidConfig, c.SocketBuffer)
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
	if cc := c.Congestion; cc.Enabled && (cc.MinBitrate == 0 || cc.MinBitrate > cc.StartBitrate || cc.StartBitrate > cc.MaxBitrate) {
		return fmt.Errorf("%w: congestion bitrates must satisfy 0 < min <= start <= max", ErrInvalidConfig)
	}
	return c.ICEConfig.validate()
}

func (c CongestionConfig) limits() estimatorLimits {
	return estimatorLimits{start: float64(c.StartBitrate), min: float64(c.MinBitrate), max: float64(c.MaxBitrate)}
}
