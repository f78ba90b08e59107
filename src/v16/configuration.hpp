// The configuration keys of OCPP 1.6 chapter 9 that the library implements, with type,
// access, default and validation, persisted through the Store ("cfg.<key>").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ocpp/store.hpp"
#include "ocpp/v16/generated/messages.hpp"

namespace ocpp::v16 {

enum class KeyType { Integer, Boolean, String, MeasurandList };
enum class KeyAccess { ReadOnly, ReadWrite, WriteOnly };

struct KeyDef {
  std::string_view name;
  KeyType type;
  KeyAccess access;
  std::string_view default_value;
  std::int64_t min = 0;  // Integer keys
  std::int64_t max = 0;
  std::string_view section;  // of OCPP 1.6 (or the Security Whitepaper)
};

/// The registry of implemented keys, sorted by name.
const std::vector<KeyDef>& key_registry();

enum class ChangeResult { Accepted, Rejected, RebootRequired, NotSupported };

class Configuration {
 public:
  Configuration(Store& store, int connectors);
  /// Loads stored values; applies defaults (the given ones over the registry's) for the rest.
  std::error_code load(const std::vector<std::pair<std::string, std::string>>& defaults);
  const KeyDef* find(std::string_view key) const;
  /// The current value; nullopt for unknown keys.
  std::optional<std::string> get(std::string_view key) const;
  std::int64_t get_int(std::string_view key) const;
  bool get_bool(std::string_view key) const;
  /// Validates and persists. from_csms: read-only keys are Rejected.
  ChangeResult set(std::string_view key, std::string_view value, bool from_csms);
  /// All readable keys, in registry order.
  std::vector<KeyValue> readable() const;
  /// Validates a value against a key's definition.
  static bool valid(const KeyDef& def, std::string_view value);

 private:
  Store& store_;
  int connectors_;
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace ocpp::v16
