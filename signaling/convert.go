package signaling

import (
	"github.com/pion/webrtc/v4"

	pb "github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/room"
	"github.com/parley-sfu/parley/sfu"
)

// Conversions between room's types and the wire contract. Enum values map
// one to one; the switches below are the only place that knows both sides.

func kindToPB(k room.TrackKind) pb.TrackKind {
	switch k {
	case room.KindAudio:
		return pb.TrackKind_TRACK_KIND_AUDIO
	case room.KindVideo:
		return pb.TrackKind_TRACK_KIND_VIDEO
	}
	return pb.TrackKind_TRACK_KIND_UNSPECIFIED
}

func kindFromPB(k pb.TrackKind) room.TrackKind {
	switch k {
	case pb.TrackKind_TRACK_KIND_AUDIO:
		return room.KindAudio
	case pb.TrackKind_TRACK_KIND_VIDEO:
		return room.KindVideo
	}
	return room.KindUnknown
}

func sourceToPB(s room.TrackSource) pb.TrackSource {
	switch s {
	case room.SourceCamera:
		return pb.TrackSource_TRACK_SOURCE_CAMERA
	case room.SourceMicrophone:
		return pb.TrackSource_TRACK_SOURCE_MICROPHONE
	case room.SourceScreenShare:
		return pb.TrackSource_TRACK_SOURCE_SCREEN_SHARE
	case room.SourceScreenShareAudio:
		return pb.TrackSource_TRACK_SOURCE_SCREEN_SHARE_AUDIO
	}
	return pb.TrackSource_TRACK_SOURCE_UNSPECIFIED
}

func sourceFromPB(s pb.TrackSource) room.TrackSource {
	switch s {
	case pb.TrackSource_TRACK_SOURCE_CAMERA:
		return room.SourceCamera
	case pb.TrackSource_TRACK_SOURCE_MICROPHONE:
		return room.SourceMicrophone
	case pb.TrackSource_TRACK_SOURCE_SCREEN_SHARE:
		return room.SourceScreenShare
	case pb.TrackSource_TRACK_SOURCE_SCREEN_SHARE_AUDIO:
		return room.SourceScreenShareAudio
	}
	return room.SourceUnknown
}

func leaveToPB(r room.LeaveReason) pb.LeaveReason {
	switch r {
	case room.LeaveClientRequest:
		return pb.LeaveReason_LEAVE_REASON_CLIENT_REQUEST
	case room.LeaveDuplicateIdentity:
		return pb.LeaveReason_LEAVE_REASON_DUPLICATE_IDENTITY
	case room.LeaveRemoved:
		return pb.LeaveReason_LEAVE_REASON_PARTICIPANT_REMOVED
	case room.LeaveRoomDeleted:
		return pb.LeaveReason_LEAVE_REASON_ROOM_DELETED
	case room.LeaveServerShutdown:
		return pb.LeaveReason_LEAVE_REASON_SERVER_SHUTDOWN
	case room.LeaveConnectionLost:
		return pb.LeaveReason_LEAVE_REASON_CONNECTION_LOST
	case room.LeaveJoinFailure:
		return pb.LeaveReason_LEAVE_REASON_JOIN_FAILURE
	case room.LeaveNodeFailure:
		return pb.LeaveReason_LEAVE_REASON_NODE_FAILURE
	}
	return pb.LeaveReason_LEAVE_REASON_UNSPECIFIED
}

// layerQuality maps layer index i of n layers to a quality: the top layer
// is HIGH, the one below MEDIUM, the bottom LOW.
func layerQuality(i, n int) pb.VideoQuality {
	if i < 0 || i >= n || n > sfu.MaxLayers {
		return pb.VideoQuality_VIDEO_QUALITY_OFF
	}
	// The top layer is HIGH, the one below MEDIUM, the bottom LOW.
	return pb.VideoQuality_VIDEO_QUALITY_HIGH - pb.VideoQuality(n-1-i)
}

func layersToPB(layers []sfu.LayerInfo) []*pb.SimulcastLayer {
	out := make([]*pb.SimulcastLayer, len(layers))
	for i, l := range layers {
		out[i] = &pb.SimulcastLayer{
			Quality: layerQuality(i, len(layers)),
			Rid:     l.RID,
			Width:   l.Width,
			Height:  l.Height,
			Bitrate: l.Bitrate,
			Fps:     l.FPS,
		}
	}
	return out
}

// layersFromPB keeps the announced order, which is lowest quality first.
func layersFromPB(layers []*pb.SimulcastLayer) []sfu.LayerInfo {
	out := make([]sfu.LayerInfo, len(layers))
	for i, l := range layers {
		out[i] = sfu.LayerInfo{RID: l.GetRid(), Width: l.GetWidth(), Height: l.GetHeight(), Bitrate: l.GetBitrate(), FPS: l.GetFps()}
	}
	return out
}

func trackToPB(t room.TrackInfo) *pb.TrackInfo {
	return &pb.TrackInfo{
		Sid:                 t.SID,
		ParticipantSid:      t.ParticipantSID,
		ParticipantIdentity: t.ParticipantIdentity,
		Kind:                kindToPB(t.Kind),
		Source:              sourceToPB(t.Source),
		Name:                t.Name,
		MimeType:            t.MimeType,
		Muted:               t.Muted,
		Width:               t.Width,
		Height:              t.Height,
		Simulcast:           t.Simulcast,
		Layers:              layersToPB(t.Layers),
		Remote:              t.Remote,
		Dtx:                 t.DTX,
		Red:                 t.RED,
		StreamId:            t.ParticipantSID,
	}
}

