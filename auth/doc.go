// Package auth mints and verifies Parley access tokens and derives
// short-lived TURN credentials.
//
// An access token is a JWT (RFC 7519) signed with HMAC-SHA256 (HS256) using
// the secret of an API key. Only HS256 is accepted: a token that names any
// other algorithm, including "none" and the asymmetric RS*/ES*/PS*/EdDSA
// families, is rejected before a key is looked up, so a public value can
// never be mistaken for an HMAC secret (algorithm confusion).
//
// # Claims on the wire
//
// The JSON names are part of Parley's contract; SDKs in other languages mint
// and read them. Registered claims (RFC 7519 section 4.1):
//
//	iss   API key whose secret signed the token (required)
//	sub   participant identity, unique in a room (required)
//	exp   expiry, Unix seconds (required; no leeway)
//	nbf   not before, Unix seconds (optional; leeway applies)
//	iat   issued at, Unix seconds (optional; leeway applies)
//
// Parley claims:
//
//	name      display name (optional)
//	metadata  opaque application data shown to the room (optional)
//	room      room the token is for; empty only for admin tokens that
//	          administer every room or create rooms
//	grants    object of permissions, every field optional and false/empty
//	          when absent:
//	  join            join the room named by "room"
//	  publish         publish media tracks
//	  subscribe       subscribe to other participants' tracks
//	  publishData     send chat and data messages
//	  roomAdmin       administer the room (RoomService participant and
//	                  track operations); with an empty "room", every room
//	  roomCreate      create, list and delete rooms
//	  publishSources  when not empty, the only sources "publish" allows:
//	                  "camera", "microphone", "screenShare",
//	                  "screenShareAudio"
//
// Example payload:
//
//	{"iss":"devkey","sub":"alice","exp":1767225600,"nbf":1767222000,
//	 "iat":1767222000,"name":"Alice","room":"standup",
//	 "grants":{"join":true,"publish":true,"subscribe":true,"publishData":true}}
//
// # Errors
//
// Every error of [Verifier.Verify] wraps [ErrInvalidToken] and one more
// specific sentinel (signaling maps them to ERROR_CODE_UNAUTHENTICATED);
// every error of the Can* checks wraps [ErrPermissionDenied]
// (ERROR_CODE_PERMISSION_DENIED).
//
// # TURN
//
// [TURNCredentials] implements the TURN REST scheme of coturn's
// use-auth-secret (draft-uberti-behave-turn-rest-00): the username is
// "<expiry unix seconds>:<identity>" and the password is
// base64(HMAC-SHA1(secret, username)), so the TURN server needs only the
// shared secret to check a credential.
package auth
