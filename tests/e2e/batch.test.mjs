// Scoring whole files in the browser: the same output as the CLI for the
// same file and model, raw counters with a wrap, labelled files, downloads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, execSync } from 'node:child_process';
import { startApp, openPage, repo } from './helpers.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const DATA = path.join(repo, 'data/snmp-mib/all_data.csv');
const tmp = (name) => path.join(os.tmpdir(), `mibwatch-batch-${process.pid}-${name}`);

function cli(args) {
  const bin = path.join(path.resolve(repo, process.env.CARGO_TARGET_DIR ?? 'target'), 'debug/mibwatch');
  // Built now (a no-op when up to date): a stale binary would compare the
  // page with an older core.
  execSync('cargo build -q -p mibwatch-cli', { cwd: repo, stdio: 'inherit' });
  return execFileSync(bin, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

async function scoreInBrowser(page, file, kind, interval) {
  await page.getByTestId('batch-file').setInputFiles(file);
  await page.getByText(/^File: .* rows\)$/).waitFor({ timeout: 30000 });
  await page.getByTestId('batch-kind').selectOption(kind);
  if (interval) await page.fill('[data-testid="batch-interval"]', interval);
  await page.getByTestId('batch-start').click();
  await page.getByTestId('batch-result').waitFor({ timeout: 60000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-download').click()]);
  const saved = tmp('download.csv');
  await download.saveAs(saved);
  const text = fs.readFileSync(saved, 'utf8');
  fs.unlinkSync(saved);
  return text;
}

test('the public file without labels: same scored CSV as the CLI, class counts, timeline', async () => {
  const lines = fs.readFileSync(DATA, 'utf8').split(/\r?\n/).filter((l) => l);
  const unlabelled = tmp('unlabelled.csv');
  fs.writeFileSync(unlabelled, lines.map((l) => l.split(',').slice(0, 34).join(',')).join('\n') + '\n');
  const cliOut = tmp('cli.csv');
  cli(['score', 'models/default.mwm', unlabelled, '--counters', '15', '--out', cliOut]);
  const expected = fs.readFileSync(cliOut, 'utf8');
  fs.unlinkSync(cliOut);
  const { page, errors } = await openPage(app);
  const got = await scoreInBrowser(page, unlabelled, 'counters', '15');
  assert.equal(got, expected, 'browser and CLI outputs differ');
  // Columns and row count of the download.
  const rows = got.trim().split('\n');
  const header = rows[0].split(',');
  // The default model has a baseline of normal traffic: its four columns last.
  assert.equal(header.length, 34 + 3 + 8 + 4);
  assert.deepEqual(header.slice(-4), ['anomaly_score', 'alarm', 'alarm_event', 'deviating']);
  assert.deepEqual(header.slice(34, 38), ['predicted_class', 'p_anomalous', 'unfamiliar', 'p_normal']);
  const summary = await page.getByTestId('batch-summary').innerText();
  const n = Number(summary.match(/Scored (\d+) rows/)[1]);
  assert.equal(rows.length - 1, n);
  assert.match(summary, /\d+ rows\/s; reading the file took [\d.]+ s more\)\. Counters → rates: \d+ wraps handled, \d+ resets dropped\./);
  // The class counts shown are those of the download.
  const counts = {};
  for (const r of rows.slice(1)) { const c = r.split(',')[34]; counts[c] = (counts[c] ?? 0) + 1; }
  const shown = await page.getByTestId('batch-counts').locator('li').allInnerTexts();
  for (const li of shown) {
    const [c, k] = li.split(': ');
    assert.equal(Number(k), counts[c] ?? 0, li);
  }
  assert.ok(await page.getByTestId('batch-timeline').locator('polyline').count() === 1);
  assert.ok(await page.getByTestId('batch-timeline').locator('rect.tl-shade').count() > 100);
  // The unfamiliar-rows warning counts the download's flagged rows, and a
  // share that is not zero is not shown as 0.0%.
  const col = header.indexOf('unfamiliar');
  const flagged = rows.slice(1).filter((r) => r.split(',')[col] === 'true').length;
  const warning = page.getByTestId('batch-unfamiliar');
  if (flagged === 0) {
    assert.equal(await warning.count(), 0);
  } else {
    const m = (await warning.innerText()).match(/^(\d+) of (\d+) rows \(([^)]*)\)/);
    assert.ok(m, 'warning names the count and the share');
    assert.deepEqual([Number(m[1]), Number(m[2])], [flagged, n]);
    const share = flagged / n;
    if (m[3] === '< 0.1%') assert.ok(share < 0.001, m[3]);
    else if (m[3] === '> 99.9%') assert.ok(share > 0.999, m[3]);
    else assert.ok(Math.abs(parseFloat(m[3]) - share * 100) <= 0.05 && parseFloat(m[3]) > 0 && parseFloat(m[3]) < 100, m[3]);
  }
  // Filter the table by class.
  await page.getByTestId('batch-filter').selectOption('icmp-echo');
  const classesShown = await page.getByTestId('batch-rows').locator('tbody tr td:nth-child(2)').allInnerTexts();
  assert.ok(classesShown.length > 0 && classesShown.every((c) => c === 'icmp-echo'));
  fs.unlinkSync(unlabelled);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a counters file with a wrap gives the right per-second deltas', async () => {
  const header = fs.readFileSync(DATA, 'utf8').split(/\r?\n/)[0].split(',').slice(0, 34);
  const base = header.map(() => 100);
  const ifIn = header.indexOf('ifInOctets11');
  const rows = [0, 1, 2].map((k) => header.map((_, j) => (j === ifIn ? (4294967000 + 300 * k) % 4294967296 : base[j] + 15 * k)));
  const file = tmp('wrap.csv');
  fs.writeFileSync(file, header.join(',') + '\n' + rows.map((r) => r.join(',')).join('\n') + '\n');
  const { page } = await openPage(app);
  const got = await scoreInBrowser(page, file, 'counters', '15');
  const out = got.trim().split('\n').map((l) => l.split(','));
  assert.equal(out.length, 3, 'two intervals from three polls');
  const col = out[0].indexOf('ifInOctets11');
  assert.equal(Number(out[1][col]), 20); // 300 octets in 15 s, across the wrap
  assert.equal(Number(out[2][col]), 20);
  assert.equal(Number(out[1][out[0].indexOf('tcpInSegs')]), 1);
  assert.match(await page.getByTestId('batch-summary').innerText(), /1 wraps handled/);
  fs.unlinkSync(file);
  await page.close();
});

test('a labelled file shows accuracy and the confusion matrix; missing inputs are listed and filled', async () => {
  const { page } = await openPage(app);
  await page.getByTestId('batch-file').setInputFiles(DATA);
  await page.getByText(/^File: all_data\.csv/).waitFor();
  await page.getByTestId('batch-kind').selectOption('counters');
  await page.getByTestId('batch-start').click();
  await page.getByTestId('batch-result').waitFor({ timeout: 60000 });
  assert.match(await page.getByTestId('batch-accuracy').innerText(), /Against the file's labels: accuracy [\d.]+%/);
  assert.equal(await page.getByTestId('batch-result').locator('[data-testid="confusion"] text.cm-count').count(), 64);
  // A file with only two of the inputs: the 14 others the model reads are
  // listed (inputs it does not read may be absent), refused, then filled.
  const few = tmp('few.csv');
  fs.writeFileSync(few, 'ifInOctets11,ifOutOctets11\n1000,2000\n1500,2500\n');
  await page.getByTestId('batch-file').setInputFiles(few);
  await page.getByText(/^File: .*few\.csv \(2 rows\)$/).waitFor();
  await page.getByTestId('batch-kind').selectOption('rates');
  assert.match(await page.getByTestId('batch-missing').innerText(), /lacks 14 input\(s\)/);
  await page.getByTestId('batch-start').click();
  await page.getByTestId('batch-error').filter({ hasText: 'the model needs 14 column(s)' }).waitFor({ timeout: 20000 });
  await page.getByTestId('batch-fill').selectOption('median');
  await page.getByTestId('batch-start').click();
  await page.getByTestId('batch-result').waitFor({ timeout: 20000 });
  assert.match(await page.getByTestId('batch-summary').innerText(), /Scored 2 rows/);
  fs.unlinkSync(few);
  await page.close();
});

test('a file dropped on the box: its text column passes through to the download', async () => {
  const header = fs.readFileSync(DATA, 'utf8').split(/\r?\n/)[0].split(',').slice(0, 34);
  const text = 'host,' + header.join(',') + '\n"router-a, core",' + header.map(() => 5).join(',') + '\nrouter-b,' + header.map(() => 7).join(',') + '\n';
  const { page } = await openPage(app);
  await page.evaluate((t) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], 'export.csv', { type: 'text/csv' }));
    const box = document.querySelector('[data-testid="batch-file-drop"]');
    box.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    box.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, text);
  await page.getByText('File: export.csv (2 rows)').waitFor({ timeout: 5000 });
  // Whole numbers that never go down read as counters: these are rates.
  await page.getByTestId('batch-kind').selectOption('rates');
  await page.getByTestId('batch-start').click();
  await page.getByTestId('batch-result').waitFor({ timeout: 20000 });
  assert.match(await page.getByTestId('batch-summary').innerText(), /^Scored 2 rows/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-download').click()]);
  const saved = tmp('export-scored.csv');
  await download.saveAs(saved);
  const rows = fs.readFileSync(saved, 'utf8').trim().split('\n');
  fs.unlinkSync(saved);
  assert.ok(rows[0].startsWith('host,ifInOctets11,'), rows[0]);
  assert.ok(rows[1].startsWith('"router-a, core",5,'), rows[1]);
  assert.ok(rows[2].startsWith('router-b,7,'), rows[2]);
  await page.close();
});

