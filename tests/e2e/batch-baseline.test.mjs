// Scoring a file with a model that has a baseline of normal traffic: the
// anomaly score over time with the alarm events shaded, the top reasons
// (deviating inputs) and the verdicts against the file's labels, false
// alarms beside detection; the figures are the CLI's for the same file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync, execSync } from 'node:child_process';
import { startApp, openPage, repo } from './helpers.mjs';

const LAB = path.join(repo, 'data/lab/lab.csv');
const target = path.resolve(repo, process.env.CARGO_TARGET_DIR ?? 'target');
const BIN = path.join(target, 'release/mibwatch');

let app;
before(async () => {
  execSync('cargo build --release -q -p mibwatch-cli', { cwd: repo, stdio: 'inherit' });
  app = await startApp();
});
after(async () => {
  await app?.close();
});

test('lab.csv with the default model: score timeline with shaded events, top reasons, verdicts beside false alarms', async () => {
  const out = path.join(os.tmpdir(), `mibwatch-baseline-${process.pid}.csv`);
  const r = spawnSync(BIN, ['score', 'models/default.mwm', 'data/lab/lab.csv', '--out', out], { cwd: repo, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const expected = fs.readFileSync(out);
  fs.unlinkSync(out);
  const events = Number(r.stderr.match(/(\d+) alarm events/)[1]);
  const anomalous = Number(r.stderr.match(/baseline of normal traffic: (\d+) anomalous rows/)[1]);
  const [, detection, falseAlarms] = r.stderr.match(/detection ([\d.]+%)\s+false alarms ([\d.]+%)/);

  const { page, errors } = await openPage(app, { task: 'score', width: 1280, height: 800 });
  await page.getByTestId('batch-file').setInputFiles(LAB);
  await page.getByTestId('batch-understood').waitFor({ timeout: 20000 });
  assert.match(await page.getByTestId('batch-understood').innerText(), /^Read as\s*CSV · 1 host · counters · 1 s polls/);
  await page.getByTestId('batch-start').click();
  await page.getByTestId('batch-result').waitFor({ timeout: 60000 });
  // The download is the CLI's, byte for byte.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-download').click()]);
  const saved = path.join(os.tmpdir(), `mibwatch-baseline-page-${process.pid}.csv`);
  await download.saveAs(saved);
  assert.ok(fs.readFileSync(saved).equals(expected), 'the page and the CLI differ');
  fs.unlinkSync(saved);

  const box = page.getByTestId('batch-baseline');
  const head = await page.getByTestId('batch-baseline-summary').innerText();
  assert.match(head, new RegExp(`^The baseline of normal traffic: ${anomalous} of \\d+ polls outside the normal bands \\([^)]+\\), ${events} alarm events\\.$`));
  // Every event shaded on the score timeline, and a line of the scores.
  const timeline = page.getByTestId('batch-score-timeline');
  assert.equal(await timeline.locator('rect.tl-event').count(), events);
  assert.equal(await timeline.locator('polyline.tl-score').count(), 1);
  const widths = await timeline.locator('rect.tl-event').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('width'))));
  assert.ok(widths.every((w) => w > 0));
  // The alarm events in the download: runs of alarm_event=true, per session.
  const rows = expected.toString('utf8').trim().split('\n').map((l) => l.split(','));
  const col = rows[0].indexOf('alarm_event');
  const ses = rows[0].indexOf('session');
  let runs = 0;
  for (let i = 1; i < rows.length; i++) {
    const on = rows[i][col] === 'true';
    const continues = i > 1 && rows[i - 1][col] === 'true' && rows[i - 1][ses] === rows[i][ses];
    if (on && !continues) runs += 1;
  }
  assert.equal(runs, events, 'the events shaded are those of the download');
  // Top reasons: inputs, with how often and the worst deviation in words.
  const reasons = await page.getByTestId('batch-top-reasons').locator('li').allInnerTexts();
  assert.ok(reasons.length >= 1 && reasons.length <= 5, reasons.join(' | '));
  for (const t of reasons) assert.match(t, /^\S+ (above|below) in \d+ alarm polls; the most: \S+ .* \(row \d+\)\.$/);
  // Verdicts: false alarms first, detection beside them, as the CLI says.
  const verdicts = await page.getByTestId('batch-verdicts').innerText();
  assert.match(verdicts, new RegExp(`^Against the file's labels: false alarms ${falseAlarms.replace('.', '\\.')} of \\d+ normal polls · detection ${detection.replace('.', '\\.')} of \\d+ others`));
  // The events table lists each event's rows and label.
  await box.locator('details.events summary').click();
  const first = await page.getByTestId('batch-events').locator('tbody tr').first().locator('td').allInnerTexts();
  assert.match(first[0], /^\d+–\d+$/);
  assert.ok(first[3].length > 0, 'the label of the event');
  await box.locator('details.events summary').click();
  await box.scrollIntoViewIfNeeded();
  fs.mkdirSync(path.join(repo, 'docs/screenshots'), { recursive: true });
  await page.screenshot({ path: path.join(repo, 'docs/screenshots/batch-baseline.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('two workers give the same scored CSV as one (events across the share border included)', async () => {
  const { page, errors } = await openPage(app, { task: 'score' });
  await page.getByTestId('batch-file').setInputFiles(LAB);
  await page.getByTestId('batch-understood').waitFor({ timeout: 20000 });
  const results = [];
  for (const w of ['1', '2', '3']) {
    await page.fill('[data-testid="batch-workers"]', w);
    await page.getByTestId('batch-start').click();
    await page.getByTestId('batch-result').waitFor({ timeout: 60000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-download').click()]);
    const saved = path.join(os.tmpdir(), `mibwatch-workers-${process.pid}-${w}.csv`);
    await download.saveAs(saved);
    results.push({ w, csv: fs.readFileSync(saved), head: await page.getByTestId('batch-baseline-summary').innerText() });
    fs.unlinkSync(saved);
    // The next run starts from a clean result.
    await page.getByTestId('batch-file').setInputFiles(LAB);
    await page.getByTestId('batch-result').waitFor({ state: 'detached', timeout: 20000 });
  }
  const r = spawnSync(BIN, ['score', 'models/default.mwm', 'data/lab/lab.csv'], { cwd: repo, maxBuffer: 1 << 26 });
  assert.equal(r.status, 0);
  for (const { w, csv, head } of results) {
    assert.ok(csv.equals(r.stdout), `${w} worker(s): the scored CSV differs from the CLI's`);
    assert.equal(head, results[0].head, `${w} worker(s): the same events`);
  }
  await page.fill('[data-testid="batch-workers"]', '0');
  await page.getByTestId('batch-start').click();
  await page.getByTestId('batch-error').filter({ hasText: 'Workers: enter a whole number from 1 to 32.' }).waitFor({ timeout: 5000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a session column under another name, chosen on the page, gives the CLI --session-column output', async () => {
  // lab.csv with its "session" column renamed "run" (read as is, nothing
  // names it a session column) and one session cut in two in the middle of
  // the file, where the timestamps run on: only the chosen column says so.
  const text = fs.readFileSync(LAB, 'utf8');
  const [header, ...rest] = text.trimEnd().split('\n');
  const cols = header.split(',');
  const at = cols.indexOf('session');
  assert.ok(at >= 0, 'lab.csv has a session column');
  cols[at] = 'run';
  // Inside a session: the lab's sessions are 62 polls long, and half the
  // file falls on a session border.
  const mid = (rest.length >> 1) + 31;
  const rows = rest.map((line, i) => {
    const cells = line.split(',');
    if (i >= mid) cells[at] = String(Number(cells[at]) + 1000);
    return cells.join(',');
  });
  const file = path.join(os.tmpdir(), `mibwatch-run-${process.pid}.csv`);
  fs.writeFileSync(file, [cols.join(','), ...rows].join('\n') + '\n');
  const out = path.join(os.tmpdir(), `mibwatch-run-cli-${process.pid}.csv`);
  const cli = (extra) => {
    const r = spawnSync(BIN, ['score', 'models/default.mwm', file, '--out', out, ...extra], { cwd: repo, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const bytes = fs.readFileSync(out);
    fs.unlinkSync(out);
    return bytes;
  };
  const withRun = cli(['--session-column', 'run']);
  const asRead = cli([]);
  assert.ok(!withRun.equals(asRead), 'the session column changes the scored file');

  const { page, errors } = await openPage(app, { task: 'score', width: 1280, height: 800 });
  await page.getByTestId('batch-file').setInputFiles(file);
  await page.getByTestId('batch-understood').waitFor({ timeout: 20000 });
  await page.getByTestId('batch-more').click();
  await page.getByTestId('batch-session').selectOption('run');
  assert.equal(await page.getByTestId('batch-more').innerText(), 'Capture sessions: column run');
  await page.getByTestId('batch-start').click();
  await page.getByTestId('batch-result').waitFor({ timeout: 60000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-download').click()]);
  const saved = path.join(os.tmpdir(), `mibwatch-run-page-${process.pid}.csv`);
  await download.saveAs(saved);
  assert.ok(fs.readFileSync(saved).equals(withRun), 'the page and mibwatch score --session-column run differ');
  fs.unlinkSync(saved);
  fs.unlinkSync(file);
  assert.deepEqual(errors, []);
  await page.close();
});
