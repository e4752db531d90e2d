// Talks to the server's JSON API with the session cookie. A non-2xx answer
// becomes an ApiError carrying the server's code, message and field.

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || 'http-' + status;
    this.field = e.field || e.key || null;
    this.position = e.position ?? null;
  }
}

function loginRedirect() {
  const here = location.pathname + location.search;
  if (!location.pathname.startsWith('/web/login'))
    location.assign('/web/login?next=' + encodeURIComponent(here));
}

export async function api(method, path, body, { raw = false, contentType, quiet401 = false } = {}) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    if (contentType) {
      init.headers['Content-Type'] = contentType;
      init.body = body;
    } else {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  const res = await fetch(path, init);
  if (res.status === 401 && !quiet401)
    loginRedirect();
  if (!res.ok) {
    let parsed = null;
    try { parsed = await res.json(); } catch { /* not JSON */ }
    throw new ApiError(res.status, parsed);
  }
  if (raw)
    return res;
  if (res.status === 204)
    return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const put = (path, body) => api('PUT', path, body);
export const del = (path) => api('DELETE', path);

// One EventSource per page load, shared by the pages that listen.
let source = null;
const listeners = new Map();

export function onEvent(type, fn) {
  if (!source) {
    source = new EventSource('/api/events');
    source.onerror = () => dispatch('connection', { ok: false });
    source.onopen = () => dispatch('connection', { ok: true });
  }
  if (!listeners.has(type)) {
    listeners.set(type, new Set());
    if (type !== 'connection')
      source.addEventListener(type, (ev) => {
        let data;
        try { data = JSON.parse(ev.data); } catch { return; }
        dispatch(type, data);
      });
  }
  listeners.get(type).add(fn);
  return () => listeners.get(type).delete(fn);
}

function dispatch(type, data) {
  for (const fn of listeners.get(type) || [])
    fn(data);
}
