#include "core/rolling_log.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace ocpp::core {

RollingLog::RollingLog(Store& store, std::string prefix, std::size_t limit)
    : store_(store), prefix_(std::move(prefix)), limit_(std::max<std::size_t>(1, limit)) {}

std::string RollingLog::key(std::uint64_t seq) const {
  // Fixed-width decimal: the store's prefix scan returns the entries in order.
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(seq));
  return prefix_ + buf;
}

std::error_code RollingLog::load(const std::function<bool(const std::string&)>& readable) {
  std::vector<std::pair<std::string, std::string>> rows;
  if (auto ec = store_.kv_load(prefix_, rows)) return ec;
  entries_.clear();
  for (auto& [k, value] : rows) {
    const std::uint64_t seq = std::strtoull(k.c_str() + prefix_.size(), nullptr, 10);
    if (!readable(value)) {
      // A damaged entry leaves the log; it does not stop the charger.
      ++damaged_;
      (void)store_.kv_erase(k);
      continue;
    }
    entries_.push_back({seq, std::move(value)});
    next_seq_ = std::max(next_seq_, seq + 1);
  }
  return trim();
}

std::error_code RollingLog::append(std::string payload) {
  const std::uint64_t seq = next_seq_;
  if (auto ec = store_.kv_set(key(seq), payload)) return ec;
  ++next_seq_;
  entries_.push_back({seq, std::move(payload)});
  // The entry is stored; failing to drop an old one only delays the trim to the next append.
  (void)trim();
  return {};
}

std::error_code RollingLog::trim() {
  while (entries_.size() > limit_) {
    if (auto ec = store_.kv_erase(key(entries_.front().seq))) return ec;
    entries_.pop_front();
  }
  return {};
}

}  // namespace ocpp::core
