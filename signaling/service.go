package signaling

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/parley-sfu/parley/auth"
	pb "github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/room"
)

// Options are the collaborators of a [Service].
type Options struct {
	Rooms *room.Manager
	// Keys verify tokens (API key -> secret).
	Keys auth.KeyProvider
	// GuestAPIKey signs guest tokens (its secret comes from Keys); required
	// when Config.GuestTokens is set.
	GuestAPIKey string
	Logger      *slog.Logger
	Version     string
	NodeID      string
	// ICEServers, when set, returns extra ICE servers for one participant
	// (e.g. the embedded TURN server with credentials minted for it).
	ICEServers func(identity string) []ICEServer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service serves the signaling protocol over gRPC and WebSocket, the
// RoomService and the guest-token endpoint.
type Service struct {
	pb.UnimplementedSignalServer
	cfg      Config
	opts     Options
	verifier *auth.Verifier
	log      *slog.Logger
	members  *registry

	sessions sync.WaitGroup
}

// NewService returns a Service for the rooms of opts.Rooms.
func NewService(cfg Config, opts Options) (*Service, error) {
	if opts.Rooms == nil || opts.Keys == nil {
		return nil, errors.New("signaling: Options.Rooms and Options.Keys are required")
	}
	if cfg.GuestTokens {
		if _, ok := opts.Keys.Secret(opts.GuestAPIKey); !ok {
			return nil, fmt.Errorf("signaling: guest tokens need a known GuestAPIKey, %q is not", opts.GuestAPIKey)
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{
		cfg:      cfg,
		opts:     opts,
		verifier: auth.NewVerifier(opts.Keys, auth.Config{Leeway: 30 * time.Second, Now: opts.Now}),
		log:      opts.Logger.With("component", "signaling"),
		members:  newRegistry(),
	}, nil
}

func (svc *Service) now() time.Time { return svc.opts.Now() }

// Connect serves one gRPC signaling stream.
func (svc *Service) Connect(stream pb.Signal_ConnectServer) error {
	svc.sessions.Add(1)
	defer svc.sessions.Done()
	s := svc.newSession(&grpcTransport{stream: stream, maxSize: svc.cfg.MaxMessageSize}, "grpc")
	// Errors were told in-band (ErrorResponse, LeaveResponse): the stream
	// just ends.
	_ = s.run()
	return nil
}

// ServeHTTP serves the WebSocket transport (mount it at /signal).
func (svc *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: svc.cfg.AllowedOrigins})
	if err != nil {
		svc.log.Info("websocket upgrade failed", "err", err, "remote", r.RemoteAddr)
		return // Accept already wrote the HTTP error
	}
	conn.SetReadLimit(int64(4 * svc.cfg.MaxMessageSize))
	svc.sessions.Add(1)
	defer svc.sessions.Done()
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	s := svc.newSession(&wsTransport{conn: conn, ctx: ctx, maxSize: svc.cfg.MaxMessageSize}, "websocket")
	_ = s.run()
	_ = conn.CloseNow()
}

// Wait blocks until every session ended or ctx is done. Call it after the
// room manager was closed (which tells every participant to leave).
func (svc *Service) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { svc.sessions.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// join verifies the token and joins the room it names, or resumes the
// session its resume token names. A resume token that no longer resumes
// anything (the grace period passed, the participant was removed) makes a
// fresh join: JoinResponse.resumed tells the client which happened.
func (svc *Service) join(s *session, req *pb.JoinRequest) (*pb.SignalResponse, error) {
	claims, err := svc.verifier.Verify(req.GetToken())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	if claims.Room == "" {
		return nil, fmt.Errorf("%w: the token names no room", ErrPermissionDenied)
	}
	if want := req.GetRoom(); want != "" && want != claims.Room {
		return nil, fmt.Errorf("%w: the token is for room %q, not %q", ErrPermissionDenied, claims.Room, want)
	}
	if err := claims.CanJoin(claims.Room); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPermissionDenied, err)
	}
	if len(claims.Identity) > 256 {
		return nil, fmt.Errorf("%w: identity is longer than 256 bytes", ErrInvalidRequest)
	}
	if tok := req.GetResumeToken(); tok != "" {
		if info, m, ok := svc.resume(s, claims, tok); ok {
			return svc.joinResponse(info, m, claims, true), nil
		}
		s.log.Info("resume not possible: joining afresh", "identity", claims.Identity)
	}
	autoSubscribe := req.AutoSubscribe == nil || req.GetAutoSubscribe()
	create := svc.opts.Rooms.Config().AutoCreate || claims.Grants.RoomCreate
	m := &member{token: newResumeToken(), identity: claims.Identity, roomName: claims.Room, out: newOutQueue(svc.cfg.SendQueue)}
	m.out.onLeave = func() { svc.members.remove(m) }
	p, info, err := svc.opts.Rooms.Join(claims.Room, create, room.ParticipantParams{
		Identity:      claims.Identity,
		Name:          claims.Name,
		Metadata:      claims.Metadata,
		Permission:    permissionFromClaims(claims),
		AutoSubscribe: autoSubscribe,
		Sink:          m.out,
	})
	if err != nil {
		return nil, err
	}
	m.p = p
	m.attach(s)
	s.attached(m, claims)
	svc.members.add(m)
	return svc.joinResponse(info, m, claims, false), nil
}

