#!/usr/bin/env bash
# Demo: builds ocpp-chargerd, starts a CSMS (tests/integration/csms/csms.js, ocpp-rpc with strict
# schema validation) on a free loopback port, runs the charger against it and drives one complete
# charging session: boot, plug, card, ~5 s of charging with MeterValues every second
# (MeterValueSampleInterval=1 set by the CSMS with ChangeConfiguration), unplug.
# Prints the timeline of the exchange; exits 0 only if StartTransaction and StopTransaction were
# both acknowledged and the CSMS saw no schema violation.
#
# With --ocpp 2.0.1 the charger and the CSMS speak OCPP 2.0.1 instead: boot, the status of each
# EVSE, heartbeats every 2 s, a ChangeAvailability (Inoperative, then Operative) of EVSE 2 and
# SampledDataCtrlr.TxUpdatedInterval=1 (SetVariables) from the CSMS, then one complete charging
# session on EVSE 1: plug, card (Authorize), TransactionEvent Started, ~5 s of charging with
# periodic meter values, unplug, TransactionEvent Ended; exits 0 only if the Ended was
# acknowledged and the CSMS saw no schema violation.
#
# Usage: scripts/demo.sh [--ocpp 1.6|2.0.1]   (on a fresh Debian 12 machine, as root or with sudo)
# Environment: CHARGERD=/path/to/ocpp-chargerd skips the dependency install and the build.
#              DEMO_CHARGE_SECONDS (default 5), DEMO_KEEP=1 keeps the work directory.
set -euo pipefail

ocpp=1.6
while [[ $# -gt 0 ]]; do
  case $1 in
    --ocpp) ocpp=${2:-}; shift 2 ;;
    *) echo "usage: scripts/demo.sh [--ocpp 1.6|2.0.1]" >&2; exit 2 ;;
  esac
