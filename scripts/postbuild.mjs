#!/usr/bin/env node
// Trunk post_build hook (see Trunk.toml): runs on the staging directory after
// trunk has written index.html and every asset, before it becomes dist/.
//
// 1. Moves trunk's inline <script type="module"> bootstrap into a file named
//    by its content hash (boot-<hash>.js), so the page's Content-Security-Policy
//    can say `script-src 'self'` with no inline-script exception.
// 2. Writes the service worker's precache list and cache version into sw.js
//    (copied from public/): every file of the build, and a hash over all of
//    them, so each new build installs a new cache and drops the old one.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const stage = process.env.TRUNK_STAGING_DIR;
if (!stage) {
  console.error('postbuild: TRUNK_STAGING_DIR is not set (run by trunk as a post_build hook)');
  process.exit(1);
}
const publicUrl = process.env.TRUNK_PUBLIC_URL ?? './';
const sha = (data, alg = 'sha256') => crypto.createHash(alg).update(data).digest();

// --- 1. the bootstrap script --------------------------------------------------
const indexPath = path.join(stage, 'index.html');
let html = fs.readFileSync(indexPath, 'utf8');
const inline = [...html.matchAll(/<script type="module">([\s\S]*?)<\/script>/g)];
if (inline.length !== 1) {
  console.error(`postbuild: expected one inline module script in index.html, found ${inline.length}`);
  process.exit(1);
}
const [tag, code] = inline[0];
const body = code.trim() + '\n';
const bootName = `boot-${sha(body).toString('hex').slice(0, 16)}.js`;
fs.writeFileSync(path.join(stage, bootName), body);
const integrity = 'sha384-' + sha(body, 'sha384').toString('base64');
html = html.replace(tag, `<script type="module" src="${publicUrl}${bootName}" integrity="${integrity}"></script>`);
if (/<script(?![^>]*\bsrc=)[^>]*>/.test(html)) {
  console.error('postbuild: index.html still has an inline script; the CSP would block it');
  process.exit(1);
}
fs.writeFileSync(indexPath, html);

// --- 2. the service worker's precache list --------------------------------------
const files = [];
(function walk(dir, rel) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) walk(path.join(dir, e.name), r);
    else if (r !== 'sw.js') files.push(r);
  }
})(stage, '');
files.sort();
const all = crypto.createHash('sha256');
for (const f of files) all.update(f).update('\0').update(fs.readFileSync(path.join(stage, f)));
const version = all.digest('hex').slice(0, 16);
const swPath = path.join(stage, 'sw.js');
let sw = fs.readFileSync(swPath, 'utf8');
const precache = ['./', ...files.filter((f) => f !== 'index.html').map((f) => `./${f}`)];
for (const [placeholder, value] of [
  ['"__PRECACHE__"', JSON.stringify(precache)],
  ['"__VERSION__"', JSON.stringify(version)],
]) {
  if (!sw.includes(placeholder)) {
    console.error(`postbuild: sw.js has no ${placeholder} placeholder`);
    process.exit(1);
  }
  sw = sw.replace(placeholder, value);
}
fs.writeFileSync(swPath, sw);
const bytes = files.reduce((n, f) => n + fs.statSync(path.join(stage, f)).size, 0);
console.log(`postbuild: ${bootName}; service worker cache ${version}: ${precache.length} URLs, ${bytes} bytes`);
