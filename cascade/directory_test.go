package cascade_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/goleak"

	"github.com/parley-sfu/parley/cascade"
	"github.com/parley-sfu/parley/internal/testutil"
)

// fakeNode plays node X of the cluster by hand over NATS: it publishes
// heartbeats and events, and answers snapshot requests with what the test
// says. The JSON below pins the wire format.
type fakeNode struct {
	t    *testing.T
	nc   *nats.Conn
	inst string

	mu       sync.Mutex
	snapshot string // the "rooms" of the next snapshot, and its seq
	seq      int
	asked    int
}

func newFakeNode(t *testing.T, url string) *fakeNode {
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	f := &fakeNode{t: t, nc: nc, inst: "inst1", snapshot: "[]"}
	if _, err := nc.Subscribe("parley.sync.X", func(m *nats.Msg) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.asked++
		_ = m.Respond(fmt.Appendf(nil, `{"node":"X","inst":%q,"seq":%d,"rooms":%s}`, f.inst, f.seq, f.snapshot))
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

// state sets what the next snapshot says.
func (f *fakeNode) state(seq int, rooms string) {
	f.mu.Lock()
	f.seq, f.snapshot = seq, rooms
	f.mu.Unlock()
}

func (f *fakeNode) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asked
}

func (f *fakeNode) send(msg string) {
	f.t.Helper()
	if err := f.nc.Publish("parley.ev.X", []byte(msg)); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeNode) heartbeat(seq int) {
	f.send(fmt.Sprintf(`{"type":"hb","node":"X","inst":%q,"seq":%d,"load":{}}`, f.inst, seq))
}

func (f *fakeNode) event(seq int, ev string) {
	f.send(fmt.Sprintf(`{"type":"ev","node":"X","inst":%q,"seq":%d,"event":%s}`, f.inst, seq, ev))
}

func participantJSON(identity string) string {
	return fmt.Sprintf(`{"SID":"PA_%s","Identity":%q,"Name":%q,"JoinedAt":"2026-01-01T00:00:00Z"}`, identity, identity, identity)
}

func roomJSON(identities ...string) string {
	var ps []string
	for _, id := range identities {
		ps = append(ps, participantJSON(id))
	}
	return fmt.Sprintf(`[{"info":{"Name":"r"},"participants":[%s],"tracks":[]}]`, strings.Join(ps, ","))
}

// TestDirectoryFollowsANode: a node applies another node's events in
// order, and when its stream has a gap (a missing number, a heartbeat
// announcing later events, a new instance) takes that node's snapshot
// instead; a node that goes silent is dropped.
func TestDirectoryFollowsANode(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	natsSrv := testutil.StartNATS(t)
	a := testutil.StartServer(t, testutil.WithNATS(natsSrv.URL(), "A"),
		testutil.WithCascade(func(c *cascade.Config) { c.HeartbeatInterval, c.NodeTimeout = time.Second, 3*time.Second }))
	x := newFakeNode(t, natsSrv.URL())
	sees := func(what string, want ...string) {
		t.Helper()
		testutil.Eventually(t, settle, func() bool { return slices.Equal(roomState(a, "r"), want) },
			"%s: A sees %q, want %q", what, roomState(a, "r"), want)
	}
	asked := func(what string, n int) {
		t.Helper()
		testutil.Eventually(t, settle, func() bool { return x.requests() >= n }, "%s: %d snapshot requests, want %d", what, x.requests(), n)
	}

	// First contact: A asks for a snapshot, then follows the events.
	x.heartbeat(0)
	asked("first heartbeat", 1)
	x.event(1, `{"kind":"joined","room":"r","participant":`+participantJSON("alice")+`}`)
	sees("alice joined", "alice@X[]")
	x.event(2, `{"kind":"updated","room":"r","participant":`+participantJSON("alice")+`}`)
	x.event(2, `{"kind":"left","room":"r","sid":"PA_alice"}`) // a duplicate number: ignored
	sees("a duplicate ignored", "alice@X[]")

	// Event 3 is lost: 4 reveals the gap; the snapshot (at 4) wins and
	// the held events after it are replayed.
	x.state(4, roomJSON("alice", "bob"))
	x.event(4, `{"kind":"joined","room":"r","participant":`+participantJSON("bob")+`}`)
	asked("a gap", 2)
	x.event(5, `{"kind":"joined","room":"r","participant":`+participantJSON("carol")+`}`)
	sees("after the gap", "alice@X[]", "bob@X[]", "carol@X[]")

	// The heartbeat says events up to 7 were sent; 6 and 7 never came.
	x.state(7, roomJSON("carol"))
	x.heartbeat(7)
	asked("a heartbeat ahead of the events", 3)
	sees("after the heartbeat", "carol@X[]")

	// X restarts: a new instance numbers from 1 again and has new state.
	x.inst = "inst2"
	x.state(0, roomJSON("dave"))
	x.heartbeat(0)
	sees("after the restart", "dave@X[]")
	x.event(1, `{"kind":"joined","room":"r","participant":`+participantJSON("erin")+`}`)
	sees("events of the new instance", "dave@X[]", "erin@X[]")

	// X goes silent: after the node timeout its participants are gone.
	sees("X silent", []string{}...)
}
