// Media search in the query language (docs/query-language.md), for the
// libraries page; a syntax error points at its position.
import { html, nothing } from 'lit';
import { get } from '../api.js';
import { Page } from '../util.js';

const PAGE = 50;

class ExsMediaSearch extends Page {
  static properties = { result: { state: true }, error: { state: true }, q: { state: true }, offset: { state: true } };

  constructor() {
    super();
    this.q = '';
    this.offset = 0;
  }

  async search(ev) {
    ev?.preventDefault();
    if (ev)
      this.offset = 0;
    try {
      this.result = await get(`/api/media?q=${encodeURIComponent(this.q)}&limit=${PAGE}&offset=${this.offset}`);
      this.error = null;
    } catch (e) {
      this.error = e;
      this.result = null;
    }
  }

  page(delta) {
    this.offset = Math.max(0, this.offset + delta * PAGE);
    this.search();
  }

  render() {
    const r = this.result, e = this.error;
    return html`<section aria-labelledby="ms-h">
      <h2 id="ms-h">Search media</h2>
      <form class="inline" role="search" @submit=${this.search}>
        <label for="ms-q">Query</label>
        <input id="ms-q" type="search" size="30" .value=${this.q} placeholder='show:"Demo" season:1'
               aria-invalid=${e ? 'true' : 'false'} aria-describedby="ms-err" @input=${(ev) => (this.q = ev.target.value)}>
        <button type="submit">Search</button>
      </form>
      ${e ? html`<p class="field-error" id="ms-err" role="alert">${e.message}${e.position != null ? ` (at character ${e.position + 1})` : ''}</p>` : nothing}
      ${r ? html`<p>${r.total} items.</p>
        <div class="table-wrap"><table><thead><tr><th scope="col">Title</th><th scope="col">Kind</th><th scope="col">Year</th><th scope="col">Length</th><th scope="col">State</th></tr></thead>
        <tbody>${r.items.map((m) => html`<tr><td>${m.show ? `${m.show.title} S${m.season}E${m.episode} · ` : ''}${m.title}</td><td>${m.kind}</td>
          <td>${m.year ?? ''}</td><td>${Math.round((m.duration_ms || 0) / 60000)} min</td>
          <td>${m.scan_state}${m.scan_message ? html` <span class="muted">${m.scan_message}</span>` : nothing}</td></tr>`)}</tbody></table></div>
        <div class="actions">
          <button class="secondary" ?disabled=${this.offset === 0} @click=${() => this.page(-1)}>Previous</button>
          <button class="secondary" ?disabled=${this.offset + PAGE >= r.total} @click=${() => this.page(1)}>Next</button></div>` : nothing}
    </section>`;
  }
}
customElements.define('exs-media-search', ExsMediaSearch);
