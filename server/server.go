// Package server assembles one Parley node: the media engine, the rooms, the
// signaling service on gRPC and WebSocket, the web app and the health
// endpoint. cmd/parley and the tests build nodes with it.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/parley-sfu/parley/auth"
	"github.com/parley-sfu/parley/cascade"
	"github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/room"
	"github.com/parley-sfu/parley/sfu"
	"github.com/parley-sfu/parley/signaling"
	"github.com/parley-sfu/parley/turn"
	"github.com/parley-sfu/parley/web"
)

// Version is the server version reported to clients.
const Version = "0.1.0"

// Server is one running node.
type Server struct {
	cfg    Config
	log    *slog.Logger
	engine *sfu.Engine
	turn   *turn.Server // nil unless enabled
	rooms  *room.Manager
	signal *signaling.Service
	// cluster is set when the node is part of a cluster (cluster.go).
	cluster *cascade.Node

	httpLn, grpcLn net.Listener
	httpSrv        *http.Server
	grpcSrv        *grpc.Server

	wg       sync.WaitGroup
	stopOnce sync.Once
}

// New validates cfg, opens the ports and builds the node; Start serves.
func New(cfg Config, logger *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.NodeID == "" {
		cfg.NodeID = randomNodeID()
	}
	cfg.Room.NodeID = cfg.NodeID
	s := &Server{cfg: cfg, log: logger.With("node", cfg.NodeID)}
	turnCfg, err := cfg.turnConfig()
	if err != nil {
		return nil, err
	}
	if s.engine, err = sfu.NewEngine(cfg.SFU, s.log.With("component", "sfu")); err != nil {
		return nil, fmt.Errorf("media engine: %w", err)
	}
	if turnCfg.Enabled {
		if err := s.startTURN(turnCfg); err != nil {
			_ = s.engine.Close()
			return nil, err
		}
	}
	s.rooms = room.NewManager(cfg.Room, s.engine, s.log.With("component", "room"))
	if err := s.joinCluster(); err != nil {
		_ = s.closeMedia()
		return nil, err
	}
	s.signal, err = signaling.NewService(cfg.Signaling, signaling.Options{
		Rooms:       s.rooms,
		Keys:        auth.KeySet(cfg.Keys),
		GuestAPIKey: cfg.guestKey(),
		Logger:      s.log,
		Version:     Version,
		NodeID:      cfg.NodeID,
		ICEServers:  s.iceServers(turnCfg),
	})
	if err == nil {
		err = s.listen()
	}
	if err != nil {
		s.leaveCluster()
		_ = s.closeMedia()
		return nil, err
	}
	s.httpSrv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	s.grpcSrv = grpc.NewServer(
		grpc.MaxRecvMsgSize(4*cfg.Signaling.MaxMessageSize),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 10 * time.Second, Timeout: 5 * time.Second}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second, PermitWithoutStream: true}),
	)
	parleypb.RegisterSignalServer(s.grpcSrv, s.signal)
	parleypb.RegisterRoomServiceServer(s.grpcSrv, s.signal.RoomService())
	return s, nil
}

func (s *Server) listen() error {
	var err error
	s.httpLn, err = net.Listen("tcp", net.JoinHostPort(s.cfg.BindAddress, strconv.Itoa(s.cfg.HTTPPort)))
	if err != nil {
		return fmt.Errorf("HTTP port: %w", err)
	}
	s.grpcLn, err = net.Listen("tcp", net.JoinHostPort(s.cfg.BindAddress, strconv.Itoa(s.cfg.GRPCPort)))
	if err != nil {
		_ = s.httpLn.Close()
		return fmt.Errorf("gRPC port: %w", err)
	}
	return nil
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/signal", s.signal)
	mux.Handle("/api/guest-token", s.signal.GuestTokenHandler())
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	s.observe(mux)
	mux.Handle("/", web.Handler(web.Config{}))
	return mux
}

// Start serves HTTP and gRPC in the background.
func (s *Server) Start() {
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		if err := s.httpSrv.Serve(s.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("HTTP server stopped", "err", err)
		}
	}()
	go func() {
		defer s.wg.Done()
		if err := s.grpcSrv.Serve(s.grpcLn); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			s.log.Error("gRPC server stopped", "err", err)
		}
	}()
	s.log.Info("parley serving", "http", s.HTTPAddr(), "grpc", s.GRPCAddr(), "media_udp", s.engine.UDPAddr().String(),
		"ice_tcp", s.engine.TCPAddr(), "turn", s.turn != nil, "dev", s.cfg.Dev)
}

// Shutdown tells every participant the server is going away, closes their
// PeerConnections and stops serving. ctx bounds the wait for sessions.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.stopOnce.Do(func() {
		s.rooms.Close()
		s.leaveCluster()
		if werr := s.signal.Wait(ctx); werr != nil {
			s.log.Warn("sessions still open at shutdown", "err", werr)
		}
		stopped := make(chan struct{})
		go func() { s.grpcSrv.GracefulStop(); close(stopped) }()
		select {
		case <-stopped:
		case <-ctx.Done():
			s.grpcSrv.Stop()
		}
		err = s.httpSrv.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			err = s.httpSrv.Close()
		}
		s.wg.Wait()
		if cerr := s.closeMedia(); cerr != nil && err == nil {
			err = cerr
		}
		s.log.Info("parley stopped")
	})
	return err
}

// closeMedia closes the TURN server and the media engine.
func (s *Server) closeMedia() error {
	if s.turn != nil {
		if err := s.turn.Close(); err != nil {
			s.log.Warn("closing the TURN server", "err", err)
		}
	}
	return s.engine.Close()
}

// Config returns the effective configuration.
func (s *Server) Config() Config { return s.cfg }

// Rooms returns the node's room manager.
func (s *Server) Rooms() *room.Manager { return s.rooms }

// HTTPAddr is the address the HTTP server listens on.
func (s *Server) HTTPAddr() string { return s.httpLn.Addr().String() }

// GRPCAddr is the address the gRPC server listens on.
func (s *Server) GRPCAddr() string { return s.grpcLn.Addr().String() }

// PeerConnections returns how many PeerConnections the node has open.
func (s *Server) PeerConnections() int { return s.engine.PeerConnections() }

// MediaAddr is the media UDP port.
func (s *Server) MediaAddr() *net.UDPAddr { return s.engine.UDPAddr() }

// ICETCPAddr is the passive ICE-TCP port, nil when ICE-TCP is off.
func (s *Server) ICETCPAddr() *net.TCPAddr { return s.engine.TCPAddr() }

// URL returns the web app URL of a room, for people to open.
func (s *Server) URL(roomName string) string {
	host, port, _ := net.SplitHostPort(s.HTTPAddr())
	if host == "127.0.0.1" || host == "::1" || host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/" + roomName
}

func randomNodeID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "ND_" + hex.EncodeToString(b[:])
}