test('missing inputs filled with a value the user chooses', async () => {
  const few = tmp('few-value.csv');
  fs.writeFileSync(few, 'ifInOctets11,ifOutOctets11\n1000,2000\n');
  const { page } = await openPage(app);
  await page.getByTestId('batch-file').setInputFiles(few);
  await page.getByText(/^File: .*few-value\.csv \(1 rows\)$/).waitFor();
  await page.getByTestId('batch-kind').selectOption('rates');
  await page.getByTestId('batch-fill').selectOption('value');
  await page.fill('[data-testid="batch-fill-value"]', 'lots');
  await page.getByTestId('batch-start').click();
  await page.getByTestId('batch-error').filter({ hasText: 'Fill value: enter a number' }).waitFor({ timeout: 5000 });
  await page.fill('[data-testid="batch-fill-value"]', '12.5');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    (async () => {
      await page.getByTestId('batch-start').click();
      await page.getByTestId('batch-result').waitFor({ timeout: 20000 });
      await page.getByTestId('batch-download').click();
    })(),
  ]);
  const saved = tmp('few-value-scored.csv');
  await download.saveAs(saved);
  const [head, row] = fs.readFileSync(saved, 'utf8').trim().split('\n').map((l) => l.split(','));
  fs.unlinkSync(saved);
  fs.unlinkSync(few);
  assert.equal(row[head.indexOf('ifInOctets11')], '1000');
  assert.equal(row[head.indexOf('tcpInSegs')], '12.5');
  assert.equal(row[head.indexOf('icmpOutEchoReps')], '12.5');
  await page.close();
});

