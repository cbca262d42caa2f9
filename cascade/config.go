package cascade

import (
	"crypto/tls"
	"fmt"
	"regexp"
	"time"

	"github.com/nats-io/nats.go"
)

// Config configures a [Node]. Start from [DefaultConfig]; an empty URL
// means no cluster (the node runs alone).
type Config struct {
	// URL lists the NATS servers, comma-separated ("nats://host:4222").
	URL string `yaml:"url"`
	// SubjectPrefix starts every subject, so that clusters can share a
	// NATS deployment.
	SubjectPrefix string `yaml:"subject_prefix"`

	// Authentication: a credentials file (user JWT and NKey seed, as nsc
	// writes it), an NKey seed file, a user and password, or a token.
	CredentialsFile string `yaml:"credentials_file"`
	NKeySeedFile    string `yaml:"nkey_seed_file"`
	User            string `yaml:"user"`
	Password        string `yaml:"password"`
	Token           string `yaml:"token"`
	// TLS to the NATS servers.
	TLS TLSConfig `yaml:"tls"`

	// HeartbeatInterval is how often the node says it is alive (with its
	// load); NodeTimeout is how long a silent node is considered alive.
	HeartbeatInterval time.Duration `yaml:"heartbeat_interval"`
	NodeTimeout       time.Duration `yaml:"node_timeout"`
	// RequestTimeout bounds requests to other nodes.
	RequestTimeout time.Duration `yaml:"request_timeout"`
	// ReconnectWait is the pause between attempts to reach NATS.
	ReconnectWait time.Duration `yaml:"reconnect_wait"`
	// LayerLinger keeps a layer on a relay this long after its last
	// subscriber stopped needing it.
	LayerLinger time.Duration `yaml:"layer_linger"`
	// RelayIdleTimeout closes a relay that carried nothing this long.
	RelayIdleTimeout time.Duration `yaml:"relay_idle_timeout"`
}

// TLSConfig is the TLS setup of the NATS connection.
type TLSConfig struct {
	// Enabled requires TLS even without files (system roots).
	Enabled bool `yaml:"enabled"`
	// CAFile verifies the servers; CertFile and KeyFile authenticate this
	// node (mutual TLS).
	CAFile   string `yaml:"ca_file"`
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// DefaultConfig returns the defaults: no cluster until URL is set.
func DefaultConfig() Config {
	return Config{
		SubjectPrefix:     "parley",
		HeartbeatInterval: time.Second,
		NodeTimeout:       4 * time.Second,
		RequestTimeout:    3 * time.Second,
		ReconnectWait:     500 * time.Millisecond,
		LayerLinger:       2 * time.Second,
		RelayIdleTimeout:  30 * time.Second,
	}
}

// Enabled reports whether the node joins a cluster.
func (c Config) Enabled() bool { return c.URL != "" }

// subjectToken matches what may stand in one subject token: node ids and
// the prefix's parts.
var subjectToken = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func (c Config) validate(nodeID string) error {
	if !subjectToken.MatchString(nodeID) {
		return fmt.Errorf("%w: node id %q may only hold letters, digits, '-' and '_'", ErrInvalidConfig, nodeID)
	}
	prefix := regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
	if !prefix.MatchString(c.SubjectPrefix) {
		return fmt.Errorf("%w: subject prefix %q is not a NATS subject of plain tokens", ErrInvalidConfig, c.SubjectPrefix)
	}
	if c.HeartbeatInterval <= 0 || c.NodeTimeout < 2*c.HeartbeatInterval {
		return fmt.Errorf("%w: node_timeout must be at least two heartbeat intervals", ErrInvalidConfig)
	}
	if c.RequestTimeout <= 0 || c.ReconnectWait <= 0 || c.LayerLinger < 0 || c.RelayIdleTimeout <= 0 {
		return fmt.Errorf("%w: timeouts must be positive", ErrInvalidConfig)
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		return fmt.Errorf("%w: tls cert_file and key_file go together", ErrInvalidConfig)
	}
	auth := 0
	for _, set := range []bool{c.CredentialsFile != "", c.NKeySeedFile != "", c.User != "", c.Token != ""} {
		if set {
			auth++
		}
	}
	if auth > 1 {
		return fmt.Errorf("%w: choose one of credentials_file, nkey_seed_file, user/password and token", ErrInvalidConfig)
	}
	return nil
}

// natsOptions turns the config into nats.go options for node nodeID.
// The connection never gives up: it retries the first connection and
// reconnects forever, buffering what is published meanwhile.
func (c Config) natsOptions(nodeID string) ([]nats.Option, error) {
	opts := []nats.Option{
		nats.Name("parley " + nodeID),
		nats.NoEcho(),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(c.ReconnectWait),
		nats.ReconnectJitter(c.ReconnectWait/5, c.ReconnectWait/5),
		nats.Timeout(c.RequestTimeout),
		nats.PingInterval(c.HeartbeatInterval * 2),
		nats.MaxPingsOutstanding(2),
	}
	switch {
	case c.CredentialsFile != "":
		opts = append(opts, nats.UserCredentials(c.CredentialsFile))
	case c.NKeySeedFile != "":
		opt, err := nats.NkeyOptionFromSeed(c.NKeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("%w: nkey seed: %w", ErrInvalidConfig, err)
		}
		opts = append(opts, opt)
	case c.User != "":
		opts = append(opts, nats.UserInfo(c.User, c.Password))
	case c.Token != "":
		opts = append(opts, nats.Token(c.Token))
	}
	if c.TLS.Enabled || c.TLS.CAFile != "" || c.TLS.CertFile != "" {
		opts = append(opts, nats.Secure(&tls.Config{MinVersion: tls.VersionTLS12}))
	}
	if c.TLS.CAFile != "" {
		opts = append(opts, nats.RootCAs(c.TLS.CAFile))
	}
	if c.TLS.CertFile != "" {
		opts = append(opts, nats.ClientCert(c.TLS.CertFile, c.TLS.KeyFile))
	}
	return opts, nil
}
