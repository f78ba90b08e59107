// The run-time device model of the OCPP 2.0.1 engine (part 2 chapter 1, "Device model"): the
// components and variables this Charging Station has, their values per attribute type,
// checks of values the CSMS sets (B05), persistence in the Store and change notification.
// What the station has and the defaults are in station_variables.cpp.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <forward_list>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ocpp/store.hpp"
#include "ocpp/time.hpp"
#include "ocpp/v201/device_model.hpp"
#include "ocpp/v201/generated/messages.hpp"

namespace ocpp::v201 {

/// Where a variable is: component (name, instance, evse id, connector id) and variable (name,
/// instance). An absent instance is the empty string (B06.FR.15: "no value or an empty
/// string"); an absent evse or connector id is -1. The names are views: a key made from a
/// message is valid while the message is; the key of a defined variable points into storage
/// the model keeps (its own copies, or static names: see DeviceModel::define).
struct VariableKey {
  std::string_view component;
  std::string_view component_instance;
  int evse_id = -1;
  int connector_id = -1;
  std::string_view variable;
  std::string_view variable_instance;

  bool operator<(const VariableKey& o) const;
  /// True if both name the same component (name, instance, evse, connector).
  bool same_component(const VariableKey& o) const;
};

/// The key of a component and variable as a message carries them (views into them).
VariableKey make_key(const ComponentType& component, const VariableType& variable);
/// The message form of the component and of the variable of a key.
ComponentType component_of(const VariableKey& key);
VariableType variable_of(const VariableKey& key);

inline constexpr std::size_t kAttributeTypes = 4;  // Actual, Target, MinSet, MaxSet
inline std::size_t index_of(AttributeEnumType a) { return static_cast<std::size_t>(a); }
/// The longest value held: the schemas' limit of attributeValue in GetVariablesResponse and
/// of VariableAttributeType.value.
inline constexpr std::size_t kMaxValueLength = 2500;

using ReadFn = std::function<std::string()>;

/// An optional limit in 8 bytes (NaN: none) that reads like std::optional<double>.
class Limit {
 public:
  Limit() = default;
  Limit(double v) : v_(v) {}                              // NOLINT: implicit, as std::optional's
  Limit(std::nullopt_t) {}                                // NOLINT
  Limit(std::optional<double> v) : v_(v ? *v : kNone) {}  // NOLINT
  explicit operator bool() const { return !std::isnan(v_); }
  double operator*() const { return v_; }
  operator std::optional<double>() const {  // NOLINT
    return *this ? std::optional<double>(v_) : std::nullopt;
  }

 private:
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  double v_ = kNone;
};

/// One variable of one component and its values. The static parts (names, unit, values list,
/// default) are views, like the key's, and the values that differ from the default are held
/// apart: a station has about a hundred variables, few of them ever change, and most of
/// their texts are the generated table's (a copy each would be most of the station's heap).
struct Variable {
  Variable()
      : data_type(DataEnumType::string),
        mutability(MutabilityEnumType::ReadOnly),
        attributes(1),
        persistent(true),
        reboot_required(false) {}

  VariableKey key;
  DataEnumType data_type : 8;
  MutabilityEnumType mutability : 8;
  unsigned attributes : 8;  // bit (1 << AttributeEnumType) per attribute type it has
  bool persistent : 1;
  bool reboot_required : 1;
  std::string_view unit;
  std::string_view values_list;
  std::string_view default_actual;  // the value before anyone set it (not stored when equal)
  Limit min_limit;
  Limit max_limit;
  /// A value the engine computes (e.g. AvailabilityState from the connector states): read
  /// for Actual instead of values; such a variable cannot be set. Owned by the model (few
  /// variables have one).
  const ReadFn* read = nullptr;

  bool has(AttributeEnumType a) const { return (attributes >> index_of(a)) & 1U; }
  /// The stored value of an attribute type (Actual: the default until set); nullopt: unset.
  std::optional<std::string> get(AttributeEnumType a) const;
  /// Sets the value of an attribute type. Mutable: the set of variables is ordered by key
  /// only, and a value changes in place.
  void put(AttributeEnumType a, std::string value) const;

