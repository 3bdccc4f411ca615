"""mibwatch beyond one machine (issue #21), run by scripts/spark-recipe.sh.

A pyspark job in local mode, both directions of ONNX:

(a) Spark MLlib → mibwatch. The lab's rates (data/lab/lab.csv turned into
    per-second rates by `mibwatch score`) scaled up to TRAIN_ROWS rows: each
    generated row is a lab row whose 34 rates are all multiplied by one
    random load factor (log-normal, sigma LOAD_SIGMA) and then each by its own
    jitter (log-normal, sigma JITTER). Spark computes the default model's 24
    features from them, trains a RandomForestClassifier, onnxmltools converts
    it, `mibwatch import` makes it a mibwatch model (a sample of the same
    traffic: the lab's rates; `--features` names the columns, which Spark's
    ONNX does not), and `mibwatch score` scores the lab's rates with it; its
    probabilities are checked against ONNX Runtime on the Spark file.
(b) mibwatch → Spark. `mibwatch export models/default.mwm`; the public
    file's rates scaled up the same way to SCORE_ROWS rows are scored by
    `mibwatch score` and, in Spark, by ONNX Runtime inside a pandas UDF
    (mapInPandas, the model broadcast) on feature rows Spark computes from
    the formulas the export documents (mibwatch.feature_notes and the doc
    string's rules). Asserted: the same class as mibwatch on every row.
(c) `mibwatch export --with-features`: the features as ONNX operators, so
    ONNX Runtime takes the rates; checked by onnx.checker and against
    `mibwatch score` on the same rows (ONNX Runtime on the driver).

Arguments: OUT_DIR ROOT MIBWATCH_BINARY. Environment: TRAIN_ROWS, SCORE_ROWS,
TREES, DEPTH, SEED. Prints the measured figures; writes OUT_DIR/summary.json.
"""

import functools
import json
import operator
import os
import re
import shutil
import subprocess
import sys
import time
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd

OUT, ROOT, MIBWATCH = sys.argv[1], sys.argv[2], sys.argv[3]
TRAIN_ROWS = int(os.environ.get("TRAIN_ROWS", 1_000_000))
# 500,000 rows of rates as Spark writes them are about 160 MB: under the
# 256 MB file limit mibwatch shares with the page (a larger file: in parts).
SCORE_ROWS = int(os.environ.get("SCORE_ROWS", 500_000))
TREES = int(os.environ.get("TREES", 50))
DEPTH = int(os.environ.get("DEPTH", 10))
SEED = int(os.environ.get("SEED", 21))
LOAD_SIGMA, JITTER = 0.3, 0.05
os.makedirs(OUT, exist_ok=True)
os.environ["PYSPARK_PYTHON"] = sys.executable
# pyspark 4.3 warns that it does not fully support pandas 3 (the pinned
# pandas); the paths used here (createDataFrame, mapInPandas) are checked by
# the assertions below.
os.environ["PYTHONWARNINGS"] = "ignore::FutureWarning"
warnings.filterwarnings("ignore", category=FutureWarning)
figures = {}


def path(name):
    return os.path.join(OUT, name)


def mibwatch(*args):
    """Run the CLI; its stderr summary is printed; returns seconds taken."""
    start = time.perf_counter()
    run = subprocess.run([MIBWATCH, *args], cwd=ROOT, capture_output=True, text=True)
    secs = time.perf_counter() - start
    print(f"$ mibwatch {' '.join(args)}\n{run.stderr.rstrip()}", flush=True)
    if run.returncode != 0:
        raise SystemExit(f"mibwatch {args[0]} failed")
    return secs


def timed(key, fn):
    start = time.perf_counter()
    value = fn()
    figures[key] = round(time.perf_counter() - start, 2)
    print(f"{key}: {figures[key]}", flush=True)
    return value


# --- The export and the features it documents --------------------------------

