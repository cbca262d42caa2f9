// Package natsembed runs a NATS server inside the process: for tests (an
// in-process cluster on a random port) and for `parley cluster` (a local
// dev cluster with no NATS installed).
package natsembed

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// startTimeout bounds how long a server may take to accept connections.
const startTimeout = 10 * time.Second

// Server is an in-process NATS server.
type Server struct {
	host string
	port int
	opts []Option
	srv  *natsserver.Server
}

// Option configures the server.
type Option func(*natsserver.Options)

// WithToken makes clients authenticate with a token.
func WithToken(token string) Option {
	return func(o *natsserver.Options) { o.Authorization = token }
}

// WithNKeyUser admits the NKey user with that public key ("U...").
func WithNKeyUser(publicKey string) Option {
	return func(o *natsserver.Options) { o.Nkeys = append(o.Nkeys, &natsserver.NkeyUser{Nkey: publicKey}) }
}

// Start starts a NATS server on host:port; port 0 picks a free one.
func Start(host string, port int, opts ...Option) (*Server, error) {
	if port == 0 {
		port = natsserver.RANDOM_PORT
	}
	s := &Server{host: host, port: port, opts: opts}
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) start() error {
	o := &natsserver.Options{Host: s.host, Port: s.port, NoLog: true, NoSigs: true}
	for _, opt := range s.opts {
		opt(o)
	}
	srv, err := natsserver.NewServer(o)
	if err != nil {
		return fmt.Errorf("nats server: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(startTimeout) {
		srv.Shutdown()
		return errors.New("nats server: not accepting connections")
	}
	addr, ok := srv.Addr().(*net.TCPAddr)
	if !ok {
		srv.Shutdown()
		return errors.New("nats server: no TCP address")
	}
	s.port, s.srv = addr.Port, srv
	return nil
}

// URL is the client URL ("nats://127.0.0.1:4222").
func (s *Server) URL() string {
	return "nats://" + net.JoinHostPort(s.host, strconv.Itoa(s.port))
}

// Stop shuts the server down: its clients lose their connection.
func (s *Server) Stop() {
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
		s.srv = nil
	}
}

// Restart stops the server and starts a new one on the same port, as an
// operator restarting NATS would; clients reconnect by themselves.
func (s *Server) Restart(pause time.Duration) error {
	s.Stop()
	time.Sleep(pause)
	return s.start()
}
