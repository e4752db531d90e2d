// /web/watch/{number}: the channel live in the page, natively where the
// browser plays HLS and through hls.js (loaded only here) elsewhere, with
// now/next beside it and the URLs players need.
import { html, nothing } from 'lit';
import { get } from '../api.js';
import { Page, hhmm, copyText } from '../util.js';

class ExsWatch extends Page {
  static properties = { number: {}, channel: { state: true }, programmes: { state: true }, error: { state: true }, playError: { state: true } };

  connectedCallback() {
    super.connectedCallback();
    this.cleanups.push(() => this.stop());
    const tick = setInterval(() => this.loadGuide(), 60000);
    this.cleanups.push(() => clearInterval(tick));
  }

  async willUpdate(changed) {
    if (changed.has('number') && this.number)
      this.load();
  }

  async load() {
    try {
      this.channel = await get(`/api/channels/${encodeURIComponent(this.number)}`);
      this.error = null;
      this.loadGuide();
      await this.updateComplete;
      this.play();
    } catch (e) {
      this.error = e;
    }
  }

  async loadGuide() {
    const g = await get(`/api/guide?hours=6&channel=${encodeURIComponent(this.number)}&include_disabled=1`).catch(() => null);
    const c = g && g.channels.find((x) => x.number === this.number);
    const now = Date.now();
    this.programmes = c ? c.programmes.filter((p) => Date.parse(p.stop) > now).slice(0, 2) : [];
  }

  async play() {
    const video = this.querySelector('video');
    const src = `/iptv/channel/${encodeURIComponent(this.number)}.m3u8`;
    this.stop();
    this.playError = null;
    // hls.js wherever Media Source Extensions exist (Chromium's own HLS
    // cannot parse every stream); the browser's HLS where they do not
    // (iPhone Safari).
    const mse = 'MediaSource' in window || 'ManagedMediaSource' in window;
    if (!mse && video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = src;
      this.player = 'native';
    } else {
      const Hls = (await import('/web/assets/hls.js')).default;
      if (!Hls.isSupported()) {
        this.playError = 'This browser cannot play HLS.';
        return;
      }
      this.hls = new Hls({ liveSyncDurationCount: 3 });
      this.hls.on(Hls.Events.ERROR, (_e, data) => {
        if (data.fatal)
          this.playError = `Playback failed: ${data.details}`;
      });
      this.hls.loadSource(src);
      this.hls.attachMedia(video);
      this.player = 'hls.js';
    }
    video.dataset.player = this.player;
    video.play().catch(() => { /* autoplay refused: the controls start it */ });
  }

  stop() {
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    const video = this.querySelector('video');
    if (video && this.player === 'native')
      video.removeAttribute('src');
  }

  urls() {
    const o = location.origin, n = encodeURIComponent(this.number);
    return [
      ['MPEG-TS stream', `${o}/iptv/channel/${n}.ts`],
      ['HLS stream', `${o}/iptv/channel/${n}.m3u8`],
      ['M3U playlist (all channels)', `${o}/iptv/channels.m3u`],
      ['XMLTV guide', `${o}/iptv/xmltv.xml`],
    ];
  }

  render() {
    if (this.error)
      return html`<h1>Channel ${this.number}</h1><p class="error" role="alert">${this.error.status === 404 ? 'There is no such channel.' : this.error.message}</p>`;
    const c = this.channel;
    return html`
      <h1>${c ? `${c.number} ${c.name}` : `Channel ${this.number}`}</h1>
      <div class="watch">
        <div>
          <video controls muted playsinline aria-label="Live video of channel ${this.number}"></video>
          ${this.playError ? html`<p class="error" role="alert">${this.playError}</p>` : nothing}
        </div>
        <div>
          <section aria-labelledby="nn-h" class="card">
            <h2 id="nn-h">Now and next</h2>
            ${(this.programmes || []).map((p, i) => html`<p><strong>${i === 0 ? 'Now' : 'Next'}:</strong> ${p.title}
              ${p.subtitle ? html`<span class="muted">— ${p.subtitle}</span>` : nothing}
              <br><span class="muted">${hhmm(p.start)}–${hhmm(p.stop)}</span></p>`)}
            ${this.programmes && !this.programmes.length ? html`<p class="muted">Nothing scheduled.</p>` : nothing}
          </section>
          <section aria-labelledby="urls-h" class="urls">
            <h2 id="urls-h">Links for players</h2>
            ${this.urls().map(([label, url], i) => html`<div class="field">
              <label for="url-${i}">${label}</label>
              <input id="url-${i}" readonly .value=${url}>
              <button class="secondary" aria-label="Copy ${label} URL" @click=${(e) => copyText(url, e.currentTarget)}>Copy</button>
            </div>`)}
          </section>
        </div>
      </div>`;
  }
}
customElements.define('exs-watch', ExsWatch);
