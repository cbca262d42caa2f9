package client

import (
	"errors"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// TestResumeAfterDrop: when the stream drops, the Room resumes on a new
// one with its token and resume token, sends what was queued meanwhile,
// and reports the room's changes from the resumed snapshot as events.
func TestResumeAfterDrop(t *testing.T) {
	checkLeaks(t)
	for _, name := range []string{"grpc", "bare", "websocket", "http"} {
		t.Run(name, func(t *testing.T) {
			// A server per case: the Room must not find a session another
			// case's reconnect left queued.
			srv := newFakeServer(t)
			r, sess := connect(t, srv, transports(srv)[name], basicJoin())
			sess.close()
			if ev := nextEvent(t, r); !isReconnecting(ev) {
				t.Fatalf("event %#v, want Reconnecting", ev)
			}
			// Queued while no connection is up: sent on the next one.
			if err := r.SendChat("while away"); err != nil {
				t.Fatal(err)
			}

			resumed := basicJoin()
			resumed.Resumed = true
			resumed.Room.Metadata = "moved on"
			carol := &parleypb.ParticipantInfo{Sid: "PA_carol", Identity: "carol", Name: "Carol"}
			resumed.OtherParticipants = []*parleypb.ParticipantInfo{carol}
			next := srv.accept(t)
			req := next.join(t, resumed)
			if req.GetToken() != "token-1" || req.GetResumeToken() != "resume-1" {
				t.Fatalf("resume join %v, want the token and resume token of the first join", req)
			}
			chat := next.expect(t, "chat", func(q *parleypb.SignalRequest) bool { return q.GetData() != nil })
			if chat.GetData().GetText() != "while away" {
				t.Fatalf("chat %v", chat)
			}

			var got []string
			for {
				ev := nextEvent(t, r)
				if _, ok := ev.(Reconnected); ok {
					break
				}
				got = append(got, norm(t, ev))
			}
			bob := basicJoin().OtherParticipants[0]
			want := []string{
				norm(t, RoomUpdated{Room: resumed.Room}),
				norm(t, ParticipantLeft{Participant: bob}),
				norm(t, ParticipantJoined{Participant: carol}),
			}
			if len(got) != len(want) {
				t.Fatalf("events %q, want %q", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("events %q, want %q", got, want)
				}
			}
			if ps := r.Participants(); len(ps) != 1 || !proto.Equal(ps[0], carol) {
				t.Fatalf("participants %v, want carol only", ps)
			}
			if _, done := r.Disconnected(); done {
				t.Fatal("the room ended")
			}
			_ = r.Close() // before the fake sessions end
		})
	}
}

// TestResumeRefused: a server that no longer has the session joins the
// client afresh; the Room leaves that participant (its leave reaches the
// server before the stream closes) and ends.
func TestResumeRefused(t *testing.T) {
	checkLeaks(t)
	srv := newFakeServer(t)
	r, sess := connect(t, srv, srv.grpcURL, basicJoin())
	sess.close()
	next := srv.accept(t)
	next.join(t, basicJoin()) // resumed: false
	leave := next.expect(t, "leave", func(q *parleypb.SignalRequest) bool { return q.GetLeave() != nil })
	next.respond(t, &parleypb.SignalResponse{RequestId: leave.GetRequestId(),
		Message: &parleypb.SignalResponse_Leave{Leave: &parleypb.LeaveResponse{}}})
	d := lastEvent(t, r)
	if d.Reason != parleypb.LeaveReason_LEAVE_REASON_CONNECTION_LOST || !d.CanReconnect || !errors.Is(d.Err, ErrResumeFailed) {
		t.Fatalf("disconnect %+v, want CONNECTION_LOST, can reconnect, ErrResumeFailed", d)
	}
}

// TestResumeGivesUp: with no answer within the reconnect window the Room
// ends as lost.
func TestResumeGivesUp(t *testing.T) {
	checkLeaks(t)
	srv := newFakeServer(t)
	r, sess := connect(t, srv, srv.grpcURL, basicJoin(), WithReconnect(300*time.Millisecond))
	sess.close()
	srv.accept(t) // never answers the join
	d := lastEvent(t, r)
	if d.Reason != parleypb.LeaveReason_LEAVE_REASON_CONNECTION_LOST || !errors.Is(d.Err, ErrConnectionLost) {
		t.Fatalf("disconnect %+v, want CONNECTION_LOST with ErrConnectionLost", d)
	}
}

func isReconnecting(ev Event) bool { _, ok := ev.(Reconnecting); return ok }
