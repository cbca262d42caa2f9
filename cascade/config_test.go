package cascade

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

func TestConfigValidate(t *testing.T) {
	ok := DefaultConfig()
	ok.URL = "nats://127.0.0.1:4222"
	for _, tc := range []struct {
		name   string
		node   string
		mutate func(*Config)
		ok     bool
	}{
		{name: "defaults", node: "ND_1a2b", ok: true},
		{name: "node id with a dot", node: "a.b"},
		{name: "node id with a wildcard", node: "a*"},
		{name: "empty node id", node: ""},
		{name: "dotted prefix", node: "n1", mutate: func(c *Config) { c.SubjectPrefix = "acme.parley" }, ok: true},
		{name: "wildcard prefix", node: "n1", mutate: func(c *Config) { c.SubjectPrefix = "acme.>" }},
		{name: "empty prefix", node: "n1", mutate: func(c *Config) { c.SubjectPrefix = "" }},
		{name: "timeout below two heartbeats", node: "n1", mutate: func(c *Config) { c.NodeTimeout = c.HeartbeatInterval }},
		{name: "zero request timeout", node: "n1", mutate: func(c *Config) { c.RequestTimeout = 0 }},
		{name: "cert without key", node: "n1", mutate: func(c *Config) { c.TLS.CertFile = "x.pem" }},
		{name: "two kinds of credentials", node: "n1", mutate: func(c *Config) { c.Token, c.User = "t", "u" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			if tc.mutate != nil {
				tc.mutate(&cfg)
			}
			err := cfg.validate(tc.node)
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalidConfig)) {
				t.Fatalf("validate(%q) = %v, want ok=%v", tc.node, err, tc.ok)
			}
		})
	}
	if (Config{}).Enabled() || !ok.Enabled() {
		t.Fatal("Enabled must follow the URL")
	}
}

// TestNATSOptions: each way of authenticating ends up in the nats.go
// options, and unreadable files are refused up front.
func TestNATSOptions(t *testing.T) {
	dir := t.TempDir()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := kp.Seed()
	pub, _ := kp.PublicKey()
	seedFile := filepath.Join(dir, "user.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	writeCreds(t, filepath.Join(dir, "user.creds"), kp)
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		check  func(o nats.Options) bool
		err    bool
	}{
		{"plain", func(*Config) {}, func(o nats.Options) bool {
			return o.Name == "parley n1" && o.NoEcho && o.RetryOnFailedConnect && o.MaxReconnect == -1 && !o.Secure
		}, false},
		{"user", func(c *Config) { c.User, c.Password = "u", "p" }, func(o nats.Options) bool { return o.User == "u" && o.Password == "p" }, false},
		{"token", func(c *Config) { c.Token = "tok" }, func(o nats.Options) bool { return o.Token == "tok" }, false},
		{"nkey", func(c *Config) { c.NKeySeedFile = seedFile }, func(o nats.Options) bool { return o.Nkey == pub && o.SignatureCB != nil }, false},
		{"missing nkey file", func(c *Config) { c.NKeySeedFile = filepath.Join(dir, "none") }, nil, true},
		{"credentials", func(c *Config) { c.CredentialsFile = filepath.Join(dir, "user.creds") }, func(o nats.Options) bool {
			return o.UserJWT != nil && o.SignatureCB != nil
		}, false},
		{"tls", func(c *Config) { c.TLS.Enabled = true }, func(o nats.Options) bool { return o.Secure && o.TLSConfig != nil }, false},
		{"missing CA file", func(c *Config) { c.TLS.CAFile = filepath.Join(dir, "none.pem") }, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.URL = "nats://127.0.0.1:4222"
			tc.mutate(&cfg)
			opts, err := cfg.natsOptions("n1")
			var o nats.Options
			for _, opt := range opts {
				if err == nil {
					err = opt(&o)
				}
			}
			if tc.err {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil || !tc.check(o) {
				t.Fatalf("options %+v, err %v", o, err)
			}
		})
	}
}

func TestViewID(t *testing.T) {
	type parsed struct {
		SID   string
		Layer int8
		OK    bool
	}
	for _, tc := range []struct {
		id   string
		want parsed
	}{
		{viewID("TR_abc", 0), parsed{"TR_abc", 0, true}},
		{viewID("TR_abc", 2), parsed{"TR_abc", 2, true}},
		{"TR_abc~3", parsed{}},
		{"TR_abc~", parsed{}},
		{"~1", parsed{}},
		{"TR_abc", parsed{}},
		{"TR_abc~12", parsed{}},
		{"TR_abc~-", parsed{}},
	} {
		sid, layer, ok := parseViewID(tc.id)
		if got := (parsed{sid, layer, ok}); got != tc.want {
			t.Errorf("parseViewID(%q) = %+v, want %+v", tc.id, got, tc.want)
		}
	}
}

func FuzzParseViewID(f *testing.F) {
	for _, seed := range []string{"TR_abc~0", "TR_abc~2", "~", "TR~9", "a~b~1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		sid, layer, ok := parseViewID(id)
		if ok && (viewID(sid, layer) != id || layer < 0 || layer > 2) {
			t.Fatalf("parseViewID(%q) = %q, %d: not a view id", id, sid, layer)
		}
	})
}

// TestReplyErrors: a room error crosses nodes as a code and comes back as
// the same room error.
func TestReplyErrors(t *testing.T) {
	for _, c := range replyCodes() {
		back := errorReply(c.sentinel).err()
		if !errors.Is(back, c.sentinel) {
			t.Errorf("%s: %v does not wrap %v", c.code, back, c.sentinel)
		}
	}
	if err := errorReply(errors.New("boom")).err(); !errors.Is(err, ErrNodeUnavailable) {
		t.Errorf("an unknown error came back as %v", err)
	}
	if err := (reply{}).err(); err != nil {
		t.Errorf("an empty reply is an error: %v", err)
	}
}

// writeCreds writes a credentials file (user JWT signed by a new account,
// and the user's seed) as nsc does.
func writeCreds(t *testing.T, path string, user nkeys.KeyPair) {
	t.Helper()
	account, err := nkeys.CreateAccount()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := user.PublicKey()
	token, err := jwt.NewUserClaims(pub).Encode(account)
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := user.Seed()
	creds, err := jwt.FormatUserConfig(token, seed)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, creds, 0o600); err != nil {
		t.Fatal(err)
	}
}
