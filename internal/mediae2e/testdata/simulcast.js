// Media test page of the Parley server tests, independent of the web app:
// one participant over /signal (protobuf JSON, one message per WebSocket
// text frame). With role=pub it publishes the fake camera at 1280x720 as
// three simulcast layers (q, h, f) and applies dynacast updates; with
// role=sub it subscribes to the tracks the test names, at the tile size
// the test asks for, and watches decoding for stalls. The test drives it
// through window.simtest.
const params = new URLSearchParams(location.search);
const role = params.get("role");
const simtest = {
  state: "starting", error: "",
  pubTrackSid: "",          // role=pub: the camera's track sid
  layers: [],               // role=pub: the server's layers (quality, rid)
  dynacast: [],             // role=pub: every SubscribedQualityUpdate applied
  streamStates: [],         // role=sub: every StreamStateInfo received
  maxStall: 0,              // role=sub: longest time without a decoded frame, ms
  subscribe: null, resetStall: null,
};
window.simtest = simtest;
window.parleyDebug = { pcs: {} };

function fail(err) {
  simtest.state = "failed";
  simtest.error = String(err && err.message || err);
  console.error("simtest:", err);
}

// ---- signaling ----

let ws;
let nextRequestId = 1;
const listeners = new Map(); // message kind -> handlers

function send(msg) {
  msg.requestId = nextRequestId++;
  ws.send(JSON.stringify(msg));
  return msg.requestId;
}

function on(kind, fn) {
  if (!listeners.has(kind)) listeners.set(kind, []);
  listeners.get(kind).push(fn);
}

function next(kind, pred = () => true) {
  return new Promise((resolve) => {
    const fn = (m) => {
      if (!pred(m)) return;
      listeners.set(kind, listeners.get(kind).filter((f) => f !== fn));
      resolve(m);
    };
    on(kind, fn);
  });
}

function receive(data) {
  const msg = JSON.parse(data);
  const kind = Object.keys(msg).find((k) => k !== "requestId");
  if (kind === "error") fail(`server error ${msg.error.code}: ${msg.error.message}`);
  for (const fn of listeners.get(kind) || []) {
    Promise.resolve().then(() => fn(msg[kind])).catch(fail);
  }
}

function connect(url) {
  return new Promise((resolve, reject) => {
    ws = new WebSocket(url);
    ws.addEventListener("open", resolve);
    ws.addEventListener("error", () => reject(new Error("WebSocket failed")));
    ws.addEventListener("message", (e) => receive(e.data));
    ws.addEventListener("close", (e) => { if (simtest.state !== "failed") simtest.state = "closed:" + e.reason; });
  });
}

// ---- PeerConnections ----

const PUB = "SIGNAL_TARGET_PUBLISHER", SUB = "SIGNAL_TARGET_SUBSCRIBER";
const pending = { [PUB]: [], [SUB]: [] };
const pcOf = (target) => target === SUB ? window.parleyDebug.pcs.subscriber : window.parleyDebug.pcs.publisher;

function makePC(target, name) {
  const pc = new RTCPeerConnection();
  window.parleyDebug.pcs[name] = pc;
  pc.addEventListener("icecandidate", (e) => {
    send({ trickle: e.candidate
      ? { target, candidateInit: JSON.stringify(e.candidate.toJSON()) }
      : { target, final: true } });
  });
  return pc;
}

on("trickle", async (t) => {
  const target = t.target === SUB ? SUB : PUB;
  if (!t.candidateInit) return;
  const init = JSON.parse(t.candidateInit);
  const pc = pcOf(target);
  if (!pc || !pc.remoteDescription) pending[target].push(init);
  else await pc.addIceCandidate(init);
});

async function flush(target) {
  const pc = pcOf(target);
  while (pending[target].length) await pc.addIceCandidate(pending[target].shift());
}

// ---- publisher ----

