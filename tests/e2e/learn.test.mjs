// Learn your normal: an export of ordinary traffic (the traffic lab's long
// normal capture) dropped on the task's box is fitted in the worker; the
// page shows the rows and sessions used, the false-alarm rate on held-out
// normal polls and each input's band; the model is put in use, scores the
// lab's attack campaign (alarms with reasons naming counters, normal polls
// mostly quiet), downloads as a model file the page reads back, and Revert
// brings the previous model back. Cancel keeps the active model.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, openPage, showTask, repo, artifacts } from './helpers.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const NORMAL = path.join(repo, 'data/lab/normal-long.csv');
const LAB = path.join(repo, 'data/lab/lab.csv');

/** Drop `text` as a file named `name` on the box `testid` (a real DataTransfer). */
async function drop(page, testid, name, text) {
  await page.getByTestId(testid).evaluate((el, [name, text]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], name, { type: 'text/csv' }));
    el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [name, text]);
}

/** Rows of a CSV text (quoted cells may hold commas and doubled quotes). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\n') { row.push(cell.replace(/\r$/, '')); rows.push(row); row = []; cell = ''; }
    else cell += ch;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

test('learn normal from the lab, use it on the campaign, download it, revert', async () => {
  const { page, errors } = await openPage(app, { task: 'learn' });
  const before = await page.getByTestId('model-source').innerText();
  await drop(page, 'learn-file-drop', 'normal-long.csv', fs.readFileSync(NORMAL, 'utf8'));
  await page.getByTestId('learn-file-kind').waitFor({ timeout: 10000 });
  assert.match(await page.getByTestId('learn-file-kind').innerText(), /^normal-long\.csv: 2101 rows × 37 columns\.$/);
  // The clock and the sessions are guessed as in retraining.
  assert.equal(await page.getByTestId('learn-time').inputValue(), 'timestamp');
  assert.equal(await page.getByTestId('learn-session').inputValue(), 'session');
  // The default model has a forest over the file's inputs: beside it by default.
  assert.ok(await page.getByTestId('learn-beside').isChecked());
  await page.getByTestId('learn-alone').check();
  // A target outside its range is refused before anything runs.
  await page.fill('[data-testid="learn-target"]', '50');
  await page.getByTestId('learn-start').click();
  assert.match(await page.getByTestId('learn-error').innerText(), /False-alarm target \(%\): enter a number from 0\.1 to 20\./);
  await page.fill('[data-testid="learn-target"]', '1');
  await page.getByTestId('learn-start').click();
  await page.getByTestId('learn-result').waitFor({ timeout: 60000 });

  // Rows and sessions used, and the held-out false-alarm rate against its target.
  const summary = await page.getByTestId('learn-summary').innerText();
  const [, rows, inputs] = summary.match(/from (\d+) rows in one capture session, over (\d+) inputs; the baseline sits on its own/).map(Number);
  assert.ok(rows > 2000 && rows <= 2100, summary);
  assert.equal(inputs, 34);
  const fa = await page.getByTestId('learn-false-alarms').innerText();
  const [, heldout, target] = fa.match(/False alarms on held-out normal polls: ([\d.]+)% \(target ([\d.]+)%\)/).map(Number);
  assert.equal(target, 1);
  assert.ok(heldout <= 1, fa);
  assert.match(fa, /normal rows held out from the fit, contiguous blocks of time held out \(\d+ folds of one session\)/);
  // The band chart: one row per input, named, with its band and centre; a table alternative.
  const chart = page.getByTestId('learn-band-chart');
  assert.match(await chart.getAttribute('aria-label'), /Normal band of each of 34 inputs on a log axis/);
  assert.equal(await chart.locator('g.band-row').count(), 34);
  assert.equal(await chart.locator('rect.band-range').count(), 34);
  assert.equal(await chart.locator('line.band-centre').count(), 34);
  assert.match(await chart.locator('g.band-row title').first().textContent(), /^ifInOctets11: normal .+, centre .+/);
  const table = page.getByTestId('learn-band-table');
  assert.equal(await table.locator('tbody tr').count(), 34);
  assert.deepEqual(await table.locator('thead th').allTextContents(), ['Input', 'Normal band', 'Centre']);

  // Download: a model file (the format's magic), which the page reads back.
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('learn-download').click()]);
  const saved = path.join(os.tmpdir(), `mibwatch-learn-${process.pid}.mwm`);
  await file.saveAs(saved);
  const bytes = fs.readFileSync(saved);
  assert.equal(bytes.subarray(0, 8).toString('latin1'), 'MIBWATCH');

  // Use it: the model line names it.
  await page.getByTestId('learn-use').click();
  const learned = await page.getByTestId('model-source').innerText();
  assert.match(learned, /^Normal traffic learned from normal-long\.csv \(\d+ rows in one capture session\)$/);
  assert.equal(await page.getByTestId('learn-use').innerText(), 'In use');
  // Its headline is the baseline's own held-out figure (it has no forest).
  assert.match(
    await page.getByTestId('model-headline').innerText(),
    /^normal baseline · \d+ rows · 34 features · held-out false alarms \d+\.\d%$/,
  );
  await page.getByTestId('model-line').screenshot({ path: path.join(artifacts, 'learn-in-use.png') });

  // One sample: a SYN-flood-like poll is anomalous, with the baseline's reasons.
  await showTask(page, 'sample');
  await page.fill('#in-ipInReceives', '900');
  await page.getByTestId('baseline-reasons').waitFor({ timeout: 5000 });
  assert.match(await page.getByTestId('verdict').innerText(), /Anomalous/i);
  assert.match(await page.getByTestId('baseline-reasons').innerText(), /ipInReceives/);

  // Score the lab's campaign with it: alarms with reasons, normal polls mostly quiet.
  await showTask(page, 'score');
  await drop(page, 'batch-file-drop', 'lab.csv', fs.readFileSync(LAB, 'utf8'));
  await page.getByText(/File: lab\.csv/).waitFor({ timeout: 20000 });
  await page.getByTestId('batch-kind').selectOption('timestamps');
  await page.getByTestId('batch-time').selectOption('timestamp');
  await page.getByTestId('batch-start').click();
  await page.getByTestId('batch-result').waitFor({ timeout: 60000 });
  const [scoredFile] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-download').click()]);
  const scoredPath = path.join(os.tmpdir(), `mibwatch-learn-scored-${process.pid}.csv`);
  await scoredFile.saveAs(scoredPath);
  const [header, ...body] = parseCsv(fs.readFileSync(scoredPath, 'utf8').trim());
  fs.unlinkSync(scoredPath);
  const col = (name) => {
    const i = header.indexOf(name);
    assert.ok(i >= 0, `${name} in ${header.join(',')}`);
    return i;
  };
  const [cls, alarm, deviating] = [col('class'), col('alarm'), col('deviating')];
  const normal = body.filter((r) => r[cls] === 'normal');
  const attacks = body.filter((r) => r[cls] !== 'normal');
  const share = (rs) => rs.filter((r) => r[alarm] === 'true').length / rs.length;
  console.log(`# lab campaign: ${(share(attacks) * 100).toFixed(1)}% of attack polls and ${(share(normal) * 100).toFixed(1)}% of normal polls are alarms`);
  assert.ok(normal.length > 300 && attacks.length > 2000);
  assert.ok(share(normal) < 0.05, 'normal polls are mostly not alarms');
  assert.ok(share(attacks) > 0.9, 'attack polls are alarms');
  const reasons = body.filter((r) => r[alarm] === 'true').map((r) => r[deviating]);
  assert.ok(reasons.every((r) => /^[A-Za-z?0-9]+ (above|below) /.test(r)), reasons.find((r) => !/^[A-Za-z?0-9]+ (above|below) /.test(r)));
  assert.ok(reasons.some((r) => r.startsWith('tcpCurrEstab above')), 'slow attacks are named by their connections');

  // The downloaded file reads back as the same model.
  await showTask(page, 'model');
  await page.getByTestId('model-revert').click();
  assert.equal(await page.getByTestId('model-source').innerText(), before);
  await page.getByTestId('model-file').setInputFiles(saved);
  await page.getByTestId('model-source').filter({ hasText: 'Normal traffic learned from normal-long.csv' }).waitFor({ timeout: 5000 });
  assert.equal(await page.getByTestId('model-source').innerText(), learned);
  fs.unlinkSync(saved);

  // Revert on the learning screen: the model active before "Use" comes back.
  await showTask(page, 'learn');
  await page.getByTestId('learn-use').click();
  assert.equal(await page.getByTestId('model-source').innerText(), learned);
  await page.getByTestId('learn-revert').click();
  assert.equal(await page.getByTestId('model-source').innerText(), learned, 'the model active before Use (the loaded file)');
  await showTask(page, 'model');
  await page.getByTestId('model-revert').click();
  assert.equal(await page.getByTestId('model-source').innerText(), before);
  assert.deepEqual(errors, []);
  await page.evaluate(() => localStorage.clear());
  await page.close();
});

test('Revert puts back the embedded model, and beside it the baseline keeps the forest', async () => {
  const { page, errors } = await openPage(app, { task: 'learn' });
  const before = await page.getByTestId('model-source').innerText();
  await page.getByTestId('learn-file').setInputFiles(NORMAL);
  await page.getByTestId('learn-file-kind').waitFor({ timeout: 10000 });
  assert.ok(await page.getByTestId('learn-beside').isChecked());
  await page.getByTestId('learn-start').click();
  await page.getByTestId('learn-result').waitFor({ timeout: 60000 });
  assert.match(await page.getByTestId('learn-summary').innerText(), /the baseline sits beside the forest of the model that was active/);
  await page.getByTestId('learn-use').click();
  const learned = await page.getByTestId('model-source').innerText();
  assert.ok(learned.startsWith(`${before}; normal traffic learned from normal-long.csv`), learned);
  await page.getByTestId('learn-revert').click();
  assert.equal(await page.getByTestId('model-source').innerText(), before);
  assert.ok(await page.getByTestId('learn-revert').isDisabled());
  assert.equal(await page.getByTestId('learn-use').innerText(), 'Use this model');
  assert.deepEqual(errors, []);
  await page.evaluate(() => localStorage.clear());
  await page.close();
});

test('Cancel while learning keeps the active model', async () => {
  // A long export: the lab's normal capture 150 times over, each copy a
  // session of its own, later in time (about 46 MB).
  const [head, ...lines] = fs.readFileSync(NORMAL, 'utf8').trim().split('\n');
  const cols = head.split(',');
  const [t, s] = [cols.indexOf('timestamp'), cols.indexOf('session')];
  const copies = [];
  for (let k = 0; k < 150; k++) {
    copies.push(lines.map((l) => {
      const c = l.split(',');
      c[t] = String(Number(c[t]) + k * 3000);
      c[s] = String(k + 1);
      return c.join(',');
    }).join('\n'));
  }
  const big = path.join(os.tmpdir(), `mibwatch-learn-big-${process.pid}.csv`);
  fs.writeFileSync(big, `${head}\n${copies.join('\n')}\n`);
  const { page, errors } = await openPage(app, { task: 'learn' });
  const before = await page.getByTestId('model-source').innerText();
  await page.getByTestId('learn-file').setInputFiles(big);
  await page.getByTestId('learn-file-kind').waitFor({ timeout: 30000 });
  fs.unlinkSync(big);
  await page.getByTestId('learn-start').click();
  await page.getByTestId('learn-progress').waitFor({ timeout: 10000 });
  // The worker is reading the file (step 1 of the 4 known up front).
  await page.getByTestId('learn-status').getByText('Step 1 of 4: reading the file…').waitFor({ timeout: 10000 });
  await page.getByTestId('learn-cancel').click();
  await page.getByTestId('learn-cancelled').waitFor({ timeout: 2000 });
  await page.waitForTimeout(1000);
  assert.equal(await page.getByTestId('learn-progress').count(), 0);
  assert.equal(await page.getByTestId('learn-result').count(), 0, 'the cancelled worker posts nothing');
  assert.equal(await page.getByTestId('model-source').innerText(), before);
  assert.ok(await page.getByTestId('learn-start').isEnabled());
  assert.deepEqual(errors, []);
  await page.close();
});

test('monitoring exports: read and understood on the page, learned in the worker; too few rows is the core\'s sentence', async () => {
  const { page, errors } = await openPage(app, { task: 'learn' });
  const fixture = (f) => path.join(repo, 'tests/fixtures/exports', f);
  // Telegraf line protocol with every input: beside the active forest.
  await page.getByTestId('learn-file').setInputFiles(fixture('telegraf-snmp.influx'));
  await page.getByTestId('learn-file-kind').waitFor({ timeout: 10000 });
  assert.match(await page.getByTestId('learn-file-kind').innerText(), /^telegraf-snmp\.influx: Telegraf line protocol · 2 hosts × 2 interfaces .* 34 of 34 inputs/);
  assert.equal(await page.getByTestId('learn-time').count(), 0, 'the export brings its own clock');
  assert.ok(await page.getByTestId('learn-beside').isChecked());
  await page.getByTestId('learn-start').click();
  await page.getByTestId('learn-result').waitFor({ timeout: 30000 });
  assert.match(await page.getByTestId('learn-summary').innerText(), /from \d+ rows in 2 capture sessions, over 34 inputs; the baseline sits beside the forest/);
  assert.match(await page.getByTestId('learn-false-alarms').innerText(), /whole sessions held out/);
  // rrdtool fetch of one port (8 inputs): the forest needs more, so baseline only.
  await page.getByTestId('learn-file').setInputFiles(fixture('rrdtool-fetch-port.txt'));
  await page.getByTestId('learn-file-kind').filter({ hasText: 'rrdtool fetch output' }).waitFor({ timeout: 10000 });
  assert.ok(await page.getByTestId('learn-alone').isChecked());
  await page.getByTestId('learn-start').click();
  await page.getByTestId('learn-result').waitFor({ timeout: 30000 });
  assert.match(await page.getByTestId('learn-summary').innerText(), /over 8 inputs; the baseline sits on its own/);
  assert.equal(await page.getByTestId('learn-band-chart').locator('g.band-row').count(), 8);
  // Four polls of one agent: refused with the core's reason.
  await page.getByTestId('learn-file').setInputFiles(fixture('snmp-exporter-if_mib.prom'));
  await page.getByTestId('learn-file-kind').filter({ hasText: 'Prometheus text exposition' }).waitFor({ timeout: 10000 });
  await page.getByTestId('learn-start').click();
  await page.getByTestId('learn-error').waitFor({ timeout: 30000 });
  assert.match(await page.getByTestId('learn-error').innerText(), /3 normal row\(s\) to learn from; at least 20 are needed/);
  assert.deepEqual(errors, []);
  await page.close();
});
