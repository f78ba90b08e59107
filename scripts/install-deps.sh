#!/usr/bin/env bash
# Installs what building and testing ocpp-client needs on Debian 12, if it is missing.
# Used by scripts/demo.sh and scripts/test.sh; safe to run again. Extra package names given as
# arguments are installed too (scripts/fuzz.sh: clang and libFuzzer).
set -euo pipefail

pkgs=(build-essential cmake pkg-config python3 nodejs npm
      libwebsockets-dev rapidjson-dev libssl-dev libsqlite3-dev catch2 sqlite3 openssl doxygen "$@")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs from another source may ship npm itself.
if [[ " ${missing[*]} " == *" npm "* ]] && command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
