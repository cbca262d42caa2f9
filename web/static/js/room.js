// Room page entry: /<room> shows the pre-join screen; with
// ?name=Alice&autojoin=1 it joins at once (kiosks and tests). Other query
// parameters: token (a join token instead of a guest token), identity (the
// guest identity to ask for), camera=off and mic=off (join with them off),
// resolution=540 (cap the camera's capture height), relay=1 (media through
// TURN only).
import { byTestId, toast } from "./dom.js";
import { LocalMedia } from "./localmedia.js";
import { runPrejoin } from "./prejoin.js";
import { Meeting } from "./meeting.js";
import { rememberRoom } from "./names.js";
import { SignalError } from "./signal.js";

const body = document.body;
const params = new URLSearchParams(location.search);
const room = body.dataset.room;
const nameKey = "parley.name";

// debug is read by tests as window.parleyDebug.
const debug = {
  state: "starting", // starting, prejoin, connecting, joined, reconnecting, failed, left, disconnected
  error: "",
  room,
  identity: "",
  participantSid: "",
  pcs: { publisher: null, subscriber: null },
  rejoins: 0, // recoveries by a new session
  iceRestarts: 0, // recoveries by an ICE restart
  resumes: 0, // recoveries by resuming the session on a new signaling connection
};
Object.defineProperty(debug, "view", { enumerable: false, writable: true, value: null });
Object.defineProperties(debug, {
  participants: { enumerable: true, get: () => debugParticipants(debug.view) },
  subscriptions: { enumerable: true, get: () => (debug.view ? debug.view.adaptive.snapshot() : {}) },
  layout: { enumerable: true, get: () => (debug.view ? { mode: debug.view.layout.mode, stage: debug.view.layout.stageKey, page: debug.view.layout.page } : null) },
  stats: { enumerable: true, get: () => (debug.view ? Object.fromEntries(debug.view.stats.results) : {}) },
  localTracks: { enumerable: true, get: () => (debug.view && debug.view.session ? Object.fromEntries([...debug.view.session.tracks].map(([sid, t]) => [sid, t.info])) : {}) },
});
window.parleyDebug = debug;

function debugParticipants(view) {
  const out = {};
  if (!view) return out;
  for (const p of view.store.participants.values()) {
    out[p.sid] = { sid: p.sid, identity: p.identity, name: p.name, attributes: p.attributes, tracks: Object.fromEntries(p.tracks) };
  }
  return out;
}

// TokenSource hands out join tokens: the ?token= one, or a guest token
// for this room, asked again on a rejoin with the identity we had.
class TokenSource {
  constructor(name) {
    this.name = name;
    this.identity = params.get("identity") || "";
  }

  async get() {
    const given = params.get("token");
    if (given) return given;
    const req = { room, name: this.name };
    if (this.identity) req.identity = this.identity;
    const res = await fetch(body.dataset.guestTokenPath, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(req),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const why = data.error || res.statusText;
      throw new Error(`Could not get a guest token (HTTP ${res.status}): ${why}. ` +
        "Open this page with ?token=<a join token> instead.");
    }
    this.identity = data.identity || this.identity;
    debug.identity = this.identity;
    return data.token;
  }
}

function signalURL() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${body.dataset.signalPath}`;
}

// showEnded shows the closing screen with what happened.
function showEnded({ title, reason, error }) {
  byTestId("ended-title").textContent = title;
  const msg = byTestId("error");
  msg.textContent = reason;
  msg.hidden = !reason;
  msg.classList.toggle("is-error", !!error);
  if (error) debug.error = reason;
  byTestId("ended").hidden = false;
  document.title = `${title} · ${body.dataset.title}`;
}

function rejoinURL(name) {
  const q = new URLSearchParams({ name, autojoin: "1" });
  return `/${encodeURIComponent(room)}?${q}`;
}

async function main() {
  const media = new LocalMedia({ maxHeight: params.get("resolution") || 720 });
  let name = (params.get("name") || localStorage.getItem(nameKey) || "").trim().slice(0, 64);
  const autojoin = params.get("autojoin") === "1";
  if (autojoin) {
    await media.start({ video: params.get("camera") !== "off", audio: params.get("mic") !== "off" });
    const problems = [media.problems.video, media.problems.audio].filter(Boolean);
    if (problems.length) console.warn("parley:", problems.join(" "));
    name = name || "Guest";
  } else {
    debug.state = "prejoin";
    byTestId("status").textContent = "Ready to join";
    name = await runPrejoin({ media, name });
  }
  try {
    localStorage.setItem(nameKey, name);
  } catch { /* not remembered */ }
  byTestId("rejoin-button").addEventListener("click", () => location.assign(rejoinURL(name)));

  const meeting = new Meeting({
    room, name, media,
    tokens: new TokenSource(name),
    signalURL: signalURL(),
    relay: params.get("relay") === "1",
    debug,
    onEnd: showEnded,
  });
  try {
    await meeting.start();
    rememberRoom(room);
    const problems = [media.problems.video, media.problems.audio].filter(Boolean);
    if (problems.length && autojoin) {
      // The pre-join screen said it already; autojoin says it once here.
      toast(problems.join(" "), { ms: 6000 });
    }
  } catch (err) {
    const message = err instanceof SignalError ? `Could not join: ${err.message}` : (err.message || String(err));
    console.error("parley:", message);
    meeting.ended = true;
    media.stopAll();
    document.getElementById("meeting").hidden = true;
    debug.state = "failed";
    byTestId("status").textContent = "Could not join";
    showEnded({ title: "Could not join", reason: message, error: true });
  }
}

main();
