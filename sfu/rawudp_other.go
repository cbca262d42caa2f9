//go:build !linux

package sfu

import "net"

// listenMediaUDP binds the media socket on addr (see rawudp_linux.go for
// why Linux binds it outside Go's network poller).
func listenMediaUDP(addr *net.UDPAddr) (net.PacketConn, error) {
	return net.ListenUDP("udp", addr)
}
