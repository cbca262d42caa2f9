package sfu

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
)

// ICEConfig is the connectivity part of [Config] beside the media UDP
// port: passive ICE-TCP and which interfaces and addresses candidates use.
type ICEConfig struct {
	// TCPPort is the one TCP port of passive ICE-TCP, the fallback for
	// clients whose UDP is blocked. Zero picks a free port, and so does a
	// zero UDPPort: a node on random ports (tests) never takes the fixed
	// one. Negative disables ICE-TCP.
	TCPPort int `yaml:"tcp_port"`
	// ExcludeInterfaces are interface names never used for candidates
	// (Interfaces, when set, is the list of those used).
	ExcludeInterfaces []string `yaml:"exclude_interfaces"`
	// IncludeIPs, when set, restricts candidates to addresses in these CIDRs
	// (a bare address means itself); ExcludeIPs removes addresses.
	IncludeIPs []string `yaml:"include_ips"`
	ExcludeIPs []string `yaml:"exclude_ips"`
}

func defaultICEConfig() ICEConfig {
	return ICEConfig{TCPPort: 7881}
}

func (c ICEConfig) validate() error {
	if c.TCPPort > 65535 {
		return fmt.Errorf("%w: tcp_port %d out of range", ErrInvalidConfig, c.TCPPort)
	}
	for _, list := range [][]string{c.IncludeIPs, c.ExcludeIPs} {
		if _, err := parseCIDRs(list); err != nil {
			return err
		}
	}
	return nil
}

// tcpPort returns the ICE-TCP port to bind and whether ICE-TCP is on.
func (c Config) tcpPort() (int, bool) {
	switch {
	case c.TCPPort < 0:
		return 0, false
	case c.UDPPort == 0:
		return 0, true
	}
	return c.TCPPort, true
}

// ipFilter is the address selection of an ICEConfig.
type ipFilter struct {
	include, exclude []netip.Prefix
}

func (c ICEConfig) ipFilter() ipFilter {
	include, _ := parseCIDRs(c.IncludeIPs) // validated
	exclude, _ := parseCIDRs(c.ExcludeIPs)
	return ipFilter{include: include, exclude: exclude}
}

// empty reports a filter that keeps every address.
func (f ipFilter) empty() bool { return len(f.include) == 0 && len(f.exclude) == 0 }

// keep reports whether candidates may use ip.
func (f ipFilter) keep(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return false
	}
	a = a.Unmap()
	in := func(ps []netip.Prefix) bool {
		return slices.ContainsFunc(ps, func(p netip.Prefix) bool { return p.Contains(a) })
	}
	return (len(f.include) == 0 || in(f.include)) && !in(f.exclude)
}

func parseCIDRs(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("%w: %q is not a CIDR or an IP address", ErrInvalidConfig, s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
