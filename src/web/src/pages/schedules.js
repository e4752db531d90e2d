// /web/schedules: the schedule document edited visually (items, order,
// mode, count/duration, fixed starts, fillers, pad, balance/weighted
// members), reordered by drag and drop or the Move buttons, checked by a
// 24-hour preview before saving, imported and exported as JSON.
import { html, nothing } from 'lit';
import { get, post, put, del } from '../api.js';
import { Page, errorBanner, hhmm, dayTime, download } from '../util.js';
import { field, contentEditor, setPath, resolveField } from './schedule-fields.js';

const READ_ONLY = ['id', 'channels', 'problems', 'created_at', 'updated_at'];
const ORDERS = ['chronological', 'season_episode', 'shuffle', 'shuffle_in_order', 'random'].map((o) => [o, o.replace(/_/g, ' ')]);
const MODES = [['flood', 'flood'], ['one', 'one'], ['multiple', 'multiple (count)'], ['duration', 'duration'], ['block', 'block']];
const TAILS = [['none', 'none'], ['offline', 'offline'], ['filler', 'filler']];
const PADS = [0, 5, 10, 15, 20, 30, 60].map((p) => [String(p), p ? `${p} min` : 'no padding']);

const newItem = () => ({ title: null, content: { collection: null }, order: 'chronological', mode: 'one', tail: 'none',
  start_time: null, pad_to_minutes: 0, pre_roll: null, mid_roll: null, post_roll: null, tail_filler: null });
const newDoc = () => ({ name: '', max_lateness_seconds: 0, keep_multi_part_episodes: true, fallback_filler: null, fillers: [], items: [newItem()] });

function clean(doc) {
  const d = structuredClone(doc);
  for (const k of READ_ONLY)
    delete d[k];
  for (const it of d.items)
    if (it.pad_to_minutes != null)
      it.pad_to_minutes = Number(it.pad_to_minutes);
  return d;
}

class ExsSchedules extends Page {
  static properties = {
    list: { state: true }, doc: { state: true }, id: { state: true }, error: { state: true }, errorPath: { state: true },
    preview: { state: true }, notice: { state: true }, dragFrom: { state: true }, dropAt: { state: true }, listError: { state: true },
  };

  constructor() {
    super();
    this.known = new Set();
  }

  connectedCallback() {
    super.connectedCallback();
    this.load();
  }

  async load() {
    try {
      this.list = (await get('/api/schedules')).schedules;
      const want = new URLSearchParams(location.search).get('id');
      if (!this.doc && this.list.length)
        this.edit(this.list.find((s) => String(s.id) === want) || this.list[0]);
    } catch (e) {
      this.listError = e;
    }
  }

  edit(s) {
    this.id = s ? s.id : null;
    this.doc = s ? clean(s) : newDoc();
    this.error = this.errorPath = this.preview = this.notice = null;
    history.replaceState(null, '', s ? `/web/schedules?id=${s.id}` : '/web/schedules');
  }

  change(path, value) {
    const d = structuredClone(this.doc);
    setPath(d, path, value);
    this.doc = d;
    this.preview = null;
  }

  showError(e) {
    this.error = e;
    this.errorPath = resolveField(e.field, this.known);
    this.updateComplete.then(() => this.querySelector('[aria-invalid="true"]')?.focus());
  }

  async runPreview() {
    try {
      this.preview = await post('/api/schedules/preview', { schedule: clean(this.doc), hours: 24 });
      this.error = this.errorPath = null;
    } catch (e) {
      this.preview = null;
      this.showError(e);
    }
  }

  async save(ev) {
    ev?.preventDefault();
    try {
      const body = clean(this.doc);
      const saved = this.id ? await put(`/api/schedules/${this.id}`, body) : await post('/api/schedules', body);
      this.notice = `Schedule “${saved.name}” saved.`;
      this.error = this.errorPath = null;
      this.id = saved.id;
      history.replaceState(null, '', `/web/schedules?id=${saved.id}`);
      this.load();
    } catch (e) {
      this.showError(e);
    }
  }

  async remove() {
    if (!confirm(`Delete schedule “${this.doc.name}”? Channels playing it go offline.`))
      return;
    try {
      await del(`/api/schedules/${this.id}`);
      this.doc = null;
      this.notice = 'Schedule deleted.';
      history.replaceState(null, '', '/web/schedules');
      this.load();
    } catch (e) {
      this.showError(e);
    }
  }

