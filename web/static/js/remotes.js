// Remotes: the other participants on screen. One camera tile per person
// (their avatar while the camera is off), one tile per screen share, and an
// audio element per microphone in the hidden audio sink. It follows the
// store and the session's remote tracks.
import { h } from "./dom.js";
import { Tile } from "./tile.js";
import { cameraOf, handRaised, isScreen, micOf, screensOf } from "./store.js";

const screenKey = (identity) => `${identity}/screen`;

export class Remotes {
  constructor({ store, layout, adaptive, sink, onTile }) {
    this.store = store;
    this.layout = layout;
    this.adaptive = adaptive;
    this.sink = sink;
    this.onTile = onTile; // called with every new tile (wires pin and stats)
    this.media = new Map(); // trackSid -> {participantSid, track}
    this.audio = new Map(); // trackSid -> <audio>
    this.streamStates = new Map(); // trackSid -> StreamStateInfo
    this.speakerId = "";
    store.addEventListener("update", (e) => this.render(e.detail));
    store.addEventListener("remove", (e) => this.#removeParticipant(e.detail));
  }

  // attach records a remote track the session started receiving.
  attach({ participantSid, trackSid, track }) {
    this.media.set(trackSid, { participantSid, track });
    if (track.kind === "audio") this.#playAudio(trackSid, track);
    const p = this.store.participants.get(participantSid);
    if (p) this.render(p);
  }

  detach({ participantSid, trackSid }) {
    this.media.delete(trackSid);
    const a = this.audio.get(trackSid);
    if (a) {
      a.srcObject = null;
      a.remove();
      this.audio.delete(trackSid);
    }
    const p = this.store.participants.get(participantSid);
    if (p) this.render(p);
  }

  // reset forgets every remote track (a new session starts).
  reset() {
    for (const trackSid of [...this.media.keys()]) this.detach({ trackSid, participantSid: "" });
    this.streamStates.clear();
  }

  #playAudio(trackSid, track) {
    let a = this.audio.get(trackSid);
    if (!a) {
      a = h("audio", { autoplay: true, "data-testid": "remote-audio", dataset: { trackSid } });
      this.audio.set(trackSid, a);
      this.sink.append(a);
      if (this.speakerId && a.setSinkId) a.setSinkId(this.speakerId).catch(() => {});
    }
    a.srcObject = new MediaStream([track]);
    a.play().catch(() => { /* resumes on the next user gesture */ });
  }

  setSpeaker(deviceId) {
    this.speakerId = deviceId;
    for (const a of this.audio.values()) if (a.setSinkId) a.setSinkId(deviceId).catch(() => {});
  }

  // resumeAudio retries playback after a user gesture (autoplay policy).
  resumeAudio() {
    for (const a of this.audio.values()) if (a.paused) a.play().catch(() => {});
  }

  #tile(key, identity, screen) {
    let tile = this.layout.get(key);
    if (!tile) {
      tile = new Tile({ key, identity, screen });
      this.onTile(tile);
      this.layout.add(tile);
      this.adaptive.add(tile);
    }
    return tile;
  }

  // render brings a participant's tiles up to date.
  render(p) {
    const cam = cameraOf(p);
    const tile = this.#tile(p.identity, p.identity, false);
    tile.setName(p.name);
    const camMedia = cam && this.media.get(cam.sid);
    tile.setTrack(camMedia ? camMedia.track : null, cam ? cam.sid : "");
    tile.setVideoOn(!!(cam && camMedia && !cam.muted));
    const mic = micOf(p);
    tile.setMicMuted(!mic || !!mic.muted);
    tile.setHand(handRaised(p.attributes));
    tile.setSpeaking(this.store.speakers.has(p.sid));
    tile.setPaused(this.#pausedForBandwidth(cam));

    const screens = screensOf(p);
    const key = screenKey(p.identity);
    if (screens.length) {
      const s = screens[screens.length - 1];
      const st = this.#tile(key, p.identity, true);
      st.setName(p.name);
      const m = this.media.get(s.sid);
      st.setTrack(m ? m.track : null, s.sid);
      st.setVideoOn(!!m && !s.muted);
      st.setPaused(this.#pausedForBandwidth(s));
    } else if (this.layout.get(key)) {
      this.#dropTile(key);
    }
    this.adaptive.refresh();
  }

  #pausedForBandwidth(track) {
    const st = track && this.streamStates.get(track.sid);
    return !!st && st.state === "STREAM_STATE_PAUSED" && st.reason === "STREAM_PAUSE_REASON_BANDWIDTH";
  }

  // setStreamStates applies StreamStateUpdate; it returns the participants
  // whose video was newly paused for bandwidth.
  setStreamStates(streams) {
    const newlyPaused = [];
    for (const s of streams || []) {
      const before = this.#pausedForBandwidth({ sid: s.trackSid });
      this.streamStates.set(s.trackSid, s);
      const p = this.store.participants.get(s.participantSid);
      if (!p) continue;
      if (!before && this.#pausedForBandwidth({ sid: s.trackSid })) newlyPaused.push(p);
      this.render(p);
    }
    return newlyPaused;
  }

  // layerOf is the simulcast layer the server says it forwards for a track.
  layerOf(trackSid) {
    const st = this.streamStates.get(trackSid);
    return st ? st.quality || "" : "";
  }

  #dropTile(key) {
    const tile = this.layout.get(key);
    if (!tile) return;
    this.adaptive.delete(tile);
    this.layout.remove(key);
  }

  #removeParticipant(p) {
    // A rejoin under the same identity keeps the tiles.
    if (this.store.byIdentity(p.identity)) return;
    this.#dropTile(p.identity);
    this.#dropTile(screenKey(p.identity));
    for (const t of p.tracks.values()) {
      if (!isScreen(t)) this.detach({ trackSid: t.sid, participantSid: "" });
    }
  }

  // statsSources lists the remote tiles with the tracks they play, for the
  // stats monitor.
  statsSources() {
    const out = [];
    for (const p of this.store.participants.values()) {
      const cam = cameraOf(p);
      const mic = micOf(p);
      const camTile = this.layout.get(p.identity);
      const audio = mic && this.media.get(mic.sid);
      if (camTile) {
        const v = cam && this.media.get(cam.sid);
        out.push({ tile: camTile, video: v ? v.track : null, audio: audio ? audio.track : null, track: cam, quality: cam ? this.layerOf(cam.sid) : "", muted: !mic || mic.muted, server: p.quality });
      }
      const scrTile = this.layout.get(screenKey(p.identity));
      const s = screensOf(p).pop();
      if (scrTile && s) {
        const m = this.media.get(s.sid);
        out.push({ tile: scrTile, video: m ? m.track : null, audio: null, track: s, quality: this.layerOf(s.sid), muted: true, server: p.quality });
      }
    }
    return out;
  }
}