// The bar: a million rows of 34 inputs score in a few seconds in the
// browser. The page reports its own rows/s; the figure is kept for the README.
test('a million rows score in the browser', { timeout: 300000 }, async () => {
  const lines = fs.readFileSync(DATA, 'utf8').split(/\r?\n/).filter((l) => l);
  const body = lines.slice(1).map((l) => l.split(',').slice(0, 34).join(','));
  const file = tmp('million.csv');
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, lines[0].split(',').slice(0, 34).join(',') + '\n');
  const N = 1_000_000;
  for (let i = 0; i < N; i += body.length) {
    fs.writeSync(fd, body.slice(0, Math.min(body.length, N - i)).join('\n') + '\n');
  }
  fs.closeSync(fd);
  const { page, errors } = await openPage(app);
  await page.getByTestId('batch-file').setInputFiles(file);
  await page.getByText(/^File: .* \(1000000 rows\)$/).waitFor({ timeout: 120000 });
  await page.getByTestId('batch-kind').selectOption('rates');
  await page.getByTestId('batch-start').click();
  await page.getByTestId('batch-result').waitFor({ timeout: 240000 });
  const summary = await page.getByTestId('batch-summary').innerText();
  const m = summary.match(/^Scored 1000000 rows in ([\d.]+) s \((\d+) rows\/s; reading the file took ([\d.]+) s more\)/);
  assert.ok(m, summary);
  const [score, rate, read] = [Number(m[1]), Number(m[2]), Number(m[3])];
  fs.mkdirSync(path.join(repo, 'tests/e2e/artifacts'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'tests/e2e/artifacts/million.json'), JSON.stringify({ score_s: score, rows_per_s: rate, read_s: read }) + '\n');
  console.log(`1,000,000 rows: scored in ${score} s (${rate} rows/s), read in ${read} s`);
  assert.ok(score < 10, `scoring took ${score} s`);
  fs.unlinkSync(file);
  assert.deepEqual(errors, []);
  await page.close();
});

test('formulas in cells are escaped in the scored download', async () => {
  const header = fs.readFileSync(DATA, 'utf8').split(/\r?\n/)[0].split(',').slice(0, 34);
  const text = header.join(',') + ',class\n' +
    header.map(() => 5).join(',') + ',"=cmd|\' /C calc\'!A0"\n' +
    header.map(() => 7).join(',') + ',@SUM(1+1)\n';
  const file = tmp('formula.csv');
  fs.writeFileSync(file, text);
  const { page } = await openPage(app);
  const got = await scoreInBrowser(page, file, 'rates');
  const rows = got.trim().split('\n');
  assert.equal(rows.length, 3);
  assert.ok(rows[1].includes(",'=cmd|' /C calc'!A0,"), rows[1]);
  assert.ok(rows[2].includes(",'@SUM(1+1),"), rows[2]);
  assert.ok(!/,[=@]/.test(rows.slice(1).join('\n')), 'no cell starts with = or @');
  fs.unlinkSync(file);
  await page.close();
});
