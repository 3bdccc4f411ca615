"""Turn the runners' JSON lines into the benchmark table (Markdown).

    python3 report.py RESULTS.jsonl DIST_DIR LOAD_BEFORE LOAD_AFTER  > results.md

One table: training time and hold-out accuracy of every learner on every
set, the same test rows for all; then the targets of the performance issue,
checked from the same run, met or not.
"""
import gzip
import json
import platform
import subprocess
import sys
from pathlib import Path

SK1, SKN = "scikit-learn", "scikit-learn all threads"
YD1, YDN = "YDF", "YDF all threads"
NA1, NAN = "mibwatch native", "mibwatch native all threads"
WA, PAGE = "mibwatch wasm", "mibwatch page"


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception:
        return "?"


def first_load(dist):
    """Gzip -9 of what the first load fetches: the page, its scripts, the app
    wasm (embedded model included) and the CSS; the worker and the icons come
    after the page is up."""
    files = [f for f in dist.iterdir() if f.is_file() and not f.name.startswith("mibwatch-worker")
             and f.suffix in (".html", ".js", ".wasm", ".css") and f.name != "sw.js"]
    return sum(len(gzip.compress(f.read_bytes(), 9)) for f in files)


def main():
    lines = [json.loads(l) for l in Path(sys.argv[1]).read_text().splitlines() if l.strip()]
    dist = Path(sys.argv[2])
    load_before, load_after = sys.argv[3], sys.argv[4]
    by = {}
    for l in lines:
        key = l["side"] if l["side"] != PAGE else f"{PAGE} {l['workers']}"
        by.setdefault(l["set"], {})[key] = l
    sets = [s for s in by if s != "counters-2m"]
    any_set = by[sets[0]]
    cores = any_set[NAN]["threads"] if NAN in any_set else 1
    page_workers = sorted({l["workers"] for l in lines if l["side"] == PAGE})
    cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    page_line = next((l for l in lines if l["side"] == PAGE), {})
    out = []
    p = out.append
    p(f"Machine: {cpu}, {sh('nproc')} cores (shared: load average {load_before} before the run, "
      f"{load_after} after), {platform.system()} {platform.release()}; {sh('rustc --version')}; "
      f"Chromium {page_line.get('chromium', '?')} (page), Node {sh('node --version')} (wasm row); "
      f"Python {platform.python_version()}, scikit-learn {any_set[SK1]['version']}, YDF {any_set[YD1]['version']}. "
      f"Every learner: 100 trees, √features per split, fully grown, seed 42. "
      f"Seconds to train (median of {any_set[SK1]['runs']} run(s); page: {page_line.get('runs', '?')} run(s) per set "
      f"and worker count), hold-out accuracy on the same test rows for every learner.")
    p("")
    head = "| learner | " + " | ".join(
        f"{s} ({by[s][NA1]['train_rows']:,} train / {by[s][NA1]['test_rows']:,} test)" for s in sets) + " |"
    p(head)
    p("|---|" + "---:|" * len(sets))

    def cell(s, key, fmt):
        r = by[s].get(key)
        return fmt(r) if r else "–"

    def fit_acc(r):
        return f"{r['fit_s']:.2f} s · {100 * r['accuracy']:.2f}%"

    rows = [
        ("scikit-learn, n_jobs=1", SK1, fit_acc),
        (f"scikit-learn, n_jobs=-1 ({cores} threads)", SKN, fit_acc),
        ("YDF, 1 thread", YD1, fit_acc),
        (f"YDF, all threads ({cores})", YDN, fit_acc),
        ("mibwatch native, 1 thread", NA1, fit_acc),
        (f"mibwatch native, all threads ({cores})", NAN, fit_acc),
        ("mibwatch wasm in Node, 1 thread (the trainer alone)", WA, fit_acc),
    ]
    for name, key, fmt in rows:
        if any(key in by[s] for s in sets):
            p(f"| {name} | " + " | ".join(cell(s, key, fmt) for s in sets) + " |")

    def page_cell(r):
        if r.get("failed"):
            return f"failed: {r['failed']}"
        if r.get("stopped"):
            return f"({r['forests_s']:.2f} s), stopped there"
        acc = f"{100 * r['accuracy']:.2f}%" if r.get("accuracy") is not None else "?"
        forests = f"{r['forests_s']:.2f}" if r.get("forests_s") is not None else "?"
        return f"{r['wall_s']:.2f} s ({forests} s) · {acc}"

    for w in page_workers:
        key = f"{PAGE} {w}"
        runs = next((by[s][key]["runs"] for s in sets if key in by[s]), "?")
        p(f"| mibwatch page, {w} worker{'s' if w > 1 else ''}: "
          f"to the result (to every tree grown) | " + " | ".join(cell(s, key, page_cell) for s in sets) + " |")
    p("")
    p("The page rows are the page's whole training, timed from the click on Train to the result on "
      "screen in headless Chromium: reading the CSV in each worker, forests of 100 trees on the random split, "
      "the time-ordered split and every row (300 trees), their evaluation and permutation importance, and "
      "smartcore's decision tree, 5-nearest-neighbours and naive Bayes baselines, which the page always adds; "
      "in brackets, the click to every tree grown (the progress bar full): the CSV read and the three forests' "
      "300 trees; then the workers share the evaluation's tasks (the forests' figures, each baseline, "
      "5-nearest-neighbours in 4 parts of its held-out rows, the "
      "permutation importance in ranges of 4 features, 3 shuffles each over the time-ordered test side) and "
      "the first worker assembles the model. The "
      "baselines fit and are scored on at most 5,000 evenly spaced rows of each side of the time-ordered split, "
      "the importance shuffles at most 5,000 held-out rows and each class's typical row is searched among at "
      "most 2,000 of its rows (`limits::EVALUATION_SAMPLE_ROWS`, `limits::MEDOID_MAX_ROWS`); the forests train "
      "and are scored on every row. "
      "Their accuracy is that of the model the page offers for download (its final forest, grown on the file's "
      "rows: the set's training rows, in class order like every learner reads them) on the set's test rows; "
      "it is the very forest mibwatch native grows, so the accuracies are equal.")
    p("")
    load = first_load(dist) if (dist / "index.html").exists() else None

    def mark(ok):
        return "met" if ok else "NOT met"

    p("Targets (synthetic-100k):")
    p("")
    s = "synthetic-100k"
    r = by.get(s, {})
    top = max(page_workers) if page_workers else None
    pg = r.get(f"{PAGE} {top}") if top else None
    if pg and not pg.get("failed"):
        # The page's accuracy is that of the forest mibwatch native grows.
        acc = pg["accuracy"] if pg.get("accuracy") is not None else r[NA1]["accuracy"]
        for ref in (SKN, YDN):
            if ref in r:
                fr = pg["forests_s"] / r[ref]["fit_s"]
                dacc = 100 * (acc - r[ref]["accuracy"])
                whole = ("" if pg.get("stopped") else
                         f"to the result {pg['wall_s']:.2f} s = {pg['wall_s'] / r[ref]['fit_s']:.2f}× "
                         f"({mark(pg['wall_s'] / r[ref]['fit_s'] <= 0.1)}); ")
                p(f"- page with {top} workers ≤ 0.1× {ref} ({r[ref]['fit_s']:.2f} s): {whole}to every tree grown "
                  f"(a lower bound of the time to the result) {pg['forests_s']:.2f} s = {fr:.2f}× "
                  f"({mark(fr <= 0.1)}); accuracy {dacc:+.2f} points ({mark(dacc >= 0)})")
    p1, p2 = r.get(f"{PAGE} 1"), r.get(f"{PAGE} 2")
    if p1 and p2 and not p1.get("failed") and not p2.get("failed"):
        # To the result when both runs got there, else to every tree grown.
        whole = not p1.get("stopped") and not p2.get("stopped")
        t = "wall_s" if whole else "forests_s"
        upf = p1[t] / p2[t]
        per_set = ", ".join(
            f"{x} {by[x][f'{PAGE} 1'][t] / by[x][f'{PAGE} 2'][t]:.2f}×" for x in sets
            if f"{PAGE} 1" in by[x] and f"{PAGE} 2" in by[x] and by[x][f"{PAGE} 1"].get(t)
            and by[x][f"{PAGE} 2"].get(t))
        what = "to the result" if whole else "to every tree grown"
        p(f"- two workers ≥ 1.7× one worker in the page ({what}): {upf:.2f}× ({mark(upf >= 1.7)}); "
          f"per set {per_set}; measured with 1 and 2 workers on this "
          f"{cores}-core machine only, more cores were not measured")
    if WA in r:
        p(f"- one-thread wasm training ≤ 5 s: {r[WA]['fit_s']:.2f} s ({mark(r[WA]['fit_s'] <= 5)}; "
          f"6.81 s in the run of 2026-12-01 06:44 UTC, when mibwatch native on 1 thread took 6.05 s)")
    big = by.get("counters-2m", {})
    for key in sorted(big):
        b = big[key]
        gb = b["peak_rss_bytes"] / 1e9
        if (b.get("failed") or "").startswith("no result"):
            what = (f"{b['failed']} (no error, no out-of-memory; the page's status then read "
                    f"\"{b.get('failed_status') or ''}\")")
        elif b.get("failed"):
            what = f"failed: {b['failed']} ({b.get('failed_status') or ''})"
        elif b.get("stopped"):
            what = (f"read, every forest (300 trees) grown and evaluated in {b['forests_s']:.0f} s, then stopped "
                    f"{b['stopped']} (smartcore's k-nearest neighbours on 1.4 million rows, not waited for)")
        else:
            what = f"trained, {b['wall_s']:.0f} s to the result (forests {b['forests_s']:.0f} s)"
        p(f"- 2,000,000 × 34 in the page ({b['file_bytes'] / 1e6:.0f} MB CSV of whole numbers, "
          f"{b['workers']} workers): {what}; peak resident memory {b['peak_process_rss_bytes'] / 1e9:.2f} GB "
          f"in the renderer that runs the page and its workers ({gb:.2f} GB over all the browser's processes) "
          f"({mark(not b.get('failed'))})")
    if load is not None:
        p(f"- first load < 600 KB gzipped with the embedded model: {load / 1000:.0f} KB ({mark(load < 600_000)})")
    print("\n".join(out))


if __name__ == "__main__":
    main()
