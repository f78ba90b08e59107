// Store conformance: one suite run against the in-memory and the SQLite store, then tests
// of what only the SQLite store can do (persistence, sharing a file, error mapping).
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ocpp/error.hpp"
#include "ocpp/sqlite_store.hpp"
#include "ocpp/store.hpp"
#include "store/sqlite/sqlite_store_internal.hpp"

namespace {

using ocpp::AckEffects;
using ocpp::Errc;
using ocpp::OutboxMessage;
using ocpp::Store;
using ocpp::TransactionRecord;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ocpp-store-test-XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name = "store.db") const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::unique_ptr<Store> open_or_fail(const std::string& path, const std::string& cp = "CP1",
                                    std::size_t busy_timeout_ms = 2000) {
  ocpp::SqliteStoreOptions o;
  o.path = path;
  o.charge_point_id = cp;
  o.busy_timeout_ms = busy_timeout_ms;
  auto r = ocpp::open_sqlite_store(o);
  INFO("open_sqlite_store: " << r.error().message());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::error_code open_error(const std::string& path) {
  ocpp::SqliteStoreOptions o;
  o.path = path;
  o.charge_point_id = "CP1";
  return ocpp::open_sqlite_store(o).error();
}

// A second, raw connection to a store's file, to look at or interfere with it.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            nullptr) == SQLITE_OK);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const char* sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    INFO(sql << ": " << (err ? err : ""));
    sqlite3_free(err);
    REQUIRE(rc == SQLITE_OK);
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string query_text(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(s) == SQLITE_ROW) {
    const auto* t = sqlite3_column_text(s, 0);
    out = t ? reinterpret_cast<const char*>(t) : "";
  }
  sqlite3_finalize(s);
  return out;
}

OutboxMessage message(std::string action, std::string payload, bool droppable = false,
                      std::int64_t tx_key = 0) {
  OutboxMessage m;
  m.action = std::move(action);
  m.payload = std::move(payload);
  m.droppable = droppable;
  m.tx_key = tx_key;
  return m;
}

TransactionRecord record(int connector, std::string id_tag) {
  TransactionRecord r;
  r.protocol = "ocpp1.6";
  r.connector_id = connector;
  r.id_token = std::move(id_tag);
  r.data = R"({"meterStart":1234,"startTime":"2026-01-02T03:04:05.000Z"})";
  return r;
}

std::vector<std::int64_t> drain_seqs(Store& s) {
  std::vector<std::int64_t> seqs;
  for (;;) {
    std::optional<OutboxMessage> front;
    REQUIRE_FALSE(s.outbox_front(front));
    if (!front) break;
    seqs.push_back(front->seq);
    REQUIRE_FALSE(s.outbox_ack(front->seq, front->tx_key, AckEffects{}));
  }
  return seqs;
}

struct MemoryFactory {
  std::unique_ptr<Store> make() {
    auto s = ocpp::make_memory_store();
    REQUIRE(s != nullptr);
    return s;
  }
};

struct SqliteFactory {
  TempDir dir;
  std::unique_ptr<Store> make() { return open_or_fail(dir.file()); }
};

}  // namespace

// ---------------------------------------------------------------- conformance (both stores)

