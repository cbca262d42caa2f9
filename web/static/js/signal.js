// Signaling client: the protocol of proto/parley/v1/signal.proto over a
// WebSocket, one protobuf-JSON message per text frame.
//
// Protobuf JSON in short: lowerCamelCase field names, the member of the
// oneof `message` is a field of its own ({"join": {...}}), enums are their
// names, int64 values are strings, bytes are base64, and fields holding
// their default value (0, "", false, the first enum value) are left out.

export const Target = Object.freeze({
  PUBLISHER: "SIGNAL_TARGET_PUBLISHER",
  SUBSCRIBER: "SIGNAL_TARGET_SUBSCRIBER",
});

// targetOf reads a TrickleRequest/IceRestartRequest target; a missing field
// is the default value, SIGNAL_TARGET_PUBLISHER.
export function targetOf(msg) {
  const t = msg && msg.target;
  return t === Target.SUBSCRIBER || t === 1 ? Target.SUBSCRIBER : Target.PUBLISHER;
}

// SignalError is an ErrorResponse of the server, or a failure of the
// connection itself (code "CONNECTION").
export class SignalError extends Error {
  constructor(code, message, requestId = 0) {
    super(message ? `${code}: ${message}` : code);
    this.name = "SignalError";
    this.code = code;
    this.detail = message || "";
    this.requestId = requestId;
  }
}

// SignalClient is one signaling session. Every server message is dispatched
// as an event named after its oneof member ("join", "offer", "trickle",
// "participantJoined", ...) whose detail is that member; "close" fires once
// when the socket closes, with detail {code, reason, wasClean}.
export class SignalClient extends EventTarget {
  constructor(url) {
    super();
    this.url = url;
    this.ws = null;
    this.nextRequestId = 1;
    this.closed = false;
  }

  // connect opens the WebSocket; it rejects when the socket fails first.
  connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      this.ws = ws;
      let opened = false;
      ws.addEventListener("open", () => { opened = true; resolve(); });
      ws.addEventListener("message", (e) => this.#receive(e.data));
      ws.addEventListener("close", (e) => {
        this.closed = true;
        if (!opened) {
          reject(new SignalError("CONNECTION", `cannot reach the signaling server at ${this.url}`));
        }
        this.dispatchEvent(new CustomEvent("close", {
          detail: { code: e.code, reason: e.reason, wasClean: e.wasClean },
        }));
      });
    });
  }

  // send writes one SignalRequest, e.g. {ping: {timestamp: "1"}}; it gives
  // the message a requestId when it has none and returns that id.
  send(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      throw new SignalError("CONNECTION", "the signaling connection is closed");
    }
    const out = { requestId: msg.requestId || this.nextRequestId++, ...msg };
    this.ws.send(JSON.stringify(out));
    return out.requestId;
  }

  // join sends JoinRequest and resolves with the JoinResponse; it rejects
  // with the server's ErrorResponse (or the closing of the socket).
  // room, when given, is the room the page means (JoinRequest.room): the
  // server refuses a token for another room. resumeToken, when given,
  // resumes the session of an earlier JoinResponse (see Session.resume).
  join(token, { autoSubscribe = true, room = "", resumeToken = "" } = {}) {
    const requestId = this.send({
      join: {
        token,
        autoSubscribe,
        ...(room ? { room } : {}),
        ...(resumeToken ? { resumeToken } : {}),
        client: { sdk: "web", version: "0.1.0", browser: navigator.userAgent },
      },
    });
    return this.#await("join", () => true, requestId);
  }

  // addTrack announces a local track (AddTrackRequest) and resolves with
  // the server's TrackInfo from TrackPublishedResponse.
  async addTrack(req) {
    const requestId = this.send({ addTrack: req });
    const res = await this.#await("trackPublished", (m) => m.cid === req.cid, requestId);
    return res.track;
  }

  offer(desc, id) { this.send({ offer: { type: "offer", sdp: desc.sdp, id } }); }

  answer(desc, id) { this.send({ answer: { type: "answer", sdp: desc.sdp, id } }); }

  // trickle sends a local candidate (an RTCIceCandidate, or null when
  // gathering is complete) for the PC named by target.
  trickle(target, candidate) {
    const trickle = candidate
      ? { target, candidateInit: JSON.stringify(candidate.toJSON()) }
      : { target, final: true };
    this.send({ trickle });
  }

  mute(trackSid, muted) { this.send({ mute: { trackSid, muted } }); }

  ping() { this.send({ ping: { timestamp: String(Date.now()) } }); }

  leave() {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.send({ leave: { reason: "LEAVE_REASON_CLIENT_REQUEST" } });
    }
  }

  close() {
    if (this.ws) this.ws.close(1000, "bye");
  }

  #receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch (err) {
      console.error("signal: dropping a message that is not JSON", err);
      return;
    }
    const kind = Object.keys(msg).find((k) => k !== "requestId");
    if (!kind) {
      console.warn("signal: message without content", msg);
      return;
    }
    this.dispatchEvent(new CustomEvent(kind, { detail: msg[kind] }));
  }

  // #await resolves with the next message of kind that matches, or rejects
  // on an ErrorResponse for requestId (or one naming no request) and on
  // close.
  #await(kind, match, requestId) {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        this.removeEventListener(kind, onMessage);
        this.removeEventListener("error", onError);
        this.removeEventListener("close", onClose);
      };
      const onMessage = (e) => {
        if (!match(e.detail)) return;
        cleanup();
        resolve(e.detail);
      };
      const onError = (e) => {
        const err = e.detail;
        if (err.requestId && err.requestId !== requestId) return;
        cleanup();
        reject(new SignalError(err.code || "ERROR_CODE_UNSPECIFIED", err.message, err.requestId));
      };
      const onClose = (e) => {
        cleanup();
        const why = e.detail.reason ? `: ${e.detail.reason}` : "";
        reject(new SignalError("CONNECTION", `the server closed the connection${why}`));
      };
      this.addEventListener(kind, onMessage);
      this.addEventListener("error", onError);
      this.addEventListener("close", onClose);
    });
  }
}
