// Package client is the Go SDK of Parley: join a room on a Parley node,
// publish and receive media, and follow what happens in the room. Tests,
// load bots and embedders use it.
//
//	room, err := client.Connect(ctx, "grpc://127.0.0.1:7890", token)
//	if err != nil {
//		var perr *client.Error // the server refused, e.g. a bad token
//		...
//	}
//	defer room.Leave(context.Background())
//
//	track, _ := webrtc.NewTrackLocalStaticSample(
//		webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "cam", "bot")
//	pub, err := room.PublishTrack(ctx, track, client.TrackOptions{Width: 640, Height: 360})
//	go func() {
//		for range pub.KeyframeRequests() { encoder.ForceKeyframe() }
//	}()
//
//	for ev := range room.Events() {
//		switch ev := ev.(type) {
//		case client.TrackSubscribed:
//			go read(ev.Track.Track()) // *webrtc.TrackRemote
//		case client.DataReceived:
//			fmt.Println(ev.FromIdentity, ev.Text)
//		}
//	}
//
// # Transports
//
// The URL picks the transport: grpc://host:7890 (or a bare host:port) for
// the gRPC Signal.Connect stream; ws://host:7880/signal, wss://..., or
// http(s)://host:7880 (the /signal path is added) for the WebSocket, which
// carries the protobuf JSON mapping of the same messages, one per text
// frame. Everything above the transport is shared.
//
// # Session
//
// The SDK follows the session of signal.proto: JoinRequest first; two
// PeerConnections, the client offering on the publisher one (only once it
// has a track) and answering every offer of the server on the subscriber
// one; trickle ICE both ways, remote candidates held until the remote
// description is set; a Ping every ping_interval, and a disconnect when
// Pongs stop for ping_timeout.
//
// # Networking
//
// ICE servers and the transport policy come from the JoinResponse unless
// overridden (WithICEServers, WithICETransportPolicy); the SDK adds no
// STUN server of its own. mDNS candidates are off. When the server host is
// loopback (127.0.0.1, ::1, localhost), ICE uses loopback interfaces and
// addresses only (WithLoopback to force either way); WithSettingEngine can
// change anything after these defaults.
//
// # Events and state
//
// Room.Events delivers events in order (see its doc for buffering); the
// room view (Participants, RemoteTracks, LocalTracks, Info) is always
// current and safe to read from any goroutine. Server errors are *Error
// values: returned by the call that caused them where a call waits
// (Connect, PublishTrack, WaitForTrack), else delivered as ErrorReceived.
//
// # Shutdown
//
// Every goroutine of a Room is tied to it; Close and Leave return after all
// of them have ended. The Room also tears itself down when the server
// ends the session; Done is closed then and Events ends with Disconnected.
package client
