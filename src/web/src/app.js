// The shell: navigation, the router over /web/<page> deep links, and the
// login check. Each page is its own element in src/pages/.
import { LitElement, html } from 'lit';
import { api } from './api.js';
import { linkClick, navigate } from './util.js';
import './pages/dashboard.js';
import './pages/guide.js';
import './pages/watch.js';
import './pages/channels.js';
import './pages/libraries.js';
import './pages/schedules.js';
import './pages/sessions.js';
import './pages/settings.js';
import './pages/logs.js';
import './pages/ai.js';
import './pages/login.js';

const PAGES = [
  ['', 'Dashboard'], ['guide', 'Guide'], ['channels', 'Channels'], ['libraries', 'Libraries'],
  ['schedules', 'Schedules'], ['sessions', 'Sessions'], ['settings', 'Settings'], ['logs', 'Logs'],
  ['ai', 'AI agent'],
];

function route(pathname) {
  const rest = pathname.replace(/^\/web\/?/, '').replace(/\/$/, '');
  const [page, arg] = rest.split('/');
  return { page: page || '', arg: arg ? decodeURIComponent(arg) : null };
}

class ExsApp extends LitElement {
  static properties = { where: { state: true }, authed: { state: true }, menuOpen: { state: true } };

  createRenderRoot() { return this; }

  constructor() {
    super();
    this.where = route(location.pathname);
    this.authed = null;
    this.menuOpen = false;
    window.addEventListener('popstate', () => {
      this.where = route(location.pathname);
      this.menuOpen = false;
      this.checkSession();
    });
    this.addEventListener('click', linkClick);
    this.checkSession();
  }

  async checkSession() {
    if (this.where.page === 'login') {
      this.authed = false;
      return;
    }
    try {
      await api('GET', '/api/auth/session', undefined, { quiet401: true });
      this.authed = true;
    } catch {
      this.authed = false;
      navigate('/web/login?next=' + encodeURIComponent(location.pathname + location.search));
    }
  }

  updated() {
    const title = (PAGES.find(([p]) => p === this.where.page) || [null, this.where.page])[1];
    document.title = `${title ? title[0].toUpperCase() + title.slice(1) : 'EXStreamTV'} · EXStreamTV`;
  }

  page() {
    const { page, arg } = this.where;
    switch (page) {
      case '': return html`<exs-dashboard></exs-dashboard>`;
      case 'guide': return html`<exs-guide></exs-guide>`;
      case 'watch': return html`<exs-watch .number=${arg}></exs-watch>`;
      case 'channels': return html`<exs-channels></exs-channels>`;
      case 'libraries': return html`<exs-libraries></exs-libraries>`;
      case 'schedules': return html`<exs-schedules></exs-schedules>`;
      case 'sessions': return html`<exs-sessions></exs-sessions>`;
      case 'settings': return html`<exs-settings></exs-settings>`;
      case 'logs': return html`<exs-logs></exs-logs>`;
      case 'ai': return html`<exs-ai .id=${arg}></exs-ai>`;
      case 'login': return html`<exs-login></exs-login>`;
      default: return html`<h1>Not found</h1><p>No page at <code>${location.pathname}</code>. <a href="/web/">Dashboard</a></p>`;
    }
  }

  async logout() {
    await api('DELETE', '/api/auth/session').catch(() => {});
    navigate('/web/login');
  }

  render() {
    const current = this.where.page;
    const nav = current === 'login' ? '' : html`
      <header class="topbar">
        <a class="brand" href="/web/">EXStreamTV</a>
        <button class="menu-toggle" aria-expanded=${this.menuOpen ? 'true' : 'false'} aria-controls="nav"
                @click=${() => (this.menuOpen = !this.menuOpen)}>Menu</button>
        <nav id="nav" aria-label="Main" class=${this.menuOpen ? 'open' : ''}>
          <ul>${PAGES.map(([p, label]) => html`
            <li><a href="/web/${p}" aria-current=${p === current ? 'page' : 'false'}>${label}</a></li>`)}
            <li><button class="link" @click=${this.logout}>Log out</button></li>
          </ul>
        </nav>
      </header>`;
    const body = current === 'login' || this.authed ? this.page()
      : html`<p aria-busy="true">Checking your session…</p>`;
    return html`${nav}<main id="main" tabindex="-1">${body}</main>`;
  }
}
customElements.define('exs-app', ExsApp);
