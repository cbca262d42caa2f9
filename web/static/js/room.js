// Room page: join a room, publish the camera and microphone, and show one
// tile per remote participant.
//
// Session shape (signal.proto): two PeerConnections. We offer on the
// publisher PC (sendonly transceivers, each track announced first with
// addTrack); the server offers on the subscriber PC and we answer every
// offer. Remote tracks are matched to track sids through the server offer's
// `a=msid:<participantSid> <trackSid>` line of each m-section, by mid.
//
// Tests read window.parleyDebug: {pcs: {publisher, subscriber}, state,
// error, participants, ...}.
import { SignalClient, SignalError, Target, targetOf } from "./signal.js";

const body = document.body;
const params = new URLSearchParams(location.search);
const roomName = body.dataset.room;

const el = {
  status: document.querySelector('[data-testid="status"]'),
  error: document.querySelector('[data-testid="error"]'),
  notice: document.querySelector('[data-testid="notice"]'),
  tiles: document.getElementById("tiles"),
  localVideo: document.querySelector('[data-testid="local-video"]'),
  localName: document.querySelector('[data-testid="local-name"]'),
  mic: document.getElementById("mic"),
  camera: document.getElementById("camera"),
  leave: document.getElementById("leave"),
};

// debug is the page state, shared with tests as window.parleyDebug.
const debug = {
  pcs: { publisher: null, subscriber: null },
  state: "starting", // starting, connecting, joined, failed, left, disconnected
  error: "",
  room: roomName,
  identity: "",
  participantSid: "",
  participants: {}, // sid -> {sid, identity, name, tracks: {trackSid: TrackInfo}}
  localTracks: {}, // cid -> TrackInfo
  rtt: 0,
};
window.parleyDebug = debug;

let signal = null;
let localStream = null;
let pingTimer = 0;
let pubOfferId = 0;
const midToTrack = new Map(); // subscriber mid -> {participantSid, trackSid}

function setState(state, text) {
  debug.state = state;
  el.status.textContent = text;
}

function fail(message) {
  debug.error = message;
  el.error.textContent = message;
  el.error.hidden = false;
  console.error("parley:", message);
}

function notify(message) {
  el.notice.textContent = message;
  el.notice.hidden = false;
}

// ---- token, media, signaling ----

async function getToken(name) {
  const given = params.get("token");
  if (given) return given;
  const res = await fetch(body.dataset.guestTokenPath, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ room: roomName, name }),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const why = data.error || res.statusText;
    throw new Error(`Could not get a guest token (HTTP ${res.status}): ${why}. ` +
      "Open this page with ?token=<a join token> instead.");
  }
  debug.identity = data.identity || "";
  return data.token;
}

// getLocalMedia asks for the camera and the microphone, falling back to
// either one; a person without devices can still watch.
async function getLocalMedia() {
  const video = { width: { ideal: 1280 }, height: { ideal: 720 } };
  for (const constraints of [{ audio: true, video }, { audio: true }, { video }]) {
    try {
      return await navigator.mediaDevices.getUserMedia(constraints);
    } catch (err) {
      console.warn("parley: getUserMedia", constraints, err);
    }
  }
  notify("No camera or microphone: you can watch and listen, but not be seen or heard.");
  return null;
}

function signalURL() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${body.dataset.signalPath}`;
}

function rtcConfig(join) {
  const relay = params.get("relay") === "1" || join.iceTransportPolicy === "relay";
  return {
    iceServers: (join.iceServers || []).map((s) => ({
      urls: s.urls, username: s.username, credential: s.credential,
    })),
    iceTransportPolicy: relay ? "relay" : "all",
    bundlePolicy: "max-bundle",
  };
}

// ---- PeerConnections ----

// remoteCandidates holds the server's candidates for a PC until it has a
// remote description.
const pendingCandidates = { [Target.PUBLISHER]: [], [Target.SUBSCRIBER]: [] };

function pcFor(target) {
  return target === Target.SUBSCRIBER ? debug.pcs.subscriber : debug.pcs.publisher;
}

async function addRemoteCandidate(trickle) {
  const target = targetOf(trickle);
  if (trickle.final || !trickle.candidateInit) return;
  const init = JSON.parse(trickle.candidateInit);
  const pc = pcFor(target);
  if (!pc || !pc.remoteDescription) {
    pendingCandidates[target].push(init);
    return;
  }
  await pc.addIceCandidate(init);
}

async function flushCandidates(target) {
  const pc = pcFor(target);
  const queue = pendingCandidates[target];
  while (queue.length) await pc.addIceCandidate(queue.shift());
}

function createPCs(config) {
  const publisher = new RTCPeerConnection(config);
  const subscriber = new RTCPeerConnection(config);
  debug.pcs.publisher = publisher;
  debug.pcs.subscriber = subscriber;
  publisher.addEventListener("icecandidate", (e) => signal.trickle(Target.PUBLISHER, e.candidate));
  subscriber.addEventListener("icecandidate", (e) => signal.trickle(Target.SUBSCRIBER, e.candidate));
  subscriber.addEventListener("track", onRemoteTrack);
  for (const [name, pc] of Object.entries(debug.pcs)) {
    pc.addEventListener("connectionstatechange", () => {
      console.info(`parley: ${name} PC ${pc.connectionState}`);
      if (pc.connectionState === "failed") notify(`The ${name} media connection failed.`);
    });
  }
}

async function negotiatePublisher(options) {
  const pc = debug.pcs.publisher;
  const offer = await pc.createOffer(options);
  await pc.setLocalDescription(offer);
  signal.offer(pc.localDescription, ++pubOfferId);
}

async function onAnswer(answer) {
  if (answer.id && answer.id !== pubOfferId) return; // answers a superseded offer
  await debug.pcs.publisher.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  await flushCandidates(Target.PUBLISHER);
}

// parseMsids records, for each m-section of a server offer, which track of
// which participant it carries.
function parseMsids(sdp) {
  const map = new Map();
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const mid = /^a=mid:(\S+)/m.exec(section);
    const msid = /^a=msid:(\S+) (\S+)/m.exec(section);
    if (mid && msid) map.set(mid[1], { participantSid: msid[1], trackSid: msid[2] });
  }
  return map;
}

// Server offers are handled one at a time, in order.
let offerChain = Promise.resolve();

function onOffer(offer) {
  offerChain = offerChain.then(async () => {
    for (const [mid, ids] of parseMsids(offer.sdp)) midToTrack.set(mid, ids);
    const pc = debug.pcs.subscriber;
    await pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
    await flushCandidates(Target.SUBSCRIBER);
    await pc.setLocalDescription(await pc.createAnswer());
    signal.answer(pc.localDescription, offer.id);
  }).catch((err) => fail(`Could not answer the server's offer: ${err.message || err}`));
}

