// GetVariables (OCPP 2.0.1 part 2 B06) and SetVariables (B05) on the run-time device model:
// statuses, checks, persistence, the heartbeat following HeartbeatInterval, hostile input.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::error_code;
using test::v201::Harness;
using test::v201::parse;
using namespace std::chrono_literals;

namespace {

struct Item {
  std::string status;
  std::string type;
  std::optional<std::string> value;
  std::string reason;
};

// The results of a GetVariablesResponse or SetVariablesResponse, in order.
std::vector<Item> results(const std::optional<std::string>& frame, const char* member) {
  auto d = parse(frame);
  REQUIRE(d[0].GetInt() == 3);
  std::vector<Item> out;
  for (const auto& r : d[2][member].GetArray()) {
    Item i;
    i.status = r["attributeStatus"].GetString();
    if (r.HasMember("attributeType")) i.type = r["attributeType"].GetString();
    if (r.HasMember("attributeValue")) i.value = r["attributeValue"].GetString();
    if (r.HasMember("attributeStatusInfo"))
      i.reason = r["attributeStatusInfo"]["reasonCode"].GetString();
    out.push_back(i);
  }
  return out;
}

std::string get_item(const std::string& component, const std::string& variable,
                     const std::string& extra = "") {
  return R"({"component":{"name":")" + component + R"("},"variable":{"name":")" + variable +
         R"("})" + extra + "}";
}

std::string set_item(const std::string& component, const std::string& variable,
                     const std::string& value, const std::string& extra = "") {
  return R"({"component":{"name":")" + component + R"("},"variable":{"name":")" + variable +
         R"("},"attributeValue":")" + value + "\"" + extra + "}";
}

std::optional<std::string> get(Harness& h, const std::string& id,
                               const std::vector<std::string>& items) {
  std::string list;
  for (const auto& i : items) list += (list.empty() ? "" : ",") + i;
  return h.csms_call(id, "GetVariables", R"({"getVariableData":[)" + list + "]}");
}

std::optional<std::string> set(Harness& h, const std::string& id,
                               const std::vector<std::string>& items) {
  std::string list;
  for (const auto& i : items) list += (list.empty() ? "" : ",") + i;
  return h.csms_call(id, "SetVariables", R"({"setVariableData":[)" + list + "]}");
}

// The Actual value as GetVariables reports it.
std::optional<std::string> actual(Harness& h, const std::string& component,
                                  const std::string& variable) {
  static int n = 0;
  auto r = results(get(h, "a" + std::to_string(++n), {get_item(component, variable)}),
                   "getVariableResult");
  REQUIRE(r.size() == 1);
  return r[0].value;
}

ComponentType component(const std::string& name) {
  ComponentType c;
  c.name = name;
  return c;
}
VariableType variable(const std::string& name, std::optional<std::string> instance = {}) {
  VariableType v;
  v.name = name;
  v.instance = std::move(instance);
  return v;
}

}  // namespace

TEST_CASE("v201 B06.FR.01 B06.FR.06 B06.FR.07 B06.FR.08 B06.FR.09 B06.FR.10 B06.FR.11: statuses",
          "[v201][variables]") {
  Harness h({2});
  h.start();
  h.connect();
  auto r =
      results(get(h, "g1",
                  {get_item("OCPPCommCtrlr", "HeartbeatInterval"),
                   get_item("NoSuchCtrlr", "HeartbeatInterval"),
                   get_item("OCPPCommCtrlr", "NoSuchVariable"),
                   get_item("OCPPCommCtrlr", "HeartbeatInterval", R"(,"attributeType":"Target")"),
                   get_item("SecurityCtrlr", "BasicAuthPassword"),
                   get_item("TxCtrlr", "TxStartPoint", R"(,"attributeType":"Actual")")}),
              "getVariableResult");
  REQUIRE(r.size() == 6);
  CHECK(r[0].status == "Accepted");
  CHECK(r[0].type == "Actual");  // B06.FR.11: absent means Actual
  CHECK(r[0].value == "300");
  CHECK(r[1].status == "UnknownComponent");
  CHECK(!r[1].value);
  CHECK(r[2].status == "UnknownVariable");
  CHECK(!r[2].value);
  CHECK(r[3].status == "NotSupportedAttributeType");
  CHECK(r[3].type == "Target");
  CHECK(!r[3].value);
  CHECK(r[4].status == "Rejected");  // WriteOnly
  CHECK(!r[4].value);
  CHECK(r[5].status == "Accepted");
  CHECK(r[5].value == "PowerPathClosed");
}

