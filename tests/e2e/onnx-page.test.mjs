// ONNX in the model box: the active model downloads as ONNX (the very file
// `mibwatch export` writes), and an ONNX tree ensemble from elsewhere is
// imported with a sample of traffic: its column mapping is shown and can be
// edited, and once used it predicts like any mibwatch model. Files that are
// neither, and refused operators, get messages; the active model stays.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startApp, openPage, showTask, repo } from './helpers.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mibwatch-onnx-page-'));
const FIXTURES = path.join(repo, 'tests/fixtures/onnx');
const PUBLIC = path.join(repo, 'data/snmp-mib/all_data.csv');

/** The CLI, built now (a no-op when up to date). */
function cli(args) {
  execFileSync('cargo', ['build', '-q', '-p', 'mibwatch-cli'], { cwd: repo, stdio: 'inherit' });
  const target = process.env.CARGO_TARGET_DIR ? path.resolve(repo, process.env.CARGO_TARGET_DIR) : path.join(repo, 'target');
  return execFileSync(path.join(target, 'debug/mibwatch'), args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function probabilities(page, cls) {
  await showTask(page, 'sample');
  await page.locator(`button.preset[data-class="${cls}"]`).click();
  return page.getByTestId('verdict-panel').locator('li.bar .bar-value').allInnerTexts();
}

test('the default model downloads as the ONNX file the CLI writes, and imports back to the same predictions', async () => {
  const { page, errors } = await openPage(app, { task: 'model' });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('model-download-onnx').click()]);
  const saved = path.join(tmp, 'page.onnx');
  await download.saveAs(saved);
  const fromCli = path.join(tmp, 'cli.onnx');
  cli(['export', 'models/default.mwm', '--out', fromCli]);
  assert.ok(fs.readFileSync(saved).equals(fs.readFileSync(fromCli)), 'page and CLI write different ONNX files');

  const before = await probabilities(page, 'udp-flood');
  await showTask(page, 'model');
  await page.getByTestId('model-file').setInputFiles(saved);
  await page.getByTestId('onnx-import').waitFor();
  assert.match(await page.getByTestId('onnx-holds').innerText(), /TreeEnsembleClassifier|tree/i);
  // Nothing happens without a sample.
  await page.getByTestId('onnx-build').click();
  assert.match(await page.getByTestId('onnx-error').innerText(), /sample/);
  await page.getByTestId('onnx-sample').setInputFiles(PUBLIC);
  await page.fill('[data-testid="onnx-interval"]', '15');
  await page.getByTestId('onnx-build').click();
  const result = await page.getByTestId('onnx-result').innerText();
  assert.match(result, /24 columns, mapped by the names the file gives; classes: /);
  assert.match(result, /bytesPerPktIn: ifInOctets11 \/ \(ifInUcastPkts11 \+ ifInNUcastPkts11\)/);
  assert.equal(await page.getByTestId('onnx-columns').locator('li').count(), 24);
  await page.getByTestId('onnx-use').click();
  assert.equal(await page.getByTestId('onnx-import').count(), 0);
  assert.deepEqual(await probabilities(page, 'udp-flood'), before);
  await showTask(page, 'model');
  await page.getByTestId('model-revert').click();
  assert.deepEqual(errors, []);
  await page.close();
});

test('a scikit-learn forest is mapped by order, the mapping edited, and the model used', async () => {
  const { page, errors } = await openPage(app, { task: 'model' });
  const source = await page.getByTestId('model-source').innerText();
  await page.getByTestId('model-file').setInputFiles(path.join(FIXTURES, 'sklearn_rf_multiclass_zipmap.onnx'));
  await page.getByTestId('onnx-sample').setInputFiles(PUBLIC);
  await page.getByTestId('onnx-build').click();
  const result = await page.getByTestId('onnx-result').innerText();
  assert.match(result, /34 columns, mapped by order, as the "rates" feature set; classes: /);
  // The mapping is shown in the field, to edit: two names swapped is a
  // different model, and a wrong count is refused.
  const mapped = (await page.getByTestId('onnx-features').inputValue()).split(', ');
  assert.equal(mapped.length, 34);
  await page.fill('[data-testid="onnx-features"]', mapped.slice(1).join(', '));
  await page.getByTestId('onnx-build').click();
  assert.match(await page.getByTestId('onnx-error').innerText(), /reads 34 columns but 33 feature names were given/);
  await page.fill('[data-testid="onnx-features"]', mapped.join(', '));
  await page.getByTestId('onnx-build').click();
  await page.getByTestId('onnx-use').click();
  assert.match(await page.getByTestId('model-source').innerText(), /sklearn_rf_multiclass_zipmap\.onnx/);
  assert.notEqual(await page.getByTestId('model-source').innerText(), source);
  await showTask(page, 'sample');
  await page.locator('button.preset[data-class="tcp-syn"]').click();
  assert.ok((await page.getByTestId('verdict-panel').locator('li.bar').count()) >= 2, 'class bars shown');
  await showTask(page, 'model');
  await page.getByTestId('model-revert').click();
  assert.deepEqual(errors, []);
  await page.close();
});

test('refused operators and files that are not models get messages; the model stays', async () => {
  const { page } = await openPage(app, { task: 'model' });
  const source = await page.getByTestId('model-source').innerText();
  await page.getByTestId('model-file').setInputFiles(path.join(FIXTURES, 'refuse_probit.onnx'));
  // Read as ONNX, refused before any sample is asked for, naming the reason.
  assert.match(await page.getByTestId('model-notice').innerText(), /refuse_probit\.onnx: mibwatch cannot use this ONNX model: .*PROBIT/);
  assert.equal(await page.getByTestId('onnx-import').count(), 0);
  await page.getByTestId('model-file').setInputFiles(path.join(repo, 'README.md'));
  // The notice is already on screen: wait for the new file's.
  await page.getByTestId('model-notice').filter({ hasText: 'README.md' }).waitFor();
  assert.match(await page.getByTestId('model-notice').innerText(), /README\.md: neither a mibwatch model file nor an ONNX tree ensemble/);
  assert.equal(await page.getByTestId('model-source').innerText(), source);
  await page.close();
});
