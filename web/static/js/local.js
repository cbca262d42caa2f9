// Local: this page's own media in the meeting. It publishes the microphone,
// the camera (three simulcast layers) and the screen (one detailed layer),
// turns them on and off, raises the hand, and keeps the control buttons and
// the local tiles in step. publishAll runs again on every new session.
import { toast } from "./dom.js";
import { setIcon } from "./icons.js";
import { Tile } from "./tile.js";
import { Source, announcedLayers, cameraEncodings, cameraLayers, ridOfQuality, screenEncodings } from "./encodings.js";

export class Local {
  constructor({ media, layout, buttons, name }) {
    this.media = media;
    this.layout = layout;
    this.buttons = buttons; // {mic, camera, share, hand}
    this.session = null;
    this.hand = false;
    this.speaking = false;
    this.busy = new Set(); // actions under way, so double clicks do nothing
    this.tile = new Tile({ key: "local", identity: "local", local: true });
    this.tile.setName(name);
    this.screenTile = null;
    this.name = name;
    layout.add(this.tile);
    media.addEventListener("screenended", () => this.stopShare());
    media.addEventListener("cameraended", () => this.#cameraLost());
    if (!navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia) buttons.share.hidden = true;
    this.render();
  }

  // publishAll publishes what is on to a freshly joined session.
  async publishAll(session) {
    this.session = session;
    const m = this.media;
    const jobs = [];
    if (m.mic) jobs.push(this.#publishMic());
    if (m.camera) jobs.push(this.#publishCamera(m.camera));
    if (m.screen) jobs.push(this.#publishScreen(m.screen));
    await Promise.all(jobs);
    if (this.hand) session.setAttributes({ hand_raised: "1" });
    this.render();
  }

  #publishMic() {
    const m = this.media;
    return this.session.publish(m.mic, { source: Source.MICROPHONE, name: "microphone", muted: m.micMuted });
  }

  #publishCamera(track) {
    const s = track.getSettings();
    const layers = cameraLayers(s.width, s.height, Math.round(s.frameRate || 30));
    return this.session.publish(track, {
      source: Source.CAMERA, name: "camera", encodings: cameraEncodings(layers), layers: announcedLayers(layers),
    });
  }

  #publishScreen(track) {
    return this.session.publish(track, {
      source: Source.SCREEN, name: "screen", encodings: screenEncodings(), degradation: "maintain-resolution",
    });
  }

  #sid(source) {
    const t = this.session && this.session.trackBySource(source);
    return t ? t.sid : "";
  }

