package signaling

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/parley-sfu/parley/auth"
	"github.com/parley-sfu/parley/room"
)

// guestTokenRequest is the body of POST /api/guest-token.
type guestTokenRequest struct {
	Room string `json:"room"`
	Name string `json:"name"`
	// Identity is optional; a readable unique one is made from Name.
	Identity string `json:"identity"`
}

type guestTokenResponse struct {
	Token    string `json:"token"`
	Identity string `json:"identity"`
	Room     string `json:"room"`
}

// GuestTokenHandler serves POST /api/guest-token: in dev mode anyone may get
// a join token for an open room, so the web app needs no backend. Outside
// dev mode it answers 403.
func (svc *Service) GuestTokenHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			writeJSONError(w, http.StatusMethodNotAllowed, errors.New("use POST"))
			return
		}
		if !svc.cfg.GuestTokens {
			writeJSONError(w, http.StatusForbidden, ErrGuestTokensDisabled)
			return
		}
		var req guestTokenRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
			writeJSONError(w, http.StatusBadRequest, fmt.Errorf("the body must be JSON like {\"room\":\"demo\",\"name\":\"Alice\"}: %w", err))
			return
		}
		if err := room.ValidateRoomName(req.Room); err != nil {
			writeJSONError(w, http.StatusBadRequest, err)
			return
		}
		if len(req.Name) > 64 || len(req.Identity) > 64 {
			writeJSONError(w, http.StatusBadRequest, errors.New("name and identity are limited to 64 bytes"))
			return
		}
		identity := req.Identity
		if identity == "" {
			identity = guestIdentity(req.Name)
		}
		name := req.Name
		if name == "" {
			name = identity
		}
		secret, _ := svc.opts.Keys.Secret(svc.opts.GuestAPIKey)
		token, err := auth.NewToken(svc.opts.GuestAPIKey, secret, auth.Claims{
			Identity: identity,
			Name:     name,
			Room:     req.Room,
			Grants:   auth.Grants{Join: true, Publish: true, Subscribe: true, PublishData: true},
		}, svc.cfg.GuestTokenTTL)
		if err != nil {
			writeJSONError(w, http.StatusInternalServerError, err)
			return
		}
		writeJSON(w, http.StatusOK, guestTokenResponse{Token: token, Identity: identity, Room: req.Room})
	})
}

// guestIdentity makes a readable identity from a display name plus a
// random suffix, e.g. "alice-k3x9q2".
func guestIdentity(name string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
		}
		if b.Len() >= 24 {
			break
		}
	}
	if b.Len() == 0 {
		b.WriteString("guest")
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var raw [6]byte
	_, _ = rand.Read(raw[:])
	b.WriteByte('-')
	for _, x := range raw {
		b.WriteByte(alphabet[int(x)%len(alphabet)])
	}
	return b.String()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeJSONError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}
