// Benchmark 6: a fleet on the real libwebsockets loop, against a loopback CSMS in a child
// process (epoll_csms.cpp: accepting costs O(1) per connection, so the CSMS is not what is
// measured), every figure beside its floor measured in the same run.
//
//   boot storm: N charge points (BENCH_FLEET_N, default 10,000) created at once on ONE Runner
//     with ONE shared durable SqliteDatabase: seconds from the first create() to the last
//     BootNotification Accepted; then, after 2 s idle, VmRSS growth per charge point, the
//     descriptors the fleet added (count of /proc/self/fd), the process's CPU while idle for
//     5 s, and the time to destroy them all. Floor: a bare libwebsockets client (floor_fleet.cpp)
//     opening the same N connections and sending one BootNotification frame on each, measured
//     the same way. Each side runs in a fresh child process.
//   durable latency: M OCPP 2.0.1 charging stations (BENCH_DURABLE_N, default 1,000) on one
//     Runner sharing one SqliteDatabase, each in a transaction; every station's own firmware
//     thread calls set_charging_state() once a second (toggling Charging/SuspendedEVSE: each
//     call writes a TransactionEventRequest to the durable outbox and returns once it is
//     durable) for BENCH_DURABLE_SECONDS (default 10): p50/p99/max of that call. Floor: a bare
//     SQLite program (WAL, synchronous=FULL, one connection) where M threads each insert a row
//     of the same size once a second, committed by a leader/follower group commit.
//
// RLIMIT_NOFILE is raised to its hard limit first (the CSMS child inherits it).
// Usage: bench_fleet_lws [DIR]   (DIR: where the databases go; default /tmp)
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "csms_child.hpp"
#include "epoll_csms.hpp"
#include "fleet_bench.hpp"
#include "floor_fleet.hpp"
#include "ocpp/v16/charge_point.hpp"
#include "ocpp/v201/charging_station.hpp"

