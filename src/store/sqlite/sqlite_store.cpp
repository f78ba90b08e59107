// The SQLite Store.
//
// Durability: WAL with synchronous=FULL makes a COMMIT durable with a single fsync of the WAL,
// so every write method is one BEGIN IMMEDIATE ... COMMIT and nothing else that syncs.
//
// Checkpoints: SQLite's automatic checkpoint would run inside whichever commit crosses 1000
// WAL frames, adding syncs to that call. Appends are made on the firmware's thread inside an
// API call, so the store checkpoints itself instead (a wal_hook replaces the automatic one):
// after the writes of the library thread (acknowledgements, attempts, configuration) once the
// WAL holds 1000 frames, and after an append only when the WAL has grown past 4000 frames
// (about 16 MB), which bounds the file while the CSMS stays unreachable. An append therefore
// syncs exactly once except, offline, about one in every 1300.
//
// Memory: a charger or a fleet simulator keeps many stores open, so the connection is kept
// small: no lookaside buffers, a 32 KiB page cache, statements prepared on first use.
//
// BEGIN IMMEDIATE (not DEFERRED) takes the write lock up front, so a competing writer makes us
// wait in the busy handler and fail cleanly with SQLITE_BUSY rather than fail half-way through
// a transaction with a snapshot that cannot be upgraded.
#include "ocpp/sqlite_store.hpp"

#include <sqlite3.h>

#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/sqlite_store_internal.hpp"

namespace ocpp {
namespace {

// Schema migrations: entry i takes user_version i to i+1. Released entries are never edited
// (files in the field already ran them); a schema change is a new entry appended at the end.
constexpr const char* kMigrations[] = {
    // 1: initial schema. Every table leads with cp so several charge points share one file
    // and each store touches only its own rows through the primary-key prefix.
    R"sql(
      CREATE TABLE counters(
        cp          TEXT    NOT NULL PRIMARY KEY,
        last_seq    INTEGER NOT NULL DEFAULT 0,
        last_tx_key INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE outbox(
        cp        TEXT    NOT NULL,
        seq       INTEGER NOT NULL,
        action    TEXT    NOT NULL,
        payload   TEXT    NOT NULL,
        tx_key    INTEGER NOT NULL DEFAULT 0,
        droppable INTEGER NOT NULL DEFAULT 0,
        attempts  INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY(cp, seq)
      );
      CREATE INDEX outbox_droppable ON outbox(cp, droppable, seq);
      CREATE TABLE transactions(
        cp             TEXT    NOT NULL,
        tx_key         INTEGER NOT NULL,
        connector_id   INTEGER NOT NULL,
        id_tag         TEXT    NOT NULL,
        meter_start    INTEGER NOT NULL,
        start_time     TEXT    NOT NULL,
        transaction_id INTEGER,
        stopped        INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY(cp, tx_key)
      );
      CREATE TABLE kv(
        cp    TEXT NOT NULL,
        key   TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY(cp, key)
      );
    )sql",
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

enum Sql : std::size_t {
  kBegin,
  kCommit,
  kRollback,
  kBumpSeq,
  kBumpTxKey,
  kReadCounters,
  kOutboxInsert,
  kOutboxFront,
  kOutboxCount,
  kOutboxSetAttempts,
  kOutboxDelete,
  kOutboxDropDroppable,
  kTxInsert,
  kTxSetId,
  kTxDelete,
  kTxStop,
  kTxLoad,
  kKvSet,
  kKvErase,
  kKvLoadAll,
  kKvLoadRange,
  kSqlCount
};

// Indexed by Sql. The counter upserts also create the charge point's row on first use, so
// opening a file needs no write when the schema is already current.
constexpr std::array<const char*, kSqlCount> kSqlText = {
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
    "INSERT INTO counters(cp, last_seq) VALUES(?1, 1) "
    "ON CONFLICT(cp) DO UPDATE SET last_seq = last_seq + 1",
    "INSERT INTO counters(cp, last_tx_key) VALUES(?1, 1) "
    "ON CONFLICT(cp) DO UPDATE SET last_tx_key = last_tx_key + 1",
    "SELECT last_seq, last_tx_key FROM counters WHERE cp = ?1",
    "INSERT INTO outbox(cp, seq, action, payload, tx_key, droppable, attempts) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    "SELECT seq, action, payload, tx_key, droppable, attempts FROM outbox "
    "WHERE cp = ?1 ORDER BY seq LIMIT 1",
    "SELECT count(*) FROM outbox WHERE cp = ?1",
    "UPDATE outbox SET attempts = ?3 WHERE cp = ?1 AND seq = ?2",
    "DELETE FROM outbox WHERE cp = ?1 AND seq = ?2",
    "DELETE FROM outbox WHERE cp = ?1 AND seq = "
    "(SELECT min(seq) FROM outbox WHERE cp = ?1 AND droppable = 1)",
    "INSERT INTO transactions(cp, tx_key, connector_id, id_tag, meter_start, start_time, "
    "transaction_id, stopped) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    "UPDATE transactions SET transaction_id = ?3 WHERE cp = ?1 AND tx_key = ?2",
    "DELETE FROM transactions WHERE cp = ?1 AND tx_key = ?2",
    "UPDATE transactions SET stopped = 1 WHERE cp = ?1 AND tx_key = ?2",
    "SELECT tx_key, connector_id, id_tag, meter_start, start_time, transaction_id, stopped "
    "FROM transactions WHERE cp = ?1 ORDER BY tx_key",
    "INSERT INTO kv(cp, key, value) VALUES(?1, ?2, ?3) "
    "ON CONFLICT(cp, key) DO UPDATE SET value = excluded.value",
    "DELETE FROM kv WHERE cp = ?1 AND key = ?2",
    "SELECT key, value FROM kv WHERE cp = ?1 AND key >= ?2 ORDER BY key",
    "SELECT key, value FROM kv WHERE cp = ?1 AND key >= ?2 AND key < ?3 ORDER BY key",
};

std::error_code from_sqlite(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return {};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return make_error_code(Errc::storage_locked);
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return make_error_code(Errc::storage_readonly);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return make_error_code(Errc::storage_corrupt);
    default:
      return make_error_code(Errc::storage_error);
  }
}

std::string column_string(sqlite3_stmt* s, int col) {
  const auto* p = static_cast<const char*>(static_cast<const void*>(sqlite3_column_text(s, col)));
  if (p == nullptr) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, col)));
}

