// Numbers read like numbers: the page opens on a normal sample, fields show
// a few significant digits while the model and the link keep the exact
// values, rounding never changes a prediction, and no floating-point noise
// (…99999, …000001) shows anywhere on any task.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startApp, openPage, showTask, repo } from './helpers.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const DATA = path.join(repo, 'data/snmp-mib/all_data.csv');
const CLASSES = ['normal', 'icmp-echo', 'tcp-syn', 'udp-flood', 'httpFlood', 'slowloris', 'slowpost', 'bruteForce'];
const NOISE = /\d\.\d*?(9{5,}|0{5,}[1-9])/;

/** What the page shows about the sample: each class's probability, the class, the link's values. */
async function shown(page) {
  const bars = await page.getByTestId('verdict-panel').locator('li.bar').evaluateAll((els) =>
    Object.fromEntries(els.map((e) => [e.dataset.class, e.dataset.p])));
  const fields = await page.$$eval('input[id^="in-"]', (els) => els.map((e) => [e.id.slice(3), e.value]));
  const link = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
  return { bars, cls: await page.getByTestId('predicted-class').innerText(), fields, link };
}

test('the page opens on a typical normal row, predicted normal; Reset brings it back', async () => {
  const { page } = await openPage(app, { task: 'sample' });
  assert.match(await page.getByTestId('verdict').innerText(), /Normal/);
  assert.equal(await page.getByTestId('predicted-class').innerText(), 'normal');
  // It is the normal class's typical row, the "Typical normal" preset.
  const first = await shown(page);
  await page.locator('button.preset[data-class="tcp-syn"]').click();
  assert.equal(await page.getByTestId('predicted-class').innerText(), 'tcp-syn');
  const reset = page.getByTestId('reset');
  assert.equal(await reset.innerText(), 'Reset (typical normal row)');
  assert.match(await page.locator('section.predict .hint').first().innerText(), /opens on the typical normal row of the training data/);
  await reset.click();
  assert.deepEqual(await shown(page), first);
  await page.locator('button.preset[data-class="normal"]').click();
  assert.deepEqual(await shown(page), first);
  await page.close();
});

test('rounded fields predict exactly what the exact values do, for the default sample and every preset', async () => {
  const { page, errors } = await openPage(app, { task: 'sample' });
  let rounded = 0;
  for (const preset of [null, ...CLASSES]) {
    if (preset) await page.locator(`button.preset[data-class="${preset}"]`).click();
    const exact = await shown(page);
    for (const [name, text] of exact.fields) {
      // The field shows a number; the link keeps the exact value.
      assert.doesNotMatch(text, NOISE, `${name} = ${text}`);
      const full = Number(exact.link.get(name));
      assert.ok(Math.abs(Number(text) - full) <= 5e-4 * Math.abs(full), `${name}: ${text} for ${full}`);
      if (Number(text) !== full) rounded++;
    }
    // Enter the shown values as they read: the same probabilities to the last bit.
    const names = exact.fields.map(([n]) => n);
    await page.fill('#paste-row', names.join(',') + '\n' + exact.fields.map(([, t]) => t).join(','));
    const typed = await shown(page);
    assert.deepEqual(typed.bars, exact.bars, `${preset ?? 'default'}: probabilities from the shown values`);
    assert.equal(typed.cls, exact.cls);
    await page.fill('#paste-row', '');
  }
  assert.ok(rounded > 20, `${rounded} fields were shown rounded`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('no floating-point noise on any task: scored file, trained model, every preset, the model view', async () => {
  const { page, errors } = await openPage(app);
  const scan = async (where) => {
    const text = await page.evaluate(() => document.body.innerText);
    const values = await page.$$eval('input, textarea, select', (els) =>
      els.filter((e) => e.offsetParent !== null).map((e) => e.value));
    const hit = [text, ...values].map((t) => t.match(NOISE)).find((m) => m);
    assert.equal(hit, undefined, `${where}: "${hit?.[0]}" in "${hit?.input.slice(Math.max(0, hit.index - 40), hit.index + 40)}"`);
  };
  await scan('score (first screen)');
  await page.getByTestId('batch-file').setInputFiles(DATA);
  await page.getByText(/^File: .* rows\)$/).waitFor({ timeout: 30000 });
  await page.getByTestId('batch-kind').selectOption('counters');
  await page.getByTestId('batch-start').click();
  await page.getByTestId('batch-result').waitFor({ timeout: 60000 });
  await scan('score (results)');
  await showTask(page, 'retrain');
  await page.getByTestId('train-file').setInputFiles(DATA);
  await page.getByTestId('preview').waitFor();
  for (const s of await page.locator('[data-testid="preview"] summary').all()) await s.click();
  await page.fill('[data-testid="train-trees"]', '10');
  await page.fill('[data-testid="train-cv-folds"]', '2');
  await page.getByTestId('train-start').click();
  await page.getByTestId('train-result').waitFor({ timeout: 120000 });
  await scan('retrain (preview, result)');
  await showTask(page, 'sample');
  for (const c of CLASSES) {
    await page.locator(`button.preset[data-class="${c}"]`).click();
    await scan(`sample (${c})`);
  }
  await page.getByLabel('tcpInSegs (log scale)').fill('617');
  await scan('sample (slider)');
  await showTask(page, 'model');
  await scan('model');
  assert.deepEqual(errors, []);
  await page.close();
});
