package cascade_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parley-sfu/parley/internal/testutil"
)

// TestRelayReestablished: when the relay bringing P's media to node B
// fails, B opens a new one and S1 gets P's media again.
func TestRelayReestablished(t *testing.T) {
	_, nodes := startCluster(t, "A", "B")
	a, b := nodes[0], nodes[1]
	m := newMedia(t)
	p := join(t, a, "meeting", "P")
	audio := m.publishAudio(t, p).Sid()
	video := m.publishSimulcast(t, p).Sid()
	s1 := join(t, b, "meeting", "S1")
	receiving(t, s1, audio, 20, "P's audio")
	receiving(t, s1, video, 20, "P's video")
	before := b.Cascade().RelaySessions()
	if len(before) != 1 {
		t.Fatalf("B has relay sessions %v, want one", before)
	}

	b.Cascade().BreakRelayLinks()
	testutil.Eventually(t, settle, func() bool {
		now := b.Cascade().RelaySessions()
		return len(now) == 1 && now[0] != before[0]
	}, "B did not open a new relay: %v", b.Cascade().RelaySessions())
	receiving(t, s1, audio, 50, "P's audio over the new relay")
	receiving(t, s1, video, 50, "P's video over the new relay")
	testutil.Eventually(t, settle, func() bool {
		for _, st := range a.Cascade().RelayStats() {
			if st.Outbound && st.Peer == "B" && st.Packets > 0 {
				return true
			}
		}
		return false
	}, "A sends nothing on the new relay: %+v", a.Cascade().RelayStats())
}

// TestBadClusterMessages: malformed or unexpected messages on every
// subject of a node get an error reply where a reply is expected, and the
// cluster goes on working.
func TestBadClusterMessages(t *testing.T) {
	natsSrv, nodes := startCluster(t, "A", "B")
	a, b := nodes[0], nodes[1]
	m := newMedia(t)
	p := join(t, a, "meeting", "P")
	audio := m.publishAudio(t, p).Sid()

	nc, err := nats.Connect(natsSrv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	for _, subject := range []string{"parley.ev.A", "parley.ev.X", "parley.relay.A.ice", "parley.relay.A.bye"} {
		for _, payload := range []string{"", "{", `{"type":"ev","node":"X","inst":"i","seq":1,"event":{"kind":"joined","room":"../x"}}`, `{"session":"nope","to_origin":true,"candidate":{"candidate":"garbage"}}`} {
			if err := nc.Publish(subject, []byte(payload)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		subject, payload, wantErr string
	}{
		{"parley.ctl.A", "{", "malformed"},
		{"parley.ctl.A", `{"op":"remove","room":"meeting","identity":"nobody"}`, "participant_not_found"},
		{"parley.ctl.A", `{"op":"explode","room":"meeting","identity":"P"}`, "invalid_argument"},
		{"parley.ctl.A", `{"op":"mute","room":"meeting","identity":"P","track_sid":"TR_nope","muted":true}`, "track_not_found"},
		{"parley.relay.A.req", `{"room":"meeting","from":"B"}`, "invalid_argument"},
		{"parley.relay.A.req", `{"room":"elsewhere","from":"X","session":"s1","demand":{}}`, "room_not_found"},
		{"parley.relay.B.sdp", `{"session":"nope","sdp":"v=0"}`, "no relay session"},
		{"parley.relay.B.sdp", "[]", "malformed"},
	} {
		msg, err := nc.Request(tc.subject, []byte(tc.payload), 5*time.Second)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.subject, tc.payload, err)
		}
		var rep struct{ Error, Code string }
		if err := json.Unmarshal(msg.Data, &rep); err != nil || !strings.Contains(rep.Error+" "+rep.Code, tc.wantErr) {
			t.Fatalf("%s %s: reply %s, want an error with %q", tc.subject, tc.payload, msg.Data, tc.wantErr)
		}
	}
	if _, err := nc.Request("parley.sync.A", []byte("garbage"), 5*time.Second); err != nil {
		t.Fatalf("snapshot request with a body: %v", err)
	}

	// The cluster still works: a new participant on B gets P's audio, and
	// no participant appeared from the forged messages.
	s1 := join(t, b, "meeting", "S1")
	receiving(t, s1, audio, 20, "P's audio")
	want := []string{stateLine("P", "A", audio+":audio:muted=false"), "S1@B[]"}
	agree(t, nodes, "meeting", want)
	for _, n := range nodes {
		if names := n.Rooms().Rooms(); len(names) != 1 {
			t.Fatalf("node %s has rooms %v", n.Cascade().ID(), names)
		}
	}
	if got := roomState(b, "meeting"); !slices.Equal(got, want) {
		t.Fatalf("B sees %q", got)
	}
}
