// Keyboard shortcuts of the meeting and their help dialog.
import { byTestId, h, isTyping } from "./dom.js";

// shortcutList is the single source of the keys and their descriptions.
export const shortcutList = [
  ["m", "Mute or unmute your microphone", "mic"],
  ["v", "Turn your camera on or off", "camera"],
  ["s", "Start or stop sharing your screen", "share"],
  ["c", "Open or close the chat", "chat"],
  ["t", "Switch between tile and speaker view", "layout"],
  ["r", "Raise or lower your hand", "hand"],
  ["p", "Show or hide the participants", "people"],
  ["?", "Show these shortcuts", "help"],
];

export class Shortcuts {
  // actions: {mic, camera, share, chat, layout, hand, people, help}.
  constructor(dialog, actions) {
    this.dialog = dialog;
    this.actions = actions;
    this.enabled = false;
    const list = byTestId("shortcuts-list", dialog);
    for (const [key, what] of shortcutList) {
      list.append(h("dt", {}, h("kbd", { text: key === "?" ? "?" : key.toUpperCase() })), h("dd", { text: what }));
    }
    list.append(h("dt", {}, h("kbd", { text: "Esc" })), h("dd", { text: "Close a dialog, popover or panel" }));
    byTestId("help-close", dialog).addEventListener("click", () => dialog.close());
    document.addEventListener("keydown", (e) => this.#onKey(e));
  }

  #onKey(e) {
    if (!this.enabled || e.ctrlKey || e.metaKey || e.altKey || e.repeat || isTyping(e.target)) return;
    if (this.dialog.open && e.key !== "?") return;
    const entry = shortcutList.find(([key]) => key === e.key.toLowerCase() || key === e.key);
    if (!entry) return;
    const action = this.actions[entry[2]];
    if (!action) return;
    e.preventDefault();
    action();
  }

  help() {
    if (this.dialog.open) this.dialog.close(); else this.dialog.showModal();
  }
}
