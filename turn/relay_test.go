package turn

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/stun/v3"
	"github.com/pion/turn/v4"
)

// pionClient is pion/turn's own client with one UDP allocation.
type pionClient struct {
	client *turn.Client
	relay  net.PacketConn
}

func newPionClient(t *testing.T, s *Server, identity string) *pionClient {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u, p := s.Credentials(identity)
	c, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: s.UDPAddr().String(),
		TURNServerAddr: s.UDPAddr().String(),
		Conn:           conn,
		Username:       u,
		Password:       p,
		Realm:          "parley",
		LoggerFactory:  pionLogs{log: discard()},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := c.Allocate()
	if err != nil {
		t.Fatalf("allocate: %v", err)
	}
	t.Cleanup(func() {
		_ = relay.Close()
		c.Close()
		_ = conn.Close()
	})
	return &pionClient{client: c, relay: relay}
}

// roundTrip relays msg to peer (an echo peer) and waits for the echo.
func (c *pionClient) roundTrip(t *testing.T, peer *net.UDPAddr, msg []byte) {
	t.Helper()
	if _, err := c.relay.WriteTo(msg, peer); err != nil {
		t.Fatalf("relay to %s: %v", peer, err)
	}
	_ = c.relay.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 1500)
	n, from, err := c.relay.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no echo from %s through the relay: %v", peer, err)
	}
	if from.String() != peer.String() || !bytes.Equal(buf[:n], msg) {
		t.Fatalf("got %q from %s, want %q from %s", buf[:n], from, msg, peer)
	}
}

// TestRelayPolicy (issue 6, test 5): permission requests for loopback
// and private peers are refused with 403 by default, and only the request
// is sent (no data reaches those addresses); the SFU's own media address
// stays reachable; with the loopback range allowed, relaying to a
// loopback peer works.
func TestRelayPolicy(t *testing.T) {
	// Each case has an echo peer standing for the SFU's media port and
	// another loopback service.
	peers := func(t *testing.T) (sfu, other *udpPeer) { return newUDPPeer(t, true), newUDPPeer(t, true) }

	t.Run("refused by default", func(t *testing.T) {
		sfu, other := peers(t)
		s := startServer(t, nil, sfu.addr().AddrPort())
		c := newPionClient(t, s, "mallory")
		for _, peer := range []*net.UDPAddr{other.addr(), {IP: net.IPv4(10, 0, 0, 1), Port: 5000}} {
			err := c.client.CreatePermission(peer)
			if err == nil || !strings.Contains(err.Error(), "403") {
				t.Fatalf("CreatePermission(%s) = %v, want a 403 error", peer, err)
			}
		}
		if got := s.Stats().PermissionsRefused; got != 2 {
			t.Fatalf("PermissionsRefused = %d, want 2", got)
		}
		if n := other.count(200 * time.Millisecond); n != 0 {
			t.Fatalf("the refused loopback peer received %d datagrams", n)
		}
		// The SFU's media address is reachable.
		c.roundTrip(t, sfu.addr(), []byte("media to the SFU"))
	})

	t.Run("other ports of the SFU's IP", func(t *testing.T) {
		// Permissions are per IP (RFC 5766 §2.3): once the SFU's IP is
		// permitted, data to another port of it must still not pass.
		sfu, other := peers(t)
		s := startServer(t, nil, sfu.addr().AddrPort())
		u, p := s.Credentials("mallory")
		c := dialRaw(t, "udp", s.UDPAddr().String())
		if resp := c.allocate(u, p); errorCode(resp) != 0 {
			t.Fatalf("allocate: %s", describe(resp))
		}
		if resp := c.createPermission(u, p, sfu.addr()); errorCode(resp) != 0 {
			t.Fatalf("permission for the SFU: %s", describe(resp))
		}
		c.sendIndication(other.addr(), []byte("sneaking past the permission"))
		c.sendIndication(sfu.addr(), []byte("to the SFU"))
		if got := <-sfu.got; string(got) != "to the SFU" {
			t.Fatalf("SFU got %q", got)
		}
		if n := other.count(200 * time.Millisecond); n != 0 {
			t.Fatalf("another port of the SFU's IP received %d datagrams", n)
		}
		if got := s.Stats().PeerPacketsDropped; got != 1 {
			t.Fatalf("PeerPacketsDropped = %d, want 1", got)
		}
	})

	t.Run("loopback allowed", func(t *testing.T) {
		sfu, other := peers(t)
		s := startServer(t, func(c *Config) { c.AllowPeers = []string{"127.0.0.0/8"} }, sfu.addr().AddrPort())
		c := newPionClient(t, s, "alice")
		c.roundTrip(t, other.addr(), []byte("hello loopback peer"))
		if st := s.Stats(); st.PermissionsRefused != 0 || st.PeerPacketsDropped != 0 {
			t.Fatalf("stats %+v: nothing should be refused", st)
		}
	})
}

// TestAllocationBandwidthCap: relayed bytes beyond an allocation's cap are
// dropped and counted.
func TestAllocationBandwidthCap(t *testing.T) {
	peer := newUDPPeer(t, false)
	// 80 kbit/s: the bucket holds its minimum of 64 KiB, then refills at
	// 10 kB/s.
	s := startServer(t, func(c *Config) {
		c.AllowPeers = []string{"127.0.0.0/8"}
		c.MaxAllocationBitrate = 80_000
	})
	c := newPionClient(t, s, "alice")
	payload := bytes.Repeat([]byte{0xab}, 1000)
	start := time.Now()
	const sent = 300
	for range sent {
		if _, err := c.relay.WriteTo(payload, peer.addr()); err != nil {
			t.Fatal(err)
		}
	}
	got := peer.count(300 * time.Millisecond)
	elapsed := time.Since(start)
	// At most the burst plus what the elapsed time refilled (STUN framing
	// around the payload does not count: the cap applies to relayed data).
	limit := (64<<10 + int(elapsed.Seconds()*10_000)) / len(payload)
	if got == 0 || got > limit {
		t.Fatalf("peer received %d of %d datagrams, want 1..%d", got, sent, limit)
	}
	// Loopback may drop some of a burst before the server reads them, so
	// the throttled count is not sent-got exactly.
	if st := s.Stats(); st.ThrottledPackets == 0 || st.ThrottledPackets > uint64(sent-got) {
		t.Fatalf("ThrottledPackets = %d, want 1..%d", st.ThrottledPackets, sent-got)
	}
}

// TestChannelBindRefused: a ChannelBind to a refused peer is
// refused too (403), like CreatePermission.
func TestChannelBindRefused(t *testing.T) {
	s := startServer(t, nil)
	u, p := s.Credentials("mallory")
	c := dialRaw(t, "udp", s.UDPAddr().String())
	if resp := c.allocate(u, p); errorCode(resp) != 0 {
		t.Fatalf("allocate: %s", describe(resp))
	}
	channel := stun.RawAttribute{Type: stun.AttrChannelNumber, Value: []byte{0x40, 0x00, 0, 0}}
	resp := c.do(c.authed(u, p, stun.NewType(stun.MethodChannelBind, stun.ClassRequest),
		peerAddress{&net.UDPAddr{IP: net.IPv4(192, 168, 1, 1), Port: 5000}}, channel)...)
	if errorCode(resp) != stun.CodeForbidden {
		t.Fatalf("ChannelBind to a private peer answered %s, want 403", describe(resp))
	}
	if err := stun.MessageIntegrity(turn.GenerateAuthKey(u, "parley", p)).Check(resp); err != nil {
		t.Fatalf("403 is not signed: %v", err)
	}
}
