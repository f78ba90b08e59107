// The schema of the SQLite store and how a file is opened: checks, pragmas, migrations.
#include <climits>
#include <iterator>

#include "store/sqlite/sqlite_connection.hpp"

namespace ocpp::sqlite {
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
    // 2: one transaction journal for every protocol version (a string transaction id chosen
    // by either side, EVSE and connector, an optional id token, a per-transaction sequence
    // number, the version's own fields as JSON), and the protocol of each queued message.
    // Everything before was written by OCPP 1.6; its meterStart and startTime move to data
    // (json_object: quoted as JSON whatever a damaged file holds; SQLite 3.38 or later).
    R"sql(
      ALTER TABLE outbox ADD COLUMN protocol TEXT NOT NULL DEFAULT 'ocpp1.6';
      CREATE TABLE transactions_v2(
        cp             TEXT    NOT NULL,
        tx_key         INTEGER NOT NULL,
        protocol       TEXT    NOT NULL,
        evse_id        INTEGER NOT NULL DEFAULT 0,
        connector_id   INTEGER NOT NULL,
        id_token       TEXT,
        transaction_id TEXT,
        seq_no         INTEGER NOT NULL DEFAULT 0,
        stopped        INTEGER NOT NULL DEFAULT 0,
        data           TEXT    NOT NULL DEFAULT '{}',
        PRIMARY KEY(cp, tx_key)
      );
      INSERT INTO transactions_v2(cp, tx_key, protocol, evse_id, connector_id, id_token,
                                  transaction_id, seq_no, stopped, data)
        SELECT cp, tx_key, 'ocpp1.6', 0, connector_id, id_tag, CAST(transaction_id AS TEXT), 0,
               stopped,
               json_object('meterStart', meter_start, 'startTime', start_time)
        FROM transactions;
      DROP TABLE transactions;
      ALTER TABLE transactions_v2 RENAME TO transactions;
    )sql",
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

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

std::error_code configure(sqlite3* db, std::size_t busy_timeout_ms) {
  sqlite3_extended_result_codes(db, 1);
  const auto timeout = busy_timeout_ms > static_cast<std::size_t>(INT_MAX)
                           ? INT_MAX
                           : static_cast<int>(busy_timeout_ms);
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
  // migrations are indexed by it (found by fuzzing damaged files: user_version -1).
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

// Indexed by Sql. The counter upserts also create the charge point's row on first use, so
// opening a file needs no write when the schema is already current.
extern const std::array<const char*, kSqlCount> kSqlText = {
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
    "INSERT INTO counters(cp, last_seq) VALUES(?1, 1) "
    "ON CONFLICT(cp) DO UPDATE SET last_seq = last_seq + 1",
    "INSERT INTO counters(cp, last_tx_key) VALUES(?1, 1) "
    "ON CONFLICT(cp) DO UPDATE SET last_tx_key = last_tx_key + 1",
    "SELECT last_seq, last_tx_key FROM counters WHERE cp = ?1",
    "INSERT INTO outbox(cp, seq, action, payload, tx_key, droppable, attempts, protocol) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    "SELECT seq, action, payload, tx_key, droppable, attempts, protocol FROM outbox "
    "WHERE cp = ?1 ORDER BY seq LIMIT 1",
    "SELECT count(*) FROM outbox WHERE cp = ?1",
    "UPDATE outbox SET attempts = ?3 WHERE cp = ?1 AND seq = ?2",
    "DELETE FROM outbox WHERE cp = ?1 AND seq = ?2",
    "DELETE FROM outbox WHERE cp = ?1 AND seq = "
    "(SELECT min(seq) FROM outbox WHERE cp = ?1 AND droppable = 1)",
    "INSERT INTO transactions(cp, tx_key, protocol, evse_id, connector_id, id_token, "
    "transaction_id, seq_no, stopped, data) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    "UPDATE transactions SET transaction_id = ?3 WHERE cp = ?1 AND tx_key = ?2",
    "DELETE FROM transactions WHERE cp = ?1 AND tx_key = ?2",
    "UPDATE transactions SET stopped = 1 WHERE cp = ?1 AND tx_key = ?2",
    "UPDATE transactions SET seq_no = ?3 WHERE cp = ?1 AND tx_key = ?2",
    "SELECT tx_key, protocol, evse_id, connector_id, id_token, transaction_id, seq_no, stopped, "
    "data FROM transactions WHERE cp = ?1 ORDER BY tx_key",
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

std::error_code open_database(const std::string& path, std::size_t busy_timeout_ms, sqlite3*& out) {
  out = nullptr;
  sqlite3* raw = nullptr;
  // FULLMUTEX: the connection may be used from the threads of several charge points (their
  // uses are serialized by Connection, this is the belt to those braces).
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    // A missing folder or no write permission comes back as SQLITE_CANTOPEN/READONLY/PERM,
    // which from_sqlite reports as storage_readonly.
    sqlite3_close_v2(raw);
    return from_sqlite(rc);
  }
  // Lookaside buffers (about 120 KiB a connection) speed up statement compilation, which
  // the store does once per statement; they must be turned off before first use.
  sqlite3_db_config(raw, SQLITE_DBCONFIG_LOOKASIDE, nullptr, 0, 0);
  if (auto ec = configure(raw, busy_timeout_ms)) {
    sqlite3_close_v2(raw);
    return ec;
  }
  out = raw;
  return {};
}

}  // namespace ocpp::sqlite
