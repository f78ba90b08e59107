#!/usr/bin/env bash
# The fleet at scale: builds (Release) ocpp-fleet and the loopback CSMS (tests/bench/fleet_csms,
# a process of its own that answers every CALL at once), then runs COUNT charge points, half
# OCPP 1.6 and half 2.0.1 (two EVSEs each), for DURATION seconds: every one boots (all at once:
# a boot storm), runs sessions with meter values every 10 s, and stops cleanly; first with the
# durable store shared by all, then with --memory. Prints ocpp-fleet's summary and the figures
# docs/benchmarks.md records (boot storm, RSS and descriptors per charge point, latencies, lost
# messages), then the floor of the boot storm (a bare libwebsockets client, bench_fleet_lws).
# Figures only; the exit status is ocpp-fleet's (1 if a message was lost).
#
#   scripts/fleet-scale.sh [COUNT] [DURATION]     default 10000 charge points, 180 s
#   BUILD_DIR=... (default /tmp/build-bench), FLEET_DIR=... (work dir, default a temp dir)
set -euo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BUILD_DIR:-/tmp/build-bench}"
COUNT="${1:-10000}"
DURATION="${2:-180}"
WORK="${FLEET_DIR:-$(mktemp -d /tmp/ocpp-fleet-scale.XXXXXX)}"
mkdir -p "$WORK"

echo "== configure + build (Release, $BUILD)"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DOCPP_BUILD_EXAMPLES=ON -DOCPP_BUILD_BENCH=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target ocpp-fleet fleet_csms bench_fleet_lws >/dev/null
FLEET="$BUILD/examples/fleet/ocpp-fleet"

echo "== machine"
echo "date:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "nproc:  $(nproc)"
echo "cpu:    $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "nofile: $(ulimit -Hn) (hard limit)"
echo "commit: $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$SRC" diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"

csms_pid=""
cleanup() { [[ -n $csms_pid ]] && kill "$csms_pid" 2>/dev/null || true; }
trap cleanup EXIT
rm -f "$WORK/url"
"$BUILD/tests/bench/fleet_csms" "$WORK/url" 2>"$WORK/csms.log" &
csms_pid=$!
for _ in $(seq 50); do [[ -s $WORK/url ]] && break; sleep 0.1; done
URL=$(cat "$WORK/url")
half=$((COUNT / 2))
cat >"$WORK/scenario.json" <<JSON
{ "url": "$URL", "duration_s": $DURATION, "ramp_up_per_s": 0, "stop_grace_s": 300,
  "behaviour": {"first_session_s": [0, 60], "sessions_per_hour": 30, "max_sessions": 0,
                "session_s": [30, 90], "meter_interval_s": 10},
  "groups": [{"ocpp": "1.6", "count": $((COUNT - half)), "model": "AC22"},
             {"ocpp": "2.0.1", "count": $half, "model": "DC50", "connectors": 2}] }
JSON

status=0
for store in durable memory; do
  echo "== $COUNT charge points, $store store, $DURATION s"
  args=(--scenario "$WORK/scenario.json" --report "$WORK/$store.json" --html "$WORK/$store.html"
        --progress lines --progress-interval 30)
  if [[ $store == durable ]]; then rm -f "$WORK/fleet.db"*; args+=(--db "$WORK/fleet.db"); else args+=(--memory); fi
  "$FLEET" "${args[@]}" 2> >(grep -v '^\[' >&2) || status=$?
  python3 - "$WORK/$store.json" "$COUNT" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); n = int(sys.argv[2]); a = r["actions"]
p = r["process"]
print(f"figures: boot storm {r['boot_storm_s']} s; peak RSS {p['peak_rss_kb']} KiB = "
      f"{p['peak_rss_kb'] * 1024 / n / 1000:.1f} KB per charge point; descriptors {p['peak_descriptors']} "
      f"({p['peak_descriptors'] - n} besides one per charge point); sessions {r['sessions']['completed']}; "
      f"lost {r['lost_messages']}; errors {r['errors_total']}")
for k in ("BootNotification", "StartTransaction", "MeterValues", "TransactionEvent"):
    if k in a:
        print(f"  {k}: {a[k]['calls']} calls, p50 {a[k]['p50_ms']} ms, p99 {a[k]['p99_ms']} ms")
PY
done
echo "== floor: a bare libwebsockets client opening $COUNT connections, one BootNotification frame each"
BENCH_FLEET_N=$COUNT BENCH_DURABLE_N=0 BENCH_FLEET_ONLY=floor "$BUILD/tests/bench/bench_fleet_lws" "$WORK" |
  sed -n 's/^fleet.boot_storm_s *[0-9.]* *floor *\([0-9.]*\).*/floor boot storm: \1 s/p' || true
echo "reports in $WORK"
exit $status
