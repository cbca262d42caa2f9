package cascade_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"

	"github.com/parley-sfu/parley/cascade"
	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/internal/browsertest"
	"github.com/parley-sfu/parley/internal/natsembed"
	"github.com/parley-sfu/parley/internal/testutil"
	"github.com/parley-sfu/parley/room"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

// startCluster starts NATS and a node per id, and checks that no goroutine
// outlives the test.
func startCluster(t *testing.T, ids ...string) (*natsembed.Server, []node) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	nats, servers := testutil.StartCluster(t, ids)
	nodes := make([]node, len(servers))
	for i, s := range servers {
		nodes[i] = s
	}
	return nats, nodes
}

// node is what the tests use of a running Parley node (*server.Server).
type node interface {
	Rooms() *room.Manager
	Shutdown(ctx context.Context) error
	Cascade() *cascade.Node
	GRPCAddr() string
	HTTPAddr() string
	URL(roomName string) string
}

// settle is how long the cluster may take to agree on something.
const settle = 15 * time.Second

// media sends synthetic media until the test ends.
type media struct {
	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup
}

func newMedia(t *testing.T) *media {
	m := &media{}
	m.ctx, m.stop = context.WithCancel(t.Context())
	t.Cleanup(func() { m.stop(); m.wg.Wait() })
	return m
}

// join connects identity to roomName on n over gRPC and records what it
// receives.
func join(t *testing.T, n node, roomName, identity string, opts ...client.Option) *testutil.Participant {
	t.Helper()
	r, err := client.Connect(t.Context(), "grpc://"+n.GRPCAddr(), testutil.Token(t, roomName, identity, testutil.AllGrants()), opts...)
	if err != nil {
		t.Fatalf("%s connect: %v", identity, err)
	}
	p := testutil.Watch(identity, r)
	t.Cleanup(func() { _ = r.Close(); p.Wait() })
	return p
}

// publishAudio publishes a synthetic Opus track tagged identity/audio.
func (m *media) publishAudio(t *testing.T, p *testutil.Participant) *client.LocalTrack {
	t.Helper()
	track, err := testutil.SyntheticTrack(webrtc.RTPCodecTypeAudio, p.Identity+"-audio", p.Identity)
	if err != nil {
		t.Fatal(err)
	}
	lt, err := p.Room.PublishTrack(m.ctx, track, client.TrackOptions{})
	if err != nil {
		t.Fatalf("%s publish audio: %v", p.Identity, err)
	}
	testutil.SendSynthetic(m.ctx, &m.wg, track, p.Identity+"/audio")
	return lt
}

// publishSimulcast publishes a synthetic VP8 track in three layers (q, h,
// f: 320x180, 640x360, 1280x720), each tagged identity/video/<rid>.
func (m *media) publishSimulcast(t *testing.T, p *testutil.Participant) *client.LocalTrack {
	t.Helper()
	codec := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	rids := []string{"q", "h", "f"}
	var layers []*webrtc.TrackLocalStaticRTP
	for _, rid := range rids {
		tr, err := webrtc.NewTrackLocalStaticRTP(codec, p.Identity+"-video", p.Identity, webrtc.WithRTPStreamID(rid))
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, tr)
	}
	lt, err := p.Room.PublishSimulcast(m.ctx, layers, client.TrackOptions{Width: 1280, Height: 720})
	if err != nil {
		t.Fatalf("%s publish simulcast: %v", p.Identity, err)
	}
	for i, tr := range layers {
		testutil.SendSynthetic(m.ctx, &m.wg, tr, p.Identity+"/video/"+rids[i])
	}
	return lt
}

// receiving waits until p got at least n more intact packets of track sid
// than before, all of them intact, and returns the stats.
func receiving(t *testing.T, p *testutil.Participant, sid string, n int, what string) testutil.ReceiveStats {
	t.Helper()
	before := p.Received(sid).Intact
	testutil.Eventually(t, settle, func() bool { return p.Received(sid).Intact >= before+n },
		"%s receiving %s (%s): %v; events: %s", p.Identity, what, sid, p.Received(sid), p.DescribeEvents())
	got := p.Received(sid)
	if got.Corrupt != 0 {
		t.Fatalf("%s received %s altered: %v", p.Identity, what, got)
	}
	return got
}

// tagGrows waits until p receives more packets tagged tag on track sid.
func tagGrows(t *testing.T, p *testutil.Participant, sid, tag string, n int) {
	t.Helper()
	before := p.Received(sid).Tags[tag]
	testutil.Eventually(t, settle, func() bool { return p.Received(sid).Tags[tag] >= before+n },
		"%s receiving %s on %s: %v", p.Identity, tag, sid, p.Received(sid))
}

// roomState summarises a room as one node sees it: every participant with
// its node and tracks (sid, kind, muted), sorted, one line each.
func roomState(n node, roomName string) []string {
	r, ok := n.Rooms().Room(roomName)
	if !ok {
		return nil
	}
	var out []string
	for _, p := range r.Participants() {
		var tracks []string
		for _, tr := range p.Tracks {
			tracks = append(tracks, fmt.Sprintf("%s:%s:muted=%v", tr.SID, tr.Kind, tr.Muted))
		}
		sort.Strings(tracks)
		out = append(out, fmt.Sprintf("%s@%s[%s]", p.Identity, p.NodeID, strings.Join(tracks, " ")))
	}
	sort.Strings(out)
	return out
}

// agree waits until every node sees the room as want.
func agree(t *testing.T, nodes []node, roomName string, want []string) {
	t.Helper()
	testutil.Eventually(t, settle, func() bool {
		for _, n := range nodes {
			if !slices.Equal(roomState(n, roomName), want) {
				return false
			}
		}
		return true
	}, "nodes disagree on room %s:\n%s\nwant %q", roomName, describeStates(nodes, roomName), want)
}

func describeStates(nodes []node, roomName string) string {
	var b strings.Builder
	for _, n := range nodes {
		fmt.Fprintf(&b, "  %s: %q\n", n.Cascade().ID(), roomState(n, roomName))
	}
	return b.String()
}

// relayLayers returns the layers of track sid that n sends to peer
// (outbound) or receives from it, as a mask, and their packet counts.
func relayLayers(n node, peer, sid string, outbound bool) (mask uint8, packets [3]uint64) {
	for _, st := range n.Cascade().RelayStats() {
		if st.Peer == peer && st.Track == sid && st.Outbound == outbound {
			mask |= 1 << st.Layer
			packets[st.Layer] = st.Packets
		}
	}
	return mask, packets
}

// stateLine is one line of roomState: identity on node with tracks given
// as "sid:kind:muted=bool".
func stateLine(identity, node string, tracks ...string) string {
	tracks = slices.Clone(tracks)
	sort.Strings(tracks)
	return fmt.Sprintf("%s@%s[%s]", identity, node, strings.Join(tracks, " "))
}
