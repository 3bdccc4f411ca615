// Retraining in the browser: a labelled CSV trains in a Web Worker with
// per-tree progress while the page stays responsive; Cancel stops it and
// keeps the active model; a trained model can be made active.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startApp, openPage, repo } from './helpers.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const DATA = path.join(repo, 'data/snmp-mib/all_data.csv');

test('train 30 trees on the public file in a worker, page responsive, then use the model', async () => {
  const { page, errors } = await openPage(app);
  await page.getByTestId('train-file').setInputFiles(DATA);
  await page.getByText('File: all_data.csv').waitFor();
  await page.fill('[data-testid="train-trees"]', '30');
  await page.getByTestId('train-start').click();
  await page.getByTestId('train-progress').waitFor({ timeout: 20000 });
  // While the worker trains, the prediction form still answers at once.
  await page.locator('button.preset[data-class="tcp-syn"]').click();
  assert.equal(await page.getByTestId('predicted-class').innerText(), 'tcp-syn');
  const t0 = Date.now();
  await page.fill('#in-ifInOctets11', '123');
  await page.getByTestId('timing').waitFor();
  assert.ok(Date.now() - t0 < 1000, 'input answered within a second during training');
  assert.equal(await page.getByTestId('train-progress').count(), 1, 'still training');
  const progress = await page.getByTestId('train-status').innerText();
  assert.match(progress, /Tree \d+ of 90 \(.+\) · [\d.]+ s elapsed · about [\d.]+ s left/);
  await page.getByTestId('train-result').waitFor({ timeout: 120000 });
  const result = await page.getByTestId('train-result').innerText();
  assert.match(result, /on 4976 rows: 30 trees over 24 features \(if\/ip rates\+mix\)/);
  const acc = Number(result.match(/Time-ordered held-out: accuracy ([\d.]+)%/)[1]);
  assert.ok(acc > 40 && acc < 90, result);
  assert.match(result, /learning capture sessions, not traffic patterns/);
  // Make it active: the summary follows.
  await page.getByTestId('train-use').click();
  assert.equal(await page.getByTestId('model-source').innerText(), 'all_data.csv');
  await page.locator('button.preset[data-class="udp-flood"]').click();
  assert.equal(await page.getByTestId('predicted-class').innerText(), 'udp-flood');
  assert.deepEqual(errors, []);
  await page.close();
});

test('cancel stops training and keeps the active model', async () => {
  const { page } = await openPage(app);
  const source = await page.getByTestId('model-source').innerText();
  await page.getByTestId('train-file').setInputFiles(DATA);
  await page.getByText('File: all_data.csv').waitFor();
  await page.fill('[data-testid="train-trees"]', '300');
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
  const { page } = await openPage(app);
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
