// Benchmark 4: memory and threads.
//
//   heap of one idle connected ChargePoint: live bytes before ChargePoint::create and after
//     boot Accepted + 500 ms idle, with the Runner (and its libwebsockets loop) already
//     running; the Runner/IoLoop baseline is measured separately (before/after creating and
//     starting it). Two counters: C++ heap (a replaced global operator new/delete counting
//     malloc_usable_size) and the whole malloc heap (mallinfo2 uordblks + hblkhd, all arenas,
//     so SQLite, libwebsockets and OpenSSL allocations are included); SQLite's own share from
//     sqlite3_memory_used(). Measured with the SQLite store (db_path) and with the memory store.
//   threads: threads of this process while one ChargePoint runs on a Runner, minus the main
//     thread (the CSMS runs in a child process so it is not counted).
//   ocpp-chargerd VmRSS: the daemon (path in argv[1]) after boot Accepted against the CSMS,
//     idle 1 s; the floor is a bare lws client process (this program re-executed in
//     --idle-client mode: same shared libraries, one idle ocpp1.6 connection to the same CSMS).
//
// Usage: bench_memory PATH-TO-ocpp-chargerd [DIR]
#include <dirent.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <malloc.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "csms_child.hpp"
#include "mini_csms.hpp"
#include "ocpp/runner.hpp"
#include "ocpp/sqlite_store.hpp"
#include "ocpp/v16/charge_point.hpp"
#include "ocpp/v201/charging_station.hpp"
#include "store/sqlite/sqlite_store_internal.hpp"

// ---------------------------------------------------------------- counting operator new

