package sfu

// Monitoring timing: the publisher's monitor visits its receivers every
// monitorInterval and measures rates over rateWindow.
const (
	monitorInterval = 100e6
	rateWindow      = 500e6
	rateSmoothing   = 0.5 // weight of the newest window
)

// LayerRates are a layer's measured rates by VP8 temporal layer (TID 0
// only for codecs without temporal layers).
type LayerRates struct {
	// Bitrate of each temporal layer alone, bits per second.
	Bitrate [4]uint32
	// FPS of each temporal layer alone.
	FPS [4]float32
}

// Upto returns the bitrate of temporal layers 0 to t together.
func (r LayerRates) Upto(t int8) uint32 {
	sum := uint32(0)
	for i := 0; i <= int(min(t, 3)); i++ {
		sum += r.Bitrate[i]
	}
	return sum
}

// Temporal returns the number of temporal layers with traffic.
func (r LayerRates) Temporal() int8 {
	for t := int8(3); t > 0; t-- {
		if r.Bitrate[t] > 0 {
			return t + 1
		}
	}
	return 1
}

// rateMeter turns a layer's counters into smoothed rates. The monitor
// owns it.
type rateMeter struct {
	bytes, frames [4]uint64
	at            int64
	have          bool
	rates         LayerRates
}

func (m *rateMeter) update(c *layerCounters, now int64) LayerRates {
	var bytes, frames [4]uint64
	for i := range bytes {
		bytes[i], frames[i] = c.tidBytes[i].Load(), c.tidFrames[i].Load()
	}
	if m.have && now > m.at {
		secs := float64(now-m.at) / 1e9
		for i := range bytes {
			br := float64(bytes[i]-m.bytes[i]) * 8 / secs
			fps := float64(frames[i]-m.frames[i]) / secs
			if m.rates.Bitrate[i] == 0 {
				m.rates.Bitrate[i], m.rates.FPS[i] = uint32(br), float32(fps)
				continue
			}
			m.rates.Bitrate[i] = uint32(rateSmoothing*br + (1-rateSmoothing)*float64(m.rates.Bitrate[i]))
			m.rates.FPS[i] = float32(rateSmoothing*fps + (1-rateSmoothing)*float64(m.rates.FPS[i]))
		}
	}
	m.bytes, m.frames, m.at, m.have = bytes, frames, now, true
	return m.rates
}

// tick is the monitor's visit: rates and dynacast (layer liveness is the
// readers' own, see layerstall.go).
func (r *Receiver) tick(now int64) {
	if now-r.ratesAt >= rateWindow {
		r.ratesAt = now
		var rates [MaxLayers]LayerRates
		for i := range r.layers {
			if l := r.layers[i].Load(); l != nil {
				rates[i] = l.rates.update(&l.stats, now)
				if r.active.Load()&(1<<i) == 0 {
					rates[i] = LayerRates{}
				}
			}
		}
		r.rates.Store(&rates)
	}
	r.dyn.evaluate(r, now)
}

// LayerRates returns the measured rates of every layer (zero for layers
// not received).
func (r *Receiver) LayerRates() [MaxLayers]LayerRates {
	if p := r.rates.Load(); p != nil {
		return *p
	}
	return [MaxLayers]LayerRates{}
}

// rateSource is implemented by sources that measure their layers.
type rateSource interface {
	LayerRates() [MaxLayers]LayerRates
}

// layerFPS returns the per-temporal-layer frame rates of a source's layer,
// zero when unknown.
func layerFPS(src TrackSource, layer int8) [4]float32 {
	if rs, ok := src.(rateSource); ok && layer >= 0 && layer < MaxLayers {
		return rs.LayerRates()[layer].FPS
	}
	return [4]float32{}
}

// noteAudioLevel adds one packet's RFC 6464 level to the running sum the
// speaker detector consumes: one word, count in the high half and the sum
// of levels (-dBov) in the low half, so one atomic add per packet.
func (r *Receiver) noteAudioLevel(b byte) {
	r.audioLevel.Store(uint32(b) | audioLevelSeen)
	r.levelSum.Add(1<<32 | uint64(b&0x7f))
}

// ConsumeAudioLevel returns the average audio level (-dBov: 0 loudest,
// 127 silence) of the packets received since the last call, and how many
// there were. No packets (silence under DTX, or none yet) reads as 127.
func (r *Receiver) ConsumeAudioLevel() (level float64, packets int) {
	w := r.levelSum.Swap(0)
	n := int(w >> 32)
	if n == 0 {
		return 127, 0
	}
	return float64(uint32(w)) / float64(n), n
}

// audioLevelExtension returns the publisher's audio level extension id.
func (r *Receiver) audioLevelExtension() uint8 { return uint8(r.levelID.Load()) }
