// The prediction screen: presets, pasted rows, shareable links, range flags,
// explanations, sliders, timing, and a phone-sized layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { startApp, openPage, ready, datasetRates, artifacts } from './helpers.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

test('a pasted CSV row with its header fills every field and predicts its class', async () => {
  const { label, rates } = datasetRates(2500);
  const names = Object.keys(rates);
  // Header in a shuffled order plus the label column: matched by name.
  const order = [...names].reverse();
  const text = ['class,' + order.join(','), label + ',' + order.map((n) => rates[n]).join(',')].join('\n');
  const { page, errors } = await openPage(app, { task: 'sample' });
  await page.fill('#paste-row', text);
  assert.equal(await page.getByTestId('paste-msg').innerText(), 'Filled 34 of 34 inputs from the pasted row. Ignored columns: class.');
  // Every field holds its value: exact for the model and in the link, shown
  // to a few significant digits in the field.
  const linked = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
  for (const n of names) {
    assert.equal(Number(linked.get(n)), rates[n], n);
    const shown = Number(await page.inputValue(`#in-${n}`));
    assert.ok(Math.abs(shown - rates[n]) <= 5e-4 * Math.abs(rates[n]), `${n}: ${shown} for ${rates[n]}`);
  }
  assert.equal(await page.getByTestId('predicted-class').innerText(), label);
  // A row without header, in the model's order.
  const { label: label2, rates: rates2 } = datasetRates(1500);
  await page.fill('#paste-row', Object.values(rates2).join(';'));
  assert.match(await page.getByTestId('paste-msg').innerText(), /Filled 34 of 34/);
  assert.equal(await page.getByTestId('predicted-class').innerText(), label2);
  // A broken paste is refused with a message and leaves the fields alone.
  await page.fill('#paste-row', '1,2,3');
  assert.match(await page.getByTestId('paste-msg').innerText(), /Could not read the pasted row: the row has 3 cells/);
  assert.equal(await page.getByTestId('predicted-class').innerText(), label2);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the sample is in the URL: a link reproduces the inputs and the verdict', async () => {
  const { page } = await openPage(app, { task: 'sample' });
  await page.locator('button.preset[data-class="httpFlood"]').click();
  assert.equal(await page.getByTestId('predicted-class').innerText(), 'httpFlood');
  const href = (p) => p.evaluate(() => location.href);
  const link = await href(page);
  assert.match(link, /#ifInOctets11=[0-9.e+-]+&/);
  const values = await page.$$eval('input[id^="in-"]', (els) => els.map((e) => e.value));
  const other = await app.browser.newPage();
  await other.goto(link);
  await other.getByTestId('predicted-class').waitFor();
  assert.equal(await other.getByTestId('predicted-class').innerText(), 'httpFlood');
  assert.deepEqual(await other.$$eval('input[id^="in-"]', (els) => els.map((e) => e.value)), values);
  // Editing a field updates the link.
  await other.fill('#in-tcpInSegs', '42');
  await other.waitForFunction(() => /tcpInSegs=42(&|$)/.test(location.hash), null, { timeout: 5000 });
  assert.match(await href(other), /tcpInSegs=42(&|$)/);
  await other.close();
  await page.close();
});

test('a bad link shows a message and the default inputs', async () => {
  const { page: fresh } = await openPage(app, { task: 'sample' });
  const defaults = await fresh.$$eval('input[id^="in-"]', (els) => els.map((e) => e.value));
  await fresh.close();
  const page = await app.browser.newPage();
  await page.goto(app.server.url + '#ifInOctets11=abc&tcpInSegs=5');
  await page.getByTestId('link-notice').waitFor();
  assert.match(await page.getByTestId('link-notice').innerText(),
    /This link's sample could not be read: ifInOctets11: "abc" is not a number\. Showing the default inputs instead\./);
  assert.deepEqual(await page.$$eval('input[id^="in-"]', (els) => els.map((e) => e.value)), defaults);
  assert.equal(await page.getByTestId('predicted-class').count(), 1);
  await page.close();
  const page2 = await app.browser.newPage();
  await page2.goto(app.server.url + '#nosuchcounter=1');
  await page2.getByTestId('link-notice').waitFor();
  assert.match(await page2.getByTestId('link-notice').innerText(), /"nosuchcounter" is not an input of the active model/);
  // A new link typed into the address bar of the open page is read too.
  await page2.evaluate(() => { location.hash = 'tcpInSegs=oops'; });
  await page2.getByTestId('link-notice').filter({ hasText: 'oops' }).waitFor({ timeout: 5000 });
  await page2.close();
});

test('an input far outside the training range is flagged as extrapolation', async () => {
  const { page } = await openPage(app, { task: 'sample' });
  await page.locator('button.preset[data-class="normal"]').click();
  assert.equal(await page.getByTestId('range-warnings').count(), 0);
  const hint = await page.locator('#hint-ipInReceives').innerText();
  const max = Number(hint.split('–').pop().trim());
  assert.ok(max > 0, hint);
  await page.fill('#in-ipInReceives', String(max * 40));
  const warn = await page.getByTestId('range-warnings').innerText();
  assert.match(warn, /ipInReceives is 40× above anything seen in training/);
  assert.match(warn, /the prediction is an extrapolation/);
  await page.close();
});

test('the explanation lists the features that drive the prediction, computed by the model', async () => {
  const { page } = await openPage(app, { task: 'sample' });
  await page.locator('button.preset[data-class="tcp-syn"]').click();
  const reasons = page.getByTestId('reasons');
  assert.match(await reasons.locator('h3').innerText(), /Why tcp-syn/);
  const items = reasons.locator('li.reason');
  const n = await items.count();
  assert.ok(n >= 1 && n <= 8, `${n} reasons`);
  assert.match(await items.first().locator('.reason-value').innerText(), /^[+−-]?\d+ pts$/);
  const named = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-feature')));
  // Reasons name model features: inputs and the mix features computed from them.
  assert.ok(named.every((f) => /^(if|ip|bytesPerPkt|octets|ucast|forwarded|nonUcast|discard)/.test(f)), named.join(','));
  // A different sample gets a different explanation.
  await page.locator('button.preset[data-class="bruteForce"]').click();
  assert.match(await reasons.locator('h3').innerText(), /Why bruteForce/);
  const named2 = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-feature') + e.innerText));
  assert.notDeepEqual(named2, named);
  await page.close();
});

test('a host-like row is flagged as unfamiliar traffic, with a pointer to retraining', async () => {
  const { page } = await openPage(app, { task: 'sample' });
  await page.locator('button.preset[data-class="normal"]').click();
  assert.equal(await page.getByTestId('guard-warning').count(), 0);
  // A host under a SYN flood: its own stack receives and answers everything; nothing is forwarded.
  const host = {
    ifInOctets11: 120000, ifInUcastPkts11: 2000, ifInNUcastPkts11: 0,
    ifOutOctets11: 108000, ifOutUcastPkts11: 2000, ifOutNUcastPkts11: 0,
    ipInReceives: 2000, ipInDelivers: 2000, ipOutRequests: 2000, ipForwDatagrams: 0,
    tcpInSegs: 2000, tcpOutSegs: 2000, tcpPassiveOpens: 1000, tcpOutRsts: 500, tcpCurrEstab: 200,
  };
  for (const [name, value] of Object.entries(host)) await page.fill(`#in-${name}`, String(value));
  const warn = page.getByTestId('guard-warning');
  await warn.waitFor({ timeout: 5000 });
  assert.match(await warn.innerText(), /Unfamiliar traffic: \d+ of 24 features lie outside anything this model was trained on/);
  assert.match(await warn.innerText(), /Retrain on labelled counters from your own network/);
  await page.close();
});

test('the log-scale slider sets the field, and timing is shown in the footer', async () => {
  const { page } = await openPage(app, { task: 'sample' });
  const slider = page.getByLabel('tcpInSegs (log scale)');
  await slider.fill('1000');
  assert.equal(Number(await page.inputValue('#in-tcpInSegs')), 10000000);
  await slider.fill('0');
  assert.equal(Number(await page.inputValue('#in-tcpInSegs')), 0);
  await page.fill('#in-tcpInSegs', '999');
  const pos = Number(await slider.inputValue());
  assert.ok(Math.abs(pos - 428.6) < 1.5, `slider at ${pos}`);
  const timing = await page.locator('footer').getByTestId('timing').innerText();
  const ms = Number(timing.match(/Last prediction: ([0-9.]+) ms for 100 trees/)[1]);
  assert.ok(ms > 0 && ms < 1, timing);
  await page.close();
});

test('every input is labelled, the verdict is a live region, and the page fits a phone', async () => {
  const { page, errors } = await openPage(app, { width: 360, height: 780, task: 'sample' });
  const unlabelled = await page.$$eval('input, textarea', (els) =>
    els.filter((e) => e.labels.length === 0 && !e.getAttribute('aria-label')).map((e) => e.id || e.outerHTML));
  assert.deepEqual(unlabelled, []);
  assert.equal(await page.getByTestId('verdict-panel').getAttribute('aria-live'), 'polite');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than a 360px phone`);
  // Keyboard: Tab reaches the first preset within a few presses, and Enter uses it.
  let focused = '';
  for (let i = 0; i < 12 && focused !== 'normal'; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.closest('button.preset')?.dataset.class ?? '');
  }
  assert.equal(focused, 'normal');
  await page.keyboard.press('Enter');
  assert.equal(await page.getByTestId('predicted-class').innerText(), 'normal');
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, 'main-phone.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('light and dark themes follow the system setting', async () => {
  const bg = async (scheme) => {
    const page = await app.browser.newPage({ colorScheme: scheme, viewport: { width: 1280, height: 900 } });
    await page.goto(app.server.url);
    await ready(page);
    const rgb = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    if (scheme === 'dark') await page.screenshot({ path: path.join(artifacts, 'main-dark.png') });
    await page.close();
    return rgb.match(/\d+/g).slice(0, 3).map(Number).reduce((a, b) => a + b, 0) / 3;
  };
  assert.ok((await bg('light')) > 200, 'light background');
  assert.ok((await bg('dark')) < 60, 'dark background');
});
