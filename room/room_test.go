package room

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/parley-sfu/parley/sfu"
)

// recorder is a Sink that keeps the events it gets.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) Send(ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

// kinds returns the event types received, in order, without media
// signaling (offers, candidates), which depend on timing.
func (r *recorder) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.events {
		switch ev.(type) {
		case OfferEvent, CandidateEvent:
			continue
		}
		out = append(out, fmt.Sprintf("%T", ev))
	}
	return out
}

func (r *recorder) last() Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.events) - 1; i >= 0; i-- {
		switch r.events[i].(type) {
		case OfferEvent, CandidateEvent:
			continue
		}
		return r.events[i]
	}
	return nil
}

func newTestManager(t *testing.T, cfg Config) *Manager {
	t.Helper()
	scfg := sfu.DefaultConfig()
	scfg.UDPPort, scfg.BindAddress, scfg.IncludeLoopback = 0, "127.0.0.1", true
	engine, err := sfu.NewEngine(scfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := NewManager(cfg, engine, nil)
	t.Cleanup(func() {
		m.Close()
		_ = engine.Close()
	})
	return m
}

func everything() Permission {
	return Permission{CanPublish: true, CanSubscribe: true, CanPublishData: true}
}

func join(t *testing.T, m *Manager, room, identity string) (*Participant, *recorder) {
	t.Helper()
	rec := &recorder{}
	p, _, err := m.Join(room, true, ParticipantParams{Identity: identity, Name: identity, Permission: everything(), AutoSubscribe: true, Sink: rec})
	if err != nil {
		t.Fatalf("join %s: %v", identity, err)
	}
	return p, rec
}

func TestJoinAndLeaveEvents(t *testing.T) {
	m := newTestManager(t, DefaultConfig())
	alice, aliceRec := join(t, m, "r", "alice")
	bob, bobRec := join(t, m, "r", "bob")

	if got, want := aliceRec.kinds(), []string{"room.ParticipantJoinedEvent"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("alice got %v, want %v", got, want)
	}
	if len(bobRec.kinds()) != 0 {
		t.Fatalf("bob got %v before anything happened", bobRec.kinds())
	}
	bob.Leave(LeaveClientRequest)
	want := ParticipantLeftEvent{SID: bob.SID(), Identity: "bob", Reason: LeaveClientRequest}
	if got := aliceRec.last(); !reflect.DeepEqual(got, want) {
		t.Fatalf("alice's last event = %#v, want %#v", got, want)
	}
	if got := bobRec.kinds(); len(got) != 0 {
		t.Fatalf("bob, who asked to leave, was told %v", got)
	}
	if err := bob.Update(ParticipantUpdate{Name: "x"}); !errors.Is(err, ErrParticipantClosed) {
		t.Fatalf("update after leave = %v, want ErrParticipantClosed", err)
	}
	if got := alice.Room().Participants(); len(got) != 1 || got[0].Identity != "alice" {
		t.Fatalf("participants = %+v", got)
	}
}

func TestDuplicateIdentityReplaces(t *testing.T) {
	m := newTestManager(t, DefaultConfig())
	_, aliceRec := join(t, m, "r", "alice")
	old, oldRec := join(t, m, "r", "bob")
	fresh, _ := join(t, m, "r", "bob")

	if got := oldRec.last(); !reflect.DeepEqual(got, LeaveEvent{Reason: LeaveDuplicateIdentity, Message: "another connection joined with the same identity"}) {
		t.Fatalf("the replaced connection was told %#v", got)
	}
	got := aliceRec.kinds()
	want := []string{"room.ParticipantJoinedEvent", "room.ParticipantLeftEvent", "room.ParticipantJoinedEvent"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("alice saw %v, want %v", got, want)
	}
	r, _ := m.Room("r")
	if p, _ := r.Participant("bob"); p != fresh || p == old {
		t.Fatal("the room does not hold the new connection")
	}
}

func TestLimits(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxParticipants, cfg.MaxTracks, cfg.MaxRooms = 2, 1, 1
	m := newTestManager(t, cfg)
	a, _ := join(t, m, "r", "a")
	join(t, m, "r", "b")
	if _, _, err := m.Join("r", true, ParticipantParams{Identity: "c", Sink: &recorder{}}); !errors.Is(err, ErrRoomFull) {
		t.Fatalf("third join = %v, want ErrRoomFull", err)
	}
	// Replacing an identity is not one more participant.
	join(t, m, "r", "b")
	if _, _, err := m.Join("other", true, ParticipantParams{Identity: "x", Sink: &recorder{}}); !errors.Is(err, ErrTooManyRooms) {
		t.Fatalf("second room = %v, want ErrTooManyRooms", err)
	}
	if _, err := a.AddTrack(AddTrackParams{CID: "t1", Kind: KindAudio}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddTrack(AddTrackParams{CID: "t2", Kind: KindVideo}); !errors.Is(err, ErrTooManyTracks) {
		t.Fatalf("second track = %v, want ErrTooManyTracks", err)
	}
}

func TestAddTrackValidation(t *testing.T) {
	m := newTestManager(t, DefaultConfig())
	p, _ := join(t, m, "r", "p")
	viewer, _, err := m.Join("r", true, ParticipantParams{Identity: "viewer", Permission: Permission{CanSubscribe: true}, Sink: &recorder{}})
	if err != nil {
		t.Fatal(err)
	}
	camOnly, _, err := m.Join("r", true, ParticipantParams{Identity: "cam", Permission: Permission{CanPublish: true, PublishSources: []TrackSource{SourceCamera}}, Sink: &recorder{}})
	if err != nil {
		t.Fatal(err)
	}
	layers := []sfu.LayerInfo{{RID: "q"}, {RID: "h"}, {RID: "f"}}
	tests := []struct {
		name string
		p    *Participant
		add  AddTrackParams
		want error
		info TrackInfo // checked when want is nil (SID is ignored)
	}{
		{"audio defaults to microphone", p, AddTrackParams{CID: "a", Kind: KindAudio}, nil,
			TrackInfo{ParticipantSID: p.SID(), ParticipantIdentity: "p", Kind: KindAudio, Source: SourceMicrophone}},
		{"simulcast video", p, AddTrackParams{CID: "v", Kind: KindVideo, Name: "cam", Width: 1280, Height: 720, Layers: layers}, nil,
			TrackInfo{ParticipantSID: p.SID(), ParticipantIdentity: "p", Kind: KindVideo, Source: SourceCamera, Name: "cam", Width: 1280, Height: 720, Simulcast: true, Layers: layers}},
		{"duplicate cid", p, AddTrackParams{CID: "a", Kind: KindAudio}, ErrInvalidArgument, TrackInfo{}},
		{"empty cid", p, AddTrackParams{Kind: KindAudio}, ErrInvalidArgument, TrackInfo{}},
		{"no kind", p, AddTrackParams{CID: "k"}, ErrInvalidArgument, TrackInfo{}},
		{"audio from a camera", p, AddTrackParams{CID: "x", Kind: KindAudio, Source: SourceCamera}, ErrInvalidArgument, TrackInfo{}},
		{"audio with layers", p, AddTrackParams{CID: "y", Kind: KindAudio, Layers: layers[:1]}, ErrInvalidArgument, TrackInfo{}},
		{"four layers", p, AddTrackParams{CID: "z", Kind: KindVideo, Layers: append(layers, sfu.LayerInfo{})}, ErrInvalidArgument, TrackInfo{}},
		{"no publish grant", viewer, AddTrackParams{CID: "v", Kind: KindVideo}, ErrPermissionDenied, TrackInfo{}},
		{"source not allowed", camOnly, AddTrackParams{CID: "s", Kind: KindVideo, Source: SourceScreenShare}, ErrPermissionDenied, TrackInfo{}},
		{"source allowed", camOnly, AddTrackParams{CID: "c", Kind: KindVideo, Source: SourceCamera}, nil,
			TrackInfo{ParticipantSID: camOnly.SID(), ParticipantIdentity: "cam", Kind: KindVideo, Source: SourceCamera}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := tt.p.AddTrack(tt.add)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.want != nil {
				return
			}
			if info.SID == "" {
				t.Fatal("no track sid")
			}
			info.SID = ""
			if !reflect.DeepEqual(info, tt.info) {
				t.Fatalf("info = %+v\nwant   %+v", info, tt.info)
			}
		})
	}
}

func TestSubscribeErrors(t *testing.T) {
	m := newTestManager(t, DefaultConfig())
	p, _ := join(t, m, "r", "p")
	viewer, _, err := m.Join("r", true, ParticipantParams{Identity: "v", Permission: Permission{}, Sink: &recorder{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Subscribe("TR_nope", sfu.Preferences{}); !errors.Is(err, ErrTrackNotFound) {
		t.Fatalf("subscribe unknown = %v", err)
	}
	if err := viewer.Subscribe("TR_nope", sfu.Preferences{}); !errors.Is(err, ErrPermissionDenied) {
		t.Fatalf("subscribe without grant = %v", err)
	}
	if err := p.Unsubscribe("TR_nope"); !errors.Is(err, ErrTrackNotFound) {
		t.Fatalf("unsubscribe unknown = %v", err)
	}
	// An announced track without media is not subscribable yet.
	info, err := p.AddTrack(AddTrackParams{CID: "a", Kind: KindAudio})
	if err != nil {
		t.Fatal(err)
	}
	if err := viewer.Subscribe(info.SID, sfu.Preferences{}); !errors.Is(err, ErrPermissionDenied) {
		t.Fatalf("viewer subscribe = %v", err)
	}
	q, _ := join(t, m, "r", "q")
	if err := q.Subscribe(info.SID, sfu.Preferences{}); !errors.Is(err, ErrTrackNotFound) {
		t.Fatalf("subscribe to a track without media = %v, want ErrTrackNotFound", err)
	}
}

func TestDataAndUpdates(t *testing.T) {
	m := newTestManager(t, DefaultConfig())
	a, aRec := join(t, m, "r", "a")
	_, bRec := join(t, m, "r", "b")
	_, cRec := join(t, m, "r", "c")

	if err := a.SendData(DataMessage{Topic: "chat", Text: "hi", Destinations: []string{"c", "nobody"}}); err != nil {
		t.Fatal(err)
	}
	ev, ok := cRec.last().(DataEvent)
	if !ok || ev.Text != "hi" || ev.FromIdentity != "a" || ev.FromSID != a.SID() || ev.ID == "" || ev.Time.IsZero() {
		t.Fatalf("c got %#v", cRec.last())
	}
	if _, ok := bRec.last().(DataEvent); ok {
		t.Fatal("b got a message addressed to c")
	}
	if err := a.SendData(DataMessage{Text: string(make([]byte, maxDataLength+1))}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("oversized data = %v", err)
	}

	if err := a.Update(ParticipantUpdate{Attributes: map[string]string{"hand_raised": "1"}}); err != nil {
		t.Fatal(err)
	}
	for name, rec := range map[string]*recorder{"a": aRec, "b": bRec, "c": cRec} {
		u, ok := rec.last().(ParticipantUpdatedEvent)
		if !ok || u.Participant.Attributes["hand_raised"] != "1" || u.Participant.Identity != "a" {
			t.Fatalf("%s got %#v", name, rec.last())
		}
	}
	if err := a.Update(ParticipantUpdate{Attributes: map[string]string{"hand_raised": ""}}); err != nil {
		t.Fatal(err)
	}
	if got := a.Info().Attributes; len(got) != 0 {
		t.Fatalf("attributes after delete = %v", got)
	}
	if err := a.Update(ParticipantUpdate{Attributes: map[string]string{"": "x"}}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("empty key = %v", err)
	}
}

func TestEmptyRoomCloses(t *testing.T) {
	cfg := DefaultConfig()
	cfg.EmptyTimeout = 50 * time.Millisecond
	m := newTestManager(t, cfg)
	p, _ := join(t, m, "r", "a")
	first := p.Room()
	p.Leave(LeaveClientRequest)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := m.Room("r"); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the empty room never closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A join after the close gets a fresh room.
	q, _ := join(t, m, "r", "b")
	if q.Room() == first {
		t.Fatal("joined the closed room")
	}
}

func TestDeleteRoomTellsEveryone(t *testing.T) {
	m := newTestManager(t, DefaultConfig())
	_, aRec := join(t, m, "r", "a")
	_, bRec := join(t, m, "r", "b")
	if err := m.DeleteRoom("r"); err != nil {
		t.Fatal(err)
	}
	for name, rec := range map[string]*recorder{"a": aRec, "b": bRec} {
		if got, ok := rec.last().(LeaveEvent); !ok || got.Reason != LeaveRoomDeleted {
			t.Fatalf("%s was told %#v", name, rec.last())
		}
	}
	if err := m.DeleteRoom("r"); !errors.Is(err, ErrRoomNotFound) {
		t.Fatalf("second delete = %v", err)
	}
	if _, _, err := m.Join("r", false, ParticipantParams{Identity: "c", Sink: &recorder{}}); !errors.Is(err, ErrRoomNotFound) {
		t.Fatalf("join without create = %v", err)
	}
}

func TestValidateRoomName(t *testing.T) {
	for name, ok := range map[string]bool{
		"demo": true, "team-1_standup.v2": true, "": false, "a b": false, "a/b": false,
		"ümlaut": false, string(make([]byte, 129)): false,
	} {
		if err := ValidateRoomName(name); (err == nil) != ok {
			t.Errorf("ValidateRoomName(%q) = %v", name, err)
		}
	}
}
