#!/usr/bin/env bash
# Builds (Release, in build-bench) the library, ocpp-chargerd and the benchmark programs of
# tests/bench/, runs them and prints every figure beside its floor (medians over repeated runs).
# Figures only: nothing here passes or fails on a timing.
#
#   scripts/bench.sh                 build dir: /tmp/build-bench (override: BUILD_DIR=...)
#   BENCH_QUICK=1 scripts/bench.sh   fewer runs / messages, for a smoke run
set -euo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BUILD_DIR:-/tmp/build-bench}"
WORK="${BENCH_DIR:-$(mktemp -d /tmp/ocpp-bench.XXXXXX)}"   # databases: same disk as /tmp
JOBS="$(nproc)"

if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
  export BENCH_RUNS="${BENCH_RUNS:-3}" BENCH_DRAIN_N="${BENCH_DRAIN_N:-2000}"
  export BENCH_DRAIN_RUNS="${BENCH_DRAIN_RUNS:-1}" BENCH_RSS_RUNS="${BENCH_RSS_RUNS:-1}"
  export BENCH_FLEET_N="${BENCH_FLEET_N:-500}" BENCH_DURABLE_N="${BENCH_DURABLE_N:-100}"
  export BENCH_DURABLE_SECONDS="${BENCH_DURABLE_SECONDS:-3}" BENCH_TLS_N="${BENCH_TLS_N:-500}"
fi

echo "== configure + build (Release, $BUILD)"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DOCPP_BUILD_TESTS=ON \
      -DOCPP_BUILD_EXAMPLES=ON -DOCPP_BUILD_BENCH=ON >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target ocpp ocpp-chargerd ocpp_bench >/dev/null

B="$BUILD/tests/bench"
CHARGERD="$BUILD/examples/chargerd/ocpp-chargerd"
LIB="$BUILD/libocpp-client.a"
trap 'rm -rf "$WORK"' EXIT

echo "== machine"
echo "date:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "nproc:  $(nproc)"
echo "cpu:    $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "disk:   $(df -T "$WORK" | awk 'NR==2 {print $1" "$2}') (databases in $WORK)"
echo "load:   $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, before the runs)"
echo "commit: $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$SRC" diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"

echo "== 1. codec"
"$B/bench_codec"
"$B/bench_codec_v201"
echo "== 2. durable outbox"
"$B/bench_store" "$WORK"
echo "== 3. drain"
"$B/bench_drain" "$WORK"
echo "== 4. memory and threads"
"$B/bench_memory" "$CHARGERD" "$WORK"
echo "== 4b. fleet: heap per charge point with a shared database, idle CPU and wakes at 10,000"
"$B/bench_fleet"
echo "== 4c. fleet on libwebsockets: boot storm, RSS and descriptors per charge point, durable latency"
"$B/bench_fleet_lws" "$WORK"
echo "== 4c. fleet over wss:// (security profile 2): TLS boot storm beside a bare lws/OpenSSL client"
"$B/bench_fleet_tls" "$WORK"

echo "== 5. sizes (stripped copies in $WORK)"
cp "$CHARGERD" "$WORK/ocpp-chargerd" && strip "$WORK/ocpp-chargerd"
cp "$LIB" "$WORK/libocpp-client.a" && strip --strip-unneeded "$WORK/libocpp-client.a"
printf 'size.chargerd_stripped_bytes   %10d   (unstripped %d; links libwebsockets, SQLite, OpenSSL dynamically)\n' \
  "$(stat -c %s "$WORK/ocpp-chargerd")" "$(stat -c %s "$CHARGERD")"
printf 'size.lib_stripped_bytes        %10d   (libocpp-client.a, strip --strip-unneeded; unstripped %d)\n' \
  "$(stat -c %s "$WORK/libocpp-client.a")" "$(stat -c %s "$LIB")"
