package client

import (
	"errors"
	"testing"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		in   string
		want endpoint
		err  bool
	}{
		{in: "grpc://127.0.0.1:7890", want: endpoint{kind: transportGRPC, addr: "127.0.0.1:7890", host: "127.0.0.1"}},
		{in: "grpc://example.com", want: endpoint{kind: transportGRPC, addr: "example.com:7890", host: "example.com"}},
		{in: "GRPC://example.com:1/", want: endpoint{kind: transportGRPC, addr: "example.com:1", host: "example.com"}},
		{in: "grpcs://sfu.example.com", want: endpoint{kind: transportGRPC, tls: true, addr: "sfu.example.com:7890", host: "sfu.example.com"}},
		{in: "127.0.0.1:7890", want: endpoint{kind: transportGRPC, addr: "127.0.0.1:7890", host: "127.0.0.1"}},
		{in: " localhost:9000 ", want: endpoint{kind: transportGRPC, addr: "localhost:9000", host: "localhost"}},
		{in: "localhost", want: endpoint{kind: transportGRPC, addr: "localhost:7890", host: "localhost"}},
		{in: "[::1]:7890", want: endpoint{kind: transportGRPC, addr: "[::1]:7890", host: "::1"}},
		{in: "grpc://[::1]", want: endpoint{kind: transportGRPC, addr: "[::1]:7890", host: "::1"}},
		{in: "ws://127.0.0.1:7880/signal", want: endpoint{kind: transportWebSocket, addr: "ws://127.0.0.1:7880/signal", host: "127.0.0.1"}},
		{in: "ws://127.0.0.1:7880", want: endpoint{kind: transportWebSocket, addr: "ws://127.0.0.1:7880/signal", host: "127.0.0.1"}},
		{in: "ws://127.0.0.1:7880/", want: endpoint{kind: transportWebSocket, addr: "ws://127.0.0.1:7880/signal", host: "127.0.0.1"}},
		{in: "ws://h/custom?x=1#frag", want: endpoint{kind: transportWebSocket, addr: "ws://h/custom?x=1", host: "h"}},
		{in: "wss://sfu.example.com/signal", want: endpoint{kind: transportWebSocket, tls: true, addr: "wss://sfu.example.com/signal", host: "sfu.example.com"}},
		{in: "http://127.0.0.1:7880", want: endpoint{kind: transportWebSocket, addr: "ws://127.0.0.1:7880/signal", host: "127.0.0.1"}},
		{in: "http://127.0.0.1:7880/", want: endpoint{kind: transportWebSocket, addr: "ws://127.0.0.1:7880/signal", host: "127.0.0.1"}},
		{in: "http://127.0.0.1:7880/signal", want: endpoint{kind: transportWebSocket, addr: "ws://127.0.0.1:7880/signal", host: "127.0.0.1"}},
		{in: "https://example.com/parley/", want: endpoint{kind: transportWebSocket, tls: true, addr: "wss://example.com/parley/signal", host: "example.com"}},
		{in: "HTTPS://[::1]:8443", want: endpoint{kind: transportWebSocket, tls: true, addr: "wss://[::1]:8443/signal", host: "::1"}},

		{in: "", err: true},
		{in: "   ", err: true},
		{in: "ftp://example.com", err: true},
		{in: "grpc://", err: true},
		{in: "ws:///signal", err: true},
		{in: "grpc://h:7890/path", err: true},
		{in: "grpc://h:7890?x=1", err: true},
		{in: "ws://user:pw@h/signal", err: true},
		{in: "http://%zz", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseURL(tt.in)
			if tt.err {
				if !errors.Is(err, ErrInvalidURL) {
					t.Fatalf("parseURL(%q) = %+v, %v; want ErrInvalidURL", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("parseURL(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestIsLoopbackHost(t *testing.T) {
	tests := map[string]bool{
		"127.0.0.1": true, "127.1.2.3": true, "::1": true, "localhost": true, "LocalHost.": true,
		"10.0.0.1": false, "example.com": false, "localhost.example.com": false, "": false, "::": false,
	}
	for host, want := range tests {
		if got := isLoopbackHost(host); got != want {
			t.Errorf("isLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}
