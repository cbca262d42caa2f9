package server_test

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/internal/testutil"
)

// scrape reads the node's /metrics and returns the samples of every family
// by name.
func scrape(t *testing.T, addr string) map[string][]*dto.Metric {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	out := map[string][]*dto.Metric{}
	for name, f := range families {
		out[name] = f.GetMetric()
	}
	return out
}

// value sums a family's samples whose labels include want.
func value(samples map[string][]*dto.Metric, name string, want map[string]string) (float64, bool) {
	ms, ok := samples[name]
	if !ok {
		return 0, false
	}
	sum := 0.0
	for _, m := range ms {
		match := true
		for k, v := range want {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			match = match && found
		}
		if !match {
			continue
		}
		switch {
		case m.GetCounter() != nil:
			sum += m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			sum += m.GetGauge().GetValue()
		}
	}
	return sum, true
}

// TestMetricsMoveWithMedia: /metrics exposes rooms, participants, tracks
// and the standard process metrics, and the RTP counters rise while one
// participant's media flows to another.
func TestMetricsMoveWithMedia(t *testing.T) {
	srv := testutil.StartServer(t)
	ctx := t.Context()
	url := "grpc://" + srv.GRPCAddr()

	idle := scrape(t, srv.HTTPAddr())
	for _, name := range []string{"process_cpu_seconds_total", "process_resident_memory_bytes", "go_goroutines", "parley_rooms",
		"parley_media_socket_drops_total", "parley_media_socket_receive_buffer_bytes", "parley_media_socket_send_buffer_bytes"} {
		if _, ok := idle[name]; !ok {
			t.Errorf("metric %s missing", name)
		}
	}

	sendCtx, stop := context.WithCancel(ctx)
	var senders sync.WaitGroup
	defer func() { stop(); senders.Wait() }()
	var sids []string
	rooms := map[string]*client.Room{}
	for _, name := range []string{"pub", "sub"} {
		room, err := client.Connect(ctx, url, testutil.Token(t, "metrics", name, testutil.AllGrants()))
		if err != nil {
			t.Fatalf("%s connect: %v", name, err)
		}
		p := testutil.Watch(name, room)
		t.Cleanup(func() { _ = room.Close(); p.Wait() })
		rooms[name] = room
		if name != "pub" {
			continue
		}
		for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
			track, err := testutil.SyntheticTrack(kind, "pub-"+kind.String(), "pub")
			if err != nil {
				t.Fatal(err)
			}
			lt, err := room.PublishTrack(ctx, track, client.TrackOptions{Width: 640, Height: 360})
			if err != nil {
				t.Fatalf("publish %s: %v", kind, err)
			}
			sids = append(sids, lt.Sid())
			testutil.SendSynthetic(sendCtx, &senders, track, kind.String())
		}
	}

	counters := []string{
		"parley_rtp_packets_received_total", "parley_rtp_bytes_received_total",
		"parley_rtp_packets_sent_total", "parley_rtp_bytes_sent_total",
	}
	var first map[string][]*dto.Metric
	testutil.Eventually(t, 15*time.Second, func() bool {
		first = scrape(t, srv.HTTPAddr())
		for _, kind := range []string{"audio", "video"} {
			if v, _ := value(first, "parley_subscribed_tracks", map[string]string{"kind": kind}); v != 1 {
				return false
			}
			if v, _ := value(first, "parley_rtp_packets_sent_total", map[string]string{"kind": kind}); v < 5 {
				return false
			}
		}
		// The fan-out goes out in batches (sendmmsg) on Linux.
		v, _ := value(first, "parley_media_socket_batched_datagrams_total", nil)
		return v >= 5 || runtime.GOOS != "linux"
	}, "media never reached the subscriber according to /metrics (tracks %v)", sids)

	gauges := map[string]float64{"parley_rooms": 1, "parley_participants": 2, "parley_published_tracks": 2, "parley_subscribed_tracks": 2}
	for name, want := range gauges {
		if got, _ := value(first, name, nil); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	for _, name := range []string{"parley_nacks_received_total", "parley_plis_sent_total", "parley_packets_dropped_total", "parley_layer_switches_total"} {
		if _, ok := first[name]; !ok {
			t.Errorf("metric %s missing", name)
		}
	}
	if v, _ := value(first, "parley_plis_sent_total", map[string]string{"kind": "video"}); v < 1 {
		t.Errorf("parley_plis_sent_total{kind=video} = %v: a joining subscriber asks for a keyframe", v)
	}

	testutil.Eventually(t, 10*time.Second, func() bool {
		now := scrape(t, srv.HTTPAddr())
		for _, name := range counters {
			for _, kind := range []string{"audio", "video"} {
				a, _ := value(first, name, map[string]string{"kind": kind})
				b, _ := value(now, name, map[string]string{"kind": kind})
				if b <= a {
					return false
				}
			}
		}
		return true
	}, "RTP counters %s did not rise while media flowed", strings.Join(counters, ", "))

	// When the subscriber leaves, its down-tracks are gone but what they
	// sent stays counted: counters never go down.
	before := scrape(t, srv.HTTPAddr())
	if err := rooms["sub"].Leave(ctx); err != nil {
		t.Fatalf("leave: %v", err)
	}
	testutil.Eventually(t, 10*time.Second, func() bool {
		v, _ := value(scrape(t, srv.HTTPAddr()), "parley_subscribed_tracks", nil)
		return v == 0
	}, "subscriptions still counted after the subscriber left")
	after := scrape(t, srv.HTTPAddr())
	for _, name := range counters {
		a, _ := value(before, name, nil)
		b, _ := value(after, name, nil)
		if b < a {
			t.Errorf("%s went down from %v to %v when the subscriber left", name, a, b)
		}
	}
}
