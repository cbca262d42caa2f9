package cascade_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/cascade"
	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/internal/testutil"
)

// BenchmarkRelayHop measures what a relay hop adds: publishers (each Opus
// and three-layer VP8 simulcast at about 1.7 Mbit/s, 0.5 and 0.15) and
// subscribers taking every publisher's top layer, all on node A
// ("one-node"), then with the publishers on A and the subscribers on B
// ("relay"): one speaker for many, and many relayed streams for few. It reports the
// one-way latency from the publisher's write to a subscriber's read
// (percentiles over every packet, one clock), the CPU the whole process
// used per second of the window (servers and bots: the bots do the same
// work in both cases, so the difference is the relay's), and the packets
// delivered. Run it alone:
//
//	go test -run '^$' -bench RelayHop -benchtime 1x ./cascade/
func BenchmarkRelayHop(b *testing.B) {
	for _, sc := range []struct{ publishers, subscribers int }{{1, 25}, {6, 2}} {
		for _, relay := range []bool{false, true} {
			where := "one-node"
			if relay {
				where = "relay"
			}
			b.Run(fmt.Sprintf("pub=%d/sub=%d/%s", sc.publishers, sc.subscribers, where), func(b *testing.B) {
				for range b.N {
					r := runHop(b, sc.publishers, sc.subscribers, relay, 4*time.Second, 15*time.Second)
					b.ReportMetric(ms(r.percentile(50)), "p50-ms")
					b.ReportMetric(ms(r.percentile(95)), "p95-ms")
					b.ReportMetric(ms(r.percentile(99)), "p99-ms")
					b.ReportMetric(r.cpu.Seconds()/r.window.Seconds(), "cpu-cores")
					b.ReportMetric(float64(len(r.latencies))/r.window.Seconds(), "pkts/s")
					b.ReportMetric(float64(r.relayed)/r.window.Seconds(), "relayed-pkts/s")
				}
			})
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// hopResult is what one run measured in its window.
type hopResult struct {
	window    time.Duration
	cpu       time.Duration
	latencies []time.Duration
	relayed   uint64 // packets the relays delivered to node B
}

func (r hopResult) percentile(p int) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	s := slices.Clone(r.latencies)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// latencyLog collects the latencies of packets received in the window.
type latencyLog struct {
	mu        sync.Mutex
	recording bool
	latencies []time.Duration
}

func (l *latencyLog) add(d time.Duration) {
	l.mu.Lock()
	if l.recording {
		l.latencies = append(l.latencies, d)
	}
	l.mu.Unlock()
}

func (l *latencyLog) record(on bool) []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recording = on
	return l.latencies
}

// runHop runs one scenario: warm up, then measure for window.
func runHop(b *testing.B, publishers, subs int, relay bool, warmup, window time.Duration) hopResult {
	_, nodes := testutil.StartCluster(b, []string{"A", "B"})
	ctx, cancel := context.WithCancel(b.Context())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()

	for i := range publishers {
		id := fmt.Sprintf("pub%d", i)
		pub, err := client.Connect(ctx, "grpc://"+nodes[0].GRPCAddr(), testutil.Token(b, "bench", id, testutil.AllGrants()), client.WithAutoSubscribe(false))
		if err != nil {
			b.Fatal(err)
		}
		defer pub.Close()
		publishStamped(b, ctx, &wg, pub, id)
	}

	var log latencyLog
	subNode := nodes[0]
	if relay {
		subNode = nodes[1]
	}
	for i := range subs {
		r, err := client.Connect(ctx, "grpc://"+subNode.GRPCAddr(), testutil.Token(b, "bench", fmt.Sprintf("sub%d", i), testutil.AllGrants()))
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		wg.Go(func() { readStamped(r, &log) })
	}
	time.Sleep(warmup)
	var before syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	relayedBefore := relayedPackets(nodes[1])
	start := time.Now()
	log.record(true)
	time.Sleep(window)
	lat := log.record(false)
	elapsed := time.Since(start)
	var after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	relayed := relayedPackets(nodes[1]) - relayedBefore
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	if len(lat) == 0 {
		b.Fatal("no packet received in the window")
	}
	return hopResult{window: elapsed, cpu: cpu, latencies: slices.Clone(lat), relayed: relayed}
}

// relayedPackets counts the packets node n received over relays.
func relayedPackets(n interface{ Cascade() *cascade.Node }) uint64 {
	var sum uint64
	for _, st := range n.Cascade().RelayStats() {
		if !st.Outbound {
			sum += st.Packets
		}
	}
	return sum
}

// stampHeader starts every video payload: a VP8 descriptor and keyframe
// header, so that any layer switch can happen at any packet.
var stampHeader = []byte{0x10, 0x50, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01}

// publishStamped publishes Opus (50 packets/s, 120 bytes) and VP8 in three
// layers at 30 frames/s of 1, 2 and 6 packets of 1100 bytes, each payload
// carrying the time it was written.
func publishStamped(b *testing.B, ctx context.Context, wg *sync.WaitGroup, r *client.Room, id string) {
	audio, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", id)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := r.PublishTrack(ctx, audio, client.TrackOptions{}); err != nil {
		b.Fatal(err)
	}
	wg.Go(func() { sendStamped(ctx, audio, 20*time.Millisecond, 960, 1, 120, []byte{0x08}) })
	var layers []*webrtc.TrackLocalStaticRTP
	for _, rid := range []string{"q", "h", "f"} {
		tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", id, webrtc.WithRTPStreamID(rid))
		if err != nil {
			b.Fatal(err)
		}
		layers = append(layers, tr)
	}
	if _, err := r.PublishSimulcast(ctx, layers, client.TrackOptions{Width: 1280, Height: 720}); err != nil {
		b.Fatal(err)
	}
	for i, perFrame := range []int{1, 2, 6} {
		wg.Go(func() { sendStamped(ctx, layers[i], 33*time.Millisecond, 3000, perFrame, 1100, stampHeader) })
	}
}

// sendStamped writes frames of n packets every interval until ctx ends.
func sendStamped(ctx context.Context, track *webrtc.TrackLocalStaticRTP, interval time.Duration, tsStep uint32, n, size int, header []byte) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	payload := make([]byte, size)
	copy(payload, header)
	var seq uint16
	for ts := uint32(0); ; ts += tsStep {
		for i := range n {
			binary.BigEndian.PutUint64(payload[len(header):], uint64(time.Now().UnixNano()))
			_ = track.WriteRTP(&rtp.Packet{
				Header:  rtp.Header{Version: 2, Marker: i == n-1, SequenceNumber: seq, Timestamp: ts},
				Payload: payload,
			})
			seq++
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// readStamped reads every subscribed track of r and logs the latency of
// each packet.
func readStamped(r *client.Room, log *latencyLog) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for ev := range r.Events() {
		sub, ok := ev.(client.TrackSubscribed)
		if !ok {
			continue
		}
		track := sub.Track.Track()
		header := len(stampHeader)
		if track.Kind() == webrtc.RTPCodecTypeAudio {
			header = 1
		}
		wg.Go(func() {
			buf := make([]byte, 1500)
			var p rtp.Packet
			for {
				n, _, err := track.Read(buf)
				if err != nil {
					return
				}
				if p.Unmarshal(buf[:n]) != nil || len(p.Payload) < header+8 {
					continue
				}
				sent := int64(binary.BigEndian.Uint64(p.Payload[header:]))
				log.add(time.Duration(time.Now().UnixNano() - sent))
			}
		})
	}
}
