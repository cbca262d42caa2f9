// Line icons (24×24, drawn with the stroke of .icon in base.css), made as
// SVG elements so that no markup string reaches innerHTML.

const SVG = "http://www.w3.org/2000/svg";

// Each icon is a list of [element, attributes].
const shapes = {
  mic: [["rect", { x: 9, y: 3, width: 6, height: 11, rx: 3 }], ["path", { d: "M5 11a7 7 0 0 0 14 0M12 18v3M9 21h6" }]],
  "mic-off": [["path", { d: "M15 9.3V6a3 3 0 0 0-5.7-1.3M9 9v2a3 3 0 0 0 4.6 2.5M5 11a7 7 0 0 0 11.3 5.5M19 11a7 7 0 0 1-.6 2.8M12 18v3M9 21h6M3 3l18 18" }]],
  camera: [["rect", { x: 3, y: 6, width: 12, height: 12, rx: 2 }], ["path", { d: "M15 10l4.6-2.3A1 1 0 0 1 21 8.6v6.8a1 1 0 0 1-1.4.9L15 14" }]],
  "camera-off": [["path", { d: "M10.5 6H13a2 2 0 0 1 2 2v2.5l4.6-2.8A1 1 0 0 1 21 8.6v6.8M15 15v1a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h1M3 3l18 18" }]],
  share: [["rect", { x: 3, y: 4, width: 18, height: 13, rx: 2 }], ["path", { d: "M8 21h8M12 17v4M12 13V8M9.5 10.5 12 8l2.5 2.5" }]],
  "share-stop": [["rect", { x: 3, y: 4, width: 18, height: 13, rx: 2 }], ["path", { d: "M8 21h8M12 17v4M9.5 8.5l5 5M14.5 8.5l-5 5" }]],
  hand: [["path", { d: "M8 13V5.5a1.5 1.5 0 0 1 3 0V12M11 11.5V4a1.5 1.5 0 0 1 3 0v7.5M14 11.5V5.5a1.5 1.5 0 0 1 3 0V14a7 7 0 0 1-7 7h-.6a6 6 0 0 1-4.8-2.4L2.9 15a1.6 1.6 0 0 1 2.4-2.1L8 15.5" }]],
  speaker: [["rect", { x: 3, y: 4, width: 13, height: 16, rx: 2 }], ["rect", { x: 18, y: 4, width: 3, height: 4.5, rx: 1 }], ["rect", { x: 18, y: 10, width: 3, height: 4, rx: 1 }], ["rect", { x: 18, y: 15.5, width: 3, height: 4.5, rx: 1 }]],
  grid: [["rect", { x: 3, y: 4, width: 8, height: 7, rx: 1.5 }], ["rect", { x: 13, y: 4, width: 8, height: 7, rx: 1.5 }], ["rect", { x: 3, y: 13, width: 8, height: 7, rx: 1.5 }], ["rect", { x: 13, y: 13, width: 8, height: 7, rx: 1.5 }]],
  leave: [["path", { d: "M3.5 14.5c4.7-4.4 12.3-4.4 17 0l-1.8 2.6a1 1 0 0 1-1.3.3l-2.6-1.4a1 1 0 0 1-.5-.9v-2a11 11 0 0 0-4.6 0v2a1 1 0 0 1-.5.9l-2.6 1.4a1 1 0 0 1-1.3-.3z" }]],
  link: [["path", { d: "M10 14a4.5 4.5 0 0 0 6.4 0l3-3a4.5 4.5 0 0 0-6.4-6.4l-1 1M14 10a4.5 4.5 0 0 0-6.4 0l-3 3a4.5 4.5 0 0 0 6.4 6.4l1-1" }]],
  people: [["circle", { cx: 9, cy: 8, r: 3.5 }], ["path", { d: "M2.5 20a6.5 6.5 0 0 1 13 0M16 4.6a3.5 3.5 0 0 1 0 6.8M18 14.2a6.5 6.5 0 0 1 3.5 5.8" }]],
  chat: [["path", { d: "M20 12a8 8 0 0 1-11.8 7L4 20l1.1-3.9A8 8 0 1 1 20 12z" }]],
  keyboard: [["rect", { x: 2.5, y: 6, width: 19, height: 12, rx: 2 }], ["path", { d: "M6 10h.01M10 10h.01M14 10h.01M18 10h.01M6 14h.01M18 14h.01M9 14h6" }]],
  close: [["path", { d: "M6 6l12 12M18 6 6 18" }]],
  send: [["path", { d: "M4 12 20 4l-4 16-4-7zM12 13l8-9" }]],
  "chevron-left": [["path", { d: "M15 5l-7 7 7 7" }]],
  "chevron-right": [["path", { d: "M9 5l7 7-7 7" }]],
  pin: [["path", { d: "M9 4h6M10 4v5l-3 4h10l-3-4V4M12 13v7" }]],
  unpin: [["path", { d: "M9 4h6M10 4v5l-3 4h10l-3-4V4M12 13v7M3 3l18 18" }]],
  check: [["path", { d: "M5 12.5l4.5 4.5L19 7.5" }]],
  info: [["circle", { cx: 12, cy: 12, r: 9 }], ["path", { d: "M12 11v5M12 8h.01" }]],
};

// icon returns a new <svg class="icon"> for name (aria-hidden: the button
// that holds it has the label).
export function icon(name, extraClass = "") {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", extraClass ? `icon ${extraClass}` : "icon");
  svg.setAttribute("aria-hidden", "true");
  svg.dataset.icon = name;
  for (const [tag, attrs] of shapes[name] || []) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.append(el);
  }
  return svg;
}

// setIcon replaces the icon of a button (its first svg child) with name.
export function setIcon(button, name) {
  const old = button.querySelector(":scope > svg.icon");
  if (old && old.dataset.icon === name) return;
  const next = icon(name);
  if (old) old.replaceWith(next); else button.prepend(next);
}

// fillIcons gives every [data-icon] element under root its icon.
export function fillIcons(root = document) {
  for (const el of root.querySelectorAll("[data-icon]")) {
    if (el instanceof SVGElement) continue;
    setIcon(el, el.dataset.icon);
  }
}