// ---- publishing ----

async function publish() {
  if (!localStream) return;
  const pc = debug.pcs.publisher;
  for (const track of localStream.getTracks()) {
    const video = track.kind === "video";
    const settings = track.getSettings();
    const info = await signal.addTrack({
      cid: track.id,
      name: video ? "camera" : "microphone",
      kind: video ? "TRACK_KIND_VIDEO" : "TRACK_KIND_AUDIO",
      source: video ? "TRACK_SOURCE_CAMERA" : "TRACK_SOURCE_MICROPHONE",
      width: video ? settings.width || 0 : 0,
      height: video ? settings.height || 0 : 0,
    });
    debug.localTracks[track.id] = info;
    pc.addTransceiver(track, { direction: "sendonly", streams: [localStream] });
  }
  await negotiatePublisher();
}

function localTrackSid(kind) {
  const track = localStream && localStream.getTracks().find((t) => t.kind === kind);
  const info = track && debug.localTracks[track.id];
  return info ? { track, sid: info.sid } : null;
}

function toggle(kind, button, onLabel, offLabel) {
  const t = localTrackSid(kind);
  if (!t) return;
  t.track.enabled = !t.track.enabled;
  const muted = !t.track.enabled;
  signal.mute(t.sid, muted);
  button.setAttribute("aria-pressed", String(muted));
  button.setAttribute("aria-label", muted ? offLabel : onLabel);
  button.classList.toggle("off", muted);
}

// ---- participants and tiles ----

function tileOf(sid) {
  return el.tiles.querySelector(`.tile[data-sid="${CSS.escape(sid)}"]`);
}

function upsertParticipant(info) {
  if (!info || !info.sid || info.sid === debug.participantSid) return;
  const p = debug.participants[info.sid] || { sid: info.sid, tracks: {} };
  p.identity = info.identity || p.identity || "";
  p.name = info.name || p.identity;
  for (const t of info.tracks || []) p.tracks[t.sid] = t;
  debug.participants[info.sid] = p;

  let tile = tileOf(info.sid);
  if (!tile) {
    tile = document.createElement("div");
    tile.className = "tile";
    tile.dataset.sid = info.sid;
    const name = document.createElement("span");
    name.className = "name";
    tile.append(name);
    el.tiles.append(tile);
  }
  tile.dataset.testid = `tile-${p.identity}`;
  tile.querySelector(".name").textContent = p.name;
}

function removeParticipant(sid) {
  delete debug.participants[sid];
  const tile = tileOf(sid);
  if (tile) {
    for (const m of tile.querySelectorAll("video, audio")) m.srcObject = null;
    tile.remove();
  }
}

function onRemoteTrack(e) {
  const ids = midToTrack.get(e.transceiver.mid);
  const participantSid = ids ? ids.participantSid : (e.streams[0] && e.streams[0].id);
  const trackSid = ids ? ids.trackSid : e.track.id;
  if (!participantSid || !tileOf(participantSid)) {
    upsertParticipant({ sid: participantSid || "unknown", identity: participantSid || "unknown" });
  }
  const tile = tileOf(participantSid || "unknown");
  const tag = e.track.kind === "video" ? "video" : "audio";
  let media = tile.querySelector(`${tag}[data-track-sid="${CSS.escape(trackSid)}"]`);
  if (!media) {
    media = document.createElement(tag);
    media.autoplay = true;
    media.dataset.trackSid = trackSid;
    if (tag === "video") {
      media.playsInline = true;
      media.muted = true; // sound plays through the audio element
      tile.prepend(media);
    } else {
      tile.append(media);
    }
  }
  media.srcObject = new MediaStream([e.track]);
  e.track.addEventListener("ended", () => media.remove());
}

