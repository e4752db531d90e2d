// /web/logs: the server's recent log lines (its bounded ring buffer),
// filtered by level and channel; "Follow" adds new lines as they come.
import { html, nothing } from 'lit';
import { get } from '../api.js';
import { Page, errorBanner } from '../util.js';

const LEVELS = ['debug', 'info', 'message', 'warning', 'critical', 'error'];
const MAX_LINES = 2000;

class ExsLogs extends Page {
  static properties = { lines: { state: true }, level: { state: true }, channel: { state: true }, follow: { state: true }, error: { state: true } };

  constructor() {
    super();
    const q = new URLSearchParams(location.search);
    this.level = LEVELS.includes(q.get('level')) ? q.get('level') : 'info';
    this.channel = q.get('channel') || '';
    this.follow = false;
    this.lines = null;
  }

  connectedCallback() {
    super.connectedCallback();
    this.load();
    this.cleanups.push(() => this.stopFollow());
  }

  async load() {
    const q = new URLSearchParams({ level: this.level, limit: '500' });
    if (this.channel)
      q.set('channel', this.channel);
    history.replaceState(null, '', `/web/logs?${q}`);
    try {
      this.lines = (await get(`/api/logs?${q}`)).lines;
      this.error = null;
    } catch (e) {
      this.error = e;
    }
  }

  wanted(l) {
    return LEVELS.indexOf(l.level) >= LEVELS.indexOf(this.level) && (!this.channel || l.channel === this.channel);
  }

  toggleFollow(ev) {
    this.follow = ev.target.checked;
    if (!this.follow)
      return this.stopFollow();
    this.source = new EventSource('/api/events?logs=1');
    this.source.addEventListener('log', (e) => {
      const l = JSON.parse(e.data);
      if (this.wanted(l))
        this.lines = [...(this.lines || []), l].slice(-MAX_LINES);
    });
  }

  stopFollow() {
    this.source?.close();
    this.source = null;
  }

  render() {
    return html`
      <h1>Logs</h1>
      <form class="toolbar" @submit=${(e) => { e.preventDefault(); this.load(); }}>
        <label for="log-level">Level</label>
        <select id="log-level" @change=${(e) => { this.level = e.target.value; this.load(); }}>
          ${LEVELS.map((l) => html`<option .selected=${l === this.level} value=${l}>${l} and above</option>`)}
        </select>
        <label for="log-chan">Channel</label>
        <input id="log-chan" size="8" .value=${this.channel} @change=${(e) => { this.channel = e.target.value.trim(); this.load(); }}>
        <button type="submit">Refresh</button>
        <label class="check"><input type="checkbox" .checked=${this.follow} @change=${this.toggleFollow}> Follow</label>
      </form>
      ${errorBanner(this.error)}
      ${this.lines && !this.lines.length ? html`<p>No lines at this level.</p>` : nothing}
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">Time</th><th scope="col">Level</th><th scope="col">Domain</th><th scope="col">Message</th></tr></thead>
        <tbody>${(this.lines || []).map((l) => html`<tr class="level-${l.level}">
          <td class="log-line">${l.time}</td><td>${l.level}</td><td>${l.domain}${l.channel ? ` · ${l.channel}` : ''}</td>
          <td class="log-line">${l.message}</td></tr>`)}</tbody>
      </table></div>`;
  }
}
customElements.define('exs-logs', ExsLogs);
