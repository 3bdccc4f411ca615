// The page side of the benchmark: mibwatch's real training path, the built
// page in headless Chromium training on its Web Workers, driven as a user
// drives it (tests/e2e/helpers.mjs launches the browser and serves dist).
//
//   node page_bench.mjs DIST DATA_DIR SETS WORKERS RUNS BENCH_BIN   → one JSON line per set and worker count
//
// For each set it uploads DATA_DIR/SET.csv (written by `mibwatch-bench csv`:
// the set's training rows, in class order) on the retraining task, sets the
// features to `rates`, no polling interval (the values are used as they
// are), 100 trees, seed 42 and the Workers setting, clicks Train and times it
// to the result:
// - `wall_s`: click to the result on screen (what a user waits);
// - `page_s`: the page's own "Trained in X s" (0.1 s resolution);
// - `forests_s`: click to every tree grown (the progress bar full): the CSV
//   read in each worker and the 300 trees of the three forests; the
//   evaluation's tasks (figures, baselines, importance) and the model follow.
// Peak memory is sampled every 500 ms from /proc (VmRSS, cheap to read): the
// largest single process (the renderer, whose threads run the page and its
// workers) and the sum over the browser's processes (which counts memory
// they share more than once).
// The accuracy of the last run is that of the model the page offers for
// download (its final forest, grown on every row of the file, i.e. on the
// set's training rows) on the set's test rows (`BENCH_BIN page-model`): the
// rows every other learner is tested on.
//
// A set named `counters-2m` is the large-file run: the file is
// DATA_DIR/counters-2m.csv (`mibwatch-bench counters-csv`), without test rows.
// Every set, that one included, runs to the result: training's baselines and
// permutation importance see at most limits::EVALUATION_SAMPLE_ROWS rows of
// each side of the split, and each class's typical row is searched among at
// most limits::MEDOID_MAX_ROWS rows, so the page's time follows its forests.
// PAGE_BENCH_FULL_MAX_ROWS (default: no limit) stops sets of more training
// rows once every tree is grown (Cancel), without an accuracy.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const [dist, dir, sets, workersArg, runsArg, benchBin] = process.argv.slice(2);
process.env.MIBWATCH_DIST = path.resolve(dist);
const { startApp, openPage } = await import('../tests/e2e/helpers.mjs');
const runs = Number(runsArg ?? 1);
const workerCounts = (workersArg ?? '1,2').split(',').map(Number);
const TIMEOUT_MS = Number(process.env.PAGE_BENCH_TIMEOUT_S ?? 1800) * 1000;
// Larger sets are timed to every tree grown only (see the top).
const FULL_MAX_ROWS = Number(process.env.PAGE_BENCH_FULL_MAX_ROWS ?? Infinity);

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Every process below `pid` (the browser and its children). */
function descendants(pid) {
  const children = new Map();
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  const out = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop();
    for (const c of children.get(p) ?? []) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

/** Resident memory in bytes of process `pid` (0 when it is gone). */
function rss(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Sample the memory of every process below this one until stopped. */
function memoryWatch() {
  let total = 0;
  let largest = 0;
  const sample = () => {
    let sum = 0;
    for (const p of descendants(process.pid)) {
      const b = rss(p);
      sum += b;
      largest = Math.max(largest, b);
    }
    total = Math.max(total, sum);
  };
  sample();
  const timer = setInterval(sample, 500);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { peak_rss_bytes: total, peak_process_rss_bytes: largest };
    },
  };
}

