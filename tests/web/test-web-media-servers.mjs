// The libraries page's Plex/Jellyfin/Emby form (issue 19) in headless
// Chromium against the real server and a fake Jellyfin server in this
// process (127.0.0.1, port 0) answering /Library/VirtualFolders and /Items
// as Jellyfin documents them. A wrong key is refused on the page; the right
// one lists the server's libraries, one is ticked, a path mapping added,
// and the library syncs; the page never shows the key; axe finds nothing
// serious.
import { test as it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, axeViolations, waitFor } from './exs-server.mjs';

const SHOTS = process.env.EXS_WEB_SCREENSHOTS || join(tmpdir(), 'exstreamtv-web-screenshots');
const KEY = 'jf-key-4242-not-for-pages';

let jellyfin, server, browser, page;

const FOLDERS = [{ Name: 'Films', ItemId: 'lib-films', CollectionType: 'movies' },
  { Name: 'TV', ItemId: 'lib-tv', CollectionType: 'tvshows' },
  { Name: 'Music', ItemId: 'lib-music', CollectionType: 'music' }];
const FILM = { Id: 'f1', Name: 'The Web Film', Type: 'Movie', ProductionYear: 2004, Overview: 'A film.',
  RunTimeTicks: 50000000, Etag: 'e1', Genres: ['Drama'], Path: '/media/films/web.mkv',
  MediaSources: [{ Path: '/media/films/web.mkv', Container: 'mkv', Size: 1000,
    MediaStreams: [{ Type: 'Video', Codec: 'h264', Width: 320, Height: 240 }] }] };

function answer(url) {
  if (url.pathname === '/Library/VirtualFolders')
    return FOLDERS;
  if (url.pathname === '/Items') {
    const films = url.searchParams.get('ParentId') === 'lib-films' && url.searchParams.get('IncludeItemTypes') === 'Movie';
    const items = films ? [FILM] : [];
    return { Items: items, TotalRecordCount: items.length, StartIndex: 0 };
  }
  return null;
}

before(async () => {
  jellyfin = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const auth = req.headers.authorization || '';
    if (!auth.startsWith('MediaBrowser ') || !auth.includes(`Token="${KEY}"`)) {
      res.writeHead(401).end();
      return;
    }
    const body = answer(url);
    if (body === null)
      res.writeHead(404).end();
    else
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise((resolve) => jellyfin.listen(0, '127.0.0.1', resolve));
  server = await startServer([]);
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('pageerror', (e) => console.log(`# page error: ${e.message}`));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  jellyfin?.close();
});

async function clickButton(label) {
  return page.evaluate((l) => {
    const b = [...document.querySelectorAll('button')].find((x) => x.textContent.trim() === l);
    if (b && !b.disabled) { b.click(); return true; }
    return false;
  }, label);
}

async function fill(selector, text) {
  await page.$eval(selector, (e) => (e.value = ''));
  await page.type(selector, text);
}

it('a Jellyfin library added from the page: libraries listed and picked, synced, key never shown', { timeout: 240000 }, async () => {
  const url = `http://127.0.0.1:${jellyfin.address().port}`;
  await page.goto(await server.loginLink('/web/libraries'), { waitUntil: 'domcontentloaded' });
  await waitFor('the toolbar', () => clickButton('Add a Plex, Jellyfin or Emby library'), 30000);
  await waitFor('the form', () => page.$('#ms-name'), 30000);
  await fill('#ms-name', 'NAS Films');
  await page.select('#ms-kind', 'movies');
  await page.select('#ms-source', 'jellyfin');
  await fill('#ms-url', url);
  assert.equal(await page.$eval('#ms-token', (e) => e.type), 'password');

  // a wrong key: the server's refusal is shown, nothing listed
  await fill('#ms-token', 'wrong-key');
  assert.ok(await clickButton("List the server's libraries"));
  await waitFor('the refusal', () => page.evaluate(() => document.querySelector('main').textContent.includes('refused the token')), 60000);

  await fill('#ms-token', KEY);
  assert.ok(await clickButton("List the server's libraries"));
  await waitFor('the server libraries', () => page.$('#ms-lib-lib-films'), 60000);
  assert.equal(await page.$eval('#ms-lib-lib-films', (e) => e.checked), true, 'the films library is ticked for a movies library');
  assert.equal(await page.$eval('#ms-lib-lib-tv', (e) => e.checked), false);
  assert.equal(await page.$eval('#ms-lib-lib-music', (e) => e.disabled), true, 'music cannot be synced');
  assert.ok(await clickButton('Add a path mapping'));
  await waitFor('the mapping row', () => page.$('#ms-from-0'), 10000);
  await fill('#ms-from-0', '/media/films');
  await fill('#ms-to-0', '/mnt/nas/films');
  assert.deepEqual(await axeViolations(page), []);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'libraries-media-server-form.png'), fullPage: true });
  assert.ok(await clickButton('Add and sync'));

  await waitFor('the notice', () => page.evaluate(() => document.querySelector('main').textContent.includes('“NAS Films” added; syncing')), 60000);
  const libs = (await server.api('GET', '/api/libraries')).body.libraries;
  const lib = libs.find((l) => l.name === 'NAS Films');
  assert.ok(lib);
  assert.equal(lib.source, 'jellyfin');
  assert.equal(lib.media_server.token_set, true);
  assert.equal(lib.media_server.token, undefined);
  assert.deepEqual(lib.media_server.remote_libraries, ['lib-films']);
  assert.deepEqual(lib.media_server.path_mappings, [{ server_path: '/media/films', local_path: '/mnt/nas/films' }]);
  await waitFor('the sync', async () => (await server.api('GET', `/api/libraries/${lib.id}`)).body.items === 1, 120000);
  await page.reload({ waitUntil: 'domcontentloaded' });
  await waitFor('the card', () => page.$(`li[data-library="${lib.id}"]`), 30000);
  const card = await page.$eval(`li[data-library="${lib.id}"]`, (e) => e.textContent);
  assert.match(card, new RegExp(`From jellyfin at ${url}`));
  const html = await page.content();
  assert.ok(!html.includes(KEY), 'the page never holds the key');
  assert.deepEqual(await axeViolations(page), []);
});
