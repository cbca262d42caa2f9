// Store: what the meeting knows about the people in the room, fed by the
// server's events. Remote participants are keyed by sid; the UI keys tiles
// by identity, which survives a rejoin.
//
// Events: "update" {participant} when one was added or changed,
// "remove" {participant} when one left.

export class Store extends EventTarget {
  constructor() {
    super();
    this.self = null; // ParticipantInfo of this page
    this.participants = new Map(); // sid -> Participant
    this.speakers = new Map(); // participant sid -> level, active speakers only
    this.order = 0;
  }

  // upsert merges a ParticipantInfo; tracks in it replace the known ones.
  upsert(info) {
    if (!info || !info.sid) return null;
    if (this.self && info.sid === this.self.sid) {
      this.self = { ...this.self, ...info };
      this.#emit("self", this.self);
      return null;
    }
    let p = this.participants.get(info.sid);
    if (!p) {
      // A rejoin of the same identity replaces the old entry (after the new
      // one is in, so its tiles stay).
      const olds = [...this.participants.values()].filter((o) => o.identity === info.identity);
      p = { sid: info.sid, identity: info.identity || info.sid, name: "", attributes: {}, tracks: new Map(), order: olds.length ? olds[0].order : this.order++, quality: "" };
      this.participants.set(info.sid, p);
      for (const old of olds) this.remove(old.sid);
    }
    p.identity = info.identity || p.identity;
    p.name = info.name || p.name || p.identity;
    p.attributes = info.attributes || {};
    p.joinedAt = Number(info.joinedAt || p.joinedAt || 0);
    if (info.tracks) {
      p.tracks = new Map(info.tracks.map((t) => [t.sid, { ...(p.tracks.get(t.sid) || {}), ...t }]));
    }
    this.#emit("update", p);
    return p;
  }

  remove(sid) {
    const p = this.participants.get(sid);
    if (!p) return;
    this.participants.delete(sid);
    this.speakers.delete(sid);
    this.#emit("remove", p);
  }

  // replaceAll makes the remote participants exactly infos (the room state
  // of a new join): known identities keep their place and tiles.
  replaceAll(infos) {
    const keep = new Set();
    for (const info of infos) {
      this.upsert(info);
      keep.add(info.sid);
    }
    for (const sid of [...this.participants.keys()]) if (!keep.has(sid)) this.remove(sid);
  }

  trackAdded(track) {
    const p = this.participants.get(track.participantSid);
    if (!p) return;
    p.tracks.set(track.sid, { ...(p.tracks.get(track.sid) || {}), ...track });
    this.#emit("update", p);
  }

  trackRemoved(participantSid, trackSid) {
    const p = this.participants.get(participantSid);
    if (!p || !p.tracks.delete(trackSid)) return;
    this.#emit("update", p);
  }

  trackMuted(participantSid, trackSid, muted) {
    const p = this.participants.get(participantSid);
    const t = p && p.tracks.get(trackSid);
    if (!t) return;
    t.muted = muted;
    this.#emit("update", p);
  }

  // setSpeakers applies SpeakersChanged: listed speakers with active=false
  // stopped speaking.
  setSpeakers(list) {
    const changed = new Set();
    for (const s of list || []) {
      const sid = s.participantSid;
      if (s.active) this.speakers.set(sid, s.level || 0);
      else this.speakers.delete(sid);
      changed.add(sid);
    }
    for (const sid of changed) {
      const p = this.participants.get(sid);
      if (p) this.#emit("update", p);
      else if (this.self && sid === this.self.sid) this.#emit("self", this.self);
    }
  }

  // loudest returns the sid of the loudest active speaker other than self.
  loudest() {
    let best = "";
    let level = -1;
    for (const [sid, l] of this.speakers) {
      if (this.participants.has(sid) && l > level) { best = sid; level = l; }
    }
    return best;
  }

  setQuality(sid, quality) {
    const p = this.participants.get(sid);
    if (p && p.quality !== quality) {
      p.quality = quality;
      this.#emit("update", p);
    }
  }

  byIdentity(identity) {
    for (const p of this.participants.values()) if (p.identity === identity) return p;
    return null;
  }

  // sorted returns the remote participants in join order.
  sorted() {
    return [...this.participants.values()].sort((a, b) => a.order - b.order);
  }

  #emit(type, participant) {
    this.dispatchEvent(new CustomEvent(type, { detail: participant }));
  }
}

// Track helpers over TrackInfo.
export const isVideo = (t) => t.kind === "TRACK_KIND_VIDEO";
export const isScreen = (t) => t.source === "TRACK_SOURCE_SCREEN_SHARE";
export const isCamera = (t) => isVideo(t) && !isScreen(t);
export const isMic = (t) => t.kind === "TRACK_KIND_AUDIO" && t.source !== "TRACK_SOURCE_SCREEN_SHARE_AUDIO";

export function cameraOf(p) {
  for (const t of p.tracks.values()) if (isCamera(t)) return t;
  return null;
}

export function micOf(p) {
  for (const t of p.tracks.values()) if (isMic(t)) return t;
  return null;
}

export function screensOf(p) {
  return [...p.tracks.values()].filter(isScreen);
}

export const handRaised = (attrs) => !!(attrs && attrs.hand_raised && attrs.hand_raised !== "0");
