package server_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/server"
)

// rawClient speaks the signaling protocol over gRPC without the SDK, so a
// test can send what a well-behaved client never would.
type rawClient struct {
	t      *testing.T
	stream pb.Signal_ConnectClient
	recv   chan rawRecv
	cancel context.CancelFunc
}

type rawRecv struct {
	resp *pb.SignalResponse
	err  error
}

func dialRaw(t *testing.T, srv *server.Server) *rawClient {
	t.Helper()
	conn, err := grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	stream, err := pb.NewSignalClient(conn).Connect(ctx)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	c := &rawClient{t: t, stream: stream, recv: make(chan rawRecv, 64), cancel: cancel}
	go func() {
		for {
			resp, err := stream.Recv()
			c.recv <- rawRecv{resp, err}
			if err != nil {
				close(c.recv)
				return
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		for range c.recv { // wait for the reader
		}
		_ = conn.Close()
	})
	return c
}

func (c *rawClient) send(req *pb.SignalRequest) {
	c.t.Helper()
	if err := c.stream.Send(req); err != nil {
		c.t.Fatalf("send %T: %v", req.GetMessage(), err)
	}
}

// next returns the next response that match accepts, skipping others
// (candidates, offers, events), or the stream's error.
func (c *rawClient) next(match func(*pb.SignalResponse) bool) (*pb.SignalResponse, error) {
	c.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case r, ok := <-c.recv:
			if !ok {
				return nil, io.EOF
			}
			if r.err != nil {
				return nil, r.err
			}
			if match(r.resp) {
				return r.resp, nil
			}
		case <-timeout:
			c.t.Fatal("no matching response within 10s")
		}
	}
}

// expectError waits for an ErrorResponse and checks its code.
func (c *rawClient) expectError(code pb.ErrorCode, requestID uint32) *pb.ErrorResponse {
	c.t.Helper()
	resp, err := c.next(func(r *pb.SignalResponse) bool { return r.GetError() != nil })
	if err != nil {
		c.t.Fatalf("waiting for %s: %v", code, err)
	}
	e := resp.GetError()
	if e.GetCode() != code || e.GetRequestId() != requestID || e.GetMessage() == "" {
		c.t.Fatalf("error = %v (request %d) %q, want %v for request %d with a message", e.GetCode(), e.GetRequestId(), e.GetMessage(), code, requestID)
	}
	return e
}

// join sends a join and returns the join response.
func (c *rawClient) join(token string) *pb.JoinResponse {
	c.t.Helper()
	c.send(&pb.SignalRequest{Message: &pb.SignalRequest_Join{Join: &pb.JoinRequest{Token: token}}})
	resp, err := c.next(func(r *pb.SignalResponse) bool { return r.GetJoin() != nil || r.GetError() != nil })
	if err != nil || resp.GetJoin() == nil {
		c.t.Fatalf("join: %v %v", err, resp.GetError())
	}
	return resp.GetJoin()
}

// ping checks the session still answers.
func (c *rawClient) ping() {
	c.t.Helper()
	c.send(&pb.SignalRequest{Message: &pb.SignalRequest_Ping{Ping: &pb.Ping{Timestamp: 42}}})
	resp, err := c.next(func(r *pb.SignalResponse) bool { return r.GetPong() != nil })
	if err != nil || resp.GetPong().GetTimestamp() != 42 {
		c.t.Fatalf("the session no longer answers pings: %v", err)
	}
}

// expectEnd waits for the stream to end.
func (c *rawClient) expectEnd() error {
	c.t.Helper()
	_, err := c.next(func(*pb.SignalResponse) bool { return false })
	if err == nil {
		c.t.Fatal("stream still open")
	}
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}
