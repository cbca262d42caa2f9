package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parley-sfu/parley/auth"
	"github.com/parley-sfu/parley/internal/testutil"
	"github.com/parley-sfu/parley/proto/parleypb"
)

// TestRunAgainstServer: a short load test against an in-process server.
// Every subscriber gets every track it expects and at least 95% of the
// packets (audio: of those the publisher sent), latency is measured, and
// the JSON report holds every figure the tables show.
func TestRunAgainstServer(t *testing.T) {
	srv := testutil.StartServer(t)
	cfg := DefaultConfig()
	cfg.URL = "grpc://" + srv.GRPCAddr()
	cfg.MetricsURL = "http://" + srv.HTTPAddr() + "/metrics"
	cfg.VideoPublishers, cfg.AudioPublishers, cfg.Subscribers = 1, 1, 3
	cfg.Duration = 5 * time.Second
	cfg.Ramp = 20
	var progress bytes.Buffer
	rep, err := Run(t.Context(), cfg, &progress)
	if err != nil {
		t.Fatal(err)
	}
	var tables bytes.Buffer
	if err := rep.WriteTables(&tables); err != nil {
		t.Fatal(err)
	}
	t.Logf("report:\n%s", tables.String())

	if rep.Interrupted || rep.Totals.Failed != 0 || rep.Totals.Errors != 0 || rep.Totals.Bots != 4 || rep.Totals.Connected != 4 {
		t.Errorf("run: interrupted %v, totals %+v, errors %v", rep.Interrupted, rep.Totals, rep.Errors)
	}
	if rep.Window.Seconds < 4.5 {
		t.Errorf("window of %.1f s, want 5", rep.Window.Seconds)
	}
	sent := map[string]uint64{} // by kind/rid
	for _, p := range rep.Publishers {
		sent[p.Kind+"/"+p.RID] = p.Packets
	}
	if len(sent) != 4 || sent["video/f"] == 0 || sent["audio/"] == 0 {
		t.Fatalf("published: %+v", rep.Publishers)
	}
	if len(rep.Subscribers) != 3 {
		t.Fatalf("%d subscriber rows, want 3", len(rep.Subscribers))
	}
	for _, s := range rep.Subscribers {
		if s.TracksGot != 2 || s.TracksExpected != 2 || len(s.Tracks) != 2 {
			t.Errorf("%s: tracks %d/%d (%d rows), want 2/2", s.Bot, s.TracksGot, s.TracksExpected, len(s.Tracks))
		}
		if s.Expected == 0 || float64(s.Packets) < 0.95*float64(s.Expected) || s.LossPercent > 5 {
			t.Errorf("%s received %d of %d packets (%.1f%% loss)", s.Bot, s.Packets, s.Expected, s.LossPercent)
		}
		for _, tr := range s.Tracks {
			if tr.Kind == "audio" && float64(tr.Packets) < 0.95*float64(sent["audio/"]) {
				t.Errorf("%s received %d audio packets of the %d sent", s.Bot, tr.Packets, sent["audio/"])
			}
			if tr.Kind == "video" && (tr.Width != 1280 || tr.Height != 720 || tr.Codec != "vp8") {
				t.Errorf("%s video track %+v: want vp8 asked at 1280x720 (speaker layout)", s.Bot, tr)
			}
		}
		l := s.Latency
		if l.Samples < 100 || l.P50MS <= 0 || l.P95MS < l.P50MS || l.P99MS < l.P95MS {
			t.Errorf("%s latency %+v: want samples and positive, ordered percentiles", s.Bot, l)
		}
	}
	if l := rep.Totals.Latency; l.P50MS <= 0 || l.P99MS <= 0 {
		t.Errorf("total latency %+v", l)
	}
	if j := rep.Totals.Join; j.Count != 4 || j.P50MS <= 0 {
		t.Errorf("join times %+v", j)
	}
	if s := rep.Totals.Subscribe; s.Count != 6 || s.P50MS <= 0 {
		t.Errorf("subscribe times %+v", s)
	}
	if s := rep.Server; s.Source == "" || s.PacketsOutCounted != "server metrics" || s.PacketsOut < rep.Totals.Packets*9/10 || s.CPUSeconds <= 0 || s.PeakRSSBytes == 0 {
		t.Errorf("server figures %+v", s)
	}
	if rep.Bots.CPUSeconds <= 0 {
		t.Errorf("bots' CPU %+v", rep.Bots)
	}
	if len(rep.Timeline) < 4 || !strings.Contains(progress.String(), "bots 4/4") {
		t.Errorf("%d timeline samples; progress:\n%s", len(rep.Timeline), progress.String())
	}

	checkJSON(t, rep)
}

// checkJSON: the report's JSON parses back into the same figures, and
// names every column of the tables.
func checkJSON(t *testing.T, rep *Report) {
	t.Helper()
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("report JSON does not parse: %v", err)
	}
	for name, pair := range map[string][2]any{
		"publishers":  {rep.Publishers, back.Publishers},
		"subscribers": {rep.Subscribers, back.Subscribers},
		"totals":      {rep.Totals, back.Totals},
		"server":      {rep.Server, back.Server},
		"bots":        {rep.Bots, back.Bots},
		"timeline":    {rep.Timeline, back.Timeline},
		"config":      {rep.Config, back.Config},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s changed through JSON:\n got %+v\nwant %+v", name, pair[1], pair[0])
		}
	}
	var raw map[string]any
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, path := range tableFields {
		if _, ok := lookup(raw, path); !ok {
			t.Errorf("JSON report has no %s", path)
		}
	}
}

