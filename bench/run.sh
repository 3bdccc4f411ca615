#!/usr/bin/env bash
# The benchmark against scikit-learn, in one run on this machine (`make bench`).
#
#   bench/run.sh [RUNS] [SIZES]     defaults: 5 runs; 5000,20000,100000,500000 rows
#
# Builds mibwatch's trainer natively and for wasm (the worker's `fast`
# profile, run in Node's V8), installs the pinned scikit-learn into
# bench/.venv, writes the data sets once (bench/data), then for each set runs
# scikit-learn, native and wasm one after the other and writes the table to
# bench/results.md. The full default run takes about 100 minutes on 2 cores, mostly
# scikit-learn at 500k rows.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
sizes="${2:-5000,20000,100000,500000}"
export PATH="$PWD/tools/npm/node_modules/.bin:$HOME/.cargo/bin:$PATH"
if [ -f target/wasm-toolchain.env ]; then source target/wasm-toolchain.env; fi

if [ ! -x bench/.venv/bin/python ]; then python3 -m venv bench/.venv; fi
bench/.venv/bin/pip install -q -r bench/requirements.txt

cargo build -q --profile fast -p mibwatch-bench
cargo build -q --profile fast -p mibwatch-bench --lib --target wasm32-unknown-unknown
wasm-bindgen --target nodejs --out-dir bench/pkg target/wasm32-unknown-unknown/fast/mibwatch_bench.wasm
target/fast/mibwatch-bench gen bench/data "$sizes"
make build  # the page whose transfer size is reported

sets="snmp-mib"
for n in ${sizes//,/ }; do sets="$sets synthetic-$((n / 1000))k"; done
results=bench/data/results.jsonl
: > "$results"
for set in $sets; do
  bench/.venv/bin/python bench/sklearn_bench.py bench/data "$set" "$runs" >> "$results"
  target/fast/mibwatch-bench native bench/data "$set" "$runs" >> "$results"
  node bench/wasm_bench.mjs bench/pkg bench/data "$set" "$runs" >> "$results"
done
{
  echo "<!-- made by bench/run.sh $runs $sizes on $(date -u +%Y-%m-%d) -->"
  bench/.venv/bin/python bench/report.py "$results" dist
} > bench/results.md
cat bench/results.md