func permissionToPB(p room.Permission) *pb.ParticipantPermission {
	out := &pb.ParticipantPermission{
		CanPublish:     p.CanPublish,
		CanSubscribe:   p.CanSubscribe,
		CanPublishData: p.CanPublishData,
	}
	for _, s := range p.PublishSources {
		out.CanPublishSources = append(out.CanPublishSources, sourceToPB(s))
	}
	return out
}

func participantToPB(p room.ParticipantInfo) *pb.ParticipantInfo {
	out := &pb.ParticipantInfo{
		Sid:        p.SID,
		Identity:   p.Identity,
		Name:       p.Name,
		Metadata:   p.Metadata,
		Attributes: p.Attributes,
		JoinedAt:   p.JoinedAt.UnixMilli(),
		Permission: permissionToPB(p.Permission),
		NodeId:     p.NodeID,
		Remote:     p.Remote,
	}
	for _, t := range p.Tracks {
		out.Tracks = append(out.Tracks, trackToPB(t))
	}
	return out
}

func roomToPB(r room.RoomInfo) *pb.RoomInfo {
	return &pb.RoomInfo{
		Sid:             r.SID,
		Name:            r.Name,
		EmptyTimeout:    uint32(r.EmptyTimeout.Seconds()),
		MaxParticipants: uint32(r.MaxParticipants),
		CreationTime:    r.CreatedAt.UnixMilli(),
		Metadata:        r.Metadata,
		NumParticipants: uint32(r.NumParticipants),
		NumPublishers:   uint32(r.NumPublishers),
	}
}

func sdpToPB(d webrtc.SessionDescription, id uint32) *pb.SessionDescription {
	return &pb.SessionDescription{Type: d.Type.String(), Sdp: d.SDP, Id: id}
}

// eventToPB turns a room event into the message the client receives; nil
// for events that have no wire form.
func eventToPB(ev room.Event, m *member) *pb.SignalResponse {
	switch e := ev.(type) {
	case room.ParticipantJoinedEvent:
		return &pb.SignalResponse{Message: &pb.SignalResponse_ParticipantJoined{ParticipantJoined: &pb.ParticipantJoined{Participant: participantToPB(e.Participant)}}}
	case room.ParticipantLeftEvent:
		return &pb.SignalResponse{Message: &pb.SignalResponse_ParticipantLeft{ParticipantLeft: &pb.ParticipantLeft{ParticipantSid: e.SID, Identity: e.Identity, Reason: leaveToPB(e.Reason)}}}
	case room.ParticipantUpdatedEvent:
		return &pb.SignalResponse{Message: &pb.SignalResponse_ParticipantUpdated{ParticipantUpdated: &pb.ParticipantUpdated{Participant: participantToPB(e.Participant)}}}
	case room.TrackPublishedEvent:
		return &pb.SignalResponse{Message: &pb.SignalResponse_TrackAdded{TrackAdded: &pb.TrackPublished{Track: trackToPB(e.Track)}}}
	case room.TrackUnpublishedEvent:
		return &pb.SignalResponse{Message: &pb.SignalResponse_TrackRemoved{TrackRemoved: &pb.TrackUnpublished{TrackSid: e.TrackSID, ParticipantSid: e.ParticipantSID}}}
	case room.TrackMutedEvent:
		return &pb.SignalResponse{Message: &pb.SignalResponse_TrackMuted{TrackMuted: &pb.TrackMuted{TrackSid: e.TrackSID, ParticipantSid: e.ParticipantSID, Muted: e.Muted}}}
	case room.DataEvent:
		return &pb.SignalResponse{Message: &pb.SignalResponse_Data{Data: &pb.DataReceived{
			Id: e.ID, Topic: e.Topic, Text: e.Text, Payload: e.Payload,
			FromSid: e.FromSID, FromIdentity: e.FromIdentity, FromName: e.FromName, Timestamp: e.Time.UnixMilli(),
		}}}
	case room.OfferEvent:
		return &pb.SignalResponse{Message: &pb.SignalResponse_Offer{Offer: sdpToPB(e.Offer, m.offerID.Add(1))}}
	case room.CandidateEvent:
		return candidateToPB(e)
	case room.LeaveEvent:
		return &pb.SignalResponse{Message: &pb.SignalResponse_Leave{Leave: &pb.LeaveResponse{
			Reason: leaveToPB(e.Reason), Message: e.Message, CanReconnect: e.Reason == room.LeaveServerShutdown,
		}}}
	case room.RoomUpdatedEvent:
		return &pb.SignalResponse{Message: &pb.SignalResponse_RoomUpdate{RoomUpdate: &pb.RoomUpdate{Room: roomToPB(e.Room)}}}
	case room.ICERestartEvent:
		return &pb.SignalResponse{Message: &pb.SignalResponse_IceRestart{IceRestart: &pb.IceRestartRequest{Target: target(e.Subscriber)}}}
	}
	return mediaEventToPB(ev)
}
