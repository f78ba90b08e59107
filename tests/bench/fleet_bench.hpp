// What the fleet benchmarks (bench_fleet_lws, bench_fleet_tls) share: the process's VmRSS,
// descriptors and CPU time, a Runner with one shared durable database, charge points created
// on it, the figures of one side of a boot storm, and running a measurement in a fresh child
// process (so that one side's memory, descriptors and lws state never count in the other's).
#pragma once

#include <dirent.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "bench_util.hpp"
#include "ocpp/runner.hpp"
#include "ocpp/sqlite_store.hpp"

namespace bench {

inline long rss_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return 0;
}

inline int open_fds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') ++n;
    closedir(d);
  }
  return n - 1;  // the directory stream itself
}

inline void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
}

/// Raises RLIMIT_NOFILE to its hard limit (one descriptor per connection; children inherit
/// it) and prints it.
inline void raise_nofile() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  getrlimit(RLIMIT_NOFILE, &rl);
  std::printf("# RLIMIT_NOFILE %llu\n", static_cast<unsigned long long>(rl.rlim_cur));
}

/// One Runner and one shared database, removed afterwards.
struct Host {
  explicit Host(const std::string& path) : path_(path) {
    remove_db(path);
    if (runner.start()) die("runner.start");
    ocpp::SqliteDatabaseOptions o;
    o.path = path;
    auto r = ocpp::SqliteDatabase::open(o);
    if (!r) die("SqliteDatabase::open: " + r.error().message());
    db = r.value();
  }
  ~Host() {
    runner.stop();
    db.reset();
    remove_db(path_);
  }
  ocpp::Runner runner;
  std::shared_ptr<ocpp::SqliteDatabase> db;

 private:
  std::string path_;
};

/// Creates a charge point of either version with its rows in the shared database; `booted`
/// counts its BootNotifications answered `accepted`.
template <class T, class H, class Config, class Status>
std::unique_ptr<T> create_on(Host& host, Config c, const std::string& id, std::atomic<int>& booted,
                             Status accepted, H h = {}) {
  auto s = host.db->store(id);
  if (!s) die("store: " + s.error().message());
  c.store = std::move(s.value());
  h.boot = [&booted, accepted](Status st, std::int32_t) {
    if (st == accepted) ++booted;
  };
  auto r = T::create(host.runner, std::move(c), std::move(h));
  if (!r) die(id + ": create: " + r.error().message());
  return std::move(r.value());
}

/// The configuration of bench charge point `id` (OCPP 1.6) towards `url`.
template <class Config>
Config bench_config(const std::string& id, const std::string& url) {
  Config c;
  c.charge_point_id = id;
  c.csms_url = url;
  c.vendor = "BenchVendor";
  c.model = "BenchModel";
  return c;
}

/// Waits until `booted` reaches n; dies after `limit`.
inline void wait_booted(const std::atomic<int>& booted, int n, std::chrono::seconds limit) {
  const auto until = Clock::now() + limit;
  while (booted < n) {
    if (Clock::now() > until) die("booted: " + std::to_string(booted.load()));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

/// What one side of a boot storm reports from its child process.
struct StormFigures {
  double create_s = 0;     // all create() calls (floor: all connect calls are inside boot_s)
  double boot_s = 0;       // first create/connect → last BootNotification answered/Accepted
  double boot_cpu_s = 0;   // the process's CPU time (all threads) during boot_s
  double rss_kb_per = 0;   // VmRSS growth per charge point after 2 s idle
  double fds_per = 0;      // descriptors added per charge point
  int fds_total = 0;       // descriptors of the process with the fleet up
  double idle_cpu_ms = 0;  // process CPU per second of idleness
  double destroy_s = 0;
};

/// Runs f in a child process and returns what it returned (a trivially copyable struct).
template <class F>
auto in_child(F f) -> decltype(f()) {
  using R = decltype(f());
  static_assert(std::is_trivially_copyable_v<R>);
  int p[2];
  if (pipe(p) != 0) die("pipe");
  const pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    close(p[0]);
    const R r = f();
    if (write(p[1], &r, sizeof r) != sizeof r) _exit(3);
    _exit(0);
  }
  close(p[1]);
  R r{};
  const bool ok = read(p[0], &r, sizeof r) == sizeof r;
  close(p[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!ok) die("a measuring child failed");
  return r;
}

}  // namespace bench
