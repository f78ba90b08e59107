// The configuration keys of OCPP 1.6 chapter 9 that the library implements, with type,
// access, default and validation, persisted through the Store ("cfg.<key>").
#pragma once

#include <cstdint>
#include <functional>
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
  // A changed value takes effect after a reboot: ChangeConfiguration answers RebootRequired.
  bool reboot_required = false;
  // Vendor keys: the firmware's own check, on top of the type's (null for the registry's keys).
  const std::function<bool(std::string_view)>* validator = nullptr;
};

/// The registry of implemented keys of the specifications, sorted by name. Vendor keys are
/// per Configuration (add_vendor_key), never here: the registry is shared and immutable.
const std::vector<KeyDef>& key_registry();

/// The feature profile a registry section belongs to ("9.1.6" -> "Core"), for documentation.
std::string_view profile_of_section(std::string_view section);

enum class ChangeResult { Accepted, Rejected, RebootRequired, NotSupported };

class Configuration {
  struct Value;

 public:
  /// A typed view of one Integer key's current value: reading it costs no lookup and no
  /// parsing, so the engine's timers and deadlines use these instead of get_int(name).
  class IntKey {
   public:
    std::int64_t get() const { return *value_; }

   private:
    friend class Configuration;
    explicit IntKey(const std::int64_t* v) : value_(v) {}
    const std::int64_t* value_;
  };

  Configuration(Store& store, int connectors);
  /// Loads stored values; applies defaults (the given ones over the registry's) for the rest.
  std::error_code load(const std::vector<std::pair<std::string, std::string>>& defaults);
  const KeyDef* find(std::string_view key) const;
  /// The current value; nullopt for unknown keys.
  std::optional<std::string> get(std::string_view key) const;
  std::int64_t get_int(std::string_view key) const;
  /// The typed view of a key of the registry (or a vendor key); valid for the
  /// Configuration's life and current after every load() and set().
  IntKey int_key(std::string_view key);
  bool get_bool(std::string_view key) const;
  /// Validates and persists. from_csms: read-only keys are Rejected.
  ChangeResult set(std::string_view key, std::string_view value, bool from_csms);
  /// Validates and applies for this run only, without a write: the HeartbeatInterval of a
  /// BootNotification answer, which every boot gives anew (a fleet's boot storm would
  /// otherwise cost one fsync per charge point on the runner's thread).
  ChangeResult apply(std::string_view key, std::string_view value);
  /// Called with the key's name after each accepted set(): what the engine caches from the
  /// configuration (typed values used on hot paths) is refreshed here, not looked up by name
  /// on every use.
  void on_change(std::function<void(std::string_view key)> listener) { listener_ = std::move(listener); }
  /// All readable keys, in registry order, then the vendor keys by name.
  std::vector<KeyValue> readable() const;
  /// Validates a value against a key's definition.
  static bool valid(const KeyDef& def, std::string_view value);

  /// Adds a vendor-specific key (OCPP 1.6 section 9: "the Charge Point MAY have vendor
  /// specific keys"). Its stored value ("cfg.<key>") wins over default_value when it is still
  /// valid. Integer keys take int32 values; the validator narrows any type further.
  /// Errors: invalid_argument (empty key, longer than 50, a key that exists, a default the
  /// type or validator refuses), storage errors.
  std::error_code add_vendor_key(std::string_view key, KeyType type, KeyAccess access,
                                 std::string_view default_value,
                                 std::function<bool(std::string_view)> validator, bool reboot_required);

 private:
  ChangeResult change(std::string_view key, std::string_view value, bool from_csms, bool persist);
  // A vendor key owns the text its KeyDef points to; map nodes never move, so the views stay
  // valid for the Configuration's life.
  struct VendorKey {
    std::string name;
    std::string default_value;
    std::function<bool(std::string_view)> validator;
    KeyDef def{};
  };

  Store& store_;
  int connectors_;
  std::function<void(std::string_view)> listener_;
  // A value as text and read as a number and a flag, once, when it is set. Map nodes never
  // move, so IntKey can point into them.
  struct Value {
    std::string text;
    std::int64_t number = 0;
    bool flag = false;
    void assign(std::string v);
  };
  std::map<std::string, Value, std::less<>> values_;
  std::map<std::string, VendorKey, std::less<>> vendor_;
};

}  // namespace ocpp::v16
