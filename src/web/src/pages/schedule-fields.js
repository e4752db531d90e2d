// The schedule editor's field helpers: every input knows the JSON path of
// its value ("items[2].count"), so a 422 from the API lands on the field it
// names (or the nearest enclosing one that is on screen).
import { html, nothing } from 'lit';

export const pathId = (path) => 'f-' + path.replace(/[^a-zA-Z0-9]+/g, '-');

// Reads and writes doc values by path ("items[2].content.balance[0].weight").
function split(path) {
  return path.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean);
}

export function getPath(obj, path) {
  return split(path).reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

export function setPath(obj, path, value) {
  const keys = split(path);
  let o = obj;
  for (const k of keys.slice(0, -1))
    o = o[k];
  o[keys[keys.length - 1]] = value;
}

// The path among those on screen that an API field names: itself, or the
// closest parent ("items[2].content.show" -> "items[2].content").
export function resolveField(field, known) {
  if (!field)
    return null;
  let f = field.replace(/^schedule\./, '');
  while (f) {
    if (known.has(f))
      return f;
    const cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
    f = cut > 0 ? f.slice(0, cut) : '';
  }
  return null;
}

// A labelled control bound to a path. kind: text | number | bool | select | time.
export function field(ed, path, label, kind = 'text', options = []) {
  ed.known.add(path);
  const id = pathId(path);
  const v = getPath(ed.doc, path);
  const err = ed.errorPath === path ? ed.error : null;
  const common = { id, invalid: err ? 'true' : 'false', describedby: `${id}-err` };
  const set = (value) => ed.change(path, value);
  let control;
  if (kind === 'bool')
    return html`<div class="field"><label class="check"><input type="checkbox" id=${id} .checked=${Boolean(v)}
      aria-invalid=${common.invalid} aria-describedby=${common.describedby} @change=${(e) => set(e.target.checked)}> ${label}</label>
      ${err ? html`<span class="field-error" id="${id}-err" role="alert">${err.message}</span>` : nothing}</div>`;
  if (kind === 'select')
    control = html`<select id=${id} aria-invalid=${common.invalid} aria-describedby=${common.describedby}
        @change=${(e) => set(e.target.value === '' ? null : e.target.value)}>
      ${options.map(([val, text]) => html`<option value=${val ?? ''} .selected=${(v ?? '') === (val ?? '')}>${text}</option>`)}</select>`;
  else if (kind === 'number')
    control = html`<input id=${id} type="number" .value=${v ?? ''} aria-invalid=${common.invalid} aria-describedby=${common.describedby}
        @change=${(e) => set(e.target.value === '' ? null : Number(e.target.value))}>`;
  else
    control = html`<input id=${id} .value=${v ?? ''} placeholder=${kind === 'time' ? 'HH:MM' : ''} aria-invalid=${common.invalid}
        aria-describedby=${common.describedby} @change=${(e) => set(e.target.value === '' ? null : e.target.value)}>`;
  return html`<div class="field"><label for=${id}>${label}</label>${control}
    ${err ? html`<span class="field-error" id="${id}-err" role="alert">${err.message}</span>` : nothing}</div>`;
}

const CONTENT_KINDS = [
  ['collection', 'Collection'], ['show', 'Show'], ['season', 'Season of a show'], ['media_item', 'One media item'],
  ['playlist', 'Playlist (item ids)'], ['balance', 'Balance of members'], ['weighted', 'Weighted members'],
];
const MEMBER_KINDS = CONTENT_KINDS.slice(0, 4);

export function contentKind(c) {
  if (!c) return 'collection';
  if ('balance' in c) return 'balance';
  if ('weighted' in c) return 'weighted';
  if ('playlist' in c) return 'playlist';
  if ('season' in c) return 'season';
  return ['collection', 'show', 'media_item'].find((k) => k in c) || 'collection';
}

export function emptyContent(kind) {
  switch (kind) {
    case 'season': return { show: null, season: 1 };
    case 'playlist': return { playlist: [] };
    case 'balance': return { balance: [{ collection: null, weight: 1, cooldown_minutes: 0 }] };
    case 'weighted': return { weighted: [{ collection: null, weight: 1, cooldown_minutes: 0 }] };
    default: return { [kind]: null };
  }
}

// The content of an item, or of a member (member: with weight and cooldown).
export function contentEditor(ed, path, member = false) {
  const c = getPath(ed.doc, path) || {};
  const kind = contentKind(c);
  const id = pathId(path) + '-kind';
  ed.known.add(path);
  const err = ed.errorPath === path ? ed.error : null;
  const keep = member ? { weight: c.weight ?? 1, cooldown_minutes: c.cooldown_minutes ?? 0 } : {};
  const kinds = member ? MEMBER_KINDS : CONTENT_KINDS;
  const idField = (key, label) => field(ed, `${path}.${key}`, label, 'number');
  let body;
  if (kind === 'balance' || kind === 'weighted') {
    const members = c[kind] || [];
    body = html`<ol class="members">${members.map((_m, i) => html`<li class="grid">
        ${contentEditor(ed, `${path}.${kind}[${i}]`, true)}
        <button type="button" class="secondary" aria-label="Remove member ${i + 1}"
          @click=${() => ed.change(`${path}.${kind}`, members.filter((_x, j) => j !== i))}>Remove</button></li>`)}</ol>
      <button type="button" class="secondary" @click=${() => ed.change(`${path}.${kind}`, [...members, { collection: null, weight: 1, cooldown_minutes: 0 }])}>Add member</button>`;
  } else if (kind === 'playlist') {
    const pid = pathId(`${path}.playlist`);
    ed.known.add(`${path}.playlist`);
    body = html`<div class="field"><label for=${pid}>Media item ids, in order</label>
      <input id=${pid} .value=${(c.playlist || []).join(', ')}
        @change=${(e) => ed.change(`${path}.playlist`, e.target.value.split(/[ ,]+/).filter(Boolean).map(Number))}></div>`;
  } else if (kind === 'season') {
    body = html`${idField('show', 'Show id')}${field(ed, `${path}.season`, 'Season', 'number')}`;
  } else {
    body = idField(kind, `${kinds.find(([k]) => k === kind)[1]} id`);
  }
  return html`<div class="field">
      <label for=${id}>${member ? 'Member' : 'Content'}</label>
      <select id=${id} aria-invalid=${err ? 'true' : 'false'} aria-describedby="${id}-err"
        @change=${(e) => ed.change(path, { ...emptyContent(e.target.value), ...keep })}>
        ${kinds.map(([k, t]) => html`<option value=${k} .selected=${k === kind}>${t}</option>`)}</select>
      ${err ? html`<span class="field-error" id="${id}-err" role="alert">${err.message}</span>` : nothing}
    </div>${body}
    ${member ? html`${field(ed, `${path}.weight`, 'Weight', 'number')}${field(ed, `${path}.cooldown_minutes`, 'Cooldown (min)', 'number')}` : nothing}`;
}