TEST_CASE("v201 B06.FR.14 B06.FR.15: instances and EVSE/connector components",
          "[v201][variables]") {
  Harness h({2});
  h.start();
  h.connect();
  REQUIRE(h.engine().set_connector_status(1, 2, ConnectorStatusEnumType::Occupied, h.now()) ==
          std::error_code{});
  auto r = results(
      get(h, "g1",
          {R"({"component":{"name":"DeviceDataCtrlr"},"variable":{"name":"ItemsPerMessage","instance":"GetVariables"}})",
           R"({"component":{"name":"DeviceDataCtrlr"},"variable":{"name":"ItemsPerMessage"}})",
           R"({"component":{"name":"EVSE","evse":{"id":1}},"variable":{"name":"AvailabilityState"}})",
           R"({"component":{"name":"Connector","evse":{"id":1,"connectorId":2}},"variable":{"name":"AvailabilityState"}})",
           R"({"component":{"name":"Connector","evse":{"id":1,"connectorId":1}},"variable":{"name":"AvailabilityState"}})",
           R"({"component":{"name":"EVSE","evse":{"id":9}},"variable":{"name":"AvailabilityState"}})",
           R"({"component":{"name":"ChargingStation","instance":""},"variable":{"name":"AvailabilityState","instance":""}})"}),
      "getVariableResult");
  REQUIRE(r.size() == 7);
  CHECK(r[0].value == "50");
  CHECK(r[1].status == "UnknownVariable");  // no ItemsPerMessage without an instance
  CHECK(r[2].value == "Occupied");
  CHECK(r[3].value == "Occupied");
  CHECK(r[4].value == "Available");
  CHECK(r[5].status == "UnknownComponent");
  CHECK(r[6].value == "Available");  // an empty instance is no instance
}

TEST_CASE("v201 B06.FR.16 B06.FR.17: more items or bytes than the station's limits",
          "[v201][variables]") {
  Harness h;
  h.start();
  h.connect();
  REQUIRE(h.engine().set_variable_actual(component("DeviceDataCtrlr"),
                                         variable("ItemsPerMessage", "GetVariables"), "2",
                                         h.now()) == std::error_code{});
  const auto item = get_item("OCPPCommCtrlr", "HeartbeatInterval");
  CHECK(results(get(h, "g1", {item, item}), "getVariableResult").size() == 2);
  CHECK(error_code(get(h, "g2", {item, item, item})) == "OccurrenceConstraintViolation");
  REQUIRE(h.engine().set_variable_actual(component("DeviceDataCtrlr"),
                                         variable("BytesPerMessage", "GetVariables"), "120",
                                         h.now()) == std::error_code{});
  CHECK(error_code(get(h, "g3", {item, item})) == "FormatViolation");
}

TEST_CASE("v201 B05.FR.01 B05.FR.04 B05.FR.05 B05.FR.06 B05.FR.09 B05.FR.10 B05.FR.12: statuses",
          "[v201][variables]") {
  Harness h;
  h.start();
  h.connect();
  auto r = results(
      set(h, "s1",
          {set_item("OCPPCommCtrlr", "OfflineThreshold", "120"),
           set_item("NoSuchCtrlr", "OfflineThreshold", "1"),
           set_item("OCPPCommCtrlr", "NoSuchVariable", "1"),
           set_item("OCPPCommCtrlr", "OfflineThreshold", "1", R"(,"attributeType":"MaxSet")"),
           set_item("OCPPCommCtrlr", "FileTransferProtocols", "HTTPS")}),
      "setVariableResult");
  REQUIRE(r.size() == 5);
  CHECK(r[0].status == "Accepted");
  CHECK(r[0].type == "Actual");  // B05.FR.12
  CHECK(r[1].status == "UnknownComponent");
  CHECK(r[2].status == "UnknownVariable");
  CHECK(r[3].status == "NotSupportedAttributeType");
  CHECK(r[3].type == "MaxSet");
  CHECK(r[4].status == "Rejected");  // B05.FR.09: ReadOnly
  CHECK(r[4].reason == "ReadOnly");
  CHECK(actual(h, "OCPPCommCtrlr", "OfflineThreshold") == "120");
}

