#!/usr/bin/env bash
# The benchmark against scikit-learn and YDF, in one run on this machine (`make bench`).
#
#   bench/run.sh [RUNS] [SIZES] [PAGE_RUNS]    defaults: 3 runs; 5000,20000,100000 rows; 1 page run
#
# Builds mibwatch's trainer natively and for wasm (the worker's `fast`
# profile, run in Node's V8) and the page (trunk, into $BENCH_DIST, default
# dist/), installs the pinned scikit-learn and YDF into bench/.venv, writes
# the data sets once (bench/data: the binary files every runner reads, the
# same rows as CSV for the page, and a 2,000,000-row CSV for the page's
# large-file run), then for each set runs scikit-learn and YDF (one thread
# and every core), mibwatch natively (one thread and every core) and in wasm
# (one thread), then the page in headless Chromium with 1 and 2 workers, and
# the 2,000,000-row file with every core's worker; writes the table to
# bench/results.md with the run's wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
sizes="${2:-5000,20000,100000}"
page_runs="${3:-1}"
export PATH="$PWD/tools/npm/node_modules/.bin:$HOME/.cargo/bin:$PATH"
if [ -f target/wasm-toolchain.env ]; then source target/wasm-toolchain.env; fi
target="${CARGO_TARGET_DIR:-target}"
dist="${BENCH_DIST:-dist}"
start=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

if [ ! -x bench/.venv/bin/python ]; then python3 -m venv bench/.venv; fi
bench/.venv/bin/pip install -q -r bench/requirements.txt

cargo build -q --profile fast -p mibwatch-bench
cargo build -q --profile fast -p mibwatch-bench --lib --target wasm32-unknown-unknown
wasm-bindgen --target nodejs --out-dir bench/pkg "$target/wasm32-unknown-unknown/fast/mibwatch_bench.wasm"
cargo fetch -q
trunk build --release --offline --dist "$dist"  # the page trained on, and whose first load is reported
bench_bin="$target/fast/mibwatch-bench"
"$bench_bin" gen bench/data "$sizes"

sets="snmp-mib"
for n in ${sizes//,/ }; do sets="$sets,synthetic-$((n / 1000))k"; done
"$bench_bin" csv bench/data "$sets"
"$bench_bin" counters-csv bench/data/counters-2m.csv 2000000
cores=$(nproc)
results=bench/data/results.jsonl
: > "$results"
for set in ${sets//,/ }; do
  bench/.venv/bin/python bench/python_bench.py bench/data "$set" "$runs" >> "$results"
  "$bench_bin" native bench/data "$set" "$runs" >> "$results"
  node bench/wasm_bench.mjs bench/pkg bench/data "$set" "$runs" >> "$results"
done
node bench/page_bench.mjs "$dist" bench/data "$sets" 1,2 "$page_runs" "$bench_bin" >> "$results"
PAGE_BENCH_TIMEOUT_S=1200 node bench/page_bench.mjs "$dist" bench/data counters-2m "$cores" 1 "$bench_bin" >> "$results"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
minutes=$(( ($(date +%s) - start + 30) / 60 ))
{
  echo "<!-- made by bench/run.sh $runs $sizes $page_runs on $(date -u +%Y-%m-%d), $minutes minutes -->"
  bench/.venv/bin/python bench/report.py "$results" "$dist" "$load_before" "$load_after"
} > bench/results.md
cat bench/results.md
echo "bench/run.sh took $minutes minutes" >&2