// A cached statement lent out for one use. Resetting on scope exit matters beyond hygiene:
// a SELECT left mid-step keeps its read snapshot open, which pins the WAL and blocks
// checkpoints for every connection to the file.
class Use {
 public:
  explicit Use(sqlite3_stmt* s) noexcept : s_(s) {}
  ~Use() {
    if (s_ == nullptr) return;
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;

  sqlite3_stmt* get() const noexcept { return s_; }

  // Text is bound without copying: every caller's strings outlive the Use.
  int bind(int idx, const std::string& v) noexcept {
    if (s_ == nullptr) return SQLITE_ERROR;
    if (v.size() > static_cast<std::size_t>(INT_MAX)) return SQLITE_TOOBIG;
    return sqlite3_bind_text(s_, idx, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  int bind(int idx, std::int64_t v) noexcept {
    return s_ == nullptr ? SQLITE_ERROR : sqlite3_bind_int64(s_, idx, v);
  }
  int bind_null(int idx) noexcept { return s_ == nullptr ? SQLITE_ERROR : sqlite3_bind_null(s_, idx); }

  int step() noexcept { return s_ == nullptr ? SQLITE_ERROR : sqlite3_step(s_); }

 private:
  sqlite3_stmt* s_;
};

// Collects the first failing SQLite result code of a sequence of binds.
struct Binder {
  int rc = SQLITE_OK;
  void operator()(int r) noexcept {
    if (rc == SQLITE_OK && r != SQLITE_OK) rc = r;
  }
};

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite3* db, std::string cp) noexcept : db_(db), cp_(std::move(cp)) {}

  ~SqliteStore() override {
    for (auto*& s : stmts_) {
      sqlite3_finalize(s);
      s = nullptr;
    }
    sqlite3_close_v2(db_);
  }

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  sqlite3* handle() const noexcept { return db_; }

  void install_wal_hook() noexcept {
    sqlite3_wal_hook(
        db_,
        [](void* self, sqlite3*, const char*, int frames) {
          static_cast<SqliteStore*>(self)->wal_frames_ = frames;
          return SQLITE_OK;
        },
        this);
  }

  std::error_code outbox_append(OutboxMessage& msg) override {
    std::int64_t seq = 0;
    auto ec = write([&] { return insert_message(msg, msg.tx_key, seq); }, kAppendCheckpointFrames);
    if (!ec) msg.seq = seq;
    return ec;
  }

  std::error_code outbox_front(std::optional<OutboxMessage>& out) override {
    return guarded([&]() -> std::error_code {
      Use u(stmt(kOutboxFront));
      if (int rc = u.bind(1, cp_); rc != SQLITE_OK) return from_sqlite(rc);
      int rc = u.step();
      if (rc == SQLITE_DONE) {
        out.reset();
        return {};
      }
      if (rc != SQLITE_ROW) return from_sqlite(rc);
      OutboxMessage m;
      m.seq = sqlite3_column_int64(u.get(), 0);
      m.action = column_string(u.get(), 1);
      m.payload = column_string(u.get(), 2);
      m.tx_key = sqlite3_column_int64(u.get(), 3);
      m.droppable = sqlite3_column_int(u.get(), 4) != 0;
      m.attempts = sqlite3_column_int(u.get(), 5);
      out = std::move(m);
      return {};
    });
  }

  std::error_code outbox_size(std::size_t& out) override {
    return guarded([&]() -> std::error_code {
      Use u(stmt(kOutboxCount));
      if (int rc = u.bind(1, cp_); rc != SQLITE_OK) return from_sqlite(rc);
      int rc = u.step();
      if (rc != SQLITE_ROW) return from_sqlite(rc == SQLITE_DONE ? SQLITE_ERROR : rc);
      out = static_cast<std::size_t>(sqlite3_column_int64(u.get(), 0));
      return {};
    });
  }

  std::error_code outbox_set_attempts(std::int64_t seq, int attempts) override {
    return write([&]() -> std::error_code {
      Use u(stmt(kOutboxSetAttempts));
      Binder b;
      b(u.bind(1, cp_));
      b(u.bind(2, seq));
      b(u.bind(3, static_cast<std::int64_t>(attempts)));
      if (b.rc != SQLITE_OK) return from_sqlite(b.rc);
      return from_sqlite(u.step());
    });
  }

  std::error_code outbox_ack(std::int64_t seq, std::int64_t tx_key, const AckEffects& effects) override {
    return write([&]() -> std::error_code {
      if (auto ec = run_keyed(kOutboxDelete, seq)) return ec;
      if (tx_key == 0) return {};
      if (effects.set_transaction_id) {
        Use u(stmt(kTxSetId));
        Binder b;
        b(u.bind(1, cp_));
        b(u.bind(2, tx_key));
        b(u.bind(3, static_cast<std::int64_t>(*effects.set_transaction_id)));
        if (b.rc != SQLITE_OK) return from_sqlite(b.rc);
        if (auto ec = from_sqlite(u.step())) return ec;
      }
      if (effects.delete_transaction) {
        if (auto ec = run_keyed(kTxDelete, tx_key)) return ec;
      }
      return {};
    });
  }

  std::error_code outbox_drop_oldest_droppable(bool& dropped) override {
    bool any = false;
    auto ec = write([&]() -> std::error_code {
      Use u(stmt(kOutboxDropDroppable));
      if (int rc = u.bind(1, cp_); rc != SQLITE_OK) return from_sqlite(rc);
      if (auto e = from_sqlite(u.step())) return e;
      any = sqlite3_changes(db_) > 0;
      return {};
    });
    dropped = !ec && any;
    return ec;
  }

  std::error_code transaction_begin(TransactionRecord& rec, OutboxMessage& start_msg) override {
    std::int64_t tx_key = 0;
    std::int64_t seq = 0;
    auto ec = write([&]() -> std::error_code {
      if (auto e = bump(kBumpTxKey, 1, tx_key)) return e;
      {
        Use u(stmt(kTxInsert));
        Binder b;
        b(u.bind(1, cp_));
        b(u.bind(2, tx_key));
        b(u.bind(3, static_cast<std::int64_t>(rec.connector_id)));
        b(u.bind(4, rec.id_tag));
        b(u.bind(5, static_cast<std::int64_t>(rec.meter_start)));
        b(u.bind(6, rec.start_time));
        b(rec.transaction_id ? u.bind(7, static_cast<std::int64_t>(*rec.transaction_id))
                             : u.bind_null(7));
        b(u.bind(8, static_cast<std::int64_t>(rec.stopped ? 1 : 0)));
        if (b.rc != SQLITE_OK) return from_sqlite(b.rc);
        if (auto e = from_sqlite(u.step())) return e;
      }
      return insert_message(start_msg, tx_key, seq);
    });
    if (!ec) {
      rec.tx_key = tx_key;
      start_msg.tx_key = tx_key;
      start_msg.seq = seq;
    }
    return ec;
  }

  std::error_code transaction_end(std::int64_t tx_key, OutboxMessage& stop_msg) override {
    std::int64_t seq = 0;
    auto ec = write([&]() -> std::error_code {
      if (auto e = run_keyed(kTxStop, tx_key)) return e;
      if (sqlite3_changes(db_) == 0) return make_error_code(Errc::invalid_argument);
      return insert_message(stop_msg, tx_key, seq);
    });
    if (!ec) {
      stop_msg.tx_key = tx_key;
      stop_msg.seq = seq;
    }
    return ec;
  }

  std::error_code transactions_load(std::vector<TransactionRecord>& out) override {
    return guarded([&]() -> std::error_code {
      Use u(stmt(kTxLoad));
      if (int rc = u.bind(1, cp_); rc != SQLITE_OK) return from_sqlite(rc);
      std::vector<TransactionRecord> v;
      int rc;
      while ((rc = u.step()) == SQLITE_ROW) {
        TransactionRecord r;
        r.tx_key = sqlite3_column_int64(u.get(), 0);
        r.connector_id = sqlite3_column_int(u.get(), 1);
        r.id_tag = column_string(u.get(), 2);
        r.meter_start = sqlite3_column_int(u.get(), 3);
        r.start_time = column_string(u.get(), 4);
        if (sqlite3_column_type(u.get(), 5) != SQLITE_NULL) {
          r.transaction_id = sqlite3_column_int(u.get(), 5);
        }
        r.stopped = sqlite3_column_int(u.get(), 6) != 0;
        v.push_back(std::move(r));
      }
      if (rc != SQLITE_DONE) return from_sqlite(rc);
      out = std::move(v);
      return {};
    });
  }

  std::error_code kv_set(const std::string& key, const std::string& value) override {
    return write([&]() -> std::error_code {
      Use u(stmt(kKvSet));
      Binder b;
      b(u.bind(1, cp_));
      b(u.bind(2, key));
      b(u.bind(3, value));
      if (b.rc != SQLITE_OK) return from_sqlite(b.rc);
      return from_sqlite(u.step());
    });
  }

  std::error_code kv_erase(const std::string& key) override {
    return write([&]() -> std::error_code {
      Use u(stmt(kKvErase));
      Binder b;
      b(u.bind(1, cp_));
      b(u.bind(2, key));
      if (b.rc != SQLITE_OK) return from_sqlite(b.rc);
      return from_sqlite(u.step());
    });
  }

  std::error_code kv_load(const std::string& prefix,
                          std::vector<std::pair<std::string, std::string>>& out) override {
    return guarded([&]() -> std::error_code {
      // A key range instead of LIKE/substr: exact on arbitrary bytes (BINARY collation is
      // memcmp) and served by the primary-key index. The upper bound is the smallest string
      // greater than every string with the prefix; a prefix of only 0xFF bytes has none.
      std::string upper = prefix;
      while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xFF) upper.pop_back();
      if (!upper.empty()) {
        upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
      }
      Use u(stmt(upper.empty() ? kKvLoadAll : kKvLoadRange));
      Binder b;
      b(u.bind(1, cp_));
      b(u.bind(2, prefix));
      if (!upper.empty()) b(u.bind(3, upper));
      if (b.rc != SQLITE_OK) return from_sqlite(b.rc);
      std::vector<std::pair<std::string, std::string>> v;
      int rc;
      while ((rc = u.step()) == SQLITE_ROW) {
        v.emplace_back(column_string(u.get(), 0), column_string(u.get(), 1));
      }
      if (rc != SQLITE_DONE) return from_sqlite(rc);
      out = std::move(v);
      return {};
    });
  }

