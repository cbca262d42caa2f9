package sfu

import (
	"bytes"
	"testing"

	"github.com/pion/webrtc/v4"
)

func TestRewriteREDPayloadType(t *testing.T) {
	tests := []struct {
		name    string
		in, out []byte
	}{
		{
			"two redundant blocks and the primary",
			[]byte{0x80 | 109, 0, 0x40, 3, 0x80 | 109, 0, 0x20, 2, 109, 1, 2, 3, 4, 5, 6},
			[]byte{0x80 | 111, 0, 0x40, 3, 0x80 | 111, 0, 0x20, 2, 111, 1, 2, 3, 4, 5, 6},
		},
		{"primary only", []byte{109, 9, 9}, []byte{111, 9, 9}},
		{"another payload type is left alone", []byte{0x80 | 13, 0, 0x40, 1, 109, 7}, []byte{0x80 | 13, 0, 0x40, 1, 111, 7}},
		{"a header cut short stops the rewrite", []byte{0x80 | 109, 0}, []byte{0x80 | 111, 0}},
		{"lengths beyond the payload stop it", []byte{0x80 | 109, 0, 0x03, 0xff, 109, 1}, []byte{0x80 | 111, 0, 0x03, 0xff, 109, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := append([]byte(nil), tc.in...)
			rewriteREDPayloadType(b, 109, 111)
			if !bytes.Equal(b, tc.out) {
				t.Fatalf("got % x, want % x", b, tc.out)
			}
		})
	}
}

func TestREDPrimaryPayloadType(t *testing.T) {
	red := func(fmtp string) webrtc.RTPCodecParameters {
		return webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/red", ClockRate: 48000, SDPFmtpLine: fmtp}}
	}
	for _, tc := range []struct {
		c    webrtc.RTPCodecParameters
		pt   uint8
		want bool
	}{
		{red("111/111"), 0, false},
		{red("109/109"), 109, true},
		{red("junk"), 0, false},
		{codecOpus, 0, false},
	} {
		if pt, ok := redPrimaryPayloadType(tc.c); pt != tc.pt || ok != tc.want {
			t.Errorf("%q: %d %v, want %d %v", tc.c.SDPFmtpLine, pt, ok, tc.pt, tc.want)
		}
	}
}

func FuzzREDRewrite(f *testing.F) {
	f.Add([]byte{0x80 | 109, 0, 0x40, 3, 109, 1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		n := len(b)
		rewriteREDPayloadType(b, 109, 111)
		if len(b) != n {
			t.Fatal("length changed")
		}
	})
}

func TestDropReasonNames(t *testing.T) {
	seen := map[string]bool{}
	for r := DropReason(0); r < NumDropReasons; r++ {
		name := r.String()
		if name == "unknown" || seen[name] {
			t.Errorf("drop reason %d is named %q", r, name)
		}
		seen[name] = true
	}
	if NumDropReasons.String() != "unknown" {
		t.Error("a reason beyond the list has a name")
	}
}
