// Small DOM helpers shared by the room page modules.

// h builds an element: h("div", {class: "tile", dataset: {sid}}, child, ...).
// Attributes named on* are not supported on purpose: use addEventListener.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "text") el.textContent = v;
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) el.append(c);
  }
  return el;
}

// $ finds an element by data-testid (or any selector) under root.
export function byTestId(id, root = document) {
  return root.querySelector(`[data-testid="${CSS.escape(id)}"]`);
}

// initials makes the avatar letters of a display name ("Ada Lovelace" -> "AL").
export function initials(name) {
  const words = String(name || "?").trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[words.length - 1][0] : (words[0] || "?").slice(0, 2);
  return letters.toUpperCase();
}

// hue gives a stable avatar hue for an identity.
export function hue(key) {
  let x = 0;
  for (const c of String(key)) x = (x * 31 + c.charCodeAt(0)) >>> 0;
  return x % 360;
}

// paintAvatar fills an .avatar element for a person.
export function paintAvatar(el, name, key) {
  el.textContent = initials(name);
  el.style.setProperty("--avatar-hue", String(hue(key || name)));
}

// toast shows a short message at the bottom of the page.
// kind groups toasts so that clearToasts can take them back.
export function toast(message, { error = false, ms = 3500, kind = "" } = {}) {
  const host = byTestId("toasts");
  if (!host) return;
  const el = h("div", { class: error ? "toast error" : "toast", role: error ? "alert" : "status", "data-testid": "toast", dataset: { kind }, text: message });
  host.append(el);
  setTimeout(() => el.remove(), ms);
}

// clearToasts removes the toasts of a kind.
export function clearToasts(kind) {
  for (const el of document.querySelectorAll(`[data-testid="toast"][data-kind="${CSS.escape(kind)}"]`)) el.remove();
}

// isTyping reports whether keyboard input goes to a text field.
export function isTyping(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}
