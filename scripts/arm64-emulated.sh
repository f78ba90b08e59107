#!/usr/bin/env bash
# Runs the aarch64 build under qemu-user on this (x86-64) machine: cross-builds the library,
# ocpp-chargerd and the unit tests (scripts/cross-arm64.sh --tests), runs every unit test case
# under qemu-aarch64-static, then one charging session of the aarch64 ocpp-chargerd against the
# strict CSMS (scripts/demo.sh: boot, StatusNotification, Authorize, StartTransaction,
# MeterValues every second, StopTransaction). Exits non-zero if a test case failed or did not
# run, or the session was not complete, or the CSMS recorded a schema violation.
# Ends with one line: "arm64: N test cases passed under qemu-aarch64 X; daemon session OK ...".
# Usage: scripts/arm64-emulated.sh [build dir, default build-arm64]
#
# qemu is invoked explicitly (binfmt_misc may be missing, as in containers and CI) and without
# -L: the arm64 runtime is Debian's multiarch one (see cmake/toolchains/aarch64-linux-gnu.cmake
# for why -L /usr/aarch64-linux-gnu hangs). Logs: <build dir>/arm64-unit.N.log (one per qemu
# process), arm64-session.log.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath -m "${1:-build-arm64}")
t0=$SECONDS

fail() {
  echo "arm64-emulated: FAILED: $*" >&2
  exit 1
}

scripts/install-deps.sh  # node and npm for the CSMS
scripts/cross-arm64.sh --tests "$build"
t_build=$((SECONDS - t0))

qemu=$(command -v qemu-aarch64-static) || fail "qemu-aarch64-static not found"
qver=$("$qemu" --version | sed -n 's/.*version \([^ ]*\).*/\1/p;T;q')
tests_bin=$build/tests/ocpp_tests
chargerd=$build/examples/chargerd/ocpp-chargerd

echo "== arm64: unit tests under qemu-aarch64 $qver"
t=$SECONDS
# Catch2 v2 exits with the number of test cases listed: only the list counts here.
expected=$({ "$qemu" "$tests_bin" --list-test-names-only || true; } | grep -c .) || true
((expected > 0)) || fail "ocpp_tests lists no test case under qemu"
# One qemu process per core, each running the test cases of some test files (Catch2's -#
# tags them [#file]; the files are dealt out largest first to the shard with the fewest cases).
shards=$(nproc 2>/dev/null || echo 2)
mapfile -t specs < <("$qemu" "$tests_bin" -# --list-tags | grep '\[#' | sort -rn | awk -v n="$shards" '
  { best = 0; for (k = 1; k < n; k++) if (load[k] < load[best]) best = k
    load[best] += $1; spec[best] = spec[best] (spec[best] == "" ? "" : ",") $2 }
  END { for (k = 0; k < n; k++) if (spec[k] != "") print spec[k] }')
((${#specs[@]} > 0)) || fail "ocpp_tests lists no test file tags under qemu"
pids=()
for i in "${!specs[@]}"; do
  "$qemu" "$tests_bin" -# "${specs[$i]}" --reporter compact >"$build/arm64-unit.$i.log" 2>&1 &
  pids+=($!)
done
passed=0
for i in "${!specs[@]}"; do
  unit_log=$build/arm64-unit.$i.log
  if ! wait "${pids[$i]}"; then
    grep -v '^\[20' "$unit_log" | tail -n 80 >&2
    fail "unit tests under qemu (full log: $unit_log)"
  fi
  line=$(grep -E '^Passed all [0-9]+ test cases' "$unit_log") || fail "no 'Passed all' line in $unit_log"
  passed=$((passed + $(sed -E 's/^Passed all ([0-9]+) test cases.*/\1/' <<<"$line")))
done
((passed == expected)) || fail "$passed test cases ran, $expected are listed"
line="Passed all $passed test cases in ${#specs[@]} processes"
t_unit=$((SECONDS - t))
echo "$line ($t_unit s)"

echo "== arm64: ocpp-chargerd session under qemu-aarch64 against the strict CSMS"
t=$SECONDS
wrapper=$build/ocpp-chargerd-qemu
printf '#!/bin/sh\nexec %q %q "$@"\n' "$qemu" "$chargerd" >"$wrapper"
chmod +x "$wrapper"
session_log=$build/arm64-session.log
if ! CHARGERD=$wrapper DEMO_CHARGE_SECONDS=${ARM64_CHARGE_SECONDS:-3} scripts/demo.sh >"$session_log" 2>&1; then
  tail -n 60 "$session_log" >&2
  fail "daemon session under qemu (full log: $session_log)"
fi
# demo.sh checked StartTransaction/StopTransaction acknowledged and 0 schema violations; the
# CSMS summary also shows the Authorize and the MeterValues in between.
calls=$(sed -n 's/^ *calls from the charger: //p' "$session_log")
[[ $calls == *"Authorize x"* ]] || fail "no Authorize.req in the session: $calls"
mv=$(sed -n 's/^ *transaction [0-9]*:.*, \([0-9]*\) MeterValues,.*/\1/p;T;q' "$session_log")
((${mv:-0} >= 2)) || fail "${mv:-0} MeterValues.req during the transaction (2 or more expected)"
t_session=$((SECONDS - t))
echo "calls from the charger: $calls ($t_session s)"

echo "arm64: $passed test cases passed under qemu-aarch64 $qver; daemon session OK" \
     "(Authorize, StartTransaction, $mv MeterValues, StopTransaction, 0 schema violations);" \
     "build ${t_build} s, unit ${t_unit} s, session ${t_session} s, total $((SECONDS - t0)) s"
