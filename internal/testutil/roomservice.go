package testutil

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	pb "github.com/parley-sfu/parley/proto/parleypb"
)

// RoomService dials the gRPC address addr (a node's GRPCAddr) and returns
// a RoomService client; the connection closes when the test ends.
func RoomService(t testing.TB, addr string) pb.RoomServiceClient {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return pb.NewRoomServiceClient(conn)
}

// WithToken returns ctx carrying token as the bearer credentials of the
// gRPC calls made with it.
func WithToken(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}
