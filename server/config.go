package server

import (
	"errors"
	"fmt"
	"net"

	"github.com/parley-sfu/parley/cascade"
	"github.com/parley-sfu/parley/room"
	"github.com/parley-sfu/parley/sfu"
	"github.com/parley-sfu/parley/signaling"
	"github.com/parley-sfu/parley/turn"
)

// Dev-mode credentials, fixed so scripts can use them.
const (
	DevAPIKey    = "devkey"
	DevAPISecret = "devsecret"
)

// Config is everything one node needs; its YAML form is the config file.
type Config struct {
	// Dev selects dev mode: loopback only, dev credentials, guest tokens.
	Dev bool `yaml:"dev"`
	// BindAddress is where HTTP and gRPC listen ("" = all interfaces).
	BindAddress string `yaml:"bind_address"`
	// AllowRemote lets dev mode bind beyond localhost.
	AllowRemote bool `yaml:"allow_remote"`
	HTTPPort    int  `yaml:"http_port"`
	GRPCPort    int  `yaml:"grpc_port"`
	// NodeID names this node; a random one when empty.
	NodeID string `yaml:"node_id"`
	// Keys maps API keys to their secrets.
	Keys map[string]string `yaml:"keys"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// PProf serves Go's profiler at /debug/pprof/ on the HTTP port (always
	// on in dev mode, which is localhost only).
	PProf bool `yaml:"pprof"`

	SFU       sfu.Config       `yaml:"rtc"`
	Room      room.Config      `yaml:"room"`
	Signaling signaling.Config `yaml:"signaling"`
	// Cascade joins a cluster of nodes over NATS when its URL is set.
	Cascade cascade.Config `yaml:"cascade"`
	// TURN is the embedded TURN server (off by default) and the external
	// TURN servers that share its secret; see turnconfig.go.
	TURN turn.Config `yaml:"turn"`
}

// DefaultConfig returns production defaults: all interfaces, no keys (they
// must be configured), no guest tokens.
func DefaultConfig() Config {
	return Config{
		HTTPPort:  7880,
		GRPCPort:  7890,
		LogLevel:  "info",
		SFU:       sfu.DefaultConfig(),
		Room:      room.DefaultConfig(),
		Signaling: signaling.DefaultConfig(),
		Cascade:   cascade.DefaultConfig(),
		TURN:      turn.DefaultConfig(),
	}
}

// DevConfig returns dev-mode defaults: localhost only, the dev credentials,
// guest tokens for the web app and loopback ICE candidates.
func DevConfig() Config {
	c := DefaultConfig()
	c.ApplyDev()
	return c
}

// ApplyDev turns c into a dev-mode config, keeping ports and other settings.
func (c *Config) ApplyDev() {
	c.Dev = true
	if c.BindAddress == "" {
		c.BindAddress = "127.0.0.1"
	}
	if c.SFU.BindAddress == "" {
		c.SFU.BindAddress = c.BindAddress
	}
	if len(c.Keys) == 0 {
		c.Keys = map[string]string{DevAPIKey: DevAPISecret}
	}
	c.SFU.IncludeLoopback = true
	c.Signaling.GuestTokens = true
	c.applyDevTURN()
}

// Validate reports settings that cannot work.
func (c *Config) Validate() error {
	if len(c.Keys) == 0 {
		return errors.New("no API keys configured: set keys in the config file or PARLEY_KEYS (\"key: secret\"), or use --dev")
	}
	for k, s := range c.Keys {
		if k == "" || len(s) < 8 {
			return fmt.Errorf("API key %q needs a secret of at least 8 characters", k)
		}
	}
	if c.Dev && !c.AllowRemote {
		for _, addr := range c.devAddresses() {
			if !isLoopback(addr) {
				return fmt.Errorf("dev mode binds to localhost only; %q is not (pass --allow-remote to bind beyond it)", addr)
			}
		}
	}
	for _, p := range []int{c.HTTPPort, c.GRPCPort, c.SFU.UDPPort} {
		if p < 0 || p > 65535 {
			return fmt.Errorf("port %d out of range", p)
		}
	}
	if c.Signaling.GuestTokens && !c.Dev {
		return errors.New("guest tokens are a dev-mode feature")
	}
	return nil
}

func isLoopback(addr string) bool {
	if addr == "localhost" {
		return true
	}
	ip := net.ParseIP(addr)
	return ip != nil && ip.IsLoopback()
}

// guestKey picks the key guest tokens are signed with.
func (c *Config) guestKey() string {
	if _, ok := c.Keys[DevAPIKey]; ok {
		return DevAPIKey
	}
	for k := range c.Keys {
		return k
	}
	return ""
}
