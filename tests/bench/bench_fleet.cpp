// Benchmark 5: charge points in numbers, on one Runner.
//
//   heap per idle connected charge point, N of them (BENCH_FLEET_HEAP_N, default 200) sharing
//     one SQLite database (SqliteDatabase) against a CSMS in a child process, over the real
//     libwebsockets loop: the whole malloc heap (mallinfo2, all arenas) after all booted and
//     1 s idle, minus before creating them, divided by N. Floor: the same charge points with
//     the memory store (nothing durable: the least a charge point can cost).
//   idle CPU and the cost of a wake with N idle charge points (BENCH_FLEET_IDLE_N, default
//     10,000) on the in-memory transport: the process's CPU time over 5 s of idleness, and the
//     median time from an API call on one charge point to its hook (plug_in → status hook),
//     beside the same with a Runner of 1 charge point (the floor: what one wake costs when
//     nothing else is attached).
//
// Usage: bench_fleet
#include <malloc.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "csms_child.hpp"
#include "fleet_bench.hpp"
#include "ocpp/runner.hpp"
#include "ocpp/sqlite_store.hpp"
#include "ocpp/v16/charge_point.hpp"
#include "support/memory_transport.hpp"

namespace {

using namespace ocpp::v16;
using namespace std::chrono_literals;

long long malloc_heap() {
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<long long>(mi.uordblks + mi.hblkhd);
}

struct Fleet {
  std::vector<std::unique_ptr<ChargePoint>> cps;
  std::atomic<int> booted{0};
  std::atomic<int> statuses{0};
};

void create_fleet(Fleet& f, ocpp::Runner& runner, int n, const std::string& url,
                  ocpp::SqliteDatabase* db) {
  for (int i = 0; i < n; ++i) {
    Hooks h;
    h.boot = [&f](RegistrationStatus s, std::int32_t) {
      if (s == RegistrationStatus::Accepted) ++f.booted;
    };
    h.status = [&f](int, ChargePointStatus, ChargePointErrorCode) { ++f.statuses; };
    auto cfg = bench::bench_config<ChargePointConfig>("CP-" + std::to_string(i), url);
    if (db) {
      auto s = db->store(cfg.charge_point_id);
      if (!s) bench::die("store: " + s.error().message());
      cfg.store = std::move(s.value());
    }
    auto cp = ChargePoint::create(runner, std::move(cfg), std::move(h));
    if (!cp) bench::die("ChargePoint::create: " + cp.error().message());
    f.cps.push_back(std::move(cp.value()));
  }
  bench::wait_booted(f.booted, n, 120s);
}

// Heap per charge point (bytes) with N charge points, shared SQLite database or memory store.
double heap_per_cp(int port, int n, bool sqlite, const std::string& db_path) {
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((db_path + suffix).c_str());
  double per_cp = 0;
  {
    ocpp::Runner runner;
    if (runner.start()) bench::die("runner.start");
    std::shared_ptr<ocpp::SqliteDatabase> db;
    if (sqlite) {
      ocpp::SqliteDatabaseOptions o;
      o.path = db_path;
      auto r = ocpp::SqliteDatabase::open(o);
      if (!r) bench::die("SqliteDatabase::open: " + r.error().message());
      db = r.value();
    }
    std::this_thread::sleep_for(200ms);
    malloc_trim(0);
    const long long before = malloc_heap();
    Fleet f;
    create_fleet(f, runner, n, "ws://127.0.0.1:" + std::to_string(port) + "/ocpp", db.get());
    std::this_thread::sleep_for(1s);
    const long long after = malloc_heap();
    per_cp = static_cast<double>(after - before) / n;
    f.cps.clear();
    runner.stop();
  }
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((db_path + suffix).c_str());
  return per_cp;
}

struct IdleRun {
  double cpu_ms_per_s = 0;  // process CPU while idle
  double wake_us = 0;       // median API call → hook on one charge point
};

IdleRun idle_run(int n) {
  IdleRun r;
  ocpp::Runner runner(std::make_unique<test::MemoryIoLoop>());
  if (runner.start()) bench::die("runner.start");
  Fleet f;
  if (n > 0) create_fleet(f, runner, n, "ws://csms.test/ocpp", nullptr);
  std::this_thread::sleep_for(2s);  // status notifications answered, then idle
  const double c0 = bench::cpu_seconds();
  const auto t0 = bench::Clock::now();
  std::this_thread::sleep_for(5s);
  r.cpu_ms_per_s = (bench::cpu_seconds() - c0) * 1000.0 / bench::seconds_since(t0);
  if (n > 0) {
    std::vector<double> us;
    auto& cp = *f.cps[static_cast<std::size_t>(n / 2)];
    for (int k = 0; k < 100; ++k) {
      const int before = f.statuses;
      const auto w0 = bench::Clock::now();
      if (k % 2 == 0 ? cp.plug_in(1) : cp.unplug(1)) bench::die("plug_in/unplug");
      while (f.statuses == before) std::this_thread::yield();
      us.push_back(bench::seconds_since(w0) * 1e6);
    }
    r.wake_us = bench::median(us);
  }
  f.cps.clear();
  runner.stop();
  return r;
}

}  // namespace

int main() {
  const int heap_n = static_cast<int>(bench::env_long("BENCH_FLEET_HEAP_N", 200));
  const int idle_n = static_cast<int>(bench::env_long("BENCH_FLEET_IDLE_N", 10000));
  bench::CsmsChild csms = bench::start_csms_child();
  const std::string db_path = "/tmp/bench-fleet-" + std::to_string(::getpid()) + ".db";
  const double shared = heap_per_cp(csms.port, heap_n, true, db_path);
  const double memory = heap_per_cp(csms.port, heap_n, false, db_path);
  bench::stop_child(csms);
  std::printf(
      "heap per idle connected charge point, %d sharing one SQLite database: %.1f KB "
      "(floor, memory store: %.1f KB; target <= 32 KB)\n",
      heap_n, shared / 1024.0, memory / 1024.0);

  const IdleRun floor = idle_run(1);
  const IdleRun fleet = idle_run(idle_n);
  std::printf("idle CPU with %d idle charge points: %.2f ms/s (floor, 1 charge point: %.2f ms/s)\n",
              idle_n, fleet.cpu_ms_per_s, floor.cpu_ms_per_s);
  std::printf(
      "one wake (API call to hook) among %d idle charge points: %.0f us median "
      "(floor, 1 charge point: %.0f us)\n",
      idle_n, fleet.wake_us, floor.wake_us);
  return 0;
}