TEST_CASE("v201 B05.FR.07 B05.FR.08: values checked against data type, values list and limits",
          "[v201][variables]") {
  Harness h;
  h.start();
  h.connect();
  struct Case {
    std::string component;
    std::string variable;
    std::string value;
    std::string status;
  };
  const Case cases[] = {
      {"OCPPCommCtrlr", "OfflineThreshold", "abc", "Rejected"},
      {"OCPPCommCtrlr", "OfflineThreshold", "1.5", "Rejected"},
      {"OCPPCommCtrlr", "OfflineThreshold", "+5", "Rejected"},
      {"OCPPCommCtrlr", "OfflineThreshold", " 5", "Rejected"},
      {"OCPPCommCtrlr", "OfflineThreshold", "99999999999", "Rejected"},
      {"OCPPCommCtrlr", "OfflineThreshold", "-1", "Rejected"},  // below minLimit 0
      {"OCPPCommCtrlr", "HeartbeatInterval", "0", "Rejected"},  // below minLimit 1
      {"TxCtrlr", "StopTxOnInvalidId", "TRUE", "Rejected"},
      {"TxCtrlr", "StopTxOnInvalidId", "false", "Accepted"},
      {"TxCtrlr", "TxStartPoint", "Foo", "Rejected"},
      {"TxCtrlr", "TxStartPoint", "EVConnected,EVConnected", "Rejected"},
      {"TxCtrlr", "TxStartPoint", "EVConnected,Authorized", "Accepted"},
      {"AuthCacheCtrlr", "Policy", "LRU,LFU", "Rejected"},  // OptionList: one value
      {"AuthCacheCtrlr", "Policy", "FIFO", "Accepted"},
      {"SampledDataCtrlr", "TxUpdatedMeasurands", "Voltage,Power.Active.Import", "Accepted"},
      {"SampledDataCtrlr", "TxUpdatedMeasurands", "Voltage,Volts", "Rejected"},
      {"SecurityCtrlr", "BasicAuthPassword", std::string(41, 'x'), "Rejected"},
  };
  int n = 0;
  for (const auto& c : cases) {
    INFO(c.component << "." << c.variable << " = '" << c.value << "'");
    auto r =
        results(set(h, "s" + std::to_string(++n), {set_item(c.component, c.variable, c.value)}),
                "setVariableResult");
    REQUIRE(r.size() == 1);
    CHECK(r[0].status == c.status);
    if (r[0].status == "Rejected")
      CHECK((r[0].reason == "InvalidValue" || r[0].reason == "ValueOutOfRange"));
  }
  // A rejected value leaves the old one.
  CHECK(actual(h, "OCPPCommCtrlr", "OfflineThreshold") == "60");
  CHECK(actual(h, "TxCtrlr", "TxStartPoint") == "EVConnected,Authorized");
}

TEST_CASE("v201 B05.FR.10: a value survives a power cut (engine re-created on the same store)",
          "[v201][variables]") {
  Harness h;
  h.start();
  h.connect();
  auto r = results(set(h, "s1",
                       {set_item("TxCtrlr", "TxStopPoint", "EVConnected"),
                        set_item("AlignedDataCtrlr", "Interval", "300"),
                        set_item("OCPPCommCtrlr", "OfflineThreshold", "60")}),  // = default
                   "setVariableResult");
  REQUIRE(r.size() == 3);
  for (const auto& i : r) CHECK(i.status == "Accepted");
  // Only values that differ from the default are stored.
  std::vector<std::pair<std::string, std::string>> kv;
  REQUIRE(h.store().kv_load("v201.dm.", kv) == std::error_code{});
  CHECK(kv.size() == 2);
  // Power cut: a new engine on the same store, no disconnect first.
  h.start();
  CHECK(h.engine().get_variable(component("TxCtrlr"), variable("TxStopPoint")).value() ==
        "EVConnected");
  CHECK(h.engine().get_variable(component("AlignedDataCtrlr"), variable("Interval")).value() ==
        "300");
  // Back to the default: the stored value is erased.
  h.connect();
  CHECK(results(set(h, "s2", {set_item("TxCtrlr", "TxStopPoint", "EVConnected,Authorized")}),
                "setVariableResult")[0]
            .status == "Accepted");
  kv.clear();
  REQUIRE(h.store().kv_load("v201.dm.", kv) == std::error_code{});
  CHECK(kv.size() == 1);
}

