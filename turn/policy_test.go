package turn

import (
	"net/netip"
	"testing"
)

func TestPeerPolicy(t *testing.T) {
	ap := netip.MustParseAddrPort
	sfu := ap("127.0.0.1:7882")
	self := ap("203.0.113.7:3478")
	tests := []struct {
		name      string
		allow     []string
		peer      netip.AddrPort
		wantIP    bool // CreatePermission (per IP)
		wantAddr  bool // relayed packet (per address)
		exemptSFU bool
	}{
		{name: "public IPv4", peer: ap("198.51.100.1:5000"), wantIP: true, wantAddr: true},
		{name: "public IPv6", peer: ap("[2001:db8::1]:5000"), wantIP: true, wantAddr: true},
		{name: "loopback", peer: ap("127.0.0.1:5000")},
		{name: "other loopback", peer: ap("127.0.0.2:7882")},
		{name: "IPv6 loopback", peer: ap("[::1]:5000")},
		{name: "mapped loopback", peer: ap("[::ffff:127.0.0.1]:5000")},
		{name: "private 10/8", peer: ap("10.0.0.1:5000")},
		{name: "private 172.16/12", peer: ap("172.20.1.1:5000")},
		{name: "private 192.168/16", peer: ap("192.168.1.1:5000")},
		{name: "carrier-grade NAT", peer: ap("100.64.0.1:5000")},
		{name: "unique local IPv6", peer: ap("[fd00::1]:5000")},
		{name: "link-local", peer: ap("169.254.1.1:5000")},
		{name: "link-local IPv6", peer: ap("[fe80::1]:5000")},
		{name: "multicast", peer: ap("224.0.0.1:5000")},
		{name: "multicast IPv6", peer: ap("[ff02::1]:5000")},
		{name: "unspecified", peer: ap("0.0.0.0:5000")},
		{name: "unspecified IPv6", peer: ap("[::]:5000")},
		{name: "broadcast", peer: ap("255.255.255.255:5000")},
		{name: "NAT64", peer: ap("[64:ff9b::a00:1]:5000")},
		{name: "SFU media address", peer: sfu, exemptSFU: true, wantIP: true, wantAddr: true},
		{name: "other port of the SFU's IP", peer: ap("127.0.0.1:5000"), exemptSFU: true, wantIP: true},
		{name: "loopback allowed", allow: []string{"127.0.0.0/8"}, peer: ap("127.0.0.1:5000"), wantIP: true, wantAddr: true},
		{name: "single address allowed", allow: []string{"10.0.0.1"}, peer: ap("10.0.0.1:5000"), wantIP: true, wantAddr: true},
		{name: "next address not allowed", allow: []string{"10.0.0.1"}, peer: ap("10.0.0.2:5000")},
		{name: "the server itself", peer: self, wantIP: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allow, err := parsePrefixes(tt.allow)
			if err != nil {
				t.Fatal(err)
			}
			var exempt []netip.AddrPort
			if tt.exemptSFU {
				exempt = []netip.AddrPort{sfu}
			}
			p := newPeerPolicy(allow, exempt, []netip.AddrPort{self})
			gotIP, gotAddr := p.permitIP(tt.peer.Addr()), p.permitAddr(tt.peer)
			if gotIP != tt.wantIP || gotAddr != tt.wantAddr {
				t.Errorf("permitIP, permitAddr(%s) = %v, %v; want %v, %v", tt.peer, gotIP, gotAddr, tt.wantIP, tt.wantAddr)
			}
		})
	}
}

func TestParsePrefixesRejectsGarbage(t *testing.T) {
	if _, err := parsePrefixes([]string{"10.0.0.0/8", "not-an-ip"}); err == nil {
		t.Fatal("parsePrefixes accepted \"not-an-ip\"")
	}
}
