// Retraining in the browser: a labelled CSV trains in a Web Worker with
// per-tree progress while the page stays responsive; Cancel stops it and
// keeps the active model; a trained model can be made active.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { startApp, openPage, ready, showTask, repo } from './helpers.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const DATA = path.join(repo, 'data/snmp-mib/all_data.csv');

test('train 300 trees on the public file in a worker, page responsive, then use the model', async () => {
  const { page, errors } = await openPage(app, { task: 'retrain' });
  await page.getByTestId('train-file').setInputFiles(DATA);
  await page.getByText('File: all_data.csv').waitFor();
  // 300 trees per forest (900 in all): long enough to interact meanwhile even
  // on one busy core (300 in all took 2.5 s there, less than the clicks), and
  // a model small enough for the browser's storage (1,000 is not).
  await page.fill('[data-testid="train-trees"]', '300');
  await page.getByTestId('train-start').click();
  await page.getByTestId('train-progress').waitFor({ timeout: 20000 });
  // While the worker trains, the prediction form still answers at once.
  await showTask(page, 'sample');
  await page.locator('button.preset[data-class="tcp-syn"]').click();
  assert.equal(await page.getByTestId('predicted-class').innerText(), 'tcp-syn');
  const t0 = Date.now();
  await page.fill('#in-ifInOctets11', '123');
  await page.getByTestId('timing').waitFor();
  assert.ok(Date.now() - t0 < 1000, 'input answered within a second during training');
  assert.equal(await page.getByTestId('train-progress').count(), 1, 'still training');
  await showTask(page, 'retrain');
  const progress = await page.getByTestId('train-status').innerText();
  assert.match(progress, /Tree \d+ of 900 \(.+\) · [\d.]+ s elapsed · about [\d.]+ s left/);
  await page.getByTestId('train-result').waitFor({ timeout: 120000 });
  const result = await page.getByTestId('train-result').innerText();
  assert.match(result, /on 4976 rows: 300 trees over 24 features \(if\/ip rates\+mix\)/);
  console.log(result.split('\n').find((l) => l.startsWith('Trained in')));
  const acc = Number(result.match(/Time-ordered held-out: accuracy ([\d.]+)%/)[1]);
  assert.ok(acc > 40 && acc < 90, result);
  assert.match(result, /learning capture sessions, not traffic patterns/);
  // Side by side with smartcore baselines on the same split.
  const compare = await page.getByTestId('train-compare').locator('tbody tr th').allInnerTexts();
  assert.deepEqual(compare, ['mibwatch forest (300 trees)', 'decision tree', '5-nearest neighbours', 'Gaussian naive Bayes']);
  // The report: confusion heatmap with counts, per-class table, importance.
  const cells = await page.getByTestId('train-result').locator('[data-testid="confusion"] text.cm-count').count();
  assert.equal(cells, 64);
  assert.equal(await page.getByTestId('train-result').locator('[data-testid="per-class"] tbody tr').count(), 8);
  assert.ok(await page.getByTestId('train-result').locator('[data-testid="importance"] li').count() >= 8);
  // Make it active: the summary follows, and a reload keeps it.
  await page.getByTestId('train-use').click();
  assert.equal(await page.getByTestId('model-source').innerText(), 'all_data.csv');
  await showTask(page, 'sample');
  await page.locator('button.preset[data-class="udp-flood"]').click();
  assert.equal(await page.getByTestId('predicted-class').innerText(), 'udp-flood');
  const probs = await page.getByTestId('verdict-panel').locator('li.bar .bar-value').allInnerTexts();
  await page.reload();
  await page.getByTestId('verdict').waitFor();
  assert.equal(await page.getByTestId('model-source').innerText(), 'all_data.csv');
  // Download the active model, go back to the default, load the file again: same prediction.
  await showTask(page, 'model');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('model-download').click()]);
  const saved = path.join(os.tmpdir(), `mibwatch-e2e-${process.pid}.mwm`);
  await download.saveAs(saved);
  await page.getByTestId('model-revert').click();
  assert.match(await page.getByTestId('model-source').innerText(), /Public SNMP-MIB dataset/);
  await page.getByTestId('model-file').setInputFiles(saved);
  await page.getByTestId('model-source').filter({ hasText: 'all_data.csv' }).waitFor({ timeout: 5000 });
  await showTask(page, 'sample');
  await page.locator('button.preset[data-class="udp-flood"]').click();
  assert.deepEqual(await page.getByTestId('verdict-panel').locator('li.bar .bar-value').allInnerTexts(), probs);
  // Back to the default for the other tests' sake.
  await showTask(page, 'model');
  await page.getByTestId('model-revert').click();
  assert.deepEqual(errors, []);
  await page.close();
});

