// Chat panel: messages to the whole room through the server
// (SendDataRequest topic "chat" -> DataReceived for the others) and an
// unread badge on the chat button while the panel is closed.
import { byTestId, h, paintAvatar } from "./dom.js";

const maxMessages = 500;

function clock(at) {
  return new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export class Chat extends EventTarget {
  // send(text) delivers a message and returns false when it could not.
  constructor({ panel, button, send, selfName }) {
    super();
    this.selfName = selfName || "You";
    this.panel = panel;
    this.button = button;
    this.badge = byTestId("chat-unread", button);
    this.list = byTestId("chat-messages", panel);
    this.empty = byTestId("chat-empty", panel);
    this.form = byTestId("chat-form", panel);
    this.input = byTestId("chat-input", panel);
    this.send = send;
    this.unread = 0;
    this.open = false;
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.#submit();
    });
  }

  #submit() {
    const text = this.input.value.trim();
    if (!text) return;
    if (!this.send(text)) {
      this.dispatchEvent(new CustomEvent("failed", { detail: text }));
      return;
    }
    this.input.value = "";
    this.add({ fromName: "You", fromIdentity: "", text, at: Date.now(), self: true });
  }

  // add appends a message; from others it counts as unread while closed.
  add({ fromName, fromIdentity, text, at, self = false }) {
    const last = this.list.lastElementChild;
    const grouped = last && last.dataset.from === (self ? "" : fromIdentity) && at - Number(last.dataset.at) < 120000;
    const body = h("p", { class: "text", text });
    let item;
    if (grouped) {
      item = h("li", { class: "message cont", "data-testid": "chat-message", dataset: { from: self ? "" : fromIdentity, at: String(at) } }, body);
    } else {
      const av = h("span", { class: "avatar small", "aria-hidden": "true" });
      paintAvatar(av, self ? this.selfName : fromName, self ? "local" : fromIdentity);
      item = h("li", { class: `message${self ? " mine" : ""}`, "data-testid": "chat-message", dataset: { from: self ? "" : fromIdentity, at: String(at) } },
        av,
        h("div", { class: "message-main" },
          h("div", { class: "meta" }, h("strong", { class: "from", "data-testid": "chat-from", text: self ? "You" : fromName }), h("time", { text: clock(at) })),
          body));
    }
    this.list.append(item);
    while (this.list.children.length > maxMessages) this.list.firstElementChild.remove();
    this.empty.hidden = true;
    this.list.scrollTop = this.list.scrollHeight;
    if (!self && !this.open) {
      this.unread++;
      this.#badge();
      this.dispatchEvent(new CustomEvent("unread", { detail: { fromName, text } }));
    }
  }

  setOpen(open) {
    this.open = open;
    if (open) {
      this.unread = 0;
      this.#badge();
      this.list.scrollTop = this.list.scrollHeight;
      setTimeout(() => this.input.focus(), 0);
    }
  }

  #badge() {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = this.unread > 99 ? "99+" : String(this.unread);
    this.button.setAttribute("aria-label", this.unread ? `Show chat, ${this.unread} unread (C)` : "Show chat (C)");
  }
}
