package loadtest

import (
	"slices"
	"strings"
	"time"
)

// report builds the report of the window [start, end]; base is the
// server before the bots joined.
func (r *runner) report(base serverSample, start, end snapshot, interrupted bool) *Report {
	secs := end.at.Sub(start.at).Seconds()
	rep := &Report{
		Config:      r.reportConfig(),
		Machine:     machine(),
		Started:     r.started,
		Window:      Window{Start: start.at, End: end.at, Seconds: secs},
		Interrupted: interrupted,
		Errors:      r.env.errors.list(),
	}
	r.mu.Lock()
	rep.Timeline = slices.Clone(r.timeline)
	peak, note := r.peakRSS, r.serverNote
	r.mu.Unlock()

	var all histSnapshot
	var joins, subscribes []time.Duration
	t := &rep.Totals
	for _, b := range r.bots {
		t.Bots++
		switch {
		case b.joined.Load():
			joins = append(joins, b.joinTime)
		case b.started.Load():
			t.Failed++
		default:
			t.NotStarted++
		}
		t.Errors += b.errors.Load()
		rep.Publishers = append(rep.Publishers, r.publisherRows(b, &start, &end, secs)...)
		if b.spec.Expected == 0 && len(b.receiverList()) == 0 {
			continue
		}
		row, lat := r.subscriberRow(b, &start, &end, secs)
		for _, rc := range b.receiverList() {
			if at := rc.subscribed.Load(); at != 0 {
				subscribes = append(subscribes, time.Unix(0, at).Sub(rc.requested))
			}
		}
		all.merge(&lat)
		rep.Subscribers = append(rep.Subscribers, row)
		t.TracksGot += row.TracksGot
		t.TracksExpected += row.TracksExpected
		t.Packets += row.Packets
		t.Expected += row.Expected
		t.Lost += row.Lost
		t.NACKs += row.NACKs
		t.PLIs += row.PLIs
		t.ReceivedMbps += row.Mbps
	}
	for _, p := range rep.Publishers {
		t.PacketsSent += p.Packets
		t.SentMbps += p.Mbps
	}
	t.Connected = end.connected
	t.LossPercent = percent(t.Lost, t.Expected)
	t.Latency = latencyOf(&all)
	t.Join = timingOf(joins)
	t.Subscribe = timingOf(subscribes)

	rep.Bots.CPUSeconds = (end.botsCPU - start.botsCPU).Seconds()
	rep.Bots.UDPDrops = end.botsDrops - start.botsDrops
	if secs > 0 {
		rep.Bots.CPUPercent = rep.Bots.CPUSeconds / secs * 100
	}
	rep.Server = r.serverStats(base, &start, &end, peak, note, rep)
	return rep
}

func (r *runner) publisherRows(b *bot, start, end *snapshot, secs float64) []PublisherRow {
	var rows []PublisherRow
	for _, s := range b.senderList() {
		d := end.senders[s].sub(start.senders[s])
		fb0, fb1 := start.feedback[s], end.feedback[s]
		kind := "video"
		if s.codec == "opus" {
			kind = "audio"
		}
		rows = append(rows, PublisherRow{
			Room: b.spec.RoomName, Bot: b.spec.Identity, Kind: kind, RID: s.rid, Codec: s.codec,
			Packets: d.Packets, Bytes: d.Bytes, Mbps: mbps(d.Bytes, secs), Frames: d.Frames,
			Keyframes: d.Keyframes, KeyframeJumps: d.KeyframeJumps,
			PLIs: fb1.PLIs - fb0.PLIs, NACKs: fb1.NACKs - fb0.NACKs, WriteErrors: d.WriteErrors,
		})
	}
	return rows
}

