// Session: one signaling connection and its two PeerConnections, from join
// to leave (signal.proto). A reconnect makes a new Session; the meeting
// keeps its state across them.
//
// We offer on the publisher PC (each track announced first with
// addTrack); the server offers on the subscriber PC and we answer. Remote
// tracks are matched to track sids through the server offer's
// `a=msid:<participantSid> <trackSid>` line of each m-section, by mid, and
// reconciled after every offer: a transceiver the server reuses for another
// track is reported again, one it stops is reported ended.
//
// Events (CustomEvent, detail as below):
//   server messages by their oneof name: participantJoined, participantUpdated,
//     participantLeft, trackAdded, trackRemoved, trackMuted, data,
//     speakersChanged, connectionQuality, streamState, subscribedQuality,
//     roomUpdate, iceRestart, error, leave
//   remoteTrack {participantSid, trackSid, track}  a remote track to play
//   remoteTrackEnded {participantSid, trackSid}
//   lost {reason}  the signaling connection or a media connection died
//   pcstate {name, state}
import { SignalClient, SignalError, Target, targetOf } from "./signal.js";

const serverEvents = [
  "participantJoined", "participantUpdated", "participantLeft", "trackAdded", "trackRemoved",
  "trackMuted", "data", "speakersChanged", "connectionQuality", "streamState", "subscribedQuality",
  "roomUpdate", "error", "leave",
];

// How long a PeerConnection may stay "disconnected" before it counts as
// lost (Chromium takes much longer to call it "failed").
const disconnectedGrace = 8000;

// parseMsids maps each m-section of an offer to the track it carries.
export function parseMsids(sdp) {
  const map = new Map();
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const mid = /^a=mid:(\S+)/m.exec(section);
    const msid = /^a=msid:(\S+) (\S+)/m.exec(section);
    if (mid && msid) map.set(mid[1], { participantSid: msid[1], trackSid: msid[2] });
  }
  return map;
}

// iceServersOf maps a JoinResponse's ICE servers (TURN with credentials
// minted for this join) to RTCIceServer entries.
function iceServersOf(join) {
  return (join.iceServers || []).map((s) => ({ urls: s.urls, username: s.username, credential: s.credential }));
}

// preferVP8 puts VP8 first among the codecs of a video transceiver: the SFU
// rewrites VP8 picture ids when it switches simulcast layers.
function preferVP8(transceiver) {
  if (!transceiver.setCodecPreferences || !window.RTCRtpReceiver || !RTCRtpReceiver.getCapabilities) return;
  const caps = RTCRtpReceiver.getCapabilities("video");
  if (!caps) return;
  const vp8 = caps.codecs.filter((c) => c.mimeType.toLowerCase() === "video/vp8");
  const rest = caps.codecs.filter((c) => c.mimeType.toLowerCase() !== "video/vp8");
  try {
    transceiver.setCodecPreferences([...vp8, ...rest]);
  } catch (err) {
    console.warn("parley: setCodecPreferences", err);
  }
}

export class Session extends EventTarget {
  constructor({ url, token, room = "", relay = false }) {
    super();
    this.url = url;
    this.room = room;
    this.token = token;
    this.relay = relay;
    this.signal = null;
    this.pcs = { publisher: null, subscriber: null };
    this.join = null; // JoinResponse
    this.tracks = new Map(); // our track sid -> {info, sender, transceiver}
    this.closed = false;
    this.rtt = 0;
    this.lastPong = 0;
    this.pingTimer = 0;
    this.pending = { [Target.PUBLISHER]: [], [Target.SUBSCRIBER]: [] };
    this.midToTrack = new Map();
    this.attached = new Map(); // subscriber mid -> trackSid reported
    this.offerChain = Promise.resolve();
    this.pubOfferId = 0;
    this.negotiating = null; // promise of the running publisher negotiation
    this.renegotiate = false;
    this.answerWaiters = new Map(); // offer id -> resolve
    this.disconnectTimers = {};
  }

