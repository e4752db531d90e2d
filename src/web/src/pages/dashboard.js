// /web/: what is on air, viewers, pool use and problems, live from the
// "status" events of /api/events (no polling).
import { html, nothing } from 'lit';
import { onEvent } from '../api.js';
import { Page, hhmm } from '../util.js';

class ExsDashboard extends Page {
  static properties = { status: { state: true }, live: { state: true } };

  connectedCallback() {
    super.connectedCallback();
    this.cleanups.push(onEvent('status', (s) => (this.status = s)));
    this.cleanups.push(onEvent('connection', (c) => (this.live = c.ok)));
  }

  channelRow(c) {
    const prog = (p) => (p ? html`${p.title} <span class="muted">${hhmm(p.start)}–${hhmm(p.stop)}</span>` : html`<span class="muted">—</span>`);
    return html`<tr>
      <th scope="row"><a href="/web/watch/${encodeURIComponent(c.number)}">${c.number} ${c.name}</a></th>
      <td><span class="badge state-${c.state}">${c.state}</span>
          ${c.health && c.health !== 'healthy' ? html`<span class="badge health-${c.health}" title=${c.reason || ''}>${c.health}</span>` : nothing}</td>
      <td>${prog(c.now)}</td>
      <td>${prog(c.next)}</td>
      <td class="num">${c.viewers ?? 0}</td>
    </tr>`;
  }

  render() {
    const s = this.status;
    const conn = this.live === false
      ? html`<p class="warning" role="status">Live updates are disconnected; reconnecting…</p>` : nothing;
    if (!s)
      return html`<h1>Dashboard</h1>${conn}<p aria-busy="true">Waiting for the server's status…</p>`;
    const onAir = s.channels.filter((c) => c.enabled);
    const viewers = onAir.reduce((n, c) => n + (c.viewers || 0), 0);
    return html`
      <h1>Dashboard</h1>${conn}
      <div class="stats">
        <div class="stat"><span class="stat-value" data-test="channels">${onAir.length}</span> channels</div>
        <div class="stat"><span class="stat-value">${onAir.filter((c) => c.state === 'playing').length}</span> playing</div>
        <div class="stat"><span class="stat-value">${viewers}</span> viewers</div>
        <div class="stat"><span class="stat-value">${s.pool ? `${s.pool.running}/${s.pool.max}` : '—'}</span> pipelines in use</div>
      </div>
      <section aria-labelledby="problems-h">
        <h2 id="problems-h">Problems</h2>
        ${(s.problems || []).length === 0 ? html`<p class="ok">No problems.</p>` : html`<ul class="problems">
          ${s.problems.map((p) => html`<li><span class="badge">${p.kind}</span>
            ${p.channel ? html`<a href="/web/watch/${encodeURIComponent(p.channel)}">channel ${p.channel}</a>: ` : nothing}
            ${p.library_id ? html`<a href="/web/libraries">library ${p.library_id}</a>: ` : nothing}${p.message}</li>`)}
        </ul>`}
      </section>
      <section aria-labelledby="onair-h">
        <h2 id="onair-h">On air</h2>
        <div class="table-wrap"><table>
          <thead><tr><th scope="col">Channel</th><th scope="col">State</th><th scope="col">Now</th><th scope="col">Next</th><th scope="col">Viewers</th></tr></thead>
          <tbody>${onAir.map((c) => this.channelRow(c))}</tbody>
        </table></div>
      </section>`;
  }
}
customElements.define('exs-dashboard', ExsDashboard);