figures["export_s"] = round(mibwatch("export", "models/default.mwm", "--out", path("default.onnx")), 2)
export = onnx.load(path("default.onnx"))
meta = {p.key: p.value for p in export.metadata_props}
FEATURES = json.loads(meta["mibwatch.features"])
NOTES = json.loads(meta["mibwatch.feature_notes"])
CLASSES = json.loads(meta["mibwatch.classes"])
DOC = export.doc_string
# The edge cases the notes leave to the doc string; refuse an export that
# states other rules than the ones implemented below.
for rule in ["a ratio whose denominator is not above 0 is 0",
             "in ln((1 + a) / (1 + b)) a sum below 0 counts as 0",
             "a feature that comes out NaN or infinite is 0"]:
    if rule not in DOC:
        raise SystemExit(f"the export's doc string does not say \"{rule}\"; update this job's features")

RATIO = re.compile(r"^(?P<num>.+) / (?P<den>.+), 0 when the denominator is 0$")
LOG_RATIO = re.compile(r"^ln\(\(1 \+ (?P<num>.+)\) / \(1 \+ (?P<den>.+)\)\)$")


def terms(text):
    """`a` or `(a + b + c)` → the input names."""
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return text.split(" + ")


def feature_plan(inputs):
    """(name, kind, numerator inputs, denominator inputs) per feature, read
    from the notes: an input passes through; a mix is a ratio or a log ratio."""
    plan = []
    for name, note in zip(FEATURES, NOTES):
        formula = note.split(": ", 1)[1]
        if name in inputs:
            plan.append((name, "input", [name], []))
            continue
        for kind, pattern in [("ratio", RATIO), ("log_ratio", LOG_RATIO)]:
            m = pattern.match(formula)
            if m:
                num, den = terms(m["num"]), terms(m["den"])
                unknown = [c for c in num + den if c not in inputs]
                if unknown:
                    raise SystemExit(f"{name}: the formula names {unknown}, which are not inputs")
                plan.append((name, kind, num, den))
                break
        else:
            raise SystemExit(f"{name}: cannot read the formula \"{formula}\"")
    return plan


def with_features(df, plan):
    """The feature columns, as Spark expressions of the rate columns."""
    from pyspark.sql import functions as F

    def total(cols):
        # Left to right, as mibwatch sums.
        return functools.reduce(operator.add, [F.col(c) for c in cols])

    exprs = []
    for name, kind, num, den in plan:
        if kind == "input":
            v = F.col(name)
        elif kind == "ratio":
            v = F.when(total(den) > 0, total(num) / total(den)).otherwise(F.lit(0.0))
        else:
            v = F.log((1 + F.greatest(total(num), F.lit(0.0))) / (1 + F.greatest(total(den), F.lit(0.0))))
        if kind != "input":
            v = F.when(v.isNull() | F.isnan(v) | (F.abs(v) == float("inf")), F.lit(0.0)).otherwise(v)
        exprs.append(v.cast("double").alias(name))
    return df.select(*[c for c in df.columns if c not in FEATURES], *exprs)


# --- Rates: mibwatch turns the counters into per-second rates ------------------

figures["rates_s"] = round(
    mibwatch("score", "models/default.mwm", "data/lab/lab.csv", "--time-column", "timestamp",
             "--session-column", "session", "--out", path("lab-scored.csv"))
    + mibwatch("score", "models/default.mwm", "data/snmp-mib/all_data.csv", "--counters", "15",
               "--out", path("public-scored.csv")), 2)
lab = pd.read_csv(path("lab-scored.csv"))
public = pd.read_csv(path("public-scored.csv"))
INPUTS = [c for c in public.columns[: public.columns.get_loc("class")]]
assert len(INPUTS) == 34 and INPUTS == [c for c in lab.columns if c in INPUTS], INPUTS
lab[INPUTS + ["class"]].to_csv(path("lab-rates.csv"), index=False, float_format=None)
PLAN = feature_plan(INPUTS)
print(f"features of the export, read from its notes: "
      f"{sum(k == 'input' for _, k, _, _ in PLAN)} inputs, "
      f"{sum(k != 'input' for _, k, _, _ in PLAN)} mix features", flush=True)

# --- Spark ---------------------------------------------------------------------

