// /web/sessions: viewers per channel (disconnect one), the pipeline pool,
// breakers and restart guards per channel, and the resolver. Refreshed when
// the server's "status" event says something changed.
import { html, nothing } from 'lit';
import { get, del, onEvent } from '../api.js';
import { Page, bytes, dayTime, errorBanner } from '../util.js';

class ExsSessions extends Page {
  static properties = { sessions: { state: true }, pool: { state: true }, resolver: { state: true }, error: { state: true } };

  connectedCallback() {
    super.connectedCallback();
    this.load();
    let last = 0;
    this.cleanups.push(onEvent('status', () => {
      if (Date.now() - last > 5000) { last = Date.now(); this.load(); }
    }));
  }

  async load() {
    try {
      const [s, p, r] = await Promise.all([get('/api/sessions'), get('/api/pool').catch(() => null), get('/api/resolver').catch(() => null)]);
      this.sessions = s.sessions || [];
      this.pool = p;
      this.resolver = r;
      this.error = null;
    } catch (e) {
      this.error = e;
    }
  }

  async disconnect(s) {
    if (!confirm(`Disconnect ${s.client || s.client_address} from channel ${s.channel || s.channel_number}?`))
      return;
    try {
      await del(`/api/sessions/${encodeURIComponent(s.id)}`);
      this.load();
    } catch (e) {
      this.error = e;
    }
  }

  keyValues(obj) {
    if (!obj)
      return html`<p class="muted">Not available.</p>`;
    return html`<pre class="log-line">${JSON.stringify(obj, null, 2)}</pre>`;
  }

  render() {
    const rows = (this.sessions || []).map((s) => html`<tr>
      <td><a href="/web/watch/${encodeURIComponent(s.channel ?? s.channel_number)}">${s.channel ?? s.channel_number}</a></td>
      <td>${s.client ?? s.client_address}</td>
      <td>${s.user_agent ?? ''}</td>
      <td>${s.since ? dayTime(s.since) : `${Math.round(s.duration_seconds || 0)} s`}</td>
      <td class="num">${bytes(s.bytes ?? s.bytes_sent ?? 0)}</td>
      <td>${(s.kind || 'ts').toUpperCase()}</td>
      <td><button class="danger" aria-label="Disconnect viewer ${s.id}" @click=${() => this.disconnect(s)}>Disconnect</button></td>
    </tr>`);
    return html`
      <h1>Sessions</h1>
      ${errorBanner(this.error)}
      <div class="toolbar"><button @click=${this.load}>Refresh</button></div>
      <h2>Viewers</h2>
      ${this.sessions && !this.sessions.length ? html`<p>Nobody is watching.</p>` : html`<div class="table-wrap"><table>
        <thead><tr><th scope="col">Channel</th><th scope="col">Client</th><th scope="col">User agent</th><th scope="col">Since</th>
          <th scope="col">Bytes</th><th scope="col">Kind</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>${rows}</tbody></table></div>`}
      <div class="split">
        <section aria-labelledby="pool-h"><h2 id="pool-h">Pipeline pool, breakers and guards</h2>${this.keyValues(this.pool)}</section>
        <section aria-labelledby="res-h"><h2 id="res-h">Resolver</h2>${this.keyValues(this.resolver)}</section>
      </div>
      ${nothing}`;
  }
}
customElements.define('exs-sessions', ExsSessions);
