package sfu

import (
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// rawUDPConn is the media socket outside Go's network poller.
//
// Why: Go registers every socket with its epoll instance, edge-triggered,
// for input and output. Each datagram the kernel finishes sending frees
// socket buffer space and raises an output event; while the runtime has
// timers pending (always, in a server: ICE, DTLS, RTCP, the controllers),
// one thread sleeps in epoll_wait and is woken by every such event, to find
// nothing to do. On the media socket that is one wake-up per packet
// forwarded: a fifth of the CPU time of a large fan-out went to the
// scheduler (see BenchmarkForwardPion). A socket the poller never sees has
// no such events. Writes are plain blocking sendto calls (a UDP send only
// waits when the socket buffer is full, which the large buffer makes rare),
// except during a forwarding burst, when they are queued and sent in
// batches with sendmmsg (sendqueue_linux.go);
// the one reader (the ICE mux's worker) blocks in recvfrom on a thread of
// its own. Close shuts the socket down, which wakes the reader.
//
// It implements net.PacketConn and ice.AddrPortReaderWriter, so the mux
// reads and writes without allocating.
type rawUDPConn struct {
	fd    int
	local *net.UDPAddr
	v6    bool
	// state counts calls in progress (low bits) and closing (closingBit):
	// the descriptor is closed by whoever ends the last call after Close,
	// so a number the kernel reuses is never written to.
	state    atomic.Int64
	fdClosed atomic.Bool
	// queue batches sends during forwarding bursts; nil: one system call
	// per datagram.
	queue *sendQueue
}

const closingBit = int64(1) << 62

// ipPMTUDiscProbe is IP_PMTUDISC_PROBE (linux/in.h), which package syscall
// lacks: set DF, ignore the path MTU.
const ipPMTUDiscProbe = 3

// setSocketBuffer asks for size bytes of socket buffer: with the FORCE
// option first, which may exceed the kernel's maximum (net.core.rmem_max,
// wmem_max) but needs CAP_NET_ADMIN, then with the plain one, which the
// kernel silently caps at that maximum.
func setSocketBuffer(fd, force, plain, size int) {
	if syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, force, size) != nil {
		_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, plain, size)
	}
}

// soMeminfo is SO_MEMINFO (linux/sock_diag.h; 0x37 on every Linux
// architecture Go supports): the socket's memory counters, of which
// skMeminfoDrops counts datagrams dropped on arrival, mostly because the
// receive buffer was full.
const (
	soMeminfo      = 0x37
	skMeminfoVars  = 9
	skMeminfoDrops = 8
)

// socketStats reads the buffer sizes and drops from the kernel.
func (c *rawUDPConn) socketStats() (SocketStats, bool) {
	if !c.enter() {
		return SocketStats{}, false
	}
	defer c.exit()
	st := SocketStats{Addr: c.local.String()}
	st.ReceiveBuffer, _ = syscall.GetsockoptInt(c.fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	st.SendBuffer, _ = syscall.GetsockoptInt(c.fd, syscall.SOL_SOCKET, syscall.SO_SNDBUF)
	var mem [skMeminfoVars]uint32
	size := uint32(unsafe.Sizeof(mem))
	_, _, errno := syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(c.fd), syscall.SOL_SOCKET, soMeminfo,
		uintptr(unsafe.Pointer(&mem[0])), uintptr(unsafe.Pointer(&size)), 0)
	if errno == 0 && size > skMeminfoDrops*4 {
		st.Drops, st.HaveDrops = uint64(mem[skMeminfoDrops]), true
	}
	if c.queue != nil {
		c.queue.statsInto(&st)
	}
	return st, true
}

// listenMediaUDP binds the media socket on addr with buffers of bufSize
// bytes (0: the kernel's default).
func listenMediaUDP(addr *net.UDPAddr, bufSize int) (net.PacketConn, error) {
	return listenRawUDP(addr, bufSize)
}

