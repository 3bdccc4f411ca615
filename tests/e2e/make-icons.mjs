// Renders the app icons (public/icon-*.png) from public/favicon.svg in
// Chromium: `node make-icons.mjs` in tests/e2e. The PNGs are committed; rerun
// only when the SVG changes. "maskable" icons keep the glyph inside the
// central safe zone (80% circle) on a full-bleed background.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { repo } from './helpers.mjs';

const svg = fs.readFileSync(path.join(repo, 'public/favicon.svg'), 'utf8');
const glyph = svg.match(/<path[^>]*\/>/)[0];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
for (const size of [192, 512]) {
  for (const maskable of [false, true]) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const body = maskable
      ? `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="${size}" height="${size}"><rect width="32" height="32" fill="#1f6feb"/><g transform="translate(16 16) scale(0.6) translate(-16 -16)">${glyph}</g></svg>`
      : svg.replace('<svg ', `<svg width="${size}" height="${size}" `);
    await page.setContent(`<style>html,body{margin:0;background:transparent}svg{display:block}</style>${body}`);
    const name = `icon-${maskable ? 'maskable-' : ''}${size}.png`;
    await page.locator('svg').screenshot({ path: path.join(repo, 'public', name), omitBackground: true });
    await page.close();
    console.log(name);
  }
}
await browser.close();
