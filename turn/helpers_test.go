package turn

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/stun/v3"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testSecret = "turn-test-secret"

// startServer runs a server on random loopback ports with the test secret.
func startServer(t *testing.T, mutate func(*Config), exempt ...netip.AddrPort) *Server {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Enabled = true
	cfg.BindAddress, cfg.RelayAddress = "127.0.0.1", "127.0.0.1"
	cfg.UDPPort, cfg.TCPPort, cfg.TLSPort = 0, 0, 0
	cfg.RelayPortMin, cfg.RelayPortMax = 0, 0
	cfg.Secret = testSecret
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := New(cfg, Options{Exempt: exempt})
	if err != nil {
		t.Fatalf("start TURN server: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close TURN server: %v", err)
		}
	})
	return s
}

// udpPeer is a UDP socket on loopback standing for a relay peer; it
// echoes what it receives when echo is set and reports every datagram.
type udpPeer struct {
	conn *net.UDPConn
	got  chan []byte
}

func newUDPPeer(t *testing.T, echo bool) *udpPeer {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	p := &udpPeer{conn: conn, got: make(chan []byte, 1024)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			select {
			case p.got <- append([]byte(nil), buf[:n]...):
			default:
			}
			if echo {
				_, _ = conn.WriteTo(buf[:n], from)
			}
		}
	}()
	t.Cleanup(func() { _ = conn.Close(); <-done })
	return p
}

func (p *udpPeer) addr() *net.UDPAddr { return p.conn.LocalAddr().(*net.UDPAddr) }

// count returns how many datagrams arrived within wait.
func (p *udpPeer) count(wait time.Duration) int {
	n := 0
	deadline := time.After(wait)
	for {
		select {
		case <-p.got:
			n++
		case <-deadline:
			return n
		}
	}
}

// rawClient speaks STUN to the server over UDP or TCP, one transaction
// at a time, so a test controls exactly what is sent.
type rawClient struct {
	t     *testing.T
	conn  net.Conn
	tcp   bool
	nonce stun.Nonce
	realm stun.Realm
}

func dialRaw(t *testing.T, network, addr string) *rawClient {
	t.Helper()
	conn, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &rawClient{t: t, conn: conn, tcp: network == "tcp"}
}

// do sends a request built from setters and returns the response.
func (c *rawClient) do(setters ...stun.Setter) *stun.Message {
	c.t.Helper()
	req, err := stun.Build(append([]stun.Setter{stun.TransactionID}, setters...)...)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.conn.Write(req.Raw); err != nil {
		c.t.Fatal(err)
	}
	resp, err := c.read()
	if err != nil {
		c.t.Fatalf("no response to %s: %v", req.Type, err)
	}
	if resp.TransactionID != req.TransactionID {
		c.t.Fatalf("response for another transaction")
	}
	var nonce stun.Nonce
	if nonce.GetFrom(resp) == nil {
		c.nonce = nonce
	}
	var realm stun.Realm
	if realm.GetFrom(resp) == nil {
		c.realm = realm
	}
	return resp
}

func (c *rawClient) read() (*stun.Message, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 1500)
	var n int
	var err error
	if c.tcp {
		if _, err = io.ReadFull(c.conn, buf[:stunHeaderSize]); err != nil {
			return nil, err
		}
		size := int(binary.BigEndian.Uint16(buf[2:4]))
		if _, err = io.ReadFull(c.conn, buf[stunHeaderSize:stunHeaderSize+size]); err != nil {
			return nil, err
		}
		n = stunHeaderSize + size
	} else if n, err = c.conn.Read(buf); err != nil {
		return nil, err
	}
	m := &stun.Message{Raw: buf[:n]}
	return m, m.Decode()
}

// authed returns the setters of an authenticated request with username
// and password and the last nonce and realm the server gave.
func (c *rawClient) authed(username, password string, rest ...stun.Setter) []stun.Setter {
	key := stun.NewLongTermIntegrity(username, c.realm.String(), password)
	user := stun.NewUsername(username)
	return append(append([]stun.Setter{&user, &c.realm, &c.nonce}, rest...), key)
}

var udpTransport = stun.RawAttribute{Type: stun.AttrRequestedTransport, Value: []byte{17, 0, 0, 0}}

// allocate runs the Allocate exchange (401 challenge, then the
// authenticated request) and returns the final response.
func (c *rawClient) allocate(username, password string) *stun.Message {
	c.t.Helper()
	allocate := stun.NewType(stun.MethodAllocate, stun.ClassRequest)
	if code := errorCode(c.do(allocate, udpTransport)); code != stun.CodeUnauthorized {
		c.t.Fatalf("unauthenticated Allocate answered %d, want 401", code)
	}
	return c.do(c.authed(username, password, allocate, udpTransport)...)
}

// createPermission asks for a permission for peer with the credentials.
func (c *rawClient) createPermission(username, password string, peer *net.UDPAddr) *stun.Message {
	c.t.Helper()
	return c.do(c.authed(username, password, stun.NewType(stun.MethodCreatePermission, stun.ClassRequest), peerAddress{peer})...)
}

// sendIndication relays data to peer (no response).
func (c *rawClient) sendIndication(peer *net.UDPAddr, data []byte) {
	c.t.Helper()
	m, err := stun.Build(stun.TransactionID, stun.NewType(stun.MethodSend, stun.ClassIndication), peerAddress{peer},
		stun.RawAttribute{Type: stun.AttrData, Value: data})
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.conn.Write(m.Raw); err != nil {
		c.t.Fatal(err)
	}
}

// peerAddress is an XOR-PEER-ADDRESS attribute.
type peerAddress struct{ *net.UDPAddr }

func (p peerAddress) AddTo(m *stun.Message) error {
	return stun.XORMappedAddress{IP: p.IP, Port: p.Port}.AddToAs(m, stun.AttrXORPeerAddress)
}

// errorCode is the ERROR-CODE of m, 0 for a success response.
func errorCode(m *stun.Message) stun.ErrorCode {
	var e stun.ErrorCodeAttribute
	if err := e.GetFrom(m); err != nil {
		if errors.Is(err, stun.ErrAttributeNotFound) && m.Type.Class == stun.ClassSuccessResponse {
			return 0
		}
		return -1
	}
	return e.Code
}

func describe(m *stun.Message) string {
	return fmt.Sprintf("%s (error %d)", m.Type, errorCode(m))
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
