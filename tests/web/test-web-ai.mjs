// The AI agent's page (/web/ai, issue 22) in headless Chromium against the
// real server, whose model is a scripted stand-in: a small HTTP server in
// this process on 127.0.0.1 (port 0) that answers chat completions. A
// channel is diagnosed from the page, the waiting action approved there, and
// the API shows it taken; axe-core finds nothing serious. Without [ai]
// enabled the page says so and how to turn it on.
import { test as it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, axeViolations, waitFor } from './exs-server.mjs';

const SHOTS = process.env.EXS_WEB_SCREENSHOTS || join(tmpdir(), 'exstreamtv-web-screenshots');

let model, server, browser, page;
const modelRequests = [];

// Step 0: read the health and propose a rebuild (medium risk: it waits);
// step 1: an answer citing the health result.
function reply(request) {
  const step = request.messages.filter((m) => m.role === 'assistant').length;
  const channel = /Channel (\S+) /.exec(request.messages.find((m) => m.role === 'user').content)[1];
  const call = (id, name, args) => ({ id, type: 'function', function: { name, arguments: JSON.stringify(args) } });
  const message = step === 0
    ? { role: 'assistant', content: null, tool_calls: [call('call_h', 'channel_health', { channel }),
      call('call_p', 'rebuild_playout', { channel })] }
    : { role: 'assistant', content: `Channel ${channel} has no output [call_h]. Rebuilding its playout should help.` };
  return { id: `fake-${step}`, object: 'chat.completion', model: request.model,
    choices: [{ index: 0, message, finish_reason: step === 0 ? 'tool_calls' : 'stop' }],
    usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 } };
}

async function startModel() {
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      let out;
      try {
        const request = JSON.parse(body);
        modelRequests.push(request);
        out = JSON.stringify(reply(request));
      } catch (e) {
        res.writeHead(400).end(String(e));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(out);
    });
  });
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  return s;
}

async function buttonNamed(label) {
  return page.evaluate((l) => {
    const b = [...document.querySelectorAll('button')].find((x) => x.getAttribute('aria-label') === l || x.textContent.trim() === l);
    if (b && !b.disabled) { b.click(); return true; }
    return false;
  }, label);
}

before(async () => {
  model = await startModel();
  const env = { EXSTREAMTV_AI_ENABLED: 'true', EXSTREAMTV_AI_BASE_URL: `http://127.0.0.1:${model.address().port}/v1`,
    EXSTREAMTV_AI_MODEL: 'fake-model', EXSTREAMTV_AI_TIMEOUT_SECONDS: '60' };
  Object.assign(process.env, env);
  try {
    server = await startServer([]);
  } finally {
    for (const k of Object.keys(env))
      delete process.env[k];
  }
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  page.on('pageerror', (e) => console.log(`# page error: ${e.message}`));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  model?.close();
});

it('a channel diagnosed from the page; its waiting action approved there is taken', { timeout: 180000 }, async () => {
  assert.equal((await server.api('POST', '/api/channels', { number: '540', name: 'AI page test' })).status, 201);
  assert.equal((await server.api('POST', '/api/channels', { number: '541', name: 'Another' })).status, 201);
  // from the channel's row on the channels page to the form, that channel picked
  await page.goto(await server.loginLink('/web/channels'), { waitUntil: 'domcontentloaded' });
  await waitFor('the row link', () => page.$('a[aria-label="Diagnose channel 540"]'), 30000);
  await page.click('a[aria-label="Diagnose channel 540"]');
  await waitFor('the diagnose form', () => page.$('#ai-channel option[value="541"]'), 30000);
  assert.equal(await page.$eval('#ai-channel', (e) => e.value), '540');
  assert.ok(await buttonNamed('Diagnose'));

  await waitFor('the session page', () => /\/web\/ai\/\d+$/.test(page.url()), 30000);
  const id = Number(page.url().split('/').pop());
  await waitFor('the action waiting for approval', () => page.$('button[aria-label="Approve action 1 (rebuild_playout)"]'), 60000);
  const before = (await server.api('GET', `/api/ai/sessions/${id}`)).body;
  assert.equal(before.state, 'waiting_approval');
  assert.equal(before.actions[0].state, 'waiting_approval');
  assert.equal(modelRequests.length, 2, 'two steps went to the model');
  // the answer, marked verified, with the health result it cites (the page
  // can show the waiting action one refresh before the answer)
  const mainText = () => page.evaluate(() => document.querySelector('main').textContent);
  await waitFor('the answer on the page', async () => /has no output \[call_h\]/.test(await mainText()), 60000);
  const shown = await mainText();
  assert.match(shown, /has no output \[call_h\]/);
  assert.match(shown, /verified/);
  assert.doesNotMatch(shown, /unverified/);
  assert.match(shown, /The tool results it cites/);
  assert.deepEqual(await axeViolations(page), []);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'ai-session.png'), fullPage: true });

  assert.ok(await buttonNamed('Approve action 1 (rebuild_playout)'));
  await waitFor('the page to show it taken', () => page.evaluate(() => document.querySelector('.ai-state-taken')?.textContent === 'taken'), 30000);
  const after = (await server.api('GET', `/api/ai/sessions/${id}`)).body;
  assert.equal(after.actions[0].state, 'taken');
  assert.equal(after.actions[0].why, 'approved by a person');
  assert.ok(after.actions[0].result, 'the rebuild ran and returned its result');
  assert.equal(after.state, 'answered');

  // the list: the session with its channel, steps, tokens and verified
  await page.goto(`${server.base}/web/ai`, { waitUntil: 'domcontentloaded' });
  await waitFor('the session row', () => page.$(`a[href="/web/ai/${id}"]`), 30000);
  const row = await page.$eval(`a[href="/web/ai/${id}"]`, (a) => a.closest('tr').textContent);
  assert.match(row, /540/);
  assert.match(row, /answered/);
  assert.match(row, /240/);
  assert.deepEqual(await axeViolations(page), []);
  await page.screenshot({ path: join(SHOTS, 'ai-list.png'), fullPage: true });
});

it('with the agent off the page says so and how to enable it', { timeout: 180000 }, async () => {
  const plain = await startServer([]);
  try {
    const p = await browser.newPage();
    await p.goto(await plain.loginLink('/web/ai'), { waitUntil: 'domcontentloaded' });
    await waitFor('the note', () => p.evaluate(() => document.querySelector('main').textContent.includes('The AI agent is off')), 30000);
    const text = await p.evaluate(() => document.querySelector('main').textContent);
    assert.match(text, /enabled = true/);
    assert.equal(await p.$('#ai-channel'), null, 'no Diagnose form');
    assert.deepEqual(await axeViolations(p), []);
    await p.screenshot({ path: join(SHOTS, 'ai-off.png') });
    await p.close();
  } finally {
    await plain.stop();
  }
});