TEMPLATE_TEST_CASE("store: outbox is FIFO and round-trips every field", "[store]", MemoryFactory,
                   SqliteFactory) {
  TestType factory;
  auto s = factory.make();

  std::optional<OutboxMessage> front = message("x", "y");
  REQUIRE_FALSE(s->outbox_front(front));
  CHECK_FALSE(front.has_value());
  std::size_t n = 99;
  REQUIRE_FALSE(s->outbox_size(n));
  CHECK(n == 0);

  auto a = message("Heartbeat", "{}");
  auto b = message("MeterValues", R"({"connectorId":1,"meterValue":[]})", true, 0);
  b.attempts = 2;
  auto c = message("StatusNotification", std::string("with\0nul", 8));
  REQUIRE_FALSE(s->outbox_append(a));
  REQUIRE_FALSE(s->outbox_append(b));
  REQUIRE_FALSE(s->outbox_append(c));
  CHECK(a.seq > 0);
  CHECK(b.seq > a.seq);
  CHECK(c.seq > b.seq);
  REQUIRE_FALSE(s->outbox_size(n));
  CHECK(n == 3);

  REQUIRE_FALSE(s->outbox_front(front));
  REQUIRE(front);
  CHECK(front->seq == a.seq);
  CHECK(front->action == "Heartbeat");
  CHECK(front->payload == "{}");
  CHECK_FALSE(front->droppable);
  CHECK(front->attempts == 0);
  REQUIRE_FALSE(s->outbox_ack(a.seq, 0, AckEffects{}));

  REQUIRE_FALSE(s->outbox_front(front));
  REQUIRE(front);
  CHECK(front->seq == b.seq);
  CHECK(front->action == "MeterValues");
  CHECK(front->payload == b.payload);
  CHECK(front->droppable);
  CHECK(front->attempts == 2);
  REQUIRE_FALSE(s->outbox_ack(b.seq, 0, AckEffects{}));

  REQUIRE_FALSE(s->outbox_front(front));
  REQUIRE(front);
  CHECK(front->seq == c.seq);
  CHECK(front->payload == c.payload);
  CHECK(front->payload.size() == 8);
  REQUIRE_FALSE(s->outbox_ack(c.seq, 0, AckEffects{}));

  REQUIRE_FALSE(s->outbox_front(front));
  CHECK_FALSE(front.has_value());
  REQUIRE_FALSE(s->outbox_size(n));
  CHECK(n == 0);

  // Acknowledging what is already gone is a harmless no-op.
  CHECK_FALSE(s->outbox_ack(c.seq, 0, AckEffects{}));
}

TEMPLATE_TEST_CASE("store: seq and tx_key increase strictly and are never reused", "[store]",
                   MemoryFactory, SqliteFactory) {
  TestType factory;
  auto s = factory.make();

  auto a = message("A", "{}");
  auto b = message("B", "{}");
  REQUIRE_FALSE(s->outbox_append(a));
  REQUIRE_FALSE(s->outbox_append(b));
  // Deleting the newest message must not let its seq come back.
  REQUIRE_FALSE(s->outbox_ack(b.seq, 0, AckEffects{}));
  auto c = message("C", "{}");
  REQUIRE_FALSE(s->outbox_append(c));
  CHECK(c.seq > b.seq);
  // Nor after emptying the outbox.
  REQUIRE(drain_seqs(*s) == std::vector<std::int64_t>{a.seq, c.seq});
  auto d = message("D", "{}");
  REQUIRE_FALSE(s->outbox_append(d));
  CHECK(d.seq > c.seq);

  auto r1 = record(1, "TAG1");
  auto start1 = message("StartTransaction", "{}");
  REQUIRE_FALSE(s->transaction_begin(r1, start1));
  CHECK(r1.tx_key > 0);
  CHECK(start1.seq > d.seq);
  AckEffects forget;
  forget.delete_transaction = true;
  REQUIRE_FALSE(s->outbox_ack(start1.seq, r1.tx_key, forget));
  std::vector<TransactionRecord> txs;
  REQUIRE_FALSE(s->transactions_load(txs));
  CHECK(txs.empty());

  auto r2 = record(1, "TAG2");
  auto start2 = message("StartTransaction", "{}");
  REQUIRE_FALSE(s->transaction_begin(r2, start2));
  CHECK(r2.tx_key > r1.tx_key);
  CHECK(start2.seq > start1.seq);
}

