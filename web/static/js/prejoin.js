// Pre-join: camera preview, microphone level, device choice and display
// name before entering the room. A blocked or missing device is explained
// and the person joins without it.
import { byTestId, h, paintAvatar } from "./dom.js";
import { fillIcons, setIcon } from "./icons.js";
import { speakerSelectable } from "./localmedia.js";

// MicMeter shows the level of a microphone track on ten bars.
export class MicMeter {
  constructor(el) {
    this.el = el;
    this.bars = [...el.querySelectorAll("i")];
    this.ctx = null;
    this.source = null;
    this.timer = 0;
  }

  attach(track) {
    this.detach();
    if (!track) return;
    try {
      this.ctx = this.ctx || new AudioContext();
      this.ctx.resume().catch(() => {});
      this.source = this.ctx.createMediaStreamSource(new MediaStream([track]));
      const analyser = this.ctx.createAnalyser();
      analyser.fftSize = 512;
      this.source.connect(analyser);
      const data = new Float32Array(analyser.fftSize);
      this.timer = setInterval(() => {
        analyser.getFloatTimeDomainData(data);
        let sum = 0;
        for (const v of data) sum += v * v;
        const rms = Math.sqrt(sum / data.length);
        this.show(track.enabled ? Math.min(1, rms * 6) : 0);
      }, 80);
    } catch (err) {
      console.warn("parley: microphone meter", err);
    }
  }

  show(level) {
    const lit = Math.round(level * this.bars.length);
    this.bars.forEach((b, i) => b.classList.toggle("lit", i < lit));
    this.el.setAttribute("aria-valuenow", String(Math.round(level * 100)));
    this.el.dataset.level = String(Math.round(level * 100));
  }

  detach() {
    clearInterval(this.timer);
    if (this.source) this.source.disconnect();
    this.source = null;
    this.show(0);
  }

  close() {
    this.detach();
    if (this.ctx) this.ctx.close().catch(() => {});
    this.ctx = null;
  }
}

function fillSelect(select, devices, current, fallback) {
  select.replaceChildren(...devices.map((d, i) => h("option", { value: d.deviceId, text: d.label || `${fallback} ${i + 1}` })));
  if (!devices.length) select.append(h("option", { value: "", text: `No ${fallback.toLowerCase()} found` }));
  select.disabled = !devices.length;
  if (devices.some((d) => d.deviceId === current)) select.value = current;
}

// runPrejoin shows the pre-join screen and resolves with the display name
// when the person joins. media is opened here and handed on to the meeting.
export async function runPrejoin({ media, name }) {
  const section = document.getElementById("prejoin");
  const q = (id) => byTestId(id, section);
  const video = q("preview-video");
  const off = q("preview-off");
  const avatar = q("preview-avatar");
  const message = q("device-message");
  const nameInput = q("name-input");
  const micBtn = q("prejoin-mic");
  const camBtn = q("prejoin-camera");
  const camSelect = q("camera-select");
  const micSelect = q("mic-select");
  const spkSelect = q("speaker-select");
  const meter = new MicMeter(q("mic-meter"));
  fillIcons(section);
  section.hidden = false;
  nameInput.value = name;
  paintAvatar(avatar, name || "?", name || "?");
  nameInput.addEventListener("input", () => paintAvatar(avatar, nameInput.value || "?", nameInput.value || "?"));

  let wantCamera = true;
  const render = () => {
    const cam = media.camera;
    video.srcObject = cam ? new MediaStream([cam]) : null;
    video.hidden = !cam;
    off.hidden = !!cam;
    off.querySelector(".preview-off-text").textContent = media.problems.video && wantCamera ? "Camera unavailable" : "Camera is off";
    const micOff = !media.mic || media.micMuted;
    micBtn.classList.toggle("off", micOff);
    micBtn.setAttribute("aria-pressed", String(micOff));
    micBtn.setAttribute("aria-label", micOff ? "Turn microphone on" : "Turn microphone off");
    setIcon(micBtn, micOff ? "mic-off" : "mic");
    camBtn.classList.toggle("off", !cam);
    camBtn.setAttribute("aria-pressed", String(!cam));
    camBtn.setAttribute("aria-label", cam ? "Turn camera off" : "Turn camera on");
    setIcon(camBtn, cam ? "camera" : "camera-off");
    const problems = [media.problems.video, media.problems.audio].filter(Boolean);
    message.textContent = problems.join(" ");
    message.hidden = !problems.length;
    message.dataset.kind = problems.length ? "warning" : "";
  };

  const refreshDevices = async () => {
    const { cameras, mics, speakers } = await media.devices();
    fillSelect(camSelect, cameras, media.cameraId, "Camera");
    fillSelect(micSelect, mics, media.micId, "Microphone");
    const canPick = speakerSelectable() && speakers.length > 0;
    document.getElementById("speaker-field").hidden = !canPick;
    if (canPick) fillSelect(spkSelect, speakers, media.speakerId, "Speaker");
  };

  await media.start({ video: true, audio: true });
  meter.attach(media.mic);
  render();
  await refreshDevices();
  navigator.mediaDevices.addEventListener?.("devicechange", refreshDevices);

  micBtn.addEventListener("click", async () => {
    if (!media.mic) {
      await media.openMic();
      meter.attach(media.mic);
    } else {
      media.setMicMuted(!media.micMuted);
    }
    render();
  });
  camBtn.addEventListener("click", async () => {
    if (media.camera) {
      wantCamera = false;
      media.closeCamera();
    } else {
      wantCamera = true;
      await media.openCamera();
      await refreshDevices();
    }
    render();
  });
  camSelect.addEventListener("change", async () => {
    media.cameraId = camSelect.value;
    if (media.camera) await media.openCamera();
    media.savePrefs();
    render();
  });
  micSelect.addEventListener("change", async () => {
    media.micId = micSelect.value;
    await media.openMic();
    meter.attach(media.mic);
    media.savePrefs();
    render();
  });
  spkSelect.addEventListener("change", () => {
    media.speakerId = spkSelect.value;
    media.savePrefs();
  });

  const form = q("prejoin-form");
  await new Promise((resolve) => {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!nameInput.value.trim()) {
        nameInput.focus();
        return;
      }
      resolve();
    });
  });
  navigator.mediaDevices.removeEventListener?.("devicechange", refreshDevices);
  meter.close();
  video.srcObject = null;
  section.hidden = true;
  return nameInput.value.trim().slice(0, 64);
}