 private:
  // Prepared on first use and kept; nullptr if it cannot be prepared (Use then fails cleanly).
  sqlite3_stmt* stmt(Sql which) noexcept {
    if (stmts_[which] == nullptr)
      sqlite3_prepare_v3(db_, kSqlText[which], -1, SQLITE_PREPARE_PERSISTENT, &stmts_[which], nullptr);
    return stmts_[which];
  }

  template <class F>
  static std::error_code guarded(F&& f) noexcept {
    try {
      return f();
    } catch (...) {
      return make_error_code(Errc::storage_error);
    }
  }

  // Runs body inside BEGIN IMMEDIATE ... COMMIT; any error (or exception) rolls it all back,
  // which is what makes each Store method atomic.
  template <class F>
  std::error_code write(F&& body, int checkpoint_at = kCheckpointFrames) noexcept {
    std::error_code ec;
    try {
      ec = run(kBegin);
      if (ec) return ec;
      ec = body();
      if (!ec) ec = run(kCommit);
    } catch (...) {
      ec = make_error_code(Errc::storage_error);
    }
    if (ec) {
      rollback();
      return ec;
    }
    if (wal_frames_ >= checkpoint_at) {
      // PASSIVE: never waits for readers; what it cannot copy now is copied next time.
      int log = 0, copied = 0;
      if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) == SQLITE_OK &&
          copied == log)
        wal_frames_ = 0;
    }
    return ec;
  }

  static constexpr int kCheckpointFrames = 1000;
  static constexpr int kAppendCheckpointFrames = 4000;

  void rollback() noexcept {
    // Some errors (I/O, full disk) make SQLite roll back by itself; a second ROLLBACK would
    // only fail, so issue one only while a transaction is still open.
    if (sqlite3_get_autocommit(db_) == 0) {
      Use u(stmt(kRollback));
      u.step();
    }
  }

  std::error_code run(Sql which) noexcept {
    Use u(stmt(which));
    return from_sqlite(u.step());
  }

  // Runs a statement whose parameters are (cp, key).
  std::error_code run_keyed(Sql which, std::int64_t key) noexcept {
    Use u(stmt(which));
    Binder b;
    b(u.bind(1, cp_));
    b(u.bind(2, key));
    if (b.rc != SQLITE_OK) return from_sqlite(b.rc);
    return from_sqlite(u.step());
  }

  // Advances one of this charge point's counters and returns its new value. The counters
  // live in their own table so a key is never handed out twice, whatever rows are deleted.
  std::error_code bump(Sql which, int column, std::int64_t& out) noexcept {
    {
      Use u(stmt(which));
      if (int rc = u.bind(1, cp_); rc != SQLITE_OK) return from_sqlite(rc);
      if (auto ec = from_sqlite(u.step())) return ec;
    }
    Use u(stmt(kReadCounters));
    if (int rc = u.bind(1, cp_); rc != SQLITE_OK) return from_sqlite(rc);
    int rc = u.step();
    if (rc != SQLITE_ROW) return from_sqlite(rc == SQLITE_DONE ? SQLITE_ERROR : rc);
    out = sqlite3_column_int64(u.get(), column);
    return {};
  }

  // Inserts msg under a fresh seq; only called inside write().
  std::error_code insert_message(const OutboxMessage& msg, std::int64_t tx_key,
                                 std::int64_t& seq) noexcept {
    if (auto ec = bump(kBumpSeq, 0, seq)) return ec;
    Use u(stmt(kOutboxInsert));
    Binder b;
    b(u.bind(1, cp_));
    b(u.bind(2, seq));
    b(u.bind(3, msg.action));
    b(u.bind(4, msg.payload));
    b(u.bind(5, tx_key));
    b(u.bind(6, static_cast<std::int64_t>(msg.droppable ? 1 : 0)));
    b(u.bind(7, static_cast<std::int64_t>(msg.attempts)));
    if (b.rc != SQLITE_OK) return from_sqlite(b.rc);
    return from_sqlite(u.step());
  }

  sqlite3* db_;
  std::string cp_;
  std::array<sqlite3_stmt*, kSqlCount> stmts_{};
  int wal_frames_ = 0;  // frames in the WAL after the last commit (from the wal_hook)
};

