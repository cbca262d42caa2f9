package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"hash"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	testKey    = "devkey"
	testSecret = "devsecret"
)

// testNow is the verifier's clock in these tests.
var testNow = time.Unix(1_767_222_000, 0)

func testVerifier() *Verifier {
	cfg := DefaultConfig()
	cfg.Now = func() time.Time { return testNow }
	return NewVerifier(KeySet{testKey: testSecret, "other": "othersecret"}, cfg)
}

func aliceClaims() Claims {
	return Claims{
		Identity:  "alice",
		Name:      "Alice",
		Metadata:  `{"team":"a"}`,
		Room:      "standup",
		IssuedAt:  testNow.Add(-time.Minute),
		NotBefore: testNow.Add(-time.Minute),
		ExpiresAt: testNow.Add(time.Hour),
		Grants: Grants{
			Join: true, Publish: true, Subscribe: true, PublishData: true,
			PublishSources: []Source{SourceCamera, SourceMicrophone},
		},
	}
}

func mustSign(t testing.TB, key, secret string, c Claims) string {
	t.Helper()
	tok, err := Sign(key, secret, c)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return tok
}

// rawToken builds a JWT by hand from header and payload JSON, signed with
// HMAC over secret using h (nil: no signature). It does not use the jwt
// library, so it also checks our wire format against RFC 7515 compact
// serialization.
func rawToken(header, payload string, h func() hash.Hash, secret string) string {
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	sig := ""
	if h != nil {
		mac := hmac.New(h, []byte(secret))
		mac.Write([]byte(signing))
		sig = enc.EncodeToString(mac.Sum(nil))
	}
	return signing + "." + sig
}

// payload is a valid claim set at testNow, as JSON.
const payload = `{"iss":"devkey","sub":"bob","exp":1767225600,"nbf":1767221940,"iat":1767221940,` +
	`"name":"Bob","room":"standup","grants":{"join":true,"subscribe":true,"roomAdmin":true,"publishSources":["screenShare"]}}`

