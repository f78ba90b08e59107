// A map of string values persisted in the Store's key/value rows, one row per entry, bounded
// in entries and bytes, that forgets its least recently used entries when a new one does not
// fit. Version-neutral: the OCPP 2.0.1 Authorization Cache keeps its entries in one (C10.FR.07).
//
// Each row is "<use counter> <value>": the order of use survives a restart, so the entry
// evicted after a power cut is the one that would have been evicted before it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <system_error>

#include "ocpp/store.hpp"

namespace ocpp::core {

class StoredLru {
 public:
  /// Entries live under `prefix` in the store's key/value rows.
  StoredLru(Store& store, std::string prefix) : store_(store), prefix_(std::move(prefix)) {}

  /// Reads the entries of an earlier run (unreadable rows are erased), then trims to the
  /// bounds (a power cut between writing an entry and evicting another leaves one too many).
  std::error_code load(std::size_t max_entries, std::size_t max_bytes);
  /// Changes the bounds; evicts least recently used entries until they hold.
  std::error_code set_bounds(std::size_t max_entries, std::size_t max_bytes);
  /// The value of key, or nullptr.
  const std::string* find(const std::string& key) const;
  /// Stores key = value as the most recently used entry, then evicts least recently used
  /// others while a bound is exceeded. Errc::invalid_argument when the entry alone exceeds
  /// max_bytes (nothing changes).
  std::error_code put(const std::string& key, const std::string& value);
  /// Marks key as used now. No error when it is absent.
  std::error_code touch(const std::string& key);
  /// Removes key. No error when it is absent.
  std::error_code erase(const std::string& key);
  /// Removes every entry; on a store error the entries not yet erased stay.
  std::error_code clear();
  /// Entries held.
  std::size_t size() const { return entries_.size(); }
  /// Bytes held: keys and values.
  std::size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    std::string value;
    std::uint64_t used = 0;  // use counter: the smallest is the least recently used
  };
  std::error_code write(const std::string& key, Entry& e);
  std::error_code evict_over_bounds(const std::string* keep);

  Store& store_;
  std::string prefix_;
  std::size_t max_entries_ = 0;
  std::size_t max_bytes_ = 0;
  std::map<std::string, Entry> entries_;
  std::map<std::uint64_t, std::string> by_use_;  // use counter -> key, oldest first
  std::uint64_t next_use_ = 1;
  std::size_t bytes_ = 0;
};

}  // namespace ocpp::core