TEMPLATE_TEST_CASE("store: transaction begin, end and ack effects are applied together", "[store]",
                   MemoryFactory, SqliteFactory) {
  TestType factory;
  auto s = factory.make();

  auto other = record(2, "OTHER");
  auto other_start = message("StartTransaction", R"({"connectorId":2})");
  REQUIRE_FALSE(s->transaction_begin(other, other_start));

  auto rec = record(1, "TAG");
  auto start = message("StartTransaction", R"({"connectorId":1})");
  REQUIRE_FALSE(s->transaction_begin(rec, start));
  CHECK(rec.tx_key > other.tx_key);
  CHECK(start.tx_key == rec.tx_key);
  CHECK(start.seq > other_start.seq);

  std::vector<TransactionRecord> txs;
  REQUIRE_FALSE(s->transactions_load(txs));
  REQUIRE(txs.size() == 2);
  CHECK(txs[0].tx_key == other.tx_key);
  CHECK(txs[1].tx_key == rec.tx_key);
  CHECK(txs[1].connector_id == 1);
  CHECK(txs[1].id_token == std::optional<std::string>("TAG"));
  CHECK(txs[1].protocol == "ocpp1.6");
  CHECK(txs[1].data == R"({"meterStart":1234,"startTime":"2026-01-02T03:04:05.000Z"})");
  CHECK_FALSE(txs[1].transaction_id.has_value());
  CHECK_FALSE(txs[1].stopped);

  REQUIRE_FALSE(s->outbox_ack(other_start.seq, other.tx_key, AckEffects{}));
  std::optional<OutboxMessage> front;
  REQUIRE_FALSE(s->outbox_front(front));
  REQUIRE(front);
  CHECK(front->seq == start.seq);
  CHECK(front->tx_key == rec.tx_key);
  CHECK(front->action == "StartTransaction");

  AckEffects conf;
  conf.set_transaction_id = "4711";
  REQUIRE_FALSE(s->outbox_ack(start.seq, rec.tx_key, conf));
  std::size_t n = 0;
  REQUIRE_FALSE(s->outbox_size(n));
  CHECK(n == 0);
  REQUIRE_FALSE(s->transactions_load(txs));
  REQUIRE(txs.size() == 2);
  CHECK(txs[1].transaction_id == std::optional<std::string>("4711"));
  CHECK_FALSE(txs[0].transaction_id.has_value());

  auto stop = message("StopTransaction", R"({"transactionId":4711})");
  REQUIRE_FALSE(s->transaction_end(rec.tx_key, stop));
  CHECK(stop.tx_key == rec.tx_key);
  CHECK(stop.seq > start.seq);
  REQUIRE_FALSE(s->transactions_load(txs));
  REQUIRE(txs.size() == 2);
  CHECK(txs[1].stopped);
  CHECK_FALSE(txs[0].stopped);
  REQUIRE_FALSE(s->outbox_front(front));
  REQUIRE(front);
  CHECK(front->seq == stop.seq);
  CHECK(front->tx_key == rec.tx_key);

  // Ending an unknown transaction changes nothing.
  auto bogus = message("StopTransaction", "{}");
  CHECK(s->transaction_end(rec.tx_key + 1000, bogus) == Errc::invalid_argument);
  REQUIRE_FALSE(s->outbox_size(n));
  CHECK(n == 1);

  AckEffects stopped;
  stopped.delete_transaction = true;
  REQUIRE_FALSE(s->outbox_ack(stop.seq, rec.tx_key, stopped));
  REQUIRE_FALSE(s->outbox_size(n));
  CHECK(n == 0);
  REQUIRE_FALSE(s->transactions_load(txs));
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].tx_key == other.tx_key);
}

