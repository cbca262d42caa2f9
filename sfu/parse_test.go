package sfu

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

func TestParseVP8Descriptor(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		ok   bool
		want vp8Descriptor
	}{
		{"empty", nil, false, vp8Descriptor{}},
		{"minimal, not a start", []byte{0x00, 0x01}, true, vp8Descriptor{Len: 1}},
		{"start of an interframe", []byte{0x10, 0x01}, true, vp8Descriptor{Len: 1}},
		{"start of a keyframe", []byte{0x10, 0x00}, true, vp8Descriptor{Len: 1, Keyframe: true}},
		{"keyframe bit in partition 1 is not a start", []byte{0x11, 0x00}, true, vp8Descriptor{Len: 1}},
		{"S bit without payload header", []byte{0x10}, true, vp8Descriptor{Len: 1}},
		{
			"15-bit picture id, TL0PICIDX, TID and KEYIDX",
			[]byte{0x90, 0xf0, 0x81, 0x23, 0x44, 0b10_1_00111, 0x00},
			true,
			vp8Descriptor{
				Len: 6, HasPictureID: true, PictureID15: true, PictureID: 0x123, pictureOff: 2,
				HasTL0PicIdx: true, TL0PicIdx: 0x44, tl0Off: 4,
				HasTID: true, TID: 2, LayerSync: true, HasKeyIdx: true, KeyIdx: 7, tkOff: 5,
				Keyframe: true,
			},
		},
		{
			"7-bit picture id only",
			[]byte{0x80, 0x80, 0x05, 0x01},
			true,
			vp8Descriptor{Len: 3, HasPictureID: true, PictureID: 5, pictureOff: 2},
		},
		{"X without extension octet", []byte{0x80}, false, vp8Descriptor{}},
		{"15-bit picture id cut short", []byte{0x80, 0x80, 0x81}, false, vp8Descriptor{}},
		{"TL0PICIDX missing", []byte{0x80, 0x40}, false, vp8Descriptor{}},
		{"TID/KEYIDX missing", []byte{0x80, 0x10}, false, vp8Descriptor{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got vp8Descriptor
			ok := parseVP8Descriptor(tc.in, &got)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if ok && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestRewriteVP8(t *testing.T) {
	in := []byte{0x90, 0xf0, 0x81, 0x23, 0x44, 0b10_1_00111, 0x00, 0xaa}
	var d vp8Descriptor
	if !parseVP8Descriptor(in, &d) {
		t.Fatal("parse")
	}
	got := rewriteVP8(make([]byte, 64), in, &d, vp8Fields{PictureID: 0x7ffe, TL0PicIdx: 9, KeyIdx: 31})
	want := []byte{0x90, 0xf0, 0xff, 0xfe, 0x09, 0b10_1_11111, 0x00, 0xaa}
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x, want % x", got, want)
	}
	if in[2] != 0x81 {
		t.Fatal("source modified")
	}
}

func TestH264Keyframe(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want bool
	}{
		{"empty", nil, false},
		{"IDR slice", []byte{0x65, 0x88}, true},
		{"SPS", []byte{0x67, 0x42}, true},
		{"non-IDR slice", []byte{0x41, 0x9a}, false},
		{"STAP-A with SPS, PPS", []byte{0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce}, true},
		{"STAP-A with slices only", []byte{0x78, 0x00, 0x02, 0x41, 0x9a, 0x00, 0x01, 0x41}, false},
		{"STAP-A with a size past the end", []byte{0x78, 0x00, 0x09, 0x67}, false},
		{"FU-A start of an IDR", []byte{0x7c, 0x85, 0x88}, true},
		{"FU-A middle of an IDR", []byte{0x7c, 0x05, 0x88}, false},
		{"FU-A start of a non-IDR", []byte{0x7c, 0x81, 0x9a}, false},
		{"FU-A without header", []byte{0x7c}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := h264Keyframe(tc.in); got != tc.want {
				t.Errorf("h264Keyframe(% x) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestPacketParse(t *testing.T) {
	h := rtp.Header{Version: 2, SequenceNumber: 7, Timestamp: 9, SSRC: 5, PayloadType: 96}
	_ = h.SetExtension(publisherLevelID, []byte{0x80 | 42})
	raw := rtpPacket(t, h, []byte{1, 2, 3})
	var p packet
	if err := p.parse(raw, payloadOther, publisherLevelID); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Payload, []byte{1, 2, 3}) || !bytes.Equal(p.AudioLevel, []byte{0x80 | 42}) || !p.Keyframe {
		t.Fatalf("payload % x level % x keyframe %v", p.Payload, p.AudioLevel, p.Keyframe)
	}

	padded := append(rtpPacket(t, rtp.Header{Version: 2, SequenceNumber: 8}, []byte{9, 9}), 0, 0, 3)
	padded[0] |= 0x20
	if err := p.parse(padded, payloadVP8, 0); err != nil || !bytes.Equal(p.Payload, []byte{9, 9}) {
		t.Fatalf("padded: err %v payload % x", err, p.Payload)
	}

	bad := append([]byte(nil), raw...)
	bad[0] |= 0x20 // padding flag with a nonsense padding length
	bad[len(bad)-1] = 200
	if err := p.parse(bad, payloadOther, 0); err == nil {
		t.Fatal("bad padding accepted")
	}
}

func TestSeqMap(t *testing.T) {
	m := newSeqMap(64)
	e := sentPacket{Layer: 2, InSeq: 40000, TSOffset: 0xdeadbeef, VP8: vp8Offsets{PictureID: 0x7fff, TL0PicIdx: 200, KeyIdx: 31}}
	m.store(65535, e)
	if got, ok := m.load(65535); !ok || got != e {
		t.Fatalf("load = %+v, %v", got, ok)
	}
	if _, ok := m.load(65535 - 64); ok {
		t.Fatal("an older sequence number in the same slot was found")
	}
	if _, ok := m.load(0); ok {
		t.Fatal("an empty slot was found")
	}
	m.store(63, sentPacket{InSeq: 1})
	if _, ok := m.load(65535); ok {
		t.Fatal("an overwritten entry was found")
	}
}

func TestSelectLayer(t *testing.T) {
	sim := []LayerInfo{{RID: "q", Width: 320, Height: 180}, {RID: "h", Width: 640, Height: 360}, {RID: "f", Width: 1280, Height: 720}}
	tests := []struct {
		name   string
		p      Preferences
		layers []LayerInfo
		active uint8
		want   int8
	}{
		{"zero preferences: highest", Preferences{}, sim, 0b111, 2},
		{"paused", Preferences{Width: 320, Paused: true}, sim, 0b111, LayerNone},
		{"nothing received", Preferences{Width: 320}, sim, 0, LayerNone},
		{"exact fit", Preferences{Width: 320, Height: 180}, sim, 0b111, 0},
		{"smallest that is wide enough", Preferences{Width: 400, Height: 225}, sim, 0b111, 1},
		{"high enough counts too (portrait tile)", Preferences{Width: 2000, Height: 300}, sim, 0b111, 1},
		{"larger than any: highest", Preferences{Width: 4000}, sim, 0b111, 2},
		{"fitting layer not received: next received", Preferences{Width: 320}, sim, 0b110, 1},
		{"only low received", Preferences{Width: 1280}, sim, 0b001, 0},
		{"unknown sizes: highest", Preferences{Width: 320}, []LayerInfo{{}, {}}, 0b011, 1},
		{"single layer", Preferences{Width: 320}, []LayerInfo{{}}, 0b001, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := selectLayer(tc.p, tc.layers, tc.active); got != tc.want {
				t.Errorf("selectLayer = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestDesiredLayer(t *testing.T) {
	sim := []LayerInfo{{Width: 320, Height: 180}, {Width: 640, Height: 360}, {Width: 1280, Height: 720}}
	two := sim[1:]
	tests := []struct {
		name   string
		p      Preferences
		layers []LayerInfo
		want   int8
	}{
		{"explicit low", Preferences{Quality: QualityLow, Width: 1280}, sim, 0},
		{"explicit medium", Preferences{Quality: QualityMedium}, sim, 1},
		{"explicit high", Preferences{Quality: QualityHigh, Width: 100}, sim, 2},
		{"explicit off pauses", Preferences{Quality: QualityOff}, sim, LayerNone},
		{"two layers are medium and high", Preferences{Quality: QualityMedium}, two, 0},
		{"low of two layers is the lowest", Preferences{Quality: QualityLow}, two, 0},
		{"high of one layer", Preferences{Quality: QualityHigh}, sim[:1], 0},
	}
	for _, tc := range tests {
		if got := desiredLayer(tc.p, tc.layers); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	for i, want := range []Quality{QualityMedium, QualityHigh} {
		if got := QualityOfLayer(int8(i), 2); got != want {
			t.Errorf("layer %d of 2: %d, want %d", i, got, want)
		}
	}
}

func TestTemporalFor(t *testing.T) {
	measured := [4]float32{7.5, 7.5, 15, 0}
	tests := []struct {
		fps  uint32
		have [4]float32
		want int8
	}{
		{0, measured, maxTemporal},
		{30, measured, 2},
		{15, measured, 1},
		{8, measured, 0},
		{5, measured, 0},
		{15, [4]float32{}, 1},              // unmeasured: the usual split of 30 fps
		{15, [4]float32{30, 0, 0, 0}, 0},   // no temporal layers: all of it is TL0
		{60, [4]float32{10, 10, 10, 0}, 3}, // more than the layer has
	}
	for _, tc := range tests {
		if got := temporalFor(tc.fps, tc.have); got != tc.want {
			t.Errorf("%d fps of %v: %d, want %d", tc.fps, tc.have, got, tc.want)
		}
	}
}

func FuzzVP8Descriptor(f *testing.F) {
	f.Add([]byte{0x90, 0xf0, 0x81, 0x23, 0x44, 0xa7, 0x00})
	f.Add([]byte{0x80, 0x80, 0x05, 0x01})
	f.Add([]byte{0x10, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		var d vp8Descriptor
		if !parseVP8Descriptor(b, &d) {
			return
		}
		if d.Len > len(b) {
			t.Fatalf("descriptor length %d beyond payload %d", d.Len, len(b))
		}
		// Rewriting with the parsed values is the identity.
		same := rewriteVP8(make([]byte, len(b)), b, &d, vp8Fields{d.PictureID, d.TL0PicIdx, d.KeyIdx})
		if !bytes.Equal(same, b) {
			t.Fatalf("identity rewrite changed % x to % x", b, same)
		}
	})
}

func FuzzH264Keyframe(f *testing.F) {
	f.Add([]byte{0x78, 0x00, 0x02, 0x67, 0x42})
	f.Add([]byte{0x7c, 0x85, 0x88})
	f.Fuzz(func(t *testing.T, b []byte) { h264Keyframe(b) })
}

func FuzzPacketParse(f *testing.F) {
	h := rtp.Header{Version: 2, SequenceNumber: 7, Padding: false}
	_ = h.SetExtension(1, []byte{0x80})
	raw, _ := (&rtp.Packet{Header: h, Payload: []byte{0x90, 0xf0, 0x81, 0x23, 0x44, 0xa7, 0x00}}).Marshal()
	f.Add(raw)
	f.Fuzz(func(t *testing.T, b []byte) {
		var p packet
		for _, k := range []payloadKind{payloadOther, payloadVP8, payloadH264} {
			if p.parse(b, k, 1) == nil && len(p.Payload) > len(b) {
				t.Fatal("payload beyond packet")
			}
		}
	})
}

func FuzzRTCPFeedback(f *testing.F) {
	f.Add([]byte{0x81, 205, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x10, 0x00, 0x05})
	f.Add([]byte{0x81, 206, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2})
	f.Add([]byte{0x84, 206, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		for p, rest, ok := nextRTCP(b); ok; p, rest, ok = nextRTCP(rest) {
			p.isKeyframeRequestFor(2)
			if p.isNACKFor(2) {
				for i := 0; ; i++ {
					item, ok := nackItemAt(p.fci(), i)
					if !ok {
						break
					}
					item.lost(func(uint16) {})
				}
			}
		}
	})
}

func TestSubscriberCodecs(t *testing.T) {
	h264 := func(fmtp string) webrtc.RTPCodecParameters {
		return webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: fmtp},
			PayloadType:        125, // the publisher's, not ours
		}
	}
	tests := []struct {
		name string
		src  webrtc.RTPCodecParameters
		want []string // mime, payload type and fmtp of each offered codec
		err  error
	}{
		{"vp8 with its RTX", codecVP8, []string{"video/VP8 96 ", "video/rtx 97 apt=96"}, nil},
		{
			"opus keeps the publisher's parameters (DTX)",
			webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1;usedtx=1",
			}, PayloadType: 109},
			[]string{"audio/opus 111 minptime=10;useinbandfec=1;usedtx=1"}, nil,
		},
		{
			"red brings opus along",
			webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
				MimeType: "audio/red", ClockRate: 48000, Channels: 2, SDPFmtpLine: "111/111",
			}, PayloadType: 63},
			[]string{"audio/red 63 111/111", "audio/opus 111 minptime=10;useinbandfec=1"}, nil,
		},
		{
			"h264 constrained baseline",
			h264("level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"),
			[]string{"video/H264 102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", "video/rtx 103 apt=102"}, nil,
		},
		{
			"h264 baseline at another level",
			h264("packetization-mode=1;profile-level-id=42001e"),
			[]string{"video/H264 104 packetization-mode=1;profile-level-id=42001e", "video/rtx 105 apt=104"}, nil,
		},
		{
			"h264 high",
			h264("packetization-mode=1;profile-level-id=640c1f"),
			[]string{"video/H264 106 packetization-mode=1;profile-level-id=640c1f", "video/rtx 107 apt=106"}, nil,
		},
		{"h264 mode 0 is not forwarded", h264("profile-level-id=42e01f"), nil, ErrUnsupportedCodec},
		{"av1 is not forwarded", webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeAV1, ClockRate: 90000,
		}}, nil, ErrUnsupportedCodec},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := subscriberCodecs(tc.src)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			var desc []string
			for _, c := range got {
				desc = append(desc, fmt.Sprintf("%s %d %s", c.MimeType, c.PayloadType, c.SDPFmtpLine))
			}
			if !reflect.DeepEqual(desc, tc.want) {
				t.Fatalf("got %q\nwant %q", desc, tc.want)
			}
		})
	}
}
