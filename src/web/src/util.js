// Shared helpers: the light-DOM page base class, navigation, time formats
// and showing an API error on the field it names.
import { LitElement, html, nothing, noChange } from 'lit';
import { Directive, directive } from 'lit/directive.js';

export class Page extends LitElement {
  // Light DOM: one stylesheet (assets/app.css) styles every page, and the
  // CSP needs no inline style.
  createRenderRoot() { return this; }

  connectedCallback() {
    super.connectedCallback();
    this.cleanups = [];
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    for (const fn of this.cleanups)
      fn();
  }
}

export function navigate(path) {
  history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

// Follows same-page links without a reload.
export function linkClick(ev) {
  const a = ev.target.closest('a');
  if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || a.target || !a.pathname.startsWith('/web/'))
    return;
  if (a.origin !== location.origin)
    return;
  ev.preventDefault();
  navigate(a.pathname + a.search);
}

// One formatter each: toLocaleString() makes a new one per call, too slow
// for a guide frame.
const hhmmFormat = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit' });
const dayTimeFormat = new Intl.DateTimeFormat([], { weekday: 'short', hour: '2-digit', minute: '2-digit' });

// An ISO string or milliseconds.
export const hhmm = (t) => hhmmFormat.format(typeof t === 'number' ? t : new Date(t));
export const dayTime = (t) => dayTimeFormat.format(typeof t === 'number' ? t : new Date(t));

export function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export function duration(seconds) {
  seconds = Math.round(seconds);
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  return h ? `${h} h ${m} min` : m ? `${m} min ${s} s` : `${s} s`;
}

// An API error as a banner; field errors go beside their field too.
export function errorBanner(err) {
  if (!err)
    return nothing;
  return html`<p class="error" role="alert">${err.message}${err.field ? html` (<code>${err.field}</code>)` : nothing}</p>`;
}

// The message for one field, with the id its input points at through
// aria-describedby.
export function fieldError(err, field, id) {
  if (!err || err.field !== field)
    return nothing;
  return html`<span class="field-error" id=${id} role="alert">${err.message}</span>`;
}

export const invalid = (err, field) => (err && err.field === field ? 'true' : 'false');

export function copyText(text, button) {
  const done = () => { button.textContent = 'Copied'; setTimeout(() => (button.textContent = 'Copy'), 1500); };
  if (navigator.clipboard && window.isSecureContext)
    navigator.clipboard.writeText(text).then(done, () => {});
  else {
    const input = button.parentElement.querySelector('input');
    if (input) { input.select(); document.execCommand('copy'); done(); }
  }
}

export function debounce(fn, ms) {
  let t = 0;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}

export function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// Sets style properties through the CSSOM, as an element binding:
// <div ${cssProps({ left: '4px' })}>. lit's styleMap writes a style
// attribute on its first render, which the CSP (style-src 'self') blocks.
class CssProps extends Directive {
  render() { return nothing; }

  update(part, [props]) {
    for (const [k, v] of Object.entries(props))
      part.element.style.setProperty(k, v);
    return noChange;
  }
}
export const cssProps = directive(CssProps);
