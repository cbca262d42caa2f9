package cascade_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/internal/testutil"
)

// TestRoomStateAgrees (issue 7, test 2): with one participant on each of
// three nodes, every node and every client sees the same participants,
// tracks and mutes, and chat messages reach everyone in the order sent.
func TestRoomStateAgrees(t *testing.T) {
	_, servers := startCluster(t, "A", "B", "C")
	nodes := servers
	m := newMedia(t)
	names := []string{"alice", "bob", "carol"}
	parts := map[string]*testutil.Participant{}
	tracks := map[string]string{}
	for i, name := range names {
		parts[name] = join(t, nodes[i], "standup", name)
		tracks[name] = m.publishAudio(t, parts[name]).Sid()
	}
	line := func(name, node string, muted bool) string {
		return fmt.Sprintf("%s@%s[%s:audio:muted=%v]", name, node, tracks[name], muted)
	}
	agree(t, nodes, "standup", []string{line("alice", "A", false), line("bob", "B", false), line("carol", "C", false)})

	if err := parts["bob"].Room.MuteTrack(parts["bob"].Room.LocalTracks()[0], true); err != nil {
		t.Fatal(err)
	}
	if err := parts["carol"].Room.UpdateParticipant(client.ParticipantUpdate{Name: "Carol", Attributes: map[string]string{"hand_raised": "1"}}); err != nil {
		t.Fatal(err)
	}
	chat := []string{"one", "two", "three", "four", "five"}
	for _, text := range chat {
		if err := parts["alice"].Room.SendChat(text); err != nil {
			t.Fatal(err)
		}
	}
	if err := parts["alice"].Room.SendChat("for carol only", "carol"); err != nil {
		t.Fatal(err)
	}
	agree(t, nodes, "standup", []string{line("alice", "A", false), line("bob", "B", true), line("carol", "C", false)})
	for _, n := range nodes {
		r, _ := n.Rooms().Room("standup")
		carol, ok := r.Participant("carol")
		if !ok {
			t.Fatalf("node %s lost carol", n.Cascade().ID())
		}
		testutil.Eventually(t, settle, func() bool {
			info := carol.Info()
			return info.Name == "Carol" && info.Attributes["hand_raised"] == "1"
		}, "node %s sees carol as %+v", n.Cascade().ID(), carol.Info())
	}

	// Every client sees the others as the nodes do, bob's mute, and the
	// chat in order; only carol gets the private message.
	for i, name := range names {
		p := parts[name]
		var want []string
		for j, other := range names {
			if other != name {
				want = append(want, line(other, nodes[j].Cascade().ID(), other == "bob"))
			}
		}
		testutil.Eventually(t, settle, func() bool { return slices.Equal(clientState(p), want) },
			"%s (on %s) sees %q, want %q", name, nodes[i].Cascade().ID(), clientState(p), want)
		if name != "bob" {
			p.WaitEvent(t, settle, "bob's mute", func(ev client.Event) bool {
				e, ok := ev.(client.TrackMuted)
				return ok && e.TrackSid == tracks["bob"] && e.Muted
			})
		}
		if name == "alice" {
			continue
		}
		wantChat := chat
		if name == "carol" {
			wantChat = append(slices.Clone(chat), "for carol only")
		}
		last := wantChat[len(wantChat)-1]
		p.WaitEvent(t, settle, "chat message "+last, func(ev client.Event) bool {
			e, ok := ev.(client.DataReceived)
			return ok && e.Text == last
		})
		var got []string
		for _, ev := range events(p) {
			if e, ok := ev.(client.DataReceived); ok && e.FromIdentity == "alice" {
				got = append(got, e.Text)
			}
		}
		if !slices.Equal(got, wantChat) {
			t.Fatalf("%s got chat %q, want %q", name, got, wantChat)
		}
	}
	if _, found := parts["bob"].Find(func(ev client.Event) bool {
		e, ok := ev.(client.DataReceived)
		return ok && e.Text == "for carol only"
	}); found {
		t.Fatal("bob got carol's private message")
	}
}

// clientState summarises the other participants as a client sees them, in
// the form of roomState.
func clientState(p *testutil.Participant) []string {
	var out []string
	for _, o := range p.Room.Participants() {
		if o.GetIdentity() == p.Identity {
			continue
		}
		var tracks []string
		for _, tr := range o.GetTracks() {
			kind := strings.ToLower(strings.TrimPrefix(tr.GetKind().String(), "TRACK_KIND_"))
			tracks = append(tracks, fmt.Sprintf("%s:%s:muted=%v", tr.GetSid(), kind, tr.GetMuted()))
		}
		sort.Strings(tracks)
		out = append(out, fmt.Sprintf("%s@%s[%s]", o.GetIdentity(), o.GetNodeId(), strings.Join(tracks, " ")))
	}
	sort.Strings(out)
	return out
}

// events returns what p recorded so far.
func events(p *testutil.Participant) []client.Event {
	var out []client.Event
	p.Find(func(ev client.Event) bool {
		out = append(out, ev)
		return false
	})
	return out
}