// tableFields are the JSON paths of every figure WriteTables prints
// ([] takes the first element of an array).
var tableFields = []string{
	"config.url", "config.rooms", "config.video_publishers", "config.audio_publishers", "config.subscribers",
	"config.codec", "config.simulcast", "config.layout", "window.seconds", "interrupted",
	"machine.cpus", "machine.os", "machine.arch", "machine.go",
	"publishers[].room", "publishers[].bot", "publishers[].kind", "publishers[].rid", "publishers[].codec",
	"publishers[].packets", "publishers[].mbps", "publishers[].frames", "publishers[].keyframes",
	"publishers[].keyframe_jumps", "publishers[].plis_received", "publishers[].nacks_received", "publishers[].write_errors",
	"subscribers[].room", "subscribers[].bot", "subscribers[].tracks_got", "subscribers[].tracks_expected",
	"subscribers[].mbps", "subscribers[].packets", "subscribers[].packets_lost", "subscribers[].loss_percent",
	"subscribers[].nacks_sent", "subscribers[].plis_sent", "subscribers[].jitter_ms",
	"subscribers[].latency.p50_ms", "subscribers[].latency.p95_ms", "subscribers[].latency.p99_ms", "subscribers[].errors",
	"totals.bots", "totals.connected", "totals.failed", "totals.tracks_got", "totals.tracks_expected",
	"totals.sent_mbps", "totals.packets_sent", "totals.received_mbps", "totals.packets_received",
	"totals.packets_expected", "totals.packets_lost", "totals.loss_percent", "totals.nacks_sent", "totals.plis_sent",
	"totals.join.p50_ms", "totals.join.p99_ms", "totals.join.count",
	"totals.subscribe.p50_ms", "totals.subscribe.p99_ms", "totals.subscribe.count",
	"totals.latency.p50_ms", "totals.latency.p95_ms", "totals.latency.p99_ms", "totals.latency.samples", "totals.errors",
	"server.source", "server.cpu_seconds", "server.cpu_percent", "server.peak_rss_bytes", "server.base_rss_bytes",
	"server.rss_per_subscriber_bytes", "server.cpu_us_per_packet_out", "server.packets_out_per_cpu_second",
	"server.cpu_seconds_per_subscriber_mbit", "server.packets_out", "server.packets_out_source",
	"server.udp_receive_drops", "server.packets_in", "server.nacks_received", "server.nacks_missed",
	"server.plis_to_publishers", "server.packets_dropped", "bots.cpu_seconds", "bots.cpu_percent", "bots.udp_receive_drops", "errors",
}

// lookup follows a dotted path through decoded JSON.
func lookup(v any, path string) (any, bool) {
	for _, part := range strings.Split(path, ".") {
		name, arr := strings.CutSuffix(part, "[]")
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[name]; !ok {
			return nil, false
		}
		if arr {
			a, ok := v.([]any)
			if !ok || len(a) == 0 {
				return nil, false
			}
			v = a[0]
		}
	}
	return v, true
}

// TestRunInterrupted: when the context ends mid-run (Ctrl-C) the bots
// leave promptly and the report of what was measured comes back.
func TestRunInterrupted(t *testing.T) {
	srv := testutil.StartServer(t)
	cfg := DefaultConfig()
	cfg.URL = "ws://" + srv.HTTPAddr() + "/signal"
	cfg.MetricsURL = "http://" + srv.HTTPAddr() + "/metrics"
	cfg.VideoPublishers, cfg.Subscribers = 1, 1
	cfg.Duration = time.Minute
	cfg.Ramp = 50
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	start := time.Now()
	rep, err := Run(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the interrupted run took %v", d)
	}
	if !rep.Interrupted || rep.Window.Seconds <= 0 || rep.Window.Seconds > 5 {
		t.Errorf("interrupted %v, window %.1f s", rep.Interrupted, rep.Window.Seconds)
	}
	if len(rep.Subscribers) != 1 || rep.Subscribers[0].Packets == 0 {
		t.Errorf("nothing measured before the interruption: %+v", rep.Subscribers)
	}
}

// TestRunBotFailureCounted: a bot the server refuses (the room is full)
// is counted as an error; the others run on.
func TestRunBotFailureCounted(t *testing.T) {
	srv := testutil.StartServer(t)
	cfg := DefaultConfig()
	// A room for two; over WebSocket the load test does not create its
	// rooms (with room for everyone) itself.
	cfg.RoomPrefix = "full"
	createRoom(t, srv.GRPCAddr(), roomName(cfg.RoomPrefix, 0), 2)
	cfg.URL = "ws://" + srv.HTTPAddr() + "/signal"
	cfg.VideoPublishers, cfg.Subscribers = 1, 2
	cfg.Duration = 2 * time.Second
	cfg.Ramp = 50
	rep, err := Run(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Bots != 3 || rep.Totals.Failed != 1 || rep.Totals.Errors != 1 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Message, "join") {
		t.Errorf("totals %+v, errors %+v: want one failed join", rep.Totals, rep.Errors)
	}
	var got int
	for _, s := range rep.Subscribers {
		if s.TracksGot == 1 && s.Packets > 0 {
			got++
		}
	}
	if got != 1 {
		t.Errorf("subscribers %+v: want the one that joined to receive", rep.Subscribers)
	}
}

// createRoom creates a room with a participant limit through RoomService.
func createRoom(t *testing.T, grpcAddr, name string, maxParticipants uint32) {
	t.Helper()
	token := testutil.Token(t, "", "admin", auth.Grants{RoomCreate: true})
	rs := testutil.RoomService(t, grpcAddr)
	if _, err := rs.CreateRoom(testutil.WithToken(t.Context(), token), &parleypb.CreateRoomRequest{
		Name: name, MaxParticipants: maxParticipants,
	}); err != nil {
		t.Fatalf("create room: %v", err)
	}
}
