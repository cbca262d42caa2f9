package auth

import (
	"errors"
	"fmt"
)

// ErrInvalidToken is wrapped by every error of [Verifier.Verify].
var ErrInvalidToken = errors.New("auth: invalid token")

// Reasons a token is rejected. Each wraps [ErrInvalidToken].
var (
	// ErrMissingToken: the token is empty.
	ErrMissingToken = fmt.Errorf("%w: missing", ErrInvalidToken)
	// ErrMalformed: not a JWT (segments, base64, JSON), too long, or without
	// an exp claim.
	ErrMalformed = fmt.Errorf("%w: malformed", ErrInvalidToken)
	// ErrUnknownKey: the iss claim names no API key known to the verifier.
	ErrUnknownKey = fmt.Errorf("%w: unknown API key", ErrInvalidToken)
	// ErrBadSignature: the signature does not match the API key's secret.
	ErrBadSignature = fmt.Errorf("%w: bad signature", ErrInvalidToken)
	// ErrExpired: the exp claim is in the past.
	ErrExpired = fmt.Errorf("%w: expired", ErrInvalidToken)
	// ErrNotYetValid: nbf or iat is in the future by more than the leeway.
	ErrNotYetValid = fmt.Errorf("%w: not yet valid", ErrInvalidToken)
	// ErrWrongAlgorithm: the header names an algorithm other than HS256.
	ErrWrongAlgorithm = fmt.Errorf("%w: algorithm not allowed", ErrInvalidToken)
	// ErrMissingIdentity: the sub claim is empty.
	ErrMissingIdentity = fmt.Errorf("%w: missing identity", ErrInvalidToken)
)

// ErrPermissionDenied is wrapped by every error of the Claims.Can* checks.
var ErrPermissionDenied = errors.New("auth: permission denied")

// Reasons a valid token does not allow an action. Each wraps
// [ErrPermissionDenied].
var (
	// ErrNoGrant: the token lacks the grant the action needs.
	ErrNoGrant = fmt.Errorf("%w: missing grant", ErrPermissionDenied)
	// ErrWrongRoom: the token is for another room (or for none).
	ErrWrongRoom = fmt.Errorf("%w: token is not for this room", ErrPermissionDenied)
	// ErrSourceNotAllowed: the publishSources grant excludes the source.
	ErrSourceNotAllowed = fmt.Errorf("%w: track source not allowed", ErrPermissionDenied)
)

// ErrInvalidArgument is returned when minting a token with an empty key,
// secret or identity, a non-positive lifetime or an unknown source.
var ErrInvalidArgument = errors.New("auth: invalid argument")

// ErrInvalidTURNCredentials is wrapped by every error of
// [VerifyTURNCredentials].
var ErrInvalidTURNCredentials = errors.New("auth: invalid TURN credentials")

// Reasons TURN credentials are rejected. Each wraps
// [ErrInvalidTURNCredentials].
var (
	// ErrTURNMalformed: the username is not "<expiry>:<identity>".
	ErrTURNMalformed = fmt.Errorf("%w: malformed username", ErrInvalidTURNCredentials)
	// ErrTURNExpired: the expiry in the username has passed.
	ErrTURNExpired = fmt.Errorf("%w: expired", ErrInvalidTURNCredentials)
	// ErrTURNBadPassword: the password is not the HMAC of the username.
	ErrTURNBadPassword = fmt.Errorf("%w: bad password", ErrInvalidTURNCredentials)
)
