package turn

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"time"
)

// relayPortTries bounds the random ports tried in the relay range before
// an allocation fails with 508.
const relayPortTries = 32

// relayGenerator creates the relay sockets of allocations (pion/turn's
// RelayAddressGenerator): in the configured port range, advertised with the
// relay address, capped in number, and wrapped so that every relayed packet
// passes the peer policy and the allocation's bandwidth cap.
type relayGenerator struct {
	relayIP          net.IP
	bindHost         string
	minPort, maxPort int
	max              int64
	bitrate          int64
	policy           *peerPolicy
	stats            *counters
	now              func() time.Time
}

// Validate implements turn.RelayAddressGenerator.
func (g *relayGenerator) Validate() error { return nil }

// AllocateConn refuses RFC 6062 TCP relays.
func (g *relayGenerator) AllocateConn(string, int) (net.Conn, net.Addr, error) {
	return nil, nil, errTCPRelay
}

// AllocatePacketConn opens an allocation's UDP relay socket.
func (g *relayGenerator) AllocatePacketConn(network string, requestedPort int) (net.PacketConn, net.Addr, error) {
	if n := g.stats.allocations.Add(1); n > g.max {
		g.stats.allocations.Add(-1)
		g.stats.capacityRejected.Add(1)
		return nil, nil, fmt.Errorf("%w: %d live allocations", errCapacity, g.max)
	}
	conn, err := g.listen(network, requestedPort)
	if err != nil {
		g.stats.allocations.Add(-1)
		return nil, nil, err
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	rc := &relayConn{PacketConn: conn, g: g, bucket: newBucket(g.bitrate, g.now)}
	return rc, &net.UDPAddr{IP: g.relayIP, Port: port}, nil
}

// listen binds the requested port (EVEN-PORT reservations), a random one
// of the range, or one the system picks when there is no range.
func (g *relayGenerator) listen(network string, requested int) (*net.UDPConn, error) {
	bind := func(port int) (*net.UDPConn, error) {
		pc, err := net.ListenPacket(network, net.JoinHostPort(g.bindHost, strconv.Itoa(port)))
		if err != nil {
			return nil, err
		}
		return pc.(*net.UDPConn), nil
	}
	switch {
	case requested != 0:
		return bind(requested)
	case g.minPort == 0:
		return bind(0)
	}
	var err error
	for range relayPortTries {
		port := g.minPort + rand.IntN(g.maxPort-g.minPort+1)
		var conn *net.UDPConn
		if conn, err = bind(port); err == nil {
			return conn, nil
		}
	}
	return nil, fmt.Errorf("no free relay port in %d-%d: %w", g.minPort, g.maxPort, err)
}

// relayConn is one allocation's relay socket. pion/turn reads it on the
// allocation's goroutine and writes it from the server's read loop.
type relayConn struct {
	net.PacketConn
	g         *relayGenerator
	bucket    *bucket
	closeOnce sync.Once
}

// ReadFrom returns the next packet from a permitted peer within the
// bandwidth cap; others are dropped and counted.
func (c *relayConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, from, err := c.PacketConn.ReadFrom(p)
		if err != nil {
			return n, from, err
		}
		if c.pass(from, n) {
			return n, from, nil
		}
	}
}

// WriteTo relays a packet to a permitted peer within the bandwidth cap; a
// dropped packet is reported as written, as the network would.
func (c *relayConn) WriteTo(p []byte, to net.Addr) (int, error) {
	if !c.pass(to, len(p)) {
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, to)
}

func (c *relayConn) pass(peer net.Addr, n int) bool {
	ap, ok := addrPortOf(peer)
	if !ok || !c.g.policy.permitAddr(ap) {
		c.g.stats.peerPacketsDropped.Add(1)
		return false
	}
	if !c.bucket.allow(n) {
		c.g.stats.throttledPackets.Add(1)
		return false
	}
	return true
}

// Close closes the socket and frees the allocation's place.
func (c *relayConn) Close() error {
	err := c.PacketConn.Close()
	c.closeOnce.Do(func() { c.g.stats.allocations.Add(-1) })
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
