package signaling

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// transport carries one session's messages. Recv and Send are each called
// from one goroutine only (the session's reader and writer).
type transport interface {
	// Recv returns the next request. ErrMessageTooLarge and
	// ErrMalformedMessage concern only that message: the session goes on.
	// Any other error ends the session.
	Recv() (*parleypb.SignalRequest, error)
	Send(*parleypb.SignalResponse) error
	// Close ends the connection after the last Send; reason is for logs
	// and, where the transport has one, the close frame.
	Close(reason string)
	// Abort drops the connection at once, unblocking a Send stuck on a
	// dead peer, where the transport can.
	Abort()
	// Context ends when the peer is gone.
	Context() context.Context
}

// grpcTransport adapts the Signal.Connect stream.
type grpcTransport struct {
	stream  parleypb.Signal_ConnectServer
	maxSize int
}

func (t *grpcTransport) Recv() (*parleypb.SignalRequest, error) {
	req, err := t.stream.Recv()
	if err != nil {
		return nil, err
	}
	if size := proto.Size(req); size > t.maxSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrMessageTooLarge, size, t.maxSize)
	}
	return req, nil
}

func (t *grpcTransport) Send(resp *parleypb.SignalResponse) error { return t.stream.Send(resp) }

// Close is a no-op: the stream ends when the handler returns.
func (t *grpcTransport) Close(string) {}

// Abort is a no-op: a server stream cannot be cut from inside its
// handler; gRPC keepalives end a dead one.
func (t *grpcTransport) Abort() {}

func (t *grpcTransport) Context() context.Context { return t.stream.Context() }

// wsTransport carries the protobuf JSON mapping in text frames (and, for
// non-browser clients, binary protobuf in binary frames).
type wsTransport struct {
	conn    *websocket.Conn
	ctx     context.Context
	maxSize int
	binary  atomic.Bool // the client spoke binary: answer in kind
}

func (t *wsTransport) Recv() (*parleypb.SignalRequest, error) {
	typ, data, err := t.conn.Read(t.ctx)
	if err != nil {
		return nil, err
	}
	if len(data) > t.maxSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrMessageTooLarge, len(data), t.maxSize)
	}
	req := &parleypb.SignalRequest{}
	if typ == websocket.MessageBinary {
		t.binary.Store(true)
		err = proto.Unmarshal(data, req)
	} else {
		err = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(data, req)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedMessage, err)
	}
	return req, nil
}

func (t *wsTransport) Send(resp *parleypb.SignalResponse) error {
	if t.binary.Load() {
		data, err := proto.Marshal(resp)
		if err != nil {
			return err
		}
		return t.conn.Write(t.ctx, websocket.MessageBinary, data)
	}
	data, err := protojson.Marshal(resp)
	if err != nil {
		return err
	}
	return t.conn.Write(t.ctx, websocket.MessageText, data)
}

func (t *wsTransport) Close(reason string) {
	if len(reason) > 120 { // a close frame's reason must fit in 123 bytes
		reason = reason[:120]
	}
	err := t.conn.Close(websocket.StatusNormalClosure, reason)
	if err != nil && !errors.Is(err, context.Canceled) {
		_ = t.conn.CloseNow()
	}
}

func (t *wsTransport) Abort() { _ = t.conn.CloseNow() }

func (t *wsTransport) Context() context.Context { return t.ctx }
