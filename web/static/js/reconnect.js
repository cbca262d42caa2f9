// Reconnector: when the signaling connection or a media connection dies,
// it shows the banner and calls recover(attempt) until one succeeds, with a
// growing pause between attempts; after giveUpMs it stops and calls
// giveUp(lastError). The meeting keeps its state meanwhile.

const backoff = [500, 1000, 2000, 4000, 8000];

export class Reconnector {
  constructor({ banner, recover, giveUp, giveUpMs = 5 * 60 * 1000 }) {
    this.banner = banner;
    this.text = banner.querySelector(".banner-text");
    this.recover = recover;
    this.giveUp = giveUp;
    this.giveUpMs = giveUpMs;
    this.active = false;
    this.stopped = false;
    this.hideTimer = 0;
  }

  // trigger starts recovering unless it is already under way.
  trigger(reason) {
    if (this.active || this.stopped) return;
    console.warn("parley: connection lost:", reason);
    this.active = true;
    this.#run().catch((err) => console.error("parley: reconnect loop", err));
  }

  stop() {
    this.stopped = true;
    this.#hide();
  }

  async #run() {
    const started = Date.now();
    let lastError = null;
    for (let attempt = 1; !this.stopped; attempt++) {
      this.#show(attempt === 1 ? "Connection lost. Reconnecting…" : `Reconnecting… (attempt ${attempt})`, "reconnecting");
      try {
        await this.recover(attempt);
        this.active = false;
        this.#show("Reconnected", "ok");
        this.hideTimer = setTimeout(() => this.#hide(), 2500);
        return;
      } catch (err) {
        lastError = err;
        console.warn(`parley: reconnect attempt ${attempt} failed:`, err);
      }
      if (Date.now() - started > this.giveUpMs) break;
      await new Promise((r) => setTimeout(r, backoff[Math.min(attempt - 1, backoff.length - 1)]));
    }
    this.active = false;
    this.#hide();
    if (!this.stopped) this.giveUp(lastError);
  }

  #show(text, state) {
    clearTimeout(this.hideTimer);
    this.text.textContent = text;
    this.banner.dataset.state = state;
    this.banner.hidden = false;
  }

  #hide() {
    clearTimeout(this.hideTimer);
    this.banner.hidden = true;
  }
}
