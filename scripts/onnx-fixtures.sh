#!/usr/bin/env bash
# Regenerate tests/fixtures/onnx with the real producers (issue #21):
# scikit-learn + skl2onnx, LightGBM / XGBoost / Spark MLlib + onnxmltools,
# ONNX Runtime for the expected outputs, and mibwatch's own export checked by
# onnx.checker and ONNX Runtime. Versions are pinned in
# tests/fixtures/onnx/requirements.txt; they install into their own venv
# (ONNX_VENV, default /tmp/mibwatch-onnx-venv). pyspark needs Java 17: Debian's
# default-jre-headless is installed with apt-get when `java` is missing (root).
#   scripts/onnx-fixtures.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/tests/fixtures/onnx"
venv="${ONNX_VENV:-/tmp/mibwatch-onnx-venv}"
if ! command -v java >/dev/null; then
  apt-get update -qq && apt-get install -y -qq default-jre-headless
fi
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q -r "$out/requirements.txt"
cd "$root"
"$venv/bin/python" scripts/onnx_fixtures.py "$out" "$root"
# The decoder's fuzz seeds are the fixtures that fit scripts/fuzz.sh's
# -max_len (64 KiB).
mkdir -p fuzz/seeds/onnx_decode
find "$out" -name '*.onnx' -size -65537c -exec cp {} fuzz/seeds/onnx_decode/ \;
