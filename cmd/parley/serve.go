package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/parley-sfu/parley/server"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	var f serveFlags
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	cfg, err := loadConfig(&f, set, os.Getenv)
	if err != nil {
		return err
	}
	logger, err := newLogger(cfg.LogLevel, stderr)
	if err != nil {
		return err
	}
	srv, err := server.New(cfg, logger)
	if err != nil {
		return err
	}
	srv.Start()
	printBanner(stdout, srv, f.room)

	<-ctx.Done()
	fmt.Fprintln(stdout, "shutting down: telling participants, closing connections")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

func printBanner(w io.Writer, srv *server.Server, roomName string) {
	cfg := srv.Config()
	mode := "production"
	if cfg.Dev {
		mode = "dev mode"
	}
	fmt.Fprintf(w, "Parley %s (%s), node %s\n", server.Version, mode, cfg.NodeID)
	fmt.Fprintf(w, "  open a room:  %s\n", srv.URL(roomName))
	fmt.Fprintf(w, "  gRPC:         %s\n", srv.GRPCAddr())
	fmt.Fprintf(w, "  media (UDP):  %s\n", srv.MediaAddr())
	if a := srv.ICETCPAddr(); a != nil {
		fmt.Fprintf(w, "  ICE-TCP:      %s\n", a)
	}
	if t := srv.TURN(); t != nil {
		fmt.Fprintf(w, "  TURN:         %s\n", strings.Join(t.URLs(), " "))
	}
	if cfg.Dev {
		fmt.Fprintf(w, "  API key:      %s\n  API secret:   %s\n", server.DevAPIKey, server.DevAPISecret)
	}
}

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}
