#!/usr/bin/env node
// Web UI bench (issue 17), run by hand (bench/README.md):
//   EXSTREAMTV_BIN=build/src/app/exstreamtv node bench/web/bench-guide.mjs [channels] [hours]
// Makes CHANNELS (default 500) channels through the API, writes HOURS
// (default 48) of playout for each straight into the database (15-90 min
// programmes), restarts the server on it, and in headless Chromium prints
// the guide's first render (the page fetches by window: 40 channels by 6 h
// blocks), the rows in the DOM, the /api/guide bytes it fetched, a one-day
// scroll across and a scroll down every channel (each until every block in
// view has arrived), and the whole UI's gzipped transfer size.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { get } from 'node:http';
import { startServer, launchBrowser, waitFor } from '../../tests/web/exs-server.mjs';

const CHANNELS = Number(process.argv[2] || 500);
const HOURS = Number(process.argv[3] || 48);
const US = 1000000;

function playoutSql(ids) {
  const out = ['BEGIN;'];
  const from = Math.floor(Date.now() / 1800000) * 1800000 - 3600000;
  const to = from + HOURS * 3600000;
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let rows = 0;
  for (const id of ids) {
    for (let t = from; t < to; rows++) {
      const len = [15, 30, 30, 30, 45, 60, 60, 90][Math.floor(rand() * 8)] * 60000;
      const title = `Programme ${rows % 977} on ${id}`;
      out.push(`INSERT INTO playout_items (channel_id, start_us, stop_us, kind, title, sub_title, description, media_item_id) VALUES
        (${id}, ${t * 1000}, ${(t + len) * 1000}, 0, '${title}', 'Episode ${rows % 13}', 'A bench programme of ${len / 60000} minutes.', 0);`);
      t += len;
    }
    out.push(`UPDATE channel_playouts SET built_until_us = ${to * 1000} WHERE channel_id = ${id};`);
    out.push(`INSERT OR IGNORE INTO channel_playouts (channel_id, mode, built_until_us, updated_at) VALUES (${id}, 'continuous', ${to * 1000}, ${Math.floor(Date.now() / 1000)});`);
  }
  out.push('COMMIT;');
  return { sql: out.join('\n'), rows };
}

function gzipSize(url) {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
      let n = 0;
      res.on('data', (d) => (n += d.length));
      res.on('end', () => resolve({ bytes: n, encoding: res.headers['content-encoding'] || 'identity' }));
    }).on('error', reject);
  });
}

const dataDir = mkdtempSync(join(tmpdir(), 'exstreamtv-web-bench-'));
let server = await startServer([], { dataDir });
try {
  let t = Date.now();
  for (let i = 0; i < CHANNELS; i++) {
    const r = await server.api('POST', '/api/channels', { number: String(1000 + i), name: `Bench ${i}`, group: `Group ${i % 12}` });
    if (r.status !== 201)
      throw new Error(`POST /api/channels: ${r.status} ${JSON.stringify(r.body)}`);
  }
  console.log(`${CHANNELS} channels made through the API in ${Date.now() - t} ms`);
  await server.stop();

  const ids = execFileSync('sqlite3', [join(dataDir, 'exstreamtv.db'), 'SELECT id FROM channels ORDER BY id;'], { encoding: 'utf8' })
    .trim().split('\n').map(Number);
  const { sql, rows } = playoutSql(ids);
  t = Date.now();
  execFileSync('sqlite3', [join(dataDir, 'exstreamtv.db')], { input: sql });
  console.log(`${rows} playout rows (${HOURS} h x ${ids.length} channels) written in ${Date.now() - t} ms`);

  server = await startServer([], { dataDir });
  for (const h of [4, HOURS]) {
    t = Date.now();
    const r = await fetch(`${server.base}/api/guide?hours=${h}`, { headers: { Authorization: `Bearer ${server.token}` } });
    const text = await r.text();
    console.log(`/api/guide?hours=${h}: ${Date.now() - t} ms, ${text.length} bytes of JSON`);
  }
  const guideJson = await server.api('GET', `/api/guide?hours=${HOURS}`);
  const progs = guideJson.body.channels.reduce((n, c) => n + c.programmes.length, 0);
  console.log(`/api/guide?hours=${HOURS}: ${guideJson.body.channels.length} channels, ${progs} programmes`);

  const browser = await launchBrowser();
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(await server.loginLink('/web/channels'), { waitUntil: 'networkidle0' });
  for (let run = 0; run < 3; run++) {
    t = Date.now();
    await page.goto(`${server.base}/web/guide`, { waitUntil: 'domcontentloaded' });
    await waitFor('the guide', () => page.$('exs-guide[data-rendered="true"]'), 60000);
    const m = await page.evaluate(() => {
      const guide = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/guide'));
      return {
        firstPaint: window.exsGuideFirstRenderAt, fetchAndRender: window.exsGuideRenderedMs,
        rows: document.querySelectorAll('.guide-row').length, buttons: document.querySelectorAll('button.prog').length,
        requests: guide.length, bytes: guide.reduce((n, e) => n + e.encodedBodySize, 0),
      };
    });
    console.log(`guide first render (run ${run + 1}): ${Math.round(m.firstPaint)} ms from navigation `
      + `(${Math.round(m.fetchAndRender)} ms its fetch+render, ${m.requests} /api/guide requests, ${m.bytes} bytes); `
      + `DOM holds ${m.rows} of ${CHANNELS} rows, ${m.buttons} programme cells`);
  }
  // One day across in 15-minute steps, one frame each, then every channel down.
  const scroll = (dx, dy, steps) => page.evaluate(async (dx, dy, steps) => {
    const v = document.querySelector('.guide-viewport');
    const frames = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      v.scrollLeft += dx;
      v.scrollTop += dy;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      frames.push(performance.now() - t0);
    }
    // then until every block in view has arrived
    const t1 = performance.now();
    const g = document.querySelector('exs-guide');
    while (g.pending.size || document.querySelector('.guide-row.pending'))
      await new Promise((r) => setTimeout(r, 10));
    const settle = performance.now() - t1;
    frames.sort((a, b) => a - b);
    return { settle, total: frames.reduce((a, b) => a + b, 0), p50: frames[frames.length >> 1], max: frames[frames.length - 1],
      rows: document.querySelectorAll('.guide-row').length };
  }, dx, dy, steps);
  const day = await scroll(75, 0, 96);
  console.log(`one day across (96 x 15 min): ${Math.round(day.total)} ms, frame p50 ${day.p50.toFixed(1)} ms, `
    + `max ${day.max.toFixed(1)} ms; every block in view ${Math.round(day.settle)} ms later`);
  const down = await scroll(0, 56 * 5, Math.ceil(CHANNELS / 5));
  console.log(`every channel down (${Math.ceil(CHANNELS / 5)} x 5 rows): ${Math.round(down.total)} ms, frame p50 ${down.p50.toFixed(1)} ms, `
    + `max ${down.max.toFixed(1)} ms; every block in view ${Math.round(down.settle)} ms later; DOM holds ${down.rows} rows`);
  await browser.close();

  let total = 0;
  for (const f of ['/web/', '/web/assets/app.js', '/web/assets/app.css', '/web/assets/hls.js']) {
    const r = await gzipSize(server.base + f);
    total += r.bytes;
    console.log(`  ${f}: ${r.bytes} bytes (${r.encoding})`);
  }
  console.log(`whole UI transfer: ${total} bytes (${(total / 1024).toFixed(1)} KiB) gzipped`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
