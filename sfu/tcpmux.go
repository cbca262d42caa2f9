package sfu

import (
	"fmt"
	"net"
	"strconv"

	"github.com/pion/ice/v4"
	"github.com/pion/logging"
)

// iceTCPWriteBuffer bounds what one ICE-TCP connection queues for a slow
// client before packets are dropped (pion's recommendation).
const iceTCPWriteBuffer = 4 << 20

// listenTCPMux binds the one passive ICE-TCP port every PeerConnection
// shares; nil when ICE-TCP is off. With no BindAddress it listens on all
// interfaces: TCP replies leave on the connection's own address, and the
// candidates are the interface addresses the filters keep.
func listenTCPMux(cfg Config, lf logging.LoggerFactory) (ice.TCPMux, *net.TCPAddr, error) {
	port, on := cfg.tcpPort()
	if !on {
		return nil, nil, nil
	}
	host := cfg.BindAddress
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = ""
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, nil, fmt.Errorf("listen ICE-TCP port: %w", err)
	}
	mux := ice.NewTCPMuxDefault(ice.TCPMuxParams{
		Listener:        l,
		Logger:          lf.NewLogger("tcpmux"),
		ReadBufferSize:  256,
		WriteBufferSize: iceTCPWriteBuffer,
	})
	return mux, l.Addr().(*net.TCPAddr), nil
}
