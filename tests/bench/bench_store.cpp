// Benchmark 2: the durable outbox of the SQLite store against bare SQLite on the same disk.
//
//   append: ocpp::open_sqlite_store(...)->outbox_append(msg)  vs  the floor: a bare prepared
//           single-row INSERT in its own transaction (autocommit) on a database with the same
//           pragmas (journal_mode=WAL, synchronous=FULL).
//   ack:    Store::outbox_ack(seq, 0, {})                    vs  a bare single-row DELETE.
//
// Syncs per message are counted exactly: xSync calls through a counting VFS registered as
// SQLite's default, and fsync()/fdatasync() system calls (interposed). Every call is counted
// on its own so that the calls needing more than one sync (WAL auto-checkpoints) show up.
//
// Usage: bench_store [DIR]   (DIR: where the databases go; default /tmp)
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "ocpp/sqlite_store.hpp"
#include "sync_counter.hpp"

namespace {

// A realistic queued message: a MeterValues.req of one transaction.
const char* const kPayload =
    R"({"connectorId":1,"transactionId":123456,"meterValue":[{"timestamp":"2025-03-14T09:26:53.589Z",)"
    R"("sampledValue":[{"value":"12345","context":"Sample.Periodic","measurand":"Energy.Active.Import.Register","unit":"Wh"}]}]})";

struct PerCall {
  std::uint64_t calls = 0, xsync = 0, fsync = 0, more_than_one = 0, zero = 0;
  void add(const bench::SyncCounts& a, const bench::SyncCounts& b) {
    ++calls;
    const auto x = b.xsync - a.xsync;
    xsync += x;
    fsync += b.fsync - a.fsync;
    if (x > 1) ++more_than_one;
    if (x == 0) ++zero;
  }
};

void exec(sqlite3* db, const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK)
    bench::die(std::string("sqlite: ") + sql + ": " + (msg ? msg : "?"));
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((path + suffix).c_str());
}

void print_syncs(const char* name, const PerCall& p) {
  std::printf("%-22s xSync/msg %.3f  fsync+fdatasync/msg %.3f  (calls with 0 syncs: %llu, with >1: %llu, of %llu)\n",
              name, double(p.xsync) / double(p.calls), double(p.fsync) / double(p.calls),
              static_cast<unsigned long long>(p.zero), static_cast<unsigned long long>(p.more_than_one),
              static_cast<unsigned long long>(p.calls));
}

}  // namespace

