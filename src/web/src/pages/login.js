// /web/login: a one-time link from `exstreamtv login-url` lands on the
// server's /web/login?code=… and comes here only when it failed (?error=);
// the token form is the other way in. The token goes into the request
// body once and is never stored by the page.
import { html, nothing } from 'lit';
import { api } from '../api.js';
import { Page, navigate } from '../util.js';

const MESSAGES = {
  expired: 'That login link has expired or was already used. Ask for a new one with `exstreamtv login-url`, or enter the admin token.',
};

class ExsLogin extends Page {
  static properties = { error: { state: true }, busy: { state: true } };

  nextPath() {
    const next = new URLSearchParams(location.search).get('next') || '/web/';
    return next.startsWith('/web/') && !next.startsWith('/web/login') ? next : '/web/';
  }

  async submit(ev) {
    ev.preventDefault();
    const token = ev.target.elements.token.value.trim();
    this.busy = true;
    try {
      await api('POST', '/api/auth/session', { token }, { quiet401: true });
      navigate(this.nextPath());
    } catch (e) {
      this.error = e.status === 401 ? 'That token is not right.' : e.message;
    } finally {
      this.busy = false;
    }
  }

  render() {
    const linkError = new URLSearchParams(location.search).get('error');
    return html`
      <section class="login card">
        <h1>Log in to EXStreamTV</h1>
        ${linkError ? html`<p class="error" role="alert">${MESSAGES[linkError] || 'That login link did not work.'}</p>` : nothing}
        <p>Run <code>exstreamtv login-url</code> on the server for a one-time link, or enter the admin token
           (<code>exstreamtv --show-token</code>).</p>
        <form @submit=${this.submit}>
          <label for="token">Admin token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required
                 aria-invalid=${this.error ? 'true' : 'false'} aria-describedby="token-error">
          ${this.error ? html`<span class="field-error" id="token-error" role="alert">${this.error}</span>` : nothing}
          <button type="submit" ?disabled=${this.busy}>Log in</button>
        </form>
      </section>`;
  }
}
customElements.define('exs-login', ExsLogin);
