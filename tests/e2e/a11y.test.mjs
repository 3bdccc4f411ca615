// Accessibility: axe-core (npm `axe-core`) audits every task view and state
// of the page, light and dark, desktop and phone; no serious or critical
// violation is allowed.
// Each screen is also photographed (viewport-sized PNG) into artifacts/, and
// into docs/screenshots/ for the README with MIBWATCH_SCREENSHOTS=1
// (`make screenshots`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startApp, openPage, showTask, repo, artifacts } from './helpers.mjs';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const DATA = path.join(repo, 'data/snmp-mib/all_data.csv');
const docs = process.env.MIBWATCH_SCREENSHOTS ? path.join(repo, 'docs/screenshots') : null;

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

/**
 * Run axe on the page (WCAG 2.x A/AA and best-practice rules) and assert no
 * serious or critical violations; every violation found is logged.
 */
async function audit(page, screen) {
  // Injected through the DevTools protocol, so the page's CSP does not apply.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary.split('\n').slice(1, 2).join('')}`),
      count: v.nodes.length,
    }));
  });
  for (const v of result) console.log(`# axe ${screen}: ${v.impact} ${v.id} ×${v.count}: ${v.help}`);
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${screen}: serious or critical axe violations`);
  return result;
}

/** A viewport-sized screenshot with `locator` at the top of the viewport. */
async function shoot(page, name, locator) {
  if (locator) {
    await locator.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  } else {
    await page.evaluate(() => window.scrollTo(0, 0));
  }
  await page.evaluate(() => document.activeElement?.blur());
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `screen-${name}.png`) });
  if (docs) {
    fs.mkdirSync(docs, { recursive: true });
    await page.screenshot({ path: path.join(docs, `${name}.png`) });
  }
}

/** The task views: the four tasks and the model view. */
const VIEWS = ['score', 'retrain', 'learn', 'sample', 'model'];

test('the first screen (scoring): a file loaded, scored, its results', async () => {
  const { page, errors } = await openPage(app, { width: 1280, height: 800 });
  await audit(page, 'score (first screen)');
  await shoot(page, 'first-screen');
  await page.getByTestId('batch-file').setInputFiles(DATA);
  await page.getByText(/^File: .* rows\)$/).waitFor({ timeout: 30000 });
  await page.getByTestId('batch-kind').selectOption('counters');
  await page.fill('[data-testid="batch-interval"]', '15');
  await audit(page, 'batch (file loaded)');
  await page.getByTestId('batch-start').click();
  await page.getByTestId('batch-result').waitFor({ timeout: 60000 });
  await audit(page, 'batch (results)');
  await shoot(page, 'batch', page.getByTestId('batch-result'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('sample task: default, an attack with reasons and range flags, a bad value', async () => {
  const { page, errors } = await openPage(app, { task: 'sample' });
  await audit(page, 'prediction (default)');
  await shoot(page, 'prediction', page.locator('section.predict'));
  await page.locator('button.preset[data-class="tcp-syn"]').click();
  await page.fill('#in-ipInReceives', '40000000');
  await page.locator('[data-feature]').first().waitFor();
  await audit(page, 'prediction (attack, reasons, out of range)');
  await shoot(page, 'verdict', page.getByTestId('verdict-panel'));
  await page.fill('#in-ifInOctets11', '-5');
  await audit(page, 'prediction (refused value)');
  // Host-like counters: the unfamiliar-traffic warning.
  await page.locator('button.preset[data-class="normal"]').click();
  for (const name of ['tcpInSegs', 'tcpOutSegs', 'udpInDatagrams', 'icmpInMsgs', 'tcpPassiveOpens']) {
    await page.fill(`#in-${name}`, '500000');
  }
  await audit(page, 'prediction (unfamiliar traffic)');
  assert.deepEqual(errors, []);
  await page.close();
});

