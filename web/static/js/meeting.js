// Meeting: the in-call screen. It owns the session (and makes a new one
// when the connection has to be rebuilt), feeds the server's events to the
// store, and wires the tiles, panels, controls and shortcuts together.
//
// Tests read window.parleyDebug (see debugView): state, identity, pcs,
// participants, subscriptions, layout, stats.
import { byTestId, clearToasts, toast } from "./dom.js";
import { fillIcons, setIcon } from "./icons.js";
import { Session } from "./session.js";
import { Store, cameraOf, handRaised, micOf } from "./store.js";
import { Layout } from "./layout.js";
import { Adaptive } from "./adaptive.js";
import { Remotes } from "./remotes.js";
import { Local } from "./local.js";
import { Chat } from "./chat.js";
import { People } from "./people.js";
import { StatsMonitor, finalLevel, serverQuality } from "./stats.js";
import { StatsPopover } from "./popover.js";
import { Shortcuts } from "./shortcuts.js";
import { Reconnector } from "./reconnect.js";
import { leaveReasons, rejoinable } from "./reasons.js";

// How long an ICE restart may take before the meeting rejoins instead.
const iceRestartTimeout = 6000;

export class Meeting {
  // tokens.get() resolves with a join token; media is a LocalMedia.
  constructor({ room, name, tokens, media, signalURL, relay, debug, onEnd }) {
    this.room = room;
    this.name = name;
    this.tokens = tokens;
    this.media = media;
    this.signalURL = signalURL;
    this.relay = relay;
    this.debug = debug;
    this.onEnd = onEnd;
    this.session = null;
    this.selfQuality = "";
    this.ended = false;
    this.store = new Store();
    const q = (id) => byTestId(id);
    this.el = {
      section: document.getElementById("meeting"),
      side: document.getElementById("side"),
      chatPanel: document.getElementById("chat-panel"),
      peoplePanel: document.getElementById("people-panel"),
      layoutBtn: q("layout-button"),
      chatBtn: q("chat-button"),
      peopleBtn: q("people-button"),
      clock: q("clock"),
    };
    fillIcons(this.el.section);
    fillIcons(document.getElementById("help"));
    this.layout = new Layout({
      area: document.getElementById("stage-area"),
      grid: document.getElementById("grid"),
      speaker: document.getElementById("speaker"),
      stage: document.getElementById("stage"),
      strip: document.getElementById("strip"),
      pager: q("pager"),
    });
    this.adaptive = new Adaptive((tracks) => !!this.session && this.session.updateSubscriptions(tracks));
    this.layout.addEventListener("change", () => this.adaptive.refresh());
    this.layout.addEventListener("mode", () => this.#layoutButton());
    this.popover = new StatsPopover(q("stats-popover"));
    this.stats = new StatsMonitor(() => this.#statsSources());
    this.stats.onSample((results) => this.#onStats(results));
    this.local = new Local({
      media, layout: this.layout, name,
      buttons: { mic: q("mic-button"), camera: q("camera-button"), share: q("share-button"), hand: q("hand-button") },
    });
    this.#wireTile(this.local.tile);
    this.local.onScreenTile = (t) => this.#wireTile(t);
    this.remotes = new Remotes({
      store: this.store, layout: this.layout, adaptive: this.adaptive,
      sink: document.getElementById("audio-sink"), onTile: (t) => this.#wireTile(t),
    });
    this.remotes.setSpeaker(media.speakerId);
    this.chat = new Chat({ panel: this.el.chatPanel, button: this.el.chatBtn, selfName: name, send: (text) => !!this.session && this.session.sendChat(text) });
    this.chat.addEventListener("unread", (e) => toast(`${e.detail.fromName}: ${e.detail.text}`, { kind: "chat" }));
    this.chat.addEventListener("failed", () => toast("Not connected: the message was not sent.", { error: true }));
    this.people = new People(this.el.peoplePanel, q("people-badge"));
    this.people.addEventListener("pin", (e) => this.layout.pin(e.detail));
    for (const type of ["update", "remove", "self"]) this.store.addEventListener(type, () => this.#renderPeople());
    media.addEventListener("change", () => this.#renderPeople());
    this.shortcuts = new Shortcuts(document.getElementById("help"), {
      mic: () => this.local.toggleMic(),
      camera: () => this.local.toggleCamera(),
      share: () => this.local.toggleShare(),
      hand: () => this.local.toggleHand(),
      chat: () => this.#side("chat"),
      people: () => this.#side("people"),
      layout: () => this.layout.toggleMode(),
      help: () => this.shortcuts.help(),
    });
    this.reconnector = new Reconnector({
      banner: q("reconnect-banner"),
      recover: (attempt) => this.#recover(attempt),
      giveUp: (err) => this.#end("disconnected", "You were disconnected", `Reconnecting failed${err ? `: ${err.message || err}` : ""}.`),
    });
    this.#wireControls();
    debug.view = this;
  }

  #wireControls() {
    const q = (id) => byTestId(id);
    q("mic-button").addEventListener("click", () => this.local.toggleMic());
    q("camera-button").addEventListener("click", () => this.local.toggleCamera());
    q("share-button").addEventListener("click", () => this.local.toggleShare());
    q("hand-button").addEventListener("click", () => this.local.toggleHand());
    q("leave-button").addEventListener("click", () => this.leave());
    this.el.layoutBtn.addEventListener("click", () => this.layout.toggleMode());
    this.el.chatBtn.addEventListener("click", () => this.#side("chat"));
    this.el.peopleBtn.addEventListener("click", () => this.#side("people"));
    q("chat-close").addEventListener("click", () => this.#side(""));
    q("people-close").addEventListener("click", () => this.#side(""));
    q("invite-button").addEventListener("click", () => this.copyInvite());
    q("invite-panel").addEventListener("click", () => this.copyInvite());
    q("help-button").addEventListener("click", () => this.shortcuts.help());
    document.addEventListener("click", () => this.remotes.resumeAudio(), { capture: true });
    window.addEventListener("pagehide", () => { if (this.session && !this.ended) this.session.leave(); });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.side && !this.popover.tile && !document.getElementById("help").open) this.#side("");
    });
  }

  #wireTile(tile) {
    tile.addEventListener("pin", () => this.layout.pin(tile.key));
    tile.addEventListener("stats", () => this.popover.toggle(tile, this.stats.results.get(tile.key)));
  }

  // start shows the meeting and joins.
  async start() {
    this.el.section.hidden = false;
    this.#setState("connecting", "Connecting…");
    this.#tickClock();
    this.#layoutButton();
    await this.#connect();
    this.local.enable(true);
    byTestId("leave-button").disabled = false;
    this.shortcuts.enabled = true;
    this.stats.start();
    this.#setState("joined", `In ${this.room}`);
  }

  // #connect joins with a new session and brings it up to the meeting's
  // state: room state, our tracks, our hand.
  async #connect() {
    const token = await this.tokens.get();
    const session = new Session({ url: this.signalURL, token, room: this.room, relay: this.relay });
    try {
      const join = await session.connect();
      this.#adopt(session, join);
      await this.local.publishAll(session);
    } catch (err) {
      session.close();
      if (this.session === session) this.session = null;
      throw err;
    }
  }

  #adopt(session, join) {
    if (this.session) this.session.close();
    this.session = session;
    this.debug.pcs = session.pcs;
    this.debug.identity = join.participant.identity;
    this.debug.participantSid = join.participant.sid;
    this.tokens.identity = join.participant.identity;
    this.remotes.reset();
    this.store.self = join.participant;
    this.#wireSession(session);
    this.store.replaceAll(join.otherParticipants || []);
    this.adaptive.reset();
    this.#renderPeople();
  }

  #wireSession(session) {
    const on = (type, fn) => session.addEventListener(type, (e) => {
      if (this.session === session && !this.ended) fn(e.detail);
    });
    const s = this.store;
    on("participantJoined", (m) => s.upsert(m.participant));
    on("participantUpdated", (m) => s.upsert(m.participant));
    on("participantLeft", (m) => s.remove(m.participantSid));
    on("trackAdded", (m) => s.trackAdded(m.track));
    on("trackRemoved", (m) => s.trackRemoved(m.participantSid, m.trackSid));
    on("trackMuted", (m) => {
      if (m.participantSid === session.participantSid) this.local.applyServerMute(m.trackSid, !!m.muted);
      else s.trackMuted(m.participantSid, m.trackSid, !!m.muted);
    });
    on("remoteTrack", (m) => this.remotes.attach(m));
    on("remoteTrackEnded", (m) => this.remotes.detach(m));
    on("data", (m) => {
      if ((m.topic || "") !== "chat") return;
      this.chat.add({ fromName: m.fromName || m.fromIdentity, fromIdentity: m.fromIdentity, text: m.text || "", at: Number(m.timestamp) || Date.now() });
    });
    on("speakersChanged", (m) => {
      s.setSpeakers(m.speakers);
      this.local.setSpeaking(s.speakers.has(session.participantSid));
      const loud = s.participants.get(s.loudest());
      this.layout.setSpeaker(loud ? loud.identity : "");
    });
    on("connectionQuality", (m) => {
      for (const u of m.updates || []) {
        if (u.participantSid === session.participantSid) this.selfQuality = serverQuality(u.quality);
        else s.setQuality(u.participantSid, serverQuality(u.quality));
      }
    });
    on("streamState", (m) => {
      for (const p of this.remotes.setStreamStates(m.streams)) toast(`${p.name}'s video is paused to save bandwidth.`);
    });
    on("subscribedQuality", (m) => this.local.onSubscribedQuality(m));
    on("error", (m) => console.warn("parley: server error", m.code, m.message));
    on("leave", (m) => this.#onLeave(m));
    on("lost", (m) => this.reconnector.trigger(m.reason));
  }

  #onLeave(m) {
    if (rejoinable(m)) {
      this.reconnector.trigger(`the server ended the session (${m.reason || "no reason"})`);
      return;
    }
    const why = m.message || leaveReasons[m.reason] || "the server ended the session";
    this.#end("left", "You were disconnected", `You were disconnected: ${why}.`);
  }

  // #recover is one reconnect attempt: an ICE restart first when only the
  // media broke, a resume of the session on a new signaling connection when
  // that dropped, else (or when those fail) a rejoin with a new session.
  async #recover(attempt) {
    this.#setState("reconnecting", "Reconnecting…");
    const old = this.session;
    const signalUp = old && old.signal && !old.signal.closed;
    if (attempt === 1 && signalUp && await this.#iceRestart(old)) {
      this.debug.iceRestarts++;
    } else if (!signalUp && old && await this.#resume(old)) {
      this.debug.resumes++;
    } else {
      await this.#connect();
      this.debug.rejoins++;
    }
    this.#setState("joined", `In ${this.room}`);
  }

