// The SQLite Store: one charge point's rows in a database file, through a connection it may
// share with the other charge points of the process (SqliteDatabase; there a second
// connection serves the reads, sqlite_connection.hpp).
//
// Durability: WAL with synchronous=FULL makes a COMMIT durable with a single fsync of the WAL,
// so every write method is one BEGIN IMMEDIATE ... COMMIT (shared by the writes of several
// charge points when they come together: group commit, sqlite_connection.hpp) and nothing
// else that syncs.
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
#include <typeinfo>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/sqlite_connection.hpp"
#include "store/sqlite/sqlite_store_internal.hpp"

namespace ocpp {
// In ocpp::sqlite, whose statement names (kOutboxInsert, ...) and helpers it uses unqualified.
namespace sqlite {
namespace {

// One charge point's rows, through a connection it may share with other charge points.
class SqliteStore final : public Store {
 public:
  SqliteStore(std::shared_ptr<Connection> conn, std::string cp) noexcept
      : conn_(std::move(conn)), cp_(std::move(cp)) {}

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  sqlite3* handle() const noexcept { return conn_->handle(); }

  std::error_code outbox_append(OutboxMessage& msg) override {
    std::int64_t seq = 0;
    auto ec = conn_->write([&] { return insert_message(msg, msg.tx_key, seq); }, true);
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
      m.protocol = column_string(u.get(), 6);
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
        b(u.bind(3, *effects.set_transaction_id));
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
      any = sqlite3_changes(conn_->handle()) > 0;
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
        b(u.bind(3, rec.protocol));
        b(u.bind(4, static_cast<std::int64_t>(rec.evse_id)));
        b(u.bind(5, static_cast<std::int64_t>(rec.connector_id)));
        b(rec.id_token ? u.bind(6, *rec.id_token) : u.bind_null(6));
        b(rec.transaction_id ? u.bind(7, *rec.transaction_id) : u.bind_null(7));
        b(u.bind(8, rec.seq_no));
        b(u.bind(9, static_cast<std::int64_t>(rec.stopped ? 1 : 0)));
        b(u.bind(10, rec.data));
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
      if (sqlite3_changes(conn_->handle()) == 0) return make_error_code(Errc::invalid_argument);
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
        r.protocol = column_string(u.get(), 1);
        r.evse_id = sqlite3_column_int(u.get(), 2);
        r.connector_id = sqlite3_column_int(u.get(), 3);
        if (sqlite3_column_type(u.get(), 4) != SQLITE_NULL) r.id_token = column_string(u.get(), 4);
        if (sqlite3_column_type(u.get(), 5) != SQLITE_NULL) r.transaction_id = column_string(u.get(), 5);
        r.seq_no = sqlite3_column_int64(u.get(), 6);
        r.stopped = sqlite3_column_int(u.get(), 7) != 0;
        r.data = column_string(u.get(), 8);
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
  sqlite3_stmt* stmt(Sql which) noexcept { return conn_->stmt(which); }

  template <class F>
  std::error_code guarded(F&& f) noexcept {
    return conn_->read(std::forward<F>(f));
  }

  // Each Store method is one write: atomic, and durable when it returns.
  template <class F>
  std::error_code write(F&& body) noexcept {
    return conn_->write(std::forward<F>(body), false);
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
    b(u.bind(8, msg.protocol));
    if (b.rc != SQLITE_OK) return from_sqlite(b.rc);
    if (auto ec = from_sqlite(u.step())) return ec;
    if (tx_key == 0 || msg.tx_seq_no <= 0) return {};
    // The transaction's sequence number moves with the message that used it.
    Use t(stmt(kTxSetSeqNo));
    Binder tb;
    tb(t.bind(1, cp_));
    tb(t.bind(2, tx_key));
    tb(t.bind(3, msg.tx_seq_no));
    if (tb.rc != SQLITE_OK) return from_sqlite(tb.rc);
    return from_sqlite(t.step());
  }

  std::shared_ptr<Connection> conn_;
  std::string cp_;
};

}  // namespace
}  // namespace sqlite

using sqlite::SqliteStore;

class SqliteDatabase::Impl {
 public:
  std::shared_ptr<sqlite::Connection> conn;
};

SqliteDatabase::SqliteDatabase(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteDatabase::~SqliteDatabase() = default;

namespace {

// with_reader: a second connection for the reads, so that the reads of many charge points do
// not wait behind the commits (and fsyncs) of the others; worth its three descriptors and its
// page cache only when charge points share the file.
Result<std::shared_ptr<sqlite::Connection>> open_connection(const SqliteDatabaseOptions& options,
                                                            bool with_reader) {
  // An empty path would give a private temporary database: nothing durable, so refuse it.
  if (options.path.empty()) return make_error_code(Errc::invalid_argument);
  try {
    sqlite3* raw = nullptr;
    if (auto ec = sqlite::open_database(options.path, options.busy_timeout_ms, raw)) return ec;
    sqlite3* reader = nullptr;
    if (with_reader) {
      if (auto ec = sqlite::open_database(options.path, options.busy_timeout_ms, reader)) {
        sqlite3_close_v2(raw);
        return ec;
      }
    }
    try {
      return std::make_shared<sqlite::Connection>(raw, reader);
    } catch (...) {
      sqlite3_close_v2(reader);
      sqlite3_close_v2(raw);
      throw;
    }
  } catch (...) {
    return make_error_code(Errc::storage_error);
  }
}

}  // namespace

Result<std::shared_ptr<SqliteDatabase>> SqliteDatabase::open(const SqliteDatabaseOptions& options) {
  auto conn = open_connection(options, true);
  if (!conn) return conn.error();
  try {
    auto impl = std::make_unique<Impl>();
    impl->conn = std::move(conn.value());
    return std::shared_ptr<SqliteDatabase>(new SqliteDatabase(std::move(impl)));
  } catch (...) {
    return make_error_code(Errc::storage_error);
  }
}

Result<std::unique_ptr<Store>> SqliteDatabase::store(const std::string& charge_point_id) {
  try {
    return std::unique_ptr<Store>(std::make_unique<SqliteStore>(impl_->conn, charge_point_id));
  } catch (...) {
    return make_error_code(Errc::storage_error);
  }
}

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteStoreOptions& options) {
  SqliteDatabaseOptions o;
  o.path = options.path;
  o.busy_timeout_ms = options.busy_timeout_ms;
  // A file of its own: one charge point's reads and writes do not overlap, one connection.
  auto conn = open_connection(o, false);
  if (!conn) return conn.error();
  try {
    return std::unique_ptr<Store>(
        std::make_unique<SqliteStore>(std::move(conn.value()), options.charge_point_id));
  } catch (...) {
    return make_error_code(Errc::storage_error);
  }
}

namespace detail {

sqlite3* sqlite_store_handle(Store& store) noexcept {
  if (typeid(store) != typeid(SqliteStore)) return nullptr;
  return static_cast<SqliteStore&>(store).handle();
}

}  // namespace detail
}  // namespace ocpp
