// Self-test of the browser harness: a call between two RTCPeerConnections
// in one page, fake camera and microphone, candidates restricted to
// loopback so no check targets another address of this machine.
const selftest = { state: "starting", error: "" };
window.selftest = selftest;
window.parleyDebug = { pcs: {} };

const isLoopback = (c) => c.address === "::1" || (c.address || "").startsWith("127.");

// relayCandidates passes from's loopback candidates to to, holding them
// until to has a remote description.
function relayCandidates(from, to) {
  const pending = [];
  const flush = () => {
    while (to.remoteDescription && pending.length) to.addIceCandidate(pending.shift()).catch(fail);
  };
  to.addEventListener("signalingstatechange", flush);
  from.addEventListener("icecandidate", (e) => {
    if (e.candidate && isLoopback(e.candidate)) {
      pending.push(e.candidate.toJSON());
      flush();
    }
  });
}

function fail(err) {
  selftest.state = "failed";
  selftest.error = String(err);
  console.error("selftest:", err);
}

async function main() {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: 640, height: 360 },
    audio: true,
  });
  document.getElementById("local").srcObject = stream;

  const sender = new RTCPeerConnection();
  const receiver = new RTCPeerConnection();
  window.parleyDebug.pcs = { sender, receiver };
  relayCandidates(sender, receiver);
  relayCandidates(receiver, sender);
  const remote = new MediaStream();
  document.getElementById("remote").srcObject = remote;
  receiver.addEventListener("track", (e) => remote.addTrack(e.track));

  for (const track of stream.getTracks()) {
    sender.addTransceiver(track, { direction: "sendonly", streams: [stream] });
  }
  await sender.setLocalDescription();
  await receiver.setRemoteDescription(sender.localDescription);
  await receiver.setLocalDescription();
  await sender.setRemoteDescription(receiver.localDescription);
  selftest.state = "negotiated";
  console.log("selftest: negotiated");
}

main().catch(fail);