int main(int argc, char** argv) {
  bench::install_sync_counter();
  const std::string dir = argc > 1 ? argv[1] : "/tmp";
  const long runs = bench::env_long("BENCH_RUNS", 5);
  const long n = bench::env_long("BENCH_STORE_N", 150);
  const std::string lib_path = dir + "/bench-store-lib.db";
  const std::string bare_path = dir + "/bench-store-bare.db";
  remove_db(lib_path);
  remove_db(bare_path);

  auto opened = ocpp::open_sqlite_store({lib_path, "CP-BENCH"});
  if (!opened) bench::die("open_sqlite_store: " + opened.error().message());
  ocpp::Store& store = *opened.value();

  sqlite3* bare = nullptr;
  if (sqlite3_open_v2(bare_path.c_str(), &bare, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    bench::die("sqlite3_open_v2 " + bare_path);
  exec(bare, "PRAGMA journal_mode=WAL");
  exec(bare, "PRAGMA synchronous=FULL");
  exec(bare, "CREATE TABLE IF NOT EXISTS outbox(seq INTEGER PRIMARY KEY, action TEXT NOT NULL, payload TEXT NOT NULL)");
  sqlite3_stmt* ins = nullptr;
  sqlite3_stmt* del = nullptr;
  sqlite3_prepare_v2(bare, "INSERT INTO outbox(seq, action, payload) VALUES(?1, ?2, ?3)", -1, &ins, nullptr);
  sqlite3_prepare_v2(bare, "DELETE FROM outbox WHERE seq = ?1", -1, &del, nullptr);
  if (!ins || !del) bench::die("prepare");

  const std::string payload = kPayload;
  std::vector<double> app_lib, app_bare, ack_lib, ack_bare;
  PerCall s_app_lib, s_app_bare, s_ack_lib, s_ack_bare;
  std::int64_t bare_seq = 0;

  // Library and floor alternate call by call, so both see the same disk conditions (the
  // fsync latency of a shared virtual disk drifts by a factor of several within seconds);
  // which of the two goes first alternates too.
  for (long r = 0; r < runs; ++r) {
    std::vector<std::int64_t> seqs, bare_seqs;
    double t_lib = 0, t_bare = 0;
    for (long i = 0; i < n; ++i) {
      auto lib = [&] {
        ocpp::OutboxMessage m;
        m.action = "MeterValues";
        m.payload = payload;
        m.droppable = true;
        const auto a = bench::sync_counts();
        const auto t0 = bench::Clock::now();
        if (auto ec = store.outbox_append(m)) bench::die("outbox_append: " + ec.message());
        t_lib += bench::seconds_since(t0);
        s_app_lib.add(a, bench::sync_counts());
        seqs.push_back(m.seq);
      };
      auto bare_op = [&] {
        const auto a = bench::sync_counts();
        const auto t0 = bench::Clock::now();
        sqlite3_bind_int64(ins, 1, ++bare_seq);
        sqlite3_bind_text(ins, 2, "MeterValues", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, payload.data(), static_cast<int>(payload.size()), SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) bench::die("bare INSERT");
        sqlite3_reset(ins);
        t_bare += bench::seconds_since(t0);
        s_app_bare.add(a, bench::sync_counts());
        bare_seqs.push_back(bare_seq);
      };
      if (i % 2) { lib(); bare_op(); } else { bare_op(); lib(); }
    }
    app_lib.push_back(double(n) / t_lib);
    app_bare.push_back(double(n) / t_bare);

    // --- acknowledge (remove) the same messages ---
    t_lib = t_bare = 0;
    for (long i = 0; i < n; ++i) {
      auto lib = [&] {
        const auto a = bench::sync_counts();
        const auto t0 = bench::Clock::now();
        if (auto ec = store.outbox_ack(seqs[static_cast<std::size_t>(i)], 0, {})) bench::die("outbox_ack: " + ec.message());
        t_lib += bench::seconds_since(t0);
        s_ack_lib.add(a, bench::sync_counts());
      };
      auto bare_op = [&] {
        const auto a = bench::sync_counts();
        const auto t0 = bench::Clock::now();
        sqlite3_bind_int64(del, 1, bare_seqs[static_cast<std::size_t>(i)]);
        if (sqlite3_step(del) != SQLITE_DONE) bench::die("bare DELETE");
        sqlite3_reset(del);
        t_bare += bench::seconds_since(t0);
        s_ack_bare.add(a, bench::sync_counts());
      };
      if (i % 2) { lib(); bare_op(); } else { bare_op(); lib(); }
    }
    ack_lib.push_back(double(n) / t_lib);
    ack_bare.push_back(double(n) / t_bare);
  }
  std::size_t left = 1;
  store.outbox_size(left);
  if (left != 0) bench::die("outbox not empty after the acks");

  const double al = bench::median(app_lib), ab = bench::median(app_bare);
  const double kl = bench::median(ack_lib), kb = bench::median(ack_bare);
  std::printf("# store: SQLite outbox in %s, medians of %ld runs x %ld messages (%zu-byte payload)\n",
              dir.c_str(), runs, n, payload.size());
  std::printf("store.append_per_s     %10.1f   floor(bare INSERT, WAL+FULL)    %10.1f   ratio %5.1f %%   target >= 80 %%  %s\n",
              al, ab, 100.0 * al / ab, al / ab >= 0.8 ? "met" : "NOT MET");
  std::printf("store.ack_per_s        %10.1f   floor(bare DELETE, WAL+FULL)    %10.1f   ratio %5.1f %%\n",
              kl, kb, 100.0 * kl / kb);
  print_syncs("store.append syncs", s_app_lib);
  print_syncs("floor INSERT syncs", s_app_bare);
  print_syncs("store.ack syncs", s_ack_lib);
  print_syncs("floor DELETE syncs", s_ack_bare);
  const double per = double(s_app_lib.xsync) / double(s_app_lib.calls);
  std::printf("store.append_syncs_per_msg %.3f   target exactly 1  %s\n", per,
              s_app_lib.zero == 0 && s_app_lib.more_than_one == 0 ? "met" : "NOT MET (see counts above)");

  sqlite3_finalize(ins);
  sqlite3_finalize(del);
  sqlite3_close(bare);
  opened.value().reset();
  remove_db(lib_path);
  remove_db(bare_path);
  return 0;
}