  // #resume continues the session on a new signaling connection: same
  // participant, PeerConnections and tiles; the room as it is now comes
  // with the JoinResponse. False when the server no longer has the session.
  async #resume(session) {
    try {
      const join = await session.resume();
      this.store.self = join.participant;
      this.store.replaceAll(join.otherParticipants || []);
      this.#renderPeople();
      return true;
    } catch (err) {
      console.warn("parley: resuming the session failed:", err);
      return false;
    }
  }

  async #iceRestart(session) {
    const connected = () => Object.values(session.pcs).every((pc) => pc && pc.connectionState === "connected");
    try {
      await Promise.race([session.restartIce(true), new Promise((_, rej) => setTimeout(() => rej(new Error("timeout")), iceRestartTimeout))]);
    } catch {
      return false;
    }
    const deadline = Date.now() + iceRestartTimeout;
    while (Date.now() < deadline) {
      if (connected()) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  }

  leave() {
    if (this.ended) return;
    if (this.session) this.session.leave();
    this.#end("left", "You left the meeting", "");
  }

  #end(state, title, reason) {
    if (this.ended) return;
    this.ended = true;
    this.reconnector.stop();
    this.stats.stop();
    this.popover.close();
    this.shortcuts.enabled = false;
    if (this.session) setTimeout(() => this.session.close(), 100); // let the leave go out
    this.media.stopAll();
    this.el.section.hidden = true;
    this.#setState(state, title);
    this.onEnd({ title, reason, error: state !== "left" || !!reason });
  }

  #setState(state, text) {
    this.debug.state = state;
    byTestId("status").textContent = text;
  }

  // ---- side panels, people, stats ----

  #side(which) {
    const next = this.side === which ? "" : which;
    this.side = next;
    this.el.side.hidden = !next;
    this.el.chatPanel.hidden = next !== "chat";
    this.el.peoplePanel.hidden = next !== "people";
    this.el.chatBtn.setAttribute("aria-pressed", String(next === "chat"));
    this.el.peopleBtn.setAttribute("aria-pressed", String(next === "people"));
    this.el.chatBtn.classList.toggle("on", next === "chat");
    this.el.peopleBtn.classList.toggle("on", next === "people");
    this.el.section.classList.toggle("with-side", !!next);
    this.chat.setOpen(next === "chat");
    if (next === "chat") clearToasts("chat");
    this.layout.update();
  }

  #renderPeople() {
    if (this.peopleQueued) return;
    this.peopleQueued = true;
    requestAnimationFrame(() => {
      this.peopleQueued = false;
      const m = this.media;
      const list = [{
        key: "local", identity: this.debug.identity, name: this.name, local: true, order: -1, hand: this.local.hand,
        mic: !m.mic ? "none" : m.micMuted ? "off" : "on", camera: m.camera ? "on" : "off",
      }];
      for (const p of this.store.sorted()) {
        const mic = micOf(p);
        const cam = cameraOf(p);
        list.push({
          key: p.identity, identity: p.identity, name: p.name, local: false, order: p.order, hand: handRaised(p.attributes),
          mic: !mic ? "none" : mic.muted ? "off" : "on", camera: !cam ? "none" : cam.muted ? "off" : "on",
        });
      }
      this.people.render(list);
    });
  }

  #statsSources() {
    const tiles = this.remotes.statsSources();
    tiles.push({ tile: this.local.tile, server: this.selfQuality });
    if (this.local.screenTile) tiles.push({ tile: this.local.screenTile, server: this.selfQuality });
    this.lastSources = tiles;
    return { session: this.session, tiles };
  }

  #onStats(results) {
    for (const src of this.lastSources || []) {
      src.tile.setQuality(finalLevel(results.get(src.tile.key), src.server));
    }
    this.popover.update(results);
  }

  #layoutButton() {
    const speaker = this.layout.mode === "speaker";
    const btn = this.el.layoutBtn;
    setIcon(btn, speaker ? "grid" : "speaker");
    const label = speaker ? "Switch to tile view (T)" : "Switch to speaker view (T)";
    btn.setAttribute("aria-label", label);
    btn.title = label;
  }

  #tickClock() {
    const tick = () => {
      this.el.clock.textContent = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    };
    tick();
    setInterval(tick, 10000);
  }

  async copyInvite() {
    const url = `${location.origin}/${encodeURIComponent(this.room)}`;
    try {
      await navigator.clipboard.writeText(url);
      toast("Invite link copied to the clipboard.");
    } catch {
      toast(`Invite people with this link: ${url}`, { ms: 8000 });
    }
    this.debug.invite = url;
  }
}