// listenRawUDP binds a UDP socket on addr.
func listenRawUDP(addr *net.UDPAddr, bufSize int) (*rawUDPConn, error) {
	ip := addr.IP
	family, v6 := syscall.AF_INET, false
	if ip != nil && ip.To4() == nil {
		family, v6 = syscall.AF_INET6, true
	}
	fd, err := syscall.Socket(family, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.IPPROTO_UDP)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	var sa syscall.Sockaddr
	if v6 {
		s := &syscall.SockaddrInet6{Port: addr.Port}
		copy(s.Addr[:], ip.To16())
		sa = s
	} else {
		s := &syscall.SockaddrInet4{Port: addr.Port}
		if ip != nil {
			copy(s.Addr[:], ip.To4())
		}
		sa = s
	}
	// Larger buffers ride out bursts (a keyframe to a hundred
	// subscribers, a publisher's keyframe while the reader is descheduled).
	if bufSize > 0 {
		setSocketBuffer(fd, syscall.SO_RCVBUFFORCE, syscall.SO_RCVBUF, bufSize)
		setSocketBuffer(fd, syscall.SO_SNDBUFFORCE, syscall.SO_SNDBUF, bufSize)
	}
	if !v6 {
		// Set DF without path MTU discovery (IP_PMTUDISC_PROBE): a
		// datagram with DF needs no IP identification, which the kernel
		// otherwise hashes for every datagram an unconnected socket
		// sends (__ip_select_ident, about a sixth of a loopback send).
		// WebRTC keeps its datagrams below any path's MTU (pion's DTLS
		// and RTP stay within 1200 bytes of payload), so none needs
		// fragmenting.
		_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_IP, syscall.IP_MTU_DISCOVER, ipPMTUDiscProbe)
	}
	if err := syscall.Bind(fd, sa); err != nil {
		_ = syscall.Close(fd)
		return nil, fmt.Errorf("bind %s: %w", addr, err)
	}
	bound, err := syscall.Getsockname(fd)
	if err != nil {
		_ = syscall.Close(fd)
		return nil, fmt.Errorf("getsockname: %w", err)
	}
	c := &rawUDPConn{fd: fd, v6: v6}
	switch b := bound.(type) {
	case *syscall.SockaddrInet4:
		c.local = &net.UDPAddr{IP: net.IP(b.Addr[:]).To4(), Port: b.Port}
	case *syscall.SockaddrInet6:
		c.local = &net.UDPAddr{IP: net.IP(b.Addr[:]), Port: b.Port}
	}
	return c, nil
}

func (c *rawUDPConn) enter() bool {
	if c.state.Add(1)&closingBit != 0 {
		c.exit()
		return false
	}
	return true
}

func (c *rawUDPConn) exit() {
	if c.state.Add(-1) == closingBit {
		c.closeFD()
	}
}

func (c *rawUDPConn) closeFD() {
	if c.fdClosed.CompareAndSwap(false, true) {
		_ = syscall.Close(c.fd)
	}
}

// Close wakes the reader and closes the socket once no call is in it.
func (c *rawUDPConn) Close() error {
	for {
		s := c.state.Load()
		if s&closingBit != 0 {
			return nil
		}
		if c.state.CompareAndSwap(s, s|closingBit) {
			break
		}
	}
	_ = syscall.Shutdown(c.fd, syscall.SHUT_RDWR) // an unconnected UDP socket still wakes its readers
	if c.state.Load() == closingBit {
		c.closeFD()
	}
	return nil
}

// ReadFromAddrPort reads one datagram.
func (c *rawUDPConn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	if !c.enter() {
		return 0, netip.AddrPort{}, net.ErrClosed
	}
	defer c.exit()
	for {
		var rsa syscall.RawSockaddrAny
		size := uint32(syscall.SizeofSockaddrAny)
		var p unsafe.Pointer
		if len(b) > 0 {
			p = unsafe.Pointer(&b[0])
		}
		n, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, uintptr(c.fd), uintptr(p), uintptr(len(b)), 0,
			uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&size)))
		switch {
		case errno == syscall.EINTR:
			continue
		case errno != 0:
			return 0, netip.AddrPort{}, &net.OpError{Op: "read", Net: "udp", Addr: c.local, Err: errno}
		case c.state.Load()&closingBit != 0:
			return 0, netip.AddrPort{}, net.ErrClosed
		}
		return int(n), addrPortOf(&rsa), nil
	}
}

