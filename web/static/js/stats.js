// Live statistics from getStats(): every couple of seconds the monitor reads
// both PeerConnections and works out, per tile, what a person wants to
// know: bitrate, loss, resolution, frame rate, codec, round-trip time and
// the simulcast layer, and from those a quality level (good, fair, poor,
// lost).
import { Quality } from "./tile.js";

export const sampleMs = 2000;

const levelRank = { good: 0, fair: 1, poor: 2, lost: 3 };

// serverQuality maps ConnectionQuality to a level ("" when unknown).
export function serverQuality(q) {
  switch (q) {
    case "CONNECTION_QUALITY_EXCELLENT":
    case "CONNECTION_QUALITY_GOOD": return Quality.GOOD;
    case "CONNECTION_QUALITY_POOR": return Quality.POOR;
    case "CONNECTION_QUALITY_LOST": return Quality.LOST;
    default: return Quality.UNKNOWN;
  }
}

// worse returns the worse of two levels; unknown loses to any known one.
export function worse(a, b) {
  if (!a) return b;
  if (!b) return a;
  return levelRank[a] >= levelRank[b] ? a : b;
}

// levelOf grades a sample: loss in percent, rtt in ms, flowing false when
// media that should arrive stopped.
export function levelOf({ loss = 0, rtt = 0, flowing = true }) {
  if (!flowing) return Quality.LOST;
  if (loss > 10 || rtt > 600) return Quality.POOR;
  if (loss > 3 || rtt > 300) return Quality.FAIR;
  return Quality.GOOD;
}

// index reads one getStats() report into maps by type.
function index(report) {
  const byId = new Map();
  const inbound = new Map(); // trackIdentifier -> inbound-rtp
  const outbound = []; // outbound-rtp
  const remoteInbound = new Map(); // localId (outbound id) -> remote-inbound-rtp
  let pair = null;
  report.forEach((r) => byId.set(r.id, r));
  report.forEach((r) => {
    if (r.type === "inbound-rtp" && r.trackIdentifier) inbound.set(r.trackIdentifier, r);
    else if (r.type === "outbound-rtp") outbound.push(r);
    else if (r.type === "remote-inbound-rtp" && r.localId) remoteInbound.set(r.localId, r);
    else if (r.type === "transport" && r.selectedCandidatePairId) pair = byId.get(r.selectedCandidatePairId) || pair;
    else if (r.type === "candidate-pair" && r.nominated && r.state === "succeeded" && !pair) pair = r;
  });
  return { byId, inbound, outbound, remoteInbound, pair };
}

