package client

import (
	"fmt"
	"time"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// pingTimes returns the ping interval and timeout of the JoinResponse
// (seconds), or the defaults where it leaves them zero.
func pingTimes(join *parleypb.JoinResponse) (interval, timeout time.Duration) {
	interval, timeout = DefaultPingInterval, DefaultPingTimeout
	if s := join.GetPingInterval(); s > 0 {
		interval = time.Duration(s) * time.Second
	}
	if s := join.GetPingTimeout(); s > 0 {
		timeout = time.Duration(s) * time.Second
	}
	return interval, timeout
}

// pingLoop sends a Ping every interval on l and gives l up when no Pong
// arrived for longer than the timeout.
func (r *Room) pingLoop(l *link) {
	interval, timeout := pingTimes(l.join)
	ping := time.NewTicker(interval)
	defer ping.Stop()
	// Check more often than the timeout so that it is noticed in time.
	check := time.NewTicker(max(timeout/4, 10*time.Millisecond))
	defer check.Stop()
	for {
		select {
		case <-l.ctx.Done():
			return
		case now := <-check.C:
			if silent := now.Sub(time.Unix(0, r.lastPong.Load())); silent > timeout {
				r.linkLost(l, Disconnected{
					Reason: parleypb.LeaveReason_LEAVE_REASON_CONNECTION_LOST,
					Err:    fmt.Errorf("%w for %v (timeout %v)", ErrPingTimeout, silent.Round(time.Millisecond), timeout),
				})
				return
			}
		case <-ping.C:
			r.sendAsync(&parleypb.SignalRequest{Message: &parleypb.SignalRequest_Ping{
				Ping: &parleypb.Ping{Timestamp: time.Now().UnixMilli()},
			}})
		}
	}
}

func (r *Room) handlePong(p *parleypb.Pong) {
	now := time.Now()
	r.lastPong.Store(now.UnixNano())
	if ts := p.GetTimestamp(); ts > 0 {
		if rtt := now.Sub(time.UnixMilli(ts)); rtt >= 0 {
			r.rtt.Store(int64(rtt))
		}
	}
}

// RTT is the round-trip time of the last Ping/Pong on the signaling
// stream (millisecond resolution), 0 before the first Pong.
func (r *Room) RTT() time.Duration { return time.Duration(r.rtt.Load()) }
