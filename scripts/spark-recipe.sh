#!/usr/bin/env bash
# mibwatch beyond one machine (issue #21): a pyspark job in local mode trains a
# Spark MLlib random forest on mibwatch's features, converts it with
# onnxmltools and imports it with `mibwatch import`; then it scores a file with
# `mibwatch export models/default.mwm` through ONNX Runtime in a pandas UDF and
# checks every row's class against `mibwatch score`. See scripts/spark_recipe.py
# and README "Beyond one machine".
#   scripts/spark-recipe.sh [OUT_DIR]       (default target/spark-recipe)
#   TRAIN_ROWS=1000000 SCORE_ROWS=500000 TREES=50 DEPTH=10 SEED=21 (defaults)
# Versions: tests/fixtures/onnx/requirements.txt, installed into their own venv
# (ONNX_VENV, default /tmp/mibwatch-onnx-venv, shared with
# scripts/onnx-fixtures.sh). pyspark needs Java 17: Debian's
# default-jre-headless is installed with apt-get when `java` is missing (root).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(realpath -m "${1:-$root/target/spark-recipe}")"
venv="${ONNX_VENV:-/tmp/mibwatch-onnx-venv}"
if ! command -v java >/dev/null; then
  apt-get update -qq && apt-get install -y -qq default-jre-headless
fi
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q -r "$root/tests/fixtures/onnx/requirements.txt"
cd "$root"
cargo build -q --profile fast -p mibwatch-cli
target="${CARGO_TARGET_DIR:-$root/target}"
"$venv/bin/python" scripts/spark_recipe.py "$out" "$root" "$(realpath "$target/fast/mibwatch")"
