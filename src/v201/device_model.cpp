// The run-time device model of the OCPP 2.0.1 engine: values, checks, persistence.
#include "v201/device_model.hpp"

#include <charconv>
#include <limits>
#include <tuple>

#include "ocpp/error.hpp"

namespace ocpp::v201 {

namespace {

// Store keys: "v201.dm.<attributeType>.<component>.<instance>.<evse>.<connector>.<variable>.
// <instance>", names with '.' and '%' percent-escaped so that no two keys collide.
const std::string kPrefix = "v201.dm.";

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '.' || c == '%') {
      static const char* hex = "0123456789ABCDEF";
      out += '%';
      out += hex[static_cast<unsigned char>(c) >> 4];
      out += hex[static_cast<unsigned char>(c) & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(int n) { return n < 0 ? std::string() : std::to_string(n); }

// Splits a comma-separated list; the values lists of part 2 are written without spaces, but
// the generated table's alternatives ("W, kW") have them: trimmed.
std::vector<std::string_view> split(std::string_view list) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    std::string_view item = list.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    out.push_back(item);
    start = end + 1;
  }
  return out;
}

bool in_list(std::string_view item, const std::vector<std::string_view>& list) {
  for (auto v : list)
    if (v == item) return true;
  return false;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string check_list(const Variable& v, std::string_view value) {
  if (v.values_list.empty()) return {};
  const auto allowed = split(v.values_list);
  if (v.data_type == DataEnumType::OptionList) return in_list(value, allowed) ? "" : "InvalidValue";
  // MemberList, SequenceList: each member from the list, none twice. An empty value is the
  // empty set (e.g. no measurands).
  if (value.empty()) return {};
  std::vector<std::string_view> seen;
  for (auto m : split(value)) {
    if (!in_list(m, allowed) || in_list(m, seen)) return "InvalidValue";
    seen.push_back(m);
  }
  return {};
}

}  // namespace

// ---------------------------------------------------------------- keys

bool VariableKey::operator<(const VariableKey& o) const {
  return std::tie(component, component_instance, evse_id, connector_id, variable,
                  variable_instance) < std::tie(o.component, o.component_instance, o.evse_id,
                                                o.connector_id, o.variable, o.variable_instance);
}

bool VariableKey::same_component(const VariableKey& o) const {
  return component == o.component && component_instance == o.component_instance &&
         evse_id == o.evse_id && connector_id == o.connector_id;
}

VariableKey make_key(const ComponentType& component, const VariableType& variable) {
  VariableKey k;
  k.component = component.name;
  if (component.instance) k.component_instance = *component.instance;
  if (component.evse) {
    k.evse_id = component.evse->id;
    if (component.evse->connectorId) k.connector_id = *component.evse->connectorId;
  }
  k.variable = variable.name;
  if (variable.instance) k.variable_instance = *variable.instance;
  return k;
}

ComponentType component_of(const VariableKey& key) {
  ComponentType c;
  c.name = std::string(key.component);
  if (!key.component_instance.empty()) c.instance = std::string(key.component_instance);
  if (key.evse_id >= 0) {
    c.evse = EVSEType{};
    c.evse->id = key.evse_id;
    if (key.connector_id >= 0) c.evse->connectorId = key.connector_id;
  }
  return c;
}

VariableType variable_of(const VariableKey& key) {
  VariableType v;
  v.name = std::string(key.variable);
  if (!key.variable_instance.empty()) v.instance = std::string(key.variable_instance);
  return v;
}

// ---------------------------------------------------------------- values

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  if (!all_digits(digits)) return std::nullopt;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  // The integers of OCPP 2.0.1's schemas are 32-bit.
  if (n < std::numeric_limits<std::int32_t>::min() || n > std::numeric_limits<std::int32_t>::max())
    return std::nullopt;
  return n;
}

std::optional<double> parse_decimal(std::string_view text) {
  // -?digits(.digits)?: no exponent, no "inf"/"nan", no leading '+' (what JSON numbers allow
  // minus the exponent); from_chars does not depend on the C locale.
  std::string_view rest = text;
  if (!rest.empty() && rest.front() == '-') rest.remove_prefix(1);
  const auto dot = rest.find('.');
  if (!all_digits(rest.substr(0, dot))) return std::nullopt;
  if (dot != std::string_view::npos && !all_digits(rest.substr(dot + 1))) return std::nullopt;
  double d = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return d;
}

