// The README's first command, as a newcomer runs it: `make serve` (on a free
// port) builds the page and serves it; the page loads in Chromium, shows a
// verdict with no console error or CSP violation, and the server stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { chromium } from 'playwright-core';
import { repo, watchCsp, chromiumArgs } from './helpers.mjs';

function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitForPage(url, child, log, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`make serve exited with ${child.exitCode}:\n${log.join('')}`);
    try {
      const r = await fetch(url);
      if (r.ok && (await r.text()).includes('boot-')) return;
    } catch {
      // not listening yet
    }
    await new Promise((ok) => setTimeout(ok, 500));
  }
  throw new Error(`make serve did not serve ${url} within ${ms / 1000} s:\n${log.join('')}`);
}

test('make serve serves the page, which shows a verdict', { timeout: 30 * 60_000 }, async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  // Its own process group, so that stopping it stops trunk too.
  const child = spawn('make', ['serve', `SERVE_PORT=${port}`], {
    cwd: repo,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MAKEFLAGS: '', MAKELEVEL: '' },
  });
  const log = [];
  child.stdout.on('data', (d) => log.push(String(d)));
  child.stderr.on('data', (d) => log.push(String(d)));
  let browser;
  try {
    await waitForPage(url, child, log, 25 * 60_000);
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: chromiumArgs });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await watchCsp(page, errors);
    await page.goto(url);
    // The page opens on its first task; the verdict is the sample task's.
    await page.locator('a[data-task="sample"]').click({ timeout: 60_000 });
    await page.getByTestId('verdict').waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('verdict').innerText(), /Normal|Anomalous/);
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    if (child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    await new Promise((ok) => (child.exitCode !== null ? ok() : child.on('exit', ok)));
  }
  // Stopped: nothing listens on the port any more.
  await assert.rejects(fetch(url));
});
