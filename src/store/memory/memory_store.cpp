// The in-memory Store: the same observable semantics as the SQLite store, without a file.
// Kept deliberately close to the SQLite store's behaviour (counters never rewind, unknown
// seq on ack/attempts is a no-op, unknown tx_key on transaction_end is invalid_argument) so
// tests written against one hold for the other.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ocpp/error.hpp"
#include "ocpp/store.hpp"

namespace ocpp {
namespace {

class MemoryStore final : public Store {
 public:
  std::error_code outbox_append(OutboxMessage& msg) override {
    return guarded([&] {
      OutboxMessage copy = msg;
      copy.seq = last_seq_ + 1;
      outbox_.emplace(copy.seq, copy);
      // Only advance the counter and touch the caller's object once the insert cannot fail,
      // so a bad_alloc leaves both the store and msg as they were.
      last_seq_ = copy.seq;
      msg.seq = copy.seq;
      set_seq_no(msg);
      return std::error_code{};
    });
  }

  std::error_code outbox_front(std::optional<OutboxMessage>& out) override {
    return guarded([&] {
      if (outbox_.empty()) {
        out.reset();
      } else {
        out = outbox_.begin()->second;
      }
      return std::error_code{};
    });
  }

  std::error_code outbox_size(std::size_t& out) override {
    out = outbox_.size();
    return {};
  }

  std::error_code outbox_set_attempts(std::int64_t seq, int attempts) override {
    auto it = outbox_.find(seq);
    if (it != outbox_.end()) it->second.attempts = attempts;
    return {};
  }

  std::error_code outbox_ack(std::int64_t seq, std::int64_t tx_key, const AckEffects& effects) override {
    outbox_.erase(seq);
    if (tx_key != 0) {
      auto it = transactions_.find(tx_key);
      if (it != transactions_.end()) {
        if (effects.set_transaction_id) it->second.transaction_id = effects.set_transaction_id;
        if (effects.delete_transaction) transactions_.erase(it);
      }
    }
    return {};
  }

  std::error_code outbox_drop_oldest_droppable(bool& dropped) override {
    dropped = false;
    for (auto it = outbox_.begin(); it != outbox_.end(); ++it) {
      if (it->second.droppable) {
        outbox_.erase(it);
        dropped = true;
        break;
      }
    }
    return {};
  }

  std::error_code transaction_begin(TransactionRecord& rec, OutboxMessage& start_msg) override {
    return guarded([&] {
      TransactionRecord r = rec;
      r.tx_key = last_tx_key_ + 1;
      OutboxMessage m = start_msg;
      m.seq = last_seq_ + 1;
      m.tx_key = r.tx_key;
      auto ins = transactions_.emplace(r.tx_key, r);
      try {
        outbox_.emplace(m.seq, m);
      } catch (...) {
        // Both or neither: undo the first insert before reporting the failure.
        transactions_.erase(ins.first);
        throw;
      }
      last_tx_key_ = r.tx_key;
      last_seq_ = m.seq;
      set_seq_no(m);
      rec.tx_key = r.tx_key;
      start_msg.seq = m.seq;
      start_msg.tx_key = m.tx_key;
      return std::error_code{};
    });
  }

  std::error_code transaction_end(std::int64_t tx_key, OutboxMessage& stop_msg) override {
    return guarded([&] {
      auto it = transactions_.find(tx_key);
      if (it == transactions_.end()) return make_error_code(Errc::invalid_argument);
      OutboxMessage m = stop_msg;
      m.seq = last_seq_ + 1;
      m.tx_key = tx_key;
      outbox_.emplace(m.seq, m);
      it->second.stopped = true;
      set_seq_no(m);
      last_seq_ = m.seq;
      stop_msg.seq = m.seq;
      stop_msg.tx_key = tx_key;
      return std::error_code{};
    });
  }

  // The transaction's sequence number moves with the message that used it (cannot throw).
  void set_seq_no(const OutboxMessage& m) noexcept {
    if (m.tx_key == 0 || m.tx_seq_no <= 0) return;
    auto it = transactions_.find(m.tx_key);
    if (it != transactions_.end()) it->second.seq_no = m.tx_seq_no;
  }

  std::error_code transactions_load(std::vector<TransactionRecord>& out) override {
    return guarded([&] {
      std::vector<TransactionRecord> v;
      v.reserve(transactions_.size());
      for (const auto& kv : transactions_) v.push_back(kv.second);
      out = std::move(v);
      return std::error_code{};
    });
  }

  std::error_code kv_set(const std::string& key, const std::string& value) override {
    return guarded([&] {
      kv_[key] = value;
      return std::error_code{};
    });
  }

  std::error_code kv_erase(const std::string& key) override {
    kv_.erase(key);
    return {};
  }

  std::error_code kv_load(const std::string& prefix,
                          std::vector<std::pair<std::string, std::string>>& out) override {
    return guarded([&] {
      std::vector<std::pair<std::string, std::string>> v;
      for (auto it = kv_.lower_bound(prefix);
           it != kv_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
        v.emplace_back(it->first, it->second);
      }
      out = std::move(v);
      return std::error_code{};
    });
  }

 private:
  // Allocation failure is the only thing that can throw here; it must not leave the API.
  template <class F>
  static std::error_code guarded(F&& f) noexcept {
    try {
      return f();
    } catch (...) {
      return make_error_code(Errc::storage_error);
    }
  }

  std::map<std::int64_t, OutboxMessage> outbox_;
  std::map<std::int64_t, TransactionRecord> transactions_;
  std::map<std::string, std::string> kv_;
  // Separate from the containers so keys are not reused after the highest one is deleted.
  std::int64_t last_seq_ = 0;
  std::int64_t last_tx_key_ = 0;
};

}  // namespace

std::unique_ptr<Store> make_memory_store() {
  try {
    return std::make_unique<MemoryStore>();
  } catch (...) {
    return nullptr;
  }
}

}  // namespace ocpp