// Reads a single-integer PRAGMA (or any one-row, one-column query).
std::error_code query_int(sqlite3* db, const char* sql, std::int64_t& out) noexcept {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &s, nullptr);
  if (rc != SQLITE_OK) return from_sqlite(rc);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) out = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW) return from_sqlite(rc == SQLITE_DONE ? SQLITE_ERROR : rc);
  return {};
}

std::error_code query_text(sqlite3* db, const char* sql, std::string& out) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &s, nullptr);
  if (rc != SQLITE_OK) return from_sqlite(rc);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) out = column_string(s, 0);
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW) return from_sqlite(rc == SQLITE_DONE ? SQLITE_ERROR : rc);
  return {};
}

std::error_code exec(sqlite3* db, const char* sql) noexcept {
  return from_sqlite(sqlite3_exec(db, sql, nullptr, nullptr, nullptr));
}

// Brings the schema to kSchemaVersion. The version is re-read under the write lock because
// another process sharing the file may have migrated it since we last looked.
std::error_code migrate(sqlite3* db) {
  if (auto ec = exec(db, "BEGIN IMMEDIATE")) return ec;
  std::error_code ec;
  std::int64_t version = 0;
  ec = query_int(db, "PRAGMA user_version", version);
  if (!ec && version > kSchemaVersion) ec = make_error_code(Errc::storage_version);
  if (!ec && version < 0) ec = make_error_code(Errc::storage_corrupt);
  for (std::int64_t v = version; !ec && v < kSchemaVersion; ++v) {
    ec = exec(db, kMigrations[v]);
  }
  if (!ec && version < kSchemaVersion) {
    const std::string set = "PRAGMA user_version = " + std::to_string(kSchemaVersion);
    ec = exec(db, set.c_str());
  }
  if (!ec) ec = exec(db, "COMMIT");
  if (ec && sqlite3_get_autocommit(db) == 0) exec(db, "ROLLBACK");
  return ec;
}

