// A Store that answers an engine's start-up reads of key/value rows from one read of them all.
//
// Starting a charge point reads about fifteen key prefixes (configuration, authorization, the
// security log, firmware and log uploads, ...). On a SQLite file each is a query of its own,
// and on a file shared by a fleet each waits its turn on the connection; one query of every
// row of the charge point costs about as much as one of them. Version-neutral: both engines
// wrap their store in one for the whole of their life.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "ocpp/store.hpp"

namespace ocpp::core {

class PreloadingStore final : public Store {
 public:
  explicit PreloadingStore(Store& inner) noexcept : inner_(inner) {}

  /// Reads every key/value row once; until end(), kv_load answers from that copy, which
  /// kv_set and kv_erase keep current. If the read fails, kv_load goes to the store as usual.
  void begin() noexcept;
  /// Drops the copy: from now on every call goes to the store.
  void end() noexcept { rows_.reset(); }

  std::error_code outbox_append(OutboxMessage& msg) override { return inner_.outbox_append(msg); }
  std::error_code outbox_front(std::optional<OutboxMessage>& out) override {
    return inner_.outbox_front(out);
  }
  std::error_code outbox_size(std::size_t& out) override { return inner_.outbox_size(out); }
  std::error_code outbox_set_attempts(std::int64_t seq, int attempts) override {
    return inner_.outbox_set_attempts(seq, attempts);
  }
  std::error_code outbox_ack(std::int64_t seq, std::int64_t tx_key,
                             const AckEffects& effects) override {
    return inner_.outbox_ack(seq, tx_key, effects);
  }
  std::error_code outbox_drop_oldest_droppable(bool& dropped) override {
    return inner_.outbox_drop_oldest_droppable(dropped);
  }
  std::error_code transaction_begin(TransactionRecord& rec, OutboxMessage& start_msg) override {
    return inner_.transaction_begin(rec, start_msg);
  }
  std::error_code transaction_end(std::int64_t tx_key, OutboxMessage& stop_msg) override {
    return inner_.transaction_end(tx_key, stop_msg);
  }
  std::error_code transactions_load(std::vector<TransactionRecord>& out) override {
    return inner_.transactions_load(out);
  }
  std::error_code kv_set(const std::string& key, const std::string& value) override;
  std::error_code kv_erase(const std::string& key) override;
  std::error_code kv_load(const std::string& prefix,
                          std::vector<std::pair<std::string, std::string>>& out) override;

 private:
  Store& inner_;
  std::optional<std::map<std::string, std::string>> rows_;  // between begin() and end()
};

/// Calls end() when the engine's start-up is over, however it ends.
class PreloadScope {
 public:
  explicit PreloadScope(PreloadingStore& s) noexcept : s_(s) { s_.begin(); }
  ~PreloadScope() { s_.end(); }
  PreloadScope(const PreloadScope&) = delete;
  PreloadScope& operator=(const PreloadScope&) = delete;

 private:
  PreloadingStore& s_;
};

}  // namespace ocpp::core
