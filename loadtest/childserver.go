package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// childServer is a `parley serve --dev` process on free loopback ports,
// so that its CPU time and memory are its own and not the bots'.
type childServer struct {
	cmd                     *exec.Cmd
	httpPort, grpcPort, udp int
	config                  string // temporary config file
	done                    chan error
}

// startChildServer runs binary serve --dev on free ports; its output goes
// to log. extraConfig is added to its config file (top-level YAML keys
// other than rtc, e.g. node_id and cascade).
func startChildServer(ctx context.Context, binary string, log io.Writer, extraConfig string) (*childServer, error) {
	s := &childServer{done: make(chan error, 1)}
	var err error
	if s.httpPort, err = freePort("tcp"); err != nil {
		return nil, err
	}
	if s.grpcPort, err = freePort("tcp"); err != nil {
		return nil, err
	}
	if s.udp, err = freePort("udp"); err != nil {
		return nil, err
	}
	// ICE-TCP has no flag; a free port keeps it off 7881, which a dev
	// server (make run) may hold.
	tcp, err := freePort("tcp")
	if err != nil {
		return nil, err
	}
	if s.config, err = writeTempConfig(fmt.Sprintf("rtc:\n  tcp_port: %d\n", tcp) + extraConfig); err != nil {
		return nil, err
	}
	s.cmd = exec.Command(binary, "serve", "--dev", "--log-level", "warn", "--config", s.config,
		"--http-port", strconv.Itoa(s.httpPort), "--grpc-port", strconv.Itoa(s.grpcPort), "--udp-port", strconv.Itoa(s.udp))
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		_ = os.Remove(s.config)
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	if err := s.waitHealthy(ctx); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// freePort returns a loopback port that was free a moment ago.
func freePort(network string) (int, error) {
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *childServer) waitHealthy(ctx context.Context) error {
	url := s.httpURL() + "/healthz"
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-s.done:
			return fmt.Errorf("server exited at start: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return errors.New("server not healthy after 15 s")
}

func (s *childServer) pid() int        { return s.cmd.Process.Pid }
func (s *childServer) httpURL() string { return "http://127.0.0.1:" + strconv.Itoa(s.httpPort) }
func (s *childServer) grpcURL() string { return "grpc://127.0.0.1:" + strconv.Itoa(s.grpcPort) }

// stop asks the server to shut down (SIGTERM) and kills it after 15 s.
func (s *childServer) stop() {
	defer os.Remove(s.config)
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Signal(os.Kill)
		<-s.done
	}
}

// writeTempConfig writes a server config file and returns its name.
func writeTempConfig(yaml string) (string, error) {
	f, err := os.CreateTemp("", "parley-bench-*.yaml")
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(yaml); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return "", err
	}
	return f.Name(), f.Close()
}