done
[[ $ocpp == 1.6 || $ocpp == 2.0.1 ]] || { echo "demo: --ocpp must be 1.6 or 2.0.1" >&2; exit 2; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
charge_seconds=${DEMO_CHARGE_SECONDS:-5}

say() { printf '\n== %s\n' "$*"; }

if [[ -z "${CHARGERD:-}" ]]; then
  say "installing dependencies (scripts/install-deps.sh)"
  bash scripts/install-deps.sh
fi

say "installing the CSMS's node dependencies (npm ci in tests/integration)"
(cd tests/integration && npm ci --no-audit --no-fund --loglevel=error)

if [[ -z "${CHARGERD:-}" ]]; then
  say "building ocpp-chargerd (build-demo/, Release)"
  cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=Release -DOCPP_BUILD_TESTS=OFF >/dev/null
  cmake --build build-demo -j"$(nproc)" --target ocpp-chargerd
  CHARGERD=$root/build-demo/examples/chargerd/ocpp-chargerd
fi
[[ -e "$CHARGERD" ]] || { echo "demo: ocpp-chargerd not found at $CHARGERD" >&2; exit 1; }
charger_cmd=("$CHARGERD")
[[ "$CHARGERD" == *.js ]] && charger_cmd=(node "$CHARGERD")

work=$(mktemp -d "${TMPDIR:-/tmp}/ocpp-demo.XXXXXX")
csms_pid=""
charger_pid=""
cleanup() {
  local rc=$?
  exec 3>&- 2>/dev/null || true
  [[ -n "$charger_pid" ]] && kill -9 "$charger_pid" 2>/dev/null || true
  [[ -n "$csms_pid" ]] && kill -9 "$csms_pid" 2>/dev/null || true
  if [[ "${DEMO_KEEP:-0}" == 1 || $rc -ne 0 ]]; then
    echo "demo: work directory kept: $work" >&2
  else
    rm -rf "$work"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "" >&2
  echo "DEMO FAILED: $*" >&2
  echo "--- ocpp-chargerd events" >&2; cat "$work/charger.out" >&2 || true
  echo "--- ocpp-chargerd stderr (last 40 lines)" >&2; tail -n 40 "$work/charger.err" >&2 || true
  exit 1
}

# wait_for REGEX SECONDS WHAT: waits until ocpp-chargerd printed a line matching REGEX.
wait_for() {
  local re=$1 secs=$2 what=$3 i
  for ((i = 0; i < secs * 10; i++)); do
    grep -Eq "$re" "$work/charger.out" 2>/dev/null && return 0
    kill -0 "$charger_pid" 2>/dev/null || fail "ocpp-chargerd exited while waiting for $what"
    sleep 0.1
  done
  fail "timed out after ${secs}s waiting for $what"
}
send() {
  printf '%10s  [driver] %s\n' "" "$*"
  printf '%s\n' "$*" >&3
}

# stop_all: quits the charger, then stops the CSMS; returns the CSMS's exit status.
stop_all() {
  send "quit"
  for ((i = 0; i < 100; i++)); do kill -0 "$charger_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$charger_pid" 2>/dev/null; then
    kill -9 "$charger_pid" 2>/dev/null || true
    fail "ocpp-chargerd did not exit after quit"
  fi
  wait "$charger_pid" || true
  charger_pid=""
  exec 3>&-
  kill -INT "$csms_pid"
  set +e
  wait "$csms_pid"
  csms_rc=$?
  set -e
  csms_pid=""
  return 0
}

# start_pair CSMS-OPTIONS... -- CHARGER-OPTIONS...: the CSMS on a free port, then the charger.
start_pair() {
  local csms_args=() charger_args=()
  while [[ $# -gt 0 && $1 != -- ]]; do csms_args+=("$1"); shift; done
  shift
  charger_args=("$@")
  node tests/integration/csms/csms.js --host 127.0.0.1 --port 0 --port-file "$work/port" "${csms_args[@]}" &
  csms_pid=$!
  for ((i = 0; i < 100; i++)); do [[ -s "$work/port" ]] && break; sleep 0.1; done
  [[ -s "$work/port" ]] || fail "the CSMS did not start"
  port=$(cat "$work/port")
  mkfifo "$work/cmd"
  "${charger_cmd[@]}" --url "ws://127.0.0.1:$port" --db "$work/charger.db" \
    --backoff-min-ms 200 --backoff-max-ms 1000 "${charger_args[@]}" \
    <"$work/cmd" >"$work/charger.out" 2>"$work/charger.err" &
  charger_pid=$!
  exec 3>"$work/cmd"
}

ev='"event" *: *'
# wait_queue_empty: asks for `status` until the charger's queue of transaction messages is empty
# (at most 10 s); fails when it is not.
wait_queue_empty() {
  local i
  for ((i = 0; i < 50; i++)); do
    send "status" >/dev/null
    sleep 0.2
    grep -Eq "${ev}\"state\".*\"queue\" *: *0[,}]" "$work/charger.out" && return 0
  done
  return 1
}
if [[ $ocpp == 2.0.1 ]]; then
  say "starting the OCPP 2.0.1 CSMS on a free port of 127.0.0.1 (timeline below: time since CSMS start, connection, direction, message, key fields)"
  start_pair --ocpp 2.0.1 --heartbeat-interval 2 \
    --call 'ChangeAvailability={"operationalStatus":"Inoperative","evse":{"id":2}}' \
    --call 'ChangeAvailability={"operationalStatus":"Operative","evse":{"id":2}}' \
    --call 'SetVariables={"setVariableData":[{"component":{"name":"SampledDataCtrlr"},"variable":{"name":"TxUpdatedInterval"},"attributeValue":"1"}]}' \
    -- --ocpp 2.0.1 --id DEMO-CS-1 --connectors 2
  wait_for "${ev}\"ready\"" 10 "ocpp-chargerd to start"
  wait_for "${ev}\"boot\".*\"status\" *: *\"Accepted\"" 20 "BootNotification Accepted"
  wait_for "${ev}\"status\".*\"evseId\" *: *2.*\"Unavailable\"" 10 "ChangeAvailability Inoperative of EVSE 2"
  wait_for "${ev}\"status\".*\"evseId\" *: *2.*\"Available\"" 10 "ChangeAvailability Operative of EVSE 2"
  wait_for "${ev}\"variable_set\".*TxUpdatedInterval" 10 "TxUpdatedInterval=1 from the CSMS"
  send "plug 1"
  wait_for "${ev}\"status\".*\"evseId\" *: *1.*\"Occupied\"" 10 "EVSE 1 Occupied"
  send "tag DEMO-CARD-1"
  wait_for "${ev}\"transaction_event\".*\"eventType\" *: *\"Started\"" 15 "TransactionEvent Started"
  sleep "$charge_seconds"
  send "unplug 1"
  wait_for "${ev}\"transaction_event\".*\"eventType\" *: *\"Ended\"" 10 "TransactionEvent Ended"
  # Give the Ended time to be acknowledged (the queue of transaction messages empty).
  wait_queue_empty || fail "the Ended was not acknowledged"
  stop_all
  [[ $csms_rc -eq 0 ]] || fail "the CSMS saw schema violations (exit $csms_rc)"
  echo ""
  echo "DEMO OK: OCPP 2.0.1 boot, status, heartbeat, ChangeAvailability, SetVariables and a charging session (Started, periodic meter values, Ended acknowledged), 0 schema violations"
  exit 0
fi

say "starting the CSMS on a free port of 127.0.0.1 (timeline below: time since CSMS start, connection, direction, message, key fields)"
start_pair --heartbeat-interval 30 --config MeterValueSampleInterval=1 --require-session \
  -- --id DEMO-CP-1 --connectors 1

wait_for "${ev}\"ready\"" 10 "ocpp-chargerd to start"
wait_for "${ev}\"boot\".*\"status\" *: *\"Accepted\"" 20 "BootNotification Accepted"
wait_for "${ev}\"configuration_changed\".*MeterValueSampleInterval" 10 "MeterValueSampleInterval=1 from the CSMS"
send "plug 1"
sleep 0.5
send "tag DEMO-CARD-1"
wait_for "${ev}\"transaction_id\"" 15 "StartTransaction.conf"
sleep "$charge_seconds"
send "unplug 1"
wait_for "${ev}\"transaction_stopped\"" 10 "the transaction to stop"
# Give the StopTransaction.req time to be answered, then stop the charger cleanly.
wait_queue_empty || true
stop_all
if [[ $csms_rc -ne 0 ]]; then
  fail "the CSMS did not see a complete, acknowledged session without schema violations (exit $csms_rc)"
fi
echo ""
echo "DEMO OK: charging session completed (StartTransaction and StopTransaction acknowledged, 0 schema violations)"