test('a model file from another program or a newer format is refused; the model stays', async () => {
  const { page } = await openPage(app, { task: 'model' });
  const source = await page.getByTestId('model-source').innerText();
  await page.getByTestId('model-file').setInputFiles({ name: 'x.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('ONNX not a mibwatch file') });
  await page.getByTestId('model-notice').waitFor();
  assert.match(await page.getByTestId('model-notice').innerText(), /x\.onnx: neither a mibwatch model file nor an ONNX tree ensemble \(this is not an ONNX model file: .+\)\. The active model is unchanged\./);
  const newer = Buffer.concat([Buffer.from('MIBWATCH'), Buffer.from([9, 0]), Buffer.alloc(40)]);
  await page.getByTestId('model-file').setInputFiles({ name: 'new.mwm', mimeType: 'application/octet-stream', buffer: newer });
  await page.getByTestId('model-notice').filter({ hasText: 'format version 9' }).waitFor();
  assert.equal(await page.getByTestId('model-source').innerText(), source);
  await page.close();
});

test('corrupt stored data is reported at start-up and the embedded default is used', async () => {
  const page = await app.browser.newPage();
  await page.goto(app.server.url);
  await ready(page);
  await page.evaluate(() => {
    localStorage.setItem('mibwatch.model.a', btoa('MIBWATCH garbage'));
    localStorage.setItem('mibwatch.active-slot', 'mibwatch.model.a');
  });
  await page.reload();
  await page.getByTestId('model-notice').waitFor();
  assert.match(await page.getByTestId('model-notice').innerText(), /could not be read .*using the embedded default model/);
  assert.match(await page.getByTestId('model-source').innerText(), /Public SNMP-MIB dataset/);
  await page.evaluate(() => localStorage.clear());
  await page.close();
});

test('a CSV dropped on the retraining box is read', async () => {
  const { page } = await openPage(app, { task: 'retrain' });
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['tcpInSegs,class\n1,a\n2,b\n'], 'dropped.csv', { type: 'text/csv' }));
    const box = document.querySelector('[data-testid="train-file-drop"]');
    box.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    box.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await page.getByText('File: dropped.csv').waitFor({ timeout: 5000 });
  // Bad settings are refused before anything runs.
  await page.fill('[data-testid="train-test-fraction"]', '0.9');
  await page.getByTestId('train-start').click();
  assert.match(await page.getByTestId('train-error').innerText(), /Test fraction: enter a number from 0.05 to 0.5/);
  await page.close();
});

test('cancel stops training and keeps the active model', async () => {
  const { page } = await openPage(app, { task: 'retrain' });
  const source = await page.getByTestId('model-source').innerText();
  await page.getByTestId('train-file').setInputFiles(DATA);
  await page.getByText('File: all_data.csv').waitFor();
  await page.fill('[data-testid="train-trees"]', '1000');
  await page.getByTestId('train-start').click();
  await page.getByTestId('train-progress').waitFor({ timeout: 20000 });
  await page.getByTestId('train-cancel').click();
  await page.getByTestId('train-cancelled').waitFor({ timeout: 2000 });
  await page.waitForTimeout(500);
  assert.equal(await page.getByTestId('train-progress').count(), 0);
  assert.equal(await page.getByTestId('model-source').innerText(), source);
  await page.close();
});

test('a file without a label column is refused with a message', async () => {
  const { page } = await openPage(app, { task: 'retrain' });
  await page.getByTestId('train-file').setInputFiles({
    name: 'nolabel.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('tcpInSegs,udpNoPorts\n1,2\n3,4\n'),
  });
  await page.getByText('File: nolabel.csv').waitFor();
  await page.getByTestId('train-start').click();
  const err = page.getByTestId('train-error');
  await err.waitFor({ timeout: 20000 });
  assert.match(await err.innerText(), /nolabel\.csv: no label column "class" in the header/);
  await page.close();
});

