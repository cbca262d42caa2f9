package turn

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-sfu/parley/auth"
)

// uclient runs coturn's turnutils_uclient: one client, ten 100-byte
// messages to an echo peer through the relay, no RTCP allocation. It fails
// the test when the tool is missing (`make test` installs coturn).
func uclient(t *testing.T, username, password string, peer *net.UDPAddr, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("turnutils_uclient")
	if err != nil {
		t.Fatalf("turnutils_uclient not found (Debian package coturn; `make deps` installs it): %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	full := append([]string{"-c", "-n", "10", "-m", "1", "-u", username, "-w", password,
		"-e", peer.IP.String(), "-r", strconv.Itoa(peer.Port)}, args...)
	out, err := exec.CommandContext(ctx, bin, append(full, "127.0.0.1")...).CombinedOutput()
	return string(out), err
}

// TestCoturnClient (issue 6, test 1): coturn's own client allocates,
// creates permissions and relays data through the embedded server over UDP,
// TCP and TLS with credentials Parley minted; with a wrong password or an
// expired username it is refused and nothing is relayed.
func TestCoturnClient(t *testing.T) {
	certFile, keyFile := selfSignedCert(t)
	s := startServer(t, func(c *Config) {
		c.AllowPeers = []string{"127.0.0.0/8"} // the echo peer is on loopback
		c.CertFile, c.KeyFile = certFile, keyFile
	})
	transports := []struct {
		name string
		args []string
	}{
		{"udp", []string{"-p", strconv.Itoa(s.UDPAddr().Port)}},
		{"tcp", []string{"-t", "-p", strconv.Itoa(s.TCPAddr().Port)}},
		{"tls", []string{"-t", "-S", "-p", port(t, s.TLSAddr())}},
	}
	good, goodPass := s.Credentials("alice")
	expired, expiredPass := auth.TURNCredentials(testSecret, "alice", -time.Minute, time.Now())

	for _, tr := range transports {
		t.Run(tr.name+"/relays", func(t *testing.T) {
			peer := newUDPPeer(t, true)
			out, err := uclient(t, good, goodPass, peer.addr(), tr.args...)
			if err != nil || !strings.Contains(out, "tot_send_msgs=10, tot_recv_msgs=10") ||
				!strings.Contains(out, "Total lost packets 0 ") {
				t.Fatalf("uclient over %s: %v\n%s", tr.name, err, out)
			}
			if n := peer.count(100 * time.Millisecond); n < 10 {
				t.Fatalf("the peer saw %d datagrams, want at least 10", n)
			}
		})
	}
	refusals := []struct{ name, username, password string }{
		{"wrong password", good, "d3JvbmcgcGFzc3dvcmQ="},
		{"expired username", expired, expiredPass},
	}
	for _, tr := range transports[:2] {
		for _, r := range refusals {
			t.Run(tr.name+"/"+r.name, func(t *testing.T) {
				peer := newUDPPeer(t, true)
				before := s.Stats().AuthRejected
				out, err := uclient(t, r.username, r.password, peer.addr(), tr.args...)
				if err == nil || !strings.Contains(out, "Cannot complete Allocation") {
					t.Fatalf("uclient with %s over %s was not refused: %v\n%s", r.name, tr.name, err, out)
				}
				if s.Stats().AuthRejected == before {
					t.Fatalf("the server did not count a 401")
				}
				if n := peer.count(100 * time.Millisecond); n != 0 {
					t.Fatalf("the peer saw %d datagrams from a refused client", n)
				}
			})
		}
	}
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key.
func selfSignedCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "parley-turn-test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	write := func(path, typ string, der []byte) {
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(certFile, "CERTIFICATE", der)
	write(keyFile, "EC PRIVATE KEY", keyDER)
	return certFile, keyFile
}
