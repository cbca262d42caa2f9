package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNewTokenRoundTrip(t *testing.T) {
	c := Claims{
		Identity: "bot-1", Name: "Bot", Room: "load",
		Grants: Grants{Join: true, Publish: true},
		// Ignored by NewToken.
		ExpiresAt: time.Unix(1, 0),
	}
	before := time.Now().Truncate(time.Second)
	tok, err := NewToken(testKey, testSecret, c, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	got, err := NewVerifier(KeySet{testKey: testSecret}, DefaultConfig()).Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got.IssuedAt.Before(before) || got.IssuedAt.After(after) || !got.NotBefore.Equal(got.IssuedAt) ||
		got.ExpiresAt.Sub(got.IssuedAt) != 10*time.Minute {
		t.Fatalf("times iat=%v nbf=%v exp=%v, minted between %v and %v", got.IssuedAt, got.NotBefore, got.ExpiresAt, before, after)
	}
	want := c
	want.APIKey = testKey
	want.IssuedAt, want.NotBefore, want.ExpiresAt = got.IssuedAt, got.NotBefore, got.ExpiresAt
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("claims:\n got %+v\nwant %+v", *got, want)
	}
}

// TestWirePayload pins the JSON names of the claims: other SDKs depend on
// them.
func TestWirePayload(t *testing.T) {
	c := aliceClaims()
	c.Grants = Grants{Join: true, Publish: true, Subscribe: true, PublishData: true, RoomAdmin: true, RoomCreate: true,
		PublishSources: []Source{SourceScreenShare, SourceScreenShareAudio}}
	tok := mustSign(t, testKey, testSecret, c)
	seg := strings.Split(tok, ".")
	header, err := base64.RawURLEncoding.DecodeString(seg[0])
	if err != nil {
		t.Fatal(err)
	}
	body, err := base64.RawURLEncoding.DecodeString(seg[1])
	if err != nil {
		t.Fatal(err)
	}
	var gotHeader, gotBody map[string]any
	if err := json.Unmarshal(header, &gotHeader); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &gotBody); err != nil {
		t.Fatal(err)
	}
	wantHeader := map[string]any{"alg": "HS256", "typ": "JWT"}
	wantBody := map[string]any{
		"iss": "devkey", "sub": "alice", "name": "Alice", "metadata": `{"team":"a"}`, "room": "standup",
		"iat": float64(testNow.Unix() - 60), "nbf": float64(testNow.Unix() - 60), "exp": float64(testNow.Unix() + 3600),
		"grants": map[string]any{
			"join": true, "publish": true, "subscribe": true, "publishData": true, "roomAdmin": true, "roomCreate": true,
			"publishSources": []any{"screenShare", "screenShareAudio"},
		},
	}
	if !reflect.DeepEqual(gotHeader, wantHeader) {
		t.Errorf("header = %v, want %v", gotHeader, wantHeader)
	}
	if !reflect.DeepEqual(gotBody, wantBody) {
		t.Errorf("payload:\n got %v\nwant %v", gotBody, wantBody)
	}
}

func TestMintErrors(t *testing.T) {
	ok := aliceClaims()
	noID := ok
	noID.Identity = ""
	noExp := ok
	noExp.ExpiresAt = time.Time{}
	badSource := ok
	badSource.Grants.PublishSources = []Source{"webcam"}
	tests := []struct {
		name string
		mint func() (string, error)
	}{
		{"NewToken zero ttl", func() (string, error) { return NewToken(testKey, testSecret, ok, 0) }},
		{"NewToken negative ttl", func() (string, error) { return NewToken(testKey, testSecret, ok, -time.Second) }},
		{"NewToken empty identity", func() (string, error) { return NewToken(testKey, testSecret, noID, time.Hour) }},
		{"Sign empty key", func() (string, error) { return Sign("", testSecret, ok) }},
		{"Sign empty secret", func() (string, error) { return Sign(testKey, "", ok) }},
		{"Sign no expiry", func() (string, error) { return Sign(testKey, testSecret, noExp) }},
		{"Sign unknown source", func() (string, error) { return Sign(testKey, testSecret, badSource) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := tt.mint()
			if !errors.Is(err, ErrInvalidArgument) || tok != "" {
				t.Fatalf("got %q, %v; want ErrInvalidArgument", tok, err)
			}
		})
	}
}
