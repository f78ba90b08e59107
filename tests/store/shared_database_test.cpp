// SqliteDatabase: the charge points of a process share one file and its two connections (one
// writes, one reads), their writes are committed together (group commit) while each Store
// method still returns only once its own write is durable, and reads do not wait for commits.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "ocpp/error.hpp"
#include "ocpp/sqlite_store.hpp"
#include "store/sqlite/sqlite_store_internal.hpp"
#include "v16/harness.hpp"

namespace {

std::shared_ptr<ocpp::SqliteDatabase> open_db(const std::string& path) {
  ocpp::SqliteDatabaseOptions o;
  o.path = path;
  auto r = ocpp::SqliteDatabase::open(o);
  REQUIRE(r.ok());
  return r.value();
}

std::unique_ptr<ocpp::Store> store_of(ocpp::SqliteDatabase& db, const std::string& cp) {
  auto r = db.store(cp);
  REQUIRE(r.ok());
  return std::move(r.value());
}

ocpp::OutboxMessage outbox_message(const std::string& action, const std::string& payload) {
  ocpp::OutboxMessage m;
  m.protocol = "ocpp1.6";
  m.action = action;
  m.payload = payload;
  return m;
}

int commit_hook(void* counter) {
  ++*static_cast<std::atomic<int>*>(counter);
  return 0;
}

// Holds a commit open (the hook runs inside COMMIT, with the writing connection taken) until
// a read elsewhere has finished, or 5 s have passed.
struct HeldCommit {
  std::atomic<bool> committing{false};
  std::atomic<bool> read_done{false};
  std::atomic<bool> read_done_while_held{false};
  static int hook(void* self) {
    auto* h = static_cast<HeldCommit*>(self);
    h->committing = true;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!h->read_done && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    h->read_done_while_held = h->read_done.load();
    return 0;
  }
};

}  // namespace

TEST_CASE("shared database: stores of different charge points share the file, not their rows",
          "[store][sqlite][shared]") {
  test::TempDir dir;
  auto db = open_db(dir.file("fleet.db"));
  auto a = store_of(*db, "CP-A");
  auto b = store_of(*db, "CP-B");
  // One connection behind both.
  CHECK(ocpp::detail::sqlite_store_handle(*a) == ocpp::detail::sqlite_store_handle(*b));
  auto ma = outbox_message("Heartbeat", "{}");
  auto mb = outbox_message("Heartbeat", "{}");
  REQUIRE(!a->outbox_append(ma));
  REQUIRE(!b->outbox_append(mb));
  CHECK(ma.seq == 1);  // counters are per charge point
  CHECK(mb.seq == 1);
  REQUIRE(!a->kv_set("cfg.X", "a"));
  std::vector<std::pair<std::string, std::string>> kv;
  REQUIRE(!b->kv_load("cfg.", kv));
  CHECK(kv.empty());
  std::size_t n = 0;
  REQUIRE(!b->outbox_size(n));
  CHECK(n == 1);
  // The database stays open as long as a store needs it.
  db.reset();
  auto m2 = outbox_message("Heartbeat", "{}");
  REQUIRE(!a->outbox_append(m2));
  CHECK(m2.seq == 2);
}

TEST_CASE("shared database: concurrent writes of many charge points share commits, and every "
          "one of them is durable",
          "[store][sqlite][shared][group_commit]") {
  test::TempDir dir;
  const std::string path = dir.file("fleet.db");
  constexpr int kChargePoints = 8;
  constexpr int kAppends = 60;
  std::atomic<int> commits{0};
  {
    auto db = open_db(path);
    std::vector<std::unique_ptr<ocpp::Store>> stores;
    for (int i = 0; i < kChargePoints; ++i) stores.push_back(store_of(*db, "CP-" + std::to_string(i)));
    sqlite3_commit_hook(ocpp::detail::sqlite_store_handle(*stores[0]), commit_hook, &commits);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kChargePoints; ++i) {
      threads.emplace_back([&, i] {
        for (int k = 0; k < kAppends; ++k) {
          auto m = outbox_message("MeterValues", "{\"n\":" + std::to_string(k) + "}");
          if (stores[static_cast<std::size_t>(i)]->outbox_append(m) || m.seq != k + 1) ++failures;
          // A write that fails in the middle of a shared commit is rolled back alone.
          auto bogus = outbox_message("StopTransaction", "{}");
          if (stores[static_cast<std::size_t>(i)]->transaction_end(999999, bogus) != ocpp::Errc::invalid_argument)
            ++failures;
        }
      });
    }
    for (auto& t : threads) t.join();
    CHECK(failures == 0);
    INFO("commits: " << commits.load() << " for " << kChargePoints * kAppends << " appends");
    CHECK(commits < kChargePoints * kAppends);  // some commits carried several appends
    CHECK(commits > 0);
  }
  // Reopened: every append is there, in order, and nothing of the failed writes.
  ocpp::SqliteDatabaseOptions o;
  o.path = path;
  auto db = ocpp::SqliteDatabase::open(o);
  REQUIRE(db.ok());
  for (int i = 0; i < kChargePoints; ++i) {
    auto s = store_of(*db.value(), "CP-" + std::to_string(i));
    std::size_t n = 0;
    REQUIRE(!s->outbox_size(n));
    CHECK(n == kAppends);
    std::optional<ocpp::OutboxMessage> front;
    REQUIRE(!s->outbox_front(front));
    REQUIRE(front);
    CHECK(front->payload == "{\"n\":0}");
  }
}

