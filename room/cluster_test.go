package room_test

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"

	"github.com/parley-sfu/parley/room"
	"github.com/parley-sfu/parley/sfu"
)

// recorder is a room.Sink and a room.Cluster that writes down what it is
// told, as short lines, leaving out offers and candidates.
type recorder struct {
	mu    sync.Mutex
	lines []string

	removeErr error
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.lines
	r.lines = nil
	return out
}

func (r *recorder) Send(ev room.Event) {
	if line := describe(ev); line != "" {
		r.add("%s", line)
	}
}

func (r *recorder) Publish(rm *room.Room, ev room.Event) { r.add("%s: %s", rm.Name(), describe(ev)) }

func (r *recorder) RemoveRemote(rm *room.Room, p room.ParticipantInfo, reason room.LeaveReason, msg string) error {
	r.add("%s: remove %s on %s (%d, %s)", rm.Name(), p.Identity, p.NodeID, reason, msg)
	return r.removeErr
}

func (r *recorder) MuteRemote(rm *room.Room, p room.ParticipantInfo, sid string, muted bool) (room.TrackInfo, error) {
	r.add("%s: mute %s of %s on %s: %v", rm.Name(), sid, p.Identity, p.NodeID, muted)
	return room.TrackInfo{SID: sid, Muted: muted}, nil
}

// describe names an event and its essentials; "" for media negotiation.
func describe(ev room.Event) string {
	switch e := ev.(type) {
	case room.ParticipantJoinedEvent:
		p := e.Participant
		return fmt.Sprintf("joined %s node=%s remote=%v", p.Identity, p.NodeID, p.Remote)
	case room.ParticipantUpdatedEvent:
		return fmt.Sprintf("updated %s name=%s", e.Participant.Identity, e.Participant.Name)
	case room.ParticipantLeftEvent:
		return fmt.Sprintf("left %s reason=%d", e.Identity, e.Reason)
	case room.TrackPublishedEvent:
		return fmt.Sprintf("published %s of %s remote=%v", e.Track.SID, e.Track.ParticipantIdentity, e.Track.Remote)
	case room.TrackUnpublishedEvent:
		return "unpublished " + e.TrackSID
	case room.TrackMutedEvent:
		return fmt.Sprintf("muted %s %v", e.TrackSID, e.Muted)
	case room.DataEvent:
		return fmt.Sprintf("data %q from %s", e.Text, e.FromIdentity)
	case room.DataSentEvent:
		return fmt.Sprintf("data %q from %s to %v", e.Data.Text, e.Data.FromIdentity, e.To)
	case room.LeaveEvent:
		return fmt.Sprintf("leave reason=%d", e.Reason)
	case room.RoomUpdatedEvent:
		return fmt.Sprintf("room %s metadata=%q max=%d", e.Room.Name, e.Room.Metadata, e.Room.MaxParticipants)
	case room.RoomClosedEvent:
		return fmt.Sprintf("room closed reason=%d", e.Reason)
	}
	return ""
}

// newManager returns a manager on a loopback engine, for node "A".
func newManager(t *testing.T, cluster room.Cluster, mutate ...func(*room.Config)) (*room.Manager, *sfu.Engine) {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t, goleak.IgnoreCurrent()) })
	scfg := sfu.DefaultConfig()
	scfg.UDPPort, scfg.BindAddress, scfg.IncludeLoopback = 0, "127.0.0.1", true
	engine, err := sfu.NewEngine(scfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := room.DefaultConfig()
	cfg.NodeID = "A"
	for _, m := range mutate {
		m(&cfg)
	}
	m := room.NewManager(cfg, engine, nil)
	if cluster != nil {
		m.SetCluster(cluster)
	}
	t.Cleanup(func() {
		m.Close()
		_ = engine.Close()
	})
	return m, engine
}

func grants() room.Permission {
	return room.Permission{CanPublish: true, CanSubscribe: true, CanPublishData: true}
}

func join(t *testing.T, m *room.Manager, roomName, identity string, sink room.Sink) *room.Participant {
	t.Helper()
	p, _, err := m.Join(roomName, true, room.ParticipantParams{
		Identity: identity, Name: identity, Permission: grants(), AutoSubscribe: true, Sink: sink,
	})
	if err != nil {
		t.Fatalf("join %s: %v", identity, err)
	}
	return p
}

func remoteInfo(identity, node string, joined time.Time) room.ParticipantInfo {
	return room.ParticipantInfo{
		SID: "PA_" + identity + "_" + node, Identity: identity, Name: identity, NodeID: node,
		JoinedAt: joined, Permission: grants(),
	}
}

func equalLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %q\n want %q", what, got, want)
	}
}

