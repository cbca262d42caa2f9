package turn

import (
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Config configures the embedded TURN server. Start from [DefaultConfig].
type Config struct {
	// Enabled starts the embedded server.
	Enabled bool `yaml:"enabled"`
	// BindAddress is where the listeners and relay sockets bind; "" means
	// all interfaces.
	BindAddress string `yaml:"bind_address"`
	// UDPPort and TCPPort are the plain TURN ports (RFC 5766 over UDP and
	// over TCP). Zero picks a free port (tests).
	UDPPort int `yaml:"udp_port"`
	TCPPort int `yaml:"tcp_port"`
	// TLSPort serves TURN over TLS ("turns:") when CertFile and KeyFile are
	// set. Zero picks a free port.
	TLSPort  int    `yaml:"tls_port"`
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// Host is the name or IP clients reach the server at, used in the
	// turn:/turns: URLs handed to them (and the name on the certificate).
	// Empty means RelayAddress.
	Host string `yaml:"host"`
	// Realm is the STUN realm of the long-term credentials.
	Realm string `yaml:"realm"`
	// RelayAddress is the IP advertised as the relayed address: the public
	// IP behind a 1:1 NAT, or the bind address. Required when BindAddress
	// is empty and no node IP is configured (the server package fills it).
	RelayAddress string `yaml:"relay_address"`
	// RelayPortMin and RelayPortMax bound the relay sockets' ports
	// (inclusive); both zero lets the system pick.
	RelayPortMin int `yaml:"relay_port_min"`
	RelayPortMax int `yaml:"relay_port_max"`
	// Secret signs the ephemeral credentials (coturn static-auth-secret).
	// Empty means the node's API secret (the server package fills it).
	Secret string `yaml:"secret"`
	// CredentialTTL is how long minted credentials stay valid. Allocations
	// are refreshed with the same credentials, so it must outlast a
	// meeting; clients get fresh ones on every join and resume.
	CredentialTTL time.Duration `yaml:"credential_ttl"`
	// AllowPeers lists CIDRs (e.g. "10.0.0.0/8", "127.0.0.0/8") that peers
	// may be in although they are loopback, private, link-local, multicast
	// or unspecified.
	AllowPeers []string `yaml:"allow_peers"`
	// MaxAllocationsPerUser caps the live allocations of one identity (a
	// browser uses up to one per TURN URL per PeerConnection).
	MaxAllocationsPerUser int `yaml:"max_allocations_per_user"`
	// MaxAllocations caps the live allocations of the server.
	MaxAllocations int `yaml:"max_allocations"`
	// MaxAllocationBitrate caps the bits per second one allocation relays,
	// both directions together; zero means no cap.
	MaxAllocationBitrate int64 `yaml:"max_allocation_bitrate"`
	// ExternalURLs are turn:/turns: URLs of other TURN servers that share
	// Secret (coturn use-auth-secret); clients get them with the same
	// credentials, beside the embedded server or instead of it.
	ExternalURLs []string `yaml:"external_urls"`
}

// DefaultConfig returns the production defaults (disabled).
func DefaultConfig() Config {
	return Config{
		UDPPort:               3478,
		TCPPort:               3478,
		TLSPort:               5349,
		Realm:                 "parley",
		RelayPortMin:          30000,
		RelayPortMax:          40000,
		CredentialTTL:         24 * time.Hour,
		MaxAllocationsPerUser: 16,
		MaxAllocations:        4096,
		MaxAllocationBitrate:  20_000_000,
	}
}

// TLS reports whether the TLS listener is configured.
func (c Config) TLS() bool { return c.CertFile != "" || c.KeyFile != "" }

// validate reports settings the server cannot run with.
func (c Config) validate() error {
	for _, p := range []int{c.UDPPort, c.TCPPort, c.TLSPort, c.RelayPortMin, c.RelayPortMax} {
		if p < 0 || p > 65535 {
			return fmt.Errorf("%w: port %d out of range", ErrInvalidConfig, p)
		}
	}
	if (c.RelayPortMin == 0) != (c.RelayPortMax == 0) || c.RelayPortMin > c.RelayPortMax {
		return fmt.Errorf("%w: relay port range %d-%d", ErrInvalidConfig, c.RelayPortMin, c.RelayPortMax)
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return fmt.Errorf("%w: TLS needs both cert_file and key_file", ErrInvalidConfig)
	}
	if c.BindAddress != "" && net.ParseIP(c.BindAddress) == nil {
		return fmt.Errorf("%w: bind_address %q is not an IP address", ErrInvalidConfig, c.BindAddress)
	}
	if ip := net.ParseIP(c.RelayAddress); ip == nil || ip.IsUnspecified() || ip.To4() == nil {
		// pion/turn v4 relays over IPv4 only.
		return fmt.Errorf("%w: relay_address %q is not a usable IPv4 address", ErrInvalidConfig, c.RelayAddress)
	}
	if c.Secret == "" {
		return fmt.Errorf("%w: no secret for the credentials", ErrInvalidConfig)
	}
	if c.Realm == "" || c.CredentialTTL <= 0 || c.MaxAllocationsPerUser <= 0 || c.MaxAllocations <= 0 || c.MaxAllocationBitrate < 0 {
		return fmt.Errorf("%w: realm, credential_ttl and the allocation caps must be set", ErrInvalidConfig)
	}
	if _, err := parsePrefixes(c.AllowPeers); err != nil {
		return err
	}
	return nil
}

// host is the address in the URLs handed to clients.
func (c Config) host() string {
	if c.Host != "" {
		return c.Host
	}
	return c.RelayAddress
}

func parsePrefixes(cidrs []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(cidrs))
	for _, s := range cidrs {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			// A bare address means just that address.
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("%w: allow_peers entry %q is not a CIDR or an address", ErrInvalidConfig, s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
