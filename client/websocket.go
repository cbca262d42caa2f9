package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// wsTransport is the WebSocket at /signal: one protobuf-JSON message per
// text frame.
type wsTransport struct {
	conn   *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc
	client *http.Client
	once   sync.Once
}

func dialWebSocket(ctx context.Context, ep endpoint, cfg *config) (*wsTransport, error) {
	// A client of our own: its idle connections (after a refused upgrade)
	// are closed with the Room instead of outliving it in a shared pool.
	hc := &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyFromEnvironment,
		TLSClientConfig: cfg.tlsConfig,
	}}
	conn, resp, err := websocket.Dial(ctx, ep.addr, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		hc.CloseIdleConnections()
		if resp != nil {
			return nil, fmt.Errorf("%w: websocket %s: HTTP %s", ErrConnectionLost, ep.addr, resp.Status)
		}
		return nil, fmt.Errorf("%w: websocket %s: %v", ErrConnectionLost, ep.addr, err)
	}
	conn.SetReadLimit(maxMessageSize)
	tctx, cancel := context.WithCancel(ctx)
	return &wsTransport{conn: conn, ctx: tctx, cancel: cancel, client: hc}, nil
}

func (t *wsTransport) Send(req *parleypb.SignalRequest) error {
	b, err := protojson.Marshal(req)
	if err != nil {
		return fmt.Errorf("client: encode request: %w", err)
	}
	if err := t.conn.Write(t.ctx, websocket.MessageText, b); err != nil {
		return wsError(err)
	}
	return nil
}

func (t *wsTransport) Recv() (*parleypb.SignalResponse, error) {
	typ, b, err := t.conn.Read(t.ctx)
	if err != nil {
		return nil, wsError(err)
	}
	if typ != websocket.MessageText {
		return nil, fmt.Errorf("%w: binary WebSocket frame", ErrProtocol)
	}
	resp := &parleypb.SignalResponse{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, resp); err != nil {
		return nil, fmt.Errorf("%w: decode response: %v", ErrProtocol, err)
	}
	return resp, nil
}

func (t *wsTransport) Close() error {
	t.once.Do(func() {
		// No close handshake: by now the Room's context has ended the read,
		// which closes the connection in coder/websocket anyway, and a
		// handshake with a dead peer would block for seconds. After Leave
		// the server has closed first and the library answered its frame.
		t.cancel()
		_ = t.conn.CloseNow()
		t.client.CloseIdleConnections()
	})
	return nil
}

func wsError(err error) error {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return fmt.Errorf("%w: websocket closed (%d %s)", ErrConnectionLost, ce.Code, ce.Reason)
	}
	return fmt.Errorf("%w: %v", ErrConnectionLost, err)
}
