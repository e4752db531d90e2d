// /web/ai: the AI troubleshooting agent (docs/ai.md). The list of its
// sessions and a "Diagnose" form (?channel=N picks the channel: the channels
// page links here from each row); /web/ai/<id>: one session's answer with the
// tool results it cites, each tool call, and Approve / Reject for the actions
// that wait for a person. A running session is polled until it ends.
import { html, nothing } from 'lit';
import { get, post } from '../api.js';
import { Page, dayTime, errorBanner, navigate } from '../util.js';

const POLL_MS = 1000;

const verifiedBadge = (v) => (v ? html`<span class="badge ok">verified</span>`
  : html`<span class="badge warning">unverified</span>`);

class ExsAi extends Page {
  static properties = {
    id: {}, list: { state: true }, enabled: { state: true }, channels: { state: true },
    session: { state: true }, error: { state: true }, busy: { state: true },
  };

  connectedCallback() {
    super.connectedCallback();
    this.preset = new URLSearchParams(location.search).get('channel'); // the channels page's "Diagnose" link
    this.cleanups.push(() => clearTimeout(this.timer));
  }

  updated(changed) {
    if (changed.has('id'))
      this.load();
  }

  async load() {
    clearTimeout(this.timer);
    try {
      if (this.id) {
        this.session = await get(`/api/ai/sessions/${encodeURIComponent(this.id)}`);
        if (this.session.state === 'running')
          this.timer = setTimeout(() => this.load(), POLL_MS);
      } else {
        const [s, c] = await Promise.all([get('/api/ai/sessions'), get('/api/channels').catch(() => null)]);
        this.enabled = !!s.agent_enabled;
        this.list = s.agent_sessions || [];
        this.channels = (c && (c.channels || c)) || [];
        if (this.list.some((x) => x.state === 'running'))
          this.timer = setTimeout(() => this.load(), POLL_MS);
      }
      this.error = null;
    } catch (e) {
      this.error = e;
    }
  }

  async diagnose(ev) {
    ev.preventDefault();
    const channel = new FormData(ev.target).get('channel');
    const question = new FormData(ev.target).get('question').trim();
    this.busy = true;
    try {
      const s = await post('/api/ai/diagnose', question ? { channel, question } : { channel });
      navigate(`/web/ai/${s.id}`);
    } catch (e) {
      this.error = e;
    } finally {
      this.busy = false;
    }
  }

  async decide(n, verb) {
    this.busy = true;
    try {
      this.session = await post(`/api/ai/sessions/${this.session.id}/actions/${n}/${verb}`);
      this.error = null;
    } catch (e) {
      this.error = e;
      this.load();
    } finally {
      this.busy = false;
    }
  }

  renderOff() {
    return html`<div class="card" role="note">
      <p><strong>The AI agent is off.</strong> It sends nothing anywhere until you turn it on.</p>
      <p>To enable it, set in <code>exstreamtv.conf</code> (or the environment,
        <code>EXSTREAMTV_AI_ENABLED=true</code> and so on) and restart the server:</p>
      <pre class="log-line">[ai]
enabled = true
base_url = http://127.0.0.1:11434/v1
model = qwen2.5:7b</pre>
      <p class="muted">docs/ai.md says how to run a model on your own server and what is sent to it.</p></div>`;
  }

  renderList() {
    const chans = this.channels || [];
    return html`
      <h1>AI agent</h1>
      ${errorBanner(this.error)}
      ${this.enabled === false ? this.renderOff() : html`
        <form class="toolbar" @submit=${this.diagnose}>
          <label for="ai-channel">Channel</label>
          <select id="ai-channel" name="channel" required>
            ${chans.map((c) => html`<option value=${c.number} ?selected=${c.number === this.preset}>${c.number} ${c.name}</option>`)}</select>
          <label for="ai-question">Question (optional)</label>
          <input id="ai-question" name="question" maxlength="500" size="30">
          <button type="submit" ?disabled=${this.busy || !chans.length}>Diagnose</button>
        </form>`}
      <h2>Sessions</h2>
      ${this.list && !this.list.length ? html`<p>No sessions yet.</p>` : html`<div class="table-wrap"><table>
        <thead><tr><th scope="col">Session</th><th scope="col">Channel</th><th scope="col">Started</th>
          <th scope="col">Trigger</th><th scope="col">State</th><th scope="col">Steps</th><th scope="col">Tokens</th>
          <th scope="col">Answer</th></tr></thead>
        <tbody>${(this.list || []).map((s) => html`<tr>
          <td><a href="/web/ai/${s.id}">Session ${s.id}</a></td><td>${s.channel ?? '–'}</td>
          <td>${dayTime(s.created_at)}</td><td>${s.trigger}</td>
          <td class="ai-state-${s.state}">${s.state.replace('_', ' ')}</td>
          <td class="num">${s.steps ?? ''}</td><td class="num">${s.tokens}</td>
          <td>${s.state === 'running' ? nothing : verifiedBadge(s.verified)}</td></tr>`)}</tbody></table></div>`}`;
  }