async function trainOnce(app, name, csv, workers, keepModel, untilForests) {
  const { page, errors } = await openPage(app, { task: 'retrain' });
  await page.getByTestId('train-file').setInputFiles(csv);
  await page.getByText(`File: ${path.basename(csv)}`).waitFor({ timeout: 600000 });
  await page.getByTestId('train-features').selectOption('rates');
  await page.fill('[data-testid="train-interval"]', '');
  await page.fill('[data-testid="train-trees"]', '100');
  await page.fill('[data-testid="train-seed"]', '42');
  await page.fill('[data-testid="train-workers"]', String(workers));
  const memory = memoryWatch();
  // Every tree grown: the progress bar full, seen by the page itself (no
  // polling gap); the evaluation's tasks follow.
  await page.evaluate(() => {
    window.__benchBaseline = null;
    new MutationObserver(() => {
      const bar = document.querySelector('[data-testid="train-progress"]');
      const max = Number(bar?.getAttribute('max'));
      if (window.__benchBaseline === null && max > 0 && Number(bar.getAttribute('value')) >= max) {
        window.__benchBaseline = performance.now();
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['value', 'max'] });
  });
  const t0 = performance.now();
  const clicked = await page.evaluate(() => {
    const at = performance.now();
    document.querySelector('[data-testid="train-start"]').click();
    return at;
  });
  const waits = [
    page.getByTestId('train-result').waitFor({ timeout: TIMEOUT_MS }).then(() => 'done'),
    page.getByTestId('train-error').waitFor({ timeout: TIMEOUT_MS }).then(() => 'error'),
  ];
  if (untilForests) {
    waits.push(page.waitForFunction(() => window.__benchBaseline !== null, null, { timeout: TIMEOUT_MS, polling: 200 }).then(() => 'forests'));
  }
  const outcome = await Promise.race(waits).catch(() => 'timeout');
  const wall = (performance.now() - t0) / 1000;
  const mem = memory.stop();
  const baselineAt = await page.evaluate(() => window.__benchBaseline);
  const forests = baselineAt === null ? null : (baselineAt - clicked) / 1000;
  if (outcome === 'forests') {
    await page.getByTestId('train-cancel').click();
    await page.close();
    return { wall, forests, stopped: 'with every tree grown', ...mem, errors };
  }
  if (outcome !== 'done') {
    const why = outcome === 'error' ? await page.getByTestId('train-error').innerText() : `no result in ${TIMEOUT_MS / 1000} s`;
    const status = await page.getByTestId('train-status').innerText().catch(() => '');
    await page.close();
    return { failed: why, status, wall, forests, ...mem, errors };
  }
  const text = await page.getByTestId('train-result').innerText();
  const m = text.match(/Trained in ([\d.]+) s on (\d+) rows: (\d+) trees/);
  let model = null;
  if (keepModel) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('train-download').click()]);
    const file = path.join(os.tmpdir(), `mibwatch-page-bench-${process.pid}.mwm`);
    await download.saveAs(file);
    model = JSON.parse(execFileSync(benchBin, ['page-model', file, dir, name], { encoding: 'utf8' }));
    fs.rmSync(file);
  }
  await page.close();
  return { wall, forests, page_s: m ? Number(m[1]) : null, rows: m ? Number(m[2]) : null, model, ...mem, errors };
}

const app = await startApp();
try {
  for (const name of sets.split(',')) {
    const csv = path.join(dir, `${name}.csv`);
    const big = name === 'counters-2m';
    const shape = big ? {} : JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
    const trainRows = shape.train_rows ?? null;
    const testRows = shape.test_rows ?? null;
    for (const workers of workerCounts) {
      const results = [];
      for (let i = 0; i < runs; i++) {
        const untilForests = (trainRows ?? Infinity) > FULL_MAX_ROWS;
        // The large file has no test rows: no model to download and score.
        const r = await trainOnce(app, name, csv, workers, !big && !untilForests && i === runs - 1, untilForests);
        results.push(r);
        console.error(
          `page ${name} (${workers} workers): ${r.failed ? `FAILED (${r.failed}) after ${r.wall.toFixed(1)} s` : r.stopped ? `stopped ${r.stopped}` : `${r.wall.toFixed(2)} s to the result`}, ` +
            `forests ${r.forests?.toFixed(2) ?? '?'} s, peak ${(r.peak_rss_bytes / 1e9).toFixed(2)} GB`,
        );
        if (r.failed) break;
      }
      const ok = results.filter((r) => !r.failed);
      const last = results[results.length - 1];
      const line = {
        side: 'mibwatch page',
        set: name,
        train_rows: trainRows,
        test_rows: testRows,
        file_bytes: fs.statSync(csv).size,
        workers,
        runs: results.length,
        wall_s: ok.length ? median(ok.map((r) => r.wall)) : null,
        wall_runs_s: results.map((r) => r.wall),
        forests_s: ok.length && ok.every((r) => r.forests !== null) ? median(ok.map((r) => r.forests)) : last.forests,
        forests_runs_s: results.map((r) => r.forests),
        page_s: ok.length ? median(ok.map((r) => r.page_s)) : null,
        rows: last.rows ?? null,
        accuracy: last.model?.accuracy ?? null,
        model_bytes: last.model?.model_bytes ?? null,
        peak_rss_bytes: Math.max(...results.map((r) => r.peak_rss_bytes)),
        peak_process_rss_bytes: Math.max(...results.map((r) => r.peak_process_rss_bytes)),
        failed: last.failed ?? null,
        stopped: last.stopped ?? null,
        failed_status: last.status ?? null,
        page_errors: results.flatMap((r) => r.errors),
        chromium: app.browser.version(),
        cores: os.cpus().length,
      };
      console.log(JSON.stringify(line));
    }
  }
} finally {
  await app.close();
}