  async #once(what, fn) {
    if (this.busy.has(what)) return;
    this.busy.add(what);
    try {
      await fn();
    } catch (err) {
      console.error(`parley: ${what}`, err);
      toast(`Could not ${what}: ${err.message || err}`, { error: true });
    } finally {
      this.busy.delete(what);
      this.render();
    }
  }

  toggleMic() {
    return this.#once("change the microphone", async () => {
      const m = this.media;
      if (!m.mic) {
        const track = await m.openMic();
        if (!track) {
          toast(m.problems.audio, { error: true });
          return;
        }
        m.setMicMuted(false);
        if (this.session) await this.#publishMic();
        return;
      }
      m.setMicMuted(!m.micMuted);
      const sid = this.#sid(Source.MICROPHONE);
      if (sid) this.session.mute(sid, m.micMuted);
    });
  }

  toggleCamera() {
    return this.#once("change the camera", async () => {
      const m = this.media;
      const sid = this.#sid(Source.CAMERA);
      if (m.camera) {
        m.closeCamera();
        if (sid) {
          this.session.mute(sid, true);
          await this.session.replaceTrack(sid, null);
        }
        return;
      }
      const track = await m.openCamera();
      if (!track) {
        toast(m.problems.video, { error: true });
        return;
      }
      if (!this.session) return;
      if (sid) {
        await this.session.replaceTrack(sid, track);
        this.session.mute(sid, false);
      } else {
        await this.#publishCamera(track);
      }
    });
  }

  #cameraLost() {
    const sid = this.#sid(Source.CAMERA);
    this.media.closeCamera();
    if (sid) this.session.mute(sid, true);
    toast("Your camera stopped.", { error: true });
    this.render();
  }

  toggleShare() {
    if (this.media.screen) return this.stopShare();
    return this.#once("share your screen", async () => {
      const track = await this.media.startScreen();
      if (!track) return; // cancelled
      if (this.session) await this.#publishScreen(track);
    });
  }

  stopShare() {
    return this.#once("stop sharing", async () => {
      const sid = this.#sid(Source.SCREEN);
      this.media.stopScreen();
      if (sid) await this.session.unpublish(sid);
    });
  }

  toggleHand() {
    this.hand = !this.hand;
    if (this.session) this.session.setAttributes({ hand_raised: this.hand ? "1" : "" });
    this.render();
  }

  // applyServerMute follows a mute the server imposed (an admin).
  applyServerMute(trackSid, muted) {
    if (trackSid === this.#sid(Source.MICROPHONE) && muted && !this.media.micMuted) {
      this.media.setMicMuted(true);
      toast("You were muted.");
      this.render();
    }
  }

  // onSubscribedQuality follows dynacast: only layers someone needs are sent.
  onSubscribedQuality(m) {
    if (!this.session || m.trackSid !== this.#sid(Source.CAMERA)) return;
    const active = {};
    for (const q of m.qualities || []) {
      const rid = ridOfQuality[q.quality];
      if (rid) active[rid] = !!q.enabled;
    }
    this.session.setLayersActive(m.trackSid, active).catch((err) => console.warn("parley: dynacast", err));
  }

  setSpeaking(speaking) {
    this.speaking = speaking;
    this.tile.setSpeaking(speaking);
  }

  // render syncs the buttons and the local tiles with the media state.
  render() {
    const m = this.media;
    const b = this.buttons;
    const micOff = !m.mic || m.micMuted;
    this.#button(b.mic, micOff, micOff ? "mic-off" : "mic", micOff ? "Unmute microphone (M)" : "Mute microphone (M)", "off");
    const camOff = !m.camera;
    this.#button(b.camera, camOff, camOff ? "camera-off" : "camera", camOff ? "Turn camera on (V)" : "Turn camera off (V)", "off");
    const sharing = !!m.screen;
    this.#button(b.share, sharing, sharing ? "share-stop" : "share", sharing ? "Stop sharing (S)" : "Share screen (S)", "active");
    this.#button(b.hand, this.hand, "hand", this.hand ? "Lower hand (R)" : "Raise hand (R)", "active");

    this.tile.setTrack(m.camera, this.#sid(Source.CAMERA));
    this.tile.setVideoOn(!!m.camera);
    this.tile.setMicMuted(micOff);
    this.tile.setHand(this.hand);
    if (m.screen && !this.screenTile) {
      this.screenTile = new Tile({ key: "local/screen", identity: "local", local: true, screen: true });
      this.screenTile.setName(this.name);
      this.layout.add(this.screenTile);
      if (this.onScreenTile) this.onScreenTile(this.screenTile);
    }
    if (this.screenTile) {
      if (m.screen) {
        this.screenTile.setTrack(m.screen, this.#sid(Source.SCREEN));
        this.screenTile.setVideoOn(true);
      } else {
        this.layout.remove("local/screen");
        this.screenTile = null;
      }
    }
  }

  #button(btn, on, iconName, label, cls) {
    btn.classList.toggle(cls, on);
    btn.setAttribute("aria-pressed", String(on));
    btn.setAttribute("aria-label", label);
    btn.title = label;
    setIcon(btn, iconName);
  }

  enable(enabled) {
    for (const b of Object.values(this.buttons)) b.disabled = !enabled;
  }
}
