#!/bin/sh
# Runs ocpp-chargerd with the example config file (the CSMS URL, database and control socket
# overridden by flags, which win over the file) for up to 5 s against a closed port, and
# passes when it printed its "ready" event with the id and connector count of the file.
# Usage: chargerd_config_test.sh OCPP_CHARGERD CONFIG_JSON
set -eu
bin=$1
config=$2
dir=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
id=$(sed -n 's/^ *"id": *"\([^"]*\)".*/\1/p' "$config")
connectors=$(sed -n 's/^ *"connectors": *\([0-9]*\).*/\1/p' "$config")
"$bin" --config "$config" --url ws://127.0.0.1:1/ocpp --db "$dir/chargerd.db" \
       --control "$dir/control.sock" </dev/null >"$dir/out" 2>"$dir/err" &
pid=$!
expected="{\"event\":\"ready\",\"id\":\"$id\",\"connectors\":$connectors}"
i=0
while [ $i -lt 50 ] && ! grep -qF "$expected" "$dir/out" && kill -0 "$pid" 2>/dev/null; do
  sleep 0.1
  i=$((i + 1))
done
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" || true
pid=
if ! grep -qF "$expected" "$dir/out"; then
  echo "no $expected from ocpp-chargerd --config $config" >&2
  cat "$dir/out" "$dir/err" >&2
  exit 1
fi
echo "ok: $expected"