const codecOf = (idx, r) => ((idx.byId.get(r.codecId) || {}).mimeType || "").replace(/^(video|audio)\//, "");

export class StatsMonitor {
  // sources() returns {session, tiles: [{tile, video, audio}]} where video
  // and audio are the MediaStreamTracks a remote tile plays (the local
  // tile's are ignored: it is measured from the publisher).
  constructor(sources) {
    this.sources = sources;
    this.prev = new Map(); // key -> {at, bytes, lost, received}
    this.results = new Map(); // tile key -> stats
    this.timer = 0;
    this.listeners = new Set();
  }

  start() {
    if (!this.timer) this.timer = setInterval(() => this.sample().catch((err) => console.warn("parley: stats", err)), sampleMs);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = 0;
  }

  onSample(fn) { this.listeners.add(fn); }

  async sample() {
    const { session, tiles } = this.sources();
    if (!session || session.closed || !session.pcs.subscriber) return;
    const now = performance.now();
    const [sub, pub] = await Promise.all([session.pcs.subscriber.getStats(), session.pcs.publisher.getStats()]);
    const subIdx = index(sub);
    const pubIdx = index(pub);
    const rttSub = subIdx.pair && subIdx.pair.currentRoundTripTime ? subIdx.pair.currentRoundTripTime * 1000 : session.rtt;
    for (const { tile, video, audio, track, quality, muted } of tiles) {
      const stats = tile.local
        ? this.#local(tile, pubIdx, now, session, track)
        : this.#remote(tile, subIdx, now, { video, audio, rtt: rttSub, track, quality, muted });
      this.results.set(tile.key, stats);
    }
    for (const fn of this.listeners) fn(this.results);
  }

  // delta turns counters into rates since the previous sample of key.
  #delta(key, now, bytes, lost, received) {
    const prev = this.prev.get(key);
    this.prev.set(key, { at: now, bytes, lost, received });
    if (!prev) return null;
    const secs = Math.max(0.001, (now - prev.at) / 1000);
    const dl = Math.max(0, lost - prev.lost);
    const dr = Math.max(0, received - prev.received);
    return { kbps: Math.round(((bytes - prev.bytes) * 8) / secs / 1000), loss: dl + dr ? (dl * 100) / (dl + dr) : 0, packets: dr };
  }

  #remote(tile, idx, now, { video, audio, rtt, track, quality, muted }) {
    const v = video && idx.inbound.get(video.id);
    const a = audio && idx.inbound.get(audio.id);
    const bytes = (v ? v.bytesReceived || 0 : 0) + (a ? a.bytesReceived || 0 : 0);
    const lost = (v ? v.packetsLost || 0 : 0) + (a ? a.packetsLost || 0 : 0);
    const received = (v ? v.packetsReceived || 0 : 0) + (a ? a.packetsReceived || 0 : 0);
    const d = this.#delta(tile.key, now, bytes, lost, received);
    const expectMedia = (v && tile.videoOn) || (a && !muted);
    const stats = {
      direction: "receiving",
      kbps: d ? d.kbps : 0,
      loss: d ? d.loss : 0,
      width: v ? v.frameWidth || 0 : 0,
      height: v ? v.frameHeight || 0 : 0,
      fps: v ? Math.round(v.framesPerSecond || 0) : 0,
      codec: [v && codecOf(idx, v), a && codecOf(idx, a)].filter(Boolean).join(", "),
      rtt: Math.round(rtt || 0),
      jitter: v && v.jitter ? Math.round(v.jitter * 1000) : 0,
      track,
      quality: quality || "",
      framesDecoded: v ? v.framesDecoded || 0 : 0,
    };
    const measured = d ? levelOf({ loss: stats.loss, rtt: stats.rtt, flowing: !expectMedia || d.packets > 0 }) : Quality.UNKNOWN;
    stats.level = measured;
    return stats;
  }

  #local(tile, idx, now, session, track) {
    let bytes = 0;
    let width = 0;
    let height = 0;
    let fps = 0;
    let codec = "";
    let limit = "";
    let rtt = 0;
    let lossFrac = 0;
    const layers = [];
    const wantScreen = tile.screen;
    for (const o of idx.outbound) {
      if (o.kind !== "video") continue;
      const source = idx.byId.get(o.mediaSourceId);
      const isScreen = source && tile.track && source.trackIdentifier === tile.track.id;
      if (wantScreen !== !!isScreen && tile.track) continue;
      bytes += o.bytesSent || 0;
      if ((o.frameWidth || 0) > width) {
        width = o.frameWidth || 0;
        height = o.frameHeight || 0;
        fps = Math.round(o.framesPerSecond || 0);
      }
      if (o.rid && o.frameWidth) layers.push(`${o.rid} ${o.frameWidth}×${o.frameHeight}`);
      codec = codecOf(idx, o) || codec;
      if (o.qualityLimitationReason && o.qualityLimitationReason !== "none") limit = o.qualityLimitationReason;
      const ri = idx.remoteInbound.get(o.id);
      if (ri) {
        rtt = Math.max(rtt, (ri.roundTripTime || 0) * 1000);
        lossFrac = Math.max(lossFrac, ri.fractionLost || 0);
      }
    }
    const d = this.#delta(tile.key, now, bytes, 0, 0);
    if (!rtt && idx.pair && idx.pair.currentRoundTripTime) rtt = idx.pair.currentRoundTripTime * 1000;
    const connected = session.pcs.publisher.connectionState;
    const stats = {
      direction: "sending",
      kbps: d ? d.kbps : 0,
      loss: lossFrac * 100,
      width, height, fps, codec,
      rtt: Math.round(rtt || session.rtt || 0),
      layers: layers.sort().join(", "),
      limit,
      track,
    };
    const flowing = !["failed", "disconnected", "closed"].includes(connected);
    stats.level = levelOf({ loss: stats.loss, rtt: stats.rtt, flowing });
    return stats;
  }
}

// finalLevel combines what the page measured with what the server says.
export function finalLevel(stats, server) {
  return worse(stats ? stats.level : "", server || "");
}
