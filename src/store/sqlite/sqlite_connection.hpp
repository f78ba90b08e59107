// The SQLite connection behind one or more stores: prepared statements, the schema, and the
// writer that commits the writes of several charge points together (group commit).
//
// Internal to the library and its tests.
#pragma once

#include <sqlite3.h>

#include <array>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "ocpp/error.hpp"

namespace ocpp::sqlite {

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
  kTxSetSeqNo,
  kTxLoad,
  kKvSet,
  kKvErase,
  kKvLoadAll,
  kKvLoadRange,
  kSqlCount
};

/// The SQL of each statement, indexed by Sql (schema.cpp).
extern const std::array<const char*, kSqlCount> kSqlText;

std::error_code from_sqlite(int rc) noexcept;
std::string column_string(sqlite3_stmt* s, int col);

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

/// Opens, configures and migrates the file (schema.cpp). Errors: see open_sqlite_store.
std::error_code open_database(const std::string& path, std::size_t busy_timeout_ms, sqlite3*& out);

/// One connection, shared by the stores of the charge points that keep rows in its file.
/// Every use of the connection is serialized; writes wait in a queue and are committed
/// together by whichever writer finds no commit in progress (group commit): one COMMIT, one
/// fsync of the WAL, for all of them, and each write() returns only once its own write is
/// durable. A write that fails is rolled back alone (a savepoint each) and reports its error.
/// With a reader (a second connection to the same file), reads run on it and do not wait for
/// a commit and its fsync: WAL readers see every committed write, and a store's own writes
/// are committed before write() returns, so a store still reads what it wrote.
class Connection {
 public:
  explicit Connection(sqlite3* db, sqlite3* reader = nullptr) noexcept;
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const noexcept { return db_; }

  /// Runs body inside a transaction (shared with other writers); true = an append from an
  /// API call, whose WAL checkpoint threshold is higher (see sqlite_store.cpp).
  std::error_code write(const std::function<std::error_code()>& body, bool append) noexcept;
  /// Runs a read with the connection to itself.
  std::error_code read(const std::function<std::error_code()>& body) noexcept;
  /// Prepared on first use and kept, on the connection the calling write() or read() uses;
  /// nullptr if it cannot be prepared (Use then fails cleanly). Only inside write() or read().
  sqlite3_stmt* stmt(Sql which) noexcept;

 private:
  struct Pending {
    const std::function<std::error_code()>* body;
    bool append;
    std::error_code result;
    bool done = false;
  };
  void commit_batch(std::vector<Pending*>& batch) noexcept;
  std::error_code run(Sql which) noexcept;
  std::error_code exec(const char* sql) noexcept;
  void rollback() noexcept;
  void checkpoint(int threshold) noexcept;

  static constexpr int kCheckpointFrames = 1000;
  static constexpr int kAppendCheckpointFrames = 4000;

  sqlite3* db_;
  std::array<sqlite3_stmt*, kSqlCount> stmts_{};
  sqlite3* reader_;                                      // nullptr: reads use db_
  std::array<sqlite3_stmt*, kSqlCount> reader_stmts_{};  // under read_m_
  std::mutex read_m_;                                    // reader_ and its statements
  int wal_frames_ = 0;  // frames in the WAL after the last commit (from the wal_hook)
  std::mutex db_m_;     // the connection and its statements
  std::mutex queue_m_;  // queue_ and committing_
  std::condition_variable queue_cv_;
  std::vector<Pending*> queue_;
  bool committing_ = false;
};

}  // namespace ocpp::sqlite
