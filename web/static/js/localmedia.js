// Local devices: the camera, the microphone and the screen, their
// selection and the messages people see when a device is missing or
// blocked. The camera is stopped while it is off (its light goes out); the
// microphone stays open and is muted by disabling its track.

const prefsKey = "parley.devices";

function loadPrefs() {
  try {
    return JSON.parse(localStorage.getItem(prefsKey) || "{}") || {};
  } catch {
    return {};
  }
}

// describeError words a getUserMedia failure for a person.
export function describeError(kind, err) {
  const what = kind === "video" ? "camera" : "microphone";
  switch (err && err.name) {
    case "NotAllowedError":
    case "SecurityError":
      return `Access to your ${what} is blocked. You can join without it, or allow it in your browser's site settings.`;
    case "NotFoundError":
    case "OverconstrainedError":
      return `No ${what} found. You can join without it.`;
    case "NotReadableError":
    case "AbortError":
      return `Your ${what} is in use by another application.`;
    default:
      return `Your ${what} could not be started${err && err.message ? ` (${err.message})` : ""}.`;
  }
}

export class LocalMedia extends EventTarget {
  // maxHeight caps the camera's capture height (720 by default).
  constructor({ maxHeight = 720 } = {}) {
    super();
    this.maxHeight = Math.min(Math.max(Number(maxHeight) || 720, 180), 1080);
    const prefs = loadPrefs();
    this.cameraId = prefs.camera || "";
    this.micId = prefs.mic || "";
    this.speakerId = prefs.speaker || "";
    this.camera = null; // MediaStreamTrack while the camera is on
    this.mic = null; // MediaStreamTrack while a microphone is open
    this.micMuted = false;
    this.screen = null; // MediaStreamTrack while sharing
    this.problems = { video: "", audio: "" }; // why a device is unavailable
  }

  savePrefs() {
    try {
      localStorage.setItem(prefsKey, JSON.stringify({ camera: this.cameraId, mic: this.micId, speaker: this.speakerId }));
    } catch { /* nothing to remember */ }
  }

  cameraConstraints() {
    const h = this.maxHeight;
    const c = { width: { ideal: Math.round((h * 16) / 9) }, height: { ideal: h }, frameRate: { ideal: 30 } };
    if (this.cameraId) c.deviceId = { ideal: this.cameraId };
    return c;
  }

  micConstraints() {
    const c = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
    if (this.micId) c.deviceId = { ideal: this.micId };
    return c;
  }

  // start opens what is wanted, one device at a time so that a blocked
  // camera does not cost the microphone; problems says what failed.
  async start({ video = true, audio = true } = {}) {
    const jobs = [];
    if (audio) jobs.push(this.openMic());
    if (video) jobs.push(this.openCamera());
    await Promise.all(jobs);
  }

  async #open(kind, constraints) {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ [kind]: constraints });
      this.problems[kind] = "";
      return stream.getTracks()[0];
    } catch (err) {
      console.warn(`parley: getUserMedia(${kind})`, err);
      this.problems[kind] = describeError(kind, err);
      return null;
    }
  }

  // openCamera (re)starts the camera; it resolves with the track or null.
  async openCamera() {
    const track = await this.#open("video", this.cameraConstraints());
    if (this.camera) this.camera.stop();
    this.camera = track;
    if (track) {
      this.cameraId = track.getSettings().deviceId || this.cameraId;
      track.addEventListener("ended", () => {
        if (this.camera === track) this.#emit("cameraended");
      });
    }
    this.#emit("change");
    return track;
  }

  closeCamera() {
    if (this.camera) this.camera.stop();
    this.camera = null;
    this.#emit("change");
  }

  async openMic() {
    const track = await this.#open("audio", this.micConstraints());
    if (this.mic) this.mic.stop();
    this.mic = track;
    if (track) {
      track.enabled = !this.micMuted;
      this.micId = track.getSettings().deviceId || this.micId;
    }
    this.#emit("change");
    return track;
  }

  setMicMuted(muted) {
    this.micMuted = muted;
    if (this.mic) this.mic.enabled = !muted;
    this.#emit("change");
  }

  // startScreen asks for a screen, window or tab; it resolves with the track
  // or null when the person cancelled.
  async startScreen() {
    try {
      const stream = await navigator.mediaDevices.getDisplayMedia({
        video: { frameRate: { ideal: 15, max: 30 }, width: { max: 1920 }, height: { max: 1080 } },
        audio: false,
      });
      const track = stream.getVideoTracks()[0];
      track.contentHint = "detail"; // keep text sharp rather than motion smooth
      this.screen = track;
      track.addEventListener("ended", () => {
        if (this.screen === track) this.#emit("screenended");
      });
      this.#emit("change");
      return track;
    } catch (err) {
      if (err && err.name !== "NotAllowedError" && err.name !== "AbortError") throw err;
      return null; // the person cancelled the picker
    }
  }

  stopScreen() {
    if (this.screen) this.screen.stop();
    this.screen = null;
    this.#emit("change");
  }

  // devices lists the cameras, microphones and speakers by kind.
  async devices() {
    const all = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    const of = (kind) => all.filter((d) => d.kind === kind && d.deviceId);
    return { cameras: of("videoinput"), mics: of("audioinput"), speakers: of("audiooutput") };
  }

  stopAll() {
    for (const t of [this.camera, this.mic, this.screen]) if (t) t.stop();
    this.camera = this.mic = this.screen = null;
  }

  #emit(type) {
    this.dispatchEvent(new Event(type));
  }
}

// speakerSelectable reports whether audio output can be chosen here.
export function speakerSelectable() {
  return typeof HTMLMediaElement !== "undefined" && "setSinkId" in HTMLMediaElement.prototype;
}
