// A bounded log kept in the store's key/value state, oldest entry dropped first ("a rolling
// format", as the security log of OCPP 1.6 Security Whitepaper A04.FR.04 and OCPP 2.0.1
// A04.FR.04 asks). Entries are opaque payloads (each version writes its own JSON, the same
// shape in 1.6 and 2.0.1), kept under "<prefix><20-digit sequence>" so that a prefix scan
// returns them in order.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <system_error>

#include "ocpp/store.hpp"

namespace ocpp::core {

class RollingLog {
 public:
  struct Entry {
    std::uint64_t seq = 0;
    std::string payload;
  };

  /// limit: entries kept (at least 1).
  RollingLog(Store& store, std::string prefix, std::size_t limit);

  /// Reads the stored entries. `readable` says whether a payload can be used; an unreadable
  /// (damaged) one is erased from the store and counted in damaged(). Then trims to the limit.
  std::error_code load(const std::function<bool(const std::string&)>& readable);
  /// Appends an entry durably (the store write is done when it returns), then drops the oldest
  /// entries beyond the limit. Errors: the store's (then nothing changed).
  std::error_code append(std::string payload);
  /// Oldest first.
  const std::deque<Entry>& entries() const { return entries_; }
  /// Entries erased by load() because they could not be read.
  std::size_t damaged() const { return damaged_; }

 private:
  std::string key(std::uint64_t seq) const;
  std::error_code trim();

  Store& store_;
  std::string prefix_;
  std::size_t limit_;
  std::deque<Entry> entries_;
  std::uint64_t next_seq_ = 1;
  std::size_t damaged_ = 0;
};

}  // namespace ocpp::core
