// /web/settings: every setting from GET /api/settings (the server's own
// table, so this page never drifts from it), checked inline against its
// type and bounds, saved with PATCH; what needs a restart says so.
import { html, nothing } from 'lit';
import { get, patch } from '../api.js';
import { Page, errorBanner } from '../util.js';

const NUMERIC = ['int', 'double'];
// Set on the command line or in the environment: the server refuses a change.
const locked = (s) => s.source === 'option' || s.source === 'environment';

function check(s, v) {
  if (NUMERIC.includes(s.type)) {
    if (v === '' || Number.isNaN(Number(v))) return 'Must be a number.';
    if (s.type === 'int' && !Number.isInteger(Number(v))) return 'Must be a whole number.';
    if (s.min !== undefined && Number(v) < s.min) return `At least ${s.min}.`;
    if (s.max !== undefined && Number(v) > s.max) return `At most ${s.max}.`;
  }
  if (s.allowed && !s.allowed.map(String).includes(String(v))) return `One of ${s.allowed.join(', ')}.`;
  return null;
}

const idOf = (key) => 'set-' + key.replace(/[^a-zA-Z0-9_-]/g, '-');

class ExsSettings extends Page {
  static properties = { settings: { state: true }, edits: { state: true }, error: { state: true }, saved: { state: true }, filter: { state: true } };

  constructor() {
    super();
    this.edits = {};
    this.filter = '';
  }

  connectedCallback() {
    super.connectedCallback();
    this.load();
  }

  async load() {
    try {
      this.settings = (await get('/api/settings')).settings;
    } catch (e) {
      this.error = e;
    }
  }

  value(s) { return s.key in this.edits ? this.edits[s.key] : s.value; }

  edit(s, v) {
    this.edits = { ...this.edits, [s.key]: v };
    this.saved = null;
  }

  async save(ev) {
    ev.preventDefault();
    const body = {};
    for (const s of this.settings)
      if (s.key in this.edits) {
        const v = this.edits[s.key];
        if (check(s, v)) return;
        body[s.key] = s.type === 'bool' ? Boolean(v) : NUMERIC.includes(s.type) ? Number(v) : v;
      }
    try {
      const r = await patch('/api/settings', body);
      this.saved = r.restart_required ? 'Saved. Restart the server for some changes to take effect.' : 'Saved.';
      this.edits = {};
      this.error = null;
      this.load();
    } catch (e) {
      this.error = e;
    }
  }

  input(s) {
    const v = this.value(s), id = idOf(s.key);
    const local = check(s, v);
    const server = this.error && this.error.field === s.key ? this.error.message : null;
    const msg = local || server;
    const desc = `${id}-desc${msg ? ` ${id}-err` : ''}`;
    let control;
    const ro = locked(s);
    if (s.type === 'bool')
      control = html`<input type="checkbox" id=${id} .checked=${Boolean(v)} ?disabled=${ro} aria-describedby=${desc} @change=${(e) => this.edit(s, e.target.checked)}>`;
    else if (s.allowed)
      control = html`<select id=${id} ?disabled=${ro} aria-describedby=${desc} @change=${(e) => this.edit(s, e.target.value)}>
        ${s.allowed.map((a) => html`<option .selected=${String(a) === String(v)}>${a}</option>`)}</select>`;
    else
      control = html`<input id=${id} type=${NUMERIC.includes(s.type) ? 'number' : 'text'} step=${s.type === 'double' ? 'any' : nothing}
        .value=${v ?? ''} ?readonly=${ro} min=${s.min ?? nothing} max=${s.max ?? nothing} aria-invalid=${msg ? 'true' : 'false'}
        aria-describedby=${desc} @input=${(e) => this.edit(s, e.target.value)}>`;
    return html`<div class="field">
      <label for=${id}><code>${s.key}</code>${s.restart_required ? html` <span class="badge">restart</span>` : nothing}</label>
      ${control}
      <span class="muted" id="${id}-desc">${s.description} ${s.allowed_text ? `Allowed: ${s.allowed_text}. ` : ''}Default: <code>${JSON.stringify(s.default)}</code>
        · set by ${s.source}${ro ? ' (change it there)' : ''}.${'pending' in s ? html` <strong>Saved as <code>${JSON.stringify(s.pending)}</code>; takes effect after a restart.</strong>` : nothing}</span>
      ${msg ? html`<span class="field-error" id="${id}-err" role="alert">${msg}</span>` : nothing}
    </div>`;
  }

  render() {
    if (!this.settings)
      return html`<h1>Settings</h1>${errorBanner(this.error)}${this.error ? nothing : html`<p aria-busy="true">Loading…</p>`}`;
    const f = this.filter.toLowerCase();
    const shown = this.settings.filter((s) => !f || s.key.toLowerCase().includes(f) || (s.description || '').toLowerCase().includes(f));
    const bad = this.settings.some((s) => s.key in this.edits && check(s, this.edits[s.key]));
    return html`
      <h1>Settings</h1>
      <div class="toolbar"><label for="set-filter">Filter</label>
        <input id="set-filter" type="search" .value=${this.filter} @input=${(e) => (this.filter = e.target.value)}></div>
      ${errorBanner(this.error)}
      ${this.saved ? html`<p class="ok" role="status">${this.saved}</p>` : nothing}
      <form class="stack" @submit=${this.save}>
        ${shown.map((s) => this.input(s))}
        <div class="actions"><button type="submit" ?disabled=${bad || !Object.keys(this.edits).length}>Save changes</button>
          <button type="button" class="secondary" @click=${() => (this.edits = {})}>Discard</button></div>
      </form>`;
  }
}
customElements.define('exs-settings', ExsSettings);
