package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/parley-sfu/parley/internal/natsembed"
	"github.com/parley-sfu/parley/server"
)

// clusterFlags are the flags of `parley cluster`.
type clusterFlags struct {
	nodes    int
	httpPort int
	grpcPort int
	udpPort  int
	step     int
	nats     string
	natsPort int
	logLevel string
	room     string
}

func (f *clusterFlags) register(fs interface {
	IntVar(*int, string, int, string)
	StringVar(*string, string, string, string)
}) {
	fs.IntVar(&f.nodes, "nodes", 3, "number of nodes")
	fs.IntVar(&f.httpPort, "http-port", 7880, "HTTP port of the first node (0: random ports for every node)")
	fs.IntVar(&f.grpcPort, "grpc-port", 7890, "gRPC port of the first node")
	fs.IntVar(&f.udpPort, "udp-port", 7882, "media UDP port of the first node")
	fs.IntVar(&f.step, "port-step", 100, "what each next node adds to every port")
	fs.StringVar(&f.nats, "nats", "", "URL of a running NATS server; empty starts one in-process")
	fs.IntVar(&f.natsPort, "nats-port", 4222, "port of the in-process NATS server")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.room, "room", "demo", "room whose URLs are printed")
}

// runCluster runs a local dev cluster: a NATS server and dev-mode nodes on
// localhost, until ctx ends.
func runCluster(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("cluster", stderr)
	var f clusterFlags
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if f.nodes < 1 || f.nodes > 9 {
		return errors.New("--nodes must be 1 to 9")
	}
	logger, err := newLogger(f.logLevel, stderr)
	if err != nil {
		return err
	}
	url := f.nats
	if url == "" {
		srv, err := natsembed.Start("127.0.0.1", f.natsPort)
		if err != nil {
			return err
		}
		defer srv.Stop()
		url = srv.URL()
		fmt.Fprintf(stdout, "NATS (in-process): %s\n", url)
	}

	var nodes []*server.Server
	defer func() {
		fmt.Fprintln(stdout, "shutting down the cluster")
		for i := len(nodes) - 1; i >= 0; i-- {
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = nodes[i].Shutdown(shutdownCtx)
			cancel()
		}
	}()
	for i := range f.nodes {
		cfg := server.DevConfig()
		cfg.NodeID = fmt.Sprintf("dev%d", i+1)
		cfg.Cascade.URL = url
		cfg.HTTPPort, cfg.GRPCPort, cfg.SFU.UDPPort = nodePort(f.httpPort, f.step, i), nodePort(f.grpcPort, f.step, i), nodePort(f.udpPort, f.step, i)
		srv, err := server.New(cfg, logger.With("node", cfg.NodeID))
		if err != nil {
			return fmt.Errorf("node %s: %w", cfg.NodeID, err)
		}
		srv.Start()
		nodes = append(nodes, srv)
		fmt.Fprintf(stdout, "node %s: %s  (gRPC %s, media %s)\n", cfg.NodeID, srv.URL(f.room), srv.GRPCAddr(), srv.MediaAddr())
	}
	fmt.Fprintf(stdout, "dev credentials: %s / %s; Ctrl-C stops every node\n", server.DevAPIKey, server.DevAPISecret)
	<-ctx.Done()
	return nil
}

// nodePort is node i's port: base plus i steps; 0 stays 0 (random).
func nodePort(base, step, i int) int {
	if base == 0 {
		return 0
	}
	return base + step*i
}
