// Test double: a Store that forwards to another and fails on demand.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "ocpp/store.hpp"

namespace test {

/// A Store whose kv writes, kv reads, or reads of the outbox head, can be made to fail
/// (storage errors); it counts the kv reads by prefix.
class FlakyStore : public ocpp::Store {
 public:
  explicit FlakyStore(ocpp::Store& inner) : inner_(inner) {}
  std::string fail_prefix;  // kv_set/kv_erase of keys with this prefix fail while non-empty
  bool fail_outbox_front = false;
  bool fail_outbox_ack = false;
  bool ack_keeps_message = false;  // outbox_ack reports success but removes nothing
  int outbox_ack_calls = 0;
  bool fail_kv_load = false;
  std::map<std::string, int> kv_loads;  // prefix -> kv_load calls
  int kv_load_calls() const {
    int n = 0;
    for (const auto& [prefix, count] : kv_loads) n += count;
    return n;
  }
  std::error_code outbox_append(ocpp::OutboxMessage& m) override { return inner_.outbox_append(m); }
  std::error_code outbox_front(std::optional<ocpp::OutboxMessage>& o) override {
    if (fail_outbox_front) return std::make_error_code(std::errc::io_error);
    return inner_.outbox_front(o);
  }
  std::error_code outbox_size(std::size_t& o) override { return inner_.outbox_size(o); }
  std::error_code outbox_set_attempts(std::int64_t s, int a) override { return inner_.outbox_set_attempts(s, a); }
  std::error_code outbox_ack(std::int64_t s, std::int64_t k, const ocpp::AckEffects& e) override {
    // A caller that retries a failing removal in a loop would never return: end the test.
    if (++outbox_ack_calls > 1000) throw std::runtime_error("outbox_ack called in a loop");
    if (fail_outbox_ack) return std::make_error_code(std::errc::io_error);
    if (ack_keeps_message) return {};
    return inner_.outbox_ack(s, k, e);
  }
  std::error_code outbox_drop_oldest_droppable(bool& d) override { return inner_.outbox_drop_oldest_droppable(d); }
  std::error_code transaction_begin(ocpp::TransactionRecord& r, ocpp::OutboxMessage& m) override {
    return inner_.transaction_begin(r, m);
  }
  std::error_code transaction_end(std::int64_t k, ocpp::OutboxMessage& m) override { return inner_.transaction_end(k, m); }
  std::error_code transactions_load(std::vector<ocpp::TransactionRecord>& o) override { return inner_.transactions_load(o); }
  std::error_code kv_set(const std::string& k, const std::string& v) override {
    if (failing(k)) return std::make_error_code(std::errc::io_error);
    return inner_.kv_set(k, v);
  }
  std::error_code kv_erase(const std::string& k) override {
    if (failing(k)) return std::make_error_code(std::errc::io_error);
    return inner_.kv_erase(k);
  }
  std::error_code kv_load(const std::string& p, std::vector<std::pair<std::string, std::string>>& o) override {
    ++kv_loads[p];
    if (fail_kv_load) return std::make_error_code(std::errc::io_error);
    return inner_.kv_load(p, o);
  }

 private:
  bool failing(const std::string& k) const { return !fail_prefix.empty() && k.rfind(fail_prefix, 0) == 0; }
  ocpp::Store& inner_;
};

}  // namespace test
