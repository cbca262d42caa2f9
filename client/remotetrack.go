package client

import (
	"sync"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// RemoteTrack is a subscribed track of another participant. Read its media
// from Track(); the SDK reads the receiver's RTCP itself.
type RemoteTrack struct {
	sid                 string
	participantSid      string
	participantIdentity string
	mid                 string
	info                *parleypb.TrackInfo
	track               *webrtc.TrackRemote
	receiver            *webrtc.RTPReceiver
	pc                  *webrtc.PeerConnection

	endOnce sync.Once
	done    chan struct{}
}

func newRemoteTrack(sid, mid string, info *parleypb.TrackInfo, publisher *parleypb.ParticipantInfo,
	track *webrtc.TrackRemote, receiver *webrtc.RTPReceiver, pc *webrtc.PeerConnection,
) *RemoteTrack {
	rt := &RemoteTrack{
		sid: sid, mid: mid, info: info, track: track, receiver: receiver, pc: pc,
		participantSid: track.StreamID(),
		done:           make(chan struct{}),
	}
	if info != nil {
		rt.participantSid = info.GetParticipantSid()
	}
	if publisher != nil {
		rt.participantSid = publisher.GetSid()
		rt.participantIdentity = publisher.GetIdentity()
	}
	return rt
}

// Sid is the track sid ("TR_...").
func (t *RemoteTrack) Sid() string { return t.sid }

// ParticipantSid is the publisher's participant sid.
func (t *RemoteTrack) ParticipantSid() string { return t.participantSid }

// ParticipantIdentity is the publisher's identity ("" if the SDK did not
// know the publisher when the track arrived).
func (t *RemoteTrack) ParticipantIdentity() string { return t.participantIdentity }

// Kind is audio or video.
func (t *RemoteTrack) Kind() webrtc.RTPCodecType { return t.track.Kind() }

// Codec is the negotiated codec.
func (t *RemoteTrack) Codec() webrtc.RTPCodecParameters { return t.track.Codec() }

// Track is the pion track to read RTP from (ReadRTP). Packets with no
// payload, only padding, are the server's bandwidth probes: they keep
// their place in the sequence numbers; skip them.
func (t *RemoteTrack) Track() *webrtc.TrackRemote { return t.track }

// Receiver is the pion receiver of the track.
func (t *RemoteTrack) Receiver() *webrtc.RTPReceiver { return t.receiver }

// Info is the track as published (a copy), or nil if the SDK had not heard
// of the track when its media arrived.
func (t *RemoteTrack) Info() *parleypb.TrackInfo {
	if t.info == nil {
		return nil
	}
	return clone(t.info)
}

// Mid is the media id of the track's m-section on the subscriber
// connection.
func (t *RemoteTrack) Mid() string { return t.mid }

// Done is closed when the subscription ends (unsubscribed, unpublished,
// publisher left, room closed).
func (t *RemoteTrack) Done() <-chan struct{} { return t.done }

// RequestKeyframe sends a PLI for the track to the server.
func (t *RemoteTrack) RequestKeyframe() error {
	return t.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(t.track.SSRC())}})
}

func (t *RemoteTrack) end() {
	t.endOnce.Do(func() { close(t.done) })
}

// readRTCP drains the receiver's RTCP so pion's interceptors run; it ends
// when the receiver stops (renegotiated away or the PC closed).
func (t *RemoteTrack) readRTCP() {
	buf := make([]byte, rtcpBufferSize)
	for {
		if _, _, err := t.receiver.Read(buf); err != nil {
			return
		}
	}
}
