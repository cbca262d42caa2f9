package client

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const sdpHeader = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2 3 4 5\r\n"

func section(media, mid string, lines ...string) string {
	s := "m=" + media + " 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:" + mid + "\r\n"
	if media == "application" {
		s = "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:" + mid + "\r\n"
	}
	for _, l := range lines {
		s += l + "\r\n"
	}
	return s
}

func TestSendingTracks(t *testing.T) {
	tests := []struct {
		name string
		sdp  string
		want map[string]msid
	}{
		{
			name: "one track per section",
			sdp: sdpHeader +
				section("video", "0", "a=sendonly", "a=msid:PA_bob TR_cam") +
				section("audio", "1", "a=sendonly", "a=msid:PA_bob TR_mic"),
			want: map[string]msid{"0": {"PA_bob", "TR_cam"}, "1": {"PA_bob", "TR_mic"}},
		},
		{
			name: "removed and inactive sections are left out",
			sdp: sdpHeader +
				section("video", "0", "a=inactive", "a=msid:PA_bob TR_old") +
				strings.Replace(section("video", "1", "a=sendonly", "a=msid:PA_bob TR_gone"), "m=video 9", "m=video 0", 1) +
				section("audio", "2", "a=recvonly") +
				section("video", "3", "a=sendrecv", "a=msid:PA_eve TR_screen"),
			want: map[string]msid{"3": {"PA_eve", "TR_screen"}},
		},
		{
			name: "legacy ssrc msid",
			sdp: sdpHeader +
				section("video", "v", "a=sendonly", "a=ssrc:1234 cname:x", "a=ssrc:1234 msid:PA_a TR_b"),
			want: map[string]msid{"v": {"PA_a", "TR_b"}},
		},
		{
			name: "no stream id and no track id",
			sdp: sdpHeader +
				section("audio", "0", "a=sendonly", "a=msid:- TR_x") +
				section("audio", "1", "a=sendonly", "a=msid:PA_y") +
				section("audio", "2", "a=sendonly", "a=msid:-") +
				section("audio", "3", "a=sendonly"),
			want: map[string]msid{"0": {"", "TR_x"}, "1": {"PA_y", ""}},
		},
		{
			name: "data channel and sections without mid",
			sdp: sdpHeader +
				section("application", "0") +
				strings.Replace(section("video", "x", "a=sendonly", "a=msid:PA_a TR_b"), "a=mid:x\r\n", "", 1),
			want: map[string]msid{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sendingTracks(tt.sdp)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSendingTracksMalformed(t *testing.T) {
	for _, s := range []string{"hello", "v=0\r\nm=video\r\n"} {
		if _, err := sendingTracks(s); !errors.Is(err, ErrNegotiation) {
			t.Errorf("sendingTracks(%q) err = %v, want ErrNegotiation", s, err)
		}
	}
}

func FuzzSendingTracks(f *testing.F) {
	f.Add(sdpHeader + section("video", "0", "a=sendonly", "a=msid:PA_bob TR_cam"))
	f.Add(sdpHeader + section("video", "v", "a=ssrc:1 msid:a b"))
	f.Fuzz(func(t *testing.T, s string) {
		got, err := sendingTracks(s)
		if err == nil && got == nil {
			t.Fatal("nil map without error")
		}
	})
}