TEMPLATE_TEST_CASE("store: every transaction field and the message protocol round-trip; the "
                   "sequence number moves with the message that used it",
                   "[store]", MemoryFactory, SqliteFactory) {
  TestType factory;
  auto s = factory.make();
  TransactionRecord rec;
  rec.protocol = "ocpp2.0.1";
  rec.evse_id = 2;
  rec.connector_id = 1;
  rec.transaction_id = "f0a1-7c";  // chosen by the charging station in 2.0.1
  rec.seq_no = 1;
  rec.data = R"({"chargingState":"EVConnected"})";  // no id token: started by the cable
  auto started = message("TransactionEvent", R"({"eventType":"Started","seqNo":0})");
  started.protocol = "ocpp2.0.1";
  REQUIRE_FALSE(s->transaction_begin(rec, started));
  auto updated = message("TransactionEvent", R"({"eventType":"Updated","seqNo":1})", true, rec.tx_key);
  updated.protocol = "ocpp2.0.1";
  updated.tx_seq_no = 2;
  REQUIRE_FALSE(s->outbox_append(updated));
  std::vector<TransactionRecord> txs;
  REQUIRE_FALSE(s->transactions_load(txs));
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].protocol == "ocpp2.0.1");
  CHECK(txs[0].evse_id == 2);
  CHECK(txs[0].connector_id == 1);
  CHECK_FALSE(txs[0].id_token.has_value());
  CHECK(txs[0].transaction_id == std::optional<std::string>("f0a1-7c"));
  CHECK(txs[0].seq_no == 2);
  CHECK(txs[0].data == R"({"chargingState":"EVConnected"})");
  auto ended = message("TransactionEvent", R"({"eventType":"Ended","seqNo":2})");
  ended.protocol = "ocpp2.0.1";
  ended.tx_seq_no = 3;
  REQUIRE_FALSE(s->transaction_end(rec.tx_key, ended));
  REQUIRE_FALSE(s->transactions_load(txs));
  CHECK(txs[0].seq_no == 3);
  CHECK(txs[0].stopped);
  std::optional<OutboxMessage> front;
  REQUIRE_FALSE(s->outbox_front(front));
  REQUIRE(front);
  CHECK(front->protocol == "ocpp2.0.1");
}

TEMPLATE_TEST_CASE("store: drop removes the oldest droppable message only", "[store]",
                   MemoryFactory, SqliteFactory) {
  TestType factory;
  auto s = factory.make();

  bool dropped = true;
  REQUIRE_FALSE(s->outbox_drop_oldest_droppable(dropped));
  CHECK_FALSE(dropped);

  auto a = message("StatusNotification", "a");
  auto b = message("MeterValues", "b", true);
  auto c = message("StatusNotification", "c");
  auto d = message("MeterValues", "d", true);
  for (auto* m : {&a, &b, &c, &d}) REQUIRE_FALSE(s->outbox_append(*m));

  REQUIRE_FALSE(s->outbox_drop_oldest_droppable(dropped));
  CHECK(dropped);
  std::size_t n = 0;
  REQUIRE_FALSE(s->outbox_size(n));
  CHECK(n == 3);
  REQUIRE_FALSE(s->outbox_drop_oldest_droppable(dropped));
  CHECK(dropped);
  REQUIRE_FALSE(s->outbox_drop_oldest_droppable(dropped));
  CHECK_FALSE(dropped);

  std::optional<OutboxMessage> front;
  REQUIRE_FALSE(s->outbox_front(front));
  REQUIRE(front);
  CHECK(front->payload == "a");
  CHECK(drain_seqs(*s) == std::vector<std::int64_t>{a.seq, c.seq});
}

TEMPLATE_TEST_CASE("store: outbox_set_attempts updates the message", "[store]", MemoryFactory,
                   SqliteFactory) {
  TestType factory;
  auto s = factory.make();
  auto a = message("BootNotification", "{}");
  auto b = message("Heartbeat", "{}");
  REQUIRE_FALSE(s->outbox_append(a));
  REQUIRE_FALSE(s->outbox_append(b));

  REQUIRE_FALSE(s->outbox_set_attempts(a.seq, 1));
  REQUIRE_FALSE(s->outbox_set_attempts(a.seq, 3));
  std::optional<OutboxMessage> front;
  REQUIRE_FALSE(s->outbox_front(front));
  REQUIRE(front);
  CHECK(front->attempts == 3);

  REQUIRE_FALSE(s->outbox_ack(a.seq, 0, AckEffects{}));
  REQUIRE_FALSE(s->outbox_front(front));
  REQUIRE(front);
  CHECK(front->attempts == 0);  // the other message is untouched
  // A message already gone: nothing to update, not an error.
  CHECK_FALSE(s->outbox_set_attempts(a.seq, 5));
}