from pyspark.ml.classification import RandomForestClassifier
from pyspark.ml.feature import StringIndexer, VectorAssembler
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

spark = (SparkSession.builder.master("local[*]").appName("mibwatch-spark-recipe")
         .config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false")
         .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "4g"))
         .config("spark.sql.shuffle.partitions", "8")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
cores = spark.sparkContext.defaultParallelism


def scaled_up(base, n, seed):
    """`n` rows: row i is base row i mod len(base), every rate times one
    load factor and its own jitter (both log-normal)."""
    k = len(base)
    rows = spark.createDataFrame(base[INPUTS + ["class"]].assign(base_row=np.arange(k)))
    df = (spark.range(n).withColumn("base_row", F.col("id") % k)
          .join(F.broadcast(rows), "base_row")
          .withColumn("_load", F.exp(F.lit(LOAD_SIGMA) * F.randn(seed))))
    return df.select("id", "class", *[
        (F.col(c) * F.col("_load") * F.exp(F.lit(JITTER) * F.randn(seed + 1 + i))).alias(c)
        for i, c in enumerate(INPUTS)])


# (a) Train on Spark, convert, import into mibwatch.
train = with_features(scaled_up(lab, TRAIN_ROWS, SEED), PLAN)
indexer = StringIndexer(inputCol="class", outputCol="label").fit(train)
SPARK_CLASSES = list(indexer.labelsArray[0])
assembled = VectorAssembler(inputCols=FEATURES, outputCol="features").transform(indexer.transform(train))
assembled = assembled.select("features", "label").persist()
figures["train_rows"] = timed("generate_s", assembled.count)
rf = RandomForestClassifier(numTrees=TREES, maxDepth=DEPTH, seed=SEED, featureSubsetStrategy="sqrt")
forest = timed("train_s", lambda: rf.fit(assembled))
figures["trees"] = forest.getNumTrees
figures["spark_nodes"] = forest.totalNumNodes
assembled.unpersist()

from onnxmltools import convert_sparkml
from onnxmltools.convert.common.data_types import FloatTensorType

spark_onnx = timed("convert_s", lambda: convert_sparkml(
    forest, "mibwatch spark rf", [("features", FloatTensorType([None, len(FEATURES)]))], spark_session=spark))
with open(path("spark_rf.onnx"), "wb") as f:
    f.write(spark_onnx.SerializeToString())
figures["spark_onnx_bytes"] = os.path.getsize(path("spark_rf.onnx"))
figures["import_s"] = round(mibwatch(
    "import", path("spark_rf.onnx"), "--data", path("lab-rates.csv"), "--features", ",".join(FEATURES),
    "--classes", ",".join(SPARK_CLASSES), "--out", path("spark_rf.mwm")), 2)
figures["spark_mwm_bytes"] = os.path.getsize(path("spark_rf.mwm"))
figures["score_imported_s"] = round(mibwatch(
    "score", path("spark_rf.mwm"), path("lab-rates.csv"), "--out", path("lab-spark-scored.csv"),
    "--features-out", path("lab-spark-features.csv")), 2)

# The imported model scores as ONNX Runtime does on the Spark file (float input)
# and gives Spark's own classes.
mine = pd.read_csv(path("lab-spark-scored.csv"))
feats = pd.read_csv(path("lab-spark-features.csv"))
one_thread = ort.SessionOptions()
one_thread.intra_op_num_threads = 1  # trees summed in file order, as mibwatch does
session = ort.InferenceSession(path("spark_rf.onnx"), one_thread, providers=["CPUExecutionProvider"])
ort_p = session.run(None, {"features": feats[FEATURES].to_numpy(np.float32)})[1]
my_p = mine[[f"p_{c}" for c in SPARK_CLASSES]].to_numpy()
figures["imported_vs_ort_max_dp"] = float(np.abs(my_p - ort_p).max())
lab_feats = with_features(spark.createDataFrame(lab[INPUTS + ["class"]]), PLAN)
spark_pred = forest.transform(VectorAssembler(inputCols=FEATURES, outputCol="features").transform(lab_feats))
spark_classes = [SPARK_CLASSES[int(r.prediction)] for r in spark_pred.select("prediction").collect()]
figures["imported_same_class_as_spark"] = float(np.mean(np.array(spark_classes) == mine["predicted_class"].to_numpy()))
figures["imported_accuracy_on_lab_rates"] = float(np.mean(mine["predicted_class"] == mine["class"]))
print(f"imported model vs ONNX Runtime on the Spark file: max |dp| {figures['imported_vs_ort_max_dp']:.3g}; "
      f"same class as Spark on {100 * figures['imported_same_class_as_spark']:.2f}% of the lab's rows", flush=True)
