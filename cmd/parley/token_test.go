package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parley-sfu/parley/auth"
	"github.com/parley-sfu/parley/server"
)

func TestTokenCreate(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"token", "create", "--room", "demo", "--identity", "alice", "--publish", "--subscribe", "--ttl", "1h"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	v := auth.NewVerifier(auth.KeySet{server.DevAPIKey: server.DevAPISecret}, auth.DefaultConfig())
	c, err := v.Verify(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("the server's verifier rejects the token: %v", err)
	}
	if c.Identity != "alice" || c.Room != "demo" || !c.Grants.Join || !c.Grants.Publish || !c.Grants.Subscribe || c.Grants.RoomAdmin {
		t.Fatalf("claims = %+v", c)
	}
	if ttl := time.Until(c.ExpiresAt); ttl < 59*time.Minute || ttl > time.Hour+time.Minute {
		t.Fatalf("expires in %s, want about 1h", ttl)
	}
}

func TestTokenCreateErrors(t *testing.T) {
	for _, args := range [][]string{
		{"token"},
		{"token", "create", "--room", "demo"},
		{"token", "create", "--identity", "a"},
		{"token", "create", "--room", "demo", "--identity", "a", "--sources", "hologram"},
		{"token", "create", "--bogus"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code == 0 {
			t.Errorf("%q succeeded, want an error", args)
		} else if errOut.Len() == 0 {
			t.Errorf("%q: no error message", args)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"fly"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "unknown command") {
		t.Fatalf("code %d, stderr %q", code, errOut.String())
	}
}
