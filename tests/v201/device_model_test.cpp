// The run-time device model class of the OCPP 2.0.1 engine (src/v201/device_model.hpp):
// value checks (B05.FR.07, B05.FR.08), persistence, typed access, change notification.
#include "v201/device_model.hpp"

#include <catch2/catch.hpp>

#include "ocpp/error.hpp"

using namespace ocpp::v201;

namespace {

// Names and defaults are literals: a Variable holds views (the model copies them on define).
Variable make(std::string_view component, std::string_view variable, DataEnumType type,
              std::string_view actual, MutabilityEnumType m = MutabilityEnumType::ReadWrite) {
  Variable v;
  v.key.component = component;
  v.key.variable = variable;
  v.data_type = type;
  v.mutability = m;
  v.default_actual = actual;
  return v;
}

VariableKey key(std::string_view component, std::string_view variable) {
  VariableKey k;
  k.component = component;
  k.variable = variable;
  return k;
}

}  // namespace

TEST_CASE("v201 B05.FR.07: integer and decimal syntax", "[v201][device_model]") {
  CHECK(parse_integer("0") == 0);
  CHECK(parse_integer("-42") == -42);
  CHECK(parse_integer("2147483647") == 2147483647);
  CHECK(!parse_integer("2147483648"));
  CHECK(!parse_integer("+1"));
  CHECK(!parse_integer(""));
  CHECK(!parse_integer("-"));
  CHECK(!parse_integer("1e3"));
  CHECK(!parse_integer("12 "));
  CHECK(parse_decimal("1.5") == 1.5);
  CHECK(parse_decimal("-0.25") == -0.25);
  CHECK(parse_decimal("7") == 7.0);
  CHECK(!parse_decimal("1."));
  CHECK(!parse_decimal(".5"));
  CHECK(!parse_decimal("1e3"));
  CHECK(!parse_decimal("nan"));
  CHECK(!parse_decimal("inf"));
}

TEST_CASE("v201 B05.FR.07 B05.FR.08: check_value", "[v201][device_model]") {
  auto b = make("C", "B", DataEnumType::boolean, "true");
  CHECK(check_value(b, AttributeEnumType::Actual, "false").empty());
  CHECK(check_value(b, AttributeEnumType::Actual, "1") == "InvalidValue");
  auto t = make("C", "T", DataEnumType::dateTime, "");
  CHECK(check_value(t, AttributeEnumType::Actual, "2025-01-02T03:04:05Z").empty());
  CHECK(check_value(t, AttributeEnumType::Actual, "yesterday") == "InvalidValue");
  auto s = make("C", "S", DataEnumType::string, "");
  s.max_limit = 3;
  CHECK(check_value(s, AttributeEnumType::Actual, "abc").empty());
  CHECK(check_value(s, AttributeEnumType::Actual, "abcd") == "ValueOutOfRange");
  auto seq = make("C", "Q", DataEnumType::SequenceList, "");
  seq.values_list = "A,B,C";
  CHECK(check_value(seq, AttributeEnumType::Actual, "C,A").empty());
  CHECK(check_value(seq, AttributeEnumType::Actual, "C,D") == "InvalidValue");
  CHECK(check_value(seq, AttributeEnumType::Actual, "A,,B") == "InvalidValue");
  auto d = make("C", "D", DataEnumType::decimal, "1");
  d.attributes = 0xF;
  d.min_limit = 0;
  d.put(AttributeEnumType::MaxSet, "10.5");
  CHECK(check_value(d, AttributeEnumType::Actual, "10.5").empty());
  CHECK(check_value(d, AttributeEnumType::Target, "10.6") == "ValueOutOfRange");
  CHECK(check_value(d, AttributeEnumType::Actual, "-0.1") == "ValueOutOfRange");
  // MaxSet itself is bounded by the limits only, MinSet by MaxSet.
  CHECK(check_value(d, AttributeEnumType::MaxSet, "20").empty());
  CHECK(check_value(d, AttributeEnumType::MinSet, "11") == "ValueOutOfRange");
  CHECK(check_value(s, AttributeEnumType::Actual, std::string(2501, 'x')) == "InvalidValue");
}