TEST_CASE("v201 B05 G02.FR.02: HeartbeatInterval set by SetVariables drives the heartbeat",
          "[v201][variables]") {
  Harness h;
  h.boot_answer("Accepted", 300);
  h.start();
  h.connect();
  h.advance(10s);
  REQUIRE(h.calls_of("Heartbeat").empty());
  CHECK(results(set(h, "s1", {set_item("OCPPCommCtrlr", "HeartbeatInterval", "20")}),
                "setVariableResult")[0]
            .status == "Accepted");
  const auto t0 = h.now().mono;
  h.advance(65s);
  auto hb = h.calls_of("Heartbeat");
  REQUIRE(hb.size() == 3);
  CHECK(hb[0].at - t0 == 20s);
  CHECK(hb[1].at - hb[0].at == 20s);
  // Kept after a restart (until the next BootNotificationResponse gives its interval).
  h.start();
  CHECK(
      h.engine().get_variable(component("OCPPCommCtrlr"), variable("HeartbeatInterval")).value() ==
      "20");
}

TEST_CASE(
    "v201 B01.FR.04: the BootNotificationResponse interval is OCPPCommCtrlr.HeartbeatInterval",
    "[v201][variables]") {
  Harness h;
  h.boot_answer("Accepted", 45);
  h.start();
  CHECK(
      h.engine().get_variable(component("OCPPCommCtrlr"), variable("HeartbeatInterval")).value() ==
      "300");
  h.connect();
  CHECK(actual(h, "OCPPCommCtrlr", "HeartbeatInterval") == "45");
}