TEMPLATE_TEST_CASE("store: kv loads by prefix, overwrites and erases", "[store]", MemoryFactory,
                   SqliteFactory) {
  TestType factory;
  auto s = factory.make();
  using Pairs = std::vector<std::pair<std::string, std::string>>;

  REQUIRE_FALSE(s->kv_set("cfg.HeartbeatInterval", "60"));
  REQUIRE_FALSE(s->kv_set("cfg.AuthorizeRemoteTxRequests", "true"));
  REQUIRE_FALSE(s->kv_set("cfg/", "not under cfg."));
  REQUIRE_FALSE(s->kv_set("avail.1", "Operative"));
  REQUIRE_FALSE(s->kv_set("cf", "short"));

  Pairs out;
  REQUIRE_FALSE(s->kv_load("cfg.", out));
  CHECK(out == Pairs{{"cfg.AuthorizeRemoteTxRequests", "true"}, {"cfg.HeartbeatInterval", "60"}});

  REQUIRE_FALSE(s->kv_set("cfg.HeartbeatInterval", "300"));
  REQUIRE_FALSE(s->kv_load("cfg.Heart", out));
  CHECK(out == Pairs{{"cfg.HeartbeatInterval", "300"}});

  REQUIRE_FALSE(s->kv_erase("cfg.HeartbeatInterval"));
  REQUIRE_FALSE(s->kv_erase("never.set"));
  REQUIRE_FALSE(s->kv_load("cfg.", out));
  CHECK(out == Pairs{{"cfg.AuthorizeRemoteTxRequests", "true"}});

  REQUIRE_FALSE(s->kv_load("", out));
  CHECK(out.size() == 4);
  REQUIRE_FALSE(s->kv_load("zzz", out));
  CHECK(out.empty());

  // Prefixes ending in 0xFF bytes have no simple upper bound; they must still work.
  REQUIRE_FALSE(s->kv_set("\xff\xff", "1"));
  REQUIRE_FALSE(s->kv_set("\xff\xff" "a", "2"));
  REQUIRE_FALSE(s->kv_set("\xfe", "3"));
  REQUIRE_FALSE(s->kv_load("\xff", out));
  CHECK(out == Pairs{{"\xff\xff", "1"}, {"\xff\xff" "a", "2"}});
  REQUIRE_FALSE(s->kv_set("", "empty key"));
  REQUIRE_FALSE(s->kv_set("x", ""));
  REQUIRE_FALSE(s->kv_load("x", out));
  CHECK(out == Pairs{{"x", ""}});
}

// ---------------------------------------------------------------- SQLite only

TEST_CASE("sqlite store: data and counters survive close and reopen", "[store][sqlite]") {
  TempDir dir;
  std::int64_t last_seq = 0;
  std::int64_t tx_key = 0;
  {
    auto s = open_or_fail(dir.file());
    auto a = message("Heartbeat", "{}");
    REQUIRE_FALSE(s->outbox_append(a));
    auto rec = record(1, "TAG");
    auto start = message("StartTransaction", "{\"x\":1}");
    REQUIRE_FALSE(s->transaction_begin(rec, start));
    REQUIRE_FALSE(s->outbox_ack(start.seq, rec.tx_key, AckEffects{std::string("42"), false}));
    REQUIRE_FALSE(s->kv_set("cfg.A", "1"));
    last_seq = start.seq;
    tx_key = rec.tx_key;
  }
  {
    auto s = open_or_fail(dir.file());
    std::size_t n = 0;
    REQUIRE_FALSE(s->outbox_size(n));
    CHECK(n == 1);
    std::vector<TransactionRecord> txs;
    REQUIRE_FALSE(s->transactions_load(txs));
    REQUIRE(txs.size() == 1);
    CHECK(txs[0].tx_key == tx_key);
    CHECK(txs[0].transaction_id == std::optional<std::string>("42"));
    std::vector<std::pair<std::string, std::string>> kv;
    REQUIRE_FALSE(s->kv_load("cfg.", kv));
    CHECK(kv.size() == 1);

    // Empty everything; the counters must still not rewind on the next open.
    drain_seqs(*s);
    REQUIRE_FALSE(s->outbox_ack(0, tx_key, AckEffects{std::nullopt, true}));
  }
  {
    auto s = open_or_fail(dir.file());
    auto b = message("Heartbeat", "{}");
    REQUIRE_FALSE(s->outbox_append(b));
    CHECK(b.seq > last_seq);
    auto rec = record(1, "TAG");
    auto start = message("StartTransaction", "{}");
    REQUIRE_FALSE(s->transaction_begin(rec, start));
    CHECK(rec.tx_key > tx_key);
  }
}

