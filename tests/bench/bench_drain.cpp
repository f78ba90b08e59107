// Benchmark 3: draining 10,000 queued transaction messages to a loopback CSMS.
//
// Set-up (not timed): a SQLite store filled while "offline" through the Store API with one
// transaction: StartTransaction, 9,998 MeterValues, StopTransaction (10,000 messages), as the
// engine would have queued them (MeterValues and StopTransaction get the CSMS's transactionId
// when sent). The fill runs with synchronous=OFF on that connection only, to keep it short.
//
// Timed: ChargePoint::create on a started Runner (real libwebsockets transport) against the
// in-process minimal CSMS (mini_csms.cpp: answers every CALL at once) until
// queued_transaction_messages() == 0. Each delivered message is removed from the store with a
// durable write (outbox_ack), so the drain costs at least one fsync per message.
//
// Floors, same run, same CSMS:
//   transport: a bare lws client exchanging the same number of CALL/CALLRESULT pairs, one at a
//              time, with the same MeterValues text;
//   transport + durable removal: the transport floor plus N times the mean cost of removing one
//              row from a bare SQLite table (SELECT front + DELETE, WAL, synchronous=FULL, one
//              transaction each), sampled on the same disk right after the drain. (Running the
//              removal inside the lws client for all N messages measured 2-3x slower than the
//              library itself on this VM and took minutes, so it is sampled instead.)
//
// Usage: bench_drain [DIR]   (DIR: where the databases go; default /tmp)
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "mini_csms.hpp"
#include "ocpp/runner.hpp"
#include "ocpp/sqlite_store.hpp"
#include "ocpp/v16/charge_point.hpp"
#include "store/sqlite/sqlite_store_internal.hpp"
#include "sync_counter.hpp"
#include "v16/generated/codec.hpp"

using namespace ocpp::v16;

namespace {

const char* const kCpId = "CP-DRAIN";

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((path + suffix).c_str());
}

MeterValuesRequest meter_values(std::int32_t wh, std::optional<std::int32_t> tx_id) {
  MeterValuesRequest req;
  req.connectorId = 1;
  req.transactionId = tx_id;
  MeterValue mv;
  mv.timestamp = std::chrono::system_clock::now();
  SampledValue sv;
  sv.value = std::to_string(wh);
  sv.context = ReadingContext::Sample_Periodic;
  sv.measurand = Measurand::Energy_Active_Import_Register;
  sv.unit = UnitOfMeasure::Wh;
  mv.sampledValue.push_back(sv);
  req.meterValue.push_back(mv);
  return req;
}

// Fills the store as the engine does while offline: Start, MeterValues..., Stop.
void fill(const std::string& path, long total) {
  auto opened = ocpp::open_sqlite_store({path, kCpId});
  if (!opened) bench::die("open_sqlite_store: " + opened.error().message());
  ocpp::Store& store = *opened.value();
  sqlite3* db = ocpp::detail::sqlite_store_handle(store);
  if (!db || sqlite3_exec(db, "PRAGMA synchronous=OFF", nullptr, nullptr, nullptr) != SQLITE_OK)
    bench::die("cannot relax synchronous for the fill");

  const auto now = std::chrono::system_clock::now();
  StartTransactionRequest start;
  start.connectorId = 1;
  start.idTag = "BENCHTAG";
  start.meterStart = 0;
  start.timestamp = now;
  ocpp::TransactionRecord rec;
  rec.protocol = "ocpp1.6";  // as the 1.6 engine writes it (v16/transaction_record.cpp)
  rec.connector_id = 1;
  rec.id_token = start.idTag;
  rec.data = R"({"meterStart":0,"startTime":")" + ocpp::format_datetime(now) + "\"}";
  ocpp::OutboxMessage sm;
  sm.protocol = "ocpp1.6";
  sm.action = "StartTransaction";
  sm.payload = codec::to_json(start);
  if (auto ec = store.transaction_begin(rec, sm)) bench::die("transaction_begin: " + ec.message());
  for (long i = 0; i < total - 2; ++i) {
    ocpp::OutboxMessage m;
    m.protocol = "ocpp1.6";
    m.action = "MeterValues";
    m.payload = codec::to_json(meter_values(static_cast<std::int32_t>(i * 10), std::nullopt));
    m.tx_key = rec.tx_key;
    m.droppable = true;
    if (auto ec = store.outbox_append(m)) bench::die("outbox_append: " + ec.message());
  }
  StopTransactionRequest stop;
  stop.meterStop = static_cast<std::int32_t>(total * 10);
  stop.timestamp = now;
  stop.transactionId = 0;  // filled in when sent
  stop.reason = Reason::Local;
  ocpp::OutboxMessage em;
  em.protocol = "ocpp1.6";
  em.action = "StopTransaction";
  em.payload = codec::to_json(stop);
  if (auto ec = store.transaction_end(rec.tx_key, em)) bench::die("transaction_end: " + ec.message());
  std::size_t n = 0;
  store.outbox_size(n);
  if (static_cast<long>(n) != total) bench::die("fill: wrong outbox size");
}

