"""scikit-learn side of the benchmark: the same files, the same measurements.

    python sklearn_bench.py DIR SETS RUNS    one JSON line per set on stdout

RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=42): the
reference point users know. Timings are medians of RUNS runs.
"""
import json
import pickle
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.ensemble import RandomForestClassifier

BATCH_ROWS = 1_000_000


def load(d: Path, name: str):
    shape = json.loads((d / f"{name}.json").read_text())
    f = shape["features"]
    x = np.fromfile(d / f"{name}.train.x.f64", dtype="<f8").reshape(-1, f)
    y = np.fromfile(d / f"{name}.train.y.u32", dtype="<u4")
    xt = np.fromfile(d / f"{name}.test.x.f64", dtype="<f8").reshape(-1, f)
    yt = np.fromfile(d / f"{name}.test.y.u32", dtype="<u4")
    return x, y, xt, yt


def main():
    d, sets, runs = Path(sys.argv[1]), sys.argv[2].split(","), int(sys.argv[3])
    for name in sets:
        x, y, xt, yt = load(d, name)
        fit = []
        for _ in range(runs):
            model = RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=42)
            t = time.perf_counter()
            model.fit(x, y)
            fit.append(time.perf_counter() - t)
        acc = float((model.predict(xt) == yt).mean())
        # One row at a time, as an app answering a form would call it.
        rows = xt[: min(len(xt), 300)]
        one = []
        for _ in range(runs):
            t = time.perf_counter()
            for r in rows:
                model.predict_proba(r.reshape(1, -1))
            one.append((time.perf_counter() - t) / len(rows))
        tiled = np.resize(xt, (BATCH_ROWS, xt.shape[1]))
        batch = []
        for _ in range(runs):
            t = time.perf_counter()
            model.predict_proba(tiled)
            batch.append(BATCH_ROWS / (time.perf_counter() - t))
        line = {
            "side": "scikit-learn",
            "set": name,
            "train_rows": int(len(y)),
            "runs": runs,
            "fit_s": statistics.median(fit),
            "fit_runs_s": fit,
            "accuracy": acc,
            "predict_one_us": statistics.median(one) * 1e6,
            "batch_rows_per_s": statistics.median(batch),
            "model_bytes": len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)),
            "version": sklearn.__version__,
        }
        print(json.dumps(line), flush=True)
        print(f"scikit-learn {name}: fit {line['fit_s']:.3f} s, accuracy {acc:.4f}", file=sys.stderr)


if __name__ == "__main__":
    main()