TEST_CASE("sqlite store: a process that dies without closing loses nothing", "[store][sqlite]") {
  TempDir dir;
  const std::string path = dir.file();
  { auto s = open_or_fail(path); }  // create the file with its schema

  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: no Catch2 assertions and no destructors; _exit right after the writes return,
    // as close to pulling the plug as a test can get.
    ocpp::SqliteStoreOptions o;
    o.path = path;
    o.charge_point_id = "CP1";
    auto r = ocpp::open_sqlite_store(o);
    if (!r.ok()) ::_exit(2);
    auto m = message("DataTransfer", "written by the child");
    if (r.value()->outbox_append(m)) ::_exit(3);
    auto rec = record(2, "CHILD");
    auto start = message("StartTransaction", "{}");
    if (r.value()->transaction_begin(rec, start)) ::_exit(4);
    if (r.value()->kv_set("child", "yes")) ::_exit(5);
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);

  auto s = open_or_fail(path);
  std::optional<OutboxMessage> front;
  REQUIRE_FALSE(s->outbox_front(front));
  REQUIRE(front);
  CHECK(front->payload == "written by the child");
  std::size_t n = 0;
  REQUIRE_FALSE(s->outbox_size(n));
  CHECK(n == 2);
  std::vector<TransactionRecord> txs;
  REQUIRE_FALSE(s->transactions_load(txs));
  REQUIRE(txs.size() == 1);
  CHECK(txs[0].id_token == std::optional<std::string>("CHILD"));
  std::vector<std::pair<std::string, std::string>> kv;
  REQUIRE_FALSE(s->kv_load("child", kv));
  CHECK(kv.size() == 1);
}

TEST_CASE("sqlite store: charge points sharing a file see only their own rows",
          "[store][sqlite]") {
  TempDir dir;
  auto a = open_or_fail(dir.file(), "CP-A");
  auto b = open_or_fail(dir.file(), "CP-B");

  auto ma = message("Heartbeat", "from A");
  REQUIRE_FALSE(a->outbox_append(ma));
  auto rb = record(1, "TAG-B");
  auto sb = message("StartTransaction", "from B");
  REQUIRE_FALSE(b->transaction_begin(rb, sb));
  REQUIRE_FALSE(a->kv_set("cfg.X", "A"));
  REQUIRE_FALSE(b->kv_set("cfg.X", "B"));
  // Each charge point has its own counters.
  CHECK(ma.seq == sb.seq);

  std::size_t n = 0;
  REQUIRE_FALSE(a->outbox_size(n));
  CHECK(n == 1);
  std::optional<OutboxMessage> front;
  REQUIRE_FALSE(b->outbox_front(front));
  REQUIRE(front);
  CHECK(front->payload == "from B");

  std::vector<TransactionRecord> txs;
  REQUIRE_FALSE(a->transactions_load(txs));
  CHECK(txs.empty());
  REQUIRE_FALSE(b->transactions_load(txs));
  CHECK(txs.size() == 1);

  std::vector<std::pair<std::string, std::string>> kv;
  REQUIRE_FALSE(a->kv_load("", kv));
  CHECK(kv == std::vector<std::pair<std::string, std::string>>{{"cfg.X", "A"}});

  // A's ack of "its" seq must not remove B's message with the same number.
  REQUIRE_FALSE(a->outbox_ack(ma.seq, 0, AckEffects{}));
  REQUIRE_FALSE(b->outbox_size(n));
  CHECK(n == 1);
  bool dropped = false;
  auto droppable_b = message("MeterValues", "b", true);
  REQUIRE_FALSE(b->outbox_append(droppable_b));
  REQUIRE_FALSE(a->outbox_drop_oldest_droppable(dropped));
  CHECK_FALSE(dropped);
}

