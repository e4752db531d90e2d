// /web/channels: list, add, edit, delete (after a confirmation), bulk edits
// of the selected channels, the schedule each plays, and logos (an
// uploaded PNG/JPEG/SVG or a library item's artwork).
import { html, nothing } from 'lit';
import { api, get, post, patch, put, del } from '../api.js';
import { Page, errorBanner, fieldError, invalid } from '../util.js';
import { mediaFields, readMediaFields, isMediaField } from './channel-media.js';

// the built-ins, until /api/profiles (with users' profiles) has answered
const BUILTIN_PROFILES = ['480p', '720p', '1080p'];
const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/svg+xml'];

class ExsChannels extends Page {
  static properties = {
    channels: { state: true }, schedules: { state: true }, profiles: { state: true }, selected: { state: true }, editing: { state: true },
    error: { state: true }, formError: { state: true }, bulkError: { state: true }, confirmDelete: { state: true }, notice: { state: true },
  };

  constructor() {
    super();
    this.selected = new Set();
  }

  connectedCallback() {
    super.connectedCallback();
    this.load();
  }

  async load() {
    try {
      const [c, s, p] = await Promise.all([get('/api/channels'), get('/api/schedules').catch(() => ({ schedules: [] })),
        get('/api/profiles').catch(() => ({ profiles: [] }))]);
      this.channels = c.channels;
      this.schedules = s.schedules;
      this.profiles = p.profiles.map((x) => x.name);
      this.error = null;
    } catch (e) {
      this.error = e;
    }
  }

  // The profile picker's list: every profile the server has (GET /api/profiles).
  profileNames() {
    return this.profiles && this.profiles.length ? this.profiles : BUILTIN_PROFILES;
  }

  // The filler preset names that every selected channel's schedule defines
  // (a channel without a schedule has none).
  sharedPresets() {
    let shared = null;
    for (const number of this.selected) {
      const sched = (this.schedules || []).find((x) => (x.channels || []).includes(number));
      const names = new Set((sched?.fillers || []).map((f) => f.name));
      shared = shared ? new Set([...shared].filter((n) => names.has(n))) : names;
    }
    return [...(shared || [])].sort();
  }

  toggle(number, on) {
    const s = new Set(this.selected);
    on ? s.add(number) : s.delete(number);
    this.selected = s;
  }

  async openEditor(c) {
    this.formError = null;
    let scheduleId = '';
    if (c) {
      const p = await get(`/api/channels/${encodeURIComponent(c.number)}/playout`).catch(() => null);
      scheduleId = p && p.schedule_id ? String(p.schedule_id) : '';
    }
    this.editing = { original: c, scheduleId };
    await this.updateComplete;
    this.querySelector('#ch-number')?.focus();
  }

  async saveChannel(ev) {
    ev.preventDefault();
    const f = ev.target.elements;
    const body = {
      number: f.number.value.trim(), name: f.name.value, group: f.group.value, profile: f.profile.value,
      enabled: f.enabled.checked, always_on: f.always_on.checked, ...readMediaFields(f),
      // an upstream live channel relays this URL instead of a schedule; empty: scheduled
      upstream_url: f.upstream_url.value.trim(),
    };
    const orig = this.editing.original;
    try {
      const saved = orig ? await patch(`/api/channels/${encodeURIComponent(orig.number)}`, body) : await post('/api/channels', body);
      const n = encodeURIComponent(saved.number);
      const sched = f.schedule.value;
      if (sched !== this.editing.scheduleId)
        await put(`/api/channels/${n}/playout`, { schedule_id: sched ? Number(sched) : null });
      const file = f.logo_file.files[0];
      if (file) {
        if (!LOGO_TYPES.includes(file.type))
          throw Object.assign(new Error('The logo must be a PNG, JPEG or SVG image.'), { field: 'logo' });
        await api('PUT', `/api/channels/${n}/logo`, file, { contentType: file.type });
      } else if (f.logo_media.value) {
        await put(`/api/channels/${n}/logo`, { media_id: Number(f.logo_media.value) });
      }
      this.editing = null;
      this.notice = `Channel ${saved.number} saved.`;
      this.load();
    } catch (e) {
      this.formError = e;
      await this.updateComplete;
      this.querySelector('[aria-invalid="true"]')?.focus();
    }
  }

  async removeLogo() {
    try {
      await del(`/api/channels/${encodeURIComponent(this.editing.original.number)}/logo`);
      this.notice = 'Logo removed.';
      this.load();
    } catch (e) {
      this.formError = e;
    }
  }

  async deleteChannel() {
    const c = this.confirmDelete;
    try {
      await del(`/api/channels/${encodeURIComponent(c.number)}`);
      this.confirmDelete = null;
      this.notice = `Channel ${c.number} deleted.`;
      this.selected.delete(c.number);
      this.load();
    } catch (e) {
      this.error = e;
      this.confirmDelete = null;
    }
  }

