package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/parley-sfu/parley/auth"
	pb "github.com/parley-sfu/parley/proto/parleypb"
)

func runRoom(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: parley room list | create NAME | delete NAME [--url host:7890]")
	}
	verb := args[0]
	fs := newFlags("room "+verb, stderr)
	var creds credentials
	creds.register(fs)
	url := fs.String("url", "127.0.0.1:7890", "gRPC address of a Parley node")
	emptyTimeout := fs.Duration("empty-timeout", 0, "create: how long the room lives empty (default: server's)")
	maxParticipants := fs.Uint("max-participants", 0, "create: participant limit (default: server's)")
	// The room name may come before the flags: parley room create demo --url x.
	rest, name := args[1:], ""
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		name, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if name == "" {
		name = fs.Arg(0)
	}
	if err := creds.resolve(); err != nil {
		return err
	}
	token, err := auth.NewToken(creds.key, creds.secret, auth.Claims{
		Identity: "parley-cli", Grants: auth.Grants{RoomCreate: true, RoomAdmin: true},
	}, time.Minute)
	if err != nil {
		return err
	}
	conn, err := grpc.NewClient(*url, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	rs := pb.NewRoomServiceClient(conn)
	ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token), 10*time.Second)
	defer cancel()

	switch verb {
	case "list":
		resp, err := rs.ListRooms(ctx, &pb.ListRoomsRequest{})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSID\tPARTICIPANTS\tPUBLISHERS\tCREATED")
		for _, r := range resp.GetRooms() {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", r.GetName(), r.GetSid(), r.GetNumParticipants(), r.GetNumPublishers(),
				time.UnixMilli(r.GetCreationTime()).Format(time.RFC3339))
		}
		return tw.Flush()
	case "create":
		if name == "" {
			return errors.New("usage: parley room create NAME")
		}
		r, err := rs.CreateRoom(ctx, &pb.CreateRoomRequest{Name: name, EmptyTimeout: uint32(emptyTimeout.Seconds()), MaxParticipants: uint32(*maxParticipants)})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "room %s (%s) ready\n", r.GetName(), r.GetSid())
		return nil
	case "delete":
		if name == "" {
			return errors.New("usage: parley room delete NAME")
		}
		if _, err := rs.DeleteRoom(ctx, &pb.DeleteRoomRequest{Room: name}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "room %s deleted\n", name)
		return nil
	}
	return fmt.Errorf("unknown room command %q: use list, create or delete", verb)
}
