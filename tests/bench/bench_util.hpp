// Small helpers shared by the benchmark programs: clocks, medians, printing.
// Benchmarks print figures only; they never pass or fail on timings.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// CPU time of the process so far (all threads, user + system), in seconds.
inline double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// Aborts the benchmark with a message (a broken setup, never a slow figure).
[[noreturn]] inline void die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(2);
}

/// Keeps the optimiser from discarding a computed value.
template <class T>
inline void keep(T const& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

/// An environment integer with a default (for quick runs: BENCH_QUICK=1 etc.).
inline long env_long(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtol(v, nullptr, 10) : fallback;
}

/// The four timings of a codec benchmark (nanoseconds per operation, medians over the runs):
/// the library's decode and encode beside their floors, each batch run back to back.
struct CodecFigures {
  double decode_lib = 0, decode_floor = 0, encode_lib = 0, encode_floor = 0;
};

template <class DecodeLib, class DecodeFloor, class EncodeLib, class EncodeFloor>
CodecFigures time_codec(long runs, long batch, DecodeLib decode_lib, DecodeFloor decode_floor,
                        EncodeLib encode_lib, EncodeFloor encode_floor) {
  std::vector<double> dl, df, el, ef;
  auto timed = [batch](auto&& op, std::vector<double>& into) {
    const auto t0 = Clock::now();
    for (long i = 0; i < batch; ++i) op();
    into.push_back(seconds_since(t0) * 1e9 / static_cast<double>(batch));
  };
  for (long r = 0; r < runs; ++r) {
    timed(decode_lib, dl);
    timed(decode_floor, df);
    timed(encode_lib, el);
    timed(encode_floor, ef);
  }
  return {median(dl), median(df), median(el), median(ef)};
}

/// Prints the figures with their floors and the targets (decode <= 1.5x, encode <= 1.7x).
inline void print_codec(const char* prefix, const char* what, std::size_t bytes, long runs,
                        long batch, const CodecFigures& f) {
  std::printf("# %s: %s (%zu bytes); medians of %ld runs x %ld ops\n", prefix, what, bytes, runs,
              batch);
  const double d = f.decode_lib / f.decode_floor, e = f.encode_lib / f.encode_floor;
  std::printf(
      "%s.decode_ns%*s %10.0f   floor(bare parse + hand decode) %10.0f   ratio %.2fx   "
      "target <= 1.50x  %s\n",
      prefix, static_cast<int>(14 - std::string(prefix).size()), "", f.decode_lib, f.decode_floor,
      d, d <= 1.5 ? "met" : "NOT MET");
  std::printf(
      "%s.encode_ns%*s %10.0f   floor(bare Writer)              %10.0f   ratio %.2fx   "
      "target <= 1.70x  %s\n",
      prefix, static_cast<int>(14 - std::string(prefix).size()), "", f.encode_lib, f.encode_floor,
      e, e <= 1.7 ? "met" : "NOT MET");
}

}  // namespace bench
