package client

import (
	"fmt"
	"net"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// newAPI builds the pion API both PeerConnections share. mDNS is always
// off by default: it sends multicast off the box and Parley servers never
// need it. In loopback mode ICE stays on the loopback interface. The
// stamper comes first, before the codec setup (also a custom one): the
// first interceptor is the one nearest the transport, so it also sees the
// retransmissions the NACK responder sends.
func (c *config) newAPI(loopback bool, stamper *ridStamper) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	ir := &interceptor.Registry{}
	ir.Add(stamper)
	if c.mediaEngine != nil {
		if err := c.mediaEngine(m, ir); err != nil {
			return nil, fmt.Errorf("client: media engine: %w", err)
		}
	} else {
		if err := m.RegisterDefaultCodecs(); err != nil {
			return nil, fmt.Errorf("client: register codecs: %w", err)
		}
		// The audio level (RFC 6464), for the server's speaker detection
		// (see LocalTrack.SetAudioLevel).
		if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("client: register audio level: %w", err)
		}
		if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
			return nil, fmt.Errorf("client: register interceptors: %w", err)
		}
	}
	var se webrtc.SettingEngine
	se.LoggerFactory = pionLogs{l: c.logger}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if loopback {
		se.SetIncludeLoopbackCandidate(true)
		se.SetInterfaceFilter(isLoopbackInterface)
		se.SetIPFilter(net.IP.IsLoopback)
		se.SetRemoteIPFilter(net.IP.IsLoopback)
	}
	if len(c.networkTypes) > 0 {
		se.SetNetworkTypes(c.networkTypes)
	}
	if c.settingEngine != nil {
		c.settingEngine(&se)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

func isLoopbackInterface(name string) bool {
	iface, err := net.InterfaceByName(name)
	return err == nil && iface.Flags&net.FlagLoopback != 0
}

// rtcConfiguration merges the JoinResponse's ICE settings with the options.
func (c *config) rtcConfiguration(join *parleypb.JoinResponse) webrtc.Configuration {
	rc := webrtc.Configuration{
		SDPSemantics: webrtc.SDPSemanticsUnifiedPlan,
	}
	if c.iceServersSet {
		rc.ICEServers = c.iceServers
	} else {
		for _, s := range join.GetIceServers() {
			rc.ICEServers = append(rc.ICEServers, webrtc.ICEServer{
				URLs:       s.GetUrls(),
				Username:   s.GetUsername(),
				Credential: s.GetCredential(),
			})
		}
	}
	switch {
	case c.icePolicy != nil:
		rc.ICETransportPolicy = *c.icePolicy
	case join.GetIceTransportPolicy() == "relay":
		rc.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	return rc
}

func (c *config) loopbackFor(ep endpoint) bool {
	if c.loopback != nil {
		return *c.loopback
	}
	return isLoopbackHost(ep.host)
}
