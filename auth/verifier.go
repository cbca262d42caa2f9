package auth

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenLength bounds the tokens Verify parses; longer input is
// malformed. Real tokens are a few hundred bytes.
const MaxTokenLength = 8 << 10

// KeyProvider looks up the secret of an API key.
type KeyProvider interface {
	// Secret returns the secret of apiKey, or false when the key is
	// unknown.
	Secret(apiKey string) (secret string, ok bool)
}

// KeySet is a static [KeyProvider]: API key -> secret.
type KeySet map[string]string

// Secret implements [KeyProvider].
func (k KeySet) Secret(apiKey string) (string, bool) {
	s, ok := k[apiKey]
	return s, ok && s != ""
}

// Config configures a [Verifier]. Start from [DefaultConfig].
type Config struct {
	// Leeway tolerates clock skew between the minting host and this node,
	// for nbf and iat only: an expired token is expired.
	Leeway time.Duration `yaml:"leeway"`
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time `yaml:"-"`
}

// DefaultConfig returns the production defaults.
func DefaultConfig() Config {
	return Config{Leeway: 30 * time.Second}
}

// Verifier checks access tokens. It is safe for concurrent use.
type Verifier struct {
	keys   KeyProvider
	leeway time.Duration
	now    func() time.Time
	parser *jwt.Parser
}

// NewVerifier returns a Verifier that accepts tokens signed by the keys of
// keys.
func NewVerifier(keys KeyProvider, cfg Config) *Verifier {
	v := &Verifier{keys: keys, leeway: max(cfg.Leeway, 0), now: cfg.Now}
	if v.now == nil {
		v.now = time.Now
	}
	// Times are checked in checkTimes: jwt's own leeway would also apply to
	// exp. Strict decoding rejects non-canonical base64 so that one token has
	// one spelling.
	v.parser = jwt.NewParser(jwt.WithoutClaimsValidation(), jwt.WithStrictDecoding())
	return v
}

// Verify checks token and returns its claims. Every error wraps
// [ErrInvalidToken] and one of the sentinels in errors.go.
func (v *Verifier) Verify(token string) (*Claims, error) {
	if token == "" {
		return nil, ErrMissingToken
	}
	if len(token) > MaxTokenLength {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrMalformed, len(token), MaxTokenLength)
	}
	var w wireClaims
	var keyErr error
	_, err := v.parser.ParseWithClaims(token, &w, func(t *jwt.Token) (any, error) {
		key, err := v.key(t)
		keyErr = err
		return key, err
	})
	if keyErr != nil {
		return nil, keyErr
	}
	if err != nil {
		return nil, mapParseError(err)
	}
	if err := v.checkTimes(&w); err != nil {
		return nil, err
	}
	if w.Subject == "" {
		return nil, ErrMissingIdentity
	}
	return w.claims(), nil
}

// key runs after the header and payload are decoded and before the
// signature is checked. It refuses every algorithm but HS256 first, so an
// attacker-chosen algorithm never meets a key.
func (v *Verifier) key(t *jwt.Token) (any, error) {
	if t.Method != jwt.SigningMethodHS256 {
		return nil, fmt.Errorf("%w: %q", ErrWrongAlgorithm, t.Method.Alg())
	}
	iss, err := t.Claims.GetIssuer()
	if err != nil {
		return nil, fmt.Errorf("%w: iss: %v", ErrMalformed, err)
	}
	if iss == "" {
		return nil, fmt.Errorf("%w: no iss claim", ErrUnknownKey)
	}
	secret, ok := v.keys.Secret(iss)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKey, iss)
	}
	return []byte(secret), nil
}

// mapParseError turns jwt's errors (other than those of key) into ours.
func mapParseError(err error) error {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return ErrBadSignature
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// The only cause left: the alg header is absent or names an
		// algorithm jwt does not know.
		return fmt.Errorf("%w: %v", ErrWrongAlgorithm, err)
	}
	return fmt.Errorf("%w: %v", ErrMalformed, err)
}

// checkTimes applies exp strictly (RFC 7519 section 4.1.4: the current time
// must be before exp) and nbf/iat with the leeway.
func (v *Verifier) checkTimes(w *wireClaims) error {
	now := v.now()
	if w.ExpiresAt == nil {
		return fmt.Errorf("%w: no exp claim", ErrMalformed)
	}
	if !now.Before(w.ExpiresAt.Time) {
		return fmt.Errorf("%w: at %s", ErrExpired, w.ExpiresAt.UTC().Format(time.RFC3339))
	}
	late := now.Add(v.leeway)
	if w.NotBefore != nil && late.Before(w.NotBefore.Time) {
		return fmt.Errorf("%w: nbf %s", ErrNotYetValid, w.NotBefore.UTC().Format(time.RFC3339))
	}
	if w.IssuedAt != nil && late.Before(w.IssuedAt.Time) {
		return fmt.Errorf("%w: iat %s", ErrNotYetValid, w.IssuedAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// BearerToken returns the token of an "Authorization: Bearer <token>" value
// (gRPC metadata or HTTP header), or "" when there is none.
func BearerToken(header string) string {
	const prefix = "bearer "
	if len(header) < len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return ""
	}
	return strings.TrimSpace(header[len(prefix):])
}
