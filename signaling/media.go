package signaling

import (
	pb "github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/room"
	"github.com/parley-sfu/parley/sfu"
)

// Conversions of the media quality events (speakers, stream states,
// dynacast) and of subscription qualities.

func qualityToPB(q sfu.Quality) pb.VideoQuality {
	switch q {
	case sfu.QualityLow:
		return pb.VideoQuality_VIDEO_QUALITY_LOW
	case sfu.QualityMedium:
		return pb.VideoQuality_VIDEO_QUALITY_MEDIUM
	case sfu.QualityHigh:
		return pb.VideoQuality_VIDEO_QUALITY_HIGH
	case sfu.QualityOff:
		return pb.VideoQuality_VIDEO_QUALITY_OFF
	}
	return pb.VideoQuality_VIDEO_QUALITY_UNSPECIFIED
}

// qualityFromPB maps a subscription's quality; unset means "by size".
func qualityFromPB(q pb.VideoQuality) sfu.Quality {
	switch q {
	case pb.VideoQuality_VIDEO_QUALITY_LOW:
		return sfu.QualityLow
	case pb.VideoQuality_VIDEO_QUALITY_MEDIUM:
		return sfu.QualityMedium
	case pb.VideoQuality_VIDEO_QUALITY_HIGH:
		return sfu.QualityHigh
	case pb.VideoQuality_VIDEO_QUALITY_OFF:
		return sfu.QualityOff
	}
	return sfu.QualityAuto
}

func pauseReasonToPB(r sfu.PauseReason) pb.StreamPauseReason {
	switch r {
	case sfu.PauseBandwidth:
		return pb.StreamPauseReason_STREAM_PAUSE_REASON_BANDWIDTH
	case sfu.PauseSubscriber:
		return pb.StreamPauseReason_STREAM_PAUSE_REASON_SUBSCRIBER
	case sfu.PausePublisher:
		return pb.StreamPauseReason_STREAM_PAUSE_REASON_PUBLISHER
	}
	return pb.StreamPauseReason_STREAM_PAUSE_REASON_UNSPECIFIED
}

// mediaEventToPB turns a media quality event into its message; nil for
// other events.
func mediaEventToPB(ev room.Event) *pb.SignalResponse {
	switch e := ev.(type) {
	case room.SpeakersChangedEvent:
		m := &pb.SpeakersChanged{}
		for _, s := range e.Speakers {
			m.Speakers = append(m.Speakers, &pb.SpeakerInfo{ParticipantSid: s.ParticipantSID, Level: s.Level, Active: s.Active})
		}
		return &pb.SignalResponse{Message: &pb.SignalResponse_SpeakersChanged{SpeakersChanged: m}}
	case room.StreamStateEvent:
		m := &pb.StreamStateUpdate{}
		for _, s := range e.Streams {
			info := &pb.StreamStateInfo{
				TrackSid:       s.TrackID,
				ParticipantSid: s.Publisher,
				State:          pb.StreamState_STREAM_STATE_ACTIVE,
				Quality:        qualityToPB(s.Quality),
			}
			if s.Paused {
				info.State = pb.StreamState_STREAM_STATE_PAUSED
				info.Reason = pauseReasonToPB(s.Reason)
				info.Quality = pb.VideoQuality_VIDEO_QUALITY_OFF
			}
			m.Streams = append(m.Streams, info)
		}
		return &pb.SignalResponse{Message: &pb.SignalResponse_StreamState{StreamState: m}}
	case room.SubscribedQualityEvent:
		m := &pb.SubscribedQualityUpdate{TrackSid: e.TrackSID}
		for _, q := range e.Qualities {
			m.Qualities = append(m.Qualities, &pb.SubscribedQuality{Quality: qualityToPB(q.Quality), Enabled: q.Enabled})
		}
		return &pb.SignalResponse{Message: &pb.SignalResponse_SubscribedQuality{SubscribedQuality: m}}
	}
	return nil
}
