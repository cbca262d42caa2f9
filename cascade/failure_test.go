package cascade_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/internal/testutil"
	pb "github.com/parley-sfu/parley/proto/parleypb"
)

// TestNodeDies (issue 7, test 4): node A stops abruptly (no goodbye, no
// leave events); within a few seconds B and C report P's tracks
// unpublished and P gone, and the media between B and C goes on.
func TestNodeDies(t *testing.T) {
	_, servers := startCluster(t, "A", "B", "C")
	a, b, c := servers[0], servers[1], servers[2]
	m := newMedia(t)
	p := join(t, a, "meeting", "P")
	pAudio := m.publishAudio(t, p).Sid()
	pVideo := m.publishSimulcast(t, p).Sid()
	s1 := join(t, b, "meeting", "S1")
	s2 := join(t, c, "meeting", "S2")
	s1Audio := m.publishAudio(t, s1).Sid()
	s2Audio := m.publishAudio(t, s2).Sid()
	for _, s := range []*testutil.Participant{s1, s2} {
		receiving(t, s, pAudio, 10, "P's audio")
		receiving(t, s, pVideo, 10, "P's video")
	}
	receiving(t, s1, s2Audio, 10, "S2's audio")
	receiving(t, s2, s1Audio, 10, "S1's audio")

	aborted := time.Now()
	a.Cascade().Abort()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{
		fmt.Sprintf("S1@B[%s:audio:muted=false]", s1Audio),
		fmt.Sprintf("S2@C[%s:audio:muted=false]", s2Audio),
	}
	agree(t, []node{b, c}, "meeting", want)
	took := time.Since(aborted)
	t.Logf("B and C dropped node A's participant %s after the abort", took.Round(100*time.Millisecond))
	if took > 8*time.Second {
		t.Fatalf("B and C took %s to notice A died", took)
	}
	for _, s := range []*testutil.Participant{s1, s2} {
		for _, sid := range []string{pAudio, pVideo} {
			s.WaitEvent(t, settle, "P's track "+sid+" unpublished", func(ev client.Event) bool {
				e, ok := ev.(client.TrackUnpublished)
				return ok && e.Track.GetSid() == sid
			})
		}
		s.WaitEvent(t, settle, "P leaving with its node", func(ev client.Event) bool {
			e, ok := ev.(client.ParticipantLeft)
			return ok && e.Participant.GetIdentity() == "P" && e.Reason == pb.LeaveReason_LEAVE_REASON_NODE_FAILURE
		})
	}
	receiving(t, s1, s2Audio, 25, "S2's audio after A died")
	receiving(t, s2, s1Audio, 25, "S1's audio after A died")
}

// TestNATSRestart (issue 7, test 5): the NATS server restarts. Media
// already relayed keeps flowing meanwhile; a participant who joined during
// the outage shows up everywhere afterwards; the directory agrees again;
// and a new subscriber on a node that had no relay yet gets media.
func TestNATSRestart(t *testing.T) {
	nats, servers := startCluster(t, "A", "B", "C")
	a, b, c := servers[0], servers[1], servers[2]
	nodes := []node{a, b, c}
	m := newMedia(t)
	p := join(t, a, "meeting", "P")
	pAudio := m.publishAudio(t, p).Sid()
	pVideo := m.publishSimulcast(t, p).Sid()
	s1 := join(t, b, "meeting", "S1")
	receiving(t, s1, pVideo, 10, "P's video")
	agree(t, nodes, "meeting", []string{
		stateLine("P", "A", pAudio+":audio:muted=false", pVideo+":video:muted=false"),
		"S1@B[]",
	})

	nats.Stop()
	for _, n := range nodes {
		testutil.Eventually(t, settle, func() bool { return !n.Cascade().Connected() }, "node %s still connected", n.Cascade().ID())
	}
	q := join(t, a, "meeting", "Q") // joins while the nodes cannot talk
	receiving(t, s1, pVideo, 30, "P's video while NATS is down")
	time.Sleep(time.Second)
	if err := nats.Restart(0); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		testutil.Eventually(t, settle, func() bool { return n.Cascade().Connected() }, "node %s did not reconnect", n.Cascade().ID())
	}
	agree(t, nodes, "meeting", []string{
		stateLine("P", "A", pAudio+":audio:muted=false", pVideo+":video:muted=false"),
		"Q@A[]",
		"S1@B[]",
	})
	_ = q

	s3 := join(t, c, "meeting", "S3")
	receiving(t, s3, pAudio, 20, "P's audio after NATS came back")
	receiving(t, s3, pVideo, 20, "P's video after NATS came back")
	receiving(t, s1, pVideo, 20, "P's video after NATS came back")
}
