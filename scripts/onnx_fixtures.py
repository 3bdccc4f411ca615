"""Makes tests/fixtures/onnx with the real producers (run by scripts/onnx-fixtures.sh).

Every model is trained on data/snmp-mib/all_data.csv (its 34 MIB-II variables)
and converted by its own converter; the expected outputs are ONNX Runtime's
probabilities (one intra-op thread, so trees are summed in file order) on the
committed rows. manifest.json lists each file with its producer, versions,
what the Rust test expects (probabilities or a refusal) and the measured
differences (producer vs ONNX Runtime, ONNX Runtime one thread vs default).
"""

import json
import os
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
from onnx import helper, numpy_helper, TensorProto

OUT = sys.argv[1]
ROOT = sys.argv[2]
DATA = os.path.join(ROOT, "data/snmp-mib/all_data.csv")
rng = np.random.default_rng(21)
manifest = {"fixtures": []}
VERSIONS = {}
for mod in ["onnx", "onnxruntime", "sklearn", "skl2onnx", "onnxmltools", "lightgbm", "xgboost", "pyspark", "numpy"]:
    VERSIONS[mod] = __import__(mod).__version__

df = pd.read_csv(DATA)
FEATURES = list(df.columns[:34])
X_all = df[FEATURES].to_numpy(dtype=np.float64)
y_all = df["class"].astype(str).to_numpy()
CLASSES = sorted(set(y_all))
y_int = np.array([CLASSES.index(c) for c in y_all])
order = rng.permutation(len(df))
train = order[:1500]
X, y, yi = X_all[train], y_all[train], y_int[train]
# Training copy with 10% missing values, for LightGBM and XGBoost.
X_nan = X.copy()
X_nan[rng.random(X_nan.shape) < 0.10] = np.nan

# The committed rows: 200 rows not used for training, 5% of cells missing.
ROWS = X_all[order[1500:1700]].copy()
ROWS[rng.random(ROWS.shape) < 0.05] = np.nan


def write_rows(path, rows):
    with open(path, "w") as f:
        f.write(",".join(FEATURES) + "\n")
        for r in rows:
            f.write(",".join("nan" if np.isnan(v) else repr(float(v)) for v in r) + "\n")


write_rows(os.path.join(OUT, "rows.csv"), ROWS)


def session(model, threads):
    so = ort.SessionOptions()
    if threads:
        so.intra_op_num_threads = threads
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])


def probabilities(model, rows, threads=1):
    s = session(model, threads)
    inp = s.get_inputs()[0]
    dtype = np.float64 if inp.type == "tensor(double)" else np.float32
    outs = s.run(None, {inp.name: rows.astype(dtype)})
    names = [o.name for o in s.get_outputs()]
    for name, o in zip(names, outs):
        if isinstance(o, list):  # ZipMap: a list of {label: p}
            keys = list(o[0].keys())
            return np.array([[d[k] for k in keys] for d in o])
    for name, o in zip(names, outs):
        if isinstance(o, np.ndarray) and o.ndim == 2 and o.dtype in (np.float32, np.float64):
            return o
    raise RuntimeError("no probability output")


def save(name, model, producer, rows_file="rows.csv", rows=None, reference=None, note="", write=True):
    rows = ROWS if rows is None else rows
    path = os.path.join(OUT, name + ".onnx")
    if write:
        onnx.save_model(model, path)
    onnx.checker.check_model(model)
    p1 = probabilities(model, rows, threads=1)
    pd_ = probabilities(model, rows, threads=0)
    with open(os.path.join(OUT, name + ".expected.csv"), "w") as f:
        for r in p1:
            f.write(",".join(repr(float(v)) for v in r) + "\n")
    entry = {
        "file": name + ".onnx",
        "producer": producer,
        "rows": rows_file,
        "expected": name + ".expected.csv",
        "bytes": os.path.getsize(path),
        "ort_threads_default_vs_one_max_abs_diff": float(np.abs(p1 - pd_).max()),
        "note": note,
    }
    if reference is not None:
        finite = ~np.isnan(rows).any(axis=1)
        entry["producer_vs_ort_max_abs_diff_on_complete_rows"] = float(
            np.abs(reference[finite] - p1[finite]).max()
        )
    manifest["fixtures"].append(entry)
    print(f"{name}: {entry['bytes']} bytes, {note}", flush=True)