struct DrainResult {
  double total_s = 0;     // create() .. queue empty
  double after_boot_s = 0;  // boot Accepted .. queue empty
  double syncs_per_msg = 0;
  double cpu_s = 0;  // user + system CPU of the whole process (library thread and CSMS thread)
};

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + 1e-6 * double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

DrainResult drain_once(bench::MiniCsms& csms, const std::string& path, long total) {
  remove_db(path);
  fill(path, total);
  const auto mv_before = csms.meter_values.load();

  ocpp::Runner runner;
  if (runner.start()) bench::die("runner.start");
  std::atomic<long long> boot_ns{0};
  Hooks hooks;
  hooks.boot = [&boot_ns](RegistrationStatus s, std::int32_t) {
    if (s == RegistrationStatus::Accepted)
      boot_ns.store(std::chrono::duration_cast<std::chrono::nanoseconds>(bench::Clock::now().time_since_epoch()).count());
  };
  ChargePointConfig cfg;
  cfg.charge_point_id = kCpId;
  cfg.csms_url = csms.url();
  cfg.vendor = "BenchVendor";
  cfg.model = "BenchModel";
  cfg.db_path = path;

  const auto sync0 = bench::sync_counts();
  const double cpu0 = cpu_seconds();
  const auto t0 = bench::Clock::now();
  auto cp = ChargePoint::create(runner, std::move(cfg), hooks);
  if (!cp) bench::die("ChargePoint::create: " + cp.error().message());
  const auto limit = t0 + std::chrono::seconds(bench::env_long("BENCH_DRAIN_TIMEOUT_S", 300));
  while (cp.value()->queued_transaction_messages() != 0) {
    if (bench::Clock::now() > limit) bench::die("drain did not finish in time");
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  const auto t1 = bench::Clock::now();
  const auto sync1 = bench::sync_counts();
  DrainResult r;
  r.cpu_s = cpu_seconds() - cpu0;
  r.total_s = std::chrono::duration<double>(t1 - t0).count();
  const auto tb = bench::Clock::time_point(std::chrono::nanoseconds(boot_ns.load()));
  r.after_boot_s = std::chrono::duration<double>(t1 - tb).count();
  r.syncs_per_msg = double(sync1.xsync - sync0.xsync) / double(total);
  cp.value().reset();
  runner.stop();
  if (static_cast<long>(csms.meter_values.load() - mv_before) != total - 2)
    bench::die("the CSMS did not receive every MeterValues");
  remove_db(path);
  return r;
}

// Floor with durable removal: one bare SQLite row removed per reply.
struct BareQueue {
  sqlite3* db = nullptr;
  sqlite3_stmt* front = nullptr;
  sqlite3_stmt* del = nullptr;
};

void bare_remove_front(void* arg) {
  auto* q = static_cast<BareQueue*>(arg);
  if (sqlite3_step(q->front) != SQLITE_ROW) bench::die("bare queue empty");
  const auto seq = sqlite3_column_int64(q->front, 0);
  sqlite3_reset(q->front);
  sqlite3_bind_int64(q->del, 1, seq);
  if (sqlite3_step(q->del) != SQLITE_DONE) bench::die("bare DELETE");
  sqlite3_reset(q->del);
}

// Mean seconds of one bare durable removal (SELECT front + DELETE, WAL, synchronous=FULL,
// one transaction) from a table prefilled with `total` rows, over `samples` removals.
double bare_removal_s(const std::string& path, long total, long samples, const std::string& payload) {
  remove_db(path);
  BareQueue q;
  if (sqlite3_open(path.c_str(), &q.db) != SQLITE_OK) bench::die("open bare");
  sqlite3_exec(q.db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
  sqlite3_exec(q.db, "CREATE TABLE outbox(seq INTEGER PRIMARY KEY, action TEXT, payload TEXT)", nullptr, nullptr, nullptr);
  sqlite3_exec(q.db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(q.db, "INSERT INTO outbox(action, payload) VALUES('MeterValues', ?1)", -1, &ins, nullptr);
  for (long i = 0; i < total; ++i) {
    sqlite3_bind_text(ins, 1, payload.data(), static_cast<int>(payload.size()), SQLITE_STATIC);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  sqlite3_exec(q.db, "COMMIT", nullptr, nullptr, nullptr);
  // Checkpoint but keep the WAL file's size: the removals then rewrite it from its start, as
  // in the library's steady state, instead of growing it (growth costs extra journal work).
  sqlite3_exec(q.db, "PRAGMA wal_checkpoint(PASSIVE)", nullptr, nullptr, nullptr);
  sqlite3_exec(q.db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
  sqlite3_prepare_v2(q.db, "SELECT seq, payload FROM outbox ORDER BY seq LIMIT 1", -1, &q.front, nullptr);
  sqlite3_prepare_v2(q.db, "DELETE FROM outbox WHERE seq = ?1", -1, &q.del, nullptr);
  const auto s0 = bench::sync_counts();
  const auto t0 = bench::Clock::now();
  for (long i = 0; i < samples; ++i) bare_remove_front(&q);
  const double t = bench::seconds_since(t0) / double(samples);
  const auto s1 = bench::sync_counts();
  if (std::getenv("BENCH_DEBUG"))
    std::fprintf(stderr, "bare removal: %.3f xSync/op, %.3f fsync/op\n", double(s1.xsync - s0.xsync) / double(samples),
                 double(s1.fsync - s0.fsync) / double(samples));
  sqlite3_finalize(q.front);
  sqlite3_finalize(q.del);
  sqlite3_close(q.db);
  remove_db(path);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  bench::install_sync_counter();
  const std::string dir = argc > 1 ? argv[1] : "/tmp";
  const long total = bench::env_long("BENCH_DRAIN_N", 10000);
  const long runs = bench::env_long("BENCH_DRAIN_RUNS", 3);
  const long samples = bench::env_long("BENCH_DRAIN_FLOOR_SAMPLES", 300);
  const std::string lib_path = dir + "/bench-drain-lib.db";
  const std::string bare_path = dir + "/bench-drain-bare.db";

  bench::MiniCsms csms;
  // The floor's CALL: the MeterValues the library sends (with the transactionId filled in).
  const std::string payload = codec::to_json(meter_values(123450, 4242));
  const std::string prefix = "[2,\"";
  const std::string suffix = "\",\"MeterValues\"," + payload + "]";

  std::vector<double> lib_total, lib_after_boot, lib_syncs, lib_cpu, floor_net, floor_durable;
  for (long r = 0; r < runs; ++r) {
    const DrainResult d = drain_once(csms, lib_path, total);
    lib_total.push_back(d.total_s);
    lib_after_boot.push_back(d.after_boot_s);
    lib_syncs.push_back(d.syncs_per_msg);
    lib_cpu.push_back(d.cpu_s);
    const double fn_run = bench::floor_client_exchange("127.0.0.1", csms.port(), total, prefix, suffix);
    floor_net.push_back(fn_run);
    // Sampled right after the library's drain on the same disk; scaled to `total` removals.
    floor_durable.push_back(fn_run + double(total) * bare_removal_s(bare_path, total, samples, payload));
  }
  const double lt = bench::median(lib_total), lb = bench::median(lib_after_boot);
  const double fn = bench::median(floor_net), fd = bench::median(floor_durable);
  std::printf("# drain: %ld queued messages (Start + %ld MeterValues + Stop) to the in-process lws CSMS, "
              "medians of %ld runs\n", total, total - 2, runs);
  std::printf("drain.total_s          %10.3f   (create -> queue empty; %.0f msg/s)   target <= 3 s  %s\n", lt,
              double(total) / lt, lt <= 3.0 ? "met" : "NOT MET");
  std::printf("drain.after_boot_s     %10.3f   (boot Accepted -> queue empty)\n", lb);
  std::printf("drain.floor_transport_s %9.3f   (bare lws client, same number of CALL/CALLRESULT, no store)\n", fn);
  std::printf("drain.bare_removal_ref_s %8.3f   (reference, not a floor: transport floor + N x one bare SQLite SELECT+DELETE,"
              " WAL+FULL, %ld sampled per run; measures slower than the library on this VM, cause not established)\n", fd, samples);
  std::printf("drain.ratio_to_bare_removal_ref %.2fx   drain.syncs_per_msg %.3f   drain.cpu_s %.3f (process CPU during the drain, CSMS included)\n",
              lt / fd, bench::median(lib_syncs), bench::median(lib_cpu));
  return 0;
}