const encodings = [
  { rid: "q", scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: "h", scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: "f", scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

async function publish() {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: { exact: 1280 }, height: { exact: 720 }, frameRate: 30 },
  });
  document.getElementById("local").srcObject = stream;
  const track = stream.getVideoTracks()[0];
  const pc = makePC(PUB, "publisher");
  const published = next("trackPublished", (m) => m.cid === track.id);
  send({ addTrack: {
    cid: track.id, name: "camera", kind: "TRACK_KIND_VIDEO", source: "TRACK_SOURCE_CAMERA",
    width: 1280, height: 720,
    layers: [
      { quality: "VIDEO_QUALITY_LOW", rid: "q", width: 320, height: 180, bitrate: 150_000 },
      { quality: "VIDEO_QUALITY_MEDIUM", rid: "h", width: 640, height: 360, bitrate: 500_000 },
      { quality: "VIDEO_QUALITY_HIGH", rid: "f", width: 1280, height: 720, bitrate: 1_200_000 },
    ],
  } });
  const info = (await published).track;
  simtest.pubTrackSid = info.sid;
  simtest.layers = info.layers || [];
  const tr = pc.addTransceiver(track, { direction: "sendonly", streams: [stream], sendEncodings: encodings });
  const answered = next("answer");
  await pc.setLocalDescription(await pc.createOffer());
  send({ offer: { type: "offer", sdp: pc.localDescription.sdp, id: 1 } });
  await pc.setRemoteDescription({ type: "answer", sdp: (await answered).sdp });
  await flush(PUB);
  // Keep the resolution of each layer when the CPU is short: the test
  // checks frame sizes.
  const p = tr.sender.getParameters();
  p.degradationPreference = "maintain-resolution";
  await tr.sender.setParameters(p).catch((e) => console.warn("simtest: degradationPreference", e));
  on("subscribedQuality", (u) => applyDynacast(tr.sender, u));
  simtest.state = "publishing";
}

// applyDynacast turns the layers subscribers need on and the others off
// (protobuf JSON leaves false out: a quality without "enabled" is off).
async function applyDynacast(sender, update) {
  simtest.dynacast.push(update);
  const enabled = new Map();
  for (const q of update.qualities || []) {
    const layer = simtest.layers.find((l) => l.quality === q.quality);
    if (layer) enabled.set(layer.rid, !!q.enabled);
  }
  const p = sender.getParameters();
  for (const e of p.encodings) {
    if (enabled.has(e.rid)) e.active = enabled.get(e.rid);
  }
  await sender.setParameters(p);
}

// ---- subscriber ----

let offers = Promise.resolve();

function subscribeRole() {
  const pc = makePC(SUB, "subscriber");
  const remote = new MediaStream();
  document.getElementById("remote").srcObject = remote;
  pc.addEventListener("track", (e) => remote.addTrack(e.track));
  on("offer", (o) => {
    offers = offers.then(async () => {
      await pc.setRemoteDescription({ type: "offer", sdp: o.sdp });
      await flush(SUB);
      await pc.setLocalDescription(await pc.createAnswer());
      send({ answer: { type: "answer", sdp: pc.localDescription.sdp, id: o.id } });
    }).catch(fail);
  });
  on("streamState", (u) => simtest.streamStates.push(...(u.streams || [])));
  simtest.subscribe = (trackSid, width, height) => {
    send({ subscription: { tracks: [{ trackSid, subscribe: true, width, height }] } });
  };
  // Stall watch: the longest time decoding made no progress.
  let frames = 0, progress = performance.now();
  simtest.resetStall = () => { simtest.maxStall = 0; progress = performance.now(); };
  setInterval(async () => {
    let decoded = 0;
    (await pc.getStats()).forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "video") decoded += r.framesDecoded || 0;
    });
    const now = performance.now();
    if (decoded > frames) { frames = decoded; progress = now; }
    if (frames > 0) simtest.maxStall = Math.max(simtest.maxStall, now - progress);
  }, 50);
  simtest.state = "subscribing";
}

// videoStats returns the inbound video stats the test checks, freezes
// included (not in the harness's summary).
simtest.videoStats = async () => {
  const pc = window.parleyDebug.pcs.subscriber;
  const out = [];
  if (!pc) return out;
  (await pc.getStats()).forEach((r) => {
    if (r.type === "inbound-rtp" && r.kind === "video") {
      out.push({
        frameWidth: r.frameWidth || 0, frameHeight: r.frameHeight || 0, framesDecoded: r.framesDecoded || 0,
        freezeCount: r.freezeCount || 0, totalFreezesDuration: r.totalFreezesDuration || 0, pliCount: r.pliCount || 0,
      });
    }
  });
  return out;
};

async function main() {
  await connect(params.get("ws"));
  setInterval(() => send({ ping: { timestamp: String(Date.now()) } }), 5000);
  const joined = next("join");
  send({ join: { token: params.get("token"), autoSubscribe: false } });
  await joined;
  if (role === "pub") await publish();
  else subscribeRole();
}

main().catch(fail);
