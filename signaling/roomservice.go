package signaling

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/parley-sfu/parley/auth"
	pb "github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/room"
)

// RoomService serves the unary administration API. Every call needs a token
// in the "authorization: Bearer <token>" metadata: room_create for rooms,
// room_admin for participants and tracks.
type RoomService struct {
	pb.UnimplementedRoomServiceServer
	svc *Service
}

// RoomService returns the administration API of this service.
func (svc *Service) RoomService() *RoomService { return &RoomService{svc: svc} }

// authorize verifies the call's token and runs check on its claims.
func (rs *RoomService) authorize(ctx context.Context, check func(*auth.Claims) error) error {
	md, _ := metadata.FromIncomingContext(ctx)
	var token string
	if v := md.Get("authorization"); len(v) > 0 {
		token = auth.BearerToken(v[0])
	}
	claims, err := rs.svc.verifier.Verify(token)
	if err != nil {
		return toStatus(fmt.Errorf("%w: %w", ErrUnauthenticated, err))
	}
	if err := check(claims); err != nil {
		return toStatus(fmt.Errorf("%w: %w", ErrPermissionDenied, err))
	}
	return nil
}

func toStatus(err error) error {
	if err == nil {
		return nil
	}
	return status.Error(grpcCode(err), clientMessage(err))
}

func canCreate(c *auth.Claims) error { return c.CanCreate() }

// CreateRoom creates a room (or returns the existing one).
func (rs *RoomService) CreateRoom(ctx context.Context, req *pb.CreateRoomRequest) (*pb.RoomInfo, error) {
	if err := rs.authorize(ctx, canCreate); err != nil {
		return nil, err
	}
	r, err := rs.svc.opts.Rooms.CreateRoom(req.GetName(), room.RoomOptions{
		EmptyTimeout:    time.Duration(req.GetEmptyTimeout()) * time.Second,
		MaxParticipants: int(req.GetMaxParticipants()),
		Metadata:        req.GetMetadata(),
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return roomToPB(r.Info()), nil
}

// ListRooms lists the rooms, all or the named ones.
func (rs *RoomService) ListRooms(ctx context.Context, req *pb.ListRoomsRequest) (*pb.ListRoomsResponse, error) {
	if err := rs.authorize(ctx, canCreate); err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range req.GetNames() {
		want[n] = true
	}
	resp := &pb.ListRoomsResponse{}
	for _, r := range rs.svc.opts.Rooms.Rooms() {
		if len(want) == 0 || want[r.Name()] {
			resp.Rooms = append(resp.Rooms, roomToPB(r.Info()))
		}
	}
	return resp, nil
}

// DeleteRoom closes a room and disconnects its participants.
func (rs *RoomService) DeleteRoom(ctx context.Context, req *pb.DeleteRoomRequest) (*pb.DeleteRoomResponse, error) {
	if err := rs.authorize(ctx, canCreate); err != nil {
		return nil, err
	}
	if err := rs.svc.opts.Rooms.DeleteRoom(req.GetRoom()); err != nil {
		return nil, toStatus(err)
	}
	return &pb.DeleteRoomResponse{}, nil
}

// room authorizes an admin call on a room and returns the room.
func (rs *RoomService) room(ctx context.Context, name string) (*room.Room, error) {
	if err := rs.authorize(ctx, func(c *auth.Claims) error { return c.CanAdmin(name) }); err != nil {
		return nil, err
	}
	r, ok := rs.svc.opts.Rooms.Room(name)
	if !ok {
		return nil, toStatus(fmt.Errorf("%w: %q", room.ErrRoomNotFound, name))
	}
	return r, nil
}

// participant authorizes an admin call and finds the participant.
func (rs *RoomService) participant(ctx context.Context, roomName, identity string) (*room.Participant, error) {
	r, err := rs.room(ctx, roomName)
	if err != nil {
		return nil, err
	}
	p, ok := r.Participant(identity)
	if !ok {
		return nil, toStatus(fmt.Errorf("%w: %q in room %q", room.ErrParticipantNotFound, identity, roomName))
	}
	return p, nil
}

// ListParticipants lists the participants of a room.
func (rs *RoomService) ListParticipants(ctx context.Context, req *pb.ListParticipantsRequest) (*pb.ListParticipantsResponse, error) {
	r, err := rs.room(ctx, req.GetRoom())
	if err != nil {
		return nil, err
	}
	resp := &pb.ListParticipantsResponse{}
	for _, p := range r.Participants() {
		resp.Participants = append(resp.Participants, participantToPB(p))
	}
	return resp, nil
}

// GetParticipant returns one participant.
func (rs *RoomService) GetParticipant(ctx context.Context, req *pb.GetParticipantRequest) (*pb.ParticipantInfo, error) {
	p, err := rs.participant(ctx, req.GetRoom(), req.GetIdentity())
	if err != nil {
		return nil, err
	}
	return participantToPB(p.Info()), nil
}

// RemoveParticipant disconnects a participant, telling it why.
func (rs *RoomService) RemoveParticipant(ctx context.Context, req *pb.RemoveParticipantRequest) (*pb.RemoveParticipantResponse, error) {
	p, err := rs.participant(ctx, req.GetRoom(), req.GetIdentity())
	if err != nil {
		return nil, err
	}
	if err := p.Remove(room.LeaveRemoved, "removed by an administrator"); err != nil {
		return nil, toStatus(err)
	}
	return &pb.RemoveParticipantResponse{}, nil
}

// MutePublishedTrack mutes or unmutes a participant's track; the
// participant is told so its client stops sending.
func (rs *RoomService) MutePublishedTrack(ctx context.Context, req *pb.MutePublishedTrackRequest) (*pb.MutePublishedTrackResponse, error) {
	p, err := rs.participant(ctx, req.GetRoom(), req.GetIdentity())
	if err != nil {
		return nil, err
	}
	info, err := p.SetTrackMuted(req.GetTrackSid(), req.GetMuted(), true)
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.MutePublishedTrackResponse{Track: trackToPB(info)}, nil
}
