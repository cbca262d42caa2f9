// Layout: where the tiles go. Tile view is an auto grid of up to 5×5 tiles
// per page, with pages beyond; speaker view puts one tile on the stage
// (pinned, else a screen share, else the active speaker) and the others in
// a filmstrip.
//
// Events: "change" after tiles moved or resized (adaptive streaming
// listens), "mode" when the view switched.

export const maxCols = 5;
export const pageSize = maxCols * maxCols;
const gap = 10;

// gridSize chooses columns and the tile size that make n tiles of the given
// aspect ratio as large as possible in a W×H box, at most 5×5.
export function gridSize(n, W, H, aspect = 16 / 9) {
  let best = { cols: 1, rows: 1, width: 0, height: 0 };
  if (n <= 0 || W <= 0 || H <= 0) return best;
  for (let cols = 1; cols <= Math.min(n, maxCols); cols++) {
    const rows = Math.ceil(n / cols);
    if (rows > maxCols) continue;
    let w = (W - gap * (cols - 1)) / cols;
    let h = w / aspect;
    if (h * rows + gap * (rows - 1) > H) {
      h = (H - gap * (rows - 1)) / rows;
      w = h * aspect;
    }
    if (w * h > best.width * best.height) best = { cols, rows, width: Math.floor(w), height: Math.floor(h) };
  }
  return best;
}

// How long the stage keeps a speaker before another may take it.
const stageHold = 2000;

export class Layout extends EventTarget {
  constructor({ area, grid, speaker, stage, strip, pager }) {
    super();
    this.area = area;
    this.gridEl = grid;
    this.speakerEl = speaker;
    this.stageEl = stage;
    this.stripEl = strip;
    this.pager = pager;
    this.tiles = new Map(); // key -> Tile
    this.mode = "grid";
    this.page = 0;
    this.pinned = ""; // key of the pinned tile
    this.stageKey = "";
    this.stageSince = 0;
    this.speakerKey = ""; // camera tile key of the loudest speaker
    this.modeBeforePin = "grid";
    this.scheduled = false;
    this.pager.querySelector('[data-testid="pager-prev"]').addEventListener("click", () => this.setPage(this.page - 1));
    this.pager.querySelector('[data-testid="pager-next"]').addEventListener("click", () => this.setPage(this.page + 1));
    new ResizeObserver(() => this.update()).observe(area);
  }

  add(tile) {
    this.tiles.set(tile.key, tile);
    this.update();
  }

  remove(key) {
    const tile = this.tiles.get(key);
    if (!tile) return;
    this.tiles.delete(key);
    tile.destroy();
    if (this.pinned === key) this.pin("");
    this.update();
  }

  get(key) { return this.tiles.get(key); }

  setMode(mode) {
    if (mode === this.mode) return;
    this.mode = mode;
    if (mode === "grid" && this.pinned) this.pin("");
    this.update();
    this.dispatchEvent(new CustomEvent("mode", { detail: mode }));
  }

  toggleMode() { this.setMode(this.mode === "grid" ? "speaker" : "grid"); }

  // pin puts a tile on the stage in speaker view; "" unpins.
  pin(key) {
    const prev = this.tiles.get(this.pinned);
    if (prev) prev.setPinned(false);
    if (key && key === this.pinned) key = "";
    this.pinned = key;
    const tile = this.tiles.get(key);
    if (tile) {
      tile.setPinned(true);
      if (this.mode !== "speaker") {
        this.modeBeforePin = this.mode;
        this.mode = "speaker";
        this.dispatchEvent(new CustomEvent("mode", { detail: this.mode }));
      }
    } else if (this.modeBeforePin === "grid" && this.mode === "speaker" && prev) {
      this.mode = "grid";
      this.dispatchEvent(new CustomEvent("mode", { detail: this.mode }));
    }
    this.update();
  }

