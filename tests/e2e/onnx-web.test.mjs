// A mibwatch model exported to ONNX (`mibwatch export`) scored by
// onnxruntime-web's wasm backend in headless Chromium, on a tiny page this
// test serves itself (not the app): its probabilities must be within 1e-6 of
// mibwatch's own (`mibwatch score`) on every row of the public file, and its
// most likely class the same. The input rows are mibwatch's feature rows
// (`mibwatch score --features-out`), the ONNX model's documented input; for
// `mibwatch export --with-features`, the rates `mibwatch score` computed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { chromiumArgs, here, repo, artifacts } from './helpers.mjs';

const ORT_DIST = path.join(here, 'node_modules/onnxruntime-web/dist');
const ORT_VERSION = JSON.parse(fs.readFileSync(path.join(here, 'node_modules/onnxruntime-web/package.json'), 'utf8')).version;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mibwatch-onnx-web-'));

/** The CLI, built now (a no-op when up to date) so it has --features-out; its stderr. */
function cli(args) {
  execFileSync('cargo', ['build', '-q', '-p', 'mibwatch-cli'], { cwd: repo, stdio: 'inherit' });
  const target = process.env.CARGO_TARGET_DIR ? path.resolve(repo, process.env.CARGO_TARGET_DIR) : path.join(repo, 'target');
  const run = spawnSync(path.join(target, 'debug/mibwatch'), args, { cwd: repo, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`mibwatch ${args.join(' ')}: ${run.stderr}`);
  return run.stderr;
}

/** A CSV of numbers and names (no quoting: mibwatch writes none here). */
function readCsv(file) {
  const [head, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n');
  return { header: head.split(','), rows: rows.map((r) => r.split(',')) };
}

const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>onnxruntime-web</title>
<script type="module">
import * as ort from '/ort/ort.wasm.min.mjs';
ort.env.wasm.wasmPaths = '/ort/';
ort.env.wasm.numThreads = 1;
window.score = async (features, n, width) => {
  const bytes = new Uint8Array(await (await fetch('/model.onnx')).arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const input = new ort.Tensor('float64', Float64Array.from(features), [n, width]);
  const out = await session.run({ [session.inputNames[0]]: input });
  return {
    version: ort.env.versions.web,
    inputs: session.inputNames,
    outputs: session.outputNames,
    probabilities: Array.from(out.probabilities.data),
    dims: out.probabilities.dims,
    labels: Array.from(out.label.data),
  };
};
window.ready = true;
</script>`;

const TYPES = { '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

/** The page, onnxruntime-web's dist files under /ort/, the file `served` at /model.onnx. */
let served;
async function servePage() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1').pathname;
    let body;
    let type = 'application/octet-stream';
    if (url === '/') {
      body = PAGE;
      type = 'text/html; charset=utf-8';
    } else if (url === '/model.onnx') {
      body = fs.readFileSync(served);
    } else if (/^\/ort\/[\w.-]+\.(mjs|wasm)$/.test(url) && fs.existsSync(path.join(ORT_DIST, url.slice(5)))) {
      body = fs.readFileSync(path.join(ORT_DIST, url.slice(5)));
      type = TYPES[path.extname(url)];
    }
    if (body === undefined) return res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((ok) => server.close(ok)) };
}

let server;
let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: chromiumArgs });
});
after(async () => {
  await browser?.close();
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The public file scored by `mibwatch score` (rates, probabilities) and its feature rows. */
function scoredPublicFile() {
  const scored = path.join(tmp, 'scored.csv');
  const feats = path.join(tmp, 'features.csv');
  if (!fs.existsSync(feats)) {
    cli(['score', 'models/default.mwm', 'data/snmp-mib/all_data.csv', '--counters', '15', '--out', scored, '--features-out', feats]);
  }
  return { s: readCsv(scored), f: readCsv(feats) };
}

/**
 * Score `rows` (n × width numbers) with the ONNX file `model` in the page and
 * compare with mibwatch's probabilities and classes in `s`; the figures.
 */
async function compareInPage(model, rows, n, width, s) {
  const classes = s.header.filter((h) => h.startsWith('p_') && h !== 'p_anomalous').map((h) => h.slice(2));
  const pCols = classes.map((c) => s.header.indexOf(`p_${c}`));
  const predCol = s.header.indexOf('predicted_class');
  server ??= await servePage();
  served = model;
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(server.url);
  await page.waitForFunction(() => window.ready === true);
  const started = Date.now();
  const got = await page.evaluate(([x, r, w]) => window.score(x, r, w), [rows, n, width]);
  const ms = Date.now() - started;
  await page.close();
  assert.deepEqual(errors, []);
  assert.equal(got.version, ORT_VERSION);
  assert.deepEqual(got.dims, [n, classes.length]);
  let maxDiff = 0;
  let worst = -1;
  for (let r = 0; r < n; r++) {
    const want = pCols.map((c) => Number(s.rows[r][c]));
    const p = got.probabilities.slice(r * classes.length, (r + 1) * classes.length);
    want.forEach((w, k) => {
      const d = Math.abs(w - p[k]);
      if (d > maxDiff) [maxDiff, worst] = [d, r];
    });
    // Most likely class: the first largest, as mibwatch's argmax.
    const best = p.indexOf(Math.max(...p));
    assert.equal(classes[best], s.rows[r][predCol], `row ${r + 2}: ${p} vs ${want}`);
    assert.equal(got.labels[r], s.rows[r][predCol], `row ${r + 2}: ONNX label`);
  }
  return { onnxruntime_web: got.version, backend: 'wasm, 1 thread', input: got.inputs[0], rows: n, columns: width, classes: classes.length, max_abs_dp: maxDiff, worst_scored_csv_line: worst + 2, same_class_rows: n, ms, bytes: fs.statSync(model).size };
}

/** This run's figures, written to artifacts/onnx-web.json after each test. */
const recorded = {};
function record(name, figures, t) {
  recorded[name] = figures;
  fs.mkdirSync(artifacts, { recursive: true });
  fs.writeFileSync(path.join(artifacts, 'onnx-web.json'), JSON.stringify(recorded, null, 2) + '\n');
  t.diagnostic(JSON.stringify(figures));
}

test('onnxruntime-web scores a mibwatch export as mibwatch does (every row of the public file)', async (t) => {
  const model = path.join(tmp, 'default.onnx');
  cli(['export', 'models/default.mwm', '--out', model]);
  const { s, f } = scoredPublicFile();
  assert.equal(f.rows.length, s.rows.length, 'one feature row per scored row');
  assert.equal(f.header.length, 24, 'the default model reads 24 features');
  assert.ok(s.rows.length > 4900, `${s.rows.length} rows`);
  const figures = await compareInPage(model, f.rows.flat().map(Number), s.rows.length, f.header.length, s);
  assert.equal(figures.input, 'features');
  record('export', figures, t);
  assert.ok(figures.max_abs_dp <= 1e-6, `max |Δp| ${figures.max_abs_dp} at line ${figures.worst_scored_csv_line}`);
});

test('onnxruntime-web runs an export with its features inside (--with-features) on the rates', async (t) => {
  const model = path.join(tmp, 'default-with-features.onnx');
  const said = cli(['export', 'models/default.mwm', '--with-features', '--out', model]);
  const inputs = said.match(/; inputs: (.*)$/m)[1].split(', ');
  assert.equal(inputs.length, 34);
  const { s } = scoredPublicFile();
  // The scored file's columns hold the rates mibwatch computed from the counters.
  const cols = inputs.map((c) => s.header.indexOf(c));
  assert.ok(cols.every((c) => c >= 0), `${inputs} vs ${s.header}`);
  const rows = s.rows.flatMap((r) => cols.map((c) => Number(r[c])));
  const figures = await compareInPage(model, rows, s.rows.length, inputs.length, s);
  assert.equal(figures.input, 'rates');
  record('export --with-features', figures, t);
  assert.ok(figures.max_abs_dp <= 1e-6, `max |Δp| ${figures.max_abs_dp} at line ${figures.worst_scored_csv_line}`);
});
