// Shipping as a static page: the Content-Security-Policy holds through a full
// session that talks to no other origin, the app works offline after the
// first visit (service worker), and it is installable (manifest, icons).
// Runs against the build at "/" and, in `make test`, against the sub-path
// build served under /mibwatch/ (MIBWATCH_BASE), as GitHub Pages serves it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, openPage, ready, showTask, watchCsp, repo } from './helpers.mjs';
import { serve } from './server.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const DATA = path.join(repo, 'data/snmp-mib/all_data.csv');
const allowed = (url, origin) => new URL(url).origin === origin || /^(blob|data):/.test(url);

/** Train a small forest on the public file; returns the result text. */
async function train(page, trees = '5') {
  await showTask(page, 'retrain');
  await page.getByTestId('train-file').setInputFiles(DATA);
  await page.getByText('File: all_data.csv').waitFor();
  await page.fill('[data-testid="train-trees"]', trees);
  await page.getByTestId('train-start').click();
  await page.getByTestId('train-result').waitFor({ timeout: 120000 });
  return page.getByTestId('train-result').innerText();
}

/** Score the public file (counters every 15 s) and download the result. */
async function scoreAndDownload(page) {
  await showTask(page, 'score');
  await page.getByTestId('batch-file').setInputFiles(DATA);
  await page.getByText(/^File: .* rows\)$/).waitFor({ timeout: 30000 });
  await page.getByTestId('batch-kind').selectOption('counters');
  await page.fill('[data-testid="batch-interval"]', '15');
  await page.getByTestId('batch-start').click();
  await page.getByTestId('batch-result').waitFor({ timeout: 60000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-download').click()]);
  const saved = path.join(os.tmpdir(), `mibwatch-ship-${process.pid}.csv`);
  await download.saveAs(saved);
  const text = fs.readFileSync(saved, 'utf8');
  fs.unlinkSync(saved);
  return text;
}

test('a full session requests nothing from any other origin and breaks no CSP rule', async () => {
  // A fresh context, watched from its first request: the context sees the
  // page's, its Web Worker's and the service worker's (precaching) requests.
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const urls = [];
  context.on('request', (r) => urls.push(r.url()));
  const page = await context.newPage();
  page.on('request', (r) => urls.push(r.url()));
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await watchCsp(page, errors);
  const origin = new URL(app.server.url).origin;
  await page.goto(app.server.url);
  await ready(page);
  await page.evaluate(async () => navigator.serviceWorker.ready);
  // The policy is the meta tag's, with no inline-script exception.
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.match(csp, /worker-src 'self'/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|\*|https?:/);
  assert.equal(await page.locator('script:not([src])').count(), 0, 'no inline script in the page');
  // Predict.
  await showTask(page, 'sample');
  await page.locator('button.preset[data-class="tcp-syn"]').click();
  assert.equal(await page.getByTestId('predicted-class').innerText(), 'tcp-syn');
  await page.fill('#in-ipInReceives', '40000000');
  await page.locator('[data-feature]').first().waitFor();
  // Upload, train in the worker, use the model.
  assert.match(await train(page), /on 4976 rows: 5 trees/);
  await page.getByTestId('train-use').click();
  assert.equal(await page.getByTestId('model-source').innerText(), 'all_data.csv');
  // Score a file in the worker, download the scored CSV and the model.
  const scored = await scoreAndDownload(page);
  assert.ok(scored.split('\n').length > 4000, 'scored CSV downloaded');
  await showTask(page, 'model');
  const [model] = await Promise.all([page.waitForEvent('download'), page.getByTestId('model-download').click()]);
  assert.equal(model.suggestedFilename(), 'mibwatch-model.mwm');
  await page.getByTestId('model-revert').click();
  // What was seen: the app's own files, the worker's included, and nothing else.
  const seen = [...new Set(urls)];
  assert.ok(seen.some((u) => /mibwatch-web-[0-9a-f]+_bg\.wasm$/.test(u)), 'page wasm request recorded');
  assert.ok(seen.some((u) => u.endsWith('/mibwatch-worker_bg.wasm')), `worker wasm request recorded: ${seen.join(' ')}`);
  assert.ok(seen.every((u) => u.startsWith(app.server.url) || /^(blob|data):/.test(u)), 'all under the public URL');
  const foreign = seen.filter((u) => !allowed(u, origin));
  assert.deepEqual(foreign, [], 'requests to other origins');
  console.log(`# same-origin session: ${seen.length} distinct URLs`);
  assert.deepEqual(errors, [], 'console errors or CSP violations');
  await context.close();
});

test('the CSP is enforced: an injected inline script or foreign script does not run', async () => {
  const { page, errors } = await openPage(app);
  const blocked = await page.evaluate(async () => {
    window.__ran = false;
    const inline = document.createElement('script');
    inline.textContent = 'window.__ran = true;';
    document.head.append(inline);
    const foreign = document.createElement('script');
    foreign.src = 'https://example.com/x.js';
    const failed = new Promise((ok) => { foreign.onerror = () => ok(true); foreign.onload = () => ok(false); });
    document.head.append(foreign);
    return { inline: !window.__ran, foreign: await failed };
  });
  assert.deepEqual(blocked, { inline: true, foreign: true });
  const csp = errors.filter((e) => e.startsWith('CSP violation'));
  assert.ok(csp.some((e) => /^CSP violation: script-src-elem blocked inline/.test(e)), csp.join('\n'));
  assert.ok(csp.some((e) => /script-src-elem blocked https:\/\/example\.com/.test(e)), csp.join('\n'));
  await page.close();
});

test('after one visit the app works offline: page, prediction, training and scoring', async () => {
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await watchCsp(page, errors);
  await page.goto(app.server.url);
  await ready(page);
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  assert.equal(scope, app.server.url, 'service worker scope is the public URL');
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) {
    await page.reload();
    await ready(page);
  }
  assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller), 'page controlled by the service worker');
  // Install precached the whole build, the worker's files included.
  const cached = await page.evaluate(async () => {
    const keys = (await caches.keys()).filter((k) => k.startsWith('mibwatch-'));
    const cache = await caches.open(keys[0]);
    let bytes = 0;
    const urls = [];
    for (const req of await cache.keys()) {
      urls.push(req.url);
      bytes += (await (await cache.match(req)).arrayBuffer()).byteLength;
    }
    return { keys, urls, bytes };
  });
  assert.equal(cached.keys.length, 1, `one cache: ${cached.keys}`);
  const names = cached.urls.map((u) => u.slice(app.server.url.length));
  for (const want of ['', 'mibwatch-worker_loader.js', 'mibwatch-worker.js', 'mibwatch-worker_bg.wasm', 'manifest.webmanifest', 'icon-192.png']) {
    assert.ok(names.includes(want), `"${want}" cached: ${names.join(' ')}`);
  }
  assert.ok(names.some((n) => /^mibwatch-web-[0-9a-f]+_bg\.wasm$/.test(n)), 'app wasm (with the embedded model) cached');
  assert.ok(names.some((n) => /^boot-[0-9a-f]{16}\.js$/.test(n)), 'bootstrap cached');
  console.log(`# service worker cache ${cached.keys[0]}: ${names.length} files, ${cached.bytes} bytes`);

  await context.setOffline(true);
  // Really offline: a file the build does not have cannot be fetched.
  const probe = await page.evaluate(async () => fetch('./not-in-the-build.txt').then((r) => r.status, () => 'failed'));
  assert.equal(probe, 'failed');
  await page.reload();
  await ready(page);
  await showTask(page, 'sample');
  await page.locator('button.preset[data-class="httpFlood"]').click();
  assert.equal(await page.getByTestId('predicted-class').innerText(), 'httpFlood');
  assert.match(await page.getByTestId('verdict').innerText(), /Anomalous/);
  // A link to a sample works offline too (navigation with a #fragment).
  await page.fill('#in-ipInReceives', '12345');
  await page.waitForFunction(() => location.hash.includes('ipInReceives=12345'));
  const link = page.url();
  await page.goto('about:blank');
  await page.goto(link);
  await ready(page);
  assert.equal(await page.inputValue('#in-ipInReceives'), '12345');
  // The worker starts from the cache: training and scoring offline.
  assert.match(await train(page, '3'), /on 4976 rows: 3 trees/);
  assert.ok((await scoreAndDownload(page)).split('\n').length > 4000);
  assert.deepEqual(errors, []);
  await context.setOffline(false);
  await context.close();
});

