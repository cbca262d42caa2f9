package loadtest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"time"
)

const (
	// joinTimeout bounds one bot's connect and publish.
	joinTimeout = 30 * time.Second
	// leaveTimeout bounds one bot's leave at the end.
	leaveTimeout = 3 * time.Second
	// closeParallel is how many bots leave at once.
	closeParallel = 16
)

// Phases of a run, as the timeline names them.
const (
	phaseRamp   = "ramp"
	phaseSettle = "settle"
	phaseWindow = "window"
)

// Run runs the load test cfg describes and returns its report. Progress
// lines go to progress (nil for none), rewritten in place when it is a
// terminal.
//
// An unreachable server or rejected credentials fail the run before any
// load starts (ErrUnreachable, ErrRejected). After that, a bot that fails
// is counted in the report's errors and the others go on. When ctx ends
// (Ctrl-C), the bots leave and the report of what was measured so far is
// returned with Interrupted set.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	media, err := loadMedia(cfg.Codec)
	if err != nil {
		return nil, err
	}
	r := newRunner(&cfg, media, progress)
	return r.run(ctx)
}

// runner is one run in progress.
type runner struct {
	cfg      *Config
	env      *environment
	bots     []*bot
	monitor  *serverMonitor
	progress *progressPrinter
	started  time.Time

	mu         sync.Mutex // guards the fields below (sampler vs run)
	phase      string
	timeline   []Sample
	last       snapshot
	peakRSS    uint64
	serverNote string
}

func newRunner(cfg *Config, media *mediaSet, progress io.Writer) *runner {
	env := &environment{cfg: cfg, media: media, errors: newErrorLog(), tiles: cfg.Layout.Tiles()}
	r := &runner{cfg: cfg, env: env, monitor: newServerMonitor(cfg), progress: newProgressPrinter(progress)}
	for _, spec := range planBots(cfg, runPrefix(cfg)) {
		r.bots = append(r.bots, newBot(spec, env))
	}
	return r
}

func (r *runner) run(ctx context.Context) (*Report, error) {
	r.started = time.Now()
	base, err := r.monitor.sample(ctx)
	if err != nil {
		r.serverNote = err.Error()
	}
	if err := r.prepareRooms(ctx); err != nil {
		return nil, err
	}

	// The bots' media runs until the stop, whatever happens to ctx.
	media, stopMedia := context.WithCancel(context.Background())
	defer stopMedia()
	if err := r.startBot(ctx, media, r.bots[0]); err != nil {
		r.bots[0].close(context.Background())
		return nil, classify(r.bots[0].spec.URL, err)
	}

	r.setPhase(phaseRamp)
	first := r.snapshot(ctx)
	r.mu.Lock()
	r.last = first
	r.mu.Unlock()
	samplerDone := make(chan struct{})
	samplerCtx, stopSampler := context.WithCancel(context.Background())
	go func() { defer close(samplerDone); r.sample(samplerCtx) }()

	start, end, interrupted := r.drive(ctx, media, first)

	stopSampler()
	<-samplerDone
	r.progress.finish()
	stopMedia()
	r.closeBots()
	return r.report(base, start, end, interrupted), nil
}

// drive ramps the bots up, waits for their subscriptions, and measures the
// window; it returns the window's bounds, and whether ctx ended first (the
// window then ends there, or spans the ramp if it had not started).
func (r *runner) drive(ctx, media context.Context, first snapshot) (start, end snapshot, interrupted bool) {
	start = first
	if !r.ramp(ctx, media) {
		return start, r.snapshot(context.Background()), true
	}
	r.setPhase(phaseSettle)
	if !r.settle(ctx) {
		return start, r.snapshot(context.Background()), true
	}
	r.setPhase(phaseWindow)
	start = r.snapshot(ctx)
	r.notePeak(start.server.RSS)
	if f := r.cfg.WindowStarted; f != nil {
		wctx, done := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { f(wctx, r.cfg.Duration) })
		defer func() { done(); wg.Wait() }()
	}
	ok := sleep(ctx, r.cfg.Duration)
	end = r.snapshot(context.Background())
	r.notePeak(end.server.RSS)
	return start, end, !ok
}

// ramp starts the bots (the first already runs) at the configured rate and
// waits until every one has joined or failed; false if ctx ended first.
func (r *runner) ramp(ctx, media context.Context) bool {
	interval := time.Duration(float64(time.Second) / r.cfg.Ramp)
	var wg sync.WaitGroup
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for _, b := range r.bots[1:] {
		select {
		case <-ctx.Done():
			wg.Wait()
			return false
		case <-tick.C:
		}
		wg.Go(func() {
			if err := r.startBot(ctx, media, b); err != nil && ctx.Err() == nil {
				b.fail("join: %v", err)
			}
		})
	}
	wg.Wait()
	return ctx.Err() == nil
}

// startBot joins one bot and starts its publishing.
func (r *runner) startBot(ctx, media context.Context, b *bot) error {
	b.started.Store(true)
	jctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()
	if err := b.join(jctx); err != nil {
		return err
	}
	b.publish(jctx, media)
	return nil
}

// settle waits until every bot receives every track it expects, or the
// settle timeout; false if ctx ended first.
func (r *runner) settle(ctx context.Context) bool {
	deadline := time.Now().Add(r.cfg.SettleTimeout)
	for time.Now().Before(deadline) {
		got, want := r.tracks()
		if got >= want {
			break
		}
		if !sleep(ctx, 100*time.Millisecond) {
			return false
		}
	}
	return ctx.Err() == nil
}

// tracks counts the tracks received and expected by the bots that joined.
func (r *runner) tracks() (got, want int) {
	for _, b := range r.bots {
		if !b.joined.Load() {
			continue
		}
		got += b.tracksGot()
		want += b.spec.Expected
	}
	return got, want
}

// closeBots makes every bot leave, a few at a time.
func (r *runner) closeBots() {
	sem := make(chan struct{}, closeParallel)
	var wg sync.WaitGroup
	for _, b := range r.bots {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), leaveTimeout)
			defer cancel()
			b.close(ctx)
		})
	}
	wg.Wait()
}

func (r *runner) setPhase(p string) {
	r.mu.Lock()
	r.phase = p
	r.mu.Unlock()
}

func (r *runner) notePeak(rss uint64) {
	r.mu.Lock()
	r.peakRSS = max(r.peakRSS, rss)
	r.mu.Unlock()
}

// sleep waits d or until ctx ends; false if ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func machine() Machine {
	return Machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS, Arch: runtime.GOARCH, Go: runtime.Version()}
}

func (r *runner) reportConfig() ReportConfig {
	c := r.cfg
	return ReportConfig{
		URL: c.URL, PublisherURL: c.PublisherURL, Rooms: c.Rooms, VideoPublishers: c.VideoPublishers, AudioPublishers: c.AudioPublishers,
		Subscribers: c.Subscribers, DurationSeconds: c.Duration.Seconds(), Ramp: c.Ramp,
		Simulcast: c.Simulcast, RTX: !c.NoRTX, Codec: string(c.Codec), Layout: string(c.Layout),
	}
}

// String is the phase shown in progress lines.
func phaseLabel(p string) string { return fmt.Sprintf("%-6s", p) }