TEST_CASE("v201 B05.FR.09: a store that fails to write: Rejected, the value unchanged",
          "[v201][variables]") {
  // A store whose kv_set fails once `fail` is set.
  struct FailingStore : ocpp::Store {
    std::unique_ptr<ocpp::Store> inner = ocpp::make_memory_store();
    bool fail = false;
    std::error_code outbox_append(ocpp::OutboxMessage& m) override {
      return inner->outbox_append(m);
    }
    std::error_code outbox_front(std::optional<ocpp::OutboxMessage>& o) override {
      return inner->outbox_front(o);
    }
    std::error_code outbox_size(std::size_t& o) override { return inner->outbox_size(o); }
    std::error_code outbox_set_attempts(std::int64_t s, int a) override {
      return inner->outbox_set_attempts(s, a);
    }
    std::error_code outbox_ack(std::int64_t s, std::int64_t t, const ocpp::AckEffects& e) override {
      return inner->outbox_ack(s, t, e);
    }
    std::error_code outbox_drop_oldest_droppable(bool& d) override {
      return inner->outbox_drop_oldest_droppable(d);
    }
    std::error_code transaction_begin(ocpp::TransactionRecord& r, ocpp::OutboxMessage& m) override {
      return inner->transaction_begin(r, m);
    }
    std::error_code transaction_end(std::int64_t t, ocpp::OutboxMessage& m) override {
      return inner->transaction_end(t, m);
    }
    std::error_code transactions_load(std::vector<ocpp::TransactionRecord>& o) override {
      return inner->transactions_load(o);
    }
    std::error_code kv_set(const std::string& k, const std::string& v) override {
      if (fail) return ocpp::make_error_code(ocpp::Errc::storage_error);
      return inner->kv_set(k, v);
    }
    std::error_code kv_erase(const std::string& k) override { return inner->kv_erase(k); }
    std::error_code kv_load(const std::string& p,
                            std::vector<std::pair<std::string, std::string>>& o) override {
      return inner->kv_load(p, o);
    }
  };
  FailingStore store;
  Hooks hooks;
  int hooked = 0;
  hooks.variable_set = [&](const ComponentType&, const VariableType&, AttributeEnumType,
                           const std::string&) { ++hooked; };
  EngineOptions o;
  o.charging_station.model = "M";
  o.charging_station.vendorName = "V";
  ocpp::Now now{ocpp::MonoTime{} + 1000s, ocpp::DateTime{} + 1'790'000'000s};
  auto e = Engine::create(o, store, hooks, now);
  REQUIRE(e.ok());
  auto& engine = *e.value();
  store.fail = true;
  engine.connected(now);
  engine.receive(R"([2,"s1","SetVariables",{"setVariableData":[)" +
                     set_item("TxCtrlr", "TxStopPoint", "EVConnected") + "]}]",
                 now);
  auto reply = engine.poll_transmit(now);
  auto r = results(reply, "setVariableResult");
  REQUIRE(r.size() == 1);
  CHECK(r[0].status == "Rejected");
  CHECK(r[0].reason == "InternalError");
  CHECK(engine.get_variable(component("TxCtrlr"), variable("TxStopPoint")).value() ==
        "EVConnected,Authorized");
  while (auto f = engine.poll_hook_call()) f();
  CHECK(hooked == 0);
}

TEST_CASE("v201 B05: the variable_set hook hears the value after the answer", "[v201][variables]") {
  Harness h;
  std::vector<std::tuple<std::string, std::string, std::string>> seen;
  h.hooks.variable_set = [&](const ComponentType& c, const VariableType& v, AttributeEnumType,
                             const std::string& value) {
    seen.emplace_back(c.name, v.name, value);
  };
  h.start();
  h.connect();
  const std::string pw = "0123456789abcdef";
  CHECK(results(set(h, "s1", {set_item("SecurityCtrlr", "BasicAuthPassword", pw)}),
                "setVariableResult")[0]
            .status == "Accepted");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] ==
        std::make_tuple(std::string("SecurityCtrlr"), std::string("BasicAuthPassword"), pw));
  // WriteOnly for the CSMS, readable by the firmware.
  CHECK(
      h.engine().get_variable(component("SecurityCtrlr"), variable("BasicAuthPassword")).value() ==
      pw);
  CHECK(!actual(h, "SecurityCtrlr", "BasicAuthPassword"));
}