namespace {

using namespace std::chrono_literals;

using bench::cpu_seconds;
using bench::create_on;
using bench::Host;
using bench::in_child;
using bench::open_fds;
using bench::remove_db;
using bench::rss_kb;
using bench::StormFigures;

StormFigures floor_storm(int port, int n) {
  StormFigures r;
  bench::FloorFleet floor;
  const long rss0 = rss_kb();
  const int fds0 = open_fds();
  r.boot_s = floor.boot("127.0.0.1", port, n);
  floor.idle(2.0);
  r.rss_kb_per = static_cast<double>(rss_kb() - rss0) / n;
  r.fds_total = open_fds();
  r.fds_per = static_cast<double>(r.fds_total - fds0) / n;
  const double c0 = cpu_seconds();
  const auto t0 = bench::Clock::now();
  floor.idle(5.0);
  r.idle_cpu_ms = (cpu_seconds() - c0) * 1000.0 / bench::seconds_since(t0);
  r.destroy_s = floor.close_all();
  return r;
}

StormFigures library_storm(int port, int n, const std::string& db_path) {
  using namespace ocpp::v16;
  StormFigures r;
  Host host(db_path);
  std::this_thread::sleep_for(200ms);
  const long rss0 = rss_kb();
  const int fds0 = open_fds();
  std::atomic<int> booted{0};
  std::vector<std::unique_ptr<ChargePoint>> cps;
  cps.reserve(static_cast<std::size_t>(n));
  const std::string url = "ws://127.0.0.1:" + std::to_string(port) + "/ocpp";
  const auto t0 = bench::Clock::now();
  for (int i = 0; i < n; ++i) {
    const std::string id = "CP-" + std::to_string(i);
    cps.push_back(create_on<ChargePoint, Hooks>(host,
                                                bench::bench_config<ChargePointConfig>(id, url), id,
                                                booted, RegistrationStatus::Accepted));
  }
  r.create_s = bench::seconds_since(t0);
  bench::wait_booted(booted, n, 300s);
  r.boot_s = bench::seconds_since(t0);
  std::this_thread::sleep_for(2s);
  r.rss_kb_per = static_cast<double>(rss_kb() - rss0) / n;
  r.fds_total = open_fds();
  r.fds_per = static_cast<double>(r.fds_total - fds0) / n;
  const double c0 = cpu_seconds();
  const auto i0 = bench::Clock::now();
  std::this_thread::sleep_for(5s);
  r.idle_cpu_ms = (cpu_seconds() - c0) * 1000.0 / bench::seconds_since(i0);
  const auto d0 = bench::Clock::now();
  cps.clear();
  r.destroy_s = bench::seconds_since(d0);
  return r;
}

// ---------------------------------------------------------------- durable latency

struct Latencies {
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::size_t calls = 0;
};

Latencies summarize(std::vector<double> ms) {
  Latencies l;
  if (ms.empty()) return l;
  std::sort(ms.begin(), ms.end());
  l.calls = ms.size();
  l.p50_ms = ms[ms.size() / 2];
  l.p99_ms = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  l.max_ms = ms.back();
  return l;
}

// Every writer thread: once a second (phase-shifted by its index), op(), timed.
template <class Op>
std::vector<double> paced_writers(int writers, double seconds, Op op) {
  std::vector<std::vector<double>> per(static_cast<std::size_t>(writers));
  std::vector<std::thread> threads;
  const auto start = bench::Clock::now() + 200ms;
  const auto end = start + std::chrono::duration_cast<bench::Clock::duration>(
                               std::chrono::duration<double>(seconds));
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      auto next = start + std::chrono::microseconds(1000000LL * w / writers);
      for (long k = 0; next < end; ++k, next += 1s) {
        std::this_thread::sleep_until(next);
        const auto t0 = bench::Clock::now();
        op(w, k);
        per[static_cast<std::size_t>(w)].push_back(bench::seconds_since(t0) * 1e3);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<double> all;
  for (auto& v : per) all.insert(all.end(), v.begin(), v.end());
  return all;
}

Latencies library_durable(int port, int n, double seconds, const std::string& db_path) {
  using namespace ocpp::v201;
  Host host(db_path);
  std::atomic<int> booted{0};
  std::vector<std::unique_ptr<ChargingStation>> css;
  for (int i = 0; i < n; ++i) {
    ChargingStationConfig c;
    const std::string id = "CS-" + std::to_string(i);
    c.identity = id;
    c.csms_url = "ws://127.0.0.1:" + std::to_string(port) + "/ocpp";
    c.charging_station.model = "BenchModel";
    c.charging_station.vendorName = "BenchVendor";
    css.push_back(create_on<ChargingStation, Hooks>(host, std::move(c), id, booted,
                                                    RegistrationStatusEnumType::Accepted));
  }
  while (booted < n) std::this_thread::sleep_for(10ms);
  IdTokenType token;
  token.idToken = "BENCH";
  token.type = IdTokenEnumType::ISO14443;
  for (auto& cs : css) {
    if (cs->plug_in(1, 1) || cs->present_id_token(1, token)) bench::die("plug_in/present_id_token");
  }
  for (auto& cs : css) {
    const auto limit = bench::Clock::now() + 30s;
    while (!cs->transaction_id(1)) {
      if (bench::Clock::now() > limit) bench::die("no transaction started");
      std::this_thread::sleep_for(1ms);
    }
  }
  auto ms = paced_writers(n, seconds, [&](int w, long k) {
    const auto state =
        k % 2 == 0 ? ChargingStateEnumType::SuspendedEVSE : ChargingStateEnumType::Charging;
    if (auto ec = css[static_cast<std::size_t>(w)]->set_charging_state(1, state))
      bench::die("set_charging_state: " + ec.message());
  });
  css.clear();
  return summarize(std::move(ms));
}

// The floor: one connection, WAL + synchronous=FULL, leader/follower group commit.
class FloorGroupCommit {
 public:
  explicit FloorGroupCommit(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) bench::die("sqlite3_open");
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec(
        "CREATE TABLE IF NOT EXISTS outbox(cp TEXT, seq INTEGER, payload TEXT, PRIMARY KEY(cp, "
        "seq))");
    sqlite3_prepare_v2(db_, "INSERT INTO outbox VALUES(?,?,?)", -1, &insert_, nullptr);
  }
  ~FloorGroupCommit() {
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
  }
  void append(const std::string& cp, long seq, const std::string& payload) {
    Pending me{&cp, seq, &payload};
    std::unique_lock<std::mutex> lk(m_);
    queue_.push_back(&me);
    while (!me.done) {
      if (committing_) {
        cv_.wait(lk);
        continue;
      }
      committing_ = true;
      std::vector<Pending*> batch;
      batch.swap(queue_);
      lk.unlock();
      exec("BEGIN IMMEDIATE");
      for (Pending* p : batch) {
        sqlite3_bind_text(insert_, 1, p->cp->data(), static_cast<int>(p->cp->size()),
                          SQLITE_STATIC);
        sqlite3_bind_int64(insert_, 2, p->seq);
        sqlite3_bind_text(insert_, 3, p->payload->data(), static_cast<int>(p->payload->size()),
                          SQLITE_STATIC);
        if (sqlite3_step(insert_) != SQLITE_DONE) bench::die("floor insert");
        sqlite3_reset(insert_);
      }
      exec("COMMIT");
      lk.lock();
      for (Pending* p : batch) p->done = true;
      committing_ = false;
      cv_.notify_all();
    }
  }

 private:
  struct Pending {
    const std::string* cp;
    long seq;
    const std::string* payload;
    bool done = false;
  };
  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
      bench::die(sqlite3_errmsg(db_));
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<Pending*> queue_;
  bool committing_ = false;
};

Latencies floor_durable(int n, double seconds, const std::string& db_path) {
  remove_db(db_path);
  Latencies l;
  {
    FloorGroupCommit g(db_path);
    // A TransactionEventRequest (Updated, ChargingStateChanged) is about this long.
    const std::string payload(330, 'x');
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) ids.push_back("CS-" + std::to_string(i));
    l = summarize(paced_writers(n, seconds, [&](int w, long k) {
      g.append(ids[static_cast<std::size_t>(w)], k, payload);
    }));
  }
  remove_db(db_path);
  return l;
}

