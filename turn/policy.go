package turn

import (
	"net"
	"net/netip"
	"slices"
)

// peerPolicy decides which peers a relay may reach. It is built once and
// only read afterwards, so it needs no lock.
type peerPolicy struct {
	reserved []netip.Prefix
	allow    []netip.Prefix
	// exempt are the SFU's media addresses: reachable although reserved,
	// on their IP only on their ports.
	exempt map[netip.Addr][]uint16
	// self are the server's own listening addresses: relaying to them would
	// loop TURN through itself.
	self map[netip.AddrPort]bool
}

func newPeerPolicy(allow []netip.Prefix, exempt, self []netip.AddrPort) *peerPolicy {
	p := &peerPolicy{
		reserved: reservedPrefixes(),
		allow:    allow,
		exempt:   map[netip.Addr][]uint16{},
		self:     map[netip.AddrPort]bool{},
	}
	for _, ap := range exempt {
		ip := ap.Addr().Unmap()
		if !slices.Contains(p.exempt[ip], ap.Port()) {
			p.exempt[ip] = append(p.exempt[ip], ap.Port())
		}
	}
	for _, ap := range self {
		p.self[netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())] = true
	}
	return p
}

// reservedPrefixes are the ranges a public relay must not reach on its
// own: loopback, private (RFC 1918, RFC 4193, carrier-grade NAT),
// link-local, multicast, unspecified and "this network", reserved and
// broadcast, and NAT64 (which maps onto all of IPv4).
func reservedPrefixes() []netip.Prefix {
	cidrs := []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15",
		"224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "64:ff9b::/96", "fc00::/7", "fe80::/10", "ff00::/8",
	}
	out := make([]netip.Prefix, len(cidrs))
	for i, c := range cidrs {
		out[i] = netip.MustParsePrefix(c)
	}
	return out
}

// permitIP is the permission-level check (CreatePermission, ChannelBind):
// RFC 5766 permissions name an IP, not a port.
func (p *peerPolicy) permitIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() {
		return false
	}
	if !p.isReserved(ip) || p.isAllowed(ip) {
		return true
	}
	_, ok := p.exempt[ip]
	return ok
}

// permitAddr is the per-packet check at the relay socket.
func (p *peerPolicy) permitAddr(ap netip.AddrPort) bool {
	ip := ap.Addr().Unmap()
	if !ip.IsValid() || p.self[netip.AddrPortFrom(ip, ap.Port())] {
		return false
	}
	if !p.isReserved(ip) || p.isAllowed(ip) {
		return true
	}
	return slices.Contains(p.exempt[ip], ap.Port())
}

func (p *peerPolicy) isReserved(ip netip.Addr) bool {
	return containsAddr(p.reserved, ip)
}

func (p *peerPolicy) isAllowed(ip netip.Addr) bool {
	return containsAddr(p.allow, ip)
}

func containsAddr(prefixes []netip.Prefix, ip netip.Addr) bool {
	for _, pr := range prefixes {
		if pr.Contains(ip) {
			return true
		}
	}
	return false
}

// addrPortOf converts a net.Addr of a UDP or TCP socket.
func addrPortOf(a net.Addr) (netip.AddrPort, bool) {
	switch a := a.(type) {
	case *net.UDPAddr:
		return a.AddrPort(), true
	case *net.TCPAddr:
		return a.AddrPort(), true
	}
	ap, err := netip.ParseAddrPort(a.String())
	return ap, err == nil
}

// ipOf converts a net.IP, unmapping IPv4-in-IPv6.
func ipOf(ip net.IP) netip.Addr {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return netip.Addr{}
	}
	return a.Unmap()
}
