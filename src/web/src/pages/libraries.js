// /web/libraries: libraries with live scan progress ("scan" events), the
// folder picker (GET /api/fs/folders), the files and folders that failed,
// media search in the query language, and the smart-collection editor
// with a live preview.
import { html, nothing } from 'lit';
import { get, post, del, onEvent } from '../api.js';
import { Page, errorBanner, fieldError, invalid, debounce } from '../util.js';
import './media-search.js';
import './media-server-form.js';

const KINDS = [['movies', 'Movies'], ['shows', 'Shows'], ['music_videos', 'Music videos'], ['other_videos', 'Other videos'], ['music', 'Music']];

class ExsLibraries extends Page {
  static properties = {
    libraries: { state: true }, error: { state: true }, adding: { state: true }, addError: { state: true },
    paths: { state: true }, picker: { state: true }, pickerError: { state: true }, problems: { state: true },
    collections: { state: true }, query: { state: true }, preview: { state: true }, collError: { state: true }, notice: { state: true },
    source: { state: true },
    addingServer: { state: true },
  };

  constructor() {
    super();
    this.paths = [];
    this.source = 'local';
    this.problems = {};
    this.query = '';
    this.previewSoon = debounce(() => this.runPreview(), 300);
  }

  connectedCallback() {
    super.connectedCallback();
    this.load();
    this.cleanups.push(onEvent('scan', (s) => this.onScan(s)));
  }

  async load() {
    try {
      const [l, c] = await Promise.all([get('/api/libraries'), get('/api/collections')]);
      this.libraries = l.libraries;
      this.collections = c.collections;
      this.error = null;
    } catch (e) {
      this.error = e;
    }
  }

  onScan(s) {
    if (!this.libraries)
      return;
    this.libraries = this.libraries.map((l) => (l.id === s.library_id
      ? { ...l, scan: { ...l.scan, state: s.state === 'done' || s.state === 'failed' ? 'idle' : 'scanning', found: s.found, probed: s.probed, failed: s.failed } }
      : l));
    if (s.state === 'done' || s.state === 'failed')
      this.load();
  }

  async openPicker(path) {
    try {
      this.picker = await get(`/api/fs/folders?path=${encodeURIComponent(path || '/')}`);
      this.pickerError = null;
      await this.updateComplete;
      this.querySelector('.picker button')?.focus();
    } catch (e) {
      this.pickerError = e;
      this.picker = this.picker || { path: path || '/', parent: null, folders: [] };
    }
  }

  choose(path) {
    if (!this.paths.includes(path))
      this.paths = [...this.paths, path];
    this.picker = null;
  }

  async addLibrary(ev) {
    ev.preventDefault();
    const f = ev.target.elements;
    const url = this.source === 'url';
    // a URL library: one entry a line (media or M3U URLs, archive:ID, ytdl:PAGE)
    const typed = url ? f.entries.value.split('\n').map((x) => x.trim()).filter(Boolean) : [f.path.value.trim()].filter(Boolean);
    const paths = url ? typed : [...this.paths, ...typed.filter((x) => !this.paths.includes(x))];
    try {
      await post('/api/libraries', { name: f.name.value, kind: f.kind.value, source: this.source, paths });
      this.adding = false;
      this.paths = [];
      this.source = 'local';
      this.addError = null;
      this.notice = `Library “${f.name.value}” added; scanning.`;
      this.load();
    } catch (e) {
      this.addError = e;
    }
  }

  async scan(l, full) {
    try {
      await post(`/api/libraries/${l.id}/scan`, full ? { full: true } : {});
      this.load();
    } catch (e) {
      this.error = e;
    }
  }

  async showProblems(l) {
    const [issues, media] = await Promise.all([
      get(`/api/libraries/${l.id}/issues`).catch(() => ({ issues: [] })),
      get(`/api/media?library=${l.id}&limit=500&include_missing=true`).catch(() => ({ items: [] })),
    ]);
    this.problems = { ...this.problems, [l.id]: { issues: issues.issues, failed: media.items.filter((m) => m.scan_state === 'error') } };
  }

  async remove(l) {
    if (!confirm(`Delete library “${l.name}”? Its media leave the collections and schedules that use them.`))
      return;
    await del(`/api/libraries/${l.id}`).catch((e) => (this.error = e));
    this.load();
  }

  async runPreview() {
    if (!this.query.trim()) {
      this.preview = null;
      return;
    }
    try {
      this.preview = await post('/api/collections/preview', { query: this.query });
      this.collError = null;
    } catch (e) {
      this.collError = e;
      this.preview = null;
    }
  }

