package cascade_test

import (
	"context"
	"errors"
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/parley-sfu/parley/auth"
	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/internal/testutil"
	pb "github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/room"
)

// roomService returns an administrator's RoomService client of node n and
// the context its calls carry the token in.
func roomService(t *testing.T, n node) (pb.RoomServiceClient, context.Context) {
	t.Helper()
	token := testutil.Token(t, "", "admin", auth.Grants{RoomAdmin: true, RoomCreate: true})
	return testutil.RoomService(t, n.GRPCAddr()), testutil.WithToken(t.Context(), token)
}

// TestRoomServiceAcrossNodes (issue 7, test 6): the RoomService of node B
// lists a room whose participants are all on node A, mutes one of their
// tracks and removes one of them; A carries both out and every node
// agrees.
func TestRoomServiceAcrossNodes(t *testing.T) {
	_, servers := startCluster(t, "A", "B")
	a, b := servers[0], servers[1]
	m := newMedia(t)
	alice := join(t, a, "board", "alice")
	bob := join(t, a, "board", "bob")
	track := m.publishAudio(t, alice).Sid()

	rs, ctx := roomService(t, b)
	var rooms *pb.ListRoomsResponse
	testutil.Eventually(t, settle, func() bool {
		var err error
		rooms, err = rs.ListRooms(ctx, &pb.ListRoomsRequest{})
		return err == nil && len(rooms.GetRooms()) == 1 && rooms.GetRooms()[0].GetNumParticipants() == 2 && rooms.GetRooms()[0].GetNumPublishers() == 1
	}, "B lists %v", rooms)
	if got := rooms.GetRooms()[0].GetName(); got != "board" {
		t.Fatalf("B lists room %q", got)
	}
	list, err := rs.ListParticipants(ctx, &pb.ListParticipantsRequest{Room: "board"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range list.GetParticipants() {
		if !p.GetRemote() || p.GetNodeId() != "A" {
			t.Fatalf("B lists %s as remote=%v on %q, want remote on A", p.GetIdentity(), p.GetRemote(), p.GetNodeId())
		}
		ids = append(ids, p.GetIdentity())
	}
	if len(ids) != 2 || ids[0] != "alice" || ids[1] != "bob" {
		t.Fatalf("B lists participants %v", ids)
	}

	muted, err := rs.MutePublishedTrack(ctx, &pb.MutePublishedTrackRequest{Room: "board", Identity: "alice", TrackSid: track, Muted: true})
	if err != nil || !muted.GetTrack().GetMuted() || muted.GetTrack().GetSid() != track {
		t.Fatalf("mute through B: %v, %v", muted, err)
	}
	alice.WaitEvent(t, settle, "her track muted by the admin", func(ev client.Event) bool {
		e, ok := ev.(client.TrackMuted)
		return ok && e.TrackSid == track && e.Muted
	})
	_, err = rs.MutePublishedTrack(ctx, &pb.MutePublishedTrackRequest{Room: "board", Identity: "alice", TrackSid: "TR_nope", Muted: true})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("muting an unknown track through B: %v, want NotFound", err)
	}

	if _, err := rs.RemoveParticipant(ctx, &pb.RemoveParticipantRequest{Room: "board", Identity: "bob"}); err != nil {
		t.Fatalf("remove through B: %v", err)
	}
	ev := bob.WaitEvent(t, settle, "being disconnected", func(ev client.Event) bool {
		_, ok := ev.(client.Disconnected)
		return ok
	})
	if d := ev.(client.Disconnected); d.Reason != pb.LeaveReason_LEAVE_REASON_PARTICIPANT_REMOVED {
		t.Fatalf("bob disconnected with %v (%q, %v), want PARTICIPANT_REMOVED", d.Reason, d.Message, d.Err)
	}
	agree(t, []node{a, b}, "board", []string{"alice@A[" + track + ":audio:muted=true]"})
	_, err = rs.RemoveParticipant(ctx, &pb.RemoveParticipantRequest{Room: "board", Identity: "bob"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("removing bob again: %v, want NotFound", err)
	}
}

// TestJoinRoomOfAnotherNode: with rooms created only on request, a room
// created through the RoomService of node A can be joined on node B; a
// room that exists nowhere cannot.
func TestJoinRoomOfAnotherNode(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	noAutoCreate := testutil.WithRoom(func(c *room.Config) { c.AutoCreate = false })
	_, servers := testutil.StartCluster(t, []string{"A", "B"}, noAutoCreate)
	a, b := servers[0], servers[1]
	rs, ctx := roomService(t, a)
	if _, err := rs.CreateRoom(ctx, &pb.CreateRoomRequest{Name: "townhall", MaxParticipants: 7, Metadata: "quarterly"}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, settle, func() bool {
		r, ok := b.Rooms().Room("townhall")
		return ok && r.Info().Metadata == "quarterly" && r.Info().MaxParticipants == 7
	}, "B does not know the room A created")
	join(t, b, "townhall", "alice")
	agree(t, []node{a, b}, "townhall", []string{"alice@B[]"})

	_, err := client.Connect(t.Context(), "grpc://"+b.GRPCAddr(), testutil.Token(t, "nowhere", "bob", testutil.AllGrants()))
	var cerr *client.Error
	if !errors.As(err, &cerr) || cerr.Code != pb.ErrorCode_ERROR_CODE_NOT_FOUND {
		t.Fatalf("joining a room that exists nowhere: %v, want NOT_FOUND", err)
	}
}
