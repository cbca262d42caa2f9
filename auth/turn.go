package auth

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // SHA-1 is what the TURN REST scheme specifies.
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TURNCredentials returns ephemeral TURN credentials for identity that
// expire ttl after now (TURN REST scheme, coturn use-auth-secret):
//
//	username = "<expiry Unix seconds>:<identity>"
//	password = base64(HMAC-SHA1(secret, username))
func TURNCredentials(secret, identity string, ttl time.Duration, now time.Time) (username, password string) {
	username = strconv.FormatInt(now.Add(ttl).Unix(), 10) + ":" + identity
	return username, TURNPassword(secret, username)
}

// TURNPassword returns the password of a TURN REST username. A TURN server
// calls it in its authentication handler (after checking the expiry with
// ParseTURNUsername) to derive the long-term key.
func TURNPassword(secret, username string) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ParseTURNUsername splits a TURN REST username into its expiry and
// identity. The identity may itself contain ':'; the expiry is everything
// before the first one.
func ParseTURNUsername(username string) (expiry time.Time, identity string, err error) {
	ts, identity, ok := strings.Cut(username, ":")
	if !ok {
		return time.Time{}, "", fmt.Errorf("%w: no ':' in %q", ErrTURNMalformed, username)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, "", fmt.Errorf("%w: expiry %q is not Unix seconds", ErrTURNMalformed, ts)
	}
	return time.Unix(sec, 0), identity, nil
}

// VerifyTURNCredentials checks credentials made by TURNCredentials and
// returns the identity they were issued to. They are valid while now is
// before the expiry.
func VerifyTURNCredentials(secret, username, password string, now time.Time) (identity string, err error) {
	expiry, identity, err := ParseTURNUsername(username)
	if err != nil {
		return "", err
	}
	want := TURNPassword(secret, username)
	if subtle.ConstantTimeCompare([]byte(want), []byte(password)) != 1 {
		return "", ErrTURNBadPassword
	}
	if !now.Before(expiry) {
		return "", fmt.Errorf("%w: at %s", ErrTURNExpired, expiry.UTC().Format(time.RFC3339))
	}
	return identity, nil
}
