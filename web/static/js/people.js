// Participants pane: everyone in the room with their microphone, camera and
// raised hand; a raised hand sorts first. Items are person-<identity>
// (person-local for this page).
import { byTestId, h, paintAvatar } from "./dom.js";
import { icon } from "./icons.js";

export class People extends EventTarget {
  constructor(panel, badge) {
    super();
    this.list = byTestId("people-list", panel);
    this.count = byTestId("people-count", panel);
    this.badge = badge;
  }

  // render shows people: [{key, identity, name, local, mic, camera, hand}]
  // where mic/camera are "on", "off" or "none".
  render(people) {
    const sorted = [...people].sort((a, b) => (b.hand - a.hand) || (b.local - a.local) || a.order - b.order);
    this.list.replaceChildren(...sorted.map((p) => this.#item(p)));
    this.count.textContent = `(${people.length})`;
    this.badge.textContent = String(people.length);
  }

  #item(p) {
    const av = h("span", { class: "avatar small", "aria-hidden": "true" });
    paintAvatar(av, p.name, p.local ? "local" : p.identity);
    const state = (what, value) => {
      const names = { mic: ["mic", "mic-off", "Microphone"], camera: ["camera", "camera-off", "Camera"] }[what];
      const off = value !== "on";
      return h("span", {
        class: `state${off ? " off" : ""}`,
        "data-testid": `person-${what}`,
        "data-state": value,
        title: `${names[2]} ${value === "none" ? "not available" : value}`,
      }, icon(off ? names[1] : names[0], "small"));
    };
    const pin = h("button", { type: "button", class: "icon-btn", "data-testid": "person-pin", "aria-label": `Pin ${p.local ? "yourself" : p.name}` }, icon("pin", "small"));
    pin.addEventListener("click", () => this.dispatchEvent(new CustomEvent("pin", { detail: p.key })));
    return h("li", { class: "person", "data-testid": `person-${p.local ? "local" : p.identity}`, dataset: { identity: p.identity } },
      av,
      h("span", { class: "person-name", text: p.local ? `${p.name} (you)` : p.name }),
      p.hand ? h("span", { class: "state hand", "data-testid": "person-hand", title: "Hand raised" }, icon("hand", "small")) : null,
      state("mic", p.mic),
      state("camera", p.camera),
      pin);
  }
}