if figures["imported_vs_ort_max_dp"] > 1e-6:
    raise SystemExit("the imported model's probabilities differ from ONNX Runtime's by more than 1e-6")

# (b) Score with the mibwatch export in a pandas UDF.
# The file's columns in order (Spark applies a schema by position).
schema = StructType([StructField("id", LongType())] + [StructField(c, DoubleType()) for c in INPUTS]
                    + [StructField("class", StringType())])
scaled = scaled_up(public, SCORE_ROWS, SEED + 1000).select("id", *INPUTS, "class")
tmpdir = path("score-rates.tmp")
timed("write_score_file_s", lambda: scaled.coalesce(1).write.mode("overwrite").csv(tmpdir, header=True))
part = next(f for f in os.listdir(tmpdir) if f.startswith("part-") and f.endswith(".csv"))
shutil.move(os.path.join(tmpdir, part), path("score-rates.csv"))
shutil.rmtree(tmpdir)
figures["score_rows"] = SCORE_ROWS
figures["score_file_bytes"] = os.path.getsize(path("score-rates.csv"))
figures["mibwatch_score_s"] = round(mibwatch(
    "score", "models/default.mwm", path("score-rates.csv"), "--out", path("score-mibwatch.csv"),
    "--features-out", path("score-mibwatch-features.csv")), 2)

model_bytes = spark.sparkContext.broadcast(open(path("default.onnx"), "rb").read())
figures["export_onnx_bytes"] = os.path.getsize(path("default.onnx"))
P_COLS = [f"p_{c}" for c in CLASSES]


