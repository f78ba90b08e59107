// Internal to the library and its tests: not installed, not part of the public API.
#pragma once

#include "ocpp/store.hpp"

struct sqlite3;

namespace ocpp::detail {

/// The (writing) connection behind a SQLite store, or nullptr for any other store.
/// Exists so tests can read per-connection settings (PRAGMA synchronous) that no second
/// connection could observe.
sqlite3* sqlite_store_handle(Store& store) noexcept;

}  // namespace ocpp::detail
