// See stored_lru.hpp.
#include "core/stored_lru.hpp"

#include <charconv>
#include <vector>

#include "ocpp/error.hpp"

namespace ocpp::core {

std::error_code StoredLru::load(std::size_t max_entries, std::size_t max_bytes) {
  entries_.clear();
  by_use_.clear();
  bytes_ = 0;
  std::vector<std::pair<std::string, std::string>> rows;
  if (auto ec = store_.kv_load(prefix_, rows)) return ec;
  for (auto& [row_key, row] : rows) {
    const std::string key = row_key.substr(prefix_.size());
    const auto space = row.find(' ');
    std::uint64_t used = 0;
    const auto [end, err] =
        std::from_chars(row.data(), row.data() + (space == std::string::npos ? 0 : space), used);
    if (space == std::string::npos || err != std::errc{} || end != row.data() + space ||
        used == 0 || by_use_.count(used)) {
      // A damaged row must not stay forever outside the bounds.
      if (auto ec = store_.kv_erase(row_key)) return ec;
      continue;
    }
    Entry e{row.substr(space + 1), used};
    bytes_ += key.size() + e.value.size();
    by_use_[used] = key;
    if (used >= next_use_) next_use_ = used + 1;
    entries_[key] = std::move(e);
  }
  return set_bounds(max_entries, max_bytes);
}

std::error_code StoredLru::set_bounds(std::size_t max_entries, std::size_t max_bytes) {
  max_entries_ = max_entries;
  max_bytes_ = max_bytes;
  return evict_over_bounds(nullptr);
}

const std::string* StoredLru::find(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second.value;
}

std::error_code StoredLru::write(const std::string& key, Entry& e) {
  const std::uint64_t used = next_use_;
  if (auto ec = store_.kv_set(prefix_ + key, std::to_string(used) + ' ' + e.value)) return ec;
  ++next_use_;
  if (e.used) by_use_.erase(e.used);
  e.used = used;
  by_use_[used] = key;
  return {};
}

std::error_code StoredLru::put(const std::string& key, const std::string& value) {
  if (key.size() + value.size() > max_bytes_ || max_entries_ == 0)
    return make_error_code(Errc::invalid_argument);
  Entry next;
  auto it = entries_.find(key);
  if (it != entries_.end()) next.used = it->second.used;
  next.value = value;
  if (auto ec = write(key, next)) return ec;
  if (it != entries_.end()) {
    bytes_ -= it->second.value.size();
    it->second = std::move(next);
  } else {
    bytes_ += key.size();
    it = entries_.emplace(key, std::move(next)).first;
  }
  bytes_ += value.size();
  return evict_over_bounds(&key);
}

std::error_code StoredLru::touch(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return {};
  return write(key, it->second);
}

std::error_code StoredLru::erase(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return {};
  if (auto ec = store_.kv_erase(prefix_ + key)) return ec;
  bytes_ -= key.size() + it->second.value.size();
  by_use_.erase(it->second.used);
  entries_.erase(it);
  return {};
}

std::error_code StoredLru::clear() {
  while (!entries_.empty()) {
    const std::string key = entries_.begin()->first;
    if (auto ec = erase(key)) return ec;
  }
  return {};
}

std::error_code StoredLru::evict_over_bounds(const std::string* keep) {
  while ((entries_.size() > max_entries_ || bytes_ > max_bytes_) && !by_use_.empty()) {
    auto victim = by_use_.begin();
    if (keep && victim->second == *keep) {
      if (by_use_.size() == 1) break;
      ++victim;
    }
    const std::string key = victim->second;
    if (auto ec = erase(key)) return ec;
  }
  return {};
}

}  // namespace ocpp::core
