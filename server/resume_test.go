package server_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/internal/testutil"
	"github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/server"
)

// signalTransports build a client URL for a proxy in front of a server's
// gRPC or HTTP port.
var signalTransports = []struct {
	name   string
	target func(*server.Server) string
	url    func(addr string) string
}{
	{"grpc", (*server.Server).GRPCAddr, grpcURL},
	{"websocket", (*server.Server).HTTPAddr, wsURL},
}

// TestSignalingResume: a client whose signaling connection is cut resumes
// its session on a new one: same participant, tracks and subscriptions,
// media never stops, the others see no leave, and what happened in the
// room meanwhile (a newcomer and its tracks) reaches it.
func TestSignalingResume(t *testing.T) {
	for _, tr := range signalTransports {
		t.Run(tr.name, func(t *testing.T) {
			srv := testutil.StartServer(t)
			proxy := testutil.StartProxy(t, tr.target(srv))
			direct := tr.url(tr.target(srv))
			alice := joinAndPublish(t, direct, "alice")
			bob := joinAndPublish(t, tr.url(proxy.Addr()), "bob")
			sid := bob.Room.LocalParticipant().GetSid()
			bob.receives(t, alice, 10, 15*time.Second, "before the cut")

			proxy.Refuse(true)
			proxy.Cut()
			bob.WaitEvent(t, 5*time.Second, "Reconnecting", func(ev client.Event) bool { _, ok := ev.(client.Reconnecting); return ok })
			// While bob is away: carol joins and publishes, and bob's media
			// keeps flowing (only its signaling is gone).
			carol := joinAndPublish(t, direct, "carol")
			alice.receives(t, bob, 10, 5*time.Second, "while bob's signaling is down")
			proxy.Refuse(false)

			bob.WaitEvent(t, 10*time.Second, "Reconnected", func(ev client.Event) bool { _, ok := ev.(client.Reconnected); return ok })
			bob.WaitEvent(t, time.Second, "carol joining", func(ev client.Event) bool {
				j, ok := ev.(client.ParticipantJoined)
				return ok && j.Participant.GetIdentity() == "carol"
			})
			bob.receives(t, carol, 10, 15*time.Second, "after the resume")
			bob.receives(t, alice, 10, 5*time.Second, "after the resume")
			alice.receives(t, bob, 10, 5*time.Second, "after the resume")
			if ev, ok := alice.sawLeave(bob); ok {
				t.Fatalf("alice saw %#v", ev)
			}
			if got := bob.Room.LocalParticipant().GetSid(); got != sid {
				t.Fatalf("bob's sid %s, want %s", got, sid)
			}
			if n := proxy.Accepted(); n != 2 {
				t.Fatalf("%d connections through the proxy, want 2", n)
			}
		})
	}
}

// TestResumeGraceExpires: a client that does not come back within the
// resume grace leaves for everyone (its media was still flowing), and its
// late resume finds nothing to resume.
func TestResumeGraceExpires(t *testing.T) {
	srv := testutil.StartServer(t, func(c *server.Config) { c.Room.ResumeGrace = time.Second })
	proxy := testutil.StartProxy(t, srv.GRPCAddr())
	alice := joinAndPublish(t, grpcURL(srv.GRPCAddr()), "alice")
	bob := joinAndPublish(t, grpcURL(proxy.Addr()), "bob", client.WithReconnect(20*time.Second))
	alice.receives(t, bob, 10, 15*time.Second, "before the cut")

	proxy.Refuse(true)
	proxy.Cut()
	cut := time.Now()
	left := alice.WaitEvent(t, 5*time.Second, "bob leaving", func(ev client.Event) bool {
		l, ok := ev.(client.ParticipantLeft)
		return ok && l.Participant.GetIdentity() == "bob"
	}).(client.ParticipantLeft)
	if left.Reason != parleypb.LeaveReason_LEAVE_REASON_CONNECTION_LOST {
		t.Fatalf("bob left with %v, want CONNECTION_LOST", left.Reason)
	}
	t.Logf("bob left for alice %v after the cut", time.Since(cut).Round(100*time.Millisecond))

	proxy.Refuse(false)
	ev := bob.WaitEvent(t, 10*time.Second, "the end", func(ev client.Event) bool { _, ok := ev.(client.Disconnected); return ok })
	if d := ev.(client.Disconnected); !errors.Is(d.Err, client.ErrResumeFailed) || !d.CanReconnect {
		t.Fatalf("bob ended with %+v, want ErrResumeFailed and CanReconnect", d)
	}
}

// TestVanishedClientLeaves: a client that vanishes without leaving (its
// signaling connection and its media path die at once, as when its
// process is killed) is gone for the others within seconds with the
// default settings: the resume grace does not keep a client whose media is
// dead too.
func TestVanishedClientLeaves(t *testing.T) {
	srv := testutil.StartServer(t)
	proxy := testutil.StartProxy(t, srv.HTTPAddr())
	alice := joinAndPublish(t, wsURL(srv.HTTPAddr()), "alice")
	cut, err := testutil.NewCutNet()
	if err != nil {
		t.Fatal(err)
	}
	ghost := joinAndPublish(t, wsURL(proxy.Addr()), "ghost",
		client.WithSettingEngine(func(se *webrtc.SettingEngine) { se.SetNet(cut) }))
	alice.receives(t, ghost, 10, 15*time.Second, "before it vanished")

	proxy.Refuse(true)
	proxy.Cut()
	cut.Cut()
	gone := time.Now()
	for _, sid := range ghost.sids {
		alice.WaitEvent(t, 12*time.Second, "ghost's track "+sid+" unpublished", func(ev client.Event) bool {
			u, ok := ev.(client.TrackUnpublished)
			return ok && u.Track.GetSid() == sid
		})
	}
	alice.WaitEvent(t, time.Second, "ghost leaving", func(ev client.Event) bool {
		l, ok := ev.(client.ParticipantLeft)
		return ok && l.Participant.GetIdentity() == "ghost"
	})
	t.Logf("the vanished client was gone for the others %v after it vanished", time.Since(gone).Round(100*time.Millisecond))
}