  async saveCollection(ev) {
    ev.preventDefault();
    const name = ev.target.elements.coll_name.value;
    try {
      await post('/api/collections', { name, kind: 'smart', query: this.query });
      this.notice = `Collection “${name}” saved.`;
      this.collError = null;
      this.load();
    } catch (e) {
      this.collError = e;
    }
  }

  libraryCard(l) {
    const s = l.scan || {};
    const p = this.problems[l.id];
    return html`<li class="card" data-library=${l.id}>
      <h3>${l.name} <span class="muted">(${l.kind}${l.source && l.source !== 'local' ? `, ${l.source}` : ''}, ${l.items} items${l.missing ? `, ${l.missing} missing` : ''})</span></h3>
      ${l.media_server ? html`<p class="muted">From ${l.source} at <code>${l.media_server.url}</code>${l.media_server.token_set ? '' : ' (no token set)'}</p>` : nothing}
      <ul>${l.paths.map((x) => html`<li><code>${x.path}</code>${x.error ? html` <span class="error">${x.error}</span>` : nothing}</li>`)}</ul>
      ${s.state === 'scanning' ? html`<label for="prog-${l.id}">Scanning: ${s.found} found, ${s.probed} probed, ${s.failed} failed</label>
        <progress id="prog-${l.id}" class="progress" max=${Math.max(1, s.found)} value=${s.probed + (s.unchanged || 0) + s.failed}></progress>`
        : html`<p class="muted">Last scan: ${s.found ?? 0} found, ${s.probed ?? 0} probed, ${s.failed ?? 0} failed${s.error ? html`, <span class="error">${s.error}</span>` : ''}.</p>`}
      <div class="actions">
        <button @click=${() => this.scan(l, false)} ?disabled=${s.state === 'scanning'}>Rescan</button>
        <button class="secondary" @click=${() => this.scan(l, true)} ?disabled=${s.state === 'scanning'}>Full rescan</button>
        <button class="secondary" @click=${() => this.showProblems(l)}>Show failures</button>
        <button class="danger" aria-label="Delete library ${l.name}" @click=${() => this.remove(l)}>Delete</button>
      </div>
      ${p ? html`<h4>Failures</h4>${!p.issues.length && !p.failed.length ? html`<p class="ok">None.</p>` : html`<ul>
        ${p.issues.map((i) => html`<li><code>${i.path}</code>: ${i.reason}</li>`)}
        ${p.failed.map((m) => html`<li><code>${m.title}</code>: ${m.scan_message}</li>`)}</ul>`}` : nothing}
    </li>`;
  }

  pickerDialog() {
    const p = this.picker;
    return html`<div class="modal-back"><div class="modal card" role="dialog" aria-modal="true" aria-labelledby="pick-h"
        @keydown=${(e) => e.key === 'Escape' && (this.picker = null)}>
      <h2 id="pick-h">Choose a folder on the server</h2>
      <p><code>${p.path}</code></p>
      ${errorBanner(this.pickerError)}
      <ul class="picker">
        ${p.parent ? html`<li><button class="link" @click=${() => this.openPicker(p.parent)}>⬑ Up to ${p.parent}</button></li>` : nothing}
        ${p.folders.map((f) => html`<li><button class="link" @click=${() => this.openPicker(f.path)} aria-label="Open folder ${f.name}">📁 ${f.name}</button></li>`)}
      </ul>
      <div class="actions"><button @click=${() => this.choose(p.path)}>Use ${p.path}</button>
        <button class="secondary" @click=${() => (this.picker = null)}>Cancel</button></div>
    </div></div>`;
  }

