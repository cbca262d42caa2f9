package auth

import (
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// wireClaims is the JSON payload of a token; see the package doc.
type wireClaims struct {
	jwt.RegisteredClaims
	Name     string `json:"name,omitempty"`
	Metadata string `json:"metadata,omitempty"`
	Room     string `json:"room,omitempty"`
	Grants   Grants `json:"grants"`
}

// NewToken mints a token for c signed by apiKey/apiSecret, valid from now
// for ttl. The times in c are ignored.
//
//	tok, err := auth.NewToken("devkey", "devsecret", auth.Claims{
//		Identity: "alice", Name: "Alice", Room: "standup",
//		Grants: auth.Grants{Join: true, Publish: true, Subscribe: true, PublishData: true},
//	}, 6*time.Hour)
func NewToken(apiKey, apiSecret string, c Claims, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		return "", fmt.Errorf("%w: ttl %v is not positive", ErrInvalidArgument, ttl)
	}
	now := time.Now().Truncate(time.Second)
	c.IssuedAt, c.NotBefore, c.ExpiresAt = now, now, now.Add(ttl)
	return Sign(apiKey, apiSecret, c)
}

// Sign mints a token with exactly the claims in c, including its times (exp
// is required; a zero iat or nbf is left out). Use NewToken unless you need
// a token with chosen times, e.g. an expired one in a test.
func Sign(apiKey, apiSecret string, c Claims) (string, error) {
	switch {
	case apiKey == "":
		return "", fmt.Errorf("%w: empty API key", ErrInvalidArgument)
	case apiSecret == "":
		return "", fmt.Errorf("%w: empty API secret", ErrInvalidArgument)
	case c.Identity == "":
		return "", fmt.Errorf("%w: empty identity", ErrInvalidArgument)
	case c.ExpiresAt.IsZero():
		return "", fmt.Errorf("%w: no expiry", ErrInvalidArgument)
	}
	for _, s := range c.Grants.PublishSources {
		if !s.Valid() {
			return "", fmt.Errorf("%w: unknown publish source %q", ErrInvalidArgument, s)
		}
	}
	w := wireClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    apiKey,
			Subject:   c.Identity,
			ExpiresAt: jwt.NewNumericDate(c.ExpiresAt),
			NotBefore: numericDate(c.NotBefore),
			IssuedAt:  numericDate(c.IssuedAt),
		},
		Name:     c.Name,
		Metadata: c.Metadata,
		Room:     c.Room,
		Grants:   c.Grants,
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, w).SignedString([]byte(apiSecret))
	if err != nil {
		return "", fmt.Errorf("auth: sign token: %w", err)
	}
	return s, nil
}

func numericDate(t time.Time) *jwt.NumericDate {
	if t.IsZero() {
		return nil
	}
	return jwt.NewNumericDate(t)
}

func (w *wireClaims) claims() *Claims {
	c := &Claims{
		Identity: w.Subject,
		Name:     w.Name,
		Metadata: w.Metadata,
		Room:     w.Room,
		Grants:   w.Grants,
		APIKey:   w.Issuer,
	}
	if w.IssuedAt != nil {
		c.IssuedAt = w.IssuedAt.Time
	}
	if w.NotBefore != nil {
		c.NotBefore = w.NotBefore.Time
	}
	if w.ExpiresAt != nil {
		c.ExpiresAt = w.ExpiresAt.Time
	}
	return c
}