// TestClusterHearsLocalChanges: the cluster is told every change made on
// this node, in order, and nothing when there is no cluster.
func TestClusterHearsLocalChanges(t *testing.T) {
	cluster := &recorder{}
	m, _ := newManager(t, cluster)
	if _, err := m.CreateRoom("standup", room.RoomOptions{MaxParticipants: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.CreateRoom("standup", room.RoomOptions{Metadata: "daily"}); err != nil {
		t.Fatal(err)
	}
	alice := join(t, m, "standup", "alice", &recorder{})
	if err := alice.Update(room.ParticipantUpdate{Name: "Alice"}); err != nil {
		t.Fatal(err)
	}
	if err := alice.SendData(room.DataMessage{Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if err := alice.SendData(room.DataMessage{Text: "psst", Destinations: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	alice.Leave(room.LeaveClientRequest)
	join(t, m, "standup", "bob", &recorder{})
	if err := m.DeleteRoom("standup"); err != nil {
		t.Fatal(err)
	}
	equalLines(t, "told to the cluster", cluster.take(), []string{
		`standup: room standup metadata="" max=5`,
		`standup: room standup metadata="daily" max=5`,
		"standup: joined alice node=A remote=false",
		"standup: updated alice name=Alice",
		`standup: data "hi" from alice to []`,
		`standup: data "psst" from alice to [bob]`,
		"standup: left alice reason=1",
		"standup: joined bob node=A remote=false",
		"standup: left bob reason=4",
		"standup: room closed reason=4",
	})
}

// TestRemoteParticipants: participants and tracks of another node appear
// to local participants as remote ones, local participants subscribe to
// remote tracks, and none of it is echoed to the cluster.
func TestRemoteParticipants(t *testing.T) {
	cluster := &recorder{}
	m, engine := newManager(t, cluster)
	r, err := m.MirrorRoom(room.RoomInfo{Name: "standup", MaxParticipants: 10, Metadata: "from B"})
	if err != nil {
		t.Fatal(err)
	}
	local := &recorder{}
	alice := join(t, m, "standup", "alice", local)
	cluster.take()
	local.take()

	bob := remoteInfo("bob", "B", time.Now())
	if err := r.AddRemoteParticipant(bob); err != nil {
		t.Fatal(err)
	}
	src := engine.NewRelayReceiver(sfu.RelaySpec{
		ID: "TR_bobcam", StreamID: bob.SID, Kind: webrtc.RTPCodecTypeVideo, ActiveLayers: 1,
		Codec: webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, PayloadType: 96},
	})
	defer src.End()
	track := room.TrackInfo{SID: "TR_bobcam", ParticipantSID: bob.SID, Kind: room.KindVideo, Source: room.SourceCamera, MimeType: webrtc.MimeTypeVP8}
	if err := r.PublishRemoteTrack(track, src); err != nil {
		t.Fatal(err)
	}
	if err := r.PublishRemoteTrack(track, src); err != nil {
		t.Fatalf("publishing a live remote track again: %v", err)
	}
	if _, ok := alice.Subscriptions()["TR_bobcam"]; !ok {
		t.Fatal("alice is not subscribed to bob's remote track")
	}
	if got := src.DemandedLayers(); got != 1 {
		t.Fatalf("relay receiver demand %b, want 1 (alice's down-track)", got)
	}
	bob.Name = "Bob"
	if err := r.AddRemoteParticipant(bob); err != nil {
		t.Fatal(err)
	}
	if err := r.SetRemoteTrackMuted("TR_bobcam", true); err != nil {
		t.Fatal(err)
	}
	r.DeliverRemoteData(room.DataEvent{Text: "hello all", FromSID: bob.SID, FromIdentity: "bob"}, nil)
	r.DeliverRemoteData(room.DataEvent{Text: "hello alice", FromSID: bob.SID, FromIdentity: "bob"}, []string{"alice"})
	r.DeliverRemoteData(room.DataEvent{Text: "hello carol", FromSID: bob.SID, FromIdentity: "bob"}, []string{"carol"})

	infos := r.Participants()
	if len(infos) != 2 || !infos[1].Remote || infos[1].NodeID != "B" || len(infos[1].Tracks) != 1 || !infos[1].Tracks[0].Muted || !infos[1].Tracks[0].Remote {
		t.Fatalf("participants %+v, want alice and remote bob with his muted remote track", infos)
	}
	if got := r.RemoteParticipants("B"); len(got) != 1 || got[0].SID != bob.SID {
		t.Fatalf("remote participants of B: %+v", got)
	}
	if _, _, ok := r.TrackSource("TR_bobcam"); ok {
		t.Fatal("TrackSource returned a remote track: relays forward local tracks only")
	}
	if !r.UnpublishRemoteTrack("TR_bobcam") || r.UnpublishRemoteTrack("TR_bobcam") {
		t.Fatal("unpublishing a remote track twice")
	}
	if _, ok := alice.Subscriptions()["TR_bobcam"]; ok {
		t.Fatal("alice still subscribed after the remote track was unpublished")
	}
	if !r.RemoveRemoteParticipant(bob.SID, room.LeaveNodeFailure) || r.RemoveRemoteParticipant(bob.SID, room.LeaveNodeFailure) {
		t.Fatal("removing a remote participant twice")
	}
	equalLines(t, "alice's events", local.take(), []string{
		"joined bob node=B remote=true",
		"published TR_bobcam of bob remote=true",
		"updated bob name=Bob",
		"muted TR_bobcam true",
		`data "hello all" from bob`,
		`data "hello alice" from bob`,
		"unpublished TR_bobcam",
		"left bob reason=8",
	})
	equalLines(t, "told to the cluster", cluster.take(), nil)
}

// TestRemoteDuplicateIdentity: when an identity is on two nodes, the later
// join stays on both.
func TestRemoteDuplicateIdentity(t *testing.T) {
	for _, tc := range []struct {
		name        string
		remoteAt    time.Duration // remote join time relative to the local join
		want        []string      // identity@node of the room's participants
		wantCluster []string
		wantLocal   []string
	}{
		{
			name: "remote joined later replaces local", remoteAt: time.Second,
			want:        []string{"alice@B"},
			wantCluster: []string{"standup: left alice reason=2"},
			wantLocal:   []string{"leave reason=2"},
		},
		{
			name: "remote joined earlier is ignored", remoteAt: -time.Second,
			want: []string{"alice@A"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cluster := &recorder{}
			m, _ := newManager(t, cluster)
			local := &recorder{}
			alice := join(t, m, "standup", "alice", local)
			r := alice.Room()
			cluster.take()
			local.take()
			info := remoteInfo("alice", "B", alice.Info().JoinedAt.Add(tc.remoteAt))
			if err := r.AddRemoteParticipant(info); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range r.Participants() {
				got = append(got, p.Identity+"@"+p.NodeID)
			}
			equalLines(t, "participants", got, tc.want)
			equalLines(t, "told to the cluster", cluster.take(), tc.wantCluster)
			equalLines(t, "local alice's events", local.take(), tc.wantLocal)
		})
	}
}

// TestMaxParticipantsCountsRemote: the room limit counts participants of
// every node.
func TestMaxParticipantsCountsRemote(t *testing.T) {
	m, _ := newManager(t, nil, func(c *room.Config) { c.MaxParticipants = 2 })
	r, err := m.MirrorRoom(room.RoomInfo{Name: "small"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.AddRemoteParticipant(remoteInfo("bob", "B", time.Now())); err != nil {
		t.Fatal(err)
	}
	join(t, m, "small", "alice", &recorder{})
	_, _, err = m.Join("small", true, room.ParticipantParams{Identity: "carol", Permission: grants(), Sink: &recorder{}})
	if !errors.Is(err, room.ErrRoomFull) {
		t.Fatalf("third join: %v, want ErrRoomFull", err)
	}
}

// TestRemoteControl: removing or muting a remote participant asks its
// node through the cluster; without a cluster, muting it is refused.
func TestRemoteControl(t *testing.T) {
	cluster := &recorder{removeErr: room.ErrParticipantNotFound}
	m, _ := newManager(t, cluster)
	r, err := m.MirrorRoom(room.RoomInfo{Name: "standup"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.AddRemoteParticipant(remoteInfo("bob", "B", time.Now())); err != nil {
		t.Fatal(err)
	}
	bob, ok := r.Participant("bob")
	if !ok || !bob.IsRemote() {
		t.Fatal("remote bob not found")
	}
	if err := bob.Remove(room.LeaveRemoved, "bye"); !errors.Is(err, room.ErrParticipantNotFound) {
		t.Fatalf("remove: %v, want the cluster's error", err)
	}
	if info, err := bob.SetTrackMuted("TR_x", true, true); err != nil || !info.Muted {
		t.Fatalf("admin mute: %+v, %v", info, err)
	}
	if _, err := bob.SetTrackMuted("TR_x", true, false); !errors.Is(err, room.ErrPermissionDenied) {
		t.Fatalf("mute by a non-admin: %v, want ErrPermissionDenied", err)
	}
	equalLines(t, "asked of the cluster", cluster.take(), []string{
		"standup: remove bob on B (3, bye)",
		"standup: mute TR_x of bob on B: true",
	})
	if _, ok := r.Participant("bob"); !ok {
		t.Fatal("bob removed here: only his node removes him")
	}
}

// TestCloseFromCluster: a room deleted on another node closes here, its
// local participants are told, and the deletion is not echoed.
func TestCloseFromCluster(t *testing.T) {
	cluster := &recorder{}
	m, _ := newManager(t, cluster)
	local := &recorder{}
	alice := join(t, m, "standup", "alice", local)
	cluster.take()
	local.take()
	alice.Room().CloseFromCluster()
	if _, ok := m.Room("standup"); ok {
		t.Fatal("room still open")
	}
	equalLines(t, "alice's events", local.take(), []string{"leave reason=4"})
	equalLines(t, "told to the cluster", cluster.take(), []string{"standup: left alice reason=4"})
}