  addForm() {
    const e = this.addError;
    const pathsErr = e && e.field && e.field.startsWith('paths');
    return html`<form class="card stack" aria-labelledby="add-lib-h" @submit=${this.addLibrary}>
      <h2 id="add-lib-h">Add a library</h2>
      ${e && !['name', 'kind', 'source'].includes(e.field) && !pathsErr ? errorBanner(e) : nothing}
      <div><label for="lib-name">Name</label><input id="lib-name" name="name" required aria-invalid=${invalid(e, 'name')} aria-describedby="lib-name-err">
        ${fieldError(e, 'name', 'lib-name-err')}</div>
      <div><label for="lib-kind">Kind</label><select id="lib-kind" name="kind">${KINDS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>
        ${fieldError(e, 'kind', 'lib-kind-err')}</div>
      <div><label for="lib-source">Source</label><select id="lib-source" name="source" @change=${(ev) => (this.source = ev.target.value)}>
          <option value="local" ?selected=${this.source === 'local'}>Folders on the server</option>
          <option value="url" ?selected=${this.source === 'url'}>URLs: media, M3U, Archive.org, yt-dlp pages</option></select>
        ${fieldError(e, 'source', 'lib-source-err')}</div>
      ${this.source === 'url' ? html`<div><label for="lib-entries">Entries, one a line</label>
        <textarea id="lib-entries" name="entries" rows="4" aria-invalid=${pathsErr ? 'true' : 'false'} aria-describedby="lib-entries-help lib-paths-err"
          placeholder="https://example.org/film.mp4&#10;https://example.org/list.m3u&#10;archive:IDENTIFIER&#10;ytdl:https://video.example/page"></textarea>
        <span id="lib-entries-help" class="muted">http(s) media or M3U URLs, <code>archive:IDENTIFIER</code> (an Archive.org item or collection), <code>ytdl:URL</code> (any page yt-dlp plays)</span>
        ${pathsErr ? html`<span class="field-error" id="lib-paths-err" role="alert">${e.message} (${e.field})</span>` : nothing}</div>` : html`
      <div><span id="lib-paths-l" class="label">Folders</span>
        <ul aria-labelledby="lib-paths-l">${this.paths.map((p) => html`<li><code>${p}</code>
          <button type="button" class="link" aria-label="Remove folder ${p}" @click=${() => (this.paths = this.paths.filter((x) => x !== p))}>remove</button></li>`)}</ul>
        <label for="lib-path">Folder path</label>
        <input id="lib-path" name="path" placeholder="/srv/media" aria-invalid=${pathsErr ? 'true' : 'false'} aria-describedby="lib-paths-err">
        <button type="button" class="secondary" @click=${() => this.openPicker(this.querySelector('#lib-path').value || '/')}>Browse the server…</button>
        ${pathsErr ? html`<span class="field-error" id="lib-paths-err" role="alert">${e.message} (${e.field})</span>` : nothing}</div>`}
      <div class="actions"><button type="submit">Add and scan</button>
        <button type="button" class="secondary" @click=${() => (this.adding = false)}>Cancel</button></div>
    </form>`;
  }

  serverForm() {
    return html`<exs-media-server-form @cancel=${() => (this.addingServer = false)}
      @added=${(ev) => { this.addingServer = false; this.notice = `Library “${ev.detail.name}” added; syncing.`; this.load(); }}></exs-media-server-form>`;
  }

  collectionEditor() {
    const e = this.collError;
    return html`<section aria-labelledby="coll-h">
      <h2 id="coll-h">Smart collections</h2>
      <ul>${(this.collections || []).map((c) => html`<li>${c.name} <span class="muted">(${c.kind}${c.query ? `: ${c.query}` : ''}, ${c.items} items)</span></li>`)}</ul>
      <form class="stack" @submit=${this.saveCollection}>
        <div><label for="coll-name">Name</label><input id="coll-name" name="coll_name" required aria-invalid=${invalid(e, 'name')}></div>
        <div><label for="coll-query">Query</label>
          <input id="coll-query" .value=${this.query} placeholder="genre:comedy year:<1990" aria-invalid=${invalid(e, 'query')} aria-describedby="coll-query-err"
                 @input=${(ev) => { this.query = ev.target.value; this.previewSoon(); }}>
          ${e ? html`<span class="field-error" id="coll-query-err" role="alert">${e.message}${e.position != null ? ` (at character ${e.position + 1})` : ''}</span>` : nothing}</div>
        <div aria-live="polite">${this.preview ? html`<p>${this.preview.total} items match${this.preview.total ? ':' : '.'}</p>
          <ul>${this.preview.items.slice(0, 20).map((m) => html`<li>${m.show ? `${m.show.title} · ` : ''}${m.title}${m.year ? ` (${m.year})` : ''}</li>`)}</ul>` : nothing}</div>
        <div class="actions"><button type="submit">Save collection</button></div>
      </form>
    </section>`;
  }

  render() {
    return html`
      <h1>Libraries</h1>
      ${this.notice ? html`<p class="ok" role="status">${this.notice}</p>` : nothing}
      ${errorBanner(this.error)}
      ${this.adding ? this.addForm() : this.addingServer ? this.serverForm() : html`<div class="toolbar"><button @click=${() => (this.adding = true)}>Add a library</button>
        <button class="secondary" @click=${() => (this.addingServer = true)}>Add a Plex, Jellyfin or Emby library</button></div>`}
      <ul class="sched-items">${(this.libraries || []).map((l) => this.libraryCard(l))}</ul>
      ${this.libraries && !this.libraries.length ? html`<p>No libraries yet.</p>` : nothing}
      <exs-media-search></exs-media-search>
      ${this.collectionEditor()}
      ${this.picker ? this.pickerDialog() : nothing}`;
  }
}
customElements.define('exs-libraries', ExsLibraries);