test('a new build replaces the cached one: new service worker, old cache deleted', async () => {
  // A copy of the build to redeploy: the next "build" differs in its page and
  // in the cache version the post-build hook writes into sw.js.
  const dist = path.resolve(repo, process.env.MIBWATCH_DIST ?? 'dist');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mibwatch-deploy-'));
  fs.cpSync(dist, root, { recursive: true });
  const server = await serve(root, process.env.MIBWATCH_BASE ?? '/');
  const context = await app.browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(server.url);
    await ready(page);
    await page.evaluate(async () => navigator.serviceWorker.ready);
    const before = await page.evaluate(async () => caches.keys());
    assert.equal(before.length, 1);
    const sw = fs.readFileSync(path.join(root, 'sw.js'), 'utf8');
    const version = sw.match(/const VERSION = "([0-9a-f]{16})";/)[1];
    assert.equal(before[0], `mibwatch-${version}`);
    fs.writeFileSync(path.join(root, 'sw.js'), sw.replace(version, 'feedfacefeedface'));
    const html = fs.readFileSync(path.join(root, 'index.html'), 'utf8');
    fs.writeFileSync(path.join(root, 'index.html'), html.replace('<title>mibwatch — ', '<title>mibwatch (new build) — '));
    // Online, the page itself is fetched first: the new build shows at once...
    await page.reload();
    await ready(page);
    assert.match(await page.title(), /new build/);
    // ...and the browser's update check installs the new worker, which drops the old cache.
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    let keys;
    for (const t0 = Date.now(); Date.now() - t0 < 20000; await new Promise((ok) => setTimeout(ok, 200))) {
      keys = await page.evaluate(async () => caches.keys());
      if (keys.length === 1 && keys[0] === 'mibwatch-feedfacefeedface') break;
    }
    assert.deepEqual(keys, ['mibwatch-feedfacefeedface'], 'only the new build\'s cache is left');
    const state = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      const cache = await caches.open('mibwatch-feedfacefeedface');
      return { active: reg.active.state, controller: !!navigator.serviceWorker.controller, entries: (await cache.keys()).length };
    });
    const precache = JSON.parse(sw.match(/const PRECACHE = (\[.*?\]);/)[1]);
    assert.deepEqual(state, { active: 'activated', controller: true, entries: precache.length });
    // Offline, the new build's cached page is served.
    await context.setOffline(true);
    await page.reload();
    await ready(page);
    assert.match(await page.title(), /new build/);
  } finally {
    await context.close();
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('installable: manifest, icons, title, description and social preview', async () => {
  const { page, errors } = await openPage(app);
  const cdp = await page.context().newCDPSession(page);
  const { errors: manifestErrors } = await cdp.send('Page.getAppManifest');
  assert.deepEqual(manifestErrors, []);
  const base = app.server.url;
  const got = await page.evaluate(async () => {
    const href = document.querySelector('link[rel="manifest"]').href;
    const m = await (await fetch(href)).json();
    const icons = [];
    for (const icon of m.icons) {
      const url = new URL(icon.src, href).href;
      const r = await fetch(url);
      const b = new Uint8Array(await r.arrayBuffer());
      // PNG: width and height are big-endian u32 at bytes 16 and 20.
      const dv = new DataView(b.buffer);
      const png = b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
      icons.push({ ...icon, url, status: r.status, png, size: png ? `${dv.getUint32(16)}x${dv.getUint32(20)}` : null });
    }
    return { href, m, icons };
  });
  assert.equal(got.href, `${base}manifest.webmanifest`);
  assert.equal(got.m.short_name, 'mibwatch');
  assert.equal(new URL(got.m.start_url, got.href).href, base);
  assert.equal(new URL(got.m.scope, got.href).href, base);
  assert.equal(got.m.display, 'standalone');
  assert.match(got.m.theme_color, /^#[0-9a-f]{6}$/);
  for (const icon of got.icons) {
    assert.equal(icon.status, 200, icon.url);
    if (icon.type === 'image/png') {
      assert.ok(icon.png, `${icon.url} is a PNG`);
      assert.equal(icon.size, icon.sizes, icon.url);
    }
  }
  for (const [size, purpose] of [['192x192', 'any'], ['512x512', 'any'], ['192x192', 'maskable'], ['512x512', 'maskable']]) {
    assert.ok(got.icons.some((i) => i.sizes === size && i.purpose === purpose && i.png), `${purpose} ${size} PNG icon`);
  }
  // Chromium's own verdict: nothing stops installing the app.
  await page.evaluate(async () => navigator.serviceWorker.ready);
  // (Playwright's browser contexts are incognito profiles, where nothing installs.)
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors.filter((e) => e.errorId !== 'in-incognito'), []);
  // Title, description, social preview text.
  assert.match(await page.title(), /^mibwatch — /);
  const meta = async (sel) => page.locator(sel).getAttribute('content');
  assert.ok((await meta('meta[name="description"]')).length > 50);
  assert.match(await meta('meta[name="theme-color"]'), /^#[0-9a-f]{6}$/);
  assert.equal(await meta('meta[property="og:type"]'), 'website');
  assert.match(await meta('meta[property="og:title"]'), /^mibwatch/);
  assert.ok((await meta('meta[property="og:description"]')).length > 50);
  assert.equal(await meta('meta[name="twitter:card"]'), 'summary');
  assert.match(await meta('meta[name="twitter:title"]'), /^mibwatch/);
  assert.ok((await meta('meta[name="twitter:description"]')).length > 50);
  assert.deepEqual(errors, []);
  await page.close();
});