func TestVerify(t *testing.T) {
	v := testVerifier()
	good := aliceClaims()
	wantGood := good
	wantGood.APIKey = testKey

	with := func(f func(c *Claims)) Claims {
		c := aliceClaims()
		f(&c)
		return c
	}
	hs256 := `{"alg":"HS256","typ":"JWT"}`
	goodTok := mustSign(t, testKey, testSecret, good)
	parts := strings.Split(goodTok, ".")

	tests := []struct {
		name  string
		token string
		want  *Claims
		err   error
	}{
		{name: "round trip", token: goodTok, want: &wantGood},
		{name: "hand-made token with the documented claim names", token: rawToken(hs256, payload, sha256.New, testSecret),
			want: &Claims{
				Identity: "bob", Name: "Bob", Room: "standup", APIKey: "devkey",
				IssuedAt: time.Unix(1767221940, 0), NotBefore: time.Unix(1767221940, 0), ExpiresAt: time.Unix(1767225600, 0),
				Grants: Grants{Join: true, Subscribe: true, RoomAdmin: true, PublishSources: []Source{SourceScreenShare}},
			}},
		{name: "second key of the set", token: mustSign(t, "other", "othersecret", good),
			want: func() *Claims { c := wantGood; c.APIKey = "other"; return &c }()},
		{name: "nbf inside leeway", token: mustSign(t, testKey, testSecret, with(func(c *Claims) { c.NotBefore = testNow.Add(29 * time.Second) })),
			want: func() *Claims { c := wantGood; c.NotBefore = testNow.Add(29 * time.Second); return &c }()},
		{name: "iat inside leeway", token: mustSign(t, testKey, testSecret, with(func(c *Claims) { c.IssuedAt = testNow.Add(30 * time.Second) })),
			want: func() *Claims { c := wantGood; c.IssuedAt = testNow.Add(30 * time.Second); return &c }()},
		{name: "no nbf and no iat", token: mustSign(t, testKey, testSecret, with(func(c *Claims) { c.NotBefore, c.IssuedAt = time.Time{}, time.Time{} })),
			want: func() *Claims { c := wantGood; c.NotBefore, c.IssuedAt = time.Time{}, time.Time{}; return &c }()},

		{name: "empty", token: "", err: ErrMissingToken},
		{name: "one segment", token: "abc", err: ErrMalformed},
		{name: "two segments", token: parts[0] + "." + parts[1], err: ErrMalformed},
		{name: "four segments", token: goodTok + ".x", err: ErrMalformed},
		{name: "header not base64", token: "!!!." + parts[1] + "." + parts[2], err: ErrMalformed},
		{name: "header not JSON", token: rawToken(`{"alg":`, payload, sha256.New, testSecret), err: ErrMalformed},
		{name: "payload not JSON", token: rawToken(hs256, `[1,2`, sha256.New, testSecret), err: ErrMalformed},
		{name: "grant of the wrong type", token: rawToken(hs256, `{"iss":"devkey","sub":"a","exp":1767225600,"grants":{"join":"yes"}}`, sha256.New, testSecret), err: ErrMalformed},
		{name: "signature not base64", token: parts[0] + "." + parts[1] + ".***", err: ErrMalformed},
		{name: "padded base64", token: parts[0] + "=." + parts[1] + "." + parts[2], err: ErrMalformed},
		{name: "too long", token: goodTok + strings.Repeat("A", MaxTokenLength), err: ErrMalformed},
		{name: "no exp", token: rawToken(hs256, `{"iss":"devkey","sub":"a"}`, sha256.New, testSecret), err: ErrMalformed},

		{name: "unknown key", token: mustSign(t, "nokey", testSecret, good), err: ErrUnknownKey},
		{name: "no iss", token: rawToken(hs256, `{"sub":"a","exp":1767225600}`, sha256.New, testSecret), err: ErrUnknownKey},
		{name: "wrong secret", token: mustSign(t, testKey, "notthesecret", good), err: ErrBadSignature},
		{name: "payload swapped", token: parts[0] + "." + strings.Split(rawToken(hs256, payload, nil, ""), ".")[1] + "." + parts[2], err: ErrBadSignature},
		{name: "signature stripped", token: parts[0] + "." + parts[1] + ".", err: ErrBadSignature},

		{name: "expired just now", token: mustSign(t, testKey, testSecret, with(func(c *Claims) { c.ExpiresAt = testNow })), err: ErrExpired},
		{name: "expired, no leeway for exp", token: mustSign(t, testKey, testSecret, with(func(c *Claims) { c.ExpiresAt = testNow.Add(-time.Second) })), err: ErrExpired},
		{name: "nbf past leeway", token: mustSign(t, testKey, testSecret, with(func(c *Claims) { c.NotBefore = testNow.Add(31 * time.Second) })), err: ErrNotYetValid},
		{name: "iat past leeway", token: mustSign(t, testKey, testSecret, with(func(c *Claims) { c.IssuedAt = testNow.Add(time.Hour) })), err: ErrNotYetValid},

		{name: "alg none", token: rawToken(`{"alg":"none","typ":"JWT"}`, payload, nil, ""), err: ErrWrongAlgorithm},
		{name: "alg NONE", token: rawToken(`{"alg":"NONE"}`, payload, nil, ""), err: ErrWrongAlgorithm},
		{name: "alg HS512 with the right secret", token: rawToken(`{"alg":"HS512"}`, payload, sha512.New, testSecret), err: ErrWrongAlgorithm},
		{name: "alg RS256 signed with HMAC of the secret", token: rawToken(`{"alg":"RS256"}`, payload, sha256.New, testSecret), err: ErrWrongAlgorithm},
		{name: "alg ES256", token: rawToken(`{"alg":"ES256"}`, payload, sha256.New, testSecret), err: ErrWrongAlgorithm},
		{name: "alg EdDSA", token: rawToken(`{"alg":"EdDSA"}`, payload, sha256.New, testSecret), err: ErrWrongAlgorithm},
		{name: "unknown alg", token: rawToken(`{"alg":"HS257"}`, payload, sha256.New, testSecret), err: ErrWrongAlgorithm},
		{name: "no alg", token: rawToken(`{"typ":"JWT"}`, payload, sha256.New, testSecret), err: ErrWrongAlgorithm},
		{name: "alg not a string", token: rawToken(`{"alg":256}`, payload, sha256.New, testSecret), err: ErrWrongAlgorithm},

		{name: "empty identity", token: rawToken(hs256, `{"iss":"devkey","exp":1767225600}`, sha256.New, testSecret), err: ErrMissingIdentity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(tt.token)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !errors.Is(err, ErrInvalidToken) {
					t.Fatalf("Verify error = %v, want %v", err, tt.err)
				}
				if got != nil {
					t.Fatalf("Verify returned claims %+v with error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("claims:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestVerifyLeewayConfig(t *testing.T) {
	c := aliceClaims()
	c.NotBefore = testNow.Add(10 * time.Second)
	tok := mustSign(t, testKey, testSecret, c)
	tests := []struct {
		leeway time.Duration
		err    error
	}{
		{leeway: 0, err: ErrNotYetValid},
		{leeway: -time.Minute, err: ErrNotYetValid},
		{leeway: 9 * time.Second, err: ErrNotYetValid},
		{leeway: 10 * time.Second},
	}
	for _, tt := range tests {
		v := NewVerifier(KeySet{testKey: testSecret}, Config{Leeway: tt.leeway, Now: func() time.Time { return testNow }})
		if _, err := v.Verify(tok); !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
			t.Errorf("leeway %v: err = %v, want %v", tt.leeway, err, tt.err)
		}
	}
}

func TestKeySetEmptySecretIsUnknown(t *testing.T) {
	v := NewVerifier(KeySet{testKey: ""}, DefaultConfig())
	// Sign refuses an empty secret, so craft the token by hand.
	tok := rawToken(`{"alg":"HS256"}`, payload, sha256.New, "")
	if _, err := v.Verify(tok); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("err = %v, want ErrUnknownKey", err)
	}
}

func TestBearerToken(t *testing.T) {
	tests := map[string]string{
		"Bearer abc.def.ghi":   "abc.def.ghi",
		"bearer  abc ":         "abc",
		"BEARER x":             "x",
		"Basic dXNlcjpwYXNz":   "",
		"Bearer":               "",
		"":                     "",
		"abc.def.ghi":          "",
		"Bearerabc.def.ghi xx": "",
	}
	for in, want := range tests {
		if got := BearerToken(in); got != want {
			t.Errorf("BearerToken(%q) = %q, want %q", in, got, want)
		}
	}
}

// sentinels are the specific reasons Verify may give.
var sentinels = []error{
	ErrMissingToken, ErrMalformed, ErrUnknownKey, ErrBadSignature, ErrExpired,
	ErrNotYetValid, ErrWrongAlgorithm, ErrMissingIdentity,
}

func FuzzVerify(f *testing.F) {
	good := mustSign(f, testKey, testSecret, aliceClaims())
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add(rawToken(`{"alg":"none"}`, payload, nil, ""))
	f.Add(rawToken(`{"alg":"HS256"}`, payload, sha256.New, testSecret))
	f.Add(rawToken(`{"alg":"HS256"}`, `{"iss":"devkey","exp":1e300}`, sha256.New, testSecret))
	v := testVerifier()
	f.Fuzz(func(t *testing.T, token string) {
		c, err := v.Verify(token)
		if err == nil {
			if c == nil || c.Identity == "" || c.APIKey == "" || !testNow.Before(c.ExpiresAt) {
				t.Fatalf("accepted token with claims %+v", c)
			}
			return
		}
		if c != nil {
			t.Fatalf("claims %+v returned with error %v", c, err)
		}
		n := 0
		for _, s := range sentinels {
			if errors.Is(err, s) {
				n++
			}
		}
		if n != 1 || !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("error %v matches %d sentinels, want exactly 1", err, n)
		}
	})
}
