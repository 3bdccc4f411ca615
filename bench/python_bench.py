"""scikit-learn and YDF side of the benchmark: the same files, the same split.

    python python_bench.py DIR SETS RUNS [LEARNERS]   one JSON line per set and learner

LEARNERS (comma-separated, default all): sklearn-1, sklearn-all, ydf-1, ydf-all.

- scikit-learn: RandomForestClassifier(n_estimators=100, random_state=42),
  n_jobs=1 or n_jobs=-1 (every core): the reference point users know.
- YDF (Yggdrasil Decision Forests): RandomForestLearner(num_trees=100,
  max_depth=-1, min_examples=1, random_seed=42, compute_oob_performances=False),
  num_threads=1 or every core; √features per split is its default for
  classification. Fully grown like the other two (YDF's defaults would stop
  at depth 16 and 5 rows per leaf).

Training time is the median of RUNS fits (YDF's includes reading the columns
into its dataset, which it does on every fit); accuracy is on the set's test
rows, the same rows every learner is tested on.
"""
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np


def load(d: Path, name: str):
    shape = json.loads((d / f"{name}.json").read_text())
    f = shape["features"]
    x = np.fromfile(d / f"{name}.train.x.f64", dtype="<f8").reshape(-1, f)
    y = np.fromfile(d / f"{name}.train.y.u32", dtype="<u4")
    xt = np.fromfile(d / f"{name}.test.x.f64", dtype="<f8").reshape(-1, f)
    yt = np.fromfile(d / f"{name}.test.y.u32", dtype="<u4")
    return x, y, xt, yt


def sklearn_fit(jobs):
    from sklearn.ensemble import RandomForestClassifier

    def fit(x, y):
        return RandomForestClassifier(n_estimators=100, n_jobs=jobs, random_state=42).fit(x, y)

    def predict(model, xt):
        return model.predict(xt)

    return fit, predict


def columns(x):
    return {f"f{j:02}": np.ascontiguousarray(x[:, j]) for j in range(x.shape[1])}


def ydf_fit(threads):
    import ydf

    ydf.verbose(0)

    def fit(x, y):
        data = columns(x)
        data["class"] = np.array([f"c{v}" for v in y])
        learner = ydf.RandomForestLearner(
            label="class",
            task=ydf.Task.CLASSIFICATION,
            num_trees=100,
            max_depth=-1,
            min_examples=1,
            random_seed=42,
            compute_oob_performances=False,
            num_threads=threads,
        )
        return learner.train(data)

    def predict(model, xt):
        proba = np.asarray(model.predict(columns(xt)))
        names = model.label_classes()
        if proba.ndim == 1:  # two classes: the probability of the second
            proba = np.stack([1 - proba, proba], axis=1)
        label = np.array([int(n[1:]) for n in names])
        return label[proba.argmax(axis=1)]

    return fit, predict


def learner(name):
    cores = os.cpu_count() or 1
    if name == "sklearn-1":
        return "scikit-learn", 1, sklearn_fit(1)
    if name == "sklearn-all":
        return "scikit-learn all threads", cores, sklearn_fit(-1)
    if name == "ydf-1":
        return "YDF", 1, ydf_fit(1)
    if name == "ydf-all":
        return "YDF all threads", cores, ydf_fit(cores)
    raise SystemExit(f"unknown learner {name}")


def version(side):
    if side.startswith("YDF"):
        import ydf

        return ydf.__version__
    import sklearn

    return sklearn.__version__


def main():
    d, sets, runs = Path(sys.argv[1]), sys.argv[2].split(","), int(sys.argv[3])
    names = (sys.argv[4] if len(sys.argv) > 4 else "sklearn-1,sklearn-all,ydf-1,ydf-all").split(",")
    for name in sets:
        x, y, xt, yt = load(d, name)
        for lname in names:
            side, threads, (fit, predict) = learner(lname)
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                model = fit(x, y)
                times.append(time.perf_counter() - t)
            acc = float((predict(model, xt) == yt).mean())
            line = {
                "side": side,
                "set": name,
                "train_rows": int(len(y)),
                "test_rows": int(len(yt)),
                "threads": threads,
                "runs": runs,
                "fit_s": statistics.median(times),
                "fit_runs_s": times,
                "accuracy": acc,
                "version": version(side),
            }
            print(json.dumps(line), flush=True)
            print(f"{side} {name}: fit {line['fit_s']:.3f} s, accuracy {acc:.4f}", file=sys.stderr)


if __name__ == "__main__":
    main()