def refusal(name, model, producer, expect, note):
    path = os.path.join(OUT, name + ".onnx")
    onnx.save_model(model, path)
    manifest["fixtures"].append(
        {"file": name + ".onnx", "producer": producer, "refused": expect, "bytes": os.path.getsize(path), "note": note}
    )
    print(f"{name}: refusal fixture ({expect})", flush=True)


def ensemble_node(model):
    return next(n for n in model.graph.node if n.op_type.startswith("TreeEnsemble"))


def set_attr(node, name, value):
    for a in list(node.attribute):
        if a.name == name:
            node.attribute.remove(a)
    node.attribute.append(helper.make_attribute(name, value))


# --- scikit-learn (skl2onnx) ---
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skl2onnx import to_onnx

skl = f"scikit-learn {VERSIONS['sklearn']} + skl2onnx {VERSIONS['skl2onnx']}"
rf = RandomForestClassifier(n_estimators=30, max_depth=8, random_state=0).fit(X, y)
ref = rf.predict_proba(ROWS)  # compared on complete rows only
f32 = X[:1].astype(np.float32)
save("sklearn_rf_multiclass_zipmap", to_onnx(rf, f32), skl, reference=ref,
     note="8 string classes, float input, Cast + ZipMap after the ensemble (skl2onnx default)")
save("sklearn_rf_multiclass", to_onnx(rf, f32, options={"zipmap": False}), skl, reference=ref,
     note="zipmap=False: the ensemble alone")
save("sklearn_rf_multiclass_double", to_onnx(rf, X[:1]), skl, reference=ref,
     note="double input: ONNX Runtime compares in double against float-rounded thresholds")
yb = (y != "normal").astype(int)
rfb = RandomForestClassifier(n_estimators=20, max_depth=6, random_state=1).fit(X, yb)
refb = rfb.predict_proba(ROWS)
save("sklearn_rf_binary_zipmap", to_onnx(rfb, f32), skl, reference=refb,
     note="binary: one weight per leaf (P(class 1)), ONNX Runtime writes [1 - s, s]")
save("sklearn_rf_binary", to_onnx(rfb, f32, options={"zipmap": False}), skl, reference=refb,
     note="binary, zipmap=False")

# Rows exactly on the thresholds of a small forest.
small = RandomForestClassifier(n_estimators=5, max_depth=4, random_state=2).fit(X, y)
small_onnx = to_onnx(small, f32, options={"zipmap": False})
a = {x.name: helper.get_attribute_value(x) for x in ensemble_node(small_onnx).attribute}
base = np.nanmedian(X, axis=0)
on = []
for f, v, m in zip(a["nodes_featureids"], a["nodes_values"], a["nodes_modes"]):
    if m == b"BRANCH_LEQ":
        r = base.copy()
        r[f] = float(np.float32(v))
        on.append(r)
ON = np.array(on[:200])
write_rows(os.path.join(OUT, "threshold_rows.csv"), ON)
save("sklearn_rf_on_thresholds", small_onnx, skl, rows_file="threshold_rows.csv", rows=ON,
     reference=small.predict_proba(ON.astype(np.float32)),
     note="rows whose value equals a split's float threshold (BRANCH_LEQ goes to the true side)")

reg = RandomForestRegressor(n_estimators=3, max_depth=3, random_state=0).fit(X, yi.astype(float))
refusal("refuse_regressor", to_onnx(reg, f32), skl, "TreeEnsembleRegressor", "a regressor (skl2onnx)")
pipe = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0)).fit(X, y)
refusal("refuse_scaler_pipeline", to_onnx(pipe, f32, options={"zipmap": False}), skl, "Scaler",
        "StandardScaler before the forest: an operator mibwatch does not run")
for t in ["PROBIT", "SOFTMAX_ZERO"]:
    m = to_onnx(small, f32, options={"zipmap": False})
    set_attr(ensemble_node(m), "post_transform", t)
    refusal(f"refuse_{t.lower()}", m, skl + f", post_transform edited to {t} with onnx.helper", t,
            f"post_transform {t} (no producer here writes it for a classifier; edited)")

# --- LightGBM (onnxmltools) ---
import lightgbm as lgb
from onnxmltools import convert_lightgbm, convert_xgboost, convert_sparkml
from onnxmltools.convert.common.data_types import FloatTensorType

