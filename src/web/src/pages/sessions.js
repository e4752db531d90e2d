// /web/sessions: viewers per channel, TS and HLS (disconnect one), the
// pipeline pool (slots used and free, who holds them), circuit breakers and
// restart guards per channel (reset a breaker, restart a channel through the
// guard), and the auto-resolver (its rules, its recent decisions, a restart
// for those it did not take). Refreshed when the server's "status" event
// says something changed, at most every 5 s, and each second while a
// countdown (half-open, cooldown) is shown.
import { html, nothing } from 'lit';
import { get, del, post, onEvent } from '../api.js';
import { Page, bytes, dayTime, duration, errorBanner } from '../util.js';

const RECENT_DECISIONS = 20;

class ExsSessions extends Page {
  static properties = {
    sessions: { state: true }, pool: { state: true }, guards: { state: true }, resolver: { state: true },
    error: { state: true }, notice: { state: true },
  };

  connectedCallback() {
    super.connectedCallback();
    this.load();
    let last = 0;
    this.cleanups.push(onEvent('status', () => {
      if (Date.now() - last > 5000) { last = Date.now(); this.load(); }
    }), () => clearTimeout(this.countdown));
  }

  async load() {
    const optional = (path) => get(path).catch(() => null);
    try {
      const [s, p, g, r] = await Promise.all([get('/api/sessions'), optional('/api/pool'), optional('/api/guards'),
        optional('/api/resolver')]);
      this.sessions = (s.sessions || []).filter((x) => x.state !== 'disconnected');
      this.pool = p;
      this.guards = g;
      this.resolver = r;
      this.error = null;
    } catch (e) {
      this.error = e;
    }
    // Countdowns tick: a breaker about to half-open, a cooldown running.
    clearTimeout(this.countdown);
    if (this.isConnected && (this.guards?.channels || []).some((c) => c.half_open_in_seconds || c.cooldown_left_seconds))
      this.countdown = setTimeout(() => this.load(), 1000);
  }

  async act(what, fn) {
    try {
      await fn();
      this.notice = what;
      this.error = null;
    } catch (e) {
      this.error = e;
      this.notice = null;
    }
    this.load();
  }

  disconnect(s) {
    if (!confirm(`Disconnect ${s.client} from channel ${s.channel}?`))
      return;
    this.act(`Viewer ${s.client} of channel ${s.channel} disconnected.`,
      () => del(`/api/sessions/${encodeURIComponent(s.id)}`));
  }

  resetBreaker(number) {
    this.act(`The circuit breaker of channel ${number} is closed.`,
      () => post(`/api/channels/${encodeURIComponent(number)}/breaker/reset`, {}));
  }

  restart(number) {
    this.act(`Channel ${number} is restarting.`, () => post(`/api/channels/${encodeURIComponent(number)}/restart`, {}));
  }

  viewers() {
    const list = this.sessions;
    if (!list)
      return html`<p aria-busy="true">Loading…</p>`;
    if (!list.length)
      return html`<p>Nobody is watching.</p>`;
    const rows = list.map((s) => html`<tr data-session=${s.id} data-kind=${s.kind}>
      <td><a href="/web/watch/${encodeURIComponent(s.channel)}">${s.channel}</a></td>
      <td>${s.client}</td>
      <td>${s.user_agent ?? '—'}</td>
      <td>${dayTime(s.since)}</td>
      <td class="num">${bytes(s.bytes ?? 0)}</td>
      <td><span class="badge">${(s.kind || 'ts').toUpperCase()}</span></td>
      <td><button class="danger" aria-label="Disconnect viewer ${s.client} of channel ${s.channel} (${s.id})"
        @click=${() => this.disconnect(s)}>Disconnect</button></td>
    </tr>`);
    return html`<div class="table-wrap" tabindex="0" role="region" aria-label="Viewers"><table>
      <caption class="visually-hidden">Viewers</caption>
      <thead><tr><th scope="col">Channel</th><th scope="col">Client</th><th scope="col">User agent</th><th scope="col">Since</th>
        <th scope="col">Bytes</th><th scope="col">Kind</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${rows}</tbody></table></div>`;
  }