// The runner's latency while 1.6 charge points write sampled meter values: m charge points
// in transactions with MeterValueSampleInterval=1 (every sample a durable MeterValues written
// on the runner's thread) and a probe charge point whose plug_in/unplug → status hook is
// timed every 50 ms. sampling=false: the same charge points without transactions (the floor).
Latencies runner_latency(int port, int m, double seconds, const std::string& db_path,
                         bool sampling) {
  using namespace ocpp::v16;
  Host host(db_path);
  std::atomic<int> booted{0}, started{0}, statuses{0};
  std::vector<std::unique_ptr<ChargePoint>> cps;
  for (int i = 0; i <= m; ++i) {
    const std::string id = i == m ? "PROBE" : "MV-" + std::to_string(i);
    ChargePointConfig c;
    c.charge_point_id = id;
    c.csms_url = "ws://127.0.0.1:" + std::to_string(port) + "/ocpp";
    c.vendor = "BenchVendor";
    c.model = "BenchModel";
    c.configuration = {{"MeterValueSampleInterval", "1"}};
    Hooks h;
    if (i == m)
      h.status = [&statuses](int, ChargePointStatus, ChargePointErrorCode) { ++statuses; };
    h.transaction_started = [&started](const TransactionInfo&) { ++started; };
    cps.push_back(create_on<ChargePoint>(host, std::move(c), id, booted,
                                         RegistrationStatus::Accepted, std::move(h)));
  }
  while (booted <= m) std::this_thread::sleep_for(10ms);
  if (sampling) {
    for (int i = 0; i < m; ++i) {
      auto& cp = *cps[static_cast<std::size_t>(i)];
      if (cp.present_id_tag("BENCH") || cp.plug_in(1)) bench::die("present_id_tag/plug_in");
    }
    while (started < m) std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(2s);
  std::vector<double> ms;
  auto& probe = *cps.back();
  const auto end = bench::Clock::now() + std::chrono::duration_cast<bench::Clock::duration>(
                                             std::chrono::duration<double>(seconds));
  for (int k = 0; bench::Clock::now() < end; ++k) {
    const int before = statuses;
    const auto t0 = bench::Clock::now();
    if (k % 2 == 0 ? probe.plug_in(1) : probe.unplug(1)) bench::die("probe plug_in/unplug");
    while (statuses == before) std::this_thread::sleep_for(50us);
    ms.push_back(bench::seconds_since(t0) * 1e3);
    std::this_thread::sleep_for(50ms);
  }
  cps.clear();
  return summarize(std::move(ms));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "/tmp";
  const int n = static_cast<int>(bench::env_long("BENCH_FLEET_N", 10000));
  const int m = static_cast<int>(bench::env_long("BENCH_DURABLE_N", 1000));
  const double secs = static_cast<double>(bench::env_long("BENCH_DURABLE_SECONDS", 10));
  const std::string db = dir + "/bench-fleet-lws-" + std::to_string(::getpid()) + ".db";
  bench::raise_nofile();
  std::fflush(stdout);
  bench::CsmsChild csms = bench::start_epoll_csms_child();

  if (n > 0) {
    // BENCH_FLEET_ONLY=library or =floor runs one side (for profiling).
    const std::string only = std::getenv("BENCH_FLEET_ONLY") ? std::getenv("BENCH_FLEET_ONLY") : "";
    const StormFigures f =
        only != "library" ? in_child([&] { return floor_storm(csms.port, n); }) : StormFigures{};
    const StormFigures l = only != "floor"
                               ? in_child([&] { return library_storm(csms.port, n, db); })
                               : StormFigures{};
    std::printf(
        "# boot storm: %d charge points (1.6) on one Runner, one shared SQLite file; "
        "floor: bare lws client, same handshakes + one BootNotification each\n",
        n);
    std::printf(
        "fleet.boot_storm_s          %8.2f   floor %8.2f   ratio %.2fx   target <= 1.30x  %s"
        "   (create() calls: %.2f s)\n",
        l.boot_s, f.boot_s, l.boot_s / f.boot_s, l.boot_s <= 1.3 * f.boot_s ? "met" : "NOT MET",
        l.create_s);
    std::printf("fleet.rss_kb_per_cp         %8.1f   floor %8.1f   target <= 64 KB  %s\n",
                l.rss_kb_per, f.rss_kb_per, l.rss_kb_per <= 64 ? "met" : "NOT MET");
    std::printf("fleet.fds_per_cp            %8.3f   floor %8.3f   (process total %d, floor %d)\n",
                l.fds_per, f.fds_per, l.fds_total, f.fds_total);
    std::printf(
        "fleet.idle_cpu_ms_per_s     %8.2f   floor %8.2f   ratio %.2fx   target <= 2x  %s\n",
        l.idle_cpu_ms, f.idle_cpu_ms, l.idle_cpu_ms / std::max(f.idle_cpu_ms, 0.01),
        l.idle_cpu_ms <= 2 * std::max(f.idle_cpu_ms, 0.01) ? "met" : "NOT MET");
    std::printf("fleet.destroy_all_s         %8.2f   floor %8.2f   (floor: lws_context_destroy)\n",
                l.destroy_s, f.destroy_s);
    std::fflush(stdout);
  }
  if (m > 0) {
    const Latencies fl = in_child([&] { return floor_durable(m, secs, db); });
    const Latencies ll = in_child([&] { return library_durable(csms.port, m, secs, db); });
    std::printf(
        "# durable latency: %d OCPP 2.0.1 stations, one shared SQLite file, each calling "
        "set_charging_state once a second from its own thread for %.0f s\n",
        m, secs);
    std::printf(
        "# floor: bare SQLite group commit, %d threads each inserting a %d-byte row once a "
        "second\n",
        m, 330);
    std::printf("fleet.durable_floor_ms      p50 %7.2f   p99 %7.2f   max %7.2f   (%zu appends)\n",
                fl.p50_ms, fl.p99_ms, fl.max_ms, fl.calls);
    std::printf(
        "fleet.durable_ms            p50 %7.2f   p99 %7.2f   max %7.2f   (%zu calls)   "
        "p99 target <= 50 ms  %s\n",
        ll.p50_ms, ll.p99_ms, ll.max_ms, ll.calls, ll.p99_ms <= 50 ? "met" : "NOT MET");
  }
  if (m > 0) {
    const Latencies idle = in_child([&] { return runner_latency(csms.port, m, secs, db, false); });
    const Latencies busy = in_child([&] { return runner_latency(csms.port, m, secs, db, true); });
    std::printf(
        "# runner latency (API call to hook on a probe charge point, every 50 ms) while %d 1.6 "
        "charge points write a sampled MeterValues every second on the runner's thread; "
        "floor: the same charge points idle\n",
        m);
    std::printf(
        "fleet.runner_latency_ms     p50 %7.2f   p99 %7.2f   max %7.2f   floor p50 %7.2f   "
        "p99 %7.2f   max %7.2f\n",
        busy.p50_ms, busy.p99_ms, busy.max_ms, idle.p50_ms, idle.p99_ms, idle.max_ms);
  }
  bench::stop_child(csms);
  return 0;
}
