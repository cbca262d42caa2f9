package loadtest

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseProcStat(t *testing.T) {
	// proc(5): a command name with a space and a parenthesis.
	stat := "4242 (parley (x) y) S 1 4242 4242 0 -1 4194560 1830 0 0 0 250 75 0 0 20 0 12 0 123 1000 200 0"
	got, err := parseProcStat([]byte(stat))
	if err != nil || got != 3250*time.Millisecond {
		t.Errorf("parseProcStat = %v, %v; want 3.25s", got, err)
	}
	if _, err := parseProcStat([]byte("12 (x) S 1")); err == nil {
		t.Error("short stat line accepted")
	}
	status := "Name:\tparley\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n"
	if rss, hwm := parseProcStatus([]byte(status)); rss != 1<<20 || hwm != 2<<20 {
		t.Errorf("parseProcStatus = %d, %d", rss, hwm)
	}
}

func TestReadProcSelf(t *testing.T) {
	s, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.RSS == 0 || s.HWM < s.RSS {
		t.Errorf("own process: %+v", s)
	}
	if selfCPU() <= 0 {
		t.Error("no CPU time used by the test process")
	}
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP parley_rtp_packets_sent_total RTP packets sent.
# TYPE parley_rtp_packets_sent_total counter
parley_rtp_packets_sent_total{kind="audio"} 100
parley_rtp_packets_sent_total{kind="video"} 2.5e3
process_cpu_seconds_total 12.25
weird_label{path="a}b"} 1 1700000000
`
	got, err := parseMetrics(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"parley_rtp_packets_sent_total": 2600, "process_cpu_seconds_total": 12.25, "weird_label": 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if _, err := parseMetrics(strings.NewReader("x{a=\"b\" 1\n")); err == nil {
		t.Error("unterminated labels accepted")
	}
}

func TestMetricsURL(t *testing.T) {
	for _, tc := range []struct{ url, metrics, want string }{
		{"grpc://127.0.0.1:7890", "", "http://127.0.0.1:7880/metrics"},
		{"localhost:9000", "", "http://localhost:7880/metrics"},
		{"ws://127.0.0.1:8080/signal", "", "http://127.0.0.1:8080/metrics"},
		{"https://sfu.example:443", "", "https://sfu.example:443/metrics"},
		{"grpc://h:1", "http://other:9/metrics", "http://other:9/metrics"},
	} {
		cfg := Config{URL: tc.url, MetricsURL: tc.metrics}
		if got := metricsURL(&cfg); got != tc.want {
			t.Errorf("metricsURL(%q) = %q, want %q", tc.url, got, tc.want)
		}
	}
}

func TestParseUDPDrops(t *testing.T) {
	table := `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  142: 0100007F:45DA 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 113 2 0000000000000000 68186
  143: 0100007F:9C40 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 114 2 0000000000000000 5
  144: 0100007F:9C41 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 115 2 0000000000000000 7
`
	if got := parseUDPDrops([]byte(table), map[string]bool{"113": true, "115": true}); got != 68193 {
		t.Errorf("drops = %d, want 68193", got)
	}
}

func TestUDPDropsSelf(t *testing.T) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := udpDrops(os.Getpid()); err != nil {
		t.Fatal(err)
	}
}