TEST_CASE("v201 B05.FR.10: DeviceModel stores what the CSMS sets, applies it at define",
          "[v201][device_model]") {
  auto store = ocpp::make_memory_store();
  {
    DeviceModel dm(*store, {});
    REQUIRE(dm.load() == std::error_code{});
    REQUIRE(dm.define(make("Ctrl.A", "X.1", DataEnumType::integer, "5")) == std::error_code{});
    REQUIRE(dm.define(make("Ctrl", "RO", DataEnumType::integer, "1",
                           MutabilityEnumType::ReadOnly)) == std::error_code{});
    CHECK(dm.define(make("Ctrl", "RO", DataEnumType::integer, "1")) ==
          ocpp::make_error_code(ocpp::Errc::invalid_argument));
    CHECK(dm.define(make("Ctrl", "Bad", DataEnumType::integer, "x")) ==
          ocpp::make_error_code(ocpp::Errc::invalid_argument));
    CHECK(dm.set(key("Ctrl.A", "X.1"), AttributeEnumType::Actual, "7", SetSource::csms).status ==
          SetVariableStatusEnumType::Accepted);
    CHECK(dm.set(key("Ctrl", "RO"), AttributeEnumType::Actual, "2", SetSource::csms).reason ==
          "ReadOnly");
    // The firmware may set a ReadOnly value; it is not stored.
    CHECK(dm.set(key("Ctrl", "RO"), AttributeEnumType::Actual, "3", SetSource::local).status ==
          SetVariableStatusEnumType::Accepted);
    CHECK(dm.get_int("Ctrl", "RO") == 3);
    CHECK(dm.set(key("Ctrl", "Nope"), AttributeEnumType::Actual, "1", SetSource::csms).status ==
          SetVariableStatusEnumType::UnknownVariable);
    CHECK(dm.set(key("Other", "RO"), AttributeEnumType::Actual, "1", SetSource::csms).status ==
          SetVariableStatusEnumType::UnknownComponent);
    CHECK(dm.set(key("Ctrl", "RO"), AttributeEnumType::Target, "1", SetSource::csms).status ==
          SetVariableStatusEnumType::NotSupportedAttributeType);
  }
  std::vector<std::pair<std::string, std::string>> kv;
  REQUIRE(store->kv_load("v201.dm.", kv) == std::error_code{});
  REQUIRE(kv.size() == 1);
  CHECK(kv[0].second == "7");
  DeviceModel dm(*store, {});
  REQUIRE(dm.load() == std::error_code{});
  REQUIRE(dm.define(make("Ctrl.A", "X.1", DataEnumType::integer, "5")) == std::error_code{});
  REQUIRE(dm.define(make("Ctrl", "RO", DataEnumType::integer, "1", MutabilityEnumType::ReadOnly)) ==
          std::error_code{});
  CHECK(dm.get_int("Ctrl.A", "X.1") == 7);
  CHECK(dm.get_int("Ctrl", "RO") == 1);
  // A component with '.' in its name does not collide with another's key.
  REQUIRE(dm.define(make("Ctrl", "A.X.1", DataEnumType::integer, "5")) == std::error_code{});
  CHECK(dm.get_int("Ctrl", "A.X.1") == 5);
}