function removeTrack(trackSid, participantSid) {
  const p = debug.participants[participantSid];
  if (p) delete p.tracks[trackSid];
  for (const m of el.tiles.querySelectorAll(`[data-track-sid="${CSS.escape(trackSid)}"]`)) {
    m.srcObject = null;
    m.remove();
  }
}

// ---- session ----

// leaveReasons words LeaveResponse.reason for people.
const leaveReasons = {
  LEAVE_REASON_CLIENT_REQUEST: "you left",
  LEAVE_REASON_DUPLICATE_IDENTITY: "you joined this room from another tab or device",
  LEAVE_REASON_PARTICIPANT_REMOVED: "you were removed from the room",
  LEAVE_REASON_ROOM_DELETED: "the room was closed",
  LEAVE_REASON_SERVER_SHUTDOWN: "the server is shutting down",
  LEAVE_REASON_CONNECTION_LOST: "the connection was lost",
  LEAVE_REASON_JOIN_FAILURE: "joining failed",
  LEAVE_REASON_NODE_FAILURE: "the server hosting you failed",
};

function wireEvents() {
  const on = (kind, fn) => signal.addEventListener(kind, (e) => {
    Promise.resolve(fn(e.detail)).catch((err) => console.error(`parley: handling ${kind}:`, err));
  });
  on("offer", onOffer);
  on("answer", onAnswer);
  on("trickle", addRemoteCandidate);
  on("participantJoined", (m) => upsertParticipant(m.participant));
  on("participantUpdated", (m) => upsertParticipant(m.participant));
  on("participantLeft", (m) => removeParticipant(m.participantSid));
  on("trackAdded", (m) => {
    const t = m.track;
    if (t && debug.participants[t.participantSid]) debug.participants[t.participantSid].tracks[t.sid] = t;
  });
  on("trackRemoved", (m) => removeTrack(m.trackSid, m.participantSid));
  on("trackMuted", (m) => {
    const p = debug.participants[m.participantSid];
    if (p && p.tracks[m.trackSid]) p.tracks[m.trackSid].muted = !!m.muted;
  });
  on("pong", (m) => { debug.rtt = Date.now() - Number(m.timestamp); });
  on("iceRestart", (m) => {
    if (targetOf(m) === Target.PUBLISHER) return negotiatePublisher({ iceRestart: true });
  });
  on("error", (m) => console.warn("parley: server error", m.code, m.message));
  on("leave", (m) => {
    if (debug.state !== "joined") return; // we left first
    const why = m.message || leaveReasons[m.reason] || "the server ended the session";
    end("left", "Disconnected");
    fail(`You were disconnected: ${why}.`);
  });
  on("close", (m) => {
    if (debug.state === "joined") {
      end("disconnected", "Disconnected");
      fail(`The connection to the server closed${m.reason ? `: ${m.reason}` : ""}.`);
    }
  });
}

function end(state, text) {
  clearInterval(pingTimer);
  for (const pc of Object.values(debug.pcs)) if (pc) pc.close();
  if (localStream) for (const t of localStream.getTracks()) t.stop();
  for (const b of [el.mic, el.camera, el.leave]) b.disabled = true;
  setState(state, text);
}

async function main() {
  const name = (params.get("name") || localStorage.getItem("parley.name") || "Guest").slice(0, 64);
  el.localName.textContent = `${name} (you)`;
  setState("connecting", "Connecting…");
  try {
    const token = await getToken(name);
    localStream = await getLocalMedia();
    if (localStream) el.localVideo.srcObject = localStream;

    signal = new SignalClient(signalURL());
    await signal.connect();
    const join = await signal.join(token);
    debug.participantSid = join.participant.sid;
    debug.identity = join.participant.identity;
    wireEvents();
    createPCs(rtcConfig(join));
    for (const p of join.otherParticipants || []) upsertParticipant(p);
    const interval = (join.pingInterval || 10) * 1000;
    pingTimer = setInterval(() => { try { signal.ping(); } catch { /* closed */ } }, interval);
    setState("joined", `In ${join.room ? join.room.name : roomName}`);
    await publish();
    el.mic.disabled = !localTrackSid("audio");
    el.camera.disabled = !localTrackSid("video");
    el.leave.disabled = false;
  } catch (err) {
    const message = err instanceof SignalError ? `Could not join: ${err.message}` : (err.message || String(err));
    fail(message);
    end("failed", "Could not join");
    if (signal) signal.close();
  }
}

el.mic.addEventListener("click", () => toggle("audio", el.mic, "Mute microphone", "Unmute microphone"));
el.camera.addEventListener("click", () => toggle("video", el.camera, "Turn camera off", "Turn camera on"));
el.leave.addEventListener("click", () => {
  signal.leave();
  signal.close();
  end("left", "You left the meeting");
});
window.addEventListener("pagehide", () => { if (signal && debug.state === "joined") signal.leave(); });

main();
