// Shared set-up for the browser tests: the built app served on loopback and
// Debian's Chromium driven by playwright-core.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './server.mjs';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');
export const artifacts = path.join(here, 'artifacts');

/** Chromium's flags here: no sandbox (root), no GPU, no traffic of its own. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function startApp() {
  // MIBWATCH_DIST lets a second build (another public URL, another branch of
  // work) be tested without overwriting dist/.
  const dist = path.resolve(repo, process.env.MIBWATCH_DIST ?? 'dist');
  if (!fs.existsSync(path.join(dist, 'index.html'))) {
    throw new Error(`${dist} has no build: run \`make build\` (or \`make test\`) first`);
  }
  // MIBWATCH_BASE serves it under a URL prefix, as GitHub Pages serves a
  // project page (`make build-subpath` builds dist-sub/ for /mibwatch/).
  const base = process.env.MIBWATCH_BASE ?? '/';
  if (!base.startsWith('/') || !base.endsWith('/')) throw new Error(`MIBWATCH_BASE must start and end with "/": ${base}`);
  const server = await serve(dist, base);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: chromiumArgs,
  });
  return {
    server,
    browser,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Open the app, on `task` (its id in the URL: score, retrain, sample,
 * model) when given; collect console errors, page errors and
 * Content-Security-Policy violations (reported by the page's
 * `securitypolicyviolation` event) into `errors`. `options` go to
 * `browser.newPage` (viewport, colorScheme, ...).
 */
export async function openPage(app, { width = 1280, height = 900, task, ...options } = {}) {
  const page = await app.browser.newPage({ viewport: { width, height }, ...options });
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await watchCsp(page, errors);
  await page.goto(app.server.url + (task ? `#${task}` : ''));
  await ready(page);
  return { page, errors };
}

/** Wait until the app has started: the sample task's verdict exists (shown or not). */
export async function ready(page) {
  await page.getByTestId('verdict').waitFor({ state: 'attached' });
}

/**
 * Go to a task as a user does: click its entry in the task list (or, for
 * the model view, the link in the model line), then wait for its panel.
 */
export async function showTask(page, task) {
  await page.locator(`a[data-task="${task}"]`).click();
  await page.locator(`[data-panel="${task}"]`).waitFor();
}

/** Whether the element is entirely inside the viewport as it stands (no scrolling). */
export function inViewport(locator) {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
  });
}

/** Record every CSP violation on `page` (and its reloads) into `errors`. */
export async function watchCsp(page, errors) {
  await page.exposeFunction('__mibwatchCsp', (v) => errors.push(`CSP violation: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__mibwatchCsp(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
}

const ALIASES = { 'tcp?activeopens': 'tcpActiveOpens', ifoutdiscards11: 'ifOutDiscards11' };
const GAUGES = new Set(['tcpCurrEstab']);

/**
 * Per-second rates between rows `i-1` and `i` (0-based data rows) of the public
 * SNMP-MIB file, computed here independently of the Rust code: Counter32 wrap
 * aware, 15 s between polls, gauges as polled. Returns { label, rates }.
 */
export function datasetRates(i) {
  const text = fs.readFileSync(path.join(repo, 'data/snmp-mib/all_data.csv'), 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0].split(',').map((h) => ALIASES[h.toLowerCase()] ?? h);
  const prev = lines[1 + i - 1].split(',');
  const cur = lines[1 + i].split(',');
  const label = cur[cur.length - 1];
  if (prev[prev.length - 1] !== label) throw new Error(`rows ${i - 1} and ${i} are in different sessions`);
  const rates = {};
  header.forEach((name, c) => {
    if (name === 'class') return;
    const a = Number(prev[c]);
    const b = Number(cur[c]);
    if (GAUGES.has(name)) {
      rates[name] = b;
    } else {
      const d = b >= a ? b - a : b + 2 ** 32 - a;
      if (d >= 2 ** 31) throw new Error(`row ${i}: counter reset in ${name}`);
      rates[name] = d / 15;
    }
  });
  return { label, rates };
}