TEST_CASE("v201 B05.FR.08 B05 RebootRequired: a vendor variable with MinSet/MaxSet",
          "[v201][variables]") {
  Harness h({1});
  h.start();
  VariableDefinition d;
  d.component = component("VendorFan");
  d.variable = variable("FanSpeed");
  d.dataType = DataEnumType::integer;
  d.mutability = MutabilityEnumType::ReadWrite;
  d.attributeTypes = {AttributeEnumType::Actual, AttributeEnumType::MinSet,
                      AttributeEnumType::MaxSet};
  d.actual = "1000";
  d.unit = "RPM";
  d.minLimit = 0;
  d.maxLimit = 6000;
  d.rebootRequired = true;
  REQUIRE(h.engine().add_variable(d) == std::error_code{});
  CHECK(h.engine().add_variable(d) == ocpp::make_error_code(ocpp::Errc::invalid_argument));
  VariableDefinition bad = d;
  bad.variable = variable("Other");
  bad.component.evse = EVSEType{};
  bad.component.evse->id = 2;  // no EVSE 2
  CHECK(h.engine().add_variable(bad) == ocpp::make_error_code(ocpp::Errc::invalid_argument));
  bad.component.evse.reset();
  bad.actual = "fast";
  CHECK(h.engine().add_variable(bad) == ocpp::make_error_code(ocpp::Errc::invalid_argument));
  h.connect();
  auto r = results(
      set(h, "s1",
          {set_item("VendorFan", "FanSpeed", "3000", R"(,"attributeType":"MaxSet")"),
           set_item("VendorFan", "FanSpeed", "3500"), set_item("VendorFan", "FanSpeed", "2500"),
           set_item("VendorFan", "FanSpeed", "7000", R"(,"attributeType":"MinSet")")}),
      "setVariableResult");
  REQUIRE(r.size() == 4);
  CHECK(r[0].status == "RebootRequired");
  CHECK(r[1].status == "Rejected");  // above MaxSet
  CHECK(r[1].reason == "ValueOutOfRange");
  CHECK(r[2].status == "RebootRequired");
  CHECK(r[3].status == "Rejected");  // above maxLimit
  auto g = results(get(h, "g1",
                       {get_item("VendorFan", "FanSpeed", R"(,"attributeType":"MinSet")"),
                        get_item("VendorFan", "FanSpeed", R"(,"attributeType":"MaxSet")")}),
                   "getVariableResult");
  CHECK(g[0].status == "Accepted");
  CHECK(g[0].value == "");  // B06.FR.13: supported, not set
  CHECK(g[1].value == "3000");
  // The firmware's own value.
  CHECK(h.engine().set_variable_actual(d.component, d.variable, "1200", h.now()) ==
        std::error_code{});
  CHECK(actual(h, "VendorFan", "FanSpeed") == "1200");
  CHECK(h.engine().set_variable_actual(d.component, d.variable, "x", h.now()) ==
        ocpp::make_error_code(ocpp::Errc::invalid_argument));
  CHECK(h.engine().set_variable_actual(component("ChargingStation"), variable("AvailabilityState"),
                                       "Faulted", h.now()) ==
        ocpp::make_error_code(ocpp::Errc::invalid_argument));
  // Stored: a new engine applies the CSMS's values when the firmware adds the variable again.
  h.start();
  REQUIRE(h.engine().add_variable(d) == std::error_code{});
  CHECK(h.engine().get_variable(d.component, d.variable).value() == "2500");
  CHECK(h.engine().get_variable(d.component, d.variable, AttributeEnumType::MaxSet).value() ==
        "3000");
}

TEST_CASE("v201 B02.FR.01: Get/SetVariables are answered while Pending", "[v201][variables]") {
  Harness h;
  h.boot_answer("Pending", 60);
  h.start();
  h.connect();
  REQUIRE(h.engine().registration() == RegistrationStatusEnumType::Pending);
  CHECK(actual(h, "OCPPCommCtrlr", "HeartbeatInterval") == "300");
  CHECK(results(set(h, "s1", {set_item("OCPPCommCtrlr", "OfflineThreshold", "30")}),
                "setVariableResult")[0]
            .status == "Accepted");
}

TEST_CASE("v201 B05 B06: hostile input gets a CALLERROR", "[v201][variables]") {
  Harness h;
  h.start();
  h.connect();
  // More elements than ItemsPerMessageSetVariables (50), checked before decoding; a list
  // longer than BytesPerMessageSetVariables (65000) too.
  std::vector<std::string> many(51, set_item("OCPPCommCtrlr", "OfflineThreshold", "1"));
  CHECK(error_code(set(h, "s1", many)) == "OccurrenceConstraintViolation");
  many.resize(2000, many[0]);
  CHECK(error_code(set(h, "s1b", many)) == "FormatViolation");
  // An attributeValue over the schema's 1000 characters.
  CHECK(error_code(set(h, "s2",
                       {set_item("OCPPCommCtrlr", "NetworkConfigurationPriority",
                                 std::string(1001, '1'))})) != "");
  // A component name over 50 characters.
  CHECK(error_code(get(h, "g1", {get_item(std::string(51, 'C'), "X")})) != "");
  // An unknown attribute type.
  CHECK(error_code(get(h, "g2",
                       {get_item("OCPPCommCtrlr", "HeartbeatInterval",
                                 R"(,"attributeType":"Current")")})) != "");
  // No elements at all (the schema asks for one).
  CHECK(error_code(h.csms_call("g3", "GetVariables", R"({"getVariableData":[]})")) != "");
  // Not an array.
  CHECK(error_code(h.csms_call("g4", "GetVariables", R"({"getVariableData":{}})")) != "");
}