namespace {
std::atomic<long long> g_live{0};

void* counted_alloc(std::size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  g_live.fetch_add(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed);
  return p;
}
void* counted_alloc_aligned(std::size_t n, std::size_t align) {
  void* p = nullptr;
  if (posix_memalign(&p, align < sizeof(void*) ? sizeof(void*) : align, n ? n : 1) != 0)
    throw std::bad_alloc();
  g_live.fetch_add(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed);
  return p;
}
void counted_free(void* p) noexcept {
  if (!p) return;
  g_live.fetch_sub(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t a) {
  return counted_alloc_aligned(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return counted_alloc_aligned(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_free(p); }

namespace {

using namespace ocpp::v16;

struct Mem {
  long long cxx = 0;     // live bytes from operator new
  long long malloc = 0;  // mallinfo2: in-use bytes, all arenas, mmapped chunks included
  long long sqlite = 0;  // sqlite3_memory_used()
};

Mem mem_now() {
  const struct mallinfo2 mi = mallinfo2();
  return Mem{g_live.load(), static_cast<long long>(mi.uordblks + mi.hblkhd), sqlite3_memory_used()};
}

int thread_count() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') ++n;
    closedir(d);
  }
  return n;
}

long status_field_kb(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  const std::size_t n = std::strlen(field);
  while (std::getline(in, line))
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':')
      return std::atol(line.c_str() + n + 1);
  return -1;
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal", ".meter"})
    ::unlink((path + suffix).c_str());
}

// ---- a process started with its stdout on a pipe; waits for a line containing `marker` ----

struct Child {
  pid_t pid = -1;
  FILE* out = nullptr;
};

Child spawn(const std::vector<std::string>& args) {
  int fds[2];
  if (pipe(fds) != 0) bench::die("pipe");
  const pid_t pid = fork();
  if (pid < 0) bench::die("fork");
  if (pid == 0) {
    dup2(fds[1], 1);
    const int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      dup2(null_fd, 0);
      dup2(null_fd, 2);
      close(null_fd);
    }
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  return Child{pid, fdopen(fds[0], "r")};
}

bool wait_line(Child& c, const char* m1, const char* m2) {
  char buf[4096];
  while (std::fgets(buf, sizeof buf, c.out))
    if (std::strstr(buf, m1) && (!m2 || std::strstr(buf, m2))) return true;
  return false;
}

void finish(Child& c) {
  kill(c.pid, SIGTERM);
  int st = 0;
  waitpid(c.pid, &st, 0);
  std::fclose(c.out);
}

// ---- --idle-client mode: a bare lws client holding one idle ocpp1.6 connection ----

std::atomic<bool> g_idle_up{false};

int idle_cb(lws*, lws_callback_reasons reason, void*, void*, size_t) {
  if (reason == LWS_CALLBACK_CLIENT_ESTABLISHED) g_idle_up = true;
  if (reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR || reason == LWS_CALLBACK_CLIENT_CLOSED)
    std::_Exit(4);
  return 0;
}

int idle_client(int port) {
  static const lws_protocols protocols[] = {{"ocpp1.6", idle_cb, 0, 65536, 0, nullptr, 0},
                                            {nullptr, nullptr, 0, 0, 0, nullptr, 0}};
  lws_set_log_level(LLL_ERR, nullptr);
  lws_context_creation_info info{};
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = protocols;
  lws_context* ctx = lws_create_context(&info);
  lws_client_connect_info ci{};
  ci.context = ctx;
  ci.address = "127.0.0.1";
  ci.port = port;
  ci.path = "/ocpp/IDLE";
  ci.host = "127.0.0.1";
  ci.origin = "127.0.0.1";
  ci.protocol = "ocpp1.6";
  if (!ctx || !lws_client_connect_via_info(&ci)) return 5;
  bool said = false;
  for (;;) {
    lws_service(ctx, 0);
    if (g_idle_up && !said) {
      std::printf("{\"event\":\"ready\"}\n");
      std::fflush(stdout);
      said = true;
    }
  }
}

// ---- the in-process ChargePoint heap ----

struct HeapRun {
  Mem runner, cp, after_destroy;
  int threads = 0;
};

// Starts one charging station on the runner against the CSMS and sets `booted` once its
// BootNotification is Accepted; returns what keeps it alive.
using StartStation = std::shared_ptr<void> (*)(ocpp::Runner& runner, int port,
                                               const std::string& db_path,
                                               std::atomic<bool>& booted);

std::shared_ptr<void> start_v16(ocpp::Runner& runner, int port, const std::string& db_path,
                                std::atomic<bool>& booted) {
  Hooks hooks;
  hooks.boot = [&booted](RegistrationStatus s, std::int32_t) {
    if (s == RegistrationStatus::Accepted) booted = true;
  };
  ChargePointConfig cfg;
  cfg.charge_point_id = "CP-MEM";
  cfg.csms_url = "ws://127.0.0.1:" + std::to_string(port) + "/ocpp";
  cfg.vendor = "BenchVendor";
  cfg.model = "BenchModel";
  cfg.db_path = db_path;
  auto cp = ChargePoint::create(runner, std::move(cfg), std::move(hooks));
  if (!cp) bench::die("ChargePoint::create: " + cp.error().message());
  return std::shared_ptr<void>(std::move(cp.value()));
}

std::shared_ptr<void> start_v201(ocpp::Runner& runner, int port, const std::string& db_path,
                                 std::atomic<bool>& booted) {
  ocpp::v201::Hooks hooks;
  hooks.boot = [&booted](ocpp::v201::RegistrationStatusEnumType s, std::int32_t) {
    if (s == ocpp::v201::RegistrationStatusEnumType::Accepted) booted = true;
  };
  ocpp::v201::ChargingStationConfig cfg;
  cfg.identity = "CS-MEM";
  cfg.csms_url = "ws://127.0.0.1:" + std::to_string(port) + "/ocpp";
  cfg.charging_station.vendorName = "BenchVendor";
  cfg.charging_station.model = "BenchModel";
  cfg.db_path = db_path;
  auto cs = ocpp::v201::ChargingStation::create(runner, std::move(cfg), std::move(hooks));
  if (!cs) bench::die("ChargingStation::create: " + cs.error().message());
  return std::shared_ptr<void>(std::move(cs.value()));
}

HeapRun heap_once(int port, const std::string& db_path, StartStation start) {
  HeapRun r;
  if (!db_path.empty()) remove_db(db_path);
  const Mem m0 = mem_now();
  {
    ocpp::Runner runner;
    if (runner.start()) bench::die("runner.start");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const Mem m1 = mem_now();
    std::atomic<bool> booted{false};
    {
      auto station = start(runner, port, db_path, booted);
      const auto limit = bench::Clock::now() + std::chrono::seconds(20);
      while (!booted) {
        if (bench::Clock::now() > limit) bench::die("no boot Accepted");
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      std::this_thread::sleep_for(
          std::chrono::milliseconds(500));  // StatusNotifications, then idle
      const Mem m2 = mem_now();
      r.threads = thread_count() - 1;
      r.runner = Mem{m1.cxx - m0.cxx, m1.malloc - m0.malloc, m1.sqlite - m0.sqlite};
      r.cp = Mem{m2.cxx - m1.cxx, m2.malloc - m1.malloc, m2.sqlite - m1.sqlite};
    }
    const Mem m3 = mem_now();
    r.after_destroy = Mem{m3.cxx - m1.cxx, m3.malloc - m1.malloc, m3.sqlite - m1.sqlite};
    runner.stop();
  }
  if (!db_path.empty()) remove_db(db_path);
  return r;
}

// Where a SQLite store connection's memory goes (sqlite3_db_status), after a ChargePoint
// has used the file once (schema and statements loaded, a few pages cached).
struct SqliteBreakdown {
  long long total = 0, cache = 0, schema = 0, stmt = 0;
};

SqliteBreakdown sqlite_breakdown(const std::string& dir) {
  const std::string path = dir + "/bench-mem-breakdown.db";
  remove_db(path);
  SqliteBreakdown b;
  const long long before = sqlite3_memory_used();
  {
    auto st = ocpp::open_sqlite_store({path, "CP-MEM"});
    if (!st) bench::die("open_sqlite_store: " + st.error().message());
    std::size_t n = 0;
    st.value()->outbox_size(n);
    std::vector<std::pair<std::string, std::string>> kv;
    st.value()->kv_load("", kv);
    std::vector<ocpp::TransactionRecord> txs;
    st.value()->transactions_load(txs);
    sqlite3* db = ocpp::detail::sqlite_store_handle(*st.value());
    int cur = 0, hw = 0;
    sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_USED, &cur, &hw, 0);
    b.cache = cur;
    sqlite3_db_status(db, SQLITE_DBSTATUS_SCHEMA_USED, &cur, &hw, 0);
    b.schema = cur;
    sqlite3_db_status(db, SQLITE_DBSTATUS_STMT_USED, &cur, &hw, 0);
    b.stmt = cur;
    b.total = sqlite3_memory_used() - before;
  }
  remove_db(path);
  return b;
}

double med(const std::vector<HeapRun>& v, long long Mem::*field, Mem HeapRun::*part) {
  std::vector<double> x;
  for (const auto& r : v) x.push_back(double((r.*part).*field));
  return bench::median(x);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--idle-client") == 0)
    return idle_client(std::atoi(argv[2]));
  if (argc < 2) bench::die("usage: bench_memory PATH-TO-ocpp-chargerd [DIR]");
  const std::string chargerd = argv[1];
  const std::string dir = argc > 2 ? argv[2] : "/tmp";
  const long runs = bench::env_long("BENCH_RUNS", 5);
  const long rss_runs = bench::env_long("BENCH_RSS_RUNS", 3);

  // Before any thread exists in this process.
  bench::CsmsChild csms = bench::start_csms_child();
  if (thread_count() != 1) bench::die("unexpected threads before the benchmark");
  lws_set_log_level(LLL_ERR, nullptr);

  std::vector<HeapRun> sql, memstore, sql201, memstore201;
  for (long i = 0; i < runs; ++i) {
    sql.push_back(heap_once(csms.port, dir + "/bench-mem.db", start_v16));
    memstore.push_back(heap_once(csms.port, "", start_v16));
    sql201.push_back(heap_once(csms.port, dir + "/bench-mem.db", start_v201));
    memstore201.push_back(heap_once(csms.port, "", start_v201));
  }
  std::vector<double> threads;
  for (const auto& r : sql) threads.push_back(r.threads);

  std::vector<double> rss, rss_floor, chargerd_threads;
  const std::string url = "ws://127.0.0.1:" + std::to_string(csms.port) + "/ocpp";
  for (long i = 0; i < rss_runs; ++i) {
    const std::string db = dir + "/bench-chargerd.db";
    remove_db(db);
    Child d = spawn({chargerd, "--url", url, "--id", "CP-RSS", "--db", db});
    if (!wait_line(d, "\"event\":\"boot\"", "Accepted"))
      bench::die("ocpp-chargerd: no boot Accepted");
    std::this_thread::sleep_for(std::chrono::seconds(1));
    rss.push_back(double(status_field_kb(d.pid, "VmRSS")));
    chargerd_threads.push_back(double(status_field_kb(d.pid, "Threads")));
    finish(d);
    remove_db(db);

    Child f = spawn({"/proc/self/exe", "--idle-client", std::to_string(csms.port)});
    if (!wait_line(f, "\"event\":\"ready\"", nullptr)) bench::die("idle client did not connect");
    std::this_thread::sleep_for(std::chrono::seconds(1));
    rss_floor.push_back(double(status_field_kb(f.pid, "VmRSS")));
    finish(f);
  }
  bench::stop_child(csms);

  const double cp_malloc = med(sql, &Mem::malloc, &HeapRun::cp);
  std::printf("# memory: medians of %ld runs (heap) and %ld runs (RSS)\n", runs, rss_runs);
  std::printf(
      "mem.cp_heap_bytes      %10.0f   (SQLite store; all malloc, mallinfo2)   target <= 32768  "
      "%s\n",
      cp_malloc, cp_malloc <= 32768 ? "met" : "NOT MET");
  std::printf("  of which C++ new     %10.0f   SQLite (sqlite3_memory_used) %.0f\n",
              med(sql, &Mem::cxx, &HeapRun::cp), med(sql, &Mem::sqlite, &HeapRun::cp));
  const SqliteBreakdown sb = sqlite_breakdown(dir);
  std::printf(
      "  one SQLite store connection: %lld bytes = page cache %lld + schema %lld + statements %lld"
      " + rest %lld (connection, pager, WAL)\n",
      sb.total, sb.cache, sb.schema, sb.stmt, sb.total - sb.cache - sb.schema - sb.stmt);
  std::printf("mem.cp_heap_bytes_memstore %6.0f   (memory store; all malloc)   C++ new %.0f\n",
              med(memstore, &Mem::malloc, &HeapRun::cp), med(memstore, &Mem::cxx, &HeapRun::cp));
  // 2.0.1: the station with its device model (about 60 variables and their persisted values),
  // besides the store: with SQLite, all malloc minus SQLite's own share.
  const double cs_besides_store =
      med(sql201, &Mem::malloc, &HeapRun::cp) - med(sql201, &Mem::sqlite, &HeapRun::cp);
  std::printf(
      "mem.cs201_heap_bytes   %10.0f   (2.0.1 ChargingStation, SQLite store, all malloc minus "
      "SQLite's %.0f)   target <= 49152  %s\n",
      cs_besides_store, med(sql201, &Mem::sqlite, &HeapRun::cp),
      cs_besides_store <= 49152 ? "met" : "NOT MET");
  std::printf(
      "mem.cs201_heap_bytes_memstore %3.0f   (memory store, device model values in it; all "
      "malloc)   C++ new %.0f\n",
      med(memstore201, &Mem::malloc, &HeapRun::cp), med(memstore201, &Mem::cxx, &HeapRun::cp));
  std::printf(
      "mem.runner_baseline_bytes %7.0f   (Runner + lws IoLoop started, no charge point; all "
      "malloc)   C++ new %.0f\n",
      med(sql, &Mem::malloc, &HeapRun::runner), med(sql, &Mem::cxx, &HeapRun::runner));
  std::printf(
      "mem.left_after_destroy %10.0f   (all malloc, relative to the runner baseline; C++ new "
      "%.0f)\n",
      med(sql, &Mem::malloc, &HeapRun::after_destroy),
      med(sql, &Mem::cxx, &HeapRun::after_destroy));
  const double th = bench::median(threads);
  std::printf(
      "lib.threads            %10.0f   (threads of a process running one ChargePoint on a Runner, "
      "minus main)   expect 1  %s\n",
      th, th == 1 ? "met" : "NOT MET");
  const double r = bench::median(rss);
  std::printf(
      "chargerd.rss_kb        %10.0f   floor(bare lws client process, idle connection) %.0f   "
      "target <= 12288  %s\n",
      r, bench::median(rss_floor), r <= 12288 ? "met" : "NOT MET");
  std::printf("chargerd.threads       %10.0f\n", bench::median(chargerd_threads));
  return 0;
}
