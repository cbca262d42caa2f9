// Package sfu is Parley's media plane: publisher and subscriber
// PeerConnections, receivers (up-tracks), down-tracks, the packet cache and
// the forwarding loop.
//
// It knows nothing of rooms, tokens or signaling and imports only pion and
// the standard library.
//
// # Connections
//
// An [Engine] owns what a node shares: one UDP port for every
// PeerConnection (ICE UDP mux), and two pion APIs, because the roles need
// different interceptors. A participant has a [Publisher] (the client
// offers, the SFU answers; NACKs, receiver reports and transport-wide
// feedback go to the client) and a [Subscriber] (the SFU offers and
// renegotiates as tracks come and go; the client answers).
//
// # Forwarding model
//
// A published track is a [TrackSource]. A local one is a [Receiver]: one
// reader goroutine per simulcast layer reads RTP into a pooled buffer,
// parses what the forwarders need once (keyframe, VP8 descriptor, audio
// level), fans the packet out to a copy-on-write snapshot of its down-tracks
// (an atomic.Pointer to a slice) and then parks the buffer in the layer's
// packet cache for retransmissions. There is no mutex, no allocation and no
// goroutine per packet on that path. The fan-out of one packet is a burst
// of writes to the media socket, one per subscriber: on Linux the socket
// queues them in a lock-free ring of preallocated slots and sends them with
// a few sendmmsg calls when the burst ends (sendbursts.go,
// sendqueue_linux.go), instead of a system call each.
//
// A [DownTrack] is one subscriber's copy of a source. Its munging state
// (sequence number and timestamp offsets, VP8 picture id) is written only
// by the reader goroutine of the layer it currently forwards. One atomic
// word holds that owner layer and a busy bit: the owner marks itself busy
// for each write, and the reader of the target layer takes the track over
// at a keyframe once the owner is not busy, so the owner never waits and a
// taker waits for at most one write. Preferences and the target layer
// arrive as atomics. Each down-track has an RTCP goroutine that answers
// NACKs from the source's cache (on the subscriber's RTX stream when it
// negotiated one), through a ring of atomic words recording how every sent
// packet was numbered, forwards keyframe requests upstream, throttled per
// layer, and hands congestion feedback to the subscriber's estimator.
//
// # Which layer a down-track forwards
//
// The subscriber's preferences (tile size, frame rate, an explicit quality,
// paused) give the desired layer; the subscriber's bandwidth allocation
// caps it; the target is the best layer actually received at or below
// that. A layer the publisher stopped sending for a second counts as not
// received (layerstall.go). VP8 temporal layers above what the frame rate
// or the bandwidth allow are dropped whole, picture ids kept consecutive
// (munger.go).
//
// # Congestion control
//
// Each subscriber connection numbers its packets with transport-wide
// sequence numbers and records them in a send history (one atomic add and
// one atomic store per packet). Its [Subscriber]'s estimator runs Google
// Congestion Control on the subscriber's transport-wide feedback (delay
// trendline, AIMD, a loss cap; REMB when there is no such feedback), and
// its controller goroutine splits the estimate over the video tracks by
// priority (screen share, active speaker, the rest) with hysteresis,
// pauses what clearly does not fit, probes with padding before stepping
// up (see prober.go for why) and resumes a paused track on trial to probe
// when nothing else can carry the padding (trial.go), sends sender reports
// and reports stream states. Retransmissions get a share of the estimate.
// Node-to-node relays are estimated but not allocated: they carry what
// the other node's subscribers demand, and that node fits each of them.
//
// # Publishers
//
// Layer readers ask publishers for lost packets themselves (nackgen.go),
// measure each layer's rates, and the publisher's monitor goroutine tells
// the room which simulcast layers subscribers need (dynacast.go). A
// [SpeakerDetector] turns the audio levels the readers accumulate into
// active speaker changes.
package sfu
