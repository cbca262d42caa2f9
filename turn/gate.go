package turn

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/stun/v3"
	"github.com/pion/turn/v4"

	"github.com/parley-sfu/parley/auth"
)

const (
	stunHeaderSize = 20
	// maxFrame is the largest STUN message or ChannelData frame.
	maxFrame = stunHeaderSize + 0xffff
)

// gate looks at TURN requests before pion/turn does, for two answers pion
// gets wrong:
//
//   - Bad credentials. pion answers a request whose credentials are wrong
//     with 400 Bad Request; RFC 5389 §10.2.2 asks for 401 Unauthorized with
//     a fresh NONCE and the REALM, which is what pion answers to a request
//     carrying no credentials at all. So a request with wrong, malformed or
//     expired credentials is cut down to its header (same method and
//     transaction id, no attributes) and handed on: the client sees a
//     proper 401 and never gets a relay. A stale nonce is left for pion to
//     answer 438.
//   - Refused peers. pion refuses a CreatePermission with an error response
//     that carries no ERROR-CODE, and its permission hook sees only the
//     peer's IP. The gate checks every XOR-PEER-ADDRESS of CreatePermission
//     and ChannelBind against the policy, port included (so that only the
//     SFU's own port is reachable on its IP), and answers 403 Forbidden
//     itself (RFC 5766 §9.2, §11.2), signed like pion's responses.
//
// Indications, ChannelData and responses pass untouched after a header
// check: the relay's data path never decodes.
type gate struct {
	secret string
	realm  string
	now    func() time.Time
	policy *peerPolicy
	stats  *counters
}

// inspect looks at one datagram or frame. It returns the length to hand
// on (len(b), or the header length of a request stripped of its
// credentials), or a reply to send instead of handing anything on.
func (g *gate) inspect(b []byte) (n int, reply []byte) {
	if len(b) < stunHeaderSize || !stun.IsMessage(b) {
		return len(b), nil
	}
	var t stun.MessageType
	t.ReadValue(binary.BigEndian.Uint16(b[0:2]))
	if t.Class != stun.ClassRequest || !needsAuth(t.Method) {
		return len(b), nil
	}
	m := &stun.Message{Raw: b}
	if err := m.Decode(); err != nil || !m.Contains(stun.AttrMessageIntegrity) {
		return len(b), nil // pion answers these itself (400 or 401)
	}
	key, ok := g.credentials(m)
	if !ok {
		g.stats.authRejected.Add(1)
		binary.BigEndian.PutUint16(b[2:4], 0) // no attributes: pion answers 401
		return stunHeaderSize, nil
	}
	if t.Method == stun.MethodCreatePermission || t.Method == stun.MethodChannelBind {
		if !g.peersPermitted(m) {
			g.stats.permissionsRefused.Add(1)
			return 0, forbidden(m, t.Method, key)
		}
	}
	return len(b), nil
}

func needsAuth(m stun.Method) bool {
	switch m {
	case stun.MethodAllocate, stun.MethodRefresh, stun.MethodCreatePermission, stun.MethodChannelBind:
		return true
	}
	return false
}

// credentials checks realm, username (well formed, not expired) and
// MESSAGE-INTEGRITY under the long-term key of the TURN REST password, and
// returns that key.
func (g *gate) credentials(m *stun.Message) ([]byte, bool) {
	var username stun.Username
	var realm stun.Realm
	if username.GetFrom(m) != nil || realm.GetFrom(m) != nil || realm.String() != g.realm {
		return nil, false
	}
	key, ok := g.key(username.String())
	if !ok || stun.MessageIntegrity(key).Check(m) != nil {
		return nil, false
	}
	return key, true
}

// key returns the long-term key of a TURN REST username, or false when it
// is malformed or expired.
func (g *gate) key(username string) ([]byte, bool) {
	expiry, _, err := auth.ParseTURNUsername(username)
	if err != nil || !g.now().Before(expiry) {
		return nil, false
	}
	return turn.GenerateAuthKey(username, g.realm, auth.TURNPassword(g.secret, username)), true
}

