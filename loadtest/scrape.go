package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// metricsURL returns the server's /metrics URL: cfg.MetricsURL, else the
// signaling URL's host on the HTTP port (the same port for WebSocket
// URLs, 7880 for gRPC ones).
func metricsURL(cfg *Config) string {
	if cfg.MetricsURL != "" {
		return cfg.MetricsURL
	}
	raw := cfg.URL
	if !strings.Contains(raw, "://") {
		raw = "grpc://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	scheme := "http"
	port := u.Port()
	switch u.Scheme {
	case "https", "wss", "grpcs":
		scheme = "https"
	}
	if u.Scheme == "grpc" || u.Scheme == "grpcs" || port == "" {
		port = "7880"
	}
	return scheme + "://" + net.JoinHostPort(u.Hostname(), port) + "/metrics"
}

// scrapeMetrics fetches a Prometheus text exposition and returns each
// metric's value summed over its label sets.
func scrapeMetrics(ctx context.Context, c *http.Client, url string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return parseMetrics(resp.Body)
}

// parseMetrics reads the text format: "name{labels} value [timestamp]"
// lines, comments skipped.
func parseMetrics(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest := line, ""
		if i := strings.IndexAny(line, "{ "); i >= 0 {
			name, rest = line[:i], line[i:]
		}
		if strings.HasPrefix(rest, "{") {
			j := strings.LastIndexByte(rest, '}')
			if j < 0 {
				return nil, fmt.Errorf("metrics: unterminated labels in %q", line)
			}
			rest = rest[j+1:]
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return nil, fmt.Errorf("metrics: no value in %q", line)
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics: value of %q: %w", line, err)
		}
		out[name] += v
	}
	return out, sc.Err()
}