def score_batches(batches):
    """ONNX Runtime in each Python worker, once per partition."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # Spark's tasks are the parallelism
    session = ort.InferenceSession(model_bytes.value, options, providers=["CPUExecutionProvider"])
    for pdf in batches:
        label, p = session.run(["label", "probabilities"], {"features": pdf[FEATURES].to_numpy(np.float64)})
        out = pd.DataFrame(p, columns=P_COLS)
        out.insert(0, "onnx_label", label)
        out.insert(0, "predicted_class", np.array(CLASSES)[p.argmax(axis=1)])
        out.insert(0, "id", pdf["id"].to_numpy())
        yield out


out_schema = StructType([StructField("id", LongType()), StructField("predicted_class", StringType()),
                         StructField("onnx_label", StringType())]
                        + [StructField(c, DoubleType()) for c in P_COLS])
rates = spark.read.csv(path("score-rates.csv"), header=True, schema=schema)
features = with_features(rates, PLAN).select("id", *FEATURES)
scored = features.mapInPandas(score_batches, out_schema)
timed("spark_score_s", lambda: scored.write.mode("overwrite").parquet(path("score-spark.parquet")))
timed("spark_features_s", lambda: features.write.mode("overwrite").parquet(path("score-spark-features.parquet")))
spark.stop()

# --- Spark's results against mibwatch's, row by row ---------------------------

theirs = pd.read_parquet(path("score-spark.parquet")).sort_values("id").reset_index(drop=True)
their_x = pd.read_parquet(path("score-spark-features.parquet")).sort_values("id").reset_index(drop=True)
mine = pd.read_csv(path("score-mibwatch.csv"), usecols=["id", "predicted_class", *P_COLS])
my_x = pd.read_csv(path("score-mibwatch-features.csv"))
assert len(theirs) == len(mine) == len(my_x) == SCORE_ROWS
assert (theirs["id"].to_numpy() == mine["id"].to_numpy()).all() and (their_x["id"] == mine["id"]).all()
a, b = their_x[FEATURES].to_numpy(), my_x[FEATURES].to_numpy()
figures["features_bit_identical"] = float(np.mean(a == b))
figures["features_max_rel_diff"] = float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))
figures["features_not_bit_identical"] = {f: int(n) for f, n in zip(FEATURES, (a != b).sum(axis=0)) if n}
figures["score_max_dp"] = float(np.abs(theirs[P_COLS].to_numpy() - mine[P_COLS].to_numpy()).max())
same = theirs["predicted_class"].to_numpy() == mine["predicted_class"].to_numpy()
figures["score_same_class_rows"] = int(same.sum())
figures["score_onnx_label_same_rows"] = int((theirs["onnx_label"].to_numpy() == mine["predicted_class"].to_numpy()).sum())
# (c) The export with its features inside (`--with-features`): ONNX Runtime
# takes the rates themselves; on the driver, against mibwatch score.
figures["with_features_export_s"] = round(mibwatch(
    "export", "models/default.mwm", "--with-features", "--out", path("default-with-features.onnx")), 2)
figures["with_features_onnx_bytes"] = os.path.getsize(path("default-with-features.onnx"))
with_features = onnx.load(path("default-with-features.onnx"))
onnx.checker.check_model(with_features, full_check=True)
RATE_COLUMNS = json.loads({p.key: p.value for p in with_features.metadata_props}["mibwatch.inputs"])
# The features as a second output, to compare them too.
with_features.graph.output.append(onnx.helper.make_tensor_value_info("features", onnx.TensorProto.DOUBLE, None))
session = ort.InferenceSession(with_features.SerializeToString(), one_thread, providers=["CPUExecutionProvider"])
score_rates = pd.read_csv(path("score-rates.csv"), usecols=["id", *RATE_COLUMNS])
assert (score_rates["id"].to_numpy() == mine["id"].to_numpy()).all()
start = time.perf_counter()
label, p, x = session.run(["label", "probabilities", "features"], {"rates": score_rates[RATE_COLUMNS].to_numpy(np.float64)})
figures["with_features_ort_s"] = round(time.perf_counter() - start, 2)
figures["with_features_max_dp"] = float(np.abs(p - mine[P_COLS].to_numpy()).max())
figures["with_features_same_class_rows"] = int((np.array(CLASSES)[p.argmax(axis=1)] == mine["predicted_class"].to_numpy()).sum())
figures["with_features_bit_identical"] = float(np.mean(x == b))
figures["with_features_max_rel_diff"] = float(np.max(np.abs(x - b) / np.maximum(np.abs(b), 1e-300)))
figures["with_features_not_bit_identical"] = {f: int(n) for f, n in zip(FEATURES, (x != b).sum(axis=0)) if n}
figures.update(cores=cores, versions={m: __import__(m).__version__ for m in ["pyspark", "onnxmltools", "onnxruntime", "onnx", "numpy", "pandas"]},
               java=subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0],
               load_sigma=LOAD_SIGMA, jitter=JITTER, depth=DEPTH, seed=SEED)
with open(path("summary.json"), "w") as f:
    json.dump(figures, f, indent=2)
print(json.dumps(figures, indent=2))
if figures["features_max_rel_diff"] > 1e-12:
    raise SystemExit("Spark's features differ from mibwatch's")
if figures["with_features_max_dp"] > 1e-6 or figures["with_features_same_class_rows"] != SCORE_ROWS:
    raise SystemExit("the export with features differs from mibwatch score")
if not same.all():
    bad = np.flatnonzero(~same)[:5]
    raise SystemExit(f"{(~same).sum()} rows get another class than mibwatch score, e.g. ids {theirs['id'][bad].tolist()}")
print(f"OK: Spark + ONNX Runtime gave mibwatch's class on all {SCORE_ROWS:,} rows "
      f"(max |dp| {figures['score_max_dp']:.3g}); features max relative difference "
      f"{figures['features_max_rel_diff']:.3g} ({100 * figures['features_bit_identical']:.4f}% bit-identical)")
