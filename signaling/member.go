package signaling

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-sfu/parley/room"
)

// takeoverWait bounds how long a resume waits for the connection it
// replaces to stop writing.
const takeoverWait = time.Second

// member is a participant's signaling state that outlives one connection:
// its event queue, its resume token and the session attached now. A
// client whose connection drops resumes with the token; the new session
// takes the member over and the others see nothing.
//
// Lock order: member.mu, then the room's lock (Participant.Detach and
// Resume), then the registry's.
type member struct {
	token    string
	p        *room.Participant
	identity string
	roomName string
	out      *outQueue
	// offerID numbers the subscriber offers as they are written; an answer
	// carrying another id answers a superseded offer.
	offerID atomic.Uint32

	mu   sync.Mutex
	sess *session // attached session, nil while detached
}

// attach makes s the member's session and returns the one it replaces.
func (m *member) attach(s *session) *session {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.sess
	m.sess = s
	return old
}

// release is called by a session that ends: when it is still the attached
// one, the member is detached and then is run under the member lock, so
// that a resume never interleaves with it.
func (m *member) release(s *session, then func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sess != s {
		return // taken over by a resume
	}
	m.sess = nil
	if then != nil {
		then()
	}
}

// resume attaches s for good: under the member lock, unless yet another
// session took over meanwhile, the participant is resumed.
func (m *member) resume(s *session) (room.JoinInfo, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sess != s {
		return room.JoinInfo{}, false
	}
	info, err := m.p.Resume(m.out.resumed)
	if err != nil {
		m.sess = nil
		return room.JoinInfo{}, false
	}
	return info, true
}

// registry indexes the members of a service by resume token.
type registry struct {
	mu      sync.Mutex
	byToken map[string]*member
}

func newRegistry() *registry { return &registry{byToken: map[string]*member{}} }

func (r *registry) add(m *member) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byToken[m.token] = m
}

func (r *registry) get(token string) *member {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byToken[token]
}

func (r *registry) remove(m *member) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byToken[m.token] == m {
		delete(r.byToken, m.token)
	}
}

func (r *registry) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byToken)
}

// newResumeToken returns 32 random bytes, base64url: a bearer secret that,
// with a valid token for the same identity and room, resumes a session.
func newResumeToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
