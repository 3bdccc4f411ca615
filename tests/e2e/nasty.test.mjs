// The nastiest files a user can hand the upload: each ends with a clear
// message (or is shown safely) and the app keeps working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, openPage, ready, showTask } from './helpers.mjs';

let app;
before(async () => {
  app = await startApp();
});
after(async () => {
  await app?.close();
});

async function stillWorks(page) {
  await showTask(page, 'sample');
  await page.locator('button.preset[data-class="tcp-syn"]').click();
  assert.equal(await page.getByTestId('predicted-class').innerText(), 'tcp-syn');
}

async function upload(page, name, buffer) {
  await page.getByTestId('train-file').setInputFiles({ name, mimeType: 'text/csv', buffer });
}

test('empty, header-only, binary garbage, duplicate columns and 10,000 columns', async () => {
  const { page, errors } = await openPage(app, { task: 'retrain' });
  const train = async () => {
    await page.fill('[data-testid="train-trees"]', '3');
    await page.fill('[data-testid="train-interval"]', '');
    await page.getByTestId('train-start').click();
  };
  await upload(page, 'zero.csv', Buffer.alloc(0));
  await page.getByTestId('train-error').filter({ hasText: 'zero.csv: the file is empty.' }).waitFor();

  await upload(page, 'header.csv', Buffer.from('tcpInSegs,udpNoPorts,class\r\n'));
  await page.getByText('File: header.csv').waitFor();
  await train();
  await page.getByTestId('train-error').filter({ hasText: 'header.csv: the file has a header row but no data rows.' }).waitFor({ timeout: 20000 });

  const garbage = Buffer.alloc(64 * 1024);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 2654435761) >>> 24;
  await upload(page, 'garbage.bin', garbage);
  await page.getByTestId('train-error').waitFor({ timeout: 20000 });
  const gmsg = await page.getByTestId('train-error').innerText();
  assert.match(gmsg, /garbage\.bin/);

  await upload(page, 'dup.csv', Buffer.from('tcpInSegs,TCPINSEGS,class\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n1,1,x\n2,2,y\n3,3,x\n4,4,y\n'));
  await page.getByText('File: dup.csv').waitFor();
  await train();
  await page.getByTestId('train-error').filter({ hasText: 'dup.csv: the column "TCPINSEGS" appears more than once in the header.' }).waitFor({ timeout: 20000 });

  const wide = Array.from({ length: 10000 }, (_, i) => `c${i}`).join(',') + ',class\n' + Array.from({ length: 10000 }, () => '1').join(',') + ',x\n';
  await upload(page, 'wide.csv', Buffer.from(wide));
  await page.getByTestId('train-error').filter({ hasText: 'wide.csv: the header has 10001 columns; mibwatch reads at most 1000.' }).waitFor();

  await stillWorks(page);
  assert.deepEqual(errors, []);
  await page.close();
});

test('HTML and script in cells are shown as text, formulas stay inert', async () => {
  const { page, errors } = await openPage(app, { task: 'retrain' });
  let dialogs = 0;
  page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });
  const csv = 'tcpInSegs,note,class\n1,<img src=x onerror=alert(1)>,<script>alert(2)</script>\n2,"=cmd|\' /C calc\'!A0",y\n';
  await upload(page, 'html.csv', Buffer.from(csv));
  await page.getByTestId('preview').waitFor();
  await page.getByTestId('preview').locator('summary', { hasText: 'First rows' }).click();
  const head = await page.getByTestId('preview-head').innerText();
  assert.match(head, /<img src=x onerror=alert\(1\)>/);
  assert.match(head, /<script>alert\(2\)<\/script>/);
  assert.match(head, /=cmd\|' \/C calc'!A0/);
  assert.equal(await page.getByTestId('preview-head').locator('img, script').count(), 0);
  assert.equal(dialogs, 0);
  await stillWorks(page);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a 1 GB file of one line is refused before it is read', async () => {
  const file = path.join(os.tmpdir(), `mibwatch-1gb-${process.pid}.csv`);
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(16 * 1024 * 1024, 0x41); // "AAAA…", no newline
  for (let i = 0; i < 64; i++) fs.writeSync(fd, block);
  fs.closeSync(fd);
  assert.equal(fs.statSync(file).size, 1024 * 1024 * 1024);
  const { page } = await openPage(app, { task: 'retrain' });
  await page.getByTestId('train-file').setInputFiles(file);
  await page.getByTestId('train-error').filter({ hasText: 'mibwatch reads files up to 268 MB in the browser' }).waitFor({ timeout: 30000 });
  fs.unlinkSync(file);
  await stillWorks(page);
  await page.close();
});

test('a full storage quota shows a message and keeps the stored model', async () => {
  const { page } = await openPage(app, { task: 'retrain' });
  // Fill localStorage to its quota.
  const filled = await page.evaluate(() => {
    // Fill with ever smaller chunks until not even 16 bytes fit.
    let n = 0;
    for (let size = 256 * 1024; size >= 16; size = Math.floor(size / 4)) {
      const chunk = 'x'.repeat(size);
      try {
        for (;;) localStorage.setItem(`junk${n++}`, chunk);
      } catch {}
    }
    return n;
  });
  assert.ok(filled > 0, 'the quota was reached');
  await page.getByTestId('train-file').setInputFiles({
    name: 'small.csv', mimeType: 'text/csv',
    buffer: Buffer.from('tcpInSegs,class\n' + Array.from({ length: 40 }, (_, i) => `${i % 2 ? 1000 + i : i},${i % 2 ? 'syn' : 'normal'}`).join('\n')),
  });
  await page.getByText('File: small.csv').waitFor();
  await page.fill('[data-testid="train-trees"]', '3');
  await page.fill('[data-testid="train-interval"]', '');
  await page.getByTestId('train-features').selectOption('rates');
  await page.getByTestId('train-start').click();
  await page.getByTestId('train-use').waitFor({ timeout: 30000 });
  await page.getByTestId('train-use').click();
  await page.getByTestId('model-notice').filter({ hasText: 'storage is full' }).waitFor();
  // After a reload the previously stored (default) model is still the one in use.
  await page.reload();
  await ready(page);
  assert.match(await page.getByTestId('model-source').innerText(), /Public SNMP-MIB dataset/);
  await page.evaluate(() => localStorage.clear());
  await page.close();
});
