// Adaptive stream: every remote video is subscribed at the size of the
// tile that shows it (UpdateSubscriptionRequest width/height; the SFU picks
// the smallest simulcast layer at least that large) and paused while it is
// not visible: on another page of the grid, scrolled out of the filmstrip,
// an avatar instead of video, or the browser tab hidden.

const debounceMs = 150;
const step = 16; // sizes are rounded up to this many pixels to avoid churn

export class Adaptive {
  // send(tracks) delivers TrackSubscription entries; it returns false when
  // the connection is down (they are sent again after a reset).
  constructor(send) {
    this.send = send;
    this.tiles = new Set();
    this.visible = new WeakMap(); // tile element -> intersecting
    this.sent = new Map(); // trackSid -> {width, height, paused}
    this.timer = 0;
    this.io = new IntersectionObserver((entries) => {
      for (const e of entries) this.visible.set(e.target, e.isIntersecting);
      this.refresh();
    }, { threshold: 0 });
    this.ro = new ResizeObserver(() => this.refresh());
    document.addEventListener("visibilitychange", () => this.refresh());
  }

  add(tile) {
    if (tile.local) return;
    this.tiles.add(tile);
    this.io.observe(tile.el);
    this.ro.observe(tile.el);
    this.refresh();
  }

  delete(tile) {
    this.tiles.delete(tile);
    this.io.unobserve(tile.el);
    this.ro.unobserve(tile.el);
    if (tile.trackSid) this.sent.delete(tile.trackSid);
  }

  // reset forgets what was sent (a new session starts with defaults).
  reset() {
    this.sent.clear();
    this.refresh();
  }

  refresh() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.#flush(), debounceMs);
  }

  // wanted is what a tile needs now.
  wanted(tile) {
    const el = tile.el;
    const shown = el.isConnected && !el.hidden && this.visible.get(el) !== false &&
      document.visibilityState === "visible" && tile.videoOn;
    if (!shown) return { width: 0, height: 0, paused: true };
    const { width, height } = tile.size();
    if (!width || !height) return { width: 0, height: 0, paused: true };
    return { width: Math.ceil(width / step) * step, height: Math.ceil(height / step) * step, paused: false };
  }

  #flush() {
    const out = [];
    for (const tile of this.tiles) {
      if (!tile.trackSid) continue;
      const want = this.wanted(tile);
      const had = this.sent.get(tile.trackSid);
      if (had && had.paused === want.paused && (want.paused || (had.width === want.width && had.height === want.height))) continue;
      out.push({ tile, want });
    }
    if (!out.length) return;
    const entries = out.map(({ tile, want }) => ({
      trackSid: tile.trackSid, subscribe: true, width: want.width, height: want.height, paused: want.paused,
    }));
    if (this.send(entries)) {
      for (const { tile, want } of out) this.sent.set(tile.trackSid, want);
    }
  }

  // snapshot is what was last requested, by track sid (for tests).
  snapshot() {
    return Object.fromEntries(this.sent);
  }
}
