package sfu

import (
	"errors"
	"fmt"
	"net"
	"slices"

	"github.com/pion/ice/v4"
	"github.com/pion/logging"
)

// listenUDPMux binds the one media port every PeerConnection shares.
//
// With a specific BindAddress it is one socket on that address. With none
// ("" or unspecified) it is one socket per usable interface address, all on
// the same port, so that every reply leaves from the address the client
// talked to; the candidates are exactly those addresses.
func listenUDPMux(cfg Config, o *options, lf logging.LoggerFactory) (ice.UDPMux, *net.UDPAddr, error) {
	logger := lf.NewLogger("udpmux")
	var ip net.IP
	if cfg.BindAddress != "" {
		if ip = net.ParseIP(cfg.BindAddress); ip == nil {
			return nil, nil, fmt.Errorf("%w: bind address %q is not an IP address", ErrInvalidConfig, cfg.BindAddress)
		}
	}
	if ip != nil && !ip.IsUnspecified() {
		conn, addr, err := o.listenUDP(&net.UDPAddr{IP: ip, Port: cfg.UDPPort})
		if err != nil {
			return nil, nil, fmt.Errorf("listen media port: %w", err)
		}
		mux := ice.NewUDPMuxDefault(ice.UDPMuxParams{Logger: logger, UDPConn: conn, Net: o.net})
		return mux, addr, nil
	}

	ips, err := interfaceIPs(cfg)
	if err != nil {
		return nil, nil, err
	}
	port := cfg.UDPPort
	var conns []net.PacketConn
	for _, addr := range ips {
		conn, bound, lerr := o.listenUDP(&net.UDPAddr{IP: addr, Port: port})
		if lerr != nil {
			err = fmt.Errorf("listen media port on %s: %w", addr, lerr)
			break
		}
		port = bound.Port // a random port is shared by the rest
		conns = append(conns, conn)
	}
	if err != nil {
		for _, c := range conns {
			_ = c.Close()
		}
		return nil, nil, err
	}
	muxes := make([]ice.UDPMux, 0, len(conns))
	for _, c := range conns {
		muxes = append(muxes, ice.NewUDPMuxDefault(ice.UDPMuxParams{Logger: logger, UDPConn: c}))
	}
	return ice.NewMultiUDPMuxDefault(muxes...), conns[0].LocalAddr().(*net.UDPAddr), nil
}

var errNoInterfaceAddress = errors.New("no usable interface address")

// interfaceIPs lists the addresses to bind when no BindAddress is given:
// those of up interfaces (restricted to cfg.Interfaces when set, without
// cfg.ExcludeInterfaces), kept by the IP filters, loopback only with
// IncludeLoopback, link-local never.
func interfaceIPs(cfg Config) ([]net.IP, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	keep := cfg.ipFilter()
	var ips []net.IP
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || !interfaceAllowed(cfg, ifc) {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			n, ok := a.(*net.IPNet)
			if !ok || n.IP.IsLinkLocalUnicast() || n.IP.IsLinkLocalMulticast() || !keep.keep(n.IP) {
				continue
			}
			ips = append(ips, n.IP)
		}
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, errNoInterfaceAddress)
	}
	return ips, nil
}

func interfaceAllowed(cfg Config, ifc net.Interface) bool {
	if ifc.Flags&net.FlagLoopback != 0 && !cfg.IncludeLoopback {
		return false
	}
	if slices.Contains(cfg.ExcludeInterfaces, ifc.Name) {
		return false
	}
	return len(cfg.Interfaces) == 0 || slices.Contains(cfg.Interfaces, ifc.Name)
}

// isLoopbackInterface reports whether the named interface is a loopback one.
func isLoopbackInterface(name string) bool {
	ifc, err := net.InterfaceByName(name)
	return err == nil && ifc.Flags&net.FlagLoopback != 0
}
