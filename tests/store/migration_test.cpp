// Store schema 2 (one transaction journal for every protocol version, the protocol of each
// queued message): a database written by the released store (schema 1, the fixture described
// in store/fixtures/README.md) migrates in one transaction at open and delivers its queue in
// order with the transactionIds the CSMS gave.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include "ocpp/sqlite_store.hpp"
#include "v16/harness.hpp"

namespace {

std::int64_t query_int(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  const auto v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

std::string copy_fixture(const test::TempDir& dir) {
  const std::string path = dir.file("ocpp.db");
  std::filesystem::copy_file(std::string(OCPP_TEST_FIXTURES) + "/schema-v1.db", path);
  return path;
}

std::unique_ptr<ocpp::Store> open_fixture(const std::string& path) {
  ocpp::SqliteStoreOptions o;
  o.path = path;
  o.charge_point_id = "CP-FIXTURE";
  auto r = ocpp::open_sqlite_store(o);
  REQUIRE(r.ok());
  return std::move(r.value());
}

}  // namespace

TEST_CASE("store migration: a schema-1 database becomes schema 2 with nothing lost",
          "[store][sqlite][migration]") {
  test::TempDir dir;
  const std::string path = copy_fixture(dir);
  REQUIRE(query_int(path, "PRAGMA user_version") == 1);
  auto s = open_fixture(path);
  CHECK(query_int(path, "PRAGMA user_version") == 2);
  std::vector<ocpp::TransactionRecord> txs;
  REQUIRE_FALSE(s->transactions_load(txs));
  REQUIRE(txs.size() == 3);
  CHECK(txs[0].protocol == "ocpp1.6");
  CHECK(txs[0].evse_id == 0);
  CHECK(txs[0].connector_id == 1);
  CHECK(txs[0].id_token == std::optional<std::string>("TAG-A"));
  CHECK(txs[0].transaction_id == std::optional<std::string>("4711"));
  CHECK(txs[0].stopped);
  CHECK(txs[0].data == R"({"meterStart":0,"startTime":"2026-09-21T14:13:20.000Z"})");
  CHECK_FALSE(txs[1].transaction_id.has_value());
  CHECK(txs[2].data.find(R"("meterStart":1500)") != std::string::npos);
  CHECK_FALSE(txs[2].stopped);
  std::size_t n = 0;
  REQUIRE_FALSE(s->outbox_size(n));
  CHECK(n == 8);
  std::optional<ocpp::OutboxMessage> front;
  REQUIRE_FALSE(s->outbox_front(front));
  REQUIRE(front);
  CHECK(front->seq == 2);
  CHECK(front->protocol == "ocpp1.6");
  // New rows continue the old counters: seq and tx_key are never reused.
  ocpp::OutboxMessage m;
  m.action = "Heartbeat";
  m.payload = "{}";
  REQUIRE_FALSE(s->outbox_append(m));
  CHECK(m.seq == 10);
}

TEST_CASE("store migration: a migration that fails leaves the file as it was",
          "[store][sqlite][migration]") {
  test::TempDir dir;
  const std::string path = copy_fixture(dir);
  {
    // A table in the way of the migration's second statement: the first one (a new column)
    // must be rolled back with it.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE transactions_v2(x)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  ocpp::SqliteStoreOptions o;
  o.path = path;
  o.charge_point_id = "CP-FIXTURE";
  auto r = ocpp::open_sqlite_store(o);
  CHECK_FALSE(r.ok());
  CHECK(query_int(path, "PRAGMA user_version") == 1);
  CHECK(query_int(path, "SELECT count(*) FROM pragma_table_info('outbox') WHERE name = 'protocol'") == 0);
  CHECK(query_int(path, "SELECT count(*) FROM outbox") == 8);
  CHECK(query_int(path, "SELECT count(*) FROM transactions") == 3);
}

TEST_CASE("store migration: the 1.6 engine delivers a migrated queue in order with the right "
          "transactionIds (pitfall: ids lost across a restart)",
          "[store][sqlite][migration][v16]") {
  test::TempDir dir;
  const std::string path = copy_fixture(dir);
  auto store = open_fixture(path);
  test::Harness h(store.get(), 2);
  h.next_transaction_id = 900;
  auto& e = h.start();
  // The transaction that was running resumes on its connector.
  REQUIRE(e.connector_state(1)->transaction.has_value());
  CHECK(e.connector_state(1)->transaction->idTag == "TAG-C");
  CHECK(e.queued_transaction_messages() == 8);
  h.connect();
  std::vector<std::string> got;
  for (const auto& c : h.calls) {
    if (c.action == "StartTransaction") {
      got.push_back(std::string("Start ") + c.json()["idTag"].GetString());
    } else if (c.action == "MeterValues" || c.action == "StopTransaction") {
      got.push_back(c.action.substr(0, 4) + " " + std::to_string(c.json()["transactionId"].GetInt()));
    }
  }
  CHECK(got == std::vector<std::string>{"Mete 4711", "Mete 4711", "Stop 4711", "Start TAG-B",
                                        "Mete 900", "Stop 900", "Start TAG-C", "Mete 901"});
  CHECK(e.queued_transaction_messages() == 0);
  CHECK(e.connector_state(1)->transaction->transactionId == 901);
}
