package turn

import (
	"slices"
	"testing"
	"time"

	"github.com/pion/stun/v3"

	"github.com/parley-sfu/parley/auth"
)

// TestCredentialErrors: every kind of bad credentials gets 401 with a
// fresh NONCE and the REALM (RFC 5389 §10.2.2), an unknown nonce gets 438,
// and only good credentials get a relay, over UDP and over TCP.
func TestCredentialErrors(t *testing.T) {
	s := startServer(t, nil)
	now := time.Now()
	good, goodPass := auth.TURNCredentials(testSecret, "alice", time.Hour, now)
	expired, expiredPass := auth.TURNCredentials(testSecret, "alice", -time.Minute, now)
	otherUser, _ := auth.TURNCredentials(testSecret, "bob", time.Hour, now)
	tests := []struct {
		name     string
		username string
		password string
		realm    string // "" means the server's
		nonce    string // "" means the server's
		want     stun.ErrorCode
	}{
		{name: "good", username: good, password: goodPass, want: 0},
		{name: "wrong password", username: good, password: "c2VjcmV0", want: stun.CodeUnauthorized},
		{name: "another user's password", username: otherUser, password: goodPass, want: stun.CodeUnauthorized},
		{name: "expired", username: expired, password: expiredPass, want: stun.CodeUnauthorized},
		{name: "malformed username", username: "alice", password: goodPass, want: stun.CodeUnauthorized},
		{name: "other secret", username: good, password: auth.TURNPassword("another secret", good), want: stun.CodeUnauthorized},
		{name: "wrong realm", username: good, password: goodPass, realm: "elsewhere", want: stun.CodeUnauthorized},
		{name: "unknown nonce", username: good, password: goodPass, nonce: "made-up-nonce", want: stun.CodeStaleNonce},
	}
	for _, network := range []struct{ name, addr string }{
		{"udp", s.UDPAddr().String()},
		{"tcp", s.TCPAddr().String()},
	} {
		for _, tt := range tests {
			t.Run(network.name+"/"+tt.name, func(t *testing.T) {
				c := dialRaw(t, network.name, network.addr)
				allocate := stun.NewType(stun.MethodAllocate, stun.ClassRequest)
				if code := errorCode(c.do(allocate, udpTransport)); code != stun.CodeUnauthorized {
					t.Fatalf("unauthenticated Allocate answered %d, want 401", code)
				}
				if tt.realm != "" {
					c.realm = stun.NewRealm(tt.realm)
				}
				if tt.nonce != "" {
					c.nonce = stun.NewNonce(tt.nonce)
				}
				resp := c.do(c.authed(tt.username, tt.password, allocate, udpTransport)...)
				if got := errorCode(resp); got != tt.want {
					t.Fatalf("Allocate answered %s, want error %d", describe(resp), tt.want)
				}
				if tt.want == 0 {
					var relayed stun.XORMappedAddress
					if err := relayed.GetFromAs(resp, stun.AttrXORRelayedAddress); err != nil {
						t.Fatalf("success without a relayed address: %v", err)
					}
					return
				}
				var nonce stun.Nonce
				var realm stun.Realm
				if nonce.GetFrom(resp) != nil || realm.GetFrom(resp) != nil || realm.String() != "parley" {
					t.Fatalf("error %d without NONCE and REALM %q", tt.want, "parley")
				}
			})
		}
	}
	if got := s.Stats().AuthRejected; got != 12 {
		t.Errorf("AuthRejected = %d, want 12 (6 bad credentials over 2 transports)", got)
	}
}

// TestAllocationCaps: the per-user cap answers 486, the total cap 508, and
// a freed allocation makes room again.
func TestAllocationCaps(t *testing.T) {
	s := startServer(t, func(c *Config) { c.MaxAllocationsPerUser, c.MaxAllocations = 2, 3 })
	now := time.Now()
	var clients []*rawClient
	alloc := func(identity string) stun.ErrorCode {
		u, p := auth.TURNCredentials(testSecret, identity, time.Hour, now)
		c := dialRaw(t, "udp", s.UDPAddr().String())
		clients = append(clients, c)
		return errorCode(c.allocate(u, p))
	}
	got := []stun.ErrorCode{alloc("alice"), alloc("alice"), alloc("alice"), alloc("bob"), alloc("carol")}
	want := []stun.ErrorCode{0, 0, stun.CodeAllocQuotaReached, 0, stun.CodeInsufficientCapacity}
	if !slices.Equal(got, want) {
		t.Fatalf("allocation results %v, want %v", got, want)
	}
	st := s.Stats()
	if st.Allocations != 3 || st.QuotaRejected != 1 || st.CapacityRejected != 1 {
		t.Fatalf("stats %+v, want 3 allocations, 1 quota and 1 capacity rejection", st)
	}

	// Alice frees one (Refresh with LIFETIME 0): she and the server have
	// room again.
	u, p := auth.TURNCredentials(testSecret, "alice", time.Hour, now)
	resp := clients[0].do(clients[0].authed(u, p, stun.NewType(stun.MethodRefresh, stun.ClassRequest),
		stun.RawAttribute{Type: stun.AttrLifetime, Value: []byte{0, 0, 0, 0}})...)
	if code := errorCode(resp); code != 0 {
		t.Fatalf("Refresh to 0 answered %s", describe(resp))
	}
	if code := alloc("alice"); code != 0 {
		t.Fatalf("allocation after one was freed answered %d", code)
	}
	if got := s.Stats().Allocations; got != 3 {
		t.Fatalf("%d live allocations, want 3", got)
	}
}
