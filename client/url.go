package client

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Default ports of a Parley node (shared/design.md).
const (
	defaultGRPCPort = "7890"
	signalPath      = "/signal"
)

type transportKind int

const (
	transportGRPC transportKind = iota + 1
	transportWebSocket
)

func (k transportKind) String() string {
	switch k {
	case transportGRPC:
		return "grpc"
	case transportWebSocket:
		return "websocket"
	}
	return "unknown"
}

// endpoint is where and how to reach a node's signaling service.
type endpoint struct {
	kind transportKind
	// tls is set for grpcs://, wss:// and https://.
	tls bool
	// addr is host:port for gRPC; the full ws:// or wss:// URL for
	// WebSocket.
	addr string
	// host is the host name or IP without port, to decide loopback mode.
	host string
}

// parseURL maps a server URL to an endpoint:
//
//	grpc://host[:port], host[:port]       gRPC Signal.Connect (port 7890)
//	grpcs://host[:port]                   the same over TLS
//	ws://host:port/path, wss://...        WebSocket at that path ("/signal" when empty)
//	http://host:port[/prefix], https://…  WebSocket at <prefix>/signal
func parseURL(raw string) (endpoint, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return endpoint{}, fmt.Errorf("%w: empty", ErrInvalidURL)
	}
	if !strings.Contains(raw, "://") {
		raw = "grpc://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return endpoint{}, fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	if u.Hostname() == "" {
		return endpoint{}, fmt.Errorf("%w: %q has no host", ErrInvalidURL, raw)
	}
	if u.User != nil {
		return endpoint{}, fmt.Errorf("%w: %q: user info is not supported", ErrInvalidURL, raw)
	}
	ep := endpoint{host: u.Hostname()}
	switch strings.ToLower(u.Scheme) {
	case "grpc", "grpcs":
		if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return endpoint{}, fmt.Errorf("%w: %q: a gRPC URL has no path or query", ErrInvalidURL, raw)
		}
		ep.kind, ep.tls = transportGRPC, strings.EqualFold(u.Scheme, "grpcs")
		port := u.Port()
		if port == "" {
			port = defaultGRPCPort
		}
		ep.addr = net.JoinHostPort(u.Hostname(), port)
	case "ws", "wss":
		ep.kind, ep.tls = transportWebSocket, strings.EqualFold(u.Scheme, "wss")
		if u.Path == "" || u.Path == "/" {
			u.Path, u.RawPath = signalPath, ""
		}
		ep.addr = wsURL(u)
	case "http", "https":
		ep.kind, ep.tls = transportWebSocket, strings.EqualFold(u.Scheme, "https")
		u.Scheme = "ws"
		if ep.tls {
			u.Scheme = "wss"
		}
		if !strings.HasSuffix(u.Path, signalPath) {
			u.Path = strings.TrimSuffix(u.Path, "/") + signalPath
			u.RawPath = ""
		}
		ep.addr = wsURL(u)
	default:
		return endpoint{}, fmt.Errorf("%w: %q: unknown scheme %q (want grpc, grpcs, ws, wss, http or https)",
			ErrInvalidURL, raw, u.Scheme)
	}
	return ep, nil
}

func wsURL(u *url.URL) string {
	u.Scheme = strings.ToLower(u.Scheme)
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// isLoopbackHost reports whether host names this machine's loopback
// interface: "localhost" or a loopback IP.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
