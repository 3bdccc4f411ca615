// A newcomer's journey, scripted: land on the page, drop the traffic lab's
// export (data/lab/lab.csv: cumulative counters with a `timestamp` column)
// on the scoring task's drop zone, say how it was captured, score it, read
// the counts, the timeline and the reasons, download the scored CSV. Every
// action is counted; none needs scrolling past a section unrelated to the
// task (on a wide screen, none needs scrolling at all). The same for
// learning one's normal: land, learn from the lab's normal capture, download.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, openPage, inViewport, repo } from './helpers.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

const LAB = path.join(repo, 'data/lab/lab.csv');

for (const [width, height, strict] of [[1280, 800, true], [390, 844, false]]) {
  test(`land, drop the lab export, score it, read it, download it (${width}×${height})`, async () => {
    const { page, errors } = await openPage(app, { width, height });
    const score = page.locator('[data-panel="score"]');
    const actions = [];
    /** One user action on `target`: on screen as it stands (wide screen), in the scoring task, nothing else shown. */
    const act = async (what, target, run) => {
      assert.equal(await page.locator('[data-panel]:not([hidden])').count(), 1, `${what}: one task on screen`);
      assert.ok(await score.isVisible(), `${what}: in the scoring task`);
      assert.equal(await target.evaluate((el, panel) => panel.contains(el), await score.elementHandle()), true, `${what}: part of the scoring task`);
      if (strict) assert.ok(await inViewport(target), `${what}: on screen without scrolling`);
      actions.push(what);
      await run();
    };

    // 1. Drop the file on the drop zone (a real DataTransfer, as a browser makes it).
    const zone = page.getByTestId('batch-file-drop');
    await act('drop lab.csv', zone, () => zone.evaluate((el, text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'lab.csv', { type: 'text/csv' }));
      el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, fs.readFileSync(LAB, 'utf8')));
    const rows = fs.readFileSync(LAB, 'utf8').trim().split('\n').length - 1;
    await page.getByText(`File: lab.csv (${rows} rows)`).waitFor({ timeout: 20000 });
    // 2. How it was captured: cumulative counters with a timestamp column...
    const kind = page.getByTestId('batch-kind');
    await act('choose counters with a timestamp column', kind, () => kind.selectOption({ label: 'cumulative counters, timestamp column' }));
    // 3. ...named `timestamp` (the page has guessed it; the newcomer checks it).
    const time = page.getByTestId('batch-time');
    assert.equal(await time.inputValue(), 'timestamp', 'the timestamp column is guessed');
    await act('choose the timestamp column', time, () => time.selectOption('timestamp'));
    // 4. Score.
    const start = page.getByTestId('batch-start');
    await act('score', start, () => start.click());
    await page.getByTestId('batch-result').waitFor({ timeout: 60000 });

    // 5. Read it: the counts, the timeline and the rows with their reasons,
    // all in the scoring task, right below its settings.
    const summary = await page.getByTestId('batch-summary').innerText();
    const scored = Number(summary.match(/^Scored (\d+) rows/)[1]);
    assert.ok(scored > 2500 && scored < rows, summary);
    const counts = await page.getByTestId('batch-counts').locator('li').allInnerTexts();
    assert.equal(counts.map((li) => Number(li.split(': ')[1])).reduce((a, b) => a + b, 0), scored);
    assert.equal(await page.getByTestId('batch-timeline').locator('polyline').count(), 1);
    const reasons = await page.getByTestId('batch-rows').locator('td.reasons-cell').allInnerTexts();
    assert.ok(reasons.length > 0 && reasons.every((r) => /^\S+ [+-]\d+/.test(r)), reasons[0]);
    for (const [what, el] of [['counts', page.getByTestId('batch-counts')], ['timeline', page.getByTestId('batch-timeline')], ['reasons', page.getByTestId('batch-rows')]]) {
      assert.ok(await el.isVisible(), `${what} shown`);
      assert.equal(await el.evaluate((e, panel) => panel.contains(e), await score.elementHandle()), true, `${what} in the scoring task`);
    }
    // Nothing but this task's own results between its settings and its rows.
    const gap = await page.evaluate(() => {
      const a = document.querySelector('[data-testid="batch-start"]').getBoundingClientRect().bottom;
      const b = document.querySelector('[data-testid="batch-rows"]').getBoundingClientRect().top;
      return b - a;
    });
    assert.ok(gap < 2 * height, `the rows start ${gap}px below the Score button`);

    // 6. Download the scored file.
    const download = page.getByTestId('batch-download');
    const [file] = await Promise.all([page.waitForEvent('download'), act('download the scored CSV', download, () => download.click())]);
    const saved = path.join(os.tmpdir(), `mibwatch-journey-${process.pid}-${width}.csv`);
    await file.saveAs(saved);
    const lines = fs.readFileSync(saved, 'utf8').trim().split('\n');
    fs.unlinkSync(saved);
    assert.equal(lines.length - 1, scored);
    const header = lines[0].split(',');
    assert.ok(header.includes('timestamp'), 'the timestamps pass through');
    for (const c of ['predicted_class', 'p_anomalous', 'unfamiliar', 'p_normal']) assert.ok(header.includes(c), c);

    console.log(`# journey at ${width}×${height}: ${actions.length} actions (${actions.join(', ')})`);
    assert.equal(actions.length, 5, actions.join(', '));
    assert.deepEqual(errors, []);
    await page.close();
  });
}

