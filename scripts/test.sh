#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the generated code check, the unit
# and scenario tests under AddressSanitizer + UndefinedBehaviorSanitizer, then the full
# suite (unit, scenario, integration against the strict ocpp-rpc CSMS) with ctest.
# Usage: scripts/test.sh            (from anywhere)
#        OCPP_SKIP_SANITIZERS=1 scripts/test.sh   (skip the sanitizer pass)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

scripts/install-deps.sh

echo "== generated code is current"
scripts/generate.sh --check

echo "== npm packages of the integration tests"
(cd tests/integration && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

if [[ "${OCPP_SKIP_SANITIZERS:-0}" != 1 ]]; then
  echo "== unit and scenario tests under AddressSanitizer + UndefinedBehaviorSanitizer"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DOCPP_SANITIZE=address,undefined \
        -DOCPP_BUILD_EXAMPLES=OFF -DOCPP_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j"$jobs" --target ocpp_tests
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      build-asan/tests/ocpp_tests --reporter compact >build-asan/tests.log 2>&1; then
    cat build-asan/tests.log
    exit 1
  fi
  grep -E "^(Passed all|All tests passed)" build-asan/tests.log
fi

echo "== API reference: every public symbol documented (Doxygen)"
scripts/docs.sh

echo "== build"
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-test -j"$jobs"

echo "== consumers: find_package, pkg-config, add_subdirectory (shared); exported symbols"
start=$SECONDS
scripts/consumers.sh build-test
echo "(consumers: $((SECONDS - start)) s)"

echo "== arm64 cross-build (library and ocpp-chargerd)"
start=$SECONDS
scripts/cross-arm64.sh build-arm64
echo "(arm64 cross-build: $((SECONDS - start)) s)"

echo "== all tests"
cd build-test
ctest --output-on-failure -j"$jobs" --timeout 300
