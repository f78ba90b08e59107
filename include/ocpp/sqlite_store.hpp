// The SQLite store: WAL journal, synchronous=FULL, every write in one SQLite transaction.
#pragma once

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

/// Opens (creating or migrating) the database. Errors: Errc::storage_corrupt (not a database,
/// failed integrity check), Errc::storage_locked, Errc::storage_readonly, Errc::storage_version
/// (written by a newer library), Errc::storage_error.
OCPP_API Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteStoreOptions& options);

}  // namespace ocpp
