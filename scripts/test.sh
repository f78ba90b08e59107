#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. Everything runs under
# AddressSanitizer + UndefinedBehaviorSanitizer: the unit and scenario tests, the fuzz corpora
# replayed through their targets, and the integration scenarios (against the strict ocpp-rpc
# CSMS) with an ocpp-chargerd built with the sanitizers, so a memory error on the transport,
# runner or daemon paths fails the run. Then the API reference; the library build for the
# consumer projects and the arm64 cross-build run beside the tests at the lowest CPU priority
# (their log is printed after the tests); then the arm64 unit tests and a daemon session under
# qemu-user. The last line is ctest's summary.
# Usage: scripts/test.sh            (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

# chromium: the report page of ocpp-fleet is checked in a headless browser; python3-yaml reads
# its Kubernetes manifest. lld links the sanitizer build's 25 programs in a quarter of the
# default linker's time (ocpp_tests: 1.8 s instead of 8.1 s).
scripts/install-deps.sh chromium python3-yaml lld

echo "== generated code is current"
scripts/generate.sh --check

echo "== npm packages of the integration tests"
(cd tests/integration && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

echo "== sanitizer build (ASan+UBSan): library, unit tests, ocpp-chargerd"
start=$SECONDS
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DOCPP_SANITIZE=address,undefined \
      -DOCPP_UNITY_BUILD=ON -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DOCPP_BUILD_EXAMPLES=ON \
      -DOCPP_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs" >build-asan/build.log 2>&1 || { cat build-asan/build.log; exit 1; }
echo "(sanitizer build: $((SECONDS - start)) s)"

echo "== API reference: every public symbol documented (Doxygen)"
scripts/docs.sh

# The library for the consumers and the arm64 cross-build run beside the tests, at the lowest
# CPU priority: the integration scenarios spend most of their time waiting on timers and
# sockets (the CPU sat 94 % idle through them), and a build that only gets the idle CPU cannot
# make a timed test late. The consumers' library is built without optimisation (what they check
# is the install, the package files and the exports); the arm64 build compiles the library and
# ocpp-chargerd in Release with the same GCC 12 and -Werror. The consumers' add_subdirectory
# build compiles the library file by file (the others are unity builds).
echo "== beside the tests, at nice 19: library + consumers, arm64 cross-build (log: build-asan/side.log)"
side_log=$PWD/build-asan/side.log
(
  renice -n 19 -p "$BASHPID" >/dev/null
  set -e
  start=$SECONDS
  cmake -S . -B build-test -DCMAKE_BUILD_TYPE= -DOCPP_BUILD_TESTS=OFF -DOCPP_UNITY_BUILD=ON \
        -DOCPP_BUILD_EXAMPLES=OFF -DOCPP_BUILD_BENCH=OFF >/dev/null
  cmake --build build-test -j"$jobs" --target ocpp >build-test/build.log 2>&1 || { cat build-test/build.log; exit 1; }
  echo "(library for the consumers: $((SECONDS - start)) s)"
  echo "== consumers: find_package, pkg-config, add_subdirectory (shared); exported symbols"
  start=$SECONDS
  scripts/consumers.sh build-test
  echo "(consumers: $((SECONDS - start)) s)"
  echo "== arm64: cross-build of the library, ocpp-chargerd and the unit tests"
  start=$SECONDS
  scripts/cross-arm64.sh --tests build-arm64
  echo "(arm64 cross-build: $((SECONDS - start)) s)"
) >"$side_log" 2>&1 &
side_pid=$!
# A failing test run or script ends the side builds too.
kill_tree() {
  local child
  for child in $(pgrep -P "$1" || true); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
trap 'kill_tree $side_pid' EXIT

echo "== all tests under ASan+UBSan (unit, scenario, docs, integration against the sanitizer daemon)"
start=$SECONDS
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
set +e
(cd build-asan && ctest --output-on-failure -j"$jobs" --timeout 300) | tee build-asan/ctest.log
ctest_rc=${PIPESTATUS[0]}
set -e
echo "(tests: $((SECONDS - start)) s)"
((ctest_rc == 0)) || { echo "test.sh: tests failed (above)" >&2; exit "$ctest_rc"; }

echo "== waiting for the side builds"
start=$SECONDS
side_rc=0
wait "$side_pid" || side_rc=$?
trap - EXIT
cat "$side_log"
echo "(waited $((SECONDS - start)) s after the tests)"
((side_rc == 0)) || { echo "test.sh: a side build failed (above)" >&2; exit "$side_rc"; }

echo "== arm64: unit tests and a daemon session under qemu-aarch64"
start=$SECONDS
scripts/arm64-emulated.sh build-arm64
echo "(arm64 under emulation: $((SECONDS - start)) s)"

# The last line is ctest's summary.
grep -E '^[0-9]+% tests passed' build-asan/ctest.log
