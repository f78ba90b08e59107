// The SQLite store: WAL journal, synchronous=FULL, every write in one SQLite transaction.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "ocpp/error.hpp"
#include "ocpp/store.hpp"

namespace ocpp {

/// Where and how open_sqlite_store() opens the database.
struct SqliteStoreOptions {
  std::string path;             ///< database file; created if missing
  std::string charge_point_id;  ///< rows are keyed by it, so several charge points may share a file
  std::size_t busy_timeout_ms = 2000;  ///< how long to wait for a lock held by another connection
};

/// Opens (creating or migrating) the database for one charge point, on a connection of its
/// own. Errors: Errc::storage_corrupt (not a database, failed integrity check),
/// Errc::storage_locked, Errc::storage_readonly, Errc::storage_version (written by a newer
/// library), Errc::storage_error, Errc::invalid_argument (empty path).
OCPP_API Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteStoreOptions& options);

/// Where and how SqliteDatabase::open() opens the file.
struct SqliteDatabaseOptions {
  std::string path;                    ///< database file; created if missing
  std::size_t busy_timeout_ms = 2000;  ///< how long to wait for a lock held by another process
};

/// One SQLite database shared by the charge points of a process: two connections for all of
/// them, one writing and one reading (a fleet of thousands costs kilobytes per charge point,
/// not a connection each), their writes committed together when they come at the same time
/// (group commit: one fsync for many), each Store method still returning only once its own
/// write is durable, and their reads not waiting for those commits. Thread-safe: the stores
/// may be used from different threads.
class OCPP_API SqliteDatabase {
 public:
  /// Opens (creating or migrating) the file. Errors: as open_sqlite_store().
  static Result<std::shared_ptr<SqliteDatabase>> open(const SqliteDatabaseOptions& options);
  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  /// A Store of one charge point's rows (keyed by its id) in this database; it keeps the
  /// database open. Pass it as ChargePointConfig::store. Errors: Errc::storage_error.
  Result<std::unique_ptr<Store>> store(const std::string& charge_point_id);

  class OCPP_LOCAL Impl;

 private:
  explicit SqliteDatabase(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ocpp
