// The page as an operator's tool: the first screen says what the app does
// and offers the four tasks (scoring's drop zone right there), with the
// active model in one line; each task keeps its state and has its own URL;
// the sample's verdict stays in view while its inputs are edited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, openPage, ready, showTask, inViewport } from './helpers.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const TITLES = ['Score an export', 'Retrain on your data', 'Learn your normal', 'Check one sample'];

for (const [width, height] of [[1280, 800], [390, 844]]) {
  test(`the first screen at ${width}×${height}: what the app does, the four tasks, the drop zone, the model in one line`, async () => {
    const { page, errors } = await openPage(app, { width, height });
    assert.equal(await page.evaluate(() => window.scrollY), 0);
    // What the app does, in one sentence.
    const tagline = page.locator('.tagline');
    assert.ok(await inViewport(tagline), 'the sentence is on the first screen');
    assert.match(await tagline.innerText(), /^[^.]*SNMP[^.]*attacks[^.]*\.$/);
    // The four things one can do, each on the first screen.
    const links = page.locator('nav.tasks a');
    assert.equal(await links.count(), TITLES.length);
    for (let i = 0; i < TITLES.length; i++) {
      assert.match(await links.nth(i).innerText(), new RegExp(`^${TITLES[i]}`));
      assert.ok(await inViewport(links.nth(i)), `${TITLES[i]} on the first screen`);
    }
    assert.equal(await page.locator('a[data-task="score"]').getAttribute('aria-current'), 'page');
    // Scoring an export is the task shown: its drop zone and picker are right there.
    assert.ok(await inViewport(page.getByTestId('batch-file-drop')), 'drop zone on the first screen');
    assert.ok(await inViewport(page.locator('[data-testid="batch-file-drop"] label')), 'file picker on the first screen');
    for (const other of ['retrain', 'learn', 'sample', 'model']) {
      assert.ok(await page.locator(`[data-panel="${other}"]`).isHidden(), `${other} hidden`);
    }
    // The active model in one line: source, data and the honest headline
    // figure beside its trivial baseline, and a link to the full evaluation.
    const line = page.getByTestId('model-line');
    assert.ok(await inViewport(line));
    const text = await line.innerText();
    assert.match(text, /Public SNMP-MIB dataset/);
    const [, rows, acc, base] = text.match(/(\d+) rows · 8 classes · time-ordered accuracy ([\d.]+)% \(trivial baseline ([\d.]+)%\)/);
    assert.equal(Number(rows), 4976);
    if (width >= 900) {
      const lh = await line.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight));
      const h = await line.evaluate((el) => el.getBoundingClientRect().height);
      assert.ok(h < 2 * lh, `one line on a wide screen (${h}px for a ${lh}px line)`);
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
    // The full evaluation is one click away, with the same figures.
    await page.getByRole('link', { name: 'Full evaluation' }).click();
    await page.getByTestId('model-metrics').waitFor();
    assert.equal(await page.evaluate(() => location.hash), '#model');
    assert.equal(await page.getByTestId('time-ordered-row-accuracy').innerText(), `${acc}%`);
    assert.equal(await page.locator('tr.baseline td').first().innerText(), `${base}%`);
    assert.ok(await page.getByTestId('model-download').isVisible(), 'the model box is in the model view');
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test('each task keeps its state, and the URL names the task and the sample', async () => {
  const { page, errors } = await openPage(app);
  const hash = () => page.evaluate(() => location.hash);
  // Score: a file chosen, counters chosen.
  await page.getByTestId('batch-file').setInputFiles({ name: 'kept.csv', mimeType: 'text/csv', buffer: Buffer.from('ifInOctets11,ifOutOctets11\n1,2\n3,4\n') });
  await page.getByText('File: kept.csv (2 rows)').waitFor();
  await page.getByTestId('batch-kind').selectOption('counters');
  // Sample: the link holds the sample.
  await showTask(page, 'sample');
  await page.waitForFunction(() => location.hash.startsWith('#ifInOctets11='));
  await page.fill('#in-tcpInSegs', '42');
  await page.waitForFunction(() => /tcpInSegs=42(&|$)/.test(location.hash));
  // Retrain: a file chosen.
  await showTask(page, 'retrain');
  assert.equal(await hash(), '#retrain');
  await page.getByTestId('train-file').setInputFiles({ name: 'kept-train.csv', mimeType: 'text/csv', buffer: Buffer.from('tcpInSegs,class\n1,a\n2,b\n') });
  await page.getByText('File: kept-train.csv').waitFor();
  // Back to each: nothing was lost.
  await showTask(page, 'score');
  assert.equal(await hash(), '#score');
  assert.ok(await page.getByText('File: kept.csv (2 rows)').isVisible());
  assert.equal(await page.getByTestId('batch-kind').inputValue(), 'counters');
  await showTask(page, 'sample');
  assert.equal(await page.inputValue('#in-tcpInSegs'), '42');
  await page.waitForFunction(() => /tcpInSegs=42(&|$)/.test(location.hash));
  await showTask(page, 'retrain');
  assert.ok(await page.getByText('File: kept-train.csv').isVisible());
  // The browser's Back button goes back through the tasks.
  await page.goBack();
  await page.locator('[data-panel="sample"]').waitFor();
  assert.equal(await page.inputValue('#in-tcpInSegs'), '42');
  await page.goBack();
  await page.locator('[data-panel="score"]').waitFor();
  assert.ok(await page.locator('[data-panel="sample"]').isHidden());
  assert.deepEqual(errors, []);
  await page.close();
  // A shared link opens the same task...
  for (const task of ['retrain', 'model', 'sample', 'score']) {
    const p = await app.browser.newPage();
    await p.goto(`${app.server.url}#${task}`);
    await ready(p);
    await p.locator(`[data-panel="${task}"]`).waitFor();
    assert.equal(await p.locator('[data-panel]:not([hidden])').count(), 1, `only ${task} shown`);
    await p.close();
  }
  // ...and, for the sample task, the same sample; links from before the
  // tasks existed (#ifInOctets11=…&…) still open the sample task with it.
  const p = await app.browser.newPage();
  await p.goto(`${app.server.url}#tcpInSegs=7&ifInOctets11=123456.789`);
  await p.locator('[data-panel="sample"]').waitFor();
  assert.equal(await p.inputValue('#in-tcpInSegs'), '7');
  assert.equal(await p.locator('a[data-task="sample"]').getAttribute('aria-current'), 'page');
  await p.waitForFunction(() => location.hash.includes('ifInOctets11=123456.789&'));
  await p.close();
});

test('the verdict stays in view while the inputs are edited: beside the form, or a bar on a phone', async () => {
  // Wide screen: the verdict panel sits beside the form and sticks.
  const { page } = await openPage(app, { width: 1280, height: 800, task: 'sample' });
  const last = page.locator('input[id^="in-"]').last();
  await page.locator('button.preset[data-class="tcp-syn"]').click();
  await last.fill('3');
  assert.ok((await page.evaluate(() => window.scrollY)) > 800, 'the last input is far down the page');
  const verdict = page.getByTestId('verdict');
  assert.ok(await inViewport(verdict), 'verdict in view at the last input');
  assert.ok(await inViewport(page.getByTestId('predicted-class')));
  const [panel, form] = await Promise.all([
    page.getByTestId('verdict-panel').evaluate((el) => el.closest('.verdict-panel').getBoundingClientRect().toJSON()),
    page.locator('form.features').evaluate((el) => el.getBoundingClientRect().toJSON()),
  ]);
  assert.ok(panel.right <= form.left, 'the verdict is beside the form');
  assert.ok(await page.getByTestId('verdict-bar').isHidden(), 'no phone bar on a wide screen');
  await page.close();
  // Phone: a bar with the verdict sticks to the bottom of the screen.
  const phone = (await openPage(app, { width: 390, height: 844, task: 'sample' })).page;
  const bar = phone.getByTestId('verdict-bar');
  for (const c of ['udp-flood', 'normal']) {
    await phone.locator(`button.preset[data-class="${c}"]`).click();
    await phone.locator('input[id^="in-"]').last().fill('1');
    assert.ok((await phone.evaluate(() => window.scrollY)) > 844);
    assert.ok(!(await inViewport(phone.getByTestId('verdict'))), 'the panel itself is out of view');
    assert.ok(await inViewport(bar), 'the bar is in view');
    const verdict = await phone.getByTestId('verdict').innerText();
    const cls = await phone.getByTestId('predicted-class').innerText();
    const text = await bar.innerText();
    assert.ok(text.includes(verdict.replace(/^\W+/, '')), `${text} / ${verdict}`);
    assert.ok(text.includes(cls), `${text} / ${cls}`);
  }
  await phone.close();
});
