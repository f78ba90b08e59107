#!/usr/bin/env bash
# Power-cut campaign: ocpp-chargerd runs overlapping transactions on two connectors against the
# strict CSMS (tests/integration/csms/csms.js) while the CSMS is stopped and restarted at random
# moments and the daemon is killed with SIGKILL (with StartTransaction/StopTransaction/MeterValues
# in flight, right after an API call returned, while offline, during its own startup, at random)
# and restarted on the same database, KILLS times. Then everything drains and the CSMS's log is
# audited (tests/powercut/audit.js): every transaction has one StartTransaction and one
# StopTransaction with the CSMS's transactionId, nothing acknowledged by the daemon is lost,
# nothing is reordered, and only the message in flight at a kill or outage is ever sent twice.
#
# Usage: scripts/powercut.sh [KILLS]        (default 20; about 2 s per kill)
# Environment:
#   CHARGERD=/path/to/ocpp-chargerd  test that daemon (e.g. an AddressSanitizer build); skips the
#                                    dependency install and the build
#   POWERCUT_SEED=N                  replay the random choices of an earlier run (printed first)
#   POWERCUT_VERBOSE=1               print the CSMS timeline and the driver's actions live
#   KEEP_TMP=1                       keep the database and logs of a passing run
#   POWERCUT_TMPDIR=DIR              put the database there (default: $TMPDIR or /tmp)
# Exit status: 0 when the audit found nothing; 1 on any violation; 2 when it could not run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
kills=${1:-20}
[[ "$kills" =~ ^[0-9]+$ ]] || { echo "usage: scripts/powercut.sh [KILLS]" >&2; exit 2; }

if [[ -z "${CHARGERD:-}" ]]; then
  scripts/install-deps.sh
fi
if [[ ! -f tests/integration/node_modules/ocpp-rpc/package.json ]]; then
  (cd tests/integration && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
if [[ -z "${CHARGERD:-}" ]]; then
  # Reuses build/ when it is there (configured by hand or by an earlier run).
  if [[ ! -f build/CMakeCache.txt ]]; then
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target ocpp-chargerd >/dev/null
  CHARGERD=$root/build/examples/chargerd/ocpp-chargerd
fi
[[ -x "$CHARGERD" ]] || { echo "powercut: ocpp-chargerd not found at $CHARGERD" >&2; exit 2; }

CHARGERD=$CHARGERD exec node tests/powercut/powercut.js "$kills"
