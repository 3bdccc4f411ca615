"""Turn the runners' JSON lines into the benchmark table (Markdown).

    python3 report.py RESULTS.jsonl [DIST_DIR]  > results.md

Ratios are mibwatch / scikit-learn from the same run; the targets of the
performance issue are checked at the end, met or not.
"""
import gzip
import json
import math
import platform
import subprocess
import sys
from pathlib import Path


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception:
        return "?"


def rows_label(n):
    return f"{n:,}"


def main():
    lines = [json.loads(l) for l in Path(sys.argv[1]).read_text().splitlines() if l.strip()]
    dist = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    by = {}
    for l in lines:
        by.setdefault(l["set"], {})[l["side"]] = l
    sets = list(by)
    sk, na, wa = "scikit-learn", "mibwatch native", "mibwatch wasm"
    runs = lines[0]["runs"] if lines else 0
    cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    out = []
    p = out.append
    p(f"Machine: {cpu}, {sh('nproc')} cores, {platform.system()} {platform.release()}; "
      f"{sh('rustc --version')}; Node {sh('node --version')} (wasm); "
      f"Python {platform.python_version()}, scikit-learn {by[sets[0]][sk].get('version', '?')}. "
      f"Median of {runs} runs each; 100 trees, √features per split, fully grown, seed 42, one thread.")
    p("")
    p("Training (seconds) and hold-out accuracy on the same split:")
    p("")
    p("| data set | train rows | scikit-learn | mibwatch native | mibwatch wasm | wasm / sklearn | accuracy sklearn | accuracy mibwatch |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|")
    for s in sets:
        r = by[s]
        ratio = r[wa]["fit_s"] / r[sk]["fit_s"]
        p(f"| {s} | {rows_label(r[sk]['train_rows'])} | {r[sk]['fit_s']:.2f} | {r[na]['fit_s']:.2f} | "
          f"{r[wa]['fit_s']:.2f} | {ratio:.2f}× | {100 * r[sk]['accuracy']:.2f}% | {100 * r[wa]['accuracy']:.2f}% |")
    p("")
    p("Prediction (100 trees): one row at a time (µs per row) and a batch of rows (rows/s), and the stored model size:")
    p("")
    p("| data set | one row sklearn | one row native | one row wasm | batch sklearn | batch native 1 thread | batch native all cores | batch wasm | model sklearn (pickle) | model mibwatch |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in sets:
        r = by[s]
        p(f"| {s} | {r[sk]['predict_one_us']:.0f} | {r[na]['predict_one_us']:.1f} | {r[wa]['predict_one_us']:.1f} | "
          f"{r[sk]['batch_rows_per_s']:,.0f} | {r[na]['batch_rows_per_s']:,.0f} | "
          f"{r[na]['batch_rows_per_s_threads']:,.0f} ({r[na]['batch_threads']}) | {r[wa]['batch_rows_per_s']:,.0f} | "
          f"{r[sk]['model_bytes'] / 1e6:.1f} MB | {r[wa]['model_bytes'] / 1e6:.2f} MB |")
    p("")
    first_load = None
    if dist and (dist / "index.html").exists():
        # First load: the page, its script(s), the app wasm and the CSS (the
        # worker and the icons are fetched after the page is up).
        files = [f for f in dist.iterdir() if f.is_file() and not f.name.startswith("mibwatch-worker")
                 and f.suffix in (".html", ".js", ".wasm", ".css") and f.name not in ("sw.js",)]
        first_load = sum(len(gzip.compress(f.read_bytes(), 9)) for f in files)
        p(f"Page first load (gzip -9 of {', '.join(sorted(f.name for f in files))}): {first_load / 1000:.0f} KB.")
        p("")
    p("Targets:")
    p("")

    def mark(ok):
        return "met" if ok else "NOT met"

    for s in sets:
        if s in ("synthetic-5k", "synthetic-100k"):
            r = by[s]
            ratio = r[wa]["fit_s"] / r[sk]["fit_s"]
            dacc = 100 * (r[wa]["accuracy"] - r[sk]["accuracy"])
            p(f"- wasm training ≤ 0.5× scikit-learn at {s}: {ratio:.2f}× ({mark(ratio <= 0.5)}); "
              f"accuracy {dacc:+.2f} points vs scikit-learn ({mark(dacc >= -0.5)})")
    r = by.get("snmp-mib")
    if r:
        dacc = 100 * (r[wa]["accuracy"] - r[sk]["accuracy"])
        p(f"- SNMP-MIB time-ordered hold-out: accuracy {dacc:+.2f} points vs scikit-learn ({mark(dacc >= -0.5)}); "
          f"training {r[wa]['fit_s'] / r[sk]['fit_s']:.2f}× scikit-learn's time in wasm")
    if "synthetic-5k" in by and "synthetic-500k" in by:
        a, b = by["synthetic-5k"][wa], by["synthetic-500k"][wa]
        grow = b["fit_s"] / a["fit_s"]
        grow_native = by["synthetic-500k"][na]["fit_s"] / by["synthetic-5k"][na]["fit_s"]
        nlogn = (500_000 * math.log(500_000)) / (5_000 * math.log(5_000))
        p(f"- growth 5k → 500k rows (wasm): {grow:.0f}× the time vs n log n {nlogn:.0f}× ({mark(grow <= nlogn)}; "
          f"natively {grow_native:.0f}×); "
          f"500k × 34 trained in wasm in {b['fit_s']:.1f} s without running out of memory")
    if r:
        p(f"- one row in wasm < 20 µs (100 trees, the SNMP-MIB model): {r[wa]['predict_one_us']:.1f} µs ({mark(r[wa]['predict_one_us'] < 20)})")
        best = max(r[na]["batch_rows_per_s"], r[na]["batch_rows_per_s_threads"])
        p(f"- batch ≥ 1,000,000 rows/s native (SNMP-MIB model): {best:,.0f} rows/s ({mark(best >= 1e6)})")
    if first_load is not None:
        p(f"- first load < 600 KB gzipped with the embedded model: {first_load / 1000:.0f} KB ({mark(first_load < 600_000)})")
    print("\n".join(out))


if __name__ == "__main__":
    main()