  // connect opens the signaling socket, joins and sets up both PCs.
  async connect() {
    this.signal = new SignalClient(this.url);
    await this.signal.connect();
    this.join = await this.signal.join(this.token, { room: this.room });
    this.#wire();
    this.#createPCs();
    const interval = (this.join.pingInterval || 10) * 1000;
    const timeout = (this.join.pingTimeout || 30) * 1000;
    this.lastPong = Date.now();
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastPong > timeout + interval) {
        this.#lost("no answer to pings");
        return;
      }
      try { this.signal.ping(); } catch { /* the close event reports it */ }
    }, interval);
    return this.join;
  }

  get participantSid() { return this.join ? this.join.participant.sid : ""; }

  #wire() {
    const s = this.signal;
    // After a resume only the new connection speaks for the session.
    const on = (kind, fn) => s.addEventListener(kind, (e) => {
      if (this.closed || this.signal !== s) return;
      Promise.resolve(fn(e.detail)).catch((err) => console.error(`parley: handling ${kind}:`, err));
    });
    on("offer", (m) => this.#onOffer(m));
    on("answer", (m) => this.#onAnswer(m));
    on("trickle", (m) => this.#onTrickle(m));
    on("pong", (m) => {
      this.lastPong = Date.now();
      this.rtt = Date.now() - Number(m.timestamp);
    });
    on("iceRestart", (m) => {
      if (targetOf(m) === Target.PUBLISHER) return this.restartIce();
      return undefined; // the server sends an ICE-restart offer on the subscriber PC
    });
    for (const kind of serverEvents) on(kind, (m) => this.#emit(kind, m));
    s.addEventListener("close", (e) => {
      if (!this.closed && this.signal === s) this.#lost(`signaling closed${e.detail.reason ? `: ${e.detail.reason}` : ""}`);
    });
  }

  #createPCs() {
    const join = this.join;
    const config = {
      iceServers: iceServersOf(join),
      iceTransportPolicy: this.relay || join.iceTransportPolicy === "relay" ? "relay" : "all",
      bundlePolicy: "max-bundle",
    };
    for (const [name, target] of [["publisher", Target.PUBLISHER], ["subscriber", Target.SUBSCRIBER]]) {
      const pc = new RTCPeerConnection(config);
      this.pcs[name] = pc;
      pc.addEventListener("icecandidate", (e) => {
        try { this.signal.trickle(target, e.candidate); } catch { /* closed */ }
      });
      pc.addEventListener("connectionstatechange", () => this.#onPCState(name, pc));
    }
  }

  #onPCState(name, pc) {
    const state = pc.connectionState;
    console.info(`parley: ${name} PC ${state}`);
    this.#emit("pcstate", { name, state });
    clearTimeout(this.disconnectTimers[name]);
    if (state === "failed") this.#lost(`the ${name} media connection failed`);
    if (state === "disconnected") {
      this.disconnectTimers[name] = setTimeout(() => {
        if (pc.connectionState === "disconnected") this.#lost(`the ${name} media connection is interrupted`);
      }, disconnectedGrace);
    }
  }

  #lost(reason) {
    if (this.closed) return;
    this.#emit("lost", { reason });
  }

  // ---- subscriber ----

  #onOffer(offer) {
    this.offerChain = this.offerChain.then(async () => {
      for (const [mid, ids] of parseMsids(offer.sdp)) this.midToTrack.set(mid, ids);
      const pc = this.pcs.subscriber;
      await pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
      await this.#flush(Target.SUBSCRIBER);
      await pc.setLocalDescription(await pc.createAnswer());
      this.signal.answer(pc.localDescription, offer.id);
      this.#reconcile();
    }).catch((err) => {
      if (!this.closed) {
        console.error("parley: answering the server's offer failed", err);
        this.#lost(`answering the server's offer failed: ${err.message || err}`);
      }
    });
  }

  // #reconcile reports the remote tracks that started or ended with the
  // last offer.
  #reconcile() {
    for (const t of this.pcs.subscriber.getTransceivers()) {
      if (!t.mid) continue;
      const ids = this.midToTrack.get(t.mid);
      const live = !t.stopped && (t.currentDirection === "recvonly" || t.currentDirection === "sendrecv") && ids;
      const had = this.attached.get(t.mid);
      if (had && (!live || had.trackSid !== ids.trackSid)) {
        this.attached.delete(t.mid);
        this.#emit("remoteTrackEnded", had);
      }
      if (live && !this.attached.has(t.mid)) {
        this.attached.set(t.mid, ids);
        this.#emit("remoteTrack", { ...ids, track: t.receiver.track, receiver: t.receiver });
      }
    }
  }

  // ---- publisher ----

  // publish announces a track, adds it to the publisher PC and negotiates.
  // opts: {source, name, encodings, layers, muted, stream}. It resolves with
  // the server's TrackInfo.
  async publish(track, opts) {
    const video = track.kind === "video";
    const settings = track.getSettings();
    const info = await this.signal.addTrack({
      cid: track.id,
      name: opts.name || track.kind,
      kind: video ? "TRACK_KIND_VIDEO" : "TRACK_KIND_AUDIO",
      source: opts.source,
      width: video ? settings.width || 0 : 0,
      height: video ? settings.height || 0 : 0,
      muted: !!opts.muted,
      layers: opts.layers || [],
    });
    const init = { direction: "sendonly", streams: [opts.stream || new MediaStream([track])] };
    if (opts.encodings) init.sendEncodings = opts.encodings;
    const transceiver = this.pcs.publisher.addTransceiver(track, init);
    if (video) preferVP8(transceiver);
    if (opts.degradation) {
      const p = transceiver.sender.getParameters();
      p.degradationPreference = opts.degradation;
      await transceiver.sender.setParameters(p).catch(() => {});
    }
    this.tracks.set(info.sid, { info, sender: transceiver.sender, transceiver, source: opts.source });
    await this.negotiate();
    return info;
  }

  // unpublish removes a track of ours.
  async unpublish(trackSid) {
    const t = this.tracks.get(trackSid);
    if (!t) return;
    this.tracks.delete(trackSid);
    try { this.signal.send({ removeTrack: { trackSid } }); } catch { /* closed */ }
    this.pcs.publisher.removeTrack(t.sender);
    await this.negotiate();
  }

  // replaceTrack swaps the media of a published track (null sends nothing).
  async replaceTrack(trackSid, track) {
    const t = this.tracks.get(trackSid);
    if (t) await t.sender.replaceTrack(track);
  }

  // setLayersActive turns simulcast layers of a published track on or off
  // by rid (dynacast).
  async setLayersActive(trackSid, active) {
    const t = this.tracks.get(trackSid);
    if (!t) return;
    const p = t.sender.getParameters();
    let changed = false;
    for (const e of p.encodings || []) {
      if (e.rid && e.rid in active && e.active !== active[e.rid]) {
        e.active = active[e.rid];
        changed = true;
      }
    }
    if (changed) await t.sender.setParameters(p);
  }

  trackBySource(source) {
    for (const [sid, t] of this.tracks) if (t.source === source) return { sid, ...t };
    return null;
  }

  // negotiate offers on the publisher PC; calls made while an offer is out
  // are folded into one more offer after its answer.
  negotiate(options = {}) {
    if (this.negotiating) {
      this.renegotiate = true;
      if (options.iceRestart) this.iceRestartNext = true;
      return this.negotiating;
    }
    this.negotiating = (async () => {
      let opts = options;
      do {
        this.renegotiate = false;
        await this.#offerOnce(opts);
        opts = this.iceRestartNext ? { iceRestart: true } : {};
        this.iceRestartNext = false;
      } while (this.renegotiate && !this.closed);
    })().finally(() => { this.negotiating = null; });
    return this.negotiating;
  }

  async #offerOnce(options) {
    const pc = this.pcs.publisher;
    const offer = await pc.createOffer(options);
    await pc.setLocalDescription(offer);
    const id = ++this.pubOfferId;
    const answered = new Promise((resolve) => this.answerWaiters.set(id, resolve));
    this.signal.offer(pc.localDescription, id);
    await answered;
  }

  // restartIce offers with new ICE credentials on the publisher PC; with
  // subscriberToo it also asks the server for an ICE-restart offer on the
  // subscriber PC (SignalRequest.iceRestart), for a network that changed.
  restartIce(subscriberToo = false) {
    if (subscriberToo) this.#send({ iceRestart: { target: Target.SUBSCRIBER } });
    return this.negotiate({ iceRestart: true });
  }

  async #onAnswer(answer) {
    const id = answer.id || this.pubOfferId;
    if (id !== this.pubOfferId) return; // answers a superseded offer
    await this.pcs.publisher.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    await this.#flush(Target.PUBLISHER);
    const done = this.answerWaiters.get(id);
    this.answerWaiters.delete(id);
    if (done) done();
  }

  // ---- resume ----

  // resume carries this session over to a new signaling connection after
  // the old one dropped (JoinRequest.resume_token): the server resumes the
  // participant with its sid, tracks and subscriptions and the
  // PeerConnections stay as they are; what changed in the room meanwhile is
  // in the JoinResponse it resolves with. It rejects when the server no
  // longer has the session (it then joined us afresh, and that participant
  // leaves again), so that the meeting rejoins instead.
  async resume() {
    const resumeToken = this.join && this.join.resumeToken;
    if (!resumeToken || this.closed) throw new Error("this session cannot be resumed");
    const signal = new SignalClient(this.url);
    await signal.connect();
    let join;
    try {
      join = await signal.join(this.token, { room: this.room, resumeToken });
    } catch (err) {
      signal.close();
      throw err;
    }
    if (!join.resumed) {
      signal.leave();
      setTimeout(() => signal.close(), 100); // let the leave go out
      throw new Error("the server no longer had the session");
    }
    const old = this.signal;
    this.signal = signal;
    this.join = join;
    if (old) old.close();
    this.#wire();
    this.lastPong = Date.now();
    // Fresh TURN credentials.
    for (const pc of Object.values(this.pcs)) pc.setConfiguration({ ...pc.getConfiguration(), iceServers: iceServersOf(join) });
    // An offer whose answer may have been lost goes out again, same id.
    const pub = this.pcs.publisher;
    if (this.answerWaiters.has(this.pubOfferId) && pub.localDescription) signal.offer(pub.localDescription, this.pubOfferId);
    // A media connection that died meanwhile restarts ICE.
    const down = (pc) => pc.connectionState === "disconnected" || pc.connectionState === "failed";
    if (down(this.pcs.subscriber)) this.#send({ iceRestart: { target: Target.SUBSCRIBER } });
    if (down(pub)) this.restartIce();
    return join;
  }

  // ---- ICE candidates ----

  async #onTrickle(trickle) {
    if (trickle.final || !trickle.candidateInit) return;
    const target = targetOf(trickle);
    const init = JSON.parse(trickle.candidateInit);
    const pc = target === Target.SUBSCRIBER ? this.pcs.subscriber : this.pcs.publisher;
    if (!pc.remoteDescription) {
      this.pending[target].push(init);
      return;
    }
    await pc.addIceCandidate(init);
  }

  async #flush(target) {
    const pc = target === Target.SUBSCRIBER ? this.pcs.subscriber : this.pcs.publisher;
    const queue = this.pending[target];
    while (queue.length) await pc.addIceCandidate(queue.shift());
  }

  // ---- requests ----

  #send(msg) {
    try {
      this.signal.send(msg);
      return true;
    } catch (err) {
      if (!(err instanceof SignalError)) throw err;
      return false;
    }
  }

  mute(trackSid, muted) { return this.#send({ mute: { trackSid, muted } }); }

  sendChat(text) { return this.#send({ data: { topic: "chat", text } }); }

  setAttributes(attributes) { return this.#send({ updateParticipant: { attributes } }); }

  // updateSubscriptions sends TrackSubscription entries.
  updateSubscriptions(tracks) {
    if (!tracks.length) return true;
    return this.#send({ subscription: { tracks } });
  }

  // leave says goodbye to the server; close tears everything down.
  leave() {
    if (this.signal) this.signal.leave();
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pingTimer);
    for (const t of Object.values(this.disconnectTimers)) clearTimeout(t);
    for (const pc of Object.values(this.pcs)) if (pc) pc.close();
    if (this.signal) this.signal.close();
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