// resume takes over the member of tok for s, if tok resumes a participant
// of the same identity and room.
func (svc *Service) resume(s *session, claims *auth.Claims, tok string) (room.JoinInfo, *member, bool) {
	m := svc.members.get(tok)
	if m == nil || m.identity != claims.Identity || m.roomName != claims.Room {
		return room.JoinInfo{}, nil, false
	}
	if old := m.attach(s); old != nil {
		old.takeOver()
	}
	info, ok := m.resume(s)
	if !ok {
		svc.members.remove(m)
		return room.JoinInfo{}, nil, false
	}
	s.attached(m, claims)
	return info, m, true
}

func (svc *Service) joinResponse(info room.JoinInfo, m *member, claims *auth.Claims, resumed bool) *pb.SignalResponse {
	others := make([]*pb.ParticipantInfo, len(info.Others))
	for i, o := range info.Others {
		others[i] = participantToPB(o)
	}
	return &pb.SignalResponse{Message: &pb.SignalResponse_Join{Join: &pb.JoinResponse{
		Room:               roomToPB(info.Room),
		Participant:        participantToPB(info.Self),
		OtherParticipants:  others,
		IceServers:         svc.iceServers(claims.Identity),
		ServerVersion:      svc.opts.Version,
		NodeId:             svc.opts.NodeID,
		PingInterval:       uint32(svc.cfg.PingInterval.Seconds()),
		PingTimeout:        uint32(svc.cfg.PingTimeout.Seconds()),
		ResumeToken:        m.token,
		Resumed:            resumed,
		IceTransportPolicy: svc.cfg.ICETransportPolicy,
	}}}
}

func (svc *Service) iceServers(identity string) []*pb.ICEServer {
	servers := svc.cfg.ICEServers
	if svc.opts.ICEServers != nil {
		servers = append(append([]ICEServer(nil), servers...), svc.opts.ICEServers(identity)...)
	}
	out := make([]*pb.ICEServer, len(servers))
	for i, s := range servers {
		out[i] = &pb.ICEServer{Urls: s.URLs, Username: s.Username, Credential: s.Credential}
	}
	return out
}

func sourceFromAuth(s auth.Source) (room.TrackSource, bool) {
	switch s {
	case auth.SourceCamera:
		return room.SourceCamera, true
	case auth.SourceMicrophone:
		return room.SourceMicrophone, true
	case auth.SourceScreenShare:
		return room.SourceScreenShare, true
	case auth.SourceScreenShareAudio:
		return room.SourceScreenShareAudio, true
	}
	return room.SourceUnknown, false
}

func permissionFromClaims(c *auth.Claims) room.Permission {
	p := room.Permission{
		CanPublish:     c.Grants.Publish,
		CanSubscribe:   c.Grants.Subscribe,
		CanPublishData: c.Grants.PublishData,
	}
	for _, s := range c.Grants.PublishSources {
		if rs, ok := sourceFromAuth(s); ok {
			p.PublishSources = append(p.PublishSources, rs)
		}
	}
	return p
}
