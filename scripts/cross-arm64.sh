#!/usr/bin/env bash
# Cross-builds the library and ocpp-chargerd for 64-bit Arm Linux (aarch64) with Debian's
# cross compiler and the arm64 -dev packages (multiarch), checks that the result is an aarch64
# ELF and prints the stripped size of ocpp-chargerd.
# Usage: scripts/cross-arm64.sh [--tests] [build dir, default build-arm64]
#   --tests  also builds the unit tests (ocpp_tests; their own code at -O0, the library keeps
#            Release) and installs what running aarch64 programs takes: qemu-user-static,
#            Catch2 (header-only: the host's package serves) and the arm64 C++ runtime
#            (libstdc++6:arm64). scripts/arm64-emulated.sh runs them under qemu.
# The first run adds the arm64 architecture to dpkg and installs the packages (a few minutes).
#
# Multiarch notes (Debian 12):
# - The arm64 -dev packages are Multi-Arch: same: an arm64 package and its amd64 twin must have
#   the same version, so apt upgrades the amd64 one (libssl-dev, libssl3, ...) when the archive
#   has a newer one.
# - libwebsockets-dev:arm64 does not co-install with libwebsockets-dev:amd64: both ship
#   /usr/include/lws_config.h, which differs in LWS_INSTALL_LIBDIR, and dpkg refuses. Its
#   dependencies (libwebsockets17:arm64, the evlib plugins, libcap-dev:arm64, ...) do install,
#   so the .deb itself is unpacked into <build dir>/deps and found from there: its headers come
#   first on the include path (-isystem), its CMake package through CMAKE_PREFIX_PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
tests=OFF
if [[ "${1:-}" == --tests ]]; then
  tests=ON
  shift
fi
build=$(realpath -m "${1:-build-arm64}")
triple=aarch64-linux-gnu
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"

pkgs=(g++-$triple file rapidjson-dev libssl-dev:arm64 libsqlite3-dev:arm64 libwebsockets17:arm64
      libwebsockets-evlib-ev:arm64 libwebsockets-evlib-uv:arm64 libwebsockets-evlib-glib:arm64
      libev-dev:arm64 libuv1-dev:arm64 zlib1g-dev:arm64 libcap-dev:arm64)
targets=(ocpp ocpp-chargerd)
if [[ $tests == ON ]]; then
  # libstdc++6:arm64 is Multi-Arch: same like the -dev packages above (same version as amd64's).
  pkgs+=(catch2 qemu-user-static libstdc++6:arm64)
  targets+=(ocpp_tests)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "cross-arm64: installing ${missing[*]}" >&2
  dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

deps=$build/deps
lwsver=$(dpkg-query -W -f='${Version}' libwebsockets17:arm64)
if [[ "$(cat "$deps/.lws-version" 2>/dev/null)" != "$lwsver" ]]; then
  rm -rf "$deps" && mkdir -p "$deps"
  (cd "$deps" && apt-get download -qq "libwebsockets-dev:arm64=$lwsver" 2>/dev/null)
  dpkg-deb -x "$deps"/libwebsockets-dev_*_arm64.deb "$deps"
  # The libraries its CMake package names but the -dev package does not hold.
  for f in libwebsockets.so.17 libwebsockets-evlib_ev.so libwebsockets-evlib_uv.so \
           libwebsockets-evlib_glib.so; do
    ln -sf "/usr/lib/$triple/$f" "$deps/usr/lib/$triple/$f"
  done
  echo "$lwsver" >"$deps/.lws-version"
fi

cmake --no-warn-unused-cli -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/$triple.cmake \
      -DCMAKE_PREFIX_PATH="$deps/usr" -DCMAKE_CXX_FLAGS="-isystem $deps/usr/include" \
      -DCMAKE_BUILD_TYPE=Release -DOCPP_BUILD_TESTS=$tests -DOCPP_TESTS_COMPILE_OPTIONS=-O0 \
      -DOCPP_UNITY_BUILD=ON -DOCPP_BUILD_BENCH=OFF -DOCPP_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build" -j"$jobs" --target "${targets[@]}" >"$build/build.log" 2>&1 ||
  { cat "$build/build.log"; exit 1; }

bin=$build/examples/chargerd/ocpp-chargerd
info=$(file -b "$bin")
echo "cross-arm64: ocpp-chargerd: $info"
[[ $info == ELF\ 64-bit*ARM\ aarch64* ]] || { echo "cross-arm64: not an aarch64 ELF" >&2; exit 1; }
lib=$(find "$build" -maxdepth 1 -name 'libocpp-client.*' -print -quit)
machines=$($triple-readelf -h "$lib" | sed -n 's/^ *Machine: *//p' | sort -u)
echo "cross-arm64: $(basename "$lib"): $machines"
[[ $machines == AArch64 ]] || { echo "cross-arm64: $(basename "$lib") is not aarch64 only" >&2; exit 1; }
$triple-strip -o "$bin.stripped" "$bin"
echo "cross-arm64: ocpp-chargerd needs: $($triple-readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')"
echo "cross-arm64: ocpp-chargerd stripped size: $(stat -c %s "$bin.stripped") bytes"