func (r *runner) subscriberRow(b *bot, start, end *snapshot, secs float64) (SubscriberRow, histSnapshot) {
	row := SubscriberRow{
		Room: b.spec.RoomName, Bot: b.spec.Identity, TracksGot: b.tracksGot(), TracksExpected: b.spec.Expected,
		NACKs: end.nacks[b] - start.nacks[b], PLIs: end.plis[b] - start.plis[b], Errors: b.errors.Load(),
	}
	var bytes uint64
	receivers := b.receiverList()
	slices.SortFunc(receivers, func(x, y *receiver) int {
		if c := strings.Compare(x.publisher, y.publisher); c != 0 {
			return c
		}
		return strings.Compare(x.kind, y.kind)
	})
	for _, rc := range receivers {
		d := end.recvs[rc].sub(start.recvs[rc])
		bytes += d.Bytes
		row.Packets += d.Packets
		row.Expected += d.Expected
		row.Lost += d.Lost()
		row.JitterMS = max(row.JitterMS, d.JitterMS)
		tr := TrackRow{
			Track: rc.sid, Kind: rc.kind, Publisher: rc.publisher, Codec: rc.codec,
			Width: rc.tile.Width, Height: rc.tile.Height, Packets: d.Packets, Expected: d.Expected,
			Lost: d.Lost(), Mbps: mbps(d.Bytes, secs), JitterMS: d.JitterMS,
		}
		if at := rc.subscribed.Load(); at != 0 {
			tr.SubscribeMS = float64(time.Unix(0, at).Sub(rc.requested).Microseconds()) / 1000
		}
		row.Tracks = append(row.Tracks, tr)
	}
	row.Mbps = mbps(bytes, secs)
	row.LossPercent = percent(row.Lost, row.Expected)
	h0, h1 := start.latency[b], end.latency[b]
	lat := h1.since(&h0)
	row.Latency = latencyOf(&lat)
	return row, lat
}

// serverStats relates the server's CPU time and memory to what the bots
// received.
func (r *runner) serverStats(base serverSample, start, end *snapshot, peak uint64, note string, rep *Report) ServerStats {
	s0, s1 := start.server, end.server
	st := ServerStats{Source: r.monitor.source(s1), BaseRSSBytes: base.RSS, PeakRSSBytes: max(peak, s1.RSS)}
	if st.Source == "" {
		st.Note = note
		if st.Note == "" {
			st.Note = "no --server-pid and no metrics URL"
		}
	}
	secs := rep.Window.Seconds
	if s0.HaveCPU && s1.HaveCPU {
		st.UDPDrops = s1.UDPDrops - s0.UDPDrops
		st.CPUSeconds = (s1.CPU - s0.CPU).Seconds()
		if secs > 0 {
			st.CPUPercent = st.CPUSeconds / secs * 100
		}
	}
	if s0.HaveCounters && s1.HaveCounters {
		st.PacketsOut = uint64(s1.PacketsOut - s0.PacketsOut)
		st.BytesOut = uint64(s1.BytesOut - s0.BytesOut)
		st.PacketsIn = uint64(s1.PacketsIn - s0.PacketsIn)
		st.NACKsReceived = uint64(s1.NACKs - s0.NACKs)
		st.NACKsMissed = uint64(s1.NACKsMissed - s0.NACKsMissed)
		st.PLIsSent = uint64(s1.PLIsSent - s0.PLIsSent)
		st.PacketsDropped = uint64(s1.Dropped - s0.Dropped)
		st.PacketsOutCounted = "server metrics"
	} else {
		st.PacketsOut = rep.Totals.Packets
		st.PacketsOutCounted = "subscriber bots"
	}
	if mbit := rep.Totals.ReceivedMbps * secs; st.CPUSeconds > 0 && mbit > 0 {
		st.CPUSecondsPerMbit = st.CPUSeconds / mbit
	}
	if st.CPUSeconds > 0 && st.PacketsOut > 0 {
		st.PacketsPerCPUSecond = float64(st.PacketsOut) / st.CPUSeconds
		st.MicrosPerPacket = st.CPUSeconds * 1e6 / float64(st.PacketsOut)
	}
	if receivers := len(rep.Subscribers); receivers > 0 && base.RSS > 0 && st.PeakRSSBytes > base.RSS {
		st.RSSPerSubscriberBytes = float64(st.PeakRSSBytes-base.RSS) / float64(receivers)
	}
	return st
}

// timingOf summarizes durations.
func timingOf(ds []time.Duration) Timing {
	if len(ds) == 0 {
		return Timing{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(p float64) float64 {
		i := min(int(p*float64(len(s))), len(s)-1)
		return float64(s[i].Microseconds()) / 1000
	}
	return Timing{Count: len(s), P50MS: q(0.5), P99MS: q(0.99)}
}
