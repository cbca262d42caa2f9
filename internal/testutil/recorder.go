package testutil

import (
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/parley-sfu/parley/client"
)

// Participant is an SDK client under test: its events are recorded and the
// media of every subscribed track is read and checked.
type Participant struct {
	Identity string
	Room     *client.Room

	mu     sync.Mutex
	events []client.Event
	recv   map[string]*ReceiveStats // by track sid
	wg     sync.WaitGroup
}

// Watch starts recording room's events and reading its subscribed tracks.
// The reader goroutines end when the room closes; Wait waits for them.
func Watch(identity string, room *client.Room) *Participant {
	p := &Participant{Identity: identity, Room: room, recv: map[string]*ReceiveStats{}}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for ev := range room.Events() {
			p.mu.Lock()
			p.events = append(p.events, ev)
			if sub, ok := ev.(client.TrackSubscribed); ok {
				stats := &ReceiveStats{}
				p.recv[sub.Track.Sid()] = stats
				p.wg.Add(1)
				go func() {
					defer p.wg.Done()
					ReadSynthetic(sub.Track.Track(), &p.mu, stats)
				}()
			}
			p.mu.Unlock()
		}
	}()
	return p
}

// Wait waits for the event and reader goroutines after the room closed.
func (p *Participant) Wait() { p.wg.Wait() }

// Received returns a copy of the receive stats of a track.
func (p *Participant) Received(trackSid string) ReceiveStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.recv[trackSid]; ok {
		out := *s
		out.Tags = maps.Clone(s.Tags)
		return out
	}
	return ReceiveStats{}
}

// Find returns the first recorded event that matches.
func (p *Participant) Find(match func(client.Event) bool) (client.Event, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ev := range p.events {
		if match(ev) {
			return ev, true
		}
	}
	return nil, false
}

// WaitEvent waits until an event matching match was recorded.
func (p *Participant) WaitEvent(t testing.TB, timeout time.Duration, what string, match func(client.Event) bool) client.Event {
	t.Helper()
	var found client.Event
	Eventually(t, timeout, func() bool {
		ev, ok := p.Find(match)
		found = ev
		return ok
	}, "%s never saw %s; events: %s", p.Identity, what, p.DescribeEvents())
	return found
}

// DescribeEvents lists the recorded event types, for failure messages.
func (p *Participant) DescribeEvents() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := ""
	for _, ev := range p.events {
		s += fmt.Sprintf("%T ", ev)
	}
	return s
}
