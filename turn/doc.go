// Package turn is Parley's embedded TURN server (RFC 5766 relays over UDP,
// TCP and TLS, on pion/turn) with ephemeral credentials and the relay
// policy that keeps it from being an open relay.
//
// Credentials follow the TURN REST scheme that coturn's use-auth-secret
// implements (see auth.TURNCredentials): username "<expiry>:<identity>",
// password base64(HMAC-SHA1(secret, username)). The same secret therefore
// also works with an external coturn.
//
// Relay policy:
//   - Peers in loopback, private, link-local, multicast and unspecified
//     ranges are refused (CreatePermission and ChannelBind get 403) unless
//     Config.AllowPeers lists them; the SFU's own media addresses
//     (Options.Exempt) stay reachable, and on their IP only their port:
//     permissions are per IP (RFC 5766 §2.3), so data to other ports of
//     that IP is dropped at the relay socket.
//   - Allocations are capped per user (486 Allocation Quota Reached) and in
//     total (508 Insufficient Capacity), and each allocation's relayed
//     bytes are capped by a token bucket; excess packets are dropped and
//     counted.
//   - Wrong, malformed or expired credentials get 401 Unauthorized with a
//     fresh NONCE and the REALM (RFC 5389 §10.2.2); a stale nonce gets 438.
//     pion/turn itself answers 400 to bad credentials, so a small gate in
//     front of it (authgate.go) turns those requests into unauthenticated
//     ones, which pion answers with the 401 the RFC asks for.
package turn
