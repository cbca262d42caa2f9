package room

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/parley-sfu/parley/sfu"
)

// RoomOptions are the settings of one room; zero fields take the manager's
// defaults.
type RoomOptions struct {
	EmptyTimeout    time.Duration
	MaxParticipants int
	Metadata        string
}

// Manager owns the rooms of one node.
type Manager struct {
	cfg    Config
	engine *sfu.Engine
	log    *slog.Logger

	mu     sync.Mutex
	rooms  map[string]*Room
	closed bool
	// cluster, when set (SetCluster, before use), spans rooms over nodes.
	cluster Cluster
	// wg tracks the goroutines rooms start (track watchers, removals).
	wg sync.WaitGroup
}

// NewManager returns a manager creating PeerConnections on engine.
func NewManager(cfg Config, engine *sfu.Engine, logger *slog.Logger) *Manager {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Manager{cfg: cfg, engine: engine, log: logger, rooms: map[string]*Room{}}
}

// Config returns the manager's configuration.
func (m *Manager) Config() Config { return m.cfg }

// CreateRoom creates a room, or returns the existing one of that name (its
// options are updated where given).
func (m *Manager) CreateRoom(name string, opts RoomOptions) (*Room, error) {
	if err := ValidateRoomName(name); err != nil {
		return nil, err
	}
	m.mu.Lock()
	r, ok := m.rooms[name]
	if !ok {
		var err error
		r, err = m.createLocked(name, opts)
		m.mu.Unlock()
		if err == nil {
			r.announce()
		}
		return r, err
	}
	m.mu.Unlock()
	// Outside the manager lock: the lock order is room, then manager.
	r.update(opts)
	return r, nil
}

func (m *Manager) createLocked(name string, opts RoomOptions) (*Room, error) {
	if m.closed {
		return nil, ErrRoomClosed
	}
	if m.cfg.MaxRooms > 0 && len(m.rooms) >= m.cfg.MaxRooms {
		return nil, fmt.Errorf("%w: this node hosts %d rooms", ErrTooManyRooms, m.cfg.MaxRooms)
	}
	if opts.EmptyTimeout <= 0 {
		opts.EmptyTimeout = m.cfg.EmptyTimeout
	}
	if opts.MaxParticipants <= 0 {
		opts.MaxParticipants = m.cfg.MaxParticipants
	}
	r := newRoom(m, name, opts)
	m.rooms[name] = r
	m.log.Info("room created", "room", name, "sid", r.sid)
	return r, nil
}

// Room returns the room of that name.
func (m *Manager) Room(name string) (*Room, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[name]
	return r, ok
}

// Rooms returns all rooms, sorted by name.
func (m *Manager) Rooms() []*Room {
	m.mu.Lock()
	out := make([]*Room, 0, len(m.rooms))
	for _, r := range m.rooms {
		out = append(out, r)
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// DeleteRoom closes a room; its participants are told the room was deleted.
func (m *Manager) DeleteRoom(name string) error {
	r, ok := m.Room(name)
	if !ok {
		return fmt.Errorf("%w: %q", ErrRoomNotFound, name)
	}
	r.close(LeaveRoomDeleted)
	return nil
}

// Join adds a participant to the named room. The room is created first when
// it does not exist and create is true (auto-create or a create grant);
// otherwise the call fails with ErrRoomNotFound.
func (m *Manager) Join(name string, create bool, params ParticipantParams) (*Participant, JoinInfo, error) {
	if err := ValidateRoomName(name); err != nil {
		return nil, JoinInfo{}, err
	}
	// A room may close between lookup and join (its empty timeout fired);
	// then the join is retried once on a fresh room.
	for attempt := 0; attempt < 2; attempt++ {
		r, err := m.getOrCreate(name, create)
		if err != nil {
			return nil, JoinInfo{}, err
		}
		p, info, err := r.join(params)
		if errors.Is(err, ErrRoomClosed) {
			continue
		}
		return p, info, err
	}
	return nil, JoinInfo{}, fmt.Errorf("%w: %q closed while joining", ErrRoomClosed, name)
}

func (m *Manager) getOrCreate(name string, create bool) (*Room, error) {
	m.mu.Lock()
	if r, ok := m.rooms[name]; ok {
		m.mu.Unlock()
		return r, nil
	}
	if !create {
		m.mu.Unlock()
		return nil, fmt.Errorf("%w: %q", ErrRoomNotFound, name)
	}
	r, err := m.createLocked(name, RoomOptions{})
	m.mu.Unlock()
	if err == nil {
		r.announce()
	}
	return r, err
}

// forget drops a closed room from the index.
func (m *Manager) forget(r *Room) {
	m.mu.Lock()
	if m.rooms[r.name] == r {
		delete(m.rooms, r.name)
	}
	m.mu.Unlock()
}

// Close closes every room, telling participants the server is shutting
// down, and waits for the rooms' goroutines.
func (m *Manager) Close() {
	m.mu.Lock()
	m.closed = true
	rooms := make([]*Room, 0, len(m.rooms))
	for _, r := range m.rooms {
		rooms = append(rooms, r)
	}
	m.mu.Unlock()
	for _, r := range rooms {
		r.close(LeaveServerShutdown)
	}
	m.wg.Wait()
}

// goTracked runs f in a goroutine the manager waits for on Close. Once the
// manager is closing it does nothing: Close itself removes everyone, and a
// WaitGroup must not grow while Close waits on it.
func (m *Manager) goTracked(f func()) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.wg.Add(1)
	m.mu.Unlock()
	go func() {
		defer m.wg.Done()
		f()
	}()
}

// ValidateRoomName checks a room name: 1-128 characters of letters, digits,
// '-', '_' and '.', so that it is safe in URLs and subjects.
func ValidateRoomName(name string) error {
	if name == "" || len(name) > 128 {
		return fmt.Errorf("%w: room name must have 1 to 128 characters", ErrInvalidArgument)
	}
	for _, c := range name {
		ok := c == '-' || c == '_' || c == '.' ||
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		if !ok {
			return fmt.Errorf("%w: room name %q may only hold letters, digits, '-', '_' and '.'", ErrInvalidArgument, name)
		}
	}
	return nil
}
