package sfu

import (
	"fmt"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// MIME types pion has no constant for.
const mimeTypeRED = "audio/red"

// videoFeedback is the RTCP feedback every video codec negotiates.
func videoFeedback() []webrtc.RTCPFeedback {
	return []webrtc.RTCPFeedback{
		{Type: webrtc.TypeRTCPFBGoogREMB},
		{Type: webrtc.TypeRTCPFBCCM, Parameter: "fir"},
		{Type: webrtc.TypeRTCPFBNACK},
		{Type: webrtc.TypeRTCPFBNACK, Parameter: "pli"},
		{Type: webrtc.TypeRTCPFBTransportCC},
	}
}

// codecTable lists the codecs both roles register. Payload types follow
// Chrome's where it has a fixed one (opus 111, red 63), so that RED's
// "111/111" format parameters name the same opus on both sides.
func codecTable() []webrtc.RTPCodecParameters {
	audioFeedback := []webrtc.RTCPFeedback{{Type: webrtc.TypeRTCPFBTransportCC}}
	h264 := func(pt uint8, profile string) []webrtc.RTPCodecParameters {
		return []webrtc.RTPCodecParameters{
			{
				RTPCodecCapability: webrtc.RTPCodecCapability{
					MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
					SDPFmtpLine:  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=" + profile,
					RTCPFeedback: videoFeedback(),
				},
				PayloadType: webrtc.PayloadType(pt),
			},
			rtx(pt+1, pt),
		}
	}
	codecs := []webrtc.RTPCodecParameters{
		{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
				SDPFmtpLine: "minptime=10;useinbandfec=1", RTCPFeedback: audioFeedback,
			},
			PayloadType: 111,
		},
		{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: mimeTypeRED, ClockRate: 48000, Channels: 2, SDPFmtpLine: "111/111",
			},
			PayloadType: 63,
		},
		{
			RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: videoFeedback(),
			},
			PayloadType: 96,
		},
		rtx(97, 96),
	}
	codecs = append(codecs, h264(102, "42e01f")...)
	codecs = append(codecs, h264(104, "42001f")...)
	codecs = append(codecs, h264(106, "640c1f")...)
	return codecs
}

func rtx(pt, apt uint8) webrtc.RTPCodecParameters {
	return webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: fmt.Sprintf("apt=%d", apt),
		},
		PayloadType: webrtc.PayloadType(pt),
	}
}

// headerExtensions lists the RTP header extensions of a role, by kind.
// Subscribers get only what the SFU writes (audio level, transport-cc) and
// mid; publishers also get the simulcast ids and abs-send-time.
func headerExtensions(publisher bool) map[webrtc.RTPCodecType][]string {
	audio := []string{sdp.SDESMidURI, sdp.AudioLevelURI, sdp.TransportCCURI}
	video := []string{sdp.SDESMidURI, sdp.TransportCCURI}
	if publisher {
		audio = append(audio, sdp.ABSSendTimeURI)
		video = append(video, sdp.SDESRTPStreamIDURI, sdp.SDESRepairRTPStreamIDURI, sdp.ABSSendTimeURI)
	}
	return map[webrtc.RTPCodecType][]string{webrtc.RTPCodecTypeAudio: audio, webrtc.RTPCodecTypeVideo: video}
}

// newMediaEngine returns the codecs and header extensions of a role.
func newMediaEngine(publisher bool) (*webrtc.MediaEngine, error) {
	m := &webrtc.MediaEngine{}
	for _, c := range codecTable() {
		kind := webrtc.RTPCodecTypeVideo
		if c.ClockRate == 48000 {
			kind = webrtc.RTPCodecTypeAudio
		}
		if err := m.RegisterCodec(c, kind); err != nil {
			return nil, fmt.Errorf("register %s: %w", c.MimeType, err)
		}
	}
	for kind, uris := range headerExtensions(publisher) {
		for _, uri := range uris {
			if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: uri}, kind); err != nil {
				return nil, fmt.Errorf("register %s: %w", uri, err)
			}
		}
	}
	return m, nil
}

// publisherInterceptors: receiver reports, and transport-wide congestion
// control feedback so that browsers ramp their send rate (and simulcast
// layers) up. NACKs toward the publisher come from the layer readers (see
// nackGenerator).
func publisherInterceptors() (*interceptor.Registry, error) {
	rr, err := report.NewReceiverInterceptor()
	if err != nil {
		return nil, err
	}
	fb, err := twcc.NewSenderInterceptor()
	if err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	reg.Add(rr)
	reg.Add(fb)
	return reg, nil
}

// subscriberInterceptors: none. The down-tracks write the transport-wide
// sequence numbers themselves (without an allocation per packet, and where
// the estimator records them), answer NACKs from the receivers' packet
// caches, and the subscriber's controller sends the sender reports. Each
// interceptor would add a call, and pion's report interceptor a lock and a
// clock reading, to every packet written.
func subscriberInterceptors() (*interceptor.Registry, error) {
	return &interceptor.Registry{}, nil
}