test('preview, a text column left out, a renamed normal label and the binary task', async () => {
  // The public file with a text column in front and "benign" for normal.
  const lines = fs.readFileSync(DATA, 'utf8').split(/\r?\n/).filter((l) => l);
  const text = ['host,' + lines[0]]
    .concat(lines.slice(1).map((l, i) => `r${i % 3},` + l.replace(/,normal$/, ',benign')))
    .join('\n');
  const { page } = await openPage(app, { task: 'retrain' });
  await page.getByTestId('train-file').setInputFiles({ name: 'hosts.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
  await page.getByTestId('preview').waitFor();
  assert.equal(await page.getByTestId('preview-summary').innerText(), '4998 rows × 36 columns, delimiter ","');
  assert.equal(await page.getByTestId('train-label').inputValue(), 'class');
  assert.match(await page.getByTestId('preview').locator('summary').first().innerText(), /Feature columns: 34 chosen/);
  await page.getByTestId('train-normal').selectOption('benign');
  await page.getByTestId('task-binary').check();
  await page.fill('[data-testid="train-trees"]', '10');
  await page.fill('[data-testid="train-cv-folds"]', '3');
  await page.getByTestId('train-start').click();
  await page.getByTestId('train-result').waitFor({ timeout: 120000 });
  const classes = await page.getByTestId('train-result').locator('[data-testid="per-class"] tbody th').allInnerTexts();
  assert.deepEqual(classes.sort(), ['attack', 'normal']);
  assert.match(await page.getByTestId('train-cv').innerText(),
    /^Time-blocked 3-fold cross-validation: accuracy [\d.]+% ± [\d.]+, macro-F1 [\d.]+ ± [\d.]+\.$/);
  assert.match(await page.getByTestId('train-result').innerText(), /on 4976 rows: 10 trees/);
  await page.close();
});

test('bad training files each get their own message and the app keeps working', async () => {
  const { page } = await openPage(app, { task: 'retrain' });
  const cases = [
    ['empty.csv', Buffer.alloc(0), 'train-error', /empty\.csv: the file is empty\./],
    ['text.csv', Buffer.from('host,class\na,x\nb,y\n'), 'train-error', /Choose at least one feature column\./],
    ['one.csv', Buffer.from('tcpInSegs,class\n1,x\n2,x\n3,x\n'), 'train-error', /only one class/],
    ['few.csv', Buffer.from('tcpInSegs,class\n1,x\n2,x\n3,x\n4,x\n5,x\n6,y\n'), 'train-error', /class "y" has 1 usable row\(s\)/],
    ['latin1.csv', Buffer.from([...Buffer.from('tcpInSegs,class\n1,caf'), 0xe9, ...Buffer.from('\n2,x\n')]), 'train-error', /latin1\.csv, row 2, column "class": the bytes are not UTF-8 text/],
    ['utf16.csv', Buffer.from('\ufefftcpInSegs,class\n1,x\n', 'utf16le'), 'train-error', /UTF-16/],
  ];
  for (const [name, buffer, id, pattern] of cases) {
    await page.getByTestId('train-file').setInputFiles({ name, mimeType: 'text/csv', buffer });
    if (!/empty|utf16/.test(name)) {
      await page.getByText(`File: ${name}`).waitFor({ timeout: 5000 });
      await page.fill('[data-testid="train-trees"]', '5');
      await page.fill('[data-testid="train-interval"]', '');
      await page.getByTestId('train-start').click();
    }
    const el = page.getByTestId(id).filter({ hasText: pattern });
    await el.waitFor({ timeout: 20000 });
  }
  // Still working: a preset predicts, the default model is active.
  await showTask(page, 'sample');
  await page.locator('button.preset[data-class="tcp-syn"]').click();
  assert.equal(await page.getByTestId('predicted-class').innerText(), 'tcp-syn');
  await page.close();
});

test('timestamps give the polling interval and the capture sessions', async () => {
  // Two captures per class an hour apart; cumulative counters polled every 15 s.
  let t = 0, a = 0, b = 0, rows = ['time,tcpInSegs,udpInDatagrams,class'];
  for (const cls of ['normal', 'syn', 'normal', 'syn', 'udp', 'udp']) {
    t += 3600;
    for (let i = 0; i < 30; i++) {
      t += 15;
      const noise = (i * 37) % 11;
      a += 15 * (cls === 'syn' ? 900 + noise : 10 + noise);
      b += 15 * (cls === 'udp' ? 900 + noise : 10 + noise);
      rows.push(`${t},${a},${b},${cls}`);
    }
  }
  const { page } = await openPage(app, { task: 'retrain' });
  await page.getByTestId('train-file').setInputFiles({ name: 'timed.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
  await page.getByTestId('preview').waitFor();
  await page.getByTestId('train-time').selectOption('time');
  await page.getByTestId('train-features').selectOption('rates');
  await page.fill('[data-testid="train-trees"]', '10');
  await page.getByTestId('train-start').click();
  await page.getByTestId('train-result').waitFor({ timeout: 60000 });
  assert.match(await page.getByTestId('train-result').innerText(), /on 174 rows: 10 trees over 2 features \(rates\)/);
  assert.match(await page.getByTestId('train-by-session').innerText(), /Whole capture sessions held out \(6 sessions, grouped k-fold\): accuracy/);
  await page.close();
});

test('a 50 MB file of 500,000 rows is read with progress and previewed', async () => {
  const file = path.join(os.tmpdir(), `mibwatch-big-${process.pid}.csv`);
  const header = lines34().join(',') + ',class\n';
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, header);
  const row = (i) => Array.from({ length: 34 }, (_, j) => ((i * 7919 + j * 104729) % 1000003) + 0.25).join(',') + (i % 2 ? ',a\n' : ',b\n');
  let chunk = '';
  for (let i = 0; i < 500000; i++) {
    chunk += row(i);
    if (chunk.length > 1 << 20) { fs.writeSync(fd, chunk); chunk = ''; }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  const size = fs.statSync(file).size;
  assert.ok(size > 50e6, `${size} bytes`);
  const { page } = await openPage(app, { task: 'retrain' });
  await page.evaluate(() => {
    window.__sawProgress = false;
    new MutationObserver(() => {
      if (document.querySelector('[data-testid="read-progress"]')) window.__sawProgress = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
  await page.getByTestId('train-file').setInputFiles(file);
  await page.getByTestId('preview-summary').waitFor({ timeout: 120000 });
  assert.equal(await page.getByTestId('preview-summary').innerText(), '500000 rows × 35 columns, delimiter ","');
  assert.ok(await page.evaluate(() => window.__sawProgress), 'read progress shown');
  fs.unlinkSync(file);
  await page.close();
});

function lines34() {
  return fs.readFileSync(DATA, 'utf8').split(/\r?\n/)[0].split(',').slice(0, 34);
}

test('progress never goes backwards: through cross-validation the bar only rises, to its max', async () => {
  const { page, errors } = await openPage(app, { task: 'retrain' });
  await page.getByTestId('train-file').setInputFiles(DATA);
  await page.getByText('File: all_data.csv').waitFor();
  await page.fill('[data-testid="train-trees"]', '30');
  await page.fill('[data-testid="train-cv-folds"]', '3');
  // Every value the bar takes, recorded by the page itself as it changes.
  await page.evaluate(() => {
    window.__progress = [];
    window.__phases = new Set();
    const record = () => {
      const bar = document.querySelector('[data-testid="train-progress"]');
      if (!bar) return;
      const v = [Number(bar.getAttribute('value')), Number(bar.getAttribute('max'))];
      const last = window.__progress.at(-1);
      if (!last || last[0] !== v[0] || last[1] !== v[1]) window.__progress.push(v);
      const phase = bar.parentElement.textContent.match(/\(([^)]*)\)/);
      if (phase) window.__phases.add(phase[1]);
    };
    new MutationObserver(record).observe(document.body, {
      subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['value', 'max'],
    });
  });
  await page.getByTestId('train-start').click();
  await page.getByTestId('train-result').waitFor({ timeout: 120000 });
  const seen = await page.evaluate(() => window.__progress);
  const phases = await page.evaluate(() => [...window.__phases]);
  console.log(`# progress: ${seen.length} values up to ${seen.at(-1)?.join(' of ')}; phases: ${phases.join(', ')}`);
  assert.ok(seen.length > 20, `${seen.length} values seen`);
  const max = seen[0][1];
  for (let i = 1; i < seen.length; i++) {
    assert.equal(seen[i][1], max, `the bar's max stays ${max}`);
    assert.ok(seen[i][0] >= seen[i - 1][0], `went back from ${seen[i - 1][0]} to ${seen[i][0]} (step ${i})`);
  }
  assert.deepEqual(seen.at(-1), [max, max], 'the bar ends full');
  assert.ok(phases.some((p) => /cross-validation/.test(p)), `phases: ${phases.join(', ')}`);
  assert.ok(phases.some((p) => /final/.test(p)), `phases: ${phases.join(', ')}`);
  assert.match(await page.getByTestId('train-cv').innerText(), /^Time-blocked 3-fold cross-validation/);
  assert.deepEqual(errors, []);
  await page.close();
});
