package loadtest

import (
	"strconv"

	"github.com/pion/webrtc/v4"
)

// maxNACKsPerPacket is how often a receiving bot asks for one lost packet
// (libwebrtc gives up after 10 retries too).
const maxNACKsPerPacket = 10

// registerCodecs registers what the bots send and receive: Opus, VP8 and
// H.264 (constrained baseline and baseline, packetization mode 1), with
// the feedback a browser offers, and an RTX codec per video codec when rtx
// is set. Payload types follow Chrome's.
func registerCodecs(m *webrtc.MediaEngine, rtx bool) error {
	feedback := []webrtc.RTCPFeedback{
		{Type: webrtc.TypeRTCPFBGoogREMB}, {Type: webrtc.TypeRTCPFBTransportCC},
		{Type: webrtc.TypeRTCPFBCCM, Parameter: "fir"},
		{Type: webrtc.TypeRTCPFBNACK}, {Type: webrtc.TypeRTCPFBNACK, Parameter: "pli"},
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: opusClockRate, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1",
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: webrtc.TypeRTCPFBTransportCC}},
		},
		PayloadType: 111,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return err
	}
	video := []struct {
		pt   webrtc.PayloadType
		mime string
		fmtp string
	}{
		{96, webrtc.MimeTypeVP8, ""},
		{102, webrtc.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"},
		{104, webrtc.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"},
	}
	for _, v := range video {
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: v.mime, ClockRate: videoClockRate, SDPFmtpLine: v.fmtp, RTCPFeedback: feedback},
			PayloadType:        v.pt,
		}, webrtc.RTPCodecTypeVideo); err != nil {
			return err
		}
		if !rtx {
			continue
		}
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeRTX, ClockRate: videoClockRate, SDPFmtpLine: "apt=" + strconv.Itoa(int(v.pt))},
			PayloadType:        v.pt + 1,
		}, webrtc.RTPCodecTypeVideo); err != nil {
			return err
		}
	}
	return nil
}
