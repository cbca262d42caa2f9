package auth_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/parley-sfu/parley/auth"
)

// Minting from `parley token` flags maps one flag to one field:
// --identity, --name, --room, --publish, --subscribe, --publish-data,
// --admin (RoomAdmin), --create (RoomCreate), --ttl.
func Example() {
	tok, err := auth.NewToken("devkey", "devsecret", auth.Claims{
		Identity: "alice",
		Name:     "Alice",
		Room:     "standup",
		Grants:   auth.Grants{Join: true, Publish: true, Subscribe: true, PublishData: true},
	}, time.Hour)
	if err != nil {
		panic(err)
	}

	v := auth.NewVerifier(auth.KeySet{"devkey": "devsecret"}, auth.DefaultConfig())
	c, err := v.Verify(tok)
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Identity, c.Name, c.APIKey)
	fmt.Println(c.CanJoin("standup"))
	fmt.Println(errors.Is(c.CanJoin("other"), auth.ErrPermissionDenied))
	fmt.Println(c.CanCreate())

	_, err = v.Verify(tok + "x")
	fmt.Println(errors.Is(err, auth.ErrBadSignature), errors.Is(err, auth.ErrInvalidToken))
	// Output:
	// alice Alice devkey
	// <nil>
	// true
	// auth: permission denied: missing grant: roomCreate
	// true true
}