  async importFile(ev) {
    const file = ev.target.files[0];
    if (!file)
      return;
    try {
      const d = JSON.parse(await file.text());
      if (typeof d !== 'object' || !Array.isArray(d.items))
        throw new Error('That file is not a schedule document (no "items" list).');
      this.id = null;
      this.doc = clean({ ...newDoc(), ...d });
      this.notice = `Imported “${d.name || file.name}”; check it and save.`;
      this.error = null;
    } catch (e) {
      this.error = { message: `Cannot import ${file.name}: ${e.message}` };
      this.errorPath = null;
    }
    ev.target.value = '';
  }

  move(from, to) {
    if (to < 0 || to >= this.doc.items.length || from === to)
      return;
    const items = [...this.doc.items];
    const [it] = items.splice(from, 1);
    items.splice(to, 0, it);
    this.change('items', items);
    this.updateComplete.then(() => this.querySelector(`[data-item="${to}"] .drag-handle`)?.focus());
  }

  itemEditor(it, i) {
    const p = `items[${i}]`;
    const fillers = [['', '—'], ...this.doc.fillers.map((f) => [f.name, f.name])];
    return html`<li class="sched-item ${this.dragFrom === i ? 'dragging' : ''} ${this.dropAt === i ? 'drop-target' : ''}"
        data-item=${i} draggable="true"
        @dragstart=${(e) => { this.dragFrom = i; e.dataTransfer.effectAllowed = 'move'; e.dataTransfer.setData('text/plain', String(i)); }}
        @dragover=${(e) => { e.preventDefault(); this.dropAt = i; }}
        @dragleave=${() => (this.dropAt = null)}
        @drop=${(e) => { e.preventDefault(); const from = Number(e.dataTransfer.getData('text/plain')); this.dragFrom = this.dropAt = null; this.move(from, i); }}
        @dragend=${() => (this.dragFrom = this.dropAt = null)}>
      <div class="toolbar">
        <button type="button" class="drag-handle" aria-label="Item ${i + 1}: drag, or use Move up and Move down">☰ Item ${i + 1}</button>
        <button type="button" class="secondary" aria-label="Move item ${i + 1} up" ?disabled=${i === 0} @click=${() => this.move(i, i - 1)}>Move up</button>
        <button type="button" class="secondary" aria-label="Move item ${i + 1} down" ?disabled=${i === this.doc.items.length - 1} @click=${() => this.move(i, i + 1)}>Move down</button>
        <button type="button" class="danger" aria-label="Remove item ${i + 1}" @click=${() => this.change('items', this.doc.items.filter((_x, j) => j !== i))}>Remove</button>
      </div>
      <div class="grid">
        ${contentEditor(this, `${p}.content`)}
        ${field(this, `${p}.order`, 'Order', 'select', ORDERS)}
        ${field(this, `${p}.mode`, 'Mode', 'select', MODES)}
        ${it.mode === 'multiple' ? field(this, `${p}.count`, 'Count', 'number') : nothing}
        ${it.mode === 'duration' || it.mode === 'block' ? field(this, `${p}.duration_seconds`, 'Duration (seconds)', 'number') : nothing}
        ${it.mode === 'duration' || it.mode === 'block' ? field(this, `${p}.tail`, 'Tail', 'select', TAILS) : nothing}
        ${field(this, `${p}.start_time`, 'Fixed start (HH:MM)', 'time')}
        ${field(this, `${p}.pad_to_minutes`, 'Pad to', 'select', PADS)}
        ${field(this, `${p}.title`, 'Guide title')}
        ${field(this, `${p}.pre_roll`, 'Pre-roll', 'select', fillers)}
        ${field(this, `${p}.mid_roll`, 'Mid-roll', 'select', fillers)}
        ${field(this, `${p}.post_roll`, 'Post-roll', 'select', fillers)}
        ${field(this, `${p}.tail_filler`, 'Tail filler', 'select', fillers)}
      </div>
    </li>`;
  }

  fillerEditor(f, i) {
    const p = `fillers[${i}]`;
    return html`<li class="sched-item"><div class="grid">
      ${field(this, `${p}.name`, 'Preset name')}
      ${field(this, `${p}.count`, 'Count', 'number')}
      ${field(this, `${p}.every_minutes`, 'Mid-roll every (min)', 'number')}
      ${field(this, `${p}.hide_in_guide`, 'Hide in guide', 'bool')}
      <button type="button" class="danger" aria-label="Remove filler preset ${i + 1}"
        @click=${() => this.change('fillers', this.doc.fillers.filter((_x, j) => j !== i))}>Remove</button></div>
      <ol class="members">${(f.items || []).map((_m, j) => html`<li class="grid">${contentEditor(this, `${p}.items[${j}]`, true)}
        <button type="button" class="secondary" aria-label="Remove member ${j + 1} of ${f.name || 'preset'}"
          @click=${() => this.change(`${p}.items`, f.items.filter((_x, k) => k !== j))}>Remove</button></li>`)}</ol>
      <button type="button" class="secondary" @click=${() => this.change(`${p}.items`, [...(f.items || []), { collection: null, weight: 1, cooldown_minutes: 0 }])}>Add member</button>
    </li>`;
  }

