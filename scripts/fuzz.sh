#!/usr/bin/env bash
# Builds every fuzz target (fuzz/) with clang-14 and libFuzzer under AddressSanitizer and
# UndefinedBehaviorSanitizer, runs each for SECONDS_PER_TARGET on a copy of its committed corpus
# (new inputs go to build-fuzz/work/<target>/corpus, crash inputs to build-fuzz/work/<target>/),
# and ends with one line: fuzz: N targets, M executions, K crashes. Exits non-zero on any crash.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]          (default 10)
#        FUZZ_TARGETS="frame codec" scripts/fuzz.sh 60  (a subset)
#        FUZZ_BUILD=build-fuzz (build dir), FUZZ_ARGS="-jobs=2 ..." (extra libFuzzer flags)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
targets=(${FUZZ_TARGETS:-frame codec engine engine201 sqlite_store ws_url chargerd_config})
build=${FUZZ_BUILD:-build-fuzz}

scripts/install-deps.sh clang-14 libfuzzer-14-dev libclang-rt-14-dev

# The library and the targets get coverage instrumentation (fuzzer-no-link); only the target
# executables link libFuzzer's main (fuzz/CMakeLists.txt).
flags="-fsanitize=fuzzer-no-link"
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOCPP_SANITIZE=address,undefined -DOCPP_FUZZ=ON \
      -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
      -DOCPP_BUILD_TESTS=OFF -DOCPP_BUILD_EXAMPLES=OFF -DOCPP_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}" >/dev/null

total_execs=0
crashes=0
for t in "${targets[@]}"; do
  work="$build/work/$t"
  mkdir -p "$work/corpus"
  cp -rn "fuzz/corpus/$t/." "$work/corpus/"
  log="$work/fuzz.log"
  status=0
  touch "$log.start"  # crash inputs newer than this are this run's
  # -timeout: an input that runs 30 s is a hang and counts as a crash (the engine target runs
  # hours of simulated time in some inputs; under the sanitizers on a busy machine that takes
  # seconds).
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=30 -print_final_stats=1 \
      -artifact_prefix="$work/" ${FUZZ_ARGS:-} "$work/corpus" >"$log" 2>&1 || status=$?
  execs=$(awk '/^stat::number_of_executed_units:/ {s += $2} END {print s + 0}' "$log")
  cov=$(grep -ho 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1 || true)
  found=$(find "$work" -maxdepth 1 -newer "$log.start" \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) 2>/dev/null | wc -l || true)
  if ((status != 0 && found == 0)); then found=1; fi
  echo "fuzz_$t: $execs executions, ${cov:-no coverage line}, $found crash(es) (log: $log)"
  if ((found > 0)); then
    grep -m 5 -E 'ERROR:|invariant violated|runtime error' "$log" || true
  fi
  total_execs=$((total_execs + execs))
  crashes=$((crashes + found))
done
echo "fuzz: ${#targets[@]} targets, $total_execs executions, $crashes crashes"
((crashes == 0))
