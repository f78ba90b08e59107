#!/usr/bin/env bash
# Checks ocpp-client the way its users consume it: installs the library into a temporary
# prefix and builds and runs the three consumer projects of tests/consumers/ against it:
#   find-package      find_package(ocpp-client) on the installed CMake package
#   pkg-config        a Makefile using `pkg-config --cflags --libs --static ocpp-client`
#   add-subdirectory  the source tree built inside the consumer's build, as a shared library
# and checks the installed interface (no RapidJSON in it) and the shared library's exports
# (only the public API: no RapidJSON, SQLite or libwebsockets symbols, no internal namespace,
# no member of an opaque Impl class).
# Usage: scripts/consumers.sh [build dir]
#   With a built build dir of this project (scripts/test.sh passes build-test) the library is
#   installed from it instead of being built again. The consumers build in build-consumers/
#   (or $OCPP_CONSUMERS_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
jobs=$(nproc 2>/dev/null || echo 2)
# Kept between runs (git-ignored) so that a second run rebuilds only what changed.
work=$(realpath -m "${OCPP_CONSUMERS_DIR:-build-consumers}")
prefix=$work/prefix
rm -rf "$prefix"
mkdir -p "$work"
quiet() {  # runs "$@", shows its output only when it fails
  local log=$work/step.log
  if ! "$@" >"$log" 2>&1; then cat "$log" >&2; echo "consumers: failed: $*" >&2; exit 1; fi
}

if [[ -n "${1:-}" ]]; then
  quiet cmake --install "$1" --prefix "$prefix"
else
  quiet cmake -S "$src" -B "$work/lib" -DCMAKE_BUILD_TYPE=Release -DOCPP_BUILD_TESTS=OFF \
        -DOCPP_BUILD_EXAMPLES=OFF -DOCPP_BUILD_BENCH=OFF
  quiet cmake --build "$work/lib" -j"$jobs"
  quiet cmake --install "$work/lib" --prefix "$prefix"
fi
libdir=$(dirname "$(find "$prefix" -name ocpp-client.pc -print -quit)")/..

echo "consumers: installed interface"
if grep -rniI rapidjson "$prefix/include" "$libdir/cmake" "$libdir/pkgconfig"; then
  echo "consumers: RapidJSON appears in the installed interface (above)" >&2; exit 1
fi

echo "consumers: find_package(ocpp-client)"
quiet cmake -S tests/consumers/find-package -B "$work/find-package" -DCMAKE_PREFIX_PATH="$prefix"
quiet cmake --build "$work/find-package"
"$work/find-package/consumer"

echo "consumers: pkg-config --static"
mkdir -p "$work/pkg-config"
quiet env PKG_CONFIG_PATH="$libdir/pkgconfig" make -C tests/consumers/pkg-config BUILD="$work/pkg-config"
"$work/pkg-config/consumer"

echo "consumers: add_subdirectory (shared library)"
# No build type (no optimisation, no debug info): what is checked here is how the library
# builds, links and exports inside another project, and this is its third compile in test.sh.
# File by file, as users build it: test.sh's other builds are unity builds (OCPP_UNITY_BUILD),
# so this one also shows that each source file includes what it uses.
quiet cmake -S tests/consumers/add-subdirectory -B "$work/add-subdirectory" -DOCPP_SOURCE_DIR="$src" \
      -DCMAKE_BUILD_TYPE= -DBUILD_SHARED_LIBS=ON
quiet cmake --build "$work/add-subdirectory" -j"$jobs"
"$work/add-subdirectory/consumer"
so=$(find "$work/add-subdirectory/ocpp-client" -name 'libocpp-client.so.*.*' -print -quit)
# Captured first: `ldd | grep -q` under pipefail fails when grep stops reading early and ldd
# dies of SIGPIPE.
deps=$(ldd "$work/add-subdirectory/consumer")
grep -q libocpp-client.so <<<"$deps" || {
  echo "consumers: the add_subdirectory consumer does not use the shared library" >&2; exit 1; }

echo "consumers: exports of $(basename "$so")"
nm -D --defined-only "$so" | c++filt | cut -d' ' -f3- >"$work/exports"
# Internal: RapidJSON anywhere; the dependencies' C functions; a lowercase namespace below
# ocpp:: other than v16 and v201 (core, rpc, lws_transport, codec, metering, ...); an Impl's members.
bad=$(awk '{
    name = $0; sub(/\(.*/, "", name)  # the qualified name, without the parameters
    gsub(/ocpp::v(16|201)::/, "ocpp::", name)
    if ($0 ~ /rapidjson/ || name ~ /(^|[ :])(sqlite3|lws)_/ || name ~ /::Impl([^A-Za-z0-9_]|$)/ ||
        name ~ /ocpp::[a-z0-9_]+::/)
      print
  }' "$work/exports")
if [[ -n "$bad" ]]; then
  echo "$bad" | head -n 20 >&2
  echo "consumers: $(wc -l <<<"$bad") internal symbols exported (first 20 above)" >&2; exit 1
fi
echo "consumers: $(wc -l <"$work/exports") exported symbols, all public API"
echo "consumers: OK"
