//go:build !linux

package sfu

import "net"

// listenMediaUDP binds the media socket on addr (see rawudp_linux.go for
// why Linux binds it outside Go's network poller) with buffers of bufSize
// bytes (0: the system's default).
func listenMediaUDP(addr *net.UDPAddr, bufSize int) (net.PacketConn, error) {
	c, err := net.ListenUDP("udp", addr)
	if err != nil || bufSize <= 0 {
		return c, err
	}
	_ = c.SetReadBuffer(bufSize)
	_ = c.SetWriteBuffer(bufSize)
	return c, nil
}
