// The libraries page's form for a Plex, Jellyfin or Emby library
// (docs/api/library.md): the server's address and token, a button that asks
// the server for its libraries (POST /api/media-servers/remote-libraries) to
// tick the ones to sync, path mappings, then POST /api/media-servers/libraries.
// The token field is a password field; the server never sends it back.
// Fires "added" ({detail: library}) and "cancel".
import { html, nothing } from 'lit';
import { post } from '../api.js';
import { Page, errorBanner, fieldError, invalid } from '../util.js';

const SOURCES = [['plex', 'Plex'], ['jellyfin', 'Jellyfin'], ['emby', 'Emby']];
const PLACEHOLDERS = { plex: 'http://nas:32400', jellyfin: 'http://nas:8096', emby: 'http://nas:8096/emby' };

class ExsMediaServerForm extends Page {
  static properties = {
    source: { state: true }, remote: { state: true }, chosen: { state: true }, mappings: { state: true },
    error: { state: true }, listError: { state: true }, listing: { state: true },
  };

  constructor() {
    super();
    this.source = 'plex';
    this.chosen = new Set();
    this.mappings = [];
  }

  server() {
    const f = this.querySelector('form').elements;
    return { source: f.ms_source.value, url: f.ms_url.value.trim(), token: f.ms_token.value.trim() };
  }

  async listLibraries() {
    this.listing = true;
    try {
      const r = await post('/api/media-servers/remote-libraries', this.server());
      this.remote = r.remote_libraries;
      this.chosen = new Set(r.remote_libraries.filter((l) => l.kind === this.querySelector('#ms-kind').value).map((l) => l.id));
      this.listError = null;
    } catch (e) {
      this.listError = e;
      this.remote = null;
    } finally {
      this.listing = false;
    }
  }

  toggle(id, on) {
    const s = new Set(this.chosen);
    if (on)
      s.add(id);
    else
      s.delete(id);
    this.chosen = s;
  }

  async submit(ev) {
    ev.preventDefault();
    const f = ev.target.elements;
    const body = { ...this.server(), name: f.ms_name.value, kind: f.ms_kind.value,
      path_mappings: this.mappings.filter((m) => m.server_path || m.local_path) };
    if (this.remote)
      body.remote_libraries = [...this.chosen];
    try {
      const library = await post('/api/media-servers/libraries', body);
      this.error = null;
      this.dispatchEvent(new CustomEvent('added', { detail: library }));
    } catch (e) {
      this.error = e;
    }
  }

  setMapping(i, key, value) {
    this.mappings = this.mappings.map((m, j) => (j === i ? { ...m, [key]: value } : m));
  }

  mappingRows() {
    return this.mappings.map((m, i) => html`<li>
      <label for="ms-from-${i}">Server path</label>
      <input id="ms-from-${i}" .value=${m.server_path} placeholder="/media/tv" @input=${(e) => this.setMapping(i, 'server_path', e.target.value)}>
      <label for="ms-to-${i}">Local path</label>
      <input id="ms-to-${i}" .value=${m.local_path} placeholder="/mnt/nas/tv" @input=${(e) => this.setMapping(i, 'local_path', e.target.value)}>
      <button type="button" class="link" aria-label="Remove path mapping ${i + 1}"
        @click=${() => (this.mappings = this.mappings.filter((_, j) => j !== i))}>remove</button></li>`);
  }

  render() {
    const e = this.error;
    const mine = ['name', 'kind', 'source', 'url', 'token', 'remote_libraries', 'path_mappings'];
    return html`<form class="card stack" aria-labelledby="ms-h" @submit=${this.submit}>
      <h2 id="ms-h">Add a Plex, Jellyfin or Emby library</h2>
      ${e && !mine.includes(e.field) ? errorBanner(e) : nothing}
      <div><label for="ms-name">Name</label><input id="ms-name" name="ms_name" required aria-invalid=${invalid(e, 'name')} aria-describedby="ms-name-err">
        ${fieldError(e, 'name', 'ms-name-err')}</div>
      <div><label for="ms-kind">Kind</label><select id="ms-kind" name="ms_kind"><option value="movies">Movies</option><option value="shows">Shows</option></select>
        ${fieldError(e, 'kind', 'ms-kind-err')}</div>
      <div><label for="ms-source">Server</label>
        <select id="ms-source" name="ms_source" @change=${(ev) => { this.source = ev.target.value; this.remote = null; }}>
          ${SOURCES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>
        ${fieldError(e, 'source', 'ms-source-err')}</div>
      <div><label for="ms-url">Address</label>
        <input id="ms-url" name="ms_url" required placeholder=${PLACEHOLDERS[this.source]} aria-invalid=${invalid(e || this.listError, 'url')} aria-describedby="ms-url-err">
        ${fieldError(e || this.listError, 'url', 'ms-url-err')}</div>
      <div><label for="ms-token">${this.source === 'plex' ? 'Plex token' : 'API key'}</label>
        <input id="ms-token" name="ms_token" type="password" autocomplete="off" required aria-invalid=${invalid(e || this.listError, 'token')} aria-describedby="ms-token-err">
        ${fieldError(e || this.listError, 'token', 'ms-token-err')}</div>
      <div><button type="button" class="secondary" ?disabled=${this.listing} @click=${() => this.listLibraries()}>List the server's libraries</button>
        ${this.listError && !['url', 'token'].includes(this.listError.field) ? errorBanner(this.listError) : nothing}
        ${this.remote ? html`<fieldset><legend>Libraries to sync</legend>
          ${this.remote.map((l) => html`<div><input type="checkbox" id="ms-lib-${l.id}" .checked=${this.chosen.has(l.id)} ?disabled=${!l.kind}
            @change=${(ev) => this.toggle(l.id, ev.target.checked)}>
            <label for="ms-lib-${l.id}">${l.title} <span class="muted">(${l.kind || 'not films or shows'})</span></label></div>`)}
        </fieldset>` : html`<p class="muted">Without a list, every server library of this kind is synced.</p>`}
        ${fieldError(e, 'remote_libraries', 'ms-libs-err')}</div>
      <div><span id="ms-maps-l" class="label">Path mappings (read files here when the server's disk is mounted)</span>
        <ul aria-labelledby="ms-maps-l">${this.mappingRows()}</ul>
        <button type="button" class="secondary" @click=${() => (this.mappings = [...this.mappings, { server_path: '', local_path: '' }])}>Add a path mapping</button>
        ${fieldError(e, 'path_mappings', 'ms-maps-err')}</div>
      <div class="actions"><button type="submit">Add and sync</button>
        <button type="button" class="secondary" @click=${() => this.dispatchEvent(new CustomEvent('cancel'))}>Cancel</button></div>
    </form>`;
  }
}
customElements.define('exs-media-server-form', ExsMediaServerForm);