  poolView() {
    const p = this.pool;
    if (!p)
      return html`<p class="muted">The pipeline pool is not available.</p>`;
    const perChannel = new Map();
    for (const s of this.sessions || [])
      perChannel.set(s.channel, (perChannel.get(s.channel) || 0) + 1);
    const free = Math.max(0, p.capacity - p.in_use);
    return html`
      <p><meter id="pool-meter" min="0" max=${p.capacity || 1} value=${p.in_use} aria-label="Pipeline slots in use"></meter>
        <span data-pool-used=${p.in_use}>${p.in_use} of ${p.capacity} slots used, ${free} free</span>
        ${p.waiting ? html` · ${p.waiting} waiting` : nothing}
        ${p.containment ? html` · <span class="badge health-failing">containment</span>` : nothing}</p>
      <p class="muted">Pressure ${Math.round(p.pressure * 100)} % (threshold ${Math.round(p.pressure_threshold * 100)} %),
        ${p.admitted} starts admitted, ${p.refused} refused; memory ${Math.round(p.memory_used_fraction * 100)} % used,
        ${p.open_fds} of ${p.fd_limit} file descriptors.</p>
      ${p.channels.length ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Channels holding a slot"><table>
        <caption class="visually-hidden">Channels holding a pipeline slot</caption>
        <thead><tr><th scope="col">Channel holding a slot</th><th scope="col">Viewers</th></tr></thead>
        <tbody>${[...p.channels].sort().map((n) => html`<tr data-slot=${n}>
          <td><a href="/web/watch/${encodeURIComponent(n)}">${n}</a></td><td class="num">${perChannel.get(n) || 0}</td></tr>`)}</tbody>
      </table></div>` : html`<p>No channel holds a slot.</p>`}`;
  }

  guardsView() {
    const g = this.guards;
    if (!g)
      return html`<p class="muted">The restart guard is not available.</p>`;
    const playing = new Set(this.pool?.channels || []);
    const rows = g.channels.map((c) => html`<tr data-guard=${c.number}>
      <td>${c.number}</td>
      <td><span class="badge breaker-${c.circuit_breaker}">${c.circuit_breaker.replace('_', '-')}</span>
        ${c.half_open_in_seconds ? html`<span class="muted">half-open in ${duration(c.half_open_in_seconds)}</span>` : nothing}</td>
      <td class="num">${c.failures_in_window}</td>
      <td class="num">${c.restarts_this_run} / ${c.restarts_total}</td>
      <td>${c.cooldown_left_seconds ? duration(c.cooldown_left_seconds) : '—'}</td>
      <td>${c.can_restart ? 'yes' : html`no <span class="muted">(${c.why_not})</span>`}</td>
      <td><div class="row-actions">
        ${c.circuit_breaker !== 'closed' || c.failures_in_window
          ? html`<button class="secondary" aria-label="Reset the circuit breaker of channel ${c.number}"
              @click=${() => this.resetBreaker(c.number)}>Reset breaker</button>` : nothing}
        ${playing.has(c.number)
          ? html`<button class="secondary" aria-label="Restart channel ${c.number}" ?disabled=${!c.can_restart}
              @click=${() => this.restart(c.number)}>Restart</button>` : nothing}</div></td>
    </tr>`);
    return html`
      <p data-restarts-in-window=${g.restarts_in_window}>${g.restarts_in_window} of at most ${g.max_restarts} restarts in the last
        ${duration(g.window_seconds)} (all channels); a channel waits ${duration(g.cooldown_seconds)} between restarts and
        restarts at most ${g.max_restarts_per_stream} times a run.</p>
      ${g.channels.length ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Breakers and guards"><table>
        <caption class="visually-hidden">Circuit breakers and restart guards per channel</caption>
        <thead><tr><th scope="col">Channel</th><th scope="col">Breaker</th><th scope="col">Failures</th>
          <th scope="col">Restarts (run / all)</th><th scope="col">Cooldown left</th><th scope="col">Can restart</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>${rows}</tbody></table></div>` : html`<p>No channel has failed or restarted.</p>`}`;
  }

  resolverView() {
    const r = this.resolver;
    if (!r)
      return html`<p class="muted">The auto-resolver is not available.</p>`;
    const decisions = r.decisions.slice(0, RECENT_DECISIONS);
    return html`
      <p>${r.enabled ? `Acts on its own up to ${r.max_risk} risk` : 'Disabled: it only records what it would do'},
        at most ${r.max_actions_per_hour} actions a channel an hour.</p>
      <div class="table-wrap" tabindex="0" role="region" aria-label="Resolver rules"><table>
        <caption class="visually-hidden">Resolver rules</caption>
        <thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Risk</th><th scope="col">Automatic</th></tr></thead>
        <tbody>${r.rules.map((x) => html`<tr><td>${x.pattern}</td><td><code>${x.action}</code></td><td>${x.risk}</td>
          <td>${x.automatic ? 'yes' : 'no'}</td></tr>`)}</tbody></table></div>
      <h3>Recent decisions</h3>
      ${decisions.length ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Recent decisions"><table>
        <caption class="visually-hidden">Recent resolver decisions, newest first</caption>
        <thead><tr><th scope="col">Time</th><th scope="col">Channel</th><th scope="col">Action</th><th scope="col">Outcome</th>
          <th scope="col">Detail</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>${decisions.map((d) => html`<tr data-decision=${d.id}>
          <td>${dayTime(d.time)}</td><td>${d.channel_number ?? '—'}</td><td><code>${d.action}</code></td>
          <td>${d.outcome.replaceAll('_', ' ')}</td><td>${d.detail}${d.why ? html` <span class="muted">(${d.why})</span>` : nothing}</td>
          <td>${d.channel_number && d.outcome !== 'taken'
            ? html`<button class="secondary" aria-label="Restart channel ${d.channel_number} (decision ${d.id})"
                @click=${() => this.restart(d.channel_number)}>Restart channel</button>` : nothing}</td>
        </tr>`)}</tbody></table></div>` : html`<p>No decisions yet.</p>`}`;
  }

  render() {
    return html`
      <h1>Sessions</h1>
      ${errorBanner(this.error)}
      ${this.notice ? html`<p class="ok" role="status">${this.notice}</p>` : nothing}
      <div class="toolbar"><button @click=${this.load}>Refresh</button></div>
      <h2>Viewers</h2>
      ${this.viewers()}
      <section aria-labelledby="pool-h"><h2 id="pool-h">Pipeline pool</h2>${this.poolView()}</section>
      <section aria-labelledby="guards-h"><h2 id="guards-h">Circuit breakers and restart guards</h2>${this.guardsView()}</section>
      <section aria-labelledby="res-h"><h2 id="res-h">Auto-resolver</h2>${this.resolverView()}</section>`;
  }
}
customElements.define('exs-sessions', ExsSessions);