 private:
  mutable std::unique_ptr<std::string> actual_;  // null: default_actual
  // Target, MinSet, MaxSet: few variables have them; allocated on first use.
  mutable std::unique_ptr<std::array<std::optional<std::string>, kAttributeTypes - 1>> others_;
};

/// Orders variables by key; finds them by key too.
struct ByKey {
  using is_transparent = void;
  bool operator()(const Variable& a, const Variable& b) const { return a.key < b.key; }
  bool operator()(const Variable& a, const VariableKey& b) const { return a.key < b; }
  bool operator()(const VariableKey& a, const Variable& b) const { return a < b.key; }
};

/// Who sets a value: the CSMS (mutability checked, persisted) or the firmware and the engine
/// itself (any mutability, kept in memory: the firmware sets its live values again after a
/// restart, and a flash write per temperature reading would wear the store out).
enum class SetSource { csms, local };

/// The answer to one value set.
struct SetOutcome {
  SetVariableStatusEnumType status = SetVariableStatusEnumType::Accepted;
  std::string reason;  // reasonCode of attributeStatusInfo (reason_codes.csv); empty: none
};

class DeviceModel {
 public:
  using LogFn = std::function<void(int level, std::string message)>;
  using Observer = std::function<void(const Variable& variable, AttributeEnumType type, Now now)>;

  DeviceModel(Store& store, LogFn log);

  /// Where the texts of a variable to define live: `copy` makes the model keep its own copy
  /// of each; `static_storage` keeps the views as they are (literals, the generated table,
  /// keep()'s strings: storage that outlives the model).
  enum class Texts { copy, static_storage };

  /// Reads the values stored in an earlier run (applied as each variable is defined).
  std::error_code load();
  /// Adds a variable (with `read`, a computed one); a stored value the CSMS set in an earlier
  /// run replaces its default. Errc::invalid_argument: already defined, a name too long, a
  /// default that fails the checks.
  std::error_code define(Variable v, ReadFn read = {}, Texts texts = Texts::copy);
  /// A copy of text the model keeps as long as it lives (for Texts::static_storage).
  std::string_view keep(std::string text);

  const Variable* find(const VariableKey& key) const;
  /// True if a variable of the key's component exists (UnknownComponent otherwise).
  bool has_component(const VariableKey& key) const;
  /// The value of an attribute type; nullopt: unset (or the variable lacks the type).
  std::optional<std::string> value(const Variable& v, AttributeEnumType type) const;

  /// Checks and sets a value (see SetSource). The status is Accepted, RebootRequired, or one
  /// of the failures of B05 (UnknownComponent, UnknownVariable, NotSupportedAttributeType,
  /// Rejected with a reason: ReadOnly, InvalidValue, ValueOutOfRange, InternalError when the
  /// store failed). Observers are not told: see notify().
  SetOutcome set(const VariableKey& key, AttributeEnumType type, const std::string& value,
                 SetSource source);
  /// Tells the observers that a value changed (after the answer to the CSMS is out).
  void notify(const VariableKey& key, AttributeEnumType type, Now now);
  void on_changed(Observer o) { observers_.push_back(std::move(o)); }

  // --- typed access (Actual values) for the engine's blocks ---
  std::optional<std::int64_t> get_int(std::string_view component, std::string_view variable,
                                      std::string_view instance = {}) const;
  std::optional<bool> get_bool(std::string_view component, std::string_view variable,
                               std::string_view instance = {}) const;
  std::optional<std::string> get_string(std::string_view component, std::string_view variable,
                                        std::string_view instance = {}) const;

  /// Every variable, in key order.
  const std::set<Variable, ByKey>& variables() const { return vars_; }

 private:
  std::string store_key(const VariableKey& key, AttributeEnumType type) const;

  Store& store_;
  LogFn log_;
  // Each variable once, key included (a map would hold every key twice).
  std::set<Variable, ByKey> vars_;
  // Node-based: the views into them stay valid as more are added.
  std::forward_list<std::string> texts_;
  std::forward_list<ReadFn> reads_;
  std::map<std::string, std::string> stored_;  // store key -> value, from load()
  std::vector<Observer> observers_;
};

/// The reasonCode why value does not fit the variable's type, values list and limits (and the
/// MinSet/MaxSet values when setting Actual or Target); empty: it fits.
std::string check_value(const Variable& v, AttributeEnumType type, std::string_view value);

/// Parses an OCPP integer (32-bit, no '+', no spaces) / decimal; nullopt when malformed.
std::optional<std::int64_t> parse_integer(std::string_view text);
std::optional<double> parse_decimal(std::string_view text);

}  // namespace ocpp::v201
