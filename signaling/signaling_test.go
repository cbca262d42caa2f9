package signaling

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/parley-sfu/parley/auth"
	pb "github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/room"
	"github.com/parley-sfu/parley/sfu"
)

func TestErrorCode(t *testing.T) {
	tests := []struct {
		err  error
		code pb.ErrorCode
		grpc codes.Code
	}{
		{fmt.Errorf("%w: %w", ErrUnauthenticated, auth.ErrExpired), pb.ErrorCode_ERROR_CODE_UNAUTHENTICATED, codes.Unauthenticated},
		{fmt.Errorf("x: %w", room.ErrPermissionDenied), pb.ErrorCode_ERROR_CODE_PERMISSION_DENIED, codes.PermissionDenied},
		{room.ErrTrackNotFound, pb.ErrorCode_ERROR_CODE_NOT_FOUND, codes.NotFound},
		{fmt.Errorf("%w: bad", sfu.ErrInvalidSDP), pb.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, codes.InvalidArgument},
		{room.ErrRoomFull, pb.ErrorCode_ERROR_CODE_LIMIT_EXCEEDED, codes.ResourceExhausted},
		{ErrMessageTooLarge, pb.ErrorCode_ERROR_CODE_MESSAGE_TOO_LARGE, codes.ResourceExhausted},
		{ErrUnsupportedMessage, pb.ErrorCode_ERROR_CODE_UNSUPPORTED_MESSAGE, codes.InvalidArgument},
		{room.ErrParticipantClosed, pb.ErrorCode_ERROR_CODE_FAILED_PRECONDITION, codes.FailedPrecondition},
		{sfu.ErrAlreadySubscribed, pb.ErrorCode_ERROR_CODE_ALREADY_EXISTS, codes.AlreadyExists},
		{errors.New("disk on fire"), pb.ErrorCode_ERROR_CODE_INTERNAL, codes.Internal},
	}
	for _, tt := range tests {
		if got := errorCode(tt.err); got != tt.code {
			t.Errorf("errorCode(%v) = %v, want %v", tt.err, got, tt.code)
		}
		if got := grpcCode(tt.err); got != tt.grpc {
			t.Errorf("grpcCode(%v) = %v, want %v", tt.err, got, tt.grpc)
		}
	}
	if got := clientMessage(errors.New("disk on fire at /var/secret")); strings.Contains(got, "secret") {
		t.Errorf("internal error leaked to the client: %q", got)
	}
}

func TestOutQueue(t *testing.T) {
	q := newOutQueue(3)
	q.Send(room.ParticipantLeftEvent{Identity: "a"})
	q.respond(&pb.SignalResponse{RequestId: 1})
	q.Send(room.ParticipantLeftEvent{Identity: "b"})
	items, _, overflowed, err := q.take(context.Background(), nil)
	if err != nil || overflowed || len(items) != 3 {
		t.Fatalf("take = %d items, %v, %v", len(items), overflowed, err)
	}
	if items[0].event.(room.ParticipantLeftEvent).Identity != "a" || items[1].resp.GetRequestId() != 1 || items[2].event.(room.ParticipantLeftEvent).Identity != "b" {
		t.Fatalf("order lost: %+v", items)
	}

	// Past the limit the queue reports overflow instead of growing.
	for i := 0; i < 4; i++ {
		q.Send(room.ParticipantLeftEvent{})
	}
	if _, _, overflowed, _ := q.take(context.Background(), nil); !overflowed {
		t.Fatal("no overflow after 4 items in a queue of 3")
	}

	// take waits for an item and gives up with its context.
	empty := newOutQueue(3)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, _, _, err := empty.take(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("take on an empty queue = %v", err)
	}
}

func TestLayerQuality(t *testing.T) {
	want := map[[2]int]pb.VideoQuality{
		{0, 1}: pb.VideoQuality_VIDEO_QUALITY_HIGH,
		{0, 2}: pb.VideoQuality_VIDEO_QUALITY_MEDIUM, {1, 2}: pb.VideoQuality_VIDEO_QUALITY_HIGH,
		{0, 3}: pb.VideoQuality_VIDEO_QUALITY_LOW, {1, 3}: pb.VideoQuality_VIDEO_QUALITY_MEDIUM, {2, 3}: pb.VideoQuality_VIDEO_QUALITY_HIGH,
		{3, 3}: pb.VideoQuality_VIDEO_QUALITY_OFF, {0, 4}: pb.VideoQuality_VIDEO_QUALITY_OFF,
	}
	for in, q := range want {
		if got := layerQuality(in[0], in[1]); got != q {
			t.Errorf("layerQuality(%d, %d) = %v, want %v", in[0], in[1], got, q)
		}
	}
}

func newGuestService(t *testing.T, guests bool) *Service {
	t.Helper()
	cfg := DefaultConfig()
	cfg.GuestTokens = guests
	// The guest endpoint never touches rooms; a manager without an engine
	// is enough for it.
	svc, err := NewService(cfg, Options{
		Rooms:       room.NewManager(room.DefaultConfig(), nil, nil),
		Keys:        auth.KeySet{"devkey": "devsecret"},
		GuestAPIKey: "devkey",
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestGuestToken(t *testing.T) {
	svc := newGuestService(t, true)
	post := func(body string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		svc.GuestTokenHandler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/guest-token", strings.NewReader(body)))
		return w
	}

	w := post(`{"room":"demo","name":"Ada Lovelace"}`)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var resp guestTokenResponse
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(resp.Identity, "adalovelace-") || resp.Room != "demo" {
		t.Fatalf("response %+v", resp)
	}
	claims, err := svc.verifier.Verify(resp.Token)
	if err != nil {
		t.Fatalf("the server rejects its own guest token: %v", err)
	}
	want := auth.Grants{Join: true, Publish: true, Subscribe: true, PublishData: true}
	if claims.Room != "demo" || claims.Name != "Ada Lovelace" || claims.Identity != resp.Identity ||
		fmt.Sprint(claims.Grants) != fmt.Sprint(want) {
		t.Fatalf("claims %+v", claims)
	}
	if w := post(`{"room":"demo","identity":"alice"}`); !strings.Contains(w.Body.String(), `"identity":"alice"`) {
		t.Fatalf("chosen identity ignored: %s", w.Body)
	}

	for _, tc := range []struct {
		body   string
		status int
	}{
		{`{"room":"bad room"}`, http.StatusBadRequest},
		{`{"room":""}`, http.StatusBadRequest},
		{`not json`, http.StatusBadRequest},
		{`{"room":"demo","name":"` + strings.Repeat("x", 65) + `"}`, http.StatusBadRequest},
	} {
		if w := post(tc.body); w.Code != tc.status || !strings.Contains(w.Body.String(), `"error"`) {
			t.Errorf("%s: status %d body %s", tc.body, w.Code, w.Body)
		}
	}

	w = httptest.NewRecorder()
	svc.GuestTokenHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/guest-token", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d", w.Code)
	}

	off := newGuestService(t, false)
	w = httptest.NewRecorder()
	off.GuestTokenHandler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/guest-token", strings.NewReader(`{"room":"demo"}`)))
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "disabled") {
		t.Errorf("disabled: status %d body %s", w.Code, w.Body)
	}
}