std::string check_value(const Variable& v, AttributeEnumType type, std::string_view value) {
  if (value.size() > kMaxValueLength) return "InvalidValue";
  std::optional<double> num;
  switch (v.data_type) {
    case DataEnumType::integer: {
      auto n = parse_integer(value);
      if (!n) return "InvalidValue";
      num = static_cast<double>(*n);
      break;
    }
    case DataEnumType::decimal:
      num = parse_decimal(value);
      if (!num) return "InvalidValue";
      break;
    case DataEnumType::boolean:
      if (value != "true" && value != "false") return "InvalidValue";
      break;
    case DataEnumType::dateTime: {
      DateTime t;
      if (!parse_datetime(value, t)) return "InvalidValue";
      break;
    }
    case DataEnumType::OptionList:
    case DataEnumType::MemberList:
    case DataEnumType::SequenceList:
      if (auto r = check_list(v, value); !r.empty()) return r;
      break;
    case DataEnumType::string:
      // For strings maxLimit is the longest length (part 2, VariableCharacteristicsType).
      if (v.max_limit && static_cast<double>(value.size()) > *v.max_limit) return "ValueOutOfRange";
      break;
  }
  if (!num) return {};
  if ((v.min_limit && *num < *v.min_limit) || (v.max_limit && *num > *v.max_limit))
    return "ValueOutOfRange";
  // MinSet and MaxSet bound Actual and Target, and each other.
  auto bound = [&v](AttributeEnumType a) -> std::optional<double> {
    const auto s = v.get(a);
    if (!s || s->empty()) return std::nullopt;
    return parse_decimal(*s);
  };
  const auto lo = bound(AttributeEnumType::MinSet), hi = bound(AttributeEnumType::MaxSet);
  if (type != AttributeEnumType::MinSet && lo && *num < *lo) return "ValueOutOfRange";
  if (type != AttributeEnumType::MaxSet && hi && *num > *hi) return "ValueOutOfRange";
  return {};
}

// ---------------------------------------------------------------- one variable

std::optional<std::string> Variable::get(AttributeEnumType a) const {
  if (a == AttributeEnumType::Actual) return actual_ ? *actual_ : std::string(default_actual);
  if (!others_) return std::nullopt;
  return (*others_)[index_of(a) - 1];
}

void Variable::put(AttributeEnumType a, std::string value) const {
  if (a == AttributeEnumType::Actual) {
    if (value == default_actual)
      actual_.reset();
    else if (actual_)
      *actual_ = std::move(value);
    else
      actual_ = std::make_unique<std::string>(std::move(value));
    return;
  }
  if (!others_)
    others_ = std::make_unique<std::array<std::optional<std::string>, kAttributeTypes - 1>>();
  (*others_)[index_of(a) - 1] = std::move(value);
}

// ---------------------------------------------------------------- the model

DeviceModel::DeviceModel(Store& store, LogFn log) : store_(store), log_(std::move(log)) {}

std::string DeviceModel::store_key(const VariableKey& k, AttributeEnumType type) const {
  return kPrefix + std::string(to_string(type)) + "." + escape(k.component) + "." +
         escape(k.component_instance) + "." + number(k.evse_id) + "." + number(k.connector_id) +
         "." + escape(k.variable) + "." + escape(k.variable_instance);
}

std::error_code DeviceModel::load() {
  std::vector<std::pair<std::string, std::string>> kv;
  if (auto ec = store_.kv_load(kPrefix, kv)) return ec;
  stored_.clear();
  for (auto& [k, v] : kv) stored_.emplace(std::move(k), std::move(v));
  return {};
}

std::string_view DeviceModel::keep(std::string text) {
  texts_.push_front(std::move(text));
  return texts_.front();
}

std::error_code DeviceModel::define(Variable v, ReadFn read, Texts texts) {
  // The schemas' limits of component and variable names and instances (50 characters).
  const auto& k = v.key;
  if (k.component.empty() || k.variable.empty() || k.component.size() > 50 ||
      k.component_instance.size() > 50 || k.variable.size() > 50 ||
      k.variable_instance.size() > 50 || v.unit.size() > 16 || v.values_list.size() > 1000 ||
      !v.has(AttributeEnumType::Actual) || vars_.count(k))
    return make_error_code(Errc::invalid_argument);
  if (!v.default_actual.empty() &&
      !check_value(v, AttributeEnumType::Actual, v.default_actual).empty())
    return make_error_code(Errc::invalid_argument);
  if (texts == Texts::copy) {
    // A component's name once for all its variables: the keys sort by component first.
    auto it = vars_.lower_bound(VariableKey{k.component, {}, -1, -1, {}, {}});
    v.key.component = it != vars_.end() && it->key.component == k.component
                          ? it->key.component
                          : keep(std::string(k.component));
    auto copy = [this](std::string_view& s) {
      if (!s.empty()) s = keep(std::string(s));
    };
    copy(v.key.component_instance);
    copy(v.key.variable);
    copy(v.key.variable_instance);
    copy(v.unit);
    copy(v.values_list);
    copy(v.default_actual);
  }
  if (read) {
    reads_.push_front(std::move(read));
    v.read = &reads_.front();
  }
  // Values the CSMS set in an earlier run (ReadOnly ones are the firmware's: never stored).
  if (v.persistent && v.mutability != MutabilityEnumType::ReadOnly && !v.read) {
    for (std::size_t i = 0; i < kAttributeTypes; ++i) {
      const auto type = static_cast<AttributeEnumType>(i);
      if (!v.has(type)) continue;
      auto it = stored_.find(store_key(k, type));
      if (it == stored_.end()) continue;
      // A stored value that no longer fits (the firmware changed the definition) is dropped.
      if (check_value(v, type, it->second).empty())
        v.put(type, it->second);
      else if (log_)
        log_(1, "stored value of " + std::string(k.component) + "." + std::string(k.variable) +
                    " no longer valid: ignored");
    }
  }
  vars_.insert(std::move(v));
  return {};
}

