package client

import (
	"context"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// transport carries SignalRequests and SignalResponses over one stream.
// Send is called from one goroutine at a time (the handshake, then the
// writer), Recv from one goroutine at a time (the handshake, then the
// reader). Close may be called at any time, more than once, and unblocks
// Send and Recv.
type transport interface {
	Send(*parleypb.SignalRequest) error
	Recv() (*parleypb.SignalResponse, error)
	Close() error
}

// dial opens the stream to ep. The stream lives until ctx is done or Close
// is called.
func dial(ctx context.Context, ep endpoint, cfg *config) (transport, error) {
	switch ep.kind {
	case transportGRPC:
		return dialGRPC(ctx, ep, cfg)
	case transportWebSocket:
		return dialWebSocket(ctx, ep, cfg)
	}
	return nil, ErrInvalidURL
}
