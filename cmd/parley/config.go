package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/parley-sfu/parley/server"
)

// serveFlags are the flags of `parley serve`; they override the
// environment, which overrides the config file.
type serveFlags struct {
	configFile  string
	dev         bool
	bind        string
	allowRemote bool
	httpPort    int
	grpcPort    int
	udpPort     int
	nodeIPs     string
	keys        string
	logLevel    string
	room        string
	nats        string
	turn        bool
}

func (f *serveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.configFile, "config", "", "YAML config file (env PARLEY_CONFIG)")
	fs.BoolVar(&f.dev, "dev", false, "dev mode: localhost only, dev credentials devkey/devsecret, guest tokens (env PARLEY_DEV=1)")
	fs.StringVar(&f.bind, "bind", "", "address HTTP, gRPC and media bind to (env PARLEY_BIND)")
	fs.BoolVar(&f.allowRemote, "allow-remote", false, "let dev mode bind beyond localhost")
	fs.IntVar(&f.httpPort, "http-port", 0, "HTTP port: web app, /signal, /healthz (default 7880, env PARLEY_HTTP_PORT)")
	fs.IntVar(&f.grpcPort, "grpc-port", 0, "gRPC port: Signal and RoomService (default 7890, env PARLEY_GRPC_PORT)")
	fs.IntVar(&f.udpPort, "udp-port", 0, "the one UDP port for all media (default 7882, env PARLEY_UDP_PORT)")
	fs.StringVar(&f.nodeIPs, "node-ip", "", "comma-separated IPs to advertise for 1:1 NAT (env PARLEY_NODE_IP)")
	fs.StringVar(&f.keys, "keys", "", "API keys as \"key: secret, key2: secret2\" (env PARLEY_KEYS)")
	fs.StringVar(&f.logLevel, "log-level", "", "debug, info, warn or error (env PARLEY_LOG_LEVEL)")
	fs.StringVar(&f.room, "room", "demo", "room whose URL dev mode prints")
	fs.StringVar(&f.nats, "nats", "", "NATS URL(s) of the cluster to join, e.g. nats://127.0.0.1:4222 (env PARLEY_NATS; other cascade settings in the config file)")
	fs.BoolVar(&f.turn, "turn", false, "run the embedded TURN server (UDP and TCP 3478; on localhost in dev mode) (env PARLEY_TURN=1)")
}

// loadConfig builds the server config: defaults, then the file, then the
// environment, then flags. Dev mode applies when asked for, or when nothing
// configures the node (no file and no keys).
func loadConfig(f *serveFlags, set map[string]bool, getenv func(string) string) (server.Config, error) {
	cfg := server.DefaultConfig()
	file := f.configFile
	if file == "" {
		file = getenv("PARLEY_CONFIG")
	}
	if file != "" {
		raw, err := os.ReadFile(file)
		if err != nil {
			return cfg, fmt.Errorf("config file: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil {
			return cfg, fmt.Errorf("config file %s: %w", file, err)
		}
	}
	if err := applyEnv(&cfg, getenv); err != nil {
		return cfg, err
	}
	if err := applyFlags(&cfg, f, set); err != nil {
		return cfg, err
	}
	if cfg.Dev || (file == "" && len(cfg.Keys) == 0) {
		cfg.ApplyDev()
	}
	return cfg, nil
}

func applyEnv(cfg *server.Config, getenv func(string) string) error {
	if v := getenv("PARLEY_DEV"); v != "" {
		dev, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("PARLEY_DEV: %w", err)
		}
		cfg.Dev = dev
	}
	if v := getenv("PARLEY_BIND"); v != "" {
		cfg.BindAddress, cfg.SFU.BindAddress = v, v
	}
	for name, dst := range map[string]*int{"PARLEY_HTTP_PORT": &cfg.HTTPPort, "PARLEY_GRPC_PORT": &cfg.GRPCPort, "PARLEY_UDP_PORT": &cfg.SFU.UDPPort} {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			*dst = n
		}
	}
	if v := getenv("PARLEY_NODE_IP"); v != "" {
		cfg.SFU.NodeIPs = splitList(v)
	}
	if v := getenv("PARLEY_KEYS"); v != "" {
		keys, err := parseKeys(v)
		if err != nil {
			return fmt.Errorf("PARLEY_KEYS: %w", err)
		}
		cfg.Keys = keys
	}
	if v := getenv("PARLEY_LOG_LEVEL"); v != "" {
		cfg.LogLevel = v
	}
	if v := getenv("PARLEY_NATS"); v != "" {
		cfg.Cascade.URL = v
	}
	if v := getenv("PARLEY_TURN"); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("PARLEY_TURN: %w", err)
		}
		cfg.TURN.Enabled = on
	}
	return nil
}

func applyFlags(cfg *server.Config, f *serveFlags, set map[string]bool) error {
	if set["dev"] {
		cfg.Dev = f.dev
	}
	if set["bind"] {
		cfg.BindAddress, cfg.SFU.BindAddress = f.bind, f.bind
	}
	if set["allow-remote"] {
		cfg.AllowRemote = f.allowRemote
	}
	if set["http-port"] {
		cfg.HTTPPort = f.httpPort
	}
	if set["grpc-port"] {
		cfg.GRPCPort = f.grpcPort
	}
	if set["udp-port"] {
		cfg.SFU.UDPPort = f.udpPort
	}
	if set["node-ip"] {
		cfg.SFU.NodeIPs = splitList(f.nodeIPs)
	}
	if set["keys"] {
		keys, err := parseKeys(f.keys)
		if err != nil {
			return fmt.Errorf("--keys: %w", err)
		}
		cfg.Keys = keys
	}
	if set["log-level"] {
		cfg.LogLevel = f.logLevel
	}
	if set["nats"] {
		cfg.Cascade.URL = f.nats
	}
	if set["turn"] {
		cfg.TURN.Enabled = f.turn
	}
	return nil
}

// parseKeys reads "key: secret, key2: secret2".
func parseKeys(s string) (map[string]string, error) {
	keys := map[string]string{}
	for _, pair := range splitList(s) {
		k, v, ok := strings.Cut(pair, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%q is not \"key: secret\"", pair)
		}
		keys[k] = v
	}
	return keys, nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