const Variable* DeviceModel::find(const VariableKey& key) const {
  auto it = vars_.find(key);
  return it == vars_.end() ? nullptr : &*it;
}

bool DeviceModel::has_component(const VariableKey& key) const {
  // The keys sort by component first: the first key at or after (component, "", "") is of
  // that component if any is.
  VariableKey probe = key;
  probe.variable = {};
  probe.variable_instance = {};
  auto it = vars_.lower_bound(probe);
  return it != vars_.end() && it->key.same_component(key);
}

std::optional<std::string> DeviceModel::value(const Variable& v, AttributeEnumType type) const {
  if (!v.has(type)) return std::nullopt;
  if (type == AttributeEnumType::Actual && v.read) return (*v.read)();
  return v.get(type);
}

SetOutcome DeviceModel::set(const VariableKey& key, AttributeEnumType type,
                            const std::string& value, SetSource source) {
  auto it = vars_.find(key);
  if (it == vars_.end()) {
    return {has_component(key) ? SetVariableStatusEnumType::UnknownVariable
                               : SetVariableStatusEnumType::UnknownComponent,
            {}};
  }
  const Variable& v = *it;
  if (!v.has(type)) return {SetVariableStatusEnumType::NotSupportedAttributeType, {}};
  // B05.FR.09: ReadOnly (and computed values) cannot be set by the CSMS.
  if (v.read || (source == SetSource::csms && v.mutability == MutabilityEnumType::ReadOnly))
    return {SetVariableStatusEnumType::Rejected, "ReadOnly"};
  // B05.FR.07, B05.FR.08: malformed or out of range.
  if (auto why = check_value(v, type, value); !why.empty())
    return {SetVariableStatusEnumType::Rejected, why};
  if (source == SetSource::csms && v.persistent) {
    // Stored before the answer: the value survives a power cut right after it. A value back
    // at its default is erased (only values that differ are stored).
    const std::string k = store_key(key, type);
    const bool is_default = type == AttributeEnumType::Actual && value == v.default_actual;
    const auto ec = is_default ? store_.kv_erase(k) : store_.kv_set(k, value);
    if (ec) {
      if (log_)
        log_(0, "SetVariables of " + std::string(key.component) + "." + std::string(key.variable) +
                    " not stored: " + ec.message());
      return {SetVariableStatusEnumType::Rejected, "InternalError"};
    }
  }
  v.put(type, value);
  if (source == SetSource::csms && v.reboot_required)
    return {SetVariableStatusEnumType::RebootRequired, {}};
  return {};
}

void DeviceModel::notify(const VariableKey& key, AttributeEnumType type, Now now) {
  const Variable* v = find(key);
  if (!v) return;
  for (const auto& o : observers_) o(*v, type, now);
}

std::optional<std::string> DeviceModel::get_string(std::string_view component,
                                                   std::string_view variable,
                                                   std::string_view instance) const {
  VariableKey k;
  k.component = component;
  k.variable = variable;
  k.variable_instance = instance;
  const Variable* v = find(k);
  if (!v) return std::nullopt;
  return value(*v, AttributeEnumType::Actual);
}

std::optional<std::int64_t> DeviceModel::get_int(std::string_view component,
                                                 std::string_view variable,
                                                 std::string_view instance) const {
  auto s = get_string(component, variable, instance);
  return s ? parse_integer(*s) : std::nullopt;
}

std::optional<bool> DeviceModel::get_bool(std::string_view component, std::string_view variable,
                                          std::string_view instance) const {
  auto s = get_string(component, variable, instance);
  if (!s || (*s != "true" && *s != "false")) return std::nullopt;
  return *s == "true";
}

}  // namespace ocpp::v201
