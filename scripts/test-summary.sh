#!/usr/bin/env bash
# The last line of `make test`: every suite passed, and which were skipped.
# The lab smoke test skips (exit 0) where the lab cannot run; under CI=true a
# skip on a machine where it could run (root with working network
# namespaces) fails instead, so a CI run never passes without it unnoticed.
set -euo pipefail
cd "$(dirname "$0")/.."
log=target/lab-smoke.log
skipped=()
if [ ! -f "$log" ]; then
  skipped+=("lab smoke (not run)")
elif grep -q "SKIPPED" "$log"; then
  why=$(grep -o "SKIPPED (.*" "$log" | head -n1)
  skipped+=("lab smoke ${why#SKIPPED }")
  if [ "${CI:-}" = "true" ] && [ "$(id -u)" = 0 ] && ip netns add mwl-ci-probe-$$ 2>/dev/null; then
    ip netns del mwl-ci-probe-$$
    echo "make test: FAILED: the lab smoke test skipped on a machine where it can run (CI=true): ${why}" >&2
    exit 1
  fi
fi
if [ ${#skipped[@]} -eq 0 ]; then
  echo "make test: all suites passed"
else
  echo "make test: all suites passed; skipped: ${skipped[*]}"
fi
