#!/usr/bin/env bash
# Builds the unit tests under ThreadSanitizer and runs the threaded ones (ChargePoint facade
# and Runner), stopping at the first reported race.
# Usage: scripts/tsan.sh [catch2 test spec]     (default: "[charge_point],[charging_station],[runner],[transport]")
#        OCPP_TSAN_BUILD_DIR=/tmp/build-tsan scripts/tsan.sh   (build elsewhere; default build-tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
build=${OCPP_TSAN_BUILD_DIR:-build-tsan}
spec=${1:-"[charge_point],[charging_station],[runner],[transport]"}

echo "== configure ($build, -DOCPP_SANITIZE=thread)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOCPP_SANITIZE=thread \
      -DOCPP_BUILD_EXAMPLES=OFF -DOCPP_BUILD_BENCH=OFF >/dev/null
echo "== build ocpp_tests"
cmake --build "$build" -j"$jobs" --target ocpp_tests
echo "== run $spec under ThreadSanitizer"
# setarch -R: TSan on newer kernels refuses high-entropy ASLR ("unexpected memory mapping").
run=()
if command -v setarch >/dev/null 2>&1 && setarch "$(uname -m)" -R true 2>/dev/null; then
  run=(setarch "$(uname -m)" -R)
fi
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
  "${run[@]}" "$build/tests/ocpp_tests" "$spec"
