package sfu

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRawUDPConn: the media socket outside Go's poller sends and receives
// with addresses, and Close wakes a blocked reader and fails later calls.
func TestRawUDPConn(t *testing.T) {
	for _, ip := range []string{"127.0.0.1", "::1"} {
		t.Run(ip, func(t *testing.T) {
			c, err := listenRawUDP(&net.UDPAddr{IP: net.ParseIP(ip)}, 0)
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
			if !c.v6 {
				// DF without path MTU discovery: no IP identification to hash per datagram.
				if v, err := syscall.GetsockoptInt(c.fd, syscall.IPPROTO_IP, syscall.IP_MTU_DISCOVER); err != nil || v != ipPMTUDiscProbe {
					t.Fatalf("IP_MTU_DISCOVER %d, %v; want IP_PMTUDISC_PROBE", v, err)
				}
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
	c, err := listenRawUDP(&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, 0)
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

// TestRawUDPBuffersAndDrops: the media socket gets the buffers it asks
// for, up to what the kernel allows this process, and counts the
// datagrams the kernel drops when nobody reads.
func TestRawUDPBuffersAndDrops(t *testing.T) {
	rmemMax := readSysctl(t, "/proc/sys/net/core/rmem_max")
	wmemMax := readSysctl(t, "/proc/sys/net/core/wmem_max")
	tests := []struct {
		name string
		ask  int
	}{
		{"within the kernel's maximum", 64 << 10},
		{"the default: 4 MiB", DefaultConfig().SocketBuffer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := listenRawUDP(&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, tc.ask)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			st, ok := c.socketStats()
			if !ok || !st.HaveDrops || st.Drops != 0 {
				t.Fatalf("stats %+v (%v), want drops known and 0", st, ok)
			}
			// Without CAP_NET_ADMIN the kernel caps at its maximum; with
			// it, the FORCE options get the whole size. Linux reports
			// twice what it granted.
			if st.ReceiveBuffer/2 < min(tc.ask, rmemMax) || st.SendBuffer/2 < min(tc.ask, wmemMax) {
				t.Fatalf("buffers %d/%d (reported), asked %d, kernel maximum %d/%d", st.ReceiveBuffer, st.SendBuffer, tc.ask, rmemMax, wmemMax)
			}
		})
	}

	t.Run("drops are counted", func(t *testing.T) {
		c, err := listenRawUDP(&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, 4096)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// Force the smallest buffer even as root.
		if err := syscall.SetsockoptInt(c.fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 1); err != nil {
			t.Fatal(err)
		}
		to := c.LocalAddr().(*net.UDPAddr).AddrPort()
		b := make([]byte, 1200)
		for range 200 {
			if _, err := c.WriteToAddrPort(b, to); err != nil {
				t.Fatal(err)
			}
		}
		st, _ := c.socketStats()
		if st.Drops == 0 {
			t.Fatalf("stats %+v: 200 datagrams into a full buffer, no drops counted", st)
		}
	})
}

func readSysctl(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
