// The app skeleton in a real browser: it loads the embedded model, shows its
// summary, and predicts rows typed into the form.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startApp, openPage, datasetRates, artifacts } from './helpers.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const CLASSES = ['normal', 'icmp-echo', 'tcp-syn', 'udp-flood', 'httpFlood', 'slowloris', 'slowpost', 'bruteForce'];

test('page loads the embedded model with no console errors', async () => {
  const { page, errors } = await openPage(app, { task: 'model' });
  const classes = await page.getByTestId('model-classes').innerText();
  for (const c of CLASSES) assert.ok(classes.includes(c), `class ${c} in "${classes}"`);
  const source = await page.getByTestId('model-source').innerText();
  assert.match(source, /transit router/);
  const acc = await page.getByTestId('time-ordered-row-accuracy').innerText();
  const v = Number(acc.replace('%', ''));
  assert.ok(v > 40 && v < 85, `time-ordered accuracy shown as ${acc}`);
  // Binary figures beside their trivial baseline.
  const row = await page.getByTestId('time-ordered-row').locator('td').allInnerTexts();
  assert.equal(row.length, 6);
  const baseline = await page.locator('tr.baseline td').allInnerTexts();
  assert.deepEqual(baseline.slice(3), ['50.0%', '100.0%', '100.0%']);
  assert.equal(await page.locator('input[id^="in-"]').count(), 34);
  assert.ok(await page.locator('#error-banner').isHidden());
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, 'main.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

async function enterRates(page, rates) {
  for (const [name, value] of Object.entries(rates)) {
    await page.fill(`#in-${name}`, String(value));
  }
}

for (const row of [1500, 2500, 3200]) {
  test(`a known attack row from the training data (row ${row}) shows its class`, async () => {
    const { label, rates } = datasetRates(row);
    assert.notEqual(label, 'normal');
    const { page, errors } = await openPage(app, { task: 'sample' });
    await enterRates(page, rates);
    await page.getByTestId('predicted-class').filter({ hasText: label }).waitFor({ timeout: 5000 });
    assert.equal(await page.getByTestId('predicted-class').innerText(), label);
    assert.match(await page.getByTestId('verdict').innerText(), /Anomalous/);
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test('each class preset loads a typical row predicted as that class', async () => {
  const { page } = await openPage(app, { task: 'sample' });
  for (const c of CLASSES) {
    await page.locator(`button.preset[data-class="${c}"]`).click();
    assert.equal(await page.getByTestId('predicted-class').innerText(), c);
    const verdict = await page.getByTestId('verdict').innerText();
    assert.match(verdict, c === 'normal' ? /Normal/ : /Anomalous/);
  }
  await page.close();
});

test('a bad value is refused at the field and never reaches the model', async () => {
  const { page } = await openPage(app, { task: 'sample' });
  await page.fill('#in-tcpInSegs', 'abc');
  assert.equal(await page.locator('#err-tcpInSegs').innerText(), '"abc" is not a number.');
  assert.equal(await page.locator('#in-tcpInSegs').getAttribute('aria-invalid'), 'true');
  assert.match(await page.getByTestId('verdict').innerText(), /Fix the highlighted fields/);
  assert.equal(await page.getByTestId('predicted-class').count(), 0);
  await page.fill('#in-tcpInSegs', '-3');
  assert.match(await page.locator('#err-tcpInSegs').innerText(), /negative/);
  await page.fill('#in-tcpInSegs', '12');
  assert.equal(await page.locator('#err-tcpInSegs').innerText(), '');
  assert.equal(await page.getByTestId('predicted-class').count(), 1);
  await page.close();
});
