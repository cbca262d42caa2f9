package client

import (
	"testing"

	"github.com/pion/rtp"
)

func TestPaddingOnly(t *testing.T) {
	marshal := func(p *rtp.Packet) []byte {
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ext := rtp.Header{Version: 2}
	_ = ext.SetExtension(3, []byte{1, 2})
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"media", marshal(&rtp.Packet{Header: rtp.Header{Version: 2}, Payload: []byte{1, 2, 3}}), false},
		{"padding only", marshal(&rtp.Packet{Header: rtp.Header{Version: 2, Padding: true, PaddingSize: 255}}), true},
		{"padding only, with an extension", marshal(&rtp.Packet{Header: func() rtp.Header {
			h := ext
			h.Padding, h.PaddingSize = true, 200
			return h
		}()}), true},
		{"media with padding", marshal(&rtp.Packet{Header: rtp.Header{Version: 2, Padding: true, PaddingSize: 4}, Payload: []byte{9}}), false},
		{"too short", []byte{0xa0, 0, 0}, false},
	}
	for _, tc := range tests {
		if got := paddingOnly(tc.b); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
