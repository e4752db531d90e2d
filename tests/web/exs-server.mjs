// Starts the real exstreamtv (EXSTREAMTV_BIN) on 127.0.0.1 with port 0 and a
// temporary data dir, as tests/common/exs-test-server.c does: the port is
// read from the "listening on" log line, the token from <data-dir>/api-token.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, openSync, existsSync, readdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';

export const SOURCE_DIR = process.env.EXSTREAMTV_SOURCE_DIR || join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
// The npm packages live in src/web/node_modules (npm ci there).
export const webRequire = createRequire(join(SOURCE_DIR, 'src', 'web', 'package.json'));

// Polls cond() every 100 ms until it returns a truthy value or the deadline passes.
export async function waitFor(what, cond, timeoutMs = 60000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      const v = await cond();
      if (v)
        return v;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

// opts.dataDir: use (and keep) this data dir instead of a temporary one.
export async function startServer(extraArgs = ['--demo'], opts = {}) {
  const bin = process.env.EXSTREAMTV_BIN;
  if (!bin)
    throw new Error('EXSTREAMTV_BIN is not set (tests/meson.build sets it)');
  const dataDir = opts.dataDir || mkdtempSync(join(tmpdir(), 'exstreamtv-web-test-'));
  // the demo clips tests/meson.build made once (make-demo-clips.c), as the
  // C harness does: a --demo server in a new data dir does not encode them again
  const clips = process.env.EXS_TEST_DEMO_CLIPS;
  if (!opts.dataDir && clips && extraArgs.includes('--demo')) {
    mkdirSync(join(dataDir, 'demo'));
    for (const name of readdirSync(clips))
      copyFileSync(join(clips, name), join(dataDir, 'demo', name));
  }
  const logPath = join(dataDir, 'server.log');
  const log = openSync(logPath, 'w');
  // No user config leaks in; a settings change is written in the test's own dir.
  const configHome = join(dataDir, 'xdg-config');
  mkdirSync(configHome, { recursive: true });
  // a channel nobody watches stops after 3 s, not 30: the pages start the
  // demo channels often, and each lingering encode costs the suite's 2 cores
  const env = { EXSTREAMTV_CHANNELS_LINGER_SECONDS: '3', ...process.env, XDG_CONFIG_HOME: configHome,
    EXSTREAMTV_HDHOMERUN_DISCOVERY_ENABLED: 'false', EXSTREAMTV_HDHOMERUN_SSDP_ENABLED: 'false' };
  delete env.EXSTREAMTV_SERVER_PORT;
  const child = spawn(bin, ['--data-dir', dataDir, '--port=0', '--bind=127.0.0.1', ...extraArgs],
    { env, stdio: ['ignore', log, log] });
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const port = await waitFor('the server to listen', () => {
    if (exited)
      throw new Error(`server exited (${JSON.stringify(exited)}):\n${readFileSync(logPath, 'utf8')}`);
    const m = readFileSync(logPath, 'utf8').match(/ listening on http:\/\/[^/]*:(\d+)\//);
    return m && Number(m[1]);
  }, 120000);
  const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
  const base = `http://127.0.0.1:${port}`;
  const server = {
    base, port, token, dataDir, logPath, child,
    async api(method, path, body) {
      const res = await fetch(base + path, {
        method, headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
    },
    async loginLink(next = '/web/') {
      const r = await this.api('POST', '/api/auth/login-links', { next });
      if (r.status !== 201)
        throw new Error(`login-links answered ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body.url;
    },
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        await waitFor('the server to exit', () => exited, 20000).catch(() => child.kill('SIGKILL'));
      }
      if (!opts.dataDir)
        rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

export async function launchBrowser() {
  const puppeteer = webRequire('puppeteer-core');
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executablePath))
    throw new Error(`${executablePath} is missing: install Debian's chromium (scripts/debian-packages.txt)`);
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required',
      '--disable-gpu', '--mute-audio'],
  });
}

// Runs axe-core in the page (through the DevTools protocol, which the
// page's CSP does not govern) and returns its serious and critical violations.
export async function axeViolations(page) {
  const source = readFileSync(webRequire.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}