// WriteToAddrPort sends one datagram, or queues it during a forwarding
// burst (sendqueue_linux.go); a queued datagram's errors are counted, not
// returned.
func (c *rawUDPConn) WriteToAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	if !c.enter() {
		return 0, net.ErrClosed
	}
	defer c.exit()
	var sa syscall.RawSockaddrInet6
	size, ok := c.sockaddr(&sa, addr)
	if !ok {
		return 0, &net.OpError{Op: "write", Net: "udp", Addr: c.local, Err: syscall.EAFNOSUPPORT}
	}
	if c.queue != nil && c.queue.writeQueued(b, &sa, size) {
		return len(b), nil
	}
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	for {
		n, _, errno := syscall.Syscall6(syscall.SYS_SENDTO, uintptr(c.fd), uintptr(p), uintptr(len(b)), 0,
			uintptr(unsafe.Pointer(&sa)), uintptr(size))
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return 0, &net.OpError{Op: "write", Net: "udp", Addr: c.local, Err: errno}
		}
		return int(n), nil
	}
}

// sockaddr writes addr as a kernel socket address of the socket's family
// into sa (a RawSockaddrInet4 at its start on an IPv4 socket) and returns
// its size; false when an IPv4 socket is given an IPv6 address.
func (c *rawUDPConn) sockaddr(sa *syscall.RawSockaddrInet6, addr netip.AddrPort) (uint32, bool) {
	port := addr.Port()
	ip := addr.Addr()
	if c.v6 {
		sa.Family = syscall.AF_INET6
		sa.Port = port<<8 | port>>8
		sa.Addr = ip.As16()
		return syscall.SizeofSockaddrInet6, true
	}
	if !ip.Unmap().Is4() {
		return 0, false
	}
	sa4 := (*syscall.RawSockaddrInet4)(unsafe.Pointer(sa))
	sa4.Family = syscall.AF_INET
	sa4.Port = port<<8 | port>>8
	sa4.Addr = ip.Unmap().As4()
	return syscall.SizeofSockaddrInet4, true
}

// addrPortOf reads a kernel socket address.
func addrPortOf(rsa *syscall.RawSockaddrAny) netip.AddrPort {
	switch rsa.Addr.Family {
	case syscall.AF_INET:
		sa := (*syscall.RawSockaddrInet4)(unsafe.Pointer(rsa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), sa.Port<<8|sa.Port>>8)
	case syscall.AF_INET6:
		sa := (*syscall.RawSockaddrInet6)(unsafe.Pointer(rsa))
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), sa.Port<<8|sa.Port>>8)
	}
	return netip.AddrPort{}
}

// ReadFrom implements net.PacketConn.
func (c *rawUDPConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, ap, err := c.ReadFromAddrPort(b)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(ap), nil
}

// WriteTo implements net.PacketConn.
func (c *rawUDPConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, &net.OpError{Op: "write", Net: "udp", Addr: c.local, Err: syscall.EINVAL}
	}
	return c.WriteToAddrPort(b, ua.AddrPort())
}

// LocalAddr implements net.PacketConn.
func (c *rawUDPConn) LocalAddr() net.Addr { return c.local }

// SetDeadline and friends do nothing: writes wait only for socket buffer
// space, and the reader ends with Close.
func (c *rawUDPConn) SetDeadline(time.Time) error      { return nil }
func (c *rawUDPConn) SetReadDeadline(time.Time) error  { return nil }
func (c *rawUDPConn) SetWriteDeadline(time.Time) error { return nil }
