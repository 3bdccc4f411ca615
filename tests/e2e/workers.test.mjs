// Training on several Web Workers: each grows a share of the trees from the
// same file and the first one finishes with every share. The model is the
// same, byte for byte, on one worker and on two; the bar sums the workers'
// trees and never goes back; Cancel stops every worker; a worker that dies
// ends the run with a message, and the active model and the file are kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { startApp, openPage, repo } from './helpers.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const DATA = path.join(repo, 'data/snmp-mib/all_data.csv');

/** Record every value the progress bar takes, from the page itself. */
async function recordProgress(page) {
  await page.evaluate(() => {
    window.__progress = [];
    const record = () => {
      const bar = document.querySelector('[data-testid="train-progress"]');
      if (!bar) return;
      const v = [Number(bar.getAttribute('value')), Number(bar.getAttribute('max'))];
      const last = window.__progress.at(-1);
      if (!last || last[0] !== v[0] || last[1] !== v[1]) window.__progress.push(v);
    };
    new MutationObserver(record).observe(document.body, {
      subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['value', 'max'],
    });
  });
}

/** Train on `workers` workers; the downloaded model's bytes and the bar's values. */
async function train(workers) {
  const { page, errors } = await openPage(app, { task: 'retrain' });
  await page.getByTestId('train-file').setInputFiles(DATA);
  await page.getByText('File: all_data.csv').waitFor();
  await page.fill('[data-testid="train-trees"]', '40');
  await page.fill('[data-testid="train-cv-folds"]', '3');
  await page.fill('[data-testid="train-workers"]', String(workers));
  await recordProgress(page);
  await page.getByTestId('train-start').click();
  await page.getByTestId('train-progress').waitFor({ timeout: 20000 });
  const running = page.workers().length;
  await page.getByTestId('train-result').waitFor({ timeout: 180000 });
  const result = await page.getByTestId('train-result').innerText();
  console.log(`# ${workers} worker(s), ${running} running: ${result.split('\n').find((l) => l.startsWith('Trained in'))}`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('train-download').click()]);
  const saved = path.join(os.tmpdir(), `mibwatch-workers-${workers}-${process.pid}.mwm`);
  await download.saveAs(saved);
  const progress = await page.evaluate(() => window.__progress);
  assert.deepEqual(errors, []);
  await page.close();
  return { bytes: fs.readFileSync(saved), progress, running, result };
}

test('two workers train the very model one worker trains, with a bar that only rises', async () => {
  const one = await train(1);
  const two = await train(2);
  assert.ok(two.running >= 2, `${two.running} workers were running`);
  assert.ok(one.bytes.length > 1000);
  assert.ok(one.bytes.equals(two.bytes), 'the model files differ between one and two workers');
  for (const { progress } of [one, two]) {
    assert.ok(progress.length > 10, `${progress.length} values seen`);
    const max = progress[0][1];
    for (let i = 1; i < progress.length; i++) {
      assert.equal(progress[i][1], max, `the bar's max stays ${max}`);
      assert.ok(progress[i][0] >= progress[i - 1][0], `went back from ${progress[i - 1][0]} to ${progress[i][0]}`);
    }
    assert.deepEqual(progress.at(-1), [max, max], 'the bar ends full');
  }
  // The figures shown are the same too (the time aside).
  const figures = (r) => r.split('\n').filter((l) => !l.startsWith('Trained in'));
  assert.deepEqual(figures(one.result), figures(two.result));
});

/**
 * Start a long training (1,000 trees) on two workers; the active model's
 * line and the page's workers before it, for `assertRunStopped`.
 */
async function startLongRun(page) {
  const source = await page.getByTestId('model-source').innerText();
  const before = page.workers().length;
  await page.getByTestId('train-file').setInputFiles(DATA);
  await page.getByText('File: all_data.csv').waitFor();
  await page.fill('[data-testid="train-trees"]', '1000');
  await page.fill('[data-testid="train-workers"]', '2');
  await page.getByTestId('train-start').click();
  await page.getByTestId('train-progress').waitFor({ timeout: 20000 });
  assert.ok(page.workers().length >= before + 2, 'two workers started');
  return { source, before };
}

/** Every worker of the run has stopped, and the active model is the one before it. */
async function assertRunStopped(page, { source, before }) {
  // Terminated workers leave the page's list.
  for (let i = 0; i < 50 && page.workers().length > before; i++) await page.waitForTimeout(100);
  assert.equal(page.workers().length, before, 'every training worker stopped');
  assert.equal(await page.getByTestId('model-source').innerText(), source);
}

test('cancel stops every worker and keeps the active model', async () => {
  const { page } = await openPage(app, { task: 'retrain' });
  const run = await startLongRun(page);
  await page.getByTestId('train-cancel').click();
  await page.getByTestId('train-cancelled').waitFor({ timeout: 2000 });
  await assertRunStopped(page, run);
  await page.close();
});

test('a worker that dies mid-run ends the run with a message; the model and the file are kept', async () => {
  const { page, errors } = await openPage(app, { task: 'retrain' });
  const run = await startLongRun(page);
  const second = page.workers().at(-1);
  // What a wasm worker does when its allocator finds no more memory: Rust
  // aborts, the module traps, and the worker's scope throws an uncaught
  // RuntimeError, which the page sees as the worker's error event.
  await second.evaluate(() => {
    setTimeout(() => {
      throw new WebAssembly.RuntimeError('unreachable (allocation failed)');
    }, 0);
  });
  const error = page.getByTestId('train-error');
  await error.waitFor({ timeout: 10000 });
  assert.match(await error.innerText(), /A worker stopped: .*unreachable \(allocation failed\).*Nothing was changed/);
  // Every worker of the run stops; the active model stays.
  await assertRunStopped(page, run);
  // The file and the settings are kept: training again needs one click.
  await page.fill('[data-testid="train-trees"]', '20');
  await page.getByTestId('train-start').click();
  await page.getByTestId('train-result').waitFor({ timeout: 120000 });
  assert.match(await page.getByTestId('train-result').innerText(), /Trained in/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the workers setting is checked against its range', async () => {
  const { page } = await openPage(app, { task: 'retrain' });
  await page.getByTestId('train-file').setInputFiles(DATA);
  await page.getByText('File: all_data.csv').waitFor();
  assert.match(await page.getByTestId('train-workers').getAttribute('placeholder'), /^all \(\d+ here\)$/);
  await page.fill('[data-testid="train-workers"]', '0');
  await page.getByTestId('train-start').click();
  assert.match(await page.getByTestId('train-error').innerText(), /Workers: enter a whole number from 1 to 64/);
  await page.close();
});