  async bulk(ev) {
    ev.preventDefault();
    const f = ev.target.elements, set = {};
    if (f.bulk_group_on.checked) set.group = f.bulk_group.value;
    if (f.bulk_profile.value) set.profile = f.bulk_profile.value;
    if (f.bulk_enabled.value) set.enabled = f.bulk_enabled.value === 'yes';
    if (f.bulk_always.value) set.always_on = f.bulk_always.value === 'yes';
    // "offline", or "preset:" and the preset's name
    if (f.bulk_filler.value) set.fallback_filler = f.bulk_filler.value === 'offline' ? null : f.bulk_filler.value.slice(7);
    if (!Object.keys(set).length) {
      this.bulkError = { message: 'Choose something to change.' };
      return;
    }
    try {
      const r = await patch('/api/channels', { numbers: [...this.selected], set });
      this.notice = `${r.updated} channels updated`
        + (r.schedules_updated ? `, the gap filler of ${r.schedules_updated} schedules set.` : '.');
      this.bulkError = null;
      this.load();
    } catch (e) {
      this.bulkError = e;
    }
  }

  editor() {
    const c = this.editing.original || { number: '', name: '', group: '', profile: '720p', enabled: true, always_on: false };
    const e = this.formError;
    const f = (name, label, input) => html`<div>
      <label for="ch-${name}">${label}</label>${input}${fieldError(e, name, `ch-${name}-err`)}</div>`;
    return html`<div class="modal-back"><form class="modal card stack" role="dialog" aria-modal="true" aria-labelledby="ch-edit-h"
        @submit=${this.saveChannel} @keydown=${(ev) => ev.key === 'Escape' && (this.editing = null)}>
      <h2 id="ch-edit-h">${this.editing.original ? `Edit channel ${c.number}` : 'Add a channel'}</h2>
      ${e && !['number', 'name', 'group', 'profile', 'logo', 'upstream_url'].includes(e.field) && !isMediaField(e.field) ? errorBanner(e) : nothing}
      ${f('number', 'Number', html`<input id="ch-number" name="number" required .value=${c.number} inputmode="decimal"
          aria-invalid=${invalid(e, 'number')} aria-describedby="ch-number-err">`)}
      ${f('name', 'Name', html`<input id="ch-name" name="name" required .value=${c.name} aria-invalid=${invalid(e, 'name')} aria-describedby="ch-name-err">`)}
      ${f('group', 'Group', html`<input id="ch-group" name="group" .value=${c.group || ''} aria-invalid=${invalid(e, 'group')} aria-describedby="ch-group-err">`)}
      ${f('profile', 'Profile', html`<select id="ch-profile" name="profile" aria-invalid=${invalid(e, 'profile')} aria-describedby="ch-profile-err">
          ${this.profileNames().map((p) => html`<option .selected=${p === c.profile}>${p}</option>`)}</select>`)}
      ${f('upstream_url', 'Upstream URL (HLS or MPEG-TS; empty for a scheduled channel)', html`<input id="ch-upstream_url"
          name="upstream_url" type="url" .value=${c.upstream_url || ''} placeholder="https://example.net/live/index.m3u8"
          aria-invalid=${invalid(e, 'upstream_url')} aria-describedby="ch-upstream_url-err">`)}
      ${f('schedule', 'Schedule', html`<select id="ch-schedule" name="schedule" aria-invalid=${invalid(e, 'schedule_id')}>
          <option value="">None (offline)</option>
          ${(this.schedules || []).map((s) => html`<option value=${s.id} .selected=${String(s.id) === this.editing.scheduleId}>${s.name}</option>`)}</select>`)}
      <label class="check"><input type="checkbox" name="enabled" .checked=${c.enabled}> Enabled</label>
      <label class="check"><input type="checkbox" name="always_on" .checked=${c.always_on}> Always on (runs without viewers)</label>
      <fieldset><legend>Logo</legend>
        ${c.logo ? html`<img class="artwork" src=${c.logo} alt="Current logo of channel ${c.number}">` : nothing}
        <div><label for="ch-logo-file">Upload a PNG, JPEG or SVG (at most 512 KiB)</label>
          <input id="ch-logo-file" name="logo_file" type="file" accept=${LOGO_TYPES.join(',')}
                 aria-invalid=${invalid(e, 'logo')} aria-describedby="ch-logo-err"></div>
        <div><label for="ch-logo-media">…or use the artwork of library item (id)</label>
          <input id="ch-logo-media" name="logo_media" type="number" min="1"></div>
        ${fieldError(e, 'logo', 'ch-logo-err')}
        ${c.logo ? html`<button type="button" class="secondary" @click=${this.removeLogo}>Remove logo</button>` : nothing}
      </fieldset>
      ${mediaFields(this.editing.original, e)}
      <div class="actions"><button type="submit">Save</button>
        <button type="button" class="secondary" @click=${() => (this.editing = null)}>Cancel</button></div>
    </form></div>`;
  }

