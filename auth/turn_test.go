package auth

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/pion/turn/v4"
)

// TestTURNKnownVector checks against a credential computed outside Go:
//
//	printf '%s' '1700000600:alice' | openssl dgst -sha1 -hmac devsecret -binary | base64
//	8MirgTqMLS317YVcc8D0BEp69dM=
//
// (hex HMAC f0c8ab813a8c2d2df5ed855c73c0f4044a7af5d3).
func TestTURNKnownVector(t *testing.T) {
	user, pass := TURNCredentials("devsecret", "alice", 10*time.Minute, time.Unix(1_700_000_000, 0))
	if user != "1700000600:alice" || pass != "8MirgTqMLS317YVcc8D0BEp69dM=" {
		t.Fatalf("got %q / %q", user, pass)
	}
}

func TestVerifyTURNCredentials(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	user, pass := TURNCredentials("s3cret", "bob:phone", time.Minute, now)
	tests := []struct {
		name       string
		secret     string
		user, pass string
		at         time.Time
		identity   string
		err        error
	}{
		{name: "valid", secret: "s3cret", user: user, pass: pass, at: now, identity: "bob:phone"},
		{name: "valid until the last second", secret: "s3cret", user: user, pass: pass, at: now.Add(time.Minute - time.Nanosecond), identity: "bob:phone"},
		{name: "expired", secret: "s3cret", user: user, pass: pass, at: now.Add(time.Minute), err: ErrTURNExpired},
		{name: "other secret", secret: "other", user: user, pass: pass, at: now, err: ErrTURNBadPassword},
		{name: "identity changed", secret: "s3cret", user: "1700000060:mallory", pass: pass, at: now, err: ErrTURNBadPassword},
		{name: "expiry extended", secret: "s3cret", user: "1800000060:bob:phone", pass: pass, at: now, err: ErrTURNBadPassword},
		{name: "empty password", secret: "s3cret", user: user, pass: "", at: now, err: ErrTURNBadPassword},
		{name: "no colon", secret: "s3cret", user: "1700000060", pass: pass, at: now, err: ErrTURNMalformed},
		{name: "expiry not a number", secret: "s3cret", user: "soon:bob", pass: pass, at: now, err: ErrTURNMalformed},
		{name: "negative expiry", secret: "s3cret", user: "-5:bob", pass: pass, at: now, err: ErrTURNMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := VerifyTURNCredentials(tt.secret, tt.user, tt.pass, tt.at)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !errors.Is(err, ErrInvalidTURNCredentials) || id != "" {
					t.Fatalf("got %q, %v; want %v", id, err, tt.err)
				}
				return
			}
			if err != nil || id != tt.identity {
				t.Fatalf("got %q, %v; want %q", id, err, tt.identity)
			}
		})
	}
}

// TestTURNInteropPion checks that pion/turn's TURN REST handler (which the
// embedded TURN server can use) accepts our credentials.
func TestTURNInteropPion(t *testing.T) {
	user, pass := TURNCredentials("s3cret", "carol", time.Hour, time.Now())
	handler := turn.LongTermTURNRESTAuthHandler("s3cret", nil)
	key, ok := handler(user, "parley", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5000})
	if !ok {
		t.Fatal("pion/turn rejected the credentials")
	}
	if want := turn.GenerateAuthKey(user, "parley", pass); !bytes.Equal(key, want) {
		t.Fatalf("key %x, want %x", key, want)
	}
}