// Learning one's normal, scripted the same way: land, open "Learn your
// normal", drop the lab's long normal capture, learn, download the model.
const NORMAL = path.join(repo, 'data/lab/normal-long.csv');

for (const [width, height, strict] of [[1280, 800, true], [390, 844, false]]) {
  test(`land, learn normal from the lab's normal capture, download the model (${width}×${height})`, async () => {
    const { page, errors } = await openPage(app, { width, height });
    const learn = page.locator('[data-panel="learn"]');
    const actions = [];
    /** One user action on `target`: on screen as it stands (wide screen); after the first, in the learning task. */
    const act = async (what, target, run) => {
      if (actions.length > 0) {
        assert.ok(await learn.isVisible(), `${what}: in the learning task`);
        assert.equal(await target.evaluate((el, panel) => panel.contains(el), await learn.elementHandle()), true, `${what}: part of the learning task`);
      }
      if (strict) assert.ok(await inViewport(target), `${what}: on screen without scrolling`);
      actions.push(what);
      await run();
    };
    // 1. Open the task from the task list.
    const link = page.locator('a[data-task="learn"]');
    await act('open "Learn your normal"', link, () => link.click());
    await learn.waitFor();
    // 2. Drop the file.
    const zone = page.getByTestId('learn-file-drop');
    await act('drop normal-long.csv', zone, () => zone.evaluate((el, text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'normal-long.csv', { type: 'text/csv' }));
      el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, fs.readFileSync(NORMAL, 'utf8')));
    await page.getByTestId('learn-file-kind').waitFor({ timeout: 20000 });
    // 3. Learn (every choice guessed: clock, sessions, beside the active forest).
    const start = page.getByTestId('learn-start');
    await act('learn', start, () => start.click());
    await page.getByTestId('learn-result').waitFor({ timeout: 60000 });
    assert.match(await page.getByTestId('learn-false-alarms').innerText(), /False alarms on held-out normal polls: [\d.]+% \(target 1\.0%\)/);
    // 4. Download the model file.
    const download = page.getByTestId('learn-download');
    const [file] = await Promise.all([page.waitForEvent('download'), act('download the model', download, () => download.click())]);
    const saved = path.join(os.tmpdir(), `mibwatch-journey-learn-${process.pid}-${width}.mwm`);
    await file.saveAs(saved);
    const bytes = fs.readFileSync(saved);
    fs.unlinkSync(saved);
    assert.equal(bytes.subarray(0, 8).toString('latin1'), 'MIBWATCH');
    console.log(`# learn journey at ${width}×${height}: ${actions.length} actions (${actions.join(', ')})`);
    assert.equal(actions.length, 4, actions.join(', '));
    assert.deepEqual(errors, []);
    await page.close();
  });
}
