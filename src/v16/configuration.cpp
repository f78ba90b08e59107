#include "v16/configuration.hpp"

#include <algorithm>
#include <charconv>
#include <climits>

#include "ocpp/error.hpp"

namespace ocpp::v16 {
namespace {

constexpr std::int64_t kMaxInt = 2147483647;

}  // namespace

const std::vector<KeyDef>& key_registry() {
  // Immutable after first use. Only keys whose behaviour the library implements are listed:
  // a key that is accepted but ignored would mislead the CSMS.
  static const std::vector<KeyDef> keys = [] {
    std::vector<KeyDef> k = {
        // Core profile (section 9.1)
        {"AllowOfflineTxForUnknownId", KeyType::Boolean, KeyAccess::ReadWrite, "false", 0, 0, "9.1.1"},
        {"AuthorizationCacheEnabled", KeyType::Boolean, KeyAccess::ReadWrite, "true", 0, 0, "9.1.2"},
        {"AuthorizeRemoteTxRequests", KeyType::Boolean, KeyAccess::ReadWrite, "false", 0, 0, "9.1.3"},
        {"ClockAlignedDataInterval", KeyType::Integer, KeyAccess::ReadWrite, "0", 0, 86400, "9.1.5"},
        {"ConnectionTimeOut", KeyType::Integer, KeyAccess::ReadWrite, "60", 0, kMaxInt, "9.1.6"},
        {"ConnectorPhaseRotation", KeyType::String, KeyAccess::ReadWrite, "0.Unknown", 0, 0, "9.1.7"},
        {"ConnectorPhaseRotationMaxLength", KeyType::Integer, KeyAccess::ReadOnly, "10", 1, kMaxInt, "9.1.8"},
        {"GetConfigurationMaxKeys", KeyType::Integer, KeyAccess::ReadOnly, "100", 1, kMaxInt, "9.1.9"},
        {"HeartbeatInterval", KeyType::Integer, KeyAccess::ReadWrite, "0", 0, kMaxInt, "9.1.10"},
        {"LocalAuthorizeOffline", KeyType::Boolean, KeyAccess::ReadWrite, "true", 0, 0, "9.1.12"},
        {"LocalPreAuthorize", KeyType::Boolean, KeyAccess::ReadWrite, "false", 0, 0, "9.1.13"},
        {"MeterValuesAlignedData", KeyType::MeasurandList, KeyAccess::ReadWrite,
         "Energy.Active.Import.Register", 0, 0, "9.1.15"},
        {"MeterValuesAlignedDataMaxLength", KeyType::Integer, KeyAccess::ReadOnly, "20", 1, kMaxInt, "9.1.16"},
        {"MeterValuesSampledData", KeyType::MeasurandList, KeyAccess::ReadWrite,
         "Energy.Active.Import.Register", 0, 0, "9.1.17"},
        {"MeterValuesSampledDataMaxLength", KeyType::Integer, KeyAccess::ReadOnly, "20", 1, kMaxInt,
         "9.1.18"},
        {"MeterValueSampleInterval", KeyType::Integer, KeyAccess::ReadWrite, "0", 0, kMaxInt, "9.1.19"},
        {"MinimumStatusDuration", KeyType::Integer, KeyAccess::ReadWrite, "0", 0, 3600, "9.1.20"},
        {"NumberOfConnectors", KeyType::Integer, KeyAccess::ReadOnly, "1", 1, kMaxInt, "9.1.21"},
        {"ResetRetries", KeyType::Integer, KeyAccess::ReadWrite, "1", 0, 100, "9.1.22"},
        {"StopTransactionOnEVSideDisconnect", KeyType::Boolean, KeyAccess::ReadWrite, "true", 0, 0,
         "9.1.23"},
        {"StopTransactionOnInvalidId", KeyType::Boolean, KeyAccess::ReadWrite, "true", 0, 0, "9.1.24"},
        {"StopTxnAlignedData", KeyType::MeasurandList, KeyAccess::ReadWrite, "", 0, 0, "9.1.25"},
        {"StopTxnAlignedDataMaxLength", KeyType::Integer, KeyAccess::ReadOnly, "20", 1, kMaxInt, "9.1.26"},
        {"StopTxnSampledData", KeyType::MeasurandList, KeyAccess::ReadWrite, "", 0, 0, "9.1.27"},
        {"StopTxnSampledDataMaxLength", KeyType::Integer, KeyAccess::ReadOnly, "20", 1, kMaxInt, "9.1.28"},
        {"SupportedFeatureProfiles", KeyType::String, KeyAccess::ReadOnly,
         "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger", 0, 0,
         "9.1.29"},
        {"TransactionMessageAttempts", KeyType::Integer, KeyAccess::ReadWrite, "3", 1, 100, "9.1.31"},
        {"TransactionMessageRetryInterval", KeyType::Integer, KeyAccess::ReadWrite, "60", 0, 86400,
         "9.1.32"},
        {"UnlockConnectorOnEVSideDisconnect", KeyType::Boolean, KeyAccess::ReadWrite, "true", 0, 0,
         "9.1.33"},
        {"WebSocketPingInterval", KeyType::Integer, KeyAccess::ReadWrite, "0", 0, 86400, "9.1.34"},
        // LocalAuthListManagement profile (section 9.2)
        {"LocalAuthListEnabled", KeyType::Boolean, KeyAccess::ReadWrite, "true", 0, 0, "9.2.1"},
        {"LocalAuthListMaxLength", KeyType::Integer, KeyAccess::ReadOnly, "10000", 1, kMaxInt, "9.2.2"},
        {"SendLocalListMaxLength", KeyType::Integer, KeyAccess::ReadOnly, "1000", 1, kMaxInt, "9.2.3"},
        // Reservation profile (section 9.3)
        {"ReserveConnectorZeroSupported", KeyType::Boolean, KeyAccess::ReadOnly, "true", 0, 0, "9.3.1"},
        // SmartCharging profile (section 9.4)
        {"ChargeProfileMaxStackLevel", KeyType::Integer, KeyAccess::ReadOnly, "10", 0, kMaxInt, "9.4.1"},
        {"ChargingScheduleAllowedChargingRateUnit", KeyType::String, KeyAccess::ReadOnly, "Current,Power",
         0, 0, "9.4.2"},
        {"ChargingScheduleMaxPeriods", KeyType::Integer, KeyAccess::ReadOnly, "48", 1, kMaxInt, "9.4.3"},
        {"ConnectorSwitch3to1PhaseSupported", KeyType::Boolean, KeyAccess::ReadOnly, "false", 0, 0, "9.4.4"},
        {"MaxChargingProfilesInstalled", KeyType::Integer, KeyAccess::ReadOnly, "20", 1, kMaxInt, "9.4.5"},
        // Security extension (1.6 Security Whitepaper edition 3, section 7)
        {"AdditionalRootCertificateCheck", KeyType::Boolean, KeyAccess::ReadOnly, "false", 0, 0,
         "Security 7.1"},
        {"AuthorizationKey", KeyType::String, KeyAccess::WriteOnly, "", 0, 0, "Security 7.2"},
        {"CertificateSignedMaxChainSize", KeyType::Integer, KeyAccess::ReadOnly, "10000", 1, 10000,
         "Security 7.3"},
        {"CertificateStoreMaxLength", KeyType::Integer, KeyAccess::ReadOnly, "20", 1, 1000, "Security 7.4"},
        {"CpoName", KeyType::String, KeyAccess::ReadWrite, "", 0, 0, "Security 7.5"},
        {"SecurityProfile", KeyType::Integer, KeyAccess::ReadWrite, "0", 0, 3, "Security 7.6"},
    };
    std::sort(k.begin(), k.end(), [](const KeyDef& a, const KeyDef& b) { return a.name < b.name; });
    return k;
  }();
  return keys;
}

std::string_view profile_of_section(std::string_view section) {
  auto starts = [section](std::string_view p) { return section.substr(0, p.size()) == p; };
  if (starts("9.1.")) return "Core";
  if (starts("9.2.")) return "LocalAuthListManagement";
  if (starts("9.3.")) return "Reservation";
  if (starts("9.4.")) return "SmartCharging";
  if (starts("Security")) return "Security";
  return "Vendor";
}

Configuration::Configuration(Store& store, int connectors) : store_(store), connectors_(connectors) {}

bool Configuration::valid(const KeyDef& def, std::string_view value) {
  switch (def.type) {
    case KeyType::Integer: {
      std::int64_t v = 0;
      const auto* end = value.data() + value.size();
      auto [p, ec] = std::from_chars(value.data(), end, v);
      if (!(ec == std::errc() && p == end && !value.empty() && v >= def.min && v <= def.max)) return false;
      break;
    }
    case KeyType::Boolean:
      if (value != "true" && value != "false") return false;
      break;
    case KeyType::String:
      if (value.size() > 500) return false;  // CiString500, the type of ChangeConfiguration.value
      break;
    case KeyType::MeasurandList: {
      std::size_t count = 0;
      std::size_t start = 0;
      while (start <= value.size()) {
        std::size_t comma = value.find(',', start);
        if (comma == std::string_view::npos) comma = value.size();
        std::string_view item = value.substr(start, comma - start);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        Measurand m;
        if (!item.empty()) {
          if (!from_string(item, m)) return false;
          ++count;
        } else if (!value.empty()) {
          return false;  // an empty item between commas
        }
        start = comma + 1;
      }
      if (count > 20) return false;  // MeterValuesSampledDataMaxLength
      break;
    }
  }
  return !def.validator || !*def.validator || (*def.validator)(value);
}

std::error_code Configuration::load(const std::vector<std::pair<std::string, std::string>>& defaults) {
  // Values are overwritten, never erased: IntKey views taken earlier stay valid.
  for (const auto& def : key_registry()) values_[std::string(def.name)].assign(std::string(def.default_value));
  values_["NumberOfConnectors"].assign(std::to_string(connectors_));
  for (const auto& [k, v] : defaults) {
    const KeyDef* def = find(k);
    if (def && valid(*def, v) && k != "NumberOfConnectors") values_[k].assign(v);
  }
  std::vector<std::pair<std::string, std::string>> stored;
  if (auto ec = store_.kv_load("cfg.", stored)) return ec;
  for (auto& [k, v] : stored) {
    std::string key = k.substr(4);
    const KeyDef* def = find(key);
    // Read-only keys describe this build and this hardware; a stored value from an older
    // build must not override them.
    if (def && def->access != KeyAccess::ReadOnly && valid(*def, v)) values_[key].assign(v);
  }
  return {};
}

const KeyDef* Configuration::find(std::string_view key) const {
  const auto& reg = key_registry();
  auto it = std::lower_bound(reg.begin(), reg.end(), key,
                             [](const KeyDef& d, std::string_view k) { return d.name < k; });
  if (it != reg.end() && it->name == key) return &*it;
  auto v = vendor_.find(key);
  return v != vendor_.end() ? &v->second.def : nullptr;
}

std::error_code Configuration::add_vendor_key(std::string_view key, KeyType type, KeyAccess access,
                                              std::string_view default_value,
                                              std::function<bool(std::string_view)> validator,
                                              bool reboot_required) {
  // CiString50 is the type of ChangeConfiguration.key and KeyValue.key (sections 6.9, 7.26).
  if (key.empty() || key.size() > 50 || find(key)) return make_error_code(Errc::invalid_argument);
  if (type == KeyType::MeasurandList) return make_error_code(Errc::invalid_argument);
  VendorKey vk;
  vk.name = std::string(key);
  vk.default_value = std::string(default_value);
  vk.validator = std::move(validator);
  auto [it, inserted] = vendor_.emplace(vk.name, std::move(vk));
  VendorKey& k = it->second;
  k.def.name = k.name;
  k.def.type = type;
  k.def.access = access;
  k.def.default_value = k.default_value;
  k.def.min = type == KeyType::Integer ? INT32_MIN : 0;
  k.def.max = type == KeyType::Integer ? INT32_MAX : 0;
  k.def.section = "Vendor";
  k.def.reboot_required = reboot_required;
  k.def.validator = k.validator ? &k.validator : nullptr;
  if (!valid(k.def, default_value)) {
    vendor_.erase(it);
    return make_error_code(Errc::invalid_argument);
  }
  std::string value(default_value);
  std::vector<std::pair<std::string, std::string>> stored;
  if (auto ec = store_.kv_load("cfg." + k.name, stored)) {
    vendor_.erase(it);
    return ec;
  }
  for (auto& [sk, sv] : stored) {
    // The prefix also matches longer names ("cfg.KeyX" for "Key"): take the exact one. A
    // read-only key describes this build, as for the registry's keys.
    if (sk.size() == 4 + k.name.size() && access != KeyAccess::ReadOnly && valid(k.def, sv)) value = sv;
  }
  values_[k.name].assign(std::move(value));
  return {};
}

void Configuration::Value::assign(std::string v) {
  text = std::move(v);
  number = 0;
  std::from_chars(text.data(), text.data() + text.size(), number);
  flag = text == "true";
}

std::optional<std::string> Configuration::get(std::string_view key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second.text;
}

std::int64_t Configuration::get_int(std::string_view key) const {
  auto it = values_.find(key);
  return it == values_.end() ? 0 : it->second.number;
}

bool Configuration::get_bool(std::string_view key) const {
  auto it = values_.find(key);
  return it != values_.end() && it->second.flag;
}

Configuration::IntKey Configuration::int_key(std::string_view key) {
  // An unknown name gets a node of its own (reading 0), so a view is never dangling.
  auto it = values_.find(key);
  if (it == values_.end()) it = values_.emplace(std::string(key), Value{}).first;
  return IntKey(&it->second.number);
}

ChangeResult Configuration::set(std::string_view key, std::string_view value, bool from_csms) {
  return change(key, value, from_csms, true);
}

ChangeResult Configuration::apply(std::string_view key, std::string_view value) {
  return change(key, value, false, false);
}

ChangeResult Configuration::change(std::string_view key, std::string_view value, bool from_csms,
                                   bool persist) {
  const KeyDef* def = find(key);
  if (!def) return ChangeResult::NotSupported;
  if (from_csms && def->access == KeyAccess::ReadOnly) return ChangeResult::Rejected;
  const std::string key_text(def->name);  // def may point into vendor_, key into the caller's text
  if (!valid(*def, value)) return ChangeResult::Rejected;
  std::string v(value);
  if (def->type == KeyType::Boolean || def->type == KeyType::Integer) {
    // Keep one canonical spelling ("007" → "7") so reads compare equal.
    if (def->type == KeyType::Integer) {
      std::int64_t n = 0;
      std::from_chars(value.data(), value.data() + value.size(), n);
      v = std::to_string(n);
    }
  }
  if (persist && (def->access != KeyAccess::ReadOnly || !from_csms)) {
    if (store_.kv_set("cfg." + std::string(key), v)) return ChangeResult::Rejected;
  }
  values_[key_text].assign(v);
  if (listener_) listener_(key_text);
  // The new value is stored and reported at once; the firmware applies it at its next start.
  return def->reboot_required ? ChangeResult::RebootRequired : ChangeResult::Accepted;
}

std::vector<KeyValue> Configuration::readable() const {
  std::vector<KeyValue> out;
  for (const auto& def : key_registry()) {
    if (def.access == KeyAccess::WriteOnly) continue;
    KeyValue kv;
    kv.key = std::string(def.name);
    kv.readonly = def.access == KeyAccess::ReadOnly;
    kv.value = get(def.name);
    out.push_back(std::move(kv));
  }
  // Vendor keys after the specification's, sorted by name.
  for (const auto& [name, vk] : vendor_) {
    if (vk.def.access == KeyAccess::WriteOnly) continue;
    KeyValue kv;
    kv.key = name;
    kv.readonly = vk.def.access == KeyAccess::ReadOnly;
    kv.value = get(name);
    out.push_back(std::move(kv));
  }
  return out;
}

}  // namespace ocpp::v16
