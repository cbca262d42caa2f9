// Package web serves Parley's meeting web app: static files embedded in the
// binary (plain ES modules, no build step) and two pages, the home page at
// / and the room page at /<room>.
//
// The page speaks the signaling protocol of proto/parley/v1/signal.proto as
// protobuf JSON over a WebSocket at /signal and gets guest tokens from
// /api/guest-token; the server mounts those (and /healthz, /metrics) beside
// this handler. The package imports nothing else of Parley's.
package web
