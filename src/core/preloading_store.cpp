#include "core/preloading_store.hpp"

#include "ocpp/error.hpp"

namespace ocpp::core {

void PreloadingStore::begin() noexcept {
  rows_.reset();
  try {
    std::vector<std::pair<std::string, std::string>> all;
    if (inner_.kv_load("", all)) return;
    std::map<std::string, std::string> m;
    for (auto& [k, v] : all) m.emplace(std::move(k), std::move(v));
    rows_ = std::move(m);
  } catch (...) {
    rows_.reset();  // no memory for the copy: read from the store instead
  }
}

std::error_code PreloadingStore::kv_set(const std::string& key, const std::string& value) {
  auto ec = inner_.kv_set(key, value);
  if (!ec && rows_) {
    try {
      (*rows_)[key] = value;
    } catch (...) {
      rows_.reset();
    }
  }
  return ec;
}

std::error_code PreloadingStore::kv_erase(const std::string& key) {
  auto ec = inner_.kv_erase(key);
  // A failed erase may or may not have left the row: the copy can no longer tell.
  if (ec)
    rows_.reset();
  else if (rows_)
    rows_->erase(key);
  return ec;
}

std::error_code PreloadingStore::kv_load(const std::string& prefix,
                                         std::vector<std::pair<std::string, std::string>>& out) {
  if (!rows_) return inner_.kv_load(prefix, out);
  try {
    std::vector<std::pair<std::string, std::string>> v;
    for (auto it = rows_->lower_bound(prefix);
         it != rows_->end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
      v.emplace_back(it->first, it->second);
    out = std::move(v);
    return {};
  } catch (...) {
    return make_error_code(Errc::storage_error);
  }
}

}  // namespace ocpp::core