test('retraining: a file loaded, training, the trained result; the model view', async () => {
  const { page, errors } = await openPage(app, { task: 'retrain' });
  const box = page.locator('section.retrain');
  await page.getByTestId('train-file').setInputFiles(DATA);
  await page.getByText('File: all_data.csv').waitFor();
  // Open the preview's collapsed parts (columns, first rows) so axe sees them.
  const closed = box.locator('details:not([open]) > summary');
  while ((await closed.count()) > 0) await closed.first().click();
  await audit(page, 'retraining (file loaded, preview)');
  await shoot(page, 'retrain-preview', box);
  await page.fill('[data-testid="train-trees"]', '20');
  await page.getByTestId('train-start').click();
  await page.getByTestId('train-progress').waitFor({ timeout: 20000 });
  await audit(page, 'retraining (in progress)');
  await page.getByTestId('train-result').waitFor({ timeout: 120000 });
  await audit(page, 'retraining (trained result)');
  await shoot(page, 'retrain-result', page.getByTestId('train-result'));
  await page.getByTestId('train-use').click();
  await showTask(page, 'model');
  await page.getByTestId('model-file').setInputFiles({ name: 'x.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('not a model') });
  await page.getByTestId('model-notice').waitFor();
  await audit(page, 'model view (custom model, refused file)');
  await page.getByTestId('model-revert').click();
  await audit(page, 'model view (default model)');
  await shoot(page, 'model');
  // The notice is an error shown on purpose: nothing else may be logged.
  assert.deepEqual(errors, []);
  await page.close();
});

test('learning normal: a file loaded, learning, the bands', async () => {
  const { page, errors } = await openPage(app, { width: 1280, height: 800, task: 'learn' });
  const box = page.locator('section.learn');
  await page.getByTestId('learn-file').setInputFiles(path.join(repo, 'data/lab/normal-long.csv'));
  await page.getByTestId('learn-file-kind').waitFor({ timeout: 10000 });
  await audit(page, 'learning normal (file loaded)');
  await page.getByTestId('learn-alone').check();
  await page.getByTestId('learn-start').click();
  await page.getByTestId('learn-result').waitFor({ timeout: 60000 });
  await audit(page, 'learning normal (bands)');
  await shoot(page, 'learn-normal', page.getByTestId('learn-result'));
  await box.locator('details > summary').click();
  await audit(page, 'learning normal (bands as a table)');
  assert.deepEqual(errors, []);
  await page.close();
});

// Every task view, light and dark, on a desktop and a phone.
for (const colorScheme of ['light', 'dark']) {
  for (const [device, width, height] of [['desktop', 1280, 800], ['phone', 390, 844]]) {
    test(`every task view, ${colorScheme}, ${device}`, async () => {
      const { page, errors } = await openPage(app, { width, height, colorScheme });
      for (const view of VIEWS) {
        if (view !== 'score') await showTask(page, view);
        await audit(page, `${view} (${colorScheme}, ${device})`);
      }
      if (device === 'phone' && colorScheme === 'light') {
        await showTask(page, 'score');
        await shoot(page, 'first-screen-phone');
        // Editing the inputs on a phone: the verdict bar stays in view.
        await showTask(page, 'sample');
        await page.locator('button.preset[data-class="udp-flood"]').click();
        await page.locator('#in-ipInReceives').focus();
        await shoot(page, 'prediction-phone', page.locator('#in-ipInReceives').locator('xpath=ancestor::details[1]'));
      }
      if (device === 'desktop' && colorScheme === 'dark') {
        await showTask(page, 'sample');
        await page.locator('button.preset[data-class="udp-flood"]').click();
        await audit(page, 'prediction, an attack (dark)');
        await shoot(page, 'prediction-dark', page.locator('section.predict'));
        await showTask(page, 'score');
        await page.getByTestId('batch-file').setInputFiles(DATA);
        await page.getByText(/^File: .* rows\)$/).waitFor({ timeout: 30000 });
        await page.getByTestId('batch-kind').selectOption('counters');
        await page.fill('[data-testid="batch-interval"]', '15');
        await page.getByTestId('batch-start').click();
        await page.getByTestId('batch-result').waitFor({ timeout: 60000 });
        await audit(page, 'batch (dark)');
      }
      assert.deepEqual(errors, []);
      await page.close();
    });
  }
}
