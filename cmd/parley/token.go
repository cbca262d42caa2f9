package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/parley-sfu/parley/auth"
	"github.com/parley-sfu/parley/server"
)

// credentials are the API key and secret a command signs with.
type credentials struct{ key, secret string }

func (c *credentials) register(fs interface {
	StringVar(*string, string, string, string)
}) {
	fs.StringVar(&c.key, "api-key", "", "API key (env PARLEY_API_KEY; default the dev key "+server.DevAPIKey+")")
	fs.StringVar(&c.secret, "api-secret", "", "API secret (env PARLEY_API_SECRET; default the dev secret)")
}

// resolve fills unset values from the environment, then the dev defaults.
func (c *credentials) resolve() error {
	if c.key == "" {
		c.key = os.Getenv("PARLEY_API_KEY")
	}
	if c.secret == "" {
		c.secret = os.Getenv("PARLEY_API_SECRET")
	}
	if c.key == "" && c.secret == "" {
		c.key, c.secret = server.DevAPIKey, server.DevAPISecret
	}
	if c.key == "" || c.secret == "" {
		return errors.New("give both --api-key and --api-secret (or PARLEY_API_KEY and PARLEY_API_SECRET)")
	}
	return nil
}

func runToken(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: parley token create --room R --identity I [--publish] [--subscribe] [--ttl 1h] (see -h)")
	}
	fs := newFlags("token create", stderr)
	var creds credentials
	creds.register(fs)
	roomName := fs.String("room", "", "room the token is for (empty only for admin tokens)")
	identity := fs.String("identity", "", "participant identity, unique in the room")
	name := fs.String("name", "", "display name")
	metadata := fs.String("metadata", "", "application metadata")
	join := fs.Bool("join", true, "grant: join the room")
	publish := fs.Bool("publish", false, "grant: publish tracks")
	subscribe := fs.Bool("subscribe", false, "grant: subscribe to tracks")
	publishData := fs.Bool("publish-data", false, "grant: send chat and data")
	admin := fs.Bool("admin", false, "grant: administer the room (RoomService)")
	create := fs.Bool("create", false, "grant: create, list and delete rooms")
	sources := fs.String("sources", "", "comma-separated sources publish is limited to: camera, microphone, screenShare, screenShareAudio")
	ttl := fs.Duration("ttl", time.Hour, "lifetime of the token")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if err := creds.resolve(); err != nil {
		return err
	}
	if *identity == "" && (*join || *publish || *subscribe) {
		return errors.New("--identity is required for a participant token")
	}
	if *roomName == "" && *join {
		return errors.New("--room is required for a token that joins (or pass --join=false for an admin token)")
	}
	g := auth.Grants{Join: *join, Publish: *publish, Subscribe: *subscribe, PublishData: *publishData, RoomAdmin: *admin, RoomCreate: *create}
	for _, s := range splitList(*sources) {
		src := auth.Source(strings.TrimSpace(s))
		if !src.Valid() {
			return fmt.Errorf("unknown source %q", s)
		}
		g.PublishSources = append(g.PublishSources, src)
	}
	token, err := auth.NewToken(creds.key, creds.secret, auth.Claims{
		Identity: *identity, Name: *name, Metadata: *metadata, Room: *roomName, Grants: g,
	}, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}
