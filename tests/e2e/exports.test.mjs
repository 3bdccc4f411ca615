// Monitoring exports scored in the browser: every fixture of
// tests/fixtures/exports dropped on the batch box gives the same preview
// line, the same scored CSV (byte for byte) or the same refusal as
// `mibwatch score models/default.mwm FIXTURE` with the same options; a
// malformed export is refused with a message naming its format and line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync, execSync } from 'node:child_process';
import { startApp, openPage, repo } from './helpers.mjs';

const FIXTURES = path.join(repo, 'tests/fixtures/exports');
// The inputs (README.md names them); not the README, versions or expected tables.
const INPUTS = fs.readdirSync(FIXTURES)
  .filter((f) => !['README.md', 'versions.txt', 'expected'].includes(f))
  .sort();
const MODEL = path.join(repo, 'models/default.mwm');
const target = path.resolve(repo, process.env.CARGO_TARGET_DIR ?? 'target');
const BIN = path.join(target, 'release/mibwatch');

let app;
before(async () => {
  // Built now (a no-op when up to date): a stale binary would compare the
  // page with an older core.
  execSync('cargo build --release -q -p mibwatch-cli', { cwd: repo, stdio: 'inherit' });
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const tmp = (name) => path.join(os.tmpdir(), `mibwatch-exports-${process.pid}-${name}`);

/**
 * `mibwatch score MODEL NAME ARGS` run in the file's directory, so that its
 * messages name the file as the page does: { ok, csv, line, error }.
 */
function cli(dir, name, args = []) {
  const out = tmp(`cli-${name}.csv`);
  const r = spawnSync(BIN, ['score', MODEL, name, '--out', out, ...args], { cwd: dir, encoding: 'utf8' });
  const stderr = r.stderr.split('\n');
  const line = stderr[0].startsWith(`${name}: `) ? stderr[0].slice(name.length + 2) : null;
  if (r.status !== 0) {
    const error = stderr.find((l) => l.startsWith('error: '))?.slice('error: '.length);
    return { ok: false, line, error };
  }
  const csv = fs.readFileSync(out);
  fs.unlinkSync(out);
  return { ok: true, csv, line };
}

/** Drop a file (its exact bytes) on the batch box, as a browser does. */
async function drop(page, name, bytes) {
  await page.getByTestId('batch-file-drop').evaluate((el, [n, b64]) => {
    const bin = atob(b64);
    const data = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) data[i] = bin.charCodeAt(i);
    const dt = new DataTransfer();
    dt.items.add(new File([data], n));
    el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [name, Buffer.from(bytes).toString('base64')]);
  await page.getByText(new RegExp(`^File: ${name.replace(/\./g, '\\.')} \\(\\d+ rows\\)$`)).waitFor({ timeout: 20000 });
}

/** Score what is chosen: the scored CSV's bytes, or the error shown. */
async function score(page) {
  await page.getByTestId('batch-start').click();
  const result = page.getByTestId('batch-result');
  const error = page.getByTestId('batch-error');
  await result.or(error).waitFor({ timeout: 60000 });
  if (await error.count()) return { error: await error.innerText() };
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-download').click()]);
  const saved = tmp('download.csv');
  await download.saveAs(saved);
  const csv = fs.readFileSync(saved);
  fs.unlinkSync(saved);
  return { csv };
}

/** The fixtures the CLI refuses by default, and the options that score them. */
const scoredWith = new Map();

for (const name of INPUTS) {
  test(`${name}: the preview line and the scored CSV (or the refusal) are the CLI's`, async () => {
    const expected = cli(FIXTURES, name);
    assert.ok(expected.line, `the CLI says what it read of ${name}`);
    const { page, errors } = await openPage(app, { task: 'score' });
    await drop(page, name, fs.readFileSync(path.join(FIXTURES, name)));
    const understood = page.getByTestId('batch-understood');
    const shown = (await understood.innerText()).replace(/^Read as\s*/, '');
    assert.equal(shown, expected.line, 'the same one line as the CLI');
    const format = await understood.getAttribute('data-format');
    assert.ok(shown.startsWith(format + ' · '), `the line names the format: ${shown}`);
    const got = await score(page);
    if (expected.ok) {
      assert.ok(got.csv, `the page refused what the CLI scored: ${got.error}`);
      assert.ok(got.csv.equals(expected.csv), `${name}: the page's scored CSV differs from the CLI's`);
      // Host and interface pass through when the reader names them.
      const header = got.csv.toString('utf8').split('\n')[0].split(',');
      if (/ × /.test(shown)) assert.deepEqual(header.slice(0, 2), ['host', 'interface'], header.join(','));
    } else {
      assert.equal(got.error, expected.error, 'the same refusal as the CLI');
      scoredWith.set(name, true);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test('the refused fixtures score with missing inputs filled (and a poll interval where the file has no clock), as the CLI does', async () => {
  assert.ok(scoredWith.size > 0, 'some fixtures lack inputs of the default model');
  const { page, errors } = await openPage(app, { task: 'score' });
  for (const name of scoredWith.keys()) {
    const noClock = cli(FIXTURES, name, ['--fill', 'median']);
    // snmptable carries no clock: its polls were 10 s apart (README).
    const args = noClock.ok ? ['--fill', 'median'] : ['--fill', 'median', '--counters', '10'];
    const expected = noClock.ok ? noClock : cli(FIXTURES, name, args);
    assert.ok(expected.ok, `${name}: the CLI scores it with ${args.join(' ')}: ${expected.error}`);
    await page.getByTestId('batch-kind').selectOption('auto');
    await drop(page, name, fs.readFileSync(path.join(FIXTURES, name)));
    if (!noClock.ok) {
      await page.getByTestId('batch-needs-interval').waitFor({ timeout: 5000 });
      await page.getByTestId('batch-kind').selectOption('counters');
      await page.fill('[data-testid="batch-interval"]', '10');
    }
    await page.getByTestId('batch-fill').selectOption('median');
    const got = await score(page);
    assert.ok(got.csv, `${name}: ${got.error}`);
    assert.ok(got.csv.equals(expected.csv), `${name} (${args.join(' ')}): the page's scored CSV differs from the CLI's`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('the interface and counters-vs-rates overrides read as --interface and --rates do', async () => {
  const name = 'prometheus-query_range-raw.json';
  const bytes = fs.readFileSync(path.join(FIXTURES, name));
  const { page, errors } = await openPage(app, { task: 'score' });
  await drop(page, name, bytes);
  const choice = page.getByTestId('batch-interface');
  const names = await choice.locator('option').allInnerTexts();
  assert.ok(names.includes('lo') && names.includes('eth0'), names.join(', '));
  for (const [value, args] of [['every', ['--interface', 'every']], ['lo', ['--interface', 'lo']]]) {
    await choice.selectOption(value);
    const expected = cli(FIXTURES, name, args);
    assert.ok(expected.ok, expected.error);
    await page.getByTestId('batch-understood').filter({ hasText: expected.line }).waitFor({ timeout: 10000 });
    const got = await score(page);
    assert.ok(got.csv?.equals(expected.csv), `${args.join(' ')}: ${got.error ?? 'the page and the CLI differ'}`);
  }
  await choice.selectOption('busiest');
  await page.getByTestId('batch-kind').selectOption('rates');
  const expected = cli(FIXTURES, name, ['--rates']);
  assert.ok(expected.ok, expected.error);
  assert.match(expected.line, / · rates · /);
  await page.getByTestId('batch-understood').filter({ hasText: expected.line }).waitFor({ timeout: 10000 });
  const got = await score(page);
  assert.ok(got.csv?.equals(expected.csv), got.error ?? 'the page and the CLI differ with --rates');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a malformed export is refused with its format, line and field', async () => {
  const { page } = await openPage(app, { task: 'score' });
  const lines = fs.readFileSync(path.join(FIXTURES, 'telegraf-snmp.influx'), 'utf8').split('\n').slice(0, 5);
  lines[2] = lines[2].replace(/ifHCInOctets=\d+i/, 'ifHCInOctets=12x3i');
  await page.getByTestId('batch-file-drop').evaluate((el, text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'bad.influx'));
    el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, lines.join('\n') + '\n');
  const error = page.getByTestId('batch-error');
  await error.waitFor({ timeout: 10000 });
  assert.equal(await error.innerText(), 'bad.influx, line 3, field "ifHCInOctets" (Telegraf line protocol): "12x3i" is not a value');
  await page.close();
});

test('the export preview line, as a screenshot', async () => {
  const { page } = await openPage(app, { task: 'score', width: 1280, height: 800 });
  const name = 'telegraf-snmp.influx';
  await drop(page, name, fs.readFileSync(path.join(FIXTURES, name)));
  await page.getByTestId('batch-understood').scrollIntoViewIfNeeded();
  fs.mkdirSync(path.join(repo, 'docs/screenshots'), { recursive: true });
  await page.screenshot({ path: path.join(repo, 'docs/screenshots/export-preview.png') });
  assert.match(await page.getByTestId('batch-understood').innerText(), /^Read as\s*Telegraf line protocol · 2 hosts × 2 interfaces/);
  await page.close();
});