// peersPermitted checks every XOR-PEER-ADDRESS of m; a request without one
// is left for pion to refuse (400).
func (g *gate) peersPermitted(m *stun.Message) bool {
	for _, a := range m.Attributes {
		if a.Type != stun.AttrXORPeerAddress {
			continue
		}
		var peer stun.XORMappedAddress
		one := &stun.Message{TransactionID: m.TransactionID, Attributes: stun.Attributes{a}}
		if peer.GetFromAs(one, stun.AttrXORPeerAddress) != nil {
			return false
		}
		ip := ipOf(peer.IP)
		if !ip.IsValid() || !g.policy.permitAddr(netip.AddrPortFrom(ip, uint16(peer.Port))) {
			return false
		}
	}
	return true
}

// forbidden builds the 403 error response to m, with MESSAGE-INTEGRITY.
func forbidden(m *stun.Message, method stun.Method, key []byte) []byte {
	resp, err := stun.Build(
		&stun.Message{TransactionID: m.TransactionID},
		stun.NewType(method, stun.ClassErrorResponse),
		&stun.ErrorCodeAttribute{Code: stun.CodeForbidden, Reason: []byte("Forbidden")},
		stun.MessageIntegrity(key),
	)
	if err != nil {
		return nil
	}
	return resp.Raw
}

// authHandler is pion/turn's AuthHandler: the gate has already refused bad
// credentials, this derives the key pion checks the message with.
func (g *gate) authHandler(username, realm string, _ net.Addr) ([]byte, bool) {
	if realm != g.realm {
		return nil, false
	}
	return g.key(username)
}

// gatedPacketConn runs the gate on a UDP listener.
type gatedPacketConn struct {
	net.PacketConn
	gate *gate
}

func (c *gatedPacketConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, from, err := c.PacketConn.ReadFrom(p)
		if err != nil {
			return n, from, err
		}
		n, reply := c.gate.inspect(p[:n])
		if reply == nil {
			return n, from, nil
		}
		_, _ = c.PacketConn.WriteTo(reply, from)
	}
}

// gatedListener runs the gate on a TCP or TLS listener, and closes the
// connections it accepted when it is closed (pion/turn closes only the
// listener).
type gatedListener struct {
	net.Listener
	gate *gate

	mu     sync.Mutex
	conns  map[*gatedConn]struct{}
	closed bool
}

func newGatedListener(l net.Listener, g *gate) *gatedListener {
	return &gatedListener{Listener: l, gate: g, conns: map[*gatedConn]struct{}{}}
}

func (l *gatedListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c := &gatedConn{Conn: conn, frames: turn.NewSTUNConn(conn), gate: l.gate, l: l}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		_ = conn.Close()
		return nil, net.ErrClosed
	}
	l.conns[c] = struct{}{}
	return c, nil
}

func (l *gatedListener) Close() error {
	err := l.Listener.Close()
	l.mu.Lock()
	l.closed = true
	conns := l.conns
	l.conns = nil
	l.mu.Unlock()
	for c := range conns {
		_ = c.Conn.Close()
	}
	return err
}

func (l *gatedListener) forget(c *gatedConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.conns, c)
}

// gatedConn is one TURN-over-TCP connection: it splits the stream into
// STUN and ChannelData frames (RFC 5766 §11.5), gates each, and hands the
// frames on as a stream again. Read is called from one goroutine.
type gatedConn struct {
	net.Conn
	frames *turn.STUNConn
	gate   *gate
	l      *gatedListener
	buf    [maxFrame]byte
	rest   []byte // the part of the last frame not yet read
	once   sync.Once
}

func (c *gatedConn) Read(p []byte) (int, error) {
	for len(c.rest) == 0 {
		n, _, err := c.frames.ReadFrom(c.buf[:])
		if err != nil {
			return 0, fmt.Errorf("turn: read frame: %w", err)
		}
		n, reply := c.gate.inspect(c.buf[:n])
		if reply != nil {
			// net.Conn writes are safe beside pion's own on this conn.
			if _, err := c.Conn.Write(reply); err != nil {
				return 0, err
			}
			continue
		}
		c.rest = c.buf[:n]
	}
	n := copy(p, c.rest)
	c.rest = c.rest[n:]
	return n, nil
}

func (c *gatedConn) Close() error {
	c.once.Do(func() { c.l.forget(c) })
	return c.Conn.Close()
}
