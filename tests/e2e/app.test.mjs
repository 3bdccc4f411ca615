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
    await verdictExplained(page);
    assert.deepEqual(errors, []);
    await page.close();
  });
}

/**
 * The default model's verdict comes from its baseline of normal traffic:
 * anomalous with the inputs outside their bands and the attack it looks
 * like, or normal with every input inside — and then, when the forest names
 * an attack, the page says they disagree and what the forest is worth here.
 */
async function verdictExplained(page) {
  const verdict = await page.getByTestId('verdict').innerText();
  if (/Anomalous/.test(verdict)) {
    assert.match(await page.getByTestId('baseline-reasons').innerText(), /above your normal|below your normal|vs normal/);
    assert.match(await page.getByTestId('looks-like').innerText(), /^Looks like \S+ \([\d.]+% of trees\)\.$/);
  } else {
    assert.match(verdict, /Normal/);
    await page.getByTestId('baseline-normal').waitFor();
    assert.match(await page.getByTestId('forest-disagrees').innerText(), /false alarms on [\d.]+% of held-out normal rows/);
  }
}

test('each class preset loads a typical row predicted as that class', async () => {
  const { page } = await openPage(app, { task: 'sample' });
  for (const c of CLASSES) {
    await page.locator(`button.preset[data-class="${c}"]`).click();
    assert.equal(await page.getByTestId('predicted-class').innerText(), c);
    if (c === 'normal') {
      assert.match(await page.getByTestId('verdict').innerText(), /Normal/);
      assert.equal(await page.getByTestId('forest-disagrees').count(), 0);
    } else {
      await verdictExplained(page);
    }
  }
  // On the router, the baseline flags some typical attack rows and not
  // others (README: "Learn your normal"); both kinds are here.
  const anomalous = [];
  for (const c of CLASSES) {
    await page.locator(`button.preset[data-class="${c}"]`).click();
    if (/Anomalous/.test(await page.getByTestId('verdict').innerText())) anomalous.push(c);
  }
  assert.ok(anomalous.length > 0 && anomalous.length < CLASSES.length - 1, anomalous.join());
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
