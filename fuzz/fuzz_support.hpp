// Shared by the fuzz targets: invariant checks that abort (libFuzzer reports the input, the
// replay executables fail their ctest test) and a reader that turns the fuzzer's bytes into
// choices. The reader never fails: past the end it yields zeros, so every byte string is a
// valid program for the targets that interpret their input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

// Called by libFuzzer for every input, and by replay_main.cpp for every corpus file.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fuzz {

/// Prints the broken invariant and aborts: libFuzzer treats the abort as a crash and keeps the
/// input; a replay run fails. An assert() would vanish from release builds.
[[noreturn]] inline void violated(const char* what, const char* file, int line,
                                  const std::string& detail) {
  std::fprintf(stderr, "invariant violated: %s (%s:%d)%s%s\n", what, file, line,
               detail.empty() ? "" : ": ", detail.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace fuzz

#define FUZZ_CHECK(cond) \
  ((cond) ? (void)0 : ::fuzz::violated(#cond, __FILE__, __LINE__, std::string()))
#define FUZZ_CHECK_MSG(cond, detail) \
  ((cond) ? (void)0 : ::fuzz::violated(#cond, __FILE__, __LINE__, (detail)))

namespace fuzz {

/// Consumes the input front to back.
class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}
  bool empty() const { return n_ == 0; }
  std::size_t left() const { return n_; }
  std::uint8_t byte() {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  std::uint16_t u16() { return static_cast<std::uint16_t>(byte() | (byte() << 8)); }
  /// A number in [0, n) (n > 0); one byte, so n should be at most 256.
  std::size_t pick(std::size_t n) { return byte() % n; }
  bool flag() { return (byte() & 1) != 0; }
  /// Up to n bytes (fewer at the end of the input).
  std::string_view bytes(std::size_t n) {
    if (n > n_) n = n_;
    std::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    n_ -= n;
    return s;
  }
  /// A length-prefixed text: one length byte, then that many bytes.
  std::string_view text() { return bytes(byte()); }
  /// Everything that is left.
  std::string_view rest() { return bytes(n_); }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
};

/// A file path private to this process for targets that must go through a file: in /dev/shm
/// when it exists (no disk writes at fuzzing speed), else in the temp directory. The file and
/// its SQLite companions (-wal, -shm, -journal) are removed when the object goes (at exit for
/// a function-local static).
class TempFile {
 public:
  explicit TempFile(const std::string& name) {
    std::error_code ec;
    const std::filesystem::path shm("/dev/shm");
    const std::filesystem::path dir =
        std::filesystem::is_directory(shm, ec) ? shm : std::filesystem::temp_directory_path();
    path_ = (dir / ("ocpp-fuzz-" + std::to_string(::getpid()) + "-" + name)).string();
  }
  ~TempFile() { remove(); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  void remove() const {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(path_ + suffix, ec);
  }

 private:
  std::string path_;
};

/// Writes bytes to path, replacing the file; false if that failed.
inline bool write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

}  // namespace fuzz
