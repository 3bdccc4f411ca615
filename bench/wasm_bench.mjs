// One-thread wasm row of the benchmark: mibwatch's trainer alone, compiled to
// wasm32 (the worker's `fast` profile) and run by Node's V8, the engine of
// Chromium, without the page around it (bench/page_bench.mjs times the page).
//   node wasm_bench.mjs PKG_DIR DATA_DIR SETS RUNS   → one JSON line per set
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const [pkg, dir, sets, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
const require = createRequire(import.meta.url);
const wasm = require(path.resolve(pkg, 'mibwatch_bench.js'));

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f64 = (file) => {
  const b = fs.readFileSync(file);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const u32 = (file) => {
  const b = fs.readFileSync(file);
  return new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

for (const name of sets.split(',')) {
  const shape = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
  const p = (s) => path.join(dir, `${name}.${s}`);
  const [x, y, xt, yt] = [f64(p('train.x.f64')), u32(p('train.y.u32')), f64(p('test.x.f64')), u32(p('test.y.u32'))];
  const fit = [];
  let model;
  for (let i = 0; i < runs; i++) {
    model?.free();
    const t = performance.now();
    model = wasm.train(x, y, shape.features, shape.classes, 100, 42n);
    fit.push((performance.now() - t) / 1000);
  }
  const accuracy = model.accuracy(xt, yt);
  const line = {
    side: 'mibwatch wasm',
    set: name,
    train_rows: shape.train_rows,
    test_rows: shape.test_rows,
    threads: 1,
    runs,
    fit_s: median(fit),
    fit_runs_s: fit,
    accuracy,
    model_bytes: model.bytes(),
    node: process.version,
  };
  console.log(JSON.stringify(line));
  console.error(`wasm ${name}: fit ${line.fit_s.toFixed(3)} s, accuracy ${accuracy.toFixed(4)}`);
  model.free();
}
