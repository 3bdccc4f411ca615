#!/usr/bin/env bash
# Run the cargo-fuzz targets (nightly toolchain; installs cargo-fuzz if missing).
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# New inputs go to fuzz/corpus/<target> (not committed); seeds live in
# fuzz/seeds/<target>. A crash leaves its input in fuzz/artifacts/<target>.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ingest model_decode model_payload sample_decode rates onnx_decode export_detect export_prometheus export_grafana export_telegraf export_snmp export_rrd)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "fuzz: $t for ${secs}s"
  cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
done