  editor() {
    this.known = new Set();
    const d = this.doc;
    const banner = this.error && !this.errorPath ? errorBanner(this.error) : nothing;
    return html`<form class="stack wide" @submit=${this.save} aria-labelledby="sched-edit-h">
      <h2 id="sched-edit-h">${this.id ? `Edit “${d.name}”` : 'New schedule'}</h2>
      ${banner}
      <div class="grid">
        ${field(this, 'name', 'Name')}
        ${field(this, 'max_lateness_seconds', 'Max lateness (s)', 'number')}
        ${field(this, 'fallback_filler', 'Fallback filler', 'select', [['', 'offline'], ...d.fillers.map((f) => [f.name, f.name])])}
        ${field(this, 'keep_multi_part_episodes', 'Keep multi-part episodes together', 'bool')}
      </div>
      <h3>Items</h3>
      <ol class="sched-items">${d.items.map((it, i) => this.itemEditor(it, i))}</ol>
      <div class="actions"><button type="button" class="secondary" @click=${() => this.change('items', [...d.items, newItem()])}>Add item</button></div>
      <h3>Filler presets</h3>
      <ol class="sched-items">${d.fillers.map((f, i) => this.fillerEditor(f, i))}</ol>
      <div class="actions"><button type="button" class="secondary"
        @click=${() => this.change('fillers', [...d.fillers, { name: `filler${d.fillers.length + 1}`, items: [], count: 1, every_minutes: 0, hide_in_guide: true }])}>Add filler preset</button></div>
      <div class="actions">
        <button type="button" @click=${this.runPreview}>Preview 24 h</button>
        <button type="submit">Save schedule</button>
        <button type="button" class="secondary" @click=${() => download(`${d.name || 'schedule'}.json`, JSON.stringify(clean(d), null, 2))}>Export JSON</button>
        ${this.id ? html`<button type="button" class="danger" @click=${this.remove}>Delete</button>` : nothing}
      </div>
      ${this.preview ? html`<section aria-labelledby="prev-h" class="card"><h3 id="prev-h">The next 24 hours</h3>
        ${this.preview.programmes.length ? html`<ol class="preview">${this.preview.programmes.map((p) => html`<li>
          <span class="muted">${dayTime(p.start)}–${hhmm(p.stop)}</span> ${p.title}${p.kind !== 'programme' ? html` <span class="badge">${p.kind}</span>` : nothing}</li>`)}</ol>`
          : html`<p>Nothing would play.</p>`}
        ${(this.preview.problems || []).length ? html`<h4>Problems</h4><ul>${this.preview.problems.map((x) => html`<li class="warning">${x}</li>`)}</ul>` : nothing}</section>` : nothing}
    </form>`;
  }

  render() {
    return html`
      <h1>Schedules</h1>
      ${this.notice ? html`<p class="ok" role="status">${this.notice}</p>` : nothing}
      ${errorBanner(this.listError)}
      <div class="toolbar">
        <label for="sched-pick">Schedule</label>
        <select id="sched-pick" @change=${(e) => this.edit(this.list.find((s) => String(s.id) === e.target.value))}>
          <option value="" .selected=${!this.id}>${this.doc && !this.id ? '(new schedule)' : 'Choose…'}</option>
          ${(this.list || []).map((s) => html`<option value=${s.id} .selected=${s.id === this.id}>${s.name}${s.channels.length ? ` (${s.channels.join(', ')})` : ''}</option>`)}
        </select>
        <button @click=${() => this.edit(null)}>New schedule</button>
        <label class="button secondary" for="sched-import">Import JSON…</label>
        <input id="sched-import" class="visually-hidden" type="file" accept="application/json,.json" @change=${this.importFile}>
      </div>
      ${this.doc ? this.editor() : html`<p>Choose a schedule to edit, start a new one, or import a JSON document.</p>`}`;
  }
}
customElements.define('exs-schedules', ExsSchedules);
