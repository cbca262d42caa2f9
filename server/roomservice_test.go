package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/parley-sfu/parley/auth"
	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/internal/testutil"
	pb "github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/server"
)

func roomService(t *testing.T, srv *server.Server) pb.RoomServiceClient {
	t.Helper()
	return testutil.RoomService(t, srv.GRPCAddr())
}

// as returns ctx carrying a token with grants g for room.
func as(t *testing.T, room string, g auth.Grants) context.Context {
	t.Helper()
	tok, err := auth.NewToken(server.DevAPIKey, server.DevAPISecret, auth.Claims{Identity: "admin", Room: room, Grants: g}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return testutil.WithToken(t.Context(), tok)
}

func TestRoomService(t *testing.T) {
	srv := testutil.StartServer(t)
	rs := roomService(t, srv)
	creator := as(t, "", auth.Grants{RoomCreate: true})
	admin := as(t, "", auth.Grants{RoomAdmin: true})

	created, err := rs.CreateRoom(creator, &pb.CreateRoomRequest{Name: "standup", MaxParticipants: 5, EmptyTimeout: 60})
	if err != nil {
		t.Fatal(err)
	}
	if created.GetName() != "standup" || created.GetMaxParticipants() != 5 || created.GetEmptyTimeout() != 60 || created.GetSid() == "" {
		t.Fatalf("created %v", created)
	}

	// A participant publishes a muted-able track.
	ctx := t.Context()
	alice, err := client.Connect(ctx, "grpc://"+srv.GRPCAddr(), testutil.Token(t, "standup", "alice", testutil.AllGrants()))
	if err != nil {
		t.Fatal(err)
	}
	aliceView := testutil.Watch("alice", alice)
	t.Cleanup(func() { _ = alice.Close(); aliceView.Wait() })
	mic, _ := testutil.SyntheticTrack(webrtc.RTPCodecTypeAudio, "mic", "alice")
	lt, err := alice.PublishTrack(ctx, mic, client.TrackOptions{})
	if err != nil {
		t.Fatal(err)
	}

	rooms, err := rs.ListRooms(creator, &pb.ListRoomsRequest{})
	if err != nil || len(rooms.GetRooms()) != 1 || rooms.GetRooms()[0].GetNumParticipants() != 1 {
		t.Fatalf("ListRooms = %v, %v", rooms, err)
	}
	parts, err := rs.ListParticipants(admin, &pb.ListParticipantsRequest{Room: "standup"})
	if err != nil || len(parts.GetParticipants()) != 1 || parts.GetParticipants()[0].GetIdentity() != "alice" {
		t.Fatalf("ListParticipants = %v, %v", parts, err)
	}
	got, err := rs.GetParticipant(admin, &pb.GetParticipantRequest{Room: "standup", Identity: "alice"})
	if err != nil || got.GetIdentity() != "alice" {
		t.Fatalf("GetParticipant = %v, %v", got, err)
	}

	muted, err := rs.MutePublishedTrack(admin, &pb.MutePublishedTrackRequest{Room: "standup", Identity: "alice", TrackSid: lt.Sid(), Muted: true})
	if err != nil || !muted.GetTrack().GetMuted() {
		t.Fatalf("MutePublishedTrack = %v, %v", muted, err)
	}
	aliceView.WaitEvent(t, 5*time.Second, "being muted by an admin", func(ev client.Event) bool {
		m, ok := ev.(client.TrackMuted)
		return ok && m.TrackSid == lt.Sid() && m.Muted
	})

	if _, err := rs.RemoveParticipant(admin, &pb.RemoveParticipantRequest{Room: "standup", Identity: "alice"}); err != nil {
		t.Fatal(err)
	}
	aliceView.WaitEvent(t, 5*time.Second, "being removed", func(ev client.Event) bool {
		d, ok := ev.(client.Disconnected)
		return ok && d.Reason == pb.LeaveReason_LEAVE_REASON_PARTICIPANT_REMOVED
	})

	if _, err := rs.DeleteRoom(creator, &pb.DeleteRoomRequest{Room: "standup"}); err != nil {
		t.Fatal(err)
	}
	if rooms, _ := rs.ListRooms(creator, &pb.ListRoomsRequest{}); len(rooms.GetRooms()) != 0 {
		t.Fatalf("rooms after delete: %v", rooms)
	}
}

func TestRoomServiceRefusals(t *testing.T) {
	srv := testutil.StartServer(t)
	rs := roomService(t, srv)
	if _, err := rs.CreateRoom(as(t, "", auth.Grants{RoomCreate: true}), &pb.CreateRoomRequest{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
		code codes.Code
	}{
		{"no token", func() error { _, err := rs.ListRooms(t.Context(), &pb.ListRoomsRequest{}); return err }, codes.Unauthenticated},
		{"bad token", func() error {
			ctx := testutil.WithToken(t.Context(), "nonsense")
			_, err := rs.ListRooms(ctx, &pb.ListRoomsRequest{})
			return err
		}, codes.Unauthenticated},
		{"join token cannot create", func() error {
			_, err := rs.CreateRoom(as(t, "a", testutil.AllGrants()), &pb.CreateRoomRequest{Name: "b"})
			return err
		}, codes.PermissionDenied},
		{"admin of another room", func() error {
			_, err := rs.ListParticipants(as(t, "elsewhere", auth.Grants{RoomAdmin: true}), &pb.ListParticipantsRequest{Room: "a"})
			return err
		}, codes.PermissionDenied},
		{"unknown room", func() error {
			_, err := rs.ListParticipants(as(t, "", auth.Grants{RoomAdmin: true}), &pb.ListParticipantsRequest{Room: "nope"})
			return err
		}, codes.NotFound},
		{"unknown participant", func() error {
			_, err := rs.RemoveParticipant(as(t, "a", auth.Grants{RoomAdmin: true}), &pb.RemoveParticipantRequest{Room: "a", Identity: "ghost"})
			return err
		}, codes.NotFound},
		{"bad room name", func() error {
			_, err := rs.CreateRoom(as(t, "", auth.Grants{RoomCreate: true}), &pb.CreateRoomRequest{Name: "no spaces"})
			return err
		}, codes.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if status.Code(err) != tt.code || status.Convert(err).Message() == "" {
				t.Fatalf("got %v, want %v with a message", err, tt.code)
			}
		})
	}
}