lgbv = f"lightgbm {VERSIONS['lightgbm']} + onnxmltools {VERSIONS['onnxmltools']}"
lg = lgb.LGBMClassifier(n_estimators=30, num_leaves=15, random_state=0, verbose=-1).fit(X_nan, yi)
lg_onnx = convert_lightgbm(lg, initial_types=[("X", FloatTensorType([None, 34]))], zipmap=False)
save("lightgbm_multiclass_nan", lg_onnx, lgbv, reference=lg.predict_proba(ROWS.astype(np.float32)),
     note="trained with 10% missing values: BRANCH_LEQ, missing values tracked from default_left, SOFTMAX, a Mul by 1 after")
lg_rf = lgb.LGBMClassifier(boosting_type="rf", n_estimators=5, num_leaves=8, bagging_freq=1,
                           bagging_fraction=0.7, random_state=0, verbose=-1).fit(X, yi)
refusal("refuse_lightgbm_rf_multiclass",
        convert_lightgbm(lg_rf, initial_types=[("X", FloatTensorType([None, 34]))], zipmap=False),
        lgbv, "LightGBM random forest",
        "boosting='rf' multi-class: onnxmltools rescales column 1 and writes 2 columns for 8 classes")

# --- XGBoost (onnxmltools) ---
import xgboost as xgb

xgbv = f"xgboost {VERSIONS['xgboost']} + onnxmltools {VERSIONS['onnxmltools']}"
xg = xgb.XGBClassifier(n_estimators=20, max_depth=4, random_state=0).fit(X_nan, yi)
save("xgboost_multiclass_nan", convert_xgboost(xg, initial_types=[("X", FloatTensorType([None, 34]))]), xgbv,
     reference=xg.predict_proba(ROWS.astype(np.float32)),
     note="trained with 10% missing values: BRANCH_LT, per-class base_values, SOFTMAX")
xgb_bin = xgb.XGBClassifier(n_estimators=15, max_depth=3, random_state=0).fit(X_nan, yb)
save("xgboost_binary_nan", convert_xgboost(xgb_bin, initial_types=[("X", FloatTensorType([None, 34]))]), xgbv,
     reference=xgb_bin.predict_proba(ROWS.astype(np.float32)),
     note="binary: one score, base value, LOGISTIC: ONNX Runtime writes [logistic(-s), logistic(s)]")
xrf = xgb.XGBRFClassifier(n_estimators=4, max_depth=3, random_state=0).fit(X, yi)
xrf_onnx = convert_xgboost(xrf, initial_types=[("X", FloatTensorType([None, 34]))])
save("xgbrf_multiclass_undetectable", xrf_onnx, xgbv, reference=xrf.predict_proba(ROWS.astype(np.float32)),
     note="XGBRFClassifier: onnxmltools gives trees to the wrong classes (see producer_vs_ort); the file looks "
          "like any XGBoost model, so mibwatch imports it (matching ONNX Runtime) with a caution in its description")