TEST_CASE("sqlite store: WAL, synchronous=FULL and schema version", "[store][sqlite]") {
  TempDir dir;
  auto s = open_or_fail(dir.file());
  sqlite3* db = ocpp::detail::sqlite_store_handle(*s);
  REQUIRE(db != nullptr);
  CHECK(query_text(db, "PRAGMA journal_mode") == "wal");
  CHECK(query_text(db, "PRAGMA synchronous") == "2");
  CHECK(query_text(db, "PRAGMA foreign_keys") == "1");
  CHECK(query_text(db, "PRAGMA user_version") == "2");

  auto mem = ocpp::make_memory_store();
  CHECK(ocpp::detail::sqlite_store_handle(*mem) == nullptr);
}

TEST_CASE("sqlite store: a negative schema version is a corrupt file", "[store][sqlite][fuzz]") {
  // Found by fuzzing (fuzz/sqlite_store.cpp): a damaged header with user_version -1 made the
  // migration loop index kMigrations[-1] (undefined behaviour, a crash at best).
  TempDir dir;
  { auto s = open_or_fail(dir.file()); }
  {
    RawDb raw(dir.file());
    raw.exec("PRAGMA user_version = -1");
  }
  CHECK(open_error(dir.file()) == Errc::storage_corrupt);
}

TEST_CASE("sqlite store: a file from a newer library is refused", "[store][sqlite]") {
  TempDir dir;
  { auto s = open_or_fail(dir.file()); }
  {
    RawDb raw(dir.file());
    raw.exec("PRAGMA user_version = 99");
  }
  CHECK(open_error(dir.file()) == Errc::storage_version);
  // And the refusal left the version alone.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(dir.file().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  CHECK(query_text(db, "PRAGMA user_version") == "99");
  sqlite3_close_v2(db);
}

TEST_CASE("sqlite store: a file that is not a database is corrupt", "[store][sqlite]") {
  TempDir dir;
  {
    std::mt19937 rng(12345);
    std::ofstream f(dir.file(), std::ios::binary);
    for (int i = 0; i < 8192; ++i) f.put(static_cast<char>(rng() & 0xff));
  }
  CHECK(open_error(dir.file()) == Errc::storage_corrupt);
}

TEST_CASE("sqlite store: a path in a missing folder is not writable", "[store][sqlite]") {
  TempDir dir;
  CHECK(open_error(dir.file("no/such/folder/store.db")) == Errc::storage_readonly);
  CHECK(open_error("") == Errc::invalid_argument);
}

TEST_CASE("sqlite store: a write blocked by another connection reports storage_locked",
          "[store][sqlite]") {
  TempDir dir;
  auto s = open_or_fail(dir.file(), "CP1", 50);
  auto before = message("Heartbeat", "{}");
  REQUIRE_FALSE(s->outbox_append(before));

  RawDb other(dir.file());
  other.exec("BEGIN EXCLUSIVE");
  CHECK(s->kv_set("k", "v") == Errc::storage_locked);
  auto m = message("Heartbeat", "{}");
  CHECK(s->outbox_append(m) == Errc::storage_locked);
  CHECK(m.seq == 0);  // untouched on failure
  // WAL readers are not blocked by a writer.
  std::size_t n = 0;
  CHECK_FALSE(s->outbox_size(n));
  CHECK(n == 1);
  other.exec("COMMIT");

  REQUIRE_FALSE(s->kv_set("k", "v"));
  REQUIRE_FALSE(s->outbox_append(m));
  CHECK(m.seq > before.seq);
}
