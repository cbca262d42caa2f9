package client_test

import (
	"context"
	"errors"
	"log"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/proto/parleypb"
)

// A bot that publishes a camera, answers keyframe requests and counts the
// packets of every track it receives.
func Example() {
	ctx := context.Background()
	room, err := client.Connect(ctx, "grpc://127.0.0.1:7890", "<token>", client.WithClientInfo("loadtest", "1"))
	var perr *client.Error
	if errors.As(err, &perr) && perr.Code == parleypb.ErrorCode_ERROR_CODE_UNAUTHENTICATED {
		log.Fatal("bad token: ", perr.Message)
	}
	if err != nil {
		log.Fatal(err)
	}
	defer room.Leave(ctx)

	cam, _ := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "cam", "bot")
	pub, err := room.PublishTrack(ctx, cam, client.TrackOptions{Width: 640, Height: 360})
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		tick := time.NewTicker(33 * time.Millisecond)
		defer tick.Stop()
		for range tick.C {
			select {
			case <-pub.KeyframeRequests():
				// the next frame must be a keyframe
			default:
			}
			if cam.WriteSample(media.Sample{Data: []byte{ /* a VP8 frame */ }, Duration: 33 * time.Millisecond}) != nil {
				return
			}
		}
	}()

	for ev := range room.Events() {
		switch ev := ev.(type) {
		case client.TrackSubscribed:
			go func(t *client.RemoteTrack) {
				n := 0
				for {
					if _, _, err := t.Track().ReadRTP(); err != nil {
						log.Printf("%s from %s: %d packets", t.Sid(), t.ParticipantIdentity(), n)
						return
					}
					n++
				}
			}(ev.Track)
		case client.DataReceived:
			log.Printf("%s: %s", ev.FromName, ev.Text)
		case client.Disconnected:
			log.Printf("left: %v %v", ev.Reason, ev.Err)
		}
	}
}
