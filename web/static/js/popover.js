// The statistics popover of a tile: opened from its connection quality
// indicator, refreshed with every stats sample, closed with Escape, a click
// elsewhere or the indicator again.
import { h } from "./dom.js";
import { icon } from "./icons.js";
import { layerName } from "./encodings.js";

const levelWords = { good: "Good", fair: "Fair", poor: "Poor", lost: "Lost", "": "Measuring…" };

function rows(stats) {
  if (!stats) return [["Status", "Measuring…"]];
  const out = [
    ["Connection", levelWords[stats.level || ""]],
    ["Bitrate", `${stats.kbps} kbps ${stats.direction === "sending" ? "↑" : "↓"}`],
    ["Packet loss", `${stats.loss.toFixed(1)} %`],
    ["Resolution", stats.width ? `${stats.width}×${stats.height}` : "—"],
    ["Frame rate", stats.fps ? `${stats.fps} fps` : "—"],
    ["Codec", stats.codec || "—"],
    ["Round trip", stats.rtt ? `${stats.rtt} ms` : "—"],
  ];
  if (stats.direction === "sending") {
    out.push(["Layers sent", stats.layers || "single layer"]);
    if (stats.limit) out.push(["Limited by", stats.limit]);
  } else {
    out.push(["Layer", stats.track ? layerName(stats.track, stats.width, stats.quality) : "—"]);
    if (stats.jitter) out.push(["Jitter", `${stats.jitter} ms`]);
  }
  return out;
}

export class StatsPopover {
  constructor(el) {
    this.el = el;
    this.tile = null;
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.tile) this.close();
    });
    document.addEventListener("click", (e) => {
      if (this.tile && !this.el.contains(e.target) && !this.tile.qualityBtn.contains(e.target)) this.close();
    });
  }

  toggle(tile, stats) {
    if (this.tile === tile) {
      this.close();
      return;
    }
    this.tile = tile;
    tile.qualityBtn.setAttribute("aria-expanded", "true");
    this.render(stats);
    this.el.hidden = false;
    this.position();
  }

  close() {
    if (this.tile) this.tile.qualityBtn.setAttribute("aria-expanded", "false");
    this.tile = null;
    this.el.hidden = true;
  }

  // update refreshes the popover when results hold its tile.
  update(results) {
    if (!this.tile) return;
    if (!this.tile.el.isConnected) {
      this.close();
      return;
    }
    this.render(results.get(this.tile.key));
    this.position();
  }

  render(stats) {
    const tile = this.tile;
    const title = tile.local ? (tile.screen ? "Your screen" : "You") : tile.name || tile.identity;
    const close = h("button", { type: "button", class: "icon-btn", "data-testid": "stats-close", "aria-label": "Close statistics" }, icon("close", "small"));
    close.addEventListener("click", () => this.close());
    const dl = h("dl", { class: "stats", "data-testid": "stats-list" });
    for (const [k, v] of rows(stats)) {
      dl.append(h("dt", { text: k }), h("dd", { text: v, "data-stat": k.toLowerCase().replace(/\s+/g, "-") }));
    }
    this.el.replaceChildren(
      h("header", { class: "popover-head" }, h("strong", { text: title }), close),
      dl,
    );
    this.el.dataset.level = stats ? stats.level || "" : "";
  }

  position() {
    const b = this.tile.qualityBtn.getBoundingClientRect();
    const w = this.el.offsetWidth || 260;
    const hgt = this.el.offsetHeight || 240;
    const left = Math.min(Math.max(8, b.right - w), window.innerWidth - w - 8);
    let top = b.bottom + 8;
    if (top + hgt > window.innerHeight - 8) top = Math.max(8, b.top - hgt - 8);
    this.el.style.left = `${left}px`;
    this.el.style.top = `${top}px`;
  }
}
