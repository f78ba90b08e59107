#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. Everything runs under
# AddressSanitizer + UndefinedBehaviorSanitizer: the unit and scenario tests, the fuzz corpora
# replayed through their targets, and the integration scenarios (against the strict ocpp-rpc
# CSMS) with an ocpp-chargerd built with the sanitizers, so a memory error on the transport,
# runner or daemon paths fails the run. Then the API reference, the release build with the
# consumer projects, and the arm64 build with its unit tests and a daemon session under
# qemu-user. The last line is ctest's summary.
# Usage: scripts/test.sh            (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

# chromium: the report page of ocpp-fleet is checked in a headless browser; python3-yaml reads
# its Kubernetes manifest.
scripts/install-deps.sh chromium python3-yaml

echo "== generated code is current"
scripts/generate.sh --check

echo "== npm packages of the integration tests"
(cd tests/integration && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

echo "== sanitizer build (ASan+UBSan): library, unit tests, ocpp-chargerd"
start=$SECONDS
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DOCPP_SANITIZE=address,undefined \
      -DOCPP_BUILD_EXAMPLES=ON -DOCPP_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs" >build-asan/build.log 2>&1 || { cat build-asan/build.log; exit 1; }
echo "(sanitizer build: $((SECONDS - start)) s)"

echo "== API reference: every public symbol documented (Doxygen)"
scripts/docs.sh

echo "== release build (library and ocpp-chargerd, for the consumers)"
start=$SECONDS
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Release -DOCPP_BUILD_TESTS=OFF \
      -DOCPP_BUILD_BENCH=OFF >/dev/null
cmake --build build-test -j"$jobs" --target ocpp ocpp-chargerd >build-test/build.log 2>&1 || { cat build-test/build.log; exit 1; }
echo "(release build: $((SECONDS - start)) s)"

echo "== consumers: find_package, pkg-config, add_subdirectory (shared); exported symbols"
start=$SECONDS
scripts/consumers.sh build-test
echo "(consumers: $((SECONDS - start)) s)"

echo "== arm64: cross-build, unit tests and a daemon session under qemu-aarch64"
start=$SECONDS
scripts/arm64-emulated.sh build-arm64
echo "(arm64 under emulation: $((SECONDS - start)) s)"

echo "== all tests under ASan+UBSan (unit, scenario, docs, integration against the sanitizer daemon)"
cd build-asan
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
ctest --output-on-failure -j"$jobs" --timeout 300
