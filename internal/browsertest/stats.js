// Summarises getStats() of the RTCPeerConnections a page exposes at
// window.parleyDebug.pcs (an object of named connections; null entries are
// skipped). Evaluated by Page.Stats; the shape matches stats.go.
(async () => {
  const pcs = window.parleyDebug && window.parleyDebug.pcs;
  if (!pcs) return null;
  const n = (v) => (typeof v === "number" ? v : 0);
  const candidate = (c) => c ? {
    type: c.candidateType || "", address: c.address || c.ip || "", port: n(c.port),
    protocol: c.protocol || "", relayProtocol: c.relayProtocol || "",
  } : null;
  const out = {};
  for (const [name, pc] of Object.entries(pcs)) {
    if (!pc || typeof pc.getStats !== "function") continue;
    const report = await pc.getStats();
    const byId = new Map();
    report.forEach((r) => byId.set(r.id, r));
    const selected = new Set();
    report.forEach((r) => { if (r.type === "transport" && r.selectedCandidatePairId) selected.add(r.selectedCandidatePairId); });
    const s = {
      connectionState: pc.connectionState, iceConnectionState: pc.iceConnectionState,
      signalingState: pc.signalingState,
      inboundVideo: [], inboundAudio: [], outboundVideo: [], outboundAudio: [], candidatePairs: [],
    };
    report.forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "video") {
        s.inboundVideo.push({
          trackIdentifier: r.trackIdentifier || "", mid: r.mid || "", ssrc: n(r.ssrc),
          framesDecoded: n(r.framesDecoded), framesReceived: n(r.framesReceived),
          framesDropped: n(r.framesDropped), keyFramesDecoded: n(r.keyFramesDecoded),
          frameWidth: n(r.frameWidth), frameHeight: n(r.frameHeight), framesPerSecond: n(r.framesPerSecond),
          packetsReceived: n(r.packetsReceived), packetsLost: n(r.packetsLost), bytesReceived: n(r.bytesReceived),
          pliCount: n(r.pliCount), firCount: n(r.firCount), nackCount: n(r.nackCount),
          codec: (byId.get(r.codecId) || {}).mimeType || "",
        });
      } else if (r.type === "inbound-rtp" && r.kind === "audio") {
        s.inboundAudio.push({
          trackIdentifier: r.trackIdentifier || "", mid: r.mid || "", ssrc: n(r.ssrc),
          packetsReceived: n(r.packetsReceived), packetsLost: n(r.packetsLost), bytesReceived: n(r.bytesReceived),
          audioLevel: n(r.audioLevel), codec: (byId.get(r.codecId) || {}).mimeType || "",
        });
      } else if (r.type === "outbound-rtp") {
        const o = {
          rid: r.rid || "", mid: r.mid || "", ssrc: n(r.ssrc), active: r.active !== false,
          packetsSent: n(r.packetsSent), bytesSent: n(r.bytesSent),
          pliCount: n(r.pliCount), firCount: n(r.firCount), nackCount: n(r.nackCount),
          codec: (byId.get(r.codecId) || {}).mimeType || "",
        };
        if (r.kind === "video") {
          Object.assign(o, {
            frameWidth: n(r.frameWidth), frameHeight: n(r.frameHeight), framesEncoded: n(r.framesEncoded),
            framesSent: n(r.framesSent), framesPerSecond: n(r.framesPerSecond),
            qualityLimitationReason: r.qualityLimitationReason || "",
            qualityLimitationResolutionChanges: n(r.qualityLimitationResolutionChanges),
          });
          s.outboundVideo.push(o);
        } else {
          s.outboundAudio.push(o);
        }
      } else if (r.type === "candidate-pair") {
        s.candidatePairs.push({
          state: r.state || "", nominated: !!r.nominated, selected: selected.has(r.id),
          requestsSent: n(r.requestsSent), responsesReceived: n(r.responsesReceived),
          requestsReceived: n(r.requestsReceived), bytesSent: n(r.bytesSent), bytesReceived: n(r.bytesReceived),
          availableOutgoingBitrate: n(r.availableOutgoingBitrate),
          local: candidate(byId.get(r.localCandidateId)), remote: candidate(byId.get(r.remoteCandidateId)),
        });
      }
    });
    const byMidRid = (a, b) => (a.mid + "/" + (a.rid || "")).localeCompare(b.mid + "/" + (b.rid || ""));
    s.inboundVideo.sort(byMidRid); s.inboundAudio.sort(byMidRid);
    s.outboundVideo.sort(byMidRid); s.outboundAudio.sort(byMidRid);
    out[name] = s;
  }
  return { pcs: out };
})()
