package cascade_test

import (
	"testing"
	"time"

	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/internal/testutil"
)

// TestRelayAcrossNodes (issue 7, test 1): P publishes audio and simulcast
// video on node A; S1 on B and S2 on C receive both intact, through
// relays. S1 asking for the small layer makes the relay A→B carry only
// that layer of the video, while A→C keeps carrying the top layer; S1's
// keyframe requests reach P across the relay.
func TestRelayAcrossNodes(t *testing.T) {
	_, nodes := startCluster(t, "A", "B", "C")
	a, b, c := nodes[0], nodes[1], nodes[2]
	m := newMedia(t)

	p := join(t, a, "meeting", "P")
	audio := m.publishAudio(t, p).Sid()
	published := m.publishSimulcast(t, p)
	video := published.Sid()
	s1 := join(t, b, "meeting", "S1")
	s2 := join(t, c, "meeting", "S2")

	for _, s := range []*testutil.Participant{s1, s2} {
		got := receiving(t, s, audio, 20, "P's audio")
		if len(got.Tags) != 1 || got.Tags["P/audio"] == 0 {
			t.Fatalf("%s audio tags %v", s.Identity, got.Tags)
		}
		receiving(t, s, video, 20, "P's video")
		tagGrows(t, s, video, "P/video/f", 20)
	}

	// A keyframe request of S1 reaches P across the relay (every synthetic
	// packet is a keyframe, so nothing else asks once media flows).
	remote, err := s1.Room.WaitForTrack(t.Context(), video)
	if err != nil {
		t.Fatal(err)
	}
	var plis uint64
	testutil.Eventually(t, settle, func() bool {
		before := published.KeyframeRequestCount()
		time.Sleep(time.Second)
		plis = published.KeyframeRequestCount()
		return plis == before
	}, "P keeps getting keyframe requests")
	if err := remote.RequestKeyframe(); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, settle, func() bool { return published.KeyframeRequestCount() > plis },
		"S1's keyframe request did not reach P (%d requests)", plis)

	if err := s1.Room.UpdateSubscription(video, client.SubscriptionPrefs{Width: 320, Height: 180}); err != nil {
		t.Fatal(err)
	}
	tagGrows(t, s1, video, "P/video/q", 20)

	// After the linger, A sends B only the small layer of the video (and
	// the audio), and C still only the top one; the counters at both ends
	// of the relays keep moving for exactly those layers.
	testutil.Eventually(t, settle, func() bool {
		toB, _ := relayLayers(a, "B", video, true)
		toC, _ := relayLayers(a, "C", video, true)
		atB, _ := relayLayers(b, "A", video, false)
		return toB == 0b001 && toC == 0b100 && atB == 0b001
	}, "relays did not narrow: %+v", a.Cascade().RelayStats())
	_, outB := relayLayers(a, "B", video, true)
	_, inB := relayLayers(b, "A", video, false)
	_, outC := relayLayers(a, "C", video, true)
	time.Sleep(500 * time.Millisecond)
	mask, outB2 := relayLayers(a, "B", video, true)
	_, inB2 := relayLayers(b, "A", video, false)
	_, outC2 := relayLayers(a, "C", video, true)
	if mask != 0b001 || outB2[0] <= outB[0] || inB2[0] <= inB[0] || outC2[2] <= outC[2] {
		t.Fatalf("relay counters: A→B %v then %v (mask %b), at B %v then %v, A→C %v then %v", outB, outB2, mask, inB, inB2, outC, outC2)
	}
	if mask, _ := relayLayers(a, "B", audio, true); mask != 0b001 {
		t.Fatalf("audio relay layers to B %b, want 1", mask)
	}
	// S1 still gets intact media, all of it the small layer now.
	before := s1.Received(video)
	tagGrows(t, s1, video, "P/video/q", 20)
	after := s1.Received(video)
	if after.Tags["P/video/f"] != before.Tags["P/video/f"] || after.Corrupt != 0 {
		t.Fatalf("S1 still receives the top layer or corrupt packets: %v then %v", before, after)
	}
}
