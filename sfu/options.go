package sfu

import (
	"net"

	"github.com/pion/dtls/v3"
	"github.com/pion/transport/v4"
	"github.com/pion/webrtc/v4"
)

// Option wires an [Engine] to things that are not configuration: tests use
// it to put the engine on a virtual network.
type Option func(*options)

type options struct {
	net transport.Net
}

// WithNet makes the engine bind its media port and run ICE on n instead of
// the host's network: pion's virtual network (transport/v4/vnet) in tests
// that shape loss and bandwidth. Config.BindAddress must then be one of
// n's addresses; ICE-TCP is off.
func WithNet(n transport.Net) Option {
	return func(o *options) { o.net = n }
}

// listenUDP binds a UDP socket on the engine's network: the host's
// through listenMediaUDP, or the virtual network's.
func (o *options) listenUDP(addr *net.UDPAddr) (net.PacketConn, *net.UDPAddr, error) {
	if o.net == nil {
		conn, err := listenMediaUDP(addr)
		if err != nil {
			return nil, nil, err
		}
		return conn, conn.LocalAddr().(*net.UDPAddr), nil
	}
	conn, err := o.net.ListenUDP("udp4", addr)
	if err != nil {
		return nil, nil, err
	}
	return conn, conn.LocalAddr().(*net.UDPAddr), nil
}

// srtpProfiles is the order in which the engine, as DTLS server, picks the
// SRTP protection profile a client offers. AES-128-GCM first: an AEAD does
// encryption and authentication in one pass (AES-NI and carry-less
// multiply), which costs a fraction of AES-CM plus HMAC-SHA1 per packet, and
// 128-bit keys take 10 AES rounds to 256-bit's 14. pion's default puts
// AES-256-GCM first. Browsers offer all three.
func srtpProfiles() []dtls.SRTPProtectionProfile {
	return []dtls.SRTPProtectionProfile{
		dtls.SRTP_AEAD_AES_128_GCM,
		dtls.SRTP_AEAD_AES_256_GCM,
		dtls.SRTP_AES128_CM_HMAC_SHA1_80,
	}
}

// applyNet puts the setting engine on the engine's network.
func (o *options) applyNet(se *webrtc.SettingEngine) {
	if o.net != nil {
		se.SetNet(o.net)
	}
}