  renderCall(c) {
    return html`<li id="call-${c.id}">
      <code>[${c.id}]</code> <strong>${c.tool}</strong> <span class="badge">${c.risk ?? 'unknown'}</span>
      <span class="ai-state-${c.outcome}">${c.outcome.replace('_', ' ')}</span>
      ${c.why ? html`<span class="muted">— ${c.why}</span>` : nothing}
      <details><summary>Arguments and result</summary>
        <pre class="log-line">${JSON.stringify(c.arguments, null, 2)}</pre>
        ${c.result !== undefined ? html`<pre class="log-line">${JSON.stringify(c.result, null, 2)}</pre>` : nothing}
      </details></li>`;
  }

  renderAction(a) {
    const waiting = a.state === 'waiting_approval';
    return html`<li>
      Action ${a.n}: <strong>${a.tool}</strong> <code>${JSON.stringify(a.arguments)}</code>
      <span class="badge">${a.risk} risk</span>
      <span class="ai-state-${a.state}">${a.state.replace('_', ' ')}</span>
      ${a.why ? html`<span class="muted">— ${a.why}</span>` : nothing}
      ${waiting ? html`<span class="row-actions">
        <button ?disabled=${this.busy} aria-label="Approve action ${a.n} (${a.tool})"
                @click=${() => this.decide(a.n, 'approve')}>Approve</button>
        <button class="danger" ?disabled=${this.busy} aria-label="Reject action ${a.n} (${a.tool})"
                @click=${() => this.decide(a.n, 'reject')}>Reject</button></span>` : nothing}</li>`;
  }

  renderSession() {
    const s = this.session;
    if (!s)
      return html`<h1>AI session ${this.id}</h1>${errorBanner(this.error)}`;
    const cited = s.calls.filter((c) => (s.cited || []).includes(c.id));
    return html`
      <p><a href="/web/ai">All AI sessions</a></p>
      <h1>AI session ${s.id}${s.channel ? html` · channel ${s.channel}` : nothing}</h1>
      ${errorBanner(this.error)}
      <p><span class="ai-state-${s.state}" role="status">${s.state.replace('_', ' ')}</span>
        · ${s.steps} of ${s.max_steps} steps · ${s.tokens.total} tokens · ${s.trigger} · ${dayTime(s.created_at)}
        ${s.error ? html`<br><span class="muted">${s.error}</span>` : nothing}</p>
      ${s.actions.length ? html`<section aria-labelledby="ai-actions-h"><h2 id="ai-actions-h">Actions</h2>
        <ul class="ai-list">${s.actions.map((a) => this.renderAction(a))}</ul></section>` : nothing}
      <section aria-labelledby="ai-answer-h"><h2 id="ai-answer-h">Answer ${s.answer ? verifiedBadge(s.verified) : nothing}</h2>
        ${s.answer ? html`<p class="card ai-answer">${s.answer}</p>` : html`<p class="muted">No answer${s.state === 'running' ? ' yet' : ''}.</p>`}
        ${cited.length ? html`<h3>The tool results it cites</h3><ul class="ai-list">${cited.map((c) => html`<li>
          <code>[${c.id}]</code> ${c.tool}<pre class="log-line">${JSON.stringify(c.result, null, 2)}</pre></li>`)}</ul>`
          : s.answer ? html`<p class="warning">It cites no tool result: do not trust it without checking.</p>` : nothing}
      </section>
      <section aria-labelledby="ai-calls-h"><h2 id="ai-calls-h">Tool calls</h2>
        ${s.calls.length ? html`<ol class="ai-list">${s.calls.map((c) => this.renderCall(c))}</ol>` : html`<p class="muted">None.</p>`}
      </section>
      <details><summary>The question sent</summary><p class="log-line">${s.prompt}</p></details>`;
  }

  render() {
    return this.id ? this.renderSession() : this.renderList();
  }
}
customElements.define('exs-ai', ExsAi);
