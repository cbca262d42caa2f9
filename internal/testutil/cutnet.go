package testutil

import (
	"net"
	"sync/atomic"

	"github.com/pion/transport/v4"
	"github.com/pion/transport/v4/stdnet"
)

// CutNet is a pion network (webrtc.SettingEngine.SetNet) whose path the
// test can break, as when a device changes networks: Cut makes every UDP
// socket opened so far drop all traffic, both ways, for good, while sockets
// opened afterwards (the candidates an ICE restart gathers) work. Traffic
// stays on the real loopback.
type CutNet struct {
	*stdnet.Net
	gen atomic.Uint64 // sockets of an older generation are cut
}

// NewCutNet returns a CutNet over the system's network.
func NewCutNet() (*CutNet, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, err
	}
	return &CutNet{Net: n}, nil
}

// Cut breaks every UDP socket opened so far.
func (n *CutNet) Cut() { n.gen.Add(1) }

// ListenUDP implements transport.Net.
func (n *CutNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	return &cutConn{UDPConn: c, n: n, gen: n.gen.Load()}, nil
}

// ListenPacket implements transport.Net.
func (n *CutNet) ListenPacket(network, address string) (net.PacketConn, error) {
	c, err := n.Net.ListenPacket(network, address)
	if err != nil {
		return nil, err
	}
	uc, ok := c.(*net.UDPConn)
	if !ok {
		return c, nil
	}
	return &cutConn{UDPConn: uc, n: n, gen: n.gen.Load()}, nil
}

// cutConn is a UDP socket of a CutNet.
type cutConn struct {
	transport.UDPConn
	n   *CutNet
	gen uint64
}

func (c *cutConn) cut() bool { return c.n.gen.Load() != c.gen }

func (c *cutConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFrom(p)
		if err != nil || !c.cut() {
			return n, addr, err
		}
	}
}

func (c *cutConn) ReadFromUDP(p []byte) (int, *net.UDPAddr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFromUDP(p)
		if err != nil || !c.cut() {
			return n, addr, err
		}
	}
}

func (c *cutConn) ReadMsgUDP(b, oob []byte) (int, int, int, *net.UDPAddr, error) {
	for {
		n, oobn, flags, addr, err := c.UDPConn.ReadMsgUDP(b, oob)
		if err != nil || !c.cut() {
			return n, oobn, flags, addr, err
		}
	}
}

func (c *cutConn) Read(p []byte) (int, error) {
	for {
		n, err := c.UDPConn.Read(p)
		if err != nil || !c.cut() {
			return n, err
		}
	}
}

func (c *cutConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.cut() {
		return len(p), nil
	}
	return c.UDPConn.WriteTo(p, addr)
}

func (c *cutConn) WriteToUDP(p []byte, addr *net.UDPAddr) (int, error) {
	if c.cut() {
		return len(p), nil
	}
	return c.UDPConn.WriteToUDP(p, addr)
}

func (c *cutConn) WriteMsgUDP(b, oob []byte, addr *net.UDPAddr) (int, int, error) {
	if c.cut() {
		return len(b), len(oob), nil
	}
	return c.UDPConn.WriteMsgUDP(b, oob, addr)
}

func (c *cutConn) Write(p []byte) (int, error) {
	if c.cut() {
		return len(p), nil
	}
	return c.UDPConn.Write(p)
}
