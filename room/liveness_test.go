package room

import (
	"errors"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

const grace = 150 * time.Millisecond

func graceConfig() Config {
	cfg := DefaultConfig()
	cfg.ResumeGrace, cfg.ReconnectGrace = grace, grace
	return cfg
}

// present reports whether identity is in room r.
func present(m *Manager, room, identity string) bool {
	r, ok := m.Room(room)
	if !ok {
		return false
	}
	_, ok = r.Participant(identity)
	return ok
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func sawLeft(rec *recorder, identity string) (ParticipantLeftEvent, bool) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, ev := range rec.events {
		if l, ok := ev.(ParticipantLeftEvent); ok && l.Identity == identity {
			return l, true
		}
	}
	return ParticipantLeftEvent{}, false
}

// TestResumeWithinGrace: a detached participant that resumes in time keeps
// its sid and the others see nothing; the snapshot mark runs once.
func TestResumeWithinGrace(t *testing.T) {
	m := newTestManager(t, graceConfig())
	_, alice := join(t, m, "r", "alice")
	bob, _ := join(t, m, "r", "bob")
	bob.Detach()
	marks := 0
	info, err := bob.Resume(func() { marks++ })
	if err != nil {
		t.Fatal(err)
	}
	if info.Self.SID != bob.SID() || len(info.Others) != 1 || info.Others[0].Identity != "alice" || marks != 1 {
		t.Fatalf("resume info %+v, marks %d", info, marks)
	}
	time.Sleep(3 * grace)
	if !present(m, "r", "bob") {
		t.Fatal("bob left although he resumed")
	}
	if l, ok := sawLeft(alice, "bob"); ok {
		t.Fatalf("alice saw %+v", l)
	}
}

// TestDetachedLeavesAfterGrace: a detached participant that does not resume
// leaves for everyone with LeaveConnectionLost, and cannot resume after.
func TestDetachedLeavesAfterGrace(t *testing.T) {
	m := newTestManager(t, graceConfig())
	_, alice := join(t, m, "r", "alice")
	bob, bobRec := join(t, m, "r", "bob")
	bob.Detach()
	eventually(t, "bob leaving", func() bool { return !present(m, "r", "bob") })
	if l, ok := sawLeft(alice, "bob"); !ok || l.Reason != LeaveConnectionLost {
		t.Fatalf("alice saw %+v (%v), want bob leaving with LeaveConnectionLost", l, ok)
	}
	if ev, ok := bobRec.last().(LeaveEvent); !ok || ev.Reason != LeaveConnectionLost {
		t.Fatalf("bob's last event %#v, want LeaveEvent(LeaveConnectionLost)", bobRec.last())
	}
	if _, err := bob.Resume(nil); !errors.Is(err, ErrParticipantClosed) {
		t.Fatalf("late resume: %v", err)
	}
}

// TestMediaLiveness drives the participant's connection states as the sfu
// reports them.
func TestMediaLiveness(t *testing.T) {
	const (
		connected    = webrtc.PeerConnectionStateConnected
		disconnected = webrtc.PeerConnectionStateDisconnected
		failed       = webrtc.PeerConnectionStateFailed
	)
	type step struct {
		pc    int // pcPublisher or pcSubscriber
		state webrtc.PeerConnectionState
	}
	tests := []struct {
		name   string
		steps  []step
		detach bool // the signaling connection drops after the steps
		// Grace periods; zero means the short test grace.
		resumeGrace, reconnectGrace time.Duration
		restarts                    []ICERestartEvent
		left                        bool
	}{
		{name: "connected stays", steps: []step{{pcPublisher, connected}, {pcSubscriber, connected}}},
		{
			name:     "a dead publisher asks for a restart, then leaves",
			steps:    []step{{pcPublisher, connected}, {pcPublisher, disconnected}, {pcPublisher, failed}},
			restarts: []ICERestartEvent{{}, {}},
			left:     true,
		},
		{
			name:     "a restart in time keeps the participant",
			steps:    []step{{pcSubscriber, connected}, {pcSubscriber, disconnected}, {pcSubscriber, connected}},
			restarts: []ICERestartEvent{{Subscriber: true}},
		},
		{
			name:  "a connection that never connected does not count",
			steps: []step{{pcPublisher, connected}, {pcSubscriber, failed}},
			// The subscriber failing is still reported for a restart.
			restarts: []ICERestartEvent{{Subscriber: true}},
		},
		{
			name:           "detached with media up waits for the resume grace",
			steps:          []step{{pcPublisher, connected}},
			detach:         true,
			reconnectGrace: time.Hour,
			left:           true,
		},
		{
			// Only the shortcut can make bob leave in time.
			name:           "detached with media down leaves at once",
			steps:          []step{{pcPublisher, connected}, {pcPublisher, disconnected}},
			detach:         true,
			resumeGrace:    time.Hour,
			reconnectGrace: time.Hour,
			restarts:       []ICERestartEvent{{}},
			left:           true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := graceConfig()
			if tt.resumeGrace != 0 {
				cfg.ResumeGrace = tt.resumeGrace
			}
			if tt.reconnectGrace != 0 {
				cfg.ReconnectGrace = tt.reconnectGrace
			}
			m := newTestManager(t, cfg)
			_, alice := join(t, m, "r", "alice")
			bob, bobRec := join(t, m, "r", "bob")
			for _, s := range tt.steps {
				bob.onConnectionState(s.pc, s.state)
			}
			if tt.detach {
				bob.Detach()
			}
			if tt.left {
				eventually(t, "bob leaving", func() bool { return !present(m, "r", "bob") })
				if l, ok := sawLeft(alice, "bob"); !ok || l.Reason != LeaveConnectionLost {
					t.Fatalf("alice saw %+v (%v)", l, ok)
				}
			} else {
				time.Sleep(3 * grace)
				if !present(m, "r", "bob") {
					t.Fatal("bob left")
				}
			}
			var restarts []ICERestartEvent
			bobRec.mu.Lock()
			for _, ev := range bobRec.events {
				if r, ok := ev.(ICERestartEvent); ok {
					restarts = append(restarts, r)
				}
			}
			bobRec.mu.Unlock()
			if len(restarts) != len(tt.restarts) {
				t.Fatalf("restart requests %+v, want %+v", restarts, tt.restarts)
			}
			for i := range restarts {
				if restarts[i] != tt.restarts[i] {
					t.Fatalf("restart requests %+v, want %+v", restarts, tt.restarts)
				}
			}
		})
	}
}
