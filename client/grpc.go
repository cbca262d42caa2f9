package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// grpcTransport is the Signal.Connect bidirectional stream.
type grpcTransport struct {
	cc     *grpc.ClientConn
	stream grpc.BidiStreamingClient[parleypb.SignalRequest, parleypb.SignalResponse]
	cancel context.CancelFunc
	once   sync.Once
}

func dialGRPC(ctx context.Context, ep endpoint, cfg *config) (*grpcTransport, error) {
	creds := insecure.NewCredentials()
	if ep.tls {
		creds = credentials.NewTLS(cfg.tlsConfig)
	}
	cc, err := grpc.NewClient(ep.addr,
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageSize), grpc.MaxCallSendMsgSize(maxMessageSize)),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	sctx, cancel := context.WithCancel(ctx)
	stream, err := parleypb.NewSignalClient(cc).Connect(sctx)
	if err != nil {
		cancel()
		_ = cc.Close()
		return nil, fmt.Errorf("open signal stream to %s: %w", ep.addr, grpcError(err))
	}
	return &grpcTransport{cc: cc, stream: stream, cancel: cancel}, nil
}

func (t *grpcTransport) Send(req *parleypb.SignalRequest) error {
	if err := t.stream.Send(req); err != nil {
		if errors.Is(err, io.EOF) {
			// The server ended the stream; Recv has the real status.
			return ErrConnectionLost
		}
		return grpcError(err)
	}
	return nil
}

func (t *grpcTransport) Recv() (*parleypb.SignalResponse, error) {
	resp, err := t.stream.Recv()
	if err != nil {
		return nil, grpcError(err)
	}
	return resp, nil
}

func (t *grpcTransport) Close() error {
	t.once.Do(func() {
		// Cancelling ends the stream (RST_STREAM). CloseSend is not used:
		// it must not run concurrently with the writer's Send.
		t.cancel()
		_ = t.cc.Close()
	})
	return nil
}

func grpcError(err error) error {
	if errors.Is(err, io.EOF) {
		return ErrConnectionLost
	}
	if s, ok := status.FromError(err); ok && s.Code() != codes.Unknown {
		return fmt.Errorf("%w: grpc %s: %s", ErrConnectionLost, s.Code(), s.Message())
	}
	return fmt.Errorf("%w: %v", ErrConnectionLost, err)
}