# --- opset 5 TreeEnsemble, converted from the LightGBM file by this script ---
def to_opset5(model, dtype, name, avoid_root_clash=True, post_transform=0):
    te = ensemble_node(model)
    a = {x.name: helper.get_attribute_value(x) for x in te.attribute}
    modes = a["nodes_modes"]
    n = len(modes)
    key = {(a["nodes_treeids"][i], a["nodes_nodeids"][i]): i for i in range(n)}
    weights = {}
    for t, nid, c, w in zip(a["class_treeids"], a["class_nodeids"], a["class_ids"], a["class_weights"]):
        weights.setdefault((t, nid), []).append((c, w))
    interior = [i for i in range(n) if modes[i] != b"LEAF"]
    leaves = [i for i in range(n) if modes[i] == b"LEAF"]
    ii = {i: j for j, i in enumerate(interior)}
    # ONNX Runtime reads a root whose true and false ids are equal as a leaf,
    # whatever the leaf flags say: shift the leaf numbering (unused leaves at
    # the front) until no root has a leaf and a node of the same index.
    shift = 0
    while True:
        li = {i: j + shift for j, i in enumerate(leaves)}
        clash = False
        for i in range(n):
            if i in ii and (i == 0 or a["nodes_treeids"][i - 1] != a["nodes_treeids"][i]):
                t = a["nodes_treeids"][i]
                kids = [key[(t, a["nodes_truenodeids"][i])], key[(t, a["nodes_falsenodeids"][i])]]
                ids = [li[k] if k in li else ii[k] for k in kids]
                clash |= ids[0] == ids[1]
        if not clash or not avoid_root_clash:
            break
        shift += 1
    code = {b"BRANCH_LEQ": 0, b"BRANCH_LT": 1, b"BRANCH_GTE": 2, b"BRANCH_GT": 3, b"BRANCH_EQ": 4, b"BRANCH_NEQ": 5}
    tl, fl, ti, fi = [], [], [], []
    for i in interior:
        t = a["nodes_treeids"][i]
        for kid, ids, leafs in [(a["nodes_truenodeids"][i], ti, tl), (a["nodes_falsenodeids"][i], fi, fl)]:
            k = key[(t, kid)]
            if k in li:
                ids.append(li[k]); leafs.append(1)
            else:
                ids.append(ii[k]); leafs.append(0)
    roots, seen = [], set()
    for i in range(n):
        t = a["nodes_treeids"][i]
        if t not in seen:
            seen.add(t)
            assert i in ii, "single-leaf trees are not converted here"
            roots.append(ii[i])
    lt, lw = [0] * shift, [0.0] * shift
    for i in leaves:
        (c, w), = weights[(a["nodes_treeids"][i], a["nodes_nodeids"][i])]
        lt.append(c); lw.append(w)
    np_t = np.float32 if dtype == TensorProto.FLOAT else np.float64
    k = len(a["classlabels_int64s"])
    node = helper.make_node(
        "TreeEnsemble", ["X"], ["scores"], domain="ai.onnx.ml",
        nodes_featureids=[a["nodes_featureids"][i] for i in interior],
        nodes_splits=numpy_helper.from_array(np.array([a["nodes_values"][i] for i in interior], dtype=np_t)),
        nodes_modes=numpy_helper.from_array(np.array([code[modes[i]] for i in interior], dtype=np.uint8)),
        nodes_truenodeids=ti, nodes_falsenodeids=fi, nodes_trueleafs=tl, nodes_falseleafs=fl,
        nodes_missing_value_tracks_true=[a["nodes_missing_value_tracks_true"][i] for i in interior],
        tree_roots=roots, leaf_targetids=lt,
        leaf_weights=numpy_helper.from_array(np.array(lw, dtype=np_t)),
        n_targets=k, post_transform=post_transform, aggregate_function=1)
    argmax = helper.make_node("ArgMax", ["scores"], ["label"], axis=1, keepdims=0)
    g = helper.make_graph([node, argmax], name,
                          [helper.make_tensor_value_info("X", dtype, [None, 34])],
                          [helper.make_tensor_value_info("scores", dtype, [None, k]),
                           helper.make_tensor_value_info("label", TensorProto.INT64, [None])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 21), helper.make_opsetid("ai.onnx.ml", 5)],
                          producer_name="mibwatch scripts/onnx_fixtures.py", producer_version="1")
    m.ir_version = 10
    return m


conv = f"LightGBM file above converted to opset 5 by scripts/onnx_fixtures.py (onnx {VERSIONS['onnx']} helper)"
v5 = to_opset5(lg_onnx, TensorProto.FLOAT, "treeensemble_opset5")
save("treeensemble_opset5", v5, conv,
     note="ai.onnx.ml opset 5 TreeEnsemble (float), post_transform NONE (the class scores), then ArgMax; "
          "no producer here writes opset 5")
v5d = to_opset5(lg_onnx, TensorProto.DOUBLE, "treeensemble_opset5_double")
save("treeensemble_opset5_double", v5d, conv, note="the same in double: thresholds, sums and output in double")
soft = to_opset5(lg_onnx, TensorProto.FLOAT, "refuse_opset5_softmax", post_transform=1)
refusal("refuse_opset5_softmax", soft, conv + ", post_transform 1", "post_transform 1",
        "opset 5 post_transform 1 is SOFTMAX in the ONNX spec but LOGISTIC in ONNX Runtime 1.32 (and 2 the other way)")
member = to_opset5(lg_onnx, TensorProto.FLOAT, "refuse_branch_member")
mn = member.graph.node[0]
modes = numpy_helper.to_array(next(x for x in mn.attribute if x.name == "nodes_modes").t).copy()
modes[0] = 6
set_attr(mn, "nodes_modes", numpy_helper.from_array(modes))
set_attr(mn, "membership_values", numpy_helper.from_array(np.array([1.0, 2.0, np.nan], dtype=np.float32)))
refusal("refuse_branch_member", member, conv + ", first split edited to BRANCH_MEMBER", "BRANCH_MEMBER",
        "a categorical (set membership) split")

# --- Spark MLlib (pyspark local mode, onnxmltools) ---
from pyspark.sql import SparkSession
from pyspark.ml.classification import RandomForestClassifier as SparkRF
from pyspark.ml.linalg import Vectors