  // setSpeaker tells the layout whose camera tile belongs to the loudest
  // active speaker ("" when nobody speaks).
  setSpeaker(key) {
    if (key === this.speakerKey) return;
    this.speakerKey = key;
    if (this.mode !== "speaker") return;
    this.update();
    clearTimeout(this.holdTimer); // a speaker held off by stageHold gets the stage after it
    this.holdTimer = setTimeout(() => this.update(), stageHold + 50);
  }

  setPage(page) {
    this.page = page;
    this.update();
  }

  // ordered returns the tiles in display order: screen shares, then the
  // local tile, then remote cameras in join order (as added).
  ordered() {
    const all = [...this.tiles.values()];
    return [...all.filter((t) => t.screen), ...all.filter((t) => !t.screen && t.local), ...all.filter((t) => !t.screen && !t.local)];
  }

  #chooseStage(list) {
    const has = (k) => k && this.tiles.has(k);
    if (has(this.pinned)) return this.pinned;
    const screen = list.find((t) => t.screen);
    if (screen) return screen.key;
    const now = Date.now();
    if (has(this.speakerKey) && this.speakerKey !== this.stageKey && (now - this.stageSince > stageHold || !has(this.stageKey))) {
      return this.speakerKey;
    }
    if (has(this.stageKey) && !this.tiles.get(this.stageKey).local) return this.stageKey;
    const remote = list.find((t) => !t.local);
    return remote ? remote.key : (list[0] ? list[0].key : "");
  }

  // update re-lays the tiles on the next animation frame.
  update() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.#apply();
    });
  }

  #apply() {
    const list = this.ordered();
    const speaker = this.mode === "speaker" && list.length > 1;
    this.gridEl.hidden = speaker;
    this.speakerEl.hidden = !speaker;
    this.area.dataset.layout = speaker ? "speaker" : "grid";
    if (speaker) this.#applySpeaker(list); else this.#applyGrid(list);
    this.dispatchEvent(new Event("change"));
  }

  #applyGrid(list) {
    const pages = Math.max(1, Math.ceil(list.length / pageSize));
    this.page = Math.min(Math.max(0, this.page), pages - 1);
    const shown = list.slice(this.page * pageSize, (this.page + 1) * pageSize);
    this.pager.hidden = pages < 2;
    this.pager.querySelector('[data-testid="pager-label"]').textContent = `${this.page + 1} / ${pages}`;
    this.pager.querySelector('[data-testid="pager-prev"]').disabled = this.page === 0;
    this.pager.querySelector('[data-testid="pager-next"]').disabled = this.page === pages - 1;
    const box = this.gridEl.getBoundingClientRect();
    const portrait = box.width < box.height * 0.8;
    const size = gridSize(shown.length, box.width, box.height, portrait ? 1 : 16 / 9);
    this.gridEl.style.setProperty("--tile-w", `${size.width}px`);
    this.gridEl.style.setProperty("--tile-h", `${size.height}px`);
    this.gridEl.dataset.count = String(shown.length);
    const visible = new Set(shown.map((t) => t.key));
    this.#place(this.gridEl, [...shown, ...list.filter((t) => !visible.has(t.key))]);
    for (const t of list) {
      t.el.hidden = !visible.has(t.key);
      t.el.classList.remove("on-stage");
    }
    this.stageKey = "";
  }

  #applySpeaker(list) {
    this.pager.hidden = true;
    const key = this.#chooseStage(list);
    if (key !== this.stageKey) {
      this.stageKey = key;
      this.stageSince = Date.now();
    }
    const stage = this.tiles.get(key);
    const rest = list.filter((t) => t.key !== key);
    this.#place(this.stageEl, stage ? [stage] : []);
    this.#place(this.stripEl, rest);
    for (const t of list) {
      t.el.hidden = false;
      t.el.classList.toggle("on-stage", t.key === key);
    }
  }

  // #place makes container's children the tiles, in order, moving only
  // what must move (a moved video keeps playing).
  #place(container, tiles) {
    tiles.forEach((t, i) => {
      if (container.children[i] !== t.el) container.insertBefore(t.el, container.children[i] || null);
    });
  }
}
