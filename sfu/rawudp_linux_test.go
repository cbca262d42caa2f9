package sfu

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

// TestRawUDPConn: the media socket outside Go's poller sends and receives
// with addresses, and Close wakes a blocked reader and fails later calls.
func TestRawUDPConn(t *testing.T) {
	for _, ip := range []string{"127.0.0.1", "::1"} {
		t.Run(ip, func(t *testing.T) {
			c, err := listenRawUDP(&net.UDPAddr{IP: net.ParseIP(ip)})
			if err != nil {
				t.Fatal(err)
			}
			peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)})
			if err != nil {
				t.Fatal(err)
			}
			defer peer.Close()
			local := c.LocalAddr().(*net.UDPAddr)
			if local.Port == 0 || !local.IP.Equal(net.ParseIP(ip)) {
				t.Fatalf("bound %v", local)
			}

			to := peer.LocalAddr().(*net.UDPAddr).AddrPort()
			if n, err := c.WriteToAddrPort([]byte("ping"), to); err != nil || n != 4 {
				t.Fatalf("write: %d %v", n, err)
			}
			buf := make([]byte, 64)
			n, from, err := peer.ReadFromUDPAddrPort(buf)
			if err != nil || string(buf[:n]) != "ping" || from.Port() != uint16(local.Port) {
				t.Fatalf("peer read %q from %v: %v", buf[:n], from, err)
			}
			if _, err := peer.WriteToUDPAddrPort([]byte("pong"), netip.AddrPortFrom(from.Addr(), from.Port())); err != nil {
				t.Fatal(err)
			}
			n, src, err := c.ReadFromAddrPort(buf)
			if err != nil || string(buf[:n]) != "pong" || src != to {
				t.Fatalf("read %q from %v (want %v): %v", buf[:n], src, to, err)
			}

			done := make(chan error, 1)
			go func() {
				_, _, err := c.ReadFromAddrPort(buf)
				done <- err
			}()
			time.Sleep(50 * time.Millisecond) // let it block
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if !errors.Is(err, net.ErrClosed) {
					t.Fatalf("blocked read ended with %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Close did not wake the reader")
			}
			if _, err := c.WriteToAddrPort([]byte("x"), to); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("write after close: %v", err)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRawUDPWriteDoesNotAllocate: the forwarding path's send.
func TestRawUDPWriteDoesNotAllocate(t *testing.T) {
	c, err := listenRawUDP(&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	to := c.LocalAddr().(*net.UDPAddr).AddrPort() // to itself: nobody reads, the kernel drops
	b := make([]byte, 1200)
	if avg := testing.AllocsPerRun(100, func() { _, _ = c.WriteToAddrPort(b, to) }); avg != 0 {
		t.Fatalf("%.1f allocations per write", avg)
	}
}
