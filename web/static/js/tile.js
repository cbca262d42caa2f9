// Tile: one video place in the meeting, a person's camera (with their
// avatar when it is off) or a screen share. Stable test ids:
//   tile-local, tile-<identity>, tile-<identity>-screen (tile-local-screen)
// and inside: video, avatar, name, mic-muted, hand, quality, pin-button,
// paused-notice.
import { h, paintAvatar } from "./dom.js";
import { icon, setIcon } from "./icons.js";

export const Quality = Object.freeze({ GOOD: "good", FAIR: "fair", POOR: "poor", LOST: "lost", UNKNOWN: "" });

const qualityWords = { good: "Good", fair: "Fair", poor: "Poor", lost: "Lost", "": "Measuring" };

export class Tile extends EventTarget {
  // key: "local" or an identity, with "/screen" for a screen share.
  constructor({ key, identity, local = false, screen = false }) {
    super();
    this.key = key;
    this.identity = identity;
    this.local = local;
    this.screen = screen;
    this.trackSid = "";
    this.track = null;
    this.name = "";
    this.videoOn = false;
    const testid = `tile-${local ? "local" : identity}${screen ? "-screen" : ""}`;

    this.video = h("video", { "data-testid": "video", autoplay: true, playsinline: true });
    this.video.muted = true; // sound plays through the audio sink
    this.avatar = h("span", { class: "avatar", "data-testid": "avatar" });
    this.nameEl = h("span", { class: "name", "data-testid": "name" });
    this.micEl = h("span", { class: "badge-icon mic-muted", "data-testid": "mic-muted", title: "Microphone muted", hidden: true }, icon("mic-off", "small"));
    this.handEl = h("span", { class: "badge-icon hand", "data-testid": "hand", title: "Hand raised", hidden: true }, icon("hand", "small"));
    this.paused = h("span", { class: "paused-note", "data-testid": "paused-notice", hidden: true }, "Video paused: low bandwidth");
    this.qualityBtn = h("button", { type: "button", class: "quality", "data-testid": "quality", "data-quality": "" },
      h("i"), h("i"), h("i"));
    this.pinBtn = h("button", { type: "button", class: "tile-btn pin", "data-testid": "pin-button" }, icon("pin", "small"));
    this.el = h("div", {
      class: `tile${local ? " local" : ""}${screen ? " screen" : ""}`,
      "data-testid": testid,
      dataset: { identity, key },
    },
    this.video,
    h("div", { class: "avatar-wrap" }, this.avatar),
    this.paused,
    h("div", { class: "tile-top" }, this.qualityBtn, this.pinBtn),
    h("div", { class: "tile-bottom" }, this.micEl, this.handEl, this.nameEl));
    this.qualityBtn.addEventListener("click", (e) => {
      e.stopPropagation();
      this.dispatchEvent(new CustomEvent("stats", { detail: this }));
    });
    this.pinBtn.addEventListener("click", (e) => {
      e.stopPropagation();
      this.dispatchEvent(new CustomEvent("pin", { detail: this }));
    });
    this.el.addEventListener("dblclick", () => this.dispatchEvent(new CustomEvent("pin", { detail: this })));
    this.setQuality(Quality.UNKNOWN);
    this.setPinned(false);
    this.#updateVideo();
  }

  setName(name) {
    const label = this.screen ? `${name} is presenting` : this.local ? `${name} (you)` : name;
    if (label === this.nameEl.textContent) return;
    this.name = name;
    this.nameEl.textContent = label;
    paintAvatar(this.avatar, name, this.identity);
    this.el.setAttribute("aria-label", label);
    this.#labelButtons();
  }

  // setTrack attaches a video track (null detaches it).
  setTrack(track, trackSid = "") {
    this.trackSid = trackSid;
    if (this.track === track) return;
    this.track = track;
    this.video.srcObject = track ? new MediaStream([track]) : null;
    if (this.video.dataset) this.video.dataset.trackSid = trackSid;
    this.#updateVideo();
  }

  // setVideoOn shows the video (true) or the avatar (false).
  setVideoOn(on) {
    this.videoOn = on;
    this.#updateVideo();
  }

  #updateVideo() {
    const show = this.videoOn && !!this.track;
    this.el.classList.toggle("video-off", !show);
    this.video.hidden = !show;
    if (show) this.video.play().catch(() => { /* autoplay resumes on the next gesture */ });
  }

  setMicMuted(muted) { this.micEl.hidden = !muted; }

  setHand(raised) {
    this.handEl.hidden = !raised;
    this.el.classList.toggle("hand-raised", raised);
  }

  setSpeaking(speaking) { this.el.classList.toggle("speaking", speaking); }

  setPaused(paused) { this.paused.hidden = !paused; }

  setQuality(level) {
    this.quality = level;
    this.qualityBtn.dataset.quality = level;
    this.#labelButtons();
  }

  setPinned(pinned) {
    this.pinned = pinned;
    this.el.classList.toggle("pinned", pinned);
    setIcon(this.pinBtn, pinned ? "unpin" : "pin");
    this.pinBtn.setAttribute("aria-pressed", String(pinned));
    this.#labelButtons();
  }

  #labelButtons() {
    const who = this.local ? "your" : `${this.name || this.identity}'s`;
    this.qualityBtn.setAttribute("aria-label", `Connection ${qualityWords[this.quality || ""].toLowerCase()}: show ${who} connection statistics`);
    this.qualityBtn.title = `Connection: ${qualityWords[this.quality || ""]}`;
    const what = this.screen ? `${who} screen` : this.local ? "yourself" : this.name || this.identity;
    this.pinBtn.setAttribute("aria-label", this.pinned ? `Unpin ${what}` : `Pin ${what}`);
  }

  // size is the place the video takes on screen, in device pixels.
  size() {
    const r = this.el.getBoundingClientRect();
    const dpr = Math.min(window.devicePixelRatio || 1, 2);
    return { width: Math.round(r.width * dpr), height: Math.round(r.height * dpr) };
  }

  destroy() {
    this.video.srcObject = null;
    this.el.remove();
  }
}
