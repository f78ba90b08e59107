#!/usr/bin/env bash
# ocpp-fleet's report page, drawn by a real browser: `ocpp-fleet merge --html` writes the page
# of a report (tests/examples/fleet_report_fixture.json, from a run of 30 OCPP 1.6 and 30 2.0.1
# charge points against the strict test CSMS, with a hostile error text added), then headless
# Chromium loads it and the DOM it returns after the page's script ran must hold every chart:
# one latency histogram per action with bars, the timeline's three series, the summary with
# 0 lost messages, and no element injected through the report's texts.
# Usage: fleet_report_page.sh OCPP_FLEET REPORT.json
set -euo pipefail
fleet=$1
report=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || true)
[[ -n $browser ]] || fail "chromium is not installed (scripts/test.sh installs Debian's chromium)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$fleet" merge --html "$tmp/report.html" --report "$tmp/merged.json" "$report" >/dev/null
# --no-sandbox: CI runs as root; the page is our own and reads no network.
HOME=$tmp timeout 60 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/profile" \
  --virtual-time-budget=5000 --dump-dom "file://$tmp/report.html" >"$tmp/dom.html" 2>"$tmp/chromium.log" ||
  { cat "$tmp/chromium.log" >&2; fail "chromium failed"; }
dom=$tmp/dom.html
actions=$(python3 -c 'import json,sys; print(len([a for a in json.load(open(sys.argv[1]))["actions"].values() if a["histogram"]]))' "$report")
((actions > 0)) || fail "the fixture has no action with latencies"
rendered=$(grep -o 'data-rendered="[0-9]*"' "$dom" | grep -o '[0-9]*' || true)
[[ $rendered == $((actions + 1)) ]] || fail "data-rendered=\"$rendered\", expected $((actions + 1)) charts (the script did not finish?)"
histograms=$(grep -o 'class="histogram"' "$dom" | wc -l)
[[ $histograms == "$actions" ]] || fail "$histograms histograms drawn, expected $actions"
bars=$(grep -o 'class="bar"' "$dom" | wc -l)
((bars >= actions)) || fail "only $bars histogram bars"
series=$(grep -o 'class="series"' "$dom" | wc -l)
[[ $series == 3 ]] || fail "$series timeline series, expected 3 (connected, booted, charging)"
grep -q '<td id="lost" class="good">0</td>' "$dom" || fail "the summary does not show 0 lost messages"
grep -q '<b id="injected"' "$dom" && fail "a text of the report became markup"
grep -q 'BootNotification' "$dom" || fail "no BootNotification row"
echo "report page OK: $actions histograms ($bars bars), 3 timeline series, 0 lost messages"