spark = (SparkSession.builder.master("local[2]").appName("mibwatch-onnx-fixtures")
         .config("spark.ui.enabled", "false").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
sdf = spark.createDataFrame([(Vectors.dense(r.tolist()), float(c)) for r, c in zip(X, yi)], ["features", "label"])
t0 = time.time()
srf = SparkRF(numTrees=20, maxDepth=6, seed=21).fit(sdf)
s_onnx = convert_sparkml(srf, "spark rf", [("features", FloatTensorType([None, 34]))], spark_session=spark)
rows_df = spark.createDataFrame([(Vectors.dense(np.nan_to_num(r, nan=0.0).tolist()),) for r in ROWS], ["features"])
sp = np.array([r.probability.toArray() for r in srf.transform(rows_df).select("probability").collect()])
spark_ref = np.where(np.isnan(ROWS).any(axis=1)[:, None], np.nan, sp)
save("spark_rf_multiclass", s_onnx, f"pyspark {VERSIONS['pyspark']} (local mode) + onnxmltools {VERSIONS['onnxmltools']}",
     reference=spark_ref, note=f"Spark MLlib RandomForestClassifier, 20 trees, trained in {time.time() - t0:.1f}s")
# A categorical feature (VectorIndexer metadata): onnxmltools writes the
# split's first left category as a BRANCH_LEQ threshold; nothing in the file
# marks the split as categorical. (VectorIndexer also takes the other columns
# with at most 4 values as categorical; values it has not seen get their own
# index, handleInvalid="keep".)
from pyspark.ml.feature import VectorIndexer

cat = np.digitize(X[:, 9], np.quantile(X[:, 9], [0.25, 0.5, 0.75])).astype(float)
Xc = np.column_stack([cat, X[:, 1:]])
cdf = spark.createDataFrame([(Vectors.dense(r.tolist()), float(c)) for r, c in zip(Xc, yi)], ["raw", "label"])
vi = VectorIndexer(inputCol="raw", outputCol="features", maxCategories=4, handleInvalid="keep").fit(cdf)
crf = SparkRF(numTrees=10, maxDepth=5, seed=21).fit(vi.transform(cdf))
c_onnx = convert_sparkml(crf, "spark rf categorical", [("features", FloatTensorType([None, 34]))], spark_session=spark)
ROWS_C = np.column_stack([np.digitize(np.nan_to_num(ROWS[:, 9]), np.quantile(X[:, 9], [0.25, 0.5, 0.75])).astype(float),
                          np.nan_to_num(ROWS[:, 1:], nan=0.0)])
write_rows(os.path.join(OUT, "categorical_rows.csv"), ROWS_C)
crows = vi.transform(spark.createDataFrame([(Vectors.dense(r.tolist()),) for r in ROWS_C], ["raw"]))
cp = np.array([r.probability.toArray() for r in crf.transform(crows).select("probability").collect()])
save("spark_rf_categorical_undetectable", c_onnx,
     f"pyspark {VERSIONS['pyspark']} (local mode) + onnxmltools {VERSIONS['onnxmltools']}",
     rows_file="categorical_rows.csv", rows=ROWS_C, reference=cp,
     note="feature 0 categorical (4 values, VectorIndexer): onnxmltools encodes its splits as thresholds, "
          "wrongly (see producer_vs_ort); the file cannot show it")
spark.stop()

# --- mibwatch's own export (cargo example), checked by onnx.checker and ONNX Runtime ---
mw = os.path.join(OUT, "mibwatch_export.onnx")
import tempfile
mw_probs = os.path.join(tempfile.mkdtemp(), "mibwatch_probs.csv")
subprocess.run(["cargo", "run", "--quiet", "-p", "mibwatch-core", "--example", "onnx_export", "--",
                DATA, os.path.join(OUT, "rows.csv"), mw, mw_probs], check=True, cwd=ROOT)
m = onnx.load(mw)
onnx.checker.check_model(m, full_check=True)
mine = pd.read_csv(mw_probs).to_numpy(dtype=np.float64)
theirs = probabilities(m, ROWS, threads=1)
diff = float(np.abs(mine - theirs).max())
assert diff <= 1e-6, f"ONNX Runtime differs from mibwatch by {diff}"
same_class = float((mine.argmax(1) == theirs.argmax(1)).mean())
save("mibwatch_export", m, "mibwatch (cargo run -p mibwatch-core --example onnx_export)", reference=mine,
     note=f"onnx.checker full_check passed; ONNX Runtime vs mibwatch max |dp| = {diff:.3g}, same class on {same_class:.0%} of rows",
     write=False)
os.remove(mw_probs)
print(f"mibwatch export: ONNX Runtime vs mibwatch max |dp| = {diff:.3g}", flush=True)

README_HEAD = """# ONNX tree-ensemble fixtures (issue #21)

Made by the real producers with `scripts/onnx-fixtures.sh` (which runs
`scripts/onnx_fixtures.py`; pinned versions in `requirements.txt`, installed
into their own venv; Java 17 from Debian's `default-jre-headless` for
pyspark). Versions used for the committed files: {versions}.

- `rows.csv`: 200 rows of `data/snmp-mib/all_data.csv` (its 34 MIB-II
  variables) not used for training, 5% of the cells set to `nan`.
- `threshold_rows.csv`: rows whose value equals one split's float threshold
  of `sklearn_rf_on_thresholds.onnx` (the median row otherwise).
- `categorical_rows.csv`: `rows.csv` with feature 0 replaced by a 4-value
  category, for the Spark categorical file.
- `NAME.expected.csv`: ONNX Runtime's probabilities for those rows (one
  intra-op thread, so trees are summed in file order; input cast to the
  model's input type), one row per line.
- `manifest.json`: every file, its producer, the rows and expected file or
  the reason it must be refused, and the measured differences.

`crates/core/tests/onnx_fixtures.rs` imports every file and compares
mibwatch's evaluation with the expected outputs (CI needs no Python); it
prints the largest difference per file (0, bit-identical, for all of them
when this was written). Refusal fixtures must fail with a message naming the
reason.

Not made by a producer (no producer here writes them), and said so in the
manifest: the opset 5 `TreeEnsemble` files are the LightGBM file converted by
`scripts/onnx_fixtures.py` following the ONNX spec (onnx's `helper`), with
post_transform NONE, because ONNX Runtime 1.32 reads opset 5 post_transform 1
as LOGISTIC and 2 as SOFTMAX, the spec the other way round
(`refuse_opset5_softmax.onnx`); `refuse_branch_member.onnx` is that file with
its first split edited to BRANCH_MEMBER; `refuse_probit.onnx` and
`refuse_softmax_zero.onnx` are a skl2onnx file with post_transform edited.
`mibwatch_export.onnx` is written by `cargo run -p mibwatch-core --example
onnx_export` and passes `onnx.checker` (full check); the script asserts that
ONNX Runtime's probabilities are within 1e-6 of mibwatch's.

"producer vs ORT" is the largest |difference| between the producer's own
`predict_proba` and ONNX Runtime on the rows without missing values. The
converters are right within float rounding except: XGBRFClassifier (onnxmltools
gives its trees to the wrong classes; the file looks like any XGBoost model,
so it is imported with a caution in its description), Spark categorical
splits (onnxmltools writes the first left category as a threshold; nothing in
the file marks them) and the opset 5 files (raw scores, no softmax). "ORT 1
thread vs default" shows that ONNX Runtime itself changes the last bits of
float sums when it splits the trees over threads.

| file | producer | checked against | note |
| --- | --- | --- | --- |
"""

manifest["versions"] = VERSIONS
manifest["rows"] = {"rows.csv": "200 rows of data/snmp-mib/all_data.csv not used for training, 5% of cells missing (nan)",
                    "threshold_rows.csv": "rows at the float thresholds of sklearn_rf_on_thresholds",
                    "categorical_rows.csv": "rows.csv with feature 0 replaced by a 4-value category (quartile of tcpInSegs), no nan"}
with open(os.path.join(OUT, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
# --- README.md, from the manifest ---
def table(m):
    lines = []
    for f in m["fixtures"]:
        if "refused" in f:
            lines.append(f"| `{f['file']}` | {f['producer']} | refused: names \"{f['refused']}\" | {f['note']} |")
        else:
            pv = f.get("producer_vs_ort_max_abs_diff_on_complete_rows")
            pv = "" if pv is None else f"{pv:.2g}"
            lines.append(f"| `{f['file']}` | {f['producer']} | {f['rows']}; ORT 1 thread vs default "
                         f"{f['ort_threads_default_vs_one_max_abs_diff']:.2g}; producer vs ORT {pv} | {f['note']} |")
    return "\n".join(lines)


with open(os.path.join(OUT, "README.md"), "w") as f:
    f.write(README_HEAD.format(versions=", ".join(f"{k} {v}" for k, v in VERSIONS.items())) + table(manifest) + "\n")
print("done", flush=True)