TEST_CASE("v201 B05: typed access and change notification", "[v201][device_model]") {
  auto store = ocpp::make_memory_store();
  DeviceModel dm(*store, {});
  REQUIRE(dm.define(make("TxCtrlr", "StopTxOnInvalidId", DataEnumType::boolean, "true")) ==
          std::error_code{});
  REQUIRE(dm.define(make("TxCtrlr", "TxStartPoint", DataEnumType::MemberList, "PowerPathClosed")) ==
          std::error_code{});
  CHECK(dm.get_bool("TxCtrlr", "StopTxOnInvalidId") == true);
  CHECK(dm.get_string("TxCtrlr", "TxStartPoint") == "PowerPathClosed");
  CHECK(!dm.get_int("TxCtrlr", "TxStartPoint"));
  CHECK(!dm.get_bool("TxCtrlr", "Nope"));
  CHECK(dm.has_component(key("TxCtrlr", "Nope")));
  CHECK(!dm.has_component(key("TxCtrl", "StopTxOnInvalidId")));
  std::vector<std::string> seen;
  dm.on_changed([&](const Variable& v, AttributeEnumType, ocpp::Now) {
    seen.push_back(std::string(v.key.variable) + "=" + *dm.value(v, AttributeEnumType::Actual));
  });
  REQUIRE(dm.set(key("TxCtrlr", "StopTxOnInvalidId"), AttributeEnumType::Actual, "false",
                 SetSource::csms)
              .status == SetVariableStatusEnumType::Accepted);
  CHECK(seen.empty());  // set() does not tell: notify() does, after the answer
  dm.notify(key("TxCtrlr", "StopTxOnInvalidId"), AttributeEnumType::Actual, ocpp::Now{});
  CHECK(seen == std::vector<std::string>{"StopTxOnInvalidId=false"});
  CHECK(dm.get_bool("TxCtrlr", "StopTxOnInvalidId") == false);
}

TEST_CASE("v201 device model: define keeps its own copy of the texts (Texts::copy)",
          "[v201][device_model]") {
  auto store = ocpp::make_memory_store();
  DeviceModel dm(*store, {});
  {
    // Texts in buffers that change and die after define(): the model must not keep views.
    std::string component = "VendorCtrlr", variable = "Fan", instance = "Front", unit = "RPM",
                list = "Low,High", actual = "Low";
    Variable v;
    v.key.component = component;
    v.key.variable = variable;
    v.key.variable_instance = instance;
    v.data_type = DataEnumType::OptionList;
    v.mutability = MutabilityEnumType::ReadWrite;
    v.unit = unit;
    v.values_list = list;
    v.default_actual = actual;
    REQUIRE(dm.define(std::move(v)) == std::error_code{});
    for (auto* s : {&component, &variable, &instance, &unit, &list, &actual})
      s->assign(s->size(), '#');
  }
  std::string other = "VendorCtrlr", name = "Pump";
  Variable w = make(other, name, DataEnumType::integer, "3");
  REQUIRE(dm.define(std::move(w)) == std::error_code{});
  other.assign(other.size(), '#');
  name.assign(name.size(), '#');
  CHECK(dm.get_string("VendorCtrlr", "Fan", "Front") == "Low");
  CHECK(dm.get_int("VendorCtrlr", "Pump") == 3);
  const Variable* fan = dm.find(VariableKey{"VendorCtrlr", {}, -1, -1, "Fan", "Front"});
  REQUIRE(fan);
  CHECK(fan->unit == "RPM");
  CHECK(fan->values_list == "Low,High");
  CHECK(fan->default_actual == "Low");
  CHECK(dm.set(fan->key, AttributeEnumType::Actual, "High", SetSource::csms).status ==
        SetVariableStatusEnumType::Accepted);
  CHECK(dm.set(fan->key, AttributeEnumType::Actual, "Off", SetSource::csms).reason ==
        "InvalidValue");
  // One copy of a component's name for all its variables.
  const Variable* pump = dm.find(VariableKey{"VendorCtrlr", {}, -1, -1, "Pump", {}});
  REQUIRE(pump);
  CHECK(pump->key.component.data() == fan->key.component.data());
}

TEST_CASE("v201 device model: a computed value is read, never set", "[v201][device_model]") {
  auto store = ocpp::make_memory_store();
  DeviceModel dm(*store, {});
  int n = 4;
  REQUIRE(dm.define(make("Ctrl", "Count", DataEnumType::integer, ""),
                    [&n] { return std::to_string(n); }) == std::error_code{});
  CHECK(dm.get_int("Ctrl", "Count") == 4);
  n = 5;
  CHECK(dm.get_int("Ctrl", "Count") == 5);
  CHECK(dm.set(key("Ctrl", "Count"), AttributeEnumType::Actual, "1", SetSource::local).reason ==
        "ReadOnly");
}