  confirmDialog() {
    const c = this.confirmDelete;
    return html`<div class="modal-back"><div class="modal card" role="alertdialog" aria-modal="true" aria-labelledby="del-h" aria-describedby="del-d">
      <h2 id="del-h">Delete channel ${c.number}?</h2>
      <p id="del-d">${c.name} and its playout are removed. Viewers watching it are disconnected.</p>
      <div class="actions"><button class="danger" @click=${this.deleteChannel}>Delete</button>
        <button class="secondary" @click=${() => (this.confirmDelete = null)}>Cancel</button></div>
    </div></div>`;
  }

  bulkBar() {
    if (!this.selected.size)
      return nothing;
    const e = this.bulkError;
    const presets = this.sharedPresets();
    return html`<form class="card stack" aria-labelledby="bulk-h" @submit=${this.bulk}>
      <h2 id="bulk-h">Change ${this.selected.size} selected channels</h2>
      ${errorBanner(e)}
      <div class="grid">
        <div><label class="check"><input type="checkbox" name="bulk_group_on"> Set group</label>
          <input name="bulk_group" aria-label="Group for the selected channels" aria-invalid=${invalid(e, 'group')}></div>
        <div><label for="bulk-profile">Profile</label><select id="bulk-profile" name="bulk_profile" aria-invalid=${invalid(e, 'profile')}>
          <option value="">(unchanged)</option>${this.profileNames().map((p) => html`<option>${p}</option>`)}</select></div>
        <div><label for="bulk-enabled">Enabled</label><select id="bulk-enabled" name="bulk_enabled">
          <option value="">(unchanged)</option><option value="yes">yes</option><option value="no">no</option></select></div>
        <div><label for="bulk-always">Always on</label><select id="bulk-always" name="bulk_always">
          <option value="">(unchanged)</option><option value="yes">yes</option><option value="no">no</option></select></div>
        <div><label for="bulk-filler">Gap filler</label><select id="bulk-filler" name="bulk_filler"
            aria-invalid=${invalid(e, 'set.fallback_filler')} aria-describedby="bulk-filler-help">
          <option value="">(unchanged)</option><option value="offline">none (offline)</option>
          ${presets.map((n) => html`<option value="preset:${n}">${n}</option>`)}</select>
          <span class="muted" id="bulk-filler-help">Filler presets live in schedules: these are the ones every
            selected channel's schedule has.</span></div>
      </div>
      <div class="actions"><button type="submit">Apply to ${this.selected.size} channels</button>
        <button type="button" class="secondary" @click=${() => (this.selected = new Set())}>Clear selection</button></div>
    </form>`;
  }

  render() {
    const list = this.channels || [];
    const all = list.length > 0 && list.every((c) => this.selected.has(c.number));
    return html`
      <h1>Channels</h1>
      <div class="toolbar"><button @click=${() => this.openEditor(null)}>Add a channel</button></div>
      ${this.notice ? html`<p class="ok" role="status">${this.notice}</p>` : nothing}
      ${errorBanner(this.error)}
      ${this.bulkBar()}
      <div class="table-wrap"><table>
        <thead><tr>
          <th scope="col"><input type="checkbox" aria-label="Select all channels" .checked=${all}
            @change=${(e) => (this.selected = new Set(e.target.checked ? list.map((c) => c.number) : []))}></th>
          <th scope="col">Number</th><th scope="col">Name</th><th scope="col">Group</th><th scope="col">Profile</th>
          <th scope="col">Enabled</th><th scope="col">Always on</th><th scope="col">Actions</th></tr></thead>
        <tbody>${list.map((c) => html`<tr data-number=${c.number}>
          <td><input type="checkbox" aria-label="Select channel ${c.number}" .checked=${this.selected.has(c.number)}
                     @change=${(e) => this.toggle(c.number, e.target.checked)}></td>
          <td>${c.number}</td>
          <td>${c.logo ? html`<img class="chan-logo" src=${c.logo} alt="" width="24" height="24">` : nothing} ${c.name}</td>
          <td>${c.group}</td><td>${c.profile}</td><td>${c.enabled ? 'yes' : 'no'}</td><td>${c.always_on ? 'yes' : 'no'}</td>
          <td class="row-actions">
            <a href="/web/watch/${encodeURIComponent(c.number)}" aria-label="Watch channel ${c.number}">Watch</a>
            <a href="/web/ai?channel=${encodeURIComponent(c.number)}" aria-label="Diagnose channel ${c.number}">Diagnose</a>
            <button class="secondary" aria-label="Edit channel ${c.number}" @click=${() => this.openEditor(c)}>Edit</button>
            <button class="danger" aria-label="Delete channel ${c.number}" @click=${() => (this.confirmDelete = c)}>Delete</button>
          </td></tr>`)}</tbody>
      </table></div>
      ${this.editing ? this.editor() : nothing}
      ${this.confirmDelete ? this.confirmDialog() : nothing}`;
  }
}
customElements.define('exs-channels', ExsChannels);
