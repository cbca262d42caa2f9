package loadtest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/parley-sfu/parley/auth"
	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/proto/parleypb"
)

const (
	preflightTimeout = 10 * time.Second
	// roomEmptyTimeout lets the test's rooms go soon after it.
	roomEmptyTimeout = 30 * time.Second
)

// prepareRooms creates the test's rooms through RoomService on every
// server the bots join over gRPC (the publishers' first), so that a room
// may hold all its bots (the server's default limit is 100 participants);
// creating a room that exists, here or elsewhere in a cluster, keeps it.
// It is also the first contact with the servers: an unreachable server or
// rejected credentials end the run here. Over WebSocket there is no
// RoomService; the first bot's join is the first contact.
func (r *runner) prepareRooms(ctx context.Context) error {
	for _, u := range r.serverURLs() {
		if err := r.createRooms(ctx, u); err != nil {
			return err
		}
	}
	return nil
}

// serverURLs lists the servers the bots join, in join order, once each.
func (r *runner) serverURLs() []string {
	var urls []string
	for _, b := range r.bots {
		if !slices.Contains(urls, b.spec.URL) {
			urls = append(urls, b.spec.URL)
		}
	}
	return urls
}

// createRooms creates the rooms on the server at serverURL when it is a
// gRPC URL.
func (r *runner) createRooms(ctx context.Context, serverURL string) error {
	target, secure, ok := grpcTarget(serverURL)
	if !ok {
		return nil
	}
	token, err := auth.NewToken(r.cfg.APIKey, r.cfg.APISecret, auth.Claims{
		Identity: "parley-loadtest", Grants: auth.Grants{RoomCreate: true},
	}, time.Hour)
	if err != nil {
		return err
	}
	creds := insecure.NewCredentials()
	if secure {
		creds = credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(creds))
	if err != nil {
		return fmt.Errorf("%w at %s: %v", ErrUnreachable, serverURL, err)
	}
	defer conn.Close()
	rs := parleypb.NewRoomServiceClient(conn)
	ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token), preflightTimeout)
	defer cancel()
	created := map[string]bool{}
	for _, b := range r.bots {
		if created[b.spec.RoomName] {
			continue
		}
		created[b.spec.RoomName] = true
		_, err := rs.CreateRoom(ctx, &parleypb.CreateRoomRequest{
			Name:            b.spec.RoomName,
			EmptyTimeout:    uint32(roomEmptyTimeout.Seconds()),
			MaxParticipants: uint32(r.cfg.botsPerRoom()),
		})
		if err != nil {
			return classify(serverURL, err)
		}
	}
	return nil
}

// grpcTarget returns the host:port of a gRPC URL (grpc://, grpcs:// or a
// bare host:port), false for WebSocket URLs.
func grpcTarget(raw string) (target string, secure, ok bool) {
	if !strings.Contains(raw, "://") {
		return raw, false, true
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false, false
	}
	switch u.Scheme {
	case "grpc":
		return u.Host, false, true
	case "grpcs":
		return u.Host, true, true
	}
	return "", false, false
}

// classify turns the error of the first contact with the server into
// ErrRejected (credentials refused) or ErrUnreachable (nothing answers).
func classify(serverURL string, err error) error {
	var perr *client.Error
	if errors.As(err, &perr) {
		switch perr.Code {
		case parleypb.ErrorCode_ERROR_CODE_UNAUTHENTICATED, parleypb.ErrorCode_ERROR_CODE_PERMISSION_DENIED:
			return fmt.Errorf("%w: %v (check --api-key and --api-secret)", ErrRejected, err)
		}
		return fmt.Errorf("loadtest: the first bot could not join %s: %w", serverURL, err)
	}
	if st, ok := status.FromError(err); ok {
		switch st.Code() {
		case codes.Unauthenticated, codes.PermissionDenied:
			return fmt.Errorf("%w: %s (check --api-key and --api-secret)", ErrRejected, st.Message())
		case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
			return fmt.Errorf("%w at %s: %s", ErrUnreachable, serverURL, st.Message())
		}
		return fmt.Errorf("loadtest: %s refused to create the test rooms: %w", serverURL, err)
	}
	return fmt.Errorf("%w at %s: %v", ErrUnreachable, serverURL, err)
}