TEST_CASE(
    "shared database: a read does not wait for another charge point's commit, and sees "
    "what was committed before it",
    "[store][sqlite][shared]") {
  test::TempDir dir;
  auto db = open_db(dir.file("fleet.db"));
  auto a = store_of(*db, "CP-A");
  auto b = store_of(*db, "CP-B");
  REQUIRE(!a->kv_set("cfg.A", "1"));
  REQUIRE(!b->kv_set("cfg.B", "1"));
  HeldCommit held;
  sqlite3* writer = ocpp::detail::sqlite_store_handle(*a);
  sqlite3_commit_hook(writer, HeldCommit::hook, &held);
  std::error_code set;  // assertions stay on this thread
  std::thread t([&] { set = a->kv_set("cfg.A", "2"); });
  while (!held.committing) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::vector<std::pair<std::string, std::string>> kv_b, kv_a;
  const auto eb = b->kv_load("cfg.", kv_b);
  const auto ea = a->kv_load("cfg.", kv_a);  // its own write is not committed yet
  held.read_done = true;
  t.join();
  sqlite3_commit_hook(writer, nullptr, nullptr);
  CHECK(!set);
  CHECK(held.read_done_while_held);
  CHECK(!eb);
  CHECK(kv_b == std::vector<std::pair<std::string, std::string>>{{"cfg.B", "1"}});
  CHECK(!ea);
  CHECK(kv_a == std::vector<std::pair<std::string, std::string>>{{"cfg.A", "1"}});
  // Once kv_set returned, the reads see it.
  REQUIRE(!a->kv_load("cfg.", kv_a));
  CHECK(kv_a == std::vector<std::pair<std::string, std::string>>{{"cfg.A", "2"}});
}

TEST_CASE("shared database: charge points on one store file through the 1.6 engine",
          "[store][sqlite][shared][v16]") {
  test::TempDir dir;
  auto db = open_db(dir.file("fleet.db"));
  auto sa = store_of(*db, "CP-A");
  auto sb = store_of(*db, "CP-B");
  test::Harness a(sa.get(), 1, {{"AllowOfflineTxForUnknownId", "true"}});
  test::Harness b(sb.get(), 1, {{"AllowOfflineTxForUnknownId", "true"}});
  a.next_transaction_id = 100;
  b.next_transaction_id = 200;
  auto& ea = a.start();
  auto& eb = b.start();
  REQUIRE(!ea.plug_in(1, a.now()));
  REQUIRE(!ea.present_id_tag("A1", 1, a.now()));
  REQUIRE(!eb.plug_in(1, b.now()));
  REQUIRE(!eb.present_id_tag("B1", 1, b.now()));
  CHECK(ea.queued_transaction_messages() == 1);  // offline: the StartTransaction waits
  CHECK(eb.queued_transaction_messages() == 1);
  a.restart();
  b.restart();
  a.connect();
  b.connect();
  CHECK(a.calls_of("StartTransaction").size() == 1);
  CHECK(b.calls_of("StartTransaction").size() == 1);
  CHECK(a.engine().connector_state(1)->transaction->transactionId == 100);
  CHECK(b.engine().connector_state(1)->transaction->transactionId == 200);
}