std::error_code configure(sqlite3* db, const SqliteStoreOptions& options) {
  sqlite3_extended_result_codes(db, 1);
  const auto timeout = options.busy_timeout_ms > static_cast<std::size_t>(INT_MAX)
                           ? INT_MAX
                           : static_cast<int>(options.busy_timeout_ms);
  if (auto ec = from_sqlite(sqlite3_busy_timeout(db, timeout))) return ec;
  // SQLite quietly opens a write-protected file read-only; we could never write, so say so now.
  if (sqlite3_db_readonly(db, "main") == 1) return make_error_code(Errc::storage_readonly);

  // quick_check is the first statement to read the file, so a file that is not a database
  // surfaces here as SQLITE_NOTADB.
  std::string check;
  if (auto ec = query_text(db, "PRAGMA quick_check", check)) return ec;
  if (check != "ok") return make_error_code(Errc::storage_corrupt);

  // Refuse a newer schema before changing anything in the file (journal mode included).
  std::int64_t version = 0;
  if (auto ec = query_int(db, "PRAGMA user_version", version)) return ec;
  if (version > kSchemaVersion) return make_error_code(Errc::storage_version);
  // The header field is a signed 32-bit integer; no library writes a negative one, and the
  // migrations are indexed by it.
  if (version < 0) return make_error_code(Errc::storage_corrupt);

  if (auto ec = exec(db, "PRAGMA cache_size = -32")) return ec;
  std::string mode;
  if (auto ec = query_text(db, "PRAGMA journal_mode = WAL", mode)) return ec;
  if (mode != "wal") return make_error_code(Errc::storage_error);
  if (auto ec = exec(db, "PRAGMA synchronous = FULL")) return ec;
  if (auto ec = exec(db, "PRAGMA foreign_keys = ON")) return ec;

  if (version < kSchemaVersion) return migrate(db);
  return {};
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteStoreOptions& options) {
  // An empty path would give a private temporary database: nothing durable, so refuse it.
  if (options.path.empty()) return make_error_code(Errc::invalid_argument);
  try {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(options.path.c_str(), &raw,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
      // A missing folder or no write permission comes back as SQLITE_CANTOPEN/READONLY/PERM,
      // which from_sqlite reports as storage_readonly.
      sqlite3_close_v2(raw);
      return from_sqlite(rc);
    }
    // The store owns the connection from here (its destructor finalizes and closes), so
    // every later error return releases it.
    std::unique_ptr<SqliteStore> store;
    try {
      store = std::make_unique<SqliteStore>(raw, options.charge_point_id);
    } catch (...) {
      sqlite3_close_v2(raw);
      throw;
    }
    // Lookaside buffers (about 120 KiB a connection) speed up statement compilation, which
    // this store does once per statement; they must be turned off before first use.
    sqlite3_db_config(raw, SQLITE_DBCONFIG_LOOKASIDE, nullptr, 0, 0);
    if (auto ec = configure(raw, options)) return ec;
    store->install_wal_hook();
    return std::unique_ptr<Store>(std::move(store));
  } catch (...) {
    return make_error_code(Errc::storage_error);
  }
}

namespace detail {

sqlite3* sqlite_store_handle(Store& store) noexcept {
  auto* s = dynamic_cast<SqliteStore*>(&store);
  return s != nullptr ? s->handle() : nullptr;
}

}  // namespace detail
}  // namespace ocpp
