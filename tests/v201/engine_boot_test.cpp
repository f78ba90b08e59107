// The first increment of the OCPP 2.0.1 engine: boot (part 2 B01-B03), heartbeat (G02),
// connector status (G01), and the RPC framework answers of part 4. Every CALL the engine
// sends is checked against its request schema by the harness.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::error_code;
using test::v201::Harness;
using test::v201::parse;
using namespace std::chrono_literals;

namespace {

rapidjson::Document json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  REQUIRE(d.IsObject());
  return d;
}

}  // namespace

TEST_CASE(
    "v201 B01.FR.01 B01.FR.09: BootNotificationRequest with reason PowerUp on the first connection",
    "[v201][boot]") {
  Harness h;
  h.options.charging_station.serialNumber = "SN-1";
  h.options.charging_station.firmwareVersion = "1.2.3";
  h.start();
  CHECK(h.calls.empty());
  CHECK(!h.engine().registration());
  h.connect();
  CHECK(h.engine().is_connected());
  REQUIRE(!h.calls.empty());
  CHECK(h.calls[0].action == "BootNotification");
  auto p = json(h.calls[0].payload);
  CHECK(std::string(p["reason"].GetString()) == "PowerUp");
  CHECK(std::string(p["chargingStation"]["vendorName"].GetString()) == "TestVendor");
  CHECK(std::string(p["chargingStation"]["model"].GetString()) == "TestModel");
  CHECK(std::string(p["chargingStation"]["serialNumber"].GetString()) == "SN-1");
  CHECK(std::string(p["chargingStation"]["firmwareVersion"].GetString()) == "1.2.3");
  CHECK(h.engine().registration() == RegistrationStatusEnumType::Accepted);
}

TEST_CASE("v201 B01.FR.09: the boot reason the firmware gives", "[v201][boot]") {
  Harness h;
  h.options.boot_reason = BootReasonEnumType::RemoteReset;
  h.start();
  h.connect();
  REQUIRE(h.calls_of("BootNotification").size() == 1);
  CHECK(std::string(json(h.calls[0].payload)["reason"].GetString()) == "RemoteReset");
}

TEST_CASE("v201 B01.FR.05: StatusNotificationRequest for every connector after Accepted",
          "[v201][boot]") {
  Harness h({2, 1});
  h.start();
  h.connect();
  auto sn = h.calls_of("StatusNotification");
  REQUIRE(sn.size() == 3);
  const int expected[3][2] = {{1, 1}, {1, 2}, {2, 1}};
  for (int i = 0; i < 3; ++i) {
    auto p = json(sn[static_cast<std::size_t>(i)].payload);
    CHECK(p["evseId"].GetInt() == expected[i][0]);
    CHECK(p["connectorId"].GetInt() == expected[i][1]);
    CHECK(std::string(p["connectorStatus"].GetString()) == "Available");
    ocpp::DateTime t;
    CHECK(ocpp::parse_datetime(p["timestamp"].GetString(), t));
  }
  CHECK(h.calls[0].action == "BootNotification");  // and they follow it
}

TEST_CASE("v201 B01.FR.08: nothing but BootNotificationRequest before Accepted", "[v201][boot]") {
  Harness h;
  h.policy["BootNotification"] = [](const test::v201::SentCall&) -> std::optional<std::string> {
    return std::nullopt;  // held
  };
  h.start();
  h.connect();
  REQUIRE(h.engine().set_connector_status(1, 1, ConnectorStatusEnumType::Occupied, h.now()) ==
          std::error_code{});
  h.advance(10s);
  REQUIRE(h.calls.size() == 1);
  CHECK(h.calls[0].action == "BootNotification");
  // Accepted: the connector is reported as it is now.
  h.csms_send("[3,\"" + h.held[0].id +
              R"(",{"status":"Accepted","currentTime":"2026-11-30T10:00:00Z","interval":300}])");
  auto sn = h.calls_of("StatusNotification");
  REQUIRE(sn.size() == 1);
  CHECK(std::string(json(sn[0].payload)["connectorStatus"].GetString()) == "Occupied");
}

TEST_CASE("v201 B01.FR.04 G02.FR.01 G02.FR.02: heartbeat at the interval of the Accepted answer",
          "[v201][boot][heartbeat]") {
  Harness h;
  h.boot_answer("Accepted", 120);
  h.start();
  h.connect();
  const auto t0 = h.seconds(h.calls[0].at);
  h.advance(365s);
  auto hb = h.calls_of("Heartbeat");
  REQUIRE(hb.size() == 3);
  CHECK(h.seconds(hb[0].at) - t0 == 120);
  CHECK(h.seconds(hb[1].at) - t0 == 240);
  CHECK(h.seconds(hb[2].at) - t0 == 360);
}

TEST_CASE("v201 B01.FR.04: interval 0 keeps the configured heartbeat interval",
          "[v201][boot][heartbeat]") {
  Harness h;
  h.boot_answer("Accepted", 0);
  h.options.heartbeat_interval = 50s;
  h.start();
  h.connect();
  h.advance(120s);
  CHECK(h.calls_of("Heartbeat").size() == 2);
}

TEST_CASE("v201 B01.FR.06 G02.FR.06: the CSMS's time goes to the time_sync hook",
          "[v201][boot][heartbeat]") {
  Harness h;
  std::vector<ocpp::DateTime> times;
  std::vector<std::pair<RegistrationStatusEnumType, std::int32_t>> boots;
  h.hooks.time_sync = [&](ocpp::DateTime t) { times.push_back(t); };
  h.hooks.boot = [&](RegistrationStatusEnumType s, std::int32_t i) { boots.emplace_back(s, i); };
  h.policy["Heartbeat"] = [](const test::v201::SentCall&) -> std::optional<std::string> {
    return R"({"currentTime":"2030-01-02T03:04:05Z"})";
  };
  h.start();
  h.connect();
  REQUIRE(boots.size() == 1);
  CHECK(boots[0].first == RegistrationStatusEnumType::Accepted);
  CHECK(boots[0].second == 300);
  REQUIRE(times.size() == 1);
  h.advance(300s);
  REQUIRE(times.size() == 2);
  ocpp::DateTime expected;
  REQUIRE(ocpp::parse_datetime("2030-01-02T03:04:05Z", expected));
  CHECK(times[1] == expected);
}

TEST_CASE(
    "v201 B02.FR.02 B02.FR.04 B02.FR.08: Pending, only BootNotificationRequest, after the interval",
    "[v201][boot][pending]") {
  Harness h;
  h.boot_answer("Pending", 60);
  h.start();
  h.connect();
  CHECK(h.engine().registration() == RegistrationStatusEnumType::Pending);
  REQUIRE(h.engine().set_connector_status(1, 1, ConnectorStatusEnumType::Faulted, h.now()) ==
          std::error_code{});
  h.advance(59s);
  CHECK(h.calls.size() == 1);
  h.advance(1s);
  REQUIRE(h.calls.size() == 2);
  CHECK(h.calls[1].action == "BootNotification");
  CHECK(h.seconds(h.calls[1].at) - h.seconds(h.calls[0].at) == 60);
  h.boot_answer("Accepted", 300);
  h.advance(60s);
  CHECK(h.engine().registration() == RegistrationStatusEnumType::Accepted);
  REQUIRE(h.calls_of("BootNotification").size() == 3);
  auto sn = h.calls_of("StatusNotification");
  REQUIRE(sn.size() == 1);
  CHECK(std::string(json(sn[0].payload)["connectorStatus"].GetString()) == "Faulted");
  CHECK(h.calls_of("Heartbeat").empty());
}

TEST_CASE("v201 B02.FR.07 B03.FR.05: interval 0 or no answer, a wait of our own",
          "[v201][boot][pending]") {
  Harness h;
  h.boot_answer("Pending", 0);
  h.options.boot_retry_default = 45s;
  h.start();
  h.connect();
  h.advance(44s);
  CHECK(h.calls.size() == 1);
  h.advance(1s);
  CHECK(h.calls.size() == 2);
  // A CALLERROR instead of an answer: the same wait.
  h.policy.erase("BootNotification");
  h.policy["BootNotification"] = [](const test::v201::SentCall&) -> std::optional<std::string> {
    return std::string(R"({"status":"Sideways"})");  // a schema violation
  };
  h.advance(45s);
  REQUIRE(h.calls.size() == 3);
  h.advance(44s);
  CHECK(h.calls.size() == 3);
  h.advance(1s);
  CHECK(h.calls.size() == 4);
  CHECK(h.engine().registration() == RegistrationStatusEnumType::Pending);  // the last valid answer
}

TEST_CASE("v201 B02.FR.01 B02.FR.05: the CSMS's CALLs while Pending are answered",
          "[v201][boot][pending]") {
  Harness h;
  h.boot_answer("Pending", 600);
  h.start();
  h.connect();
  auto start =
      parse(h.csms_call("s1", "RequestStartTransaction",
                        R"({"idToken":{"idToken":"ABC","type":"ISO14443"},"remoteStartId":7})"));
  REQUIRE(start[0].GetInt() == 3);
  CHECK(std::string(start[2]["status"].GetString()) == "Rejected");
  auto stop = parse(h.csms_call("s2", "RequestStopTransaction", R"({"transactionId":"T1"})"));
  REQUIRE(stop[0].GetInt() == 3);
  CHECK(std::string(stop[2]["status"].GetString()) == "Rejected");
  // A payload the schema refuses is a CALLERROR, not a Rejected.
  CHECK(error_code(h.csms_call("s3", "RequestStopTransaction", "{}")) ==
        "OccurrenceConstraintViolation");
  // Not supported by this increment: answered with NotSupported.
  CHECK(error_code(h.csms_call("s4", "GetDisplayMessages", R"({"requestId":1})")) ==
        "NotSupported");
  CHECK(h.calls.size() == 1);
}

TEST_CASE("v201 B03.FR.02 B03.FR.06: Rejected, no message until the interval has passed",
          "[v201][boot][rejected]") {
  Harness h;
  h.boot_answer("Rejected", 120);
  h.start();
  h.connect();
  CHECK(h.engine().registration() == RegistrationStatusEnumType::Rejected);
  REQUIRE(h.engine().set_connector_status(1, 1, ConnectorStatusEnumType::Unavailable, h.now()) ==
          std::error_code{});
  h.advance(60s);
  // A reconnect does not shorten the interval.
  h.disconnect();
  h.connect();
  h.advance(59s);
  CHECK(h.calls.size() == 1);
  CHECK(h.results.empty());
  h.advance(1s);
  REQUIRE(h.calls.size() == 2);
  CHECK(h.calls[1].action == "BootNotification");
  CHECK(h.seconds(h.calls[1].at) - h.seconds(h.calls[0].at) == 120);
}

TEST_CASE("v201 B03.FR.08: while Rejected the CSMS's CALLs get CALLERROR SecurityError",
          "[v201][boot][rejected]") {
  Harness h;
  h.boot_answer("Rejected", 600);
  h.start();
  h.connect();
  CHECK(error_code(h.csms_call("r1", "Reset", R"({"type":"Immediate"})")) == "SecurityError");
  CHECK(error_code(h.csms_call("r2", "NoSuchAction", "{}")) == "SecurityError");
  CHECK(h.calls.size() == 1);
}

TEST_CASE(
    "v201 B01.FR.03: a reconnect after Accepted sends no BootNotification, reports every connector",
    "[v201][boot]") {
  Harness h({1, 2});
  h.start();
  h.connect();
  CHECK(h.calls_of("StatusNotification").size() == 3);
  h.disconnect();
  CHECK(!h.engine().is_connected());
  REQUIRE(h.engine().set_connector_status(2, 2, ConnectorStatusEnumType::Occupied, h.now()) ==
          std::error_code{});
  h.advance(1000s);
  // Boot, the boot's security event (A04), 2 StatusNotifications; nothing while offline.
  CHECK(h.calls.size() == 5);
  h.connect();
  CHECK(h.calls_of("BootNotification").size() == 1);
  auto sn = h.calls_of("StatusNotification");
  REQUIRE(sn.size() == 6);
  auto last = json(sn[5].payload);
  CHECK(last["evseId"].GetInt() == 2);
  CHECK(last["connectorId"].GetInt() == 2);
  CHECK(std::string(last["connectorStatus"].GetString()) == "Occupied");
  // The heartbeat runs again, from the reconnect.
  const auto t = h.seconds(h.calls.back().at);
  h.advance(300s);
  auto hb = h.calls_of("Heartbeat");
  REQUIRE(!hb.empty());
  CHECK(h.seconds(hb.back().at) - t == 300);
}

TEST_CASE("v201 B01.FR.03: a new engine (a reboot) sends BootNotificationRequest again",
          "[v201][boot]") {
  Harness h;
  h.start();
  h.connect();
  h.disconnect();
  h.start();
  h.connect();
  CHECK(h.calls_of("BootNotification").size() == 2);
}

TEST_CASE("v201 G01: set_connector_status sends StatusNotificationRequest when the status changes",
          "[v201][status]") {
  Harness h({1, 2});
  std::vector<std::tuple<int, int, ConnectorStatusEnumType>> seen;
  h.hooks.status = [&](int e, int c, ConnectorStatusEnumType s) { seen.emplace_back(e, c, s); };
  h.start();
  h.connect();
  h.calls.clear();
  REQUIRE(h.engine().set_connector_status(2, 1, ConnectorStatusEnumType::Occupied, h.now()) ==
          std::error_code{});
  h.pump();
  REQUIRE(h.calls.size() == 1);
  auto p = json(h.calls[0].payload);
  CHECK(p["evseId"].GetInt() == 2);
  CHECK(p["connectorId"].GetInt() == 1);
  CHECK(std::string(p["connectorStatus"].GetString()) == "Occupied");
  // The same status again: nothing new.
  REQUIRE(h.engine().set_connector_status(2, 1, ConnectorStatusEnumType::Occupied, h.now()) ==
          std::error_code{});
  h.pump();
  CHECK(h.calls.size() == 1);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == std::make_tuple(2, 1, ConnectorStatusEnumType::Occupied));
  auto st = h.engine().connector_status(2, 1);
  REQUIRE(st.ok());
  CHECK(*st == ConnectorStatusEnumType::Occupied);
}

TEST_CASE("v201 G01: unknown EVSE or connector is an error", "[v201][status]") {
  Harness h({1, 2});
  h.start();
  const auto unknown = ocpp::make_error_code(ocpp::Errc::unknown_connector);
  CHECK(h.engine().set_connector_status(0, 1, ConnectorStatusEnumType::Occupied, h.now()) ==
        unknown);
  CHECK(h.engine().set_connector_status(3, 1, ConnectorStatusEnumType::Occupied, h.now()) ==
        unknown);
  CHECK(h.engine().set_connector_status(1, 2, ConnectorStatusEnumType::Occupied, h.now()) ==
        unknown);
  CHECK(h.engine().set_connector_status(2, 0, ConnectorStatusEnumType::Occupied, h.now()) ==
        unknown);
  CHECK(h.engine().set_connector_status(2, 3, ConnectorStatusEnumType::Occupied, h.now()) ==
        unknown);
  CHECK(h.engine().connector_status(1, 2).error() == unknown);
}

TEST_CASE(
    "v201 part 4 section 4.3: unknown actions NotImplemented, known but unsupported NotSupported",
    "[v201][rpc]") {
  Harness h;
  h.start();
  h.connect();
  CHECK(error_code(h.csms_call("u1", "FlyToTheMoon", "{}")) == "NotImplemented");
  CHECK(error_code(h.csms_call("u2", "Heartbeat", "{}")) == "NotSupported");  // sent by us only
  CHECK(error_code(h.csms_call("u3", "GetDisplayMessages", R"({"requestId":1})")) ==
        "NotSupported");
}

TEST_CASE(
    "v201 part 4 section 4.2.3: a frame whose message id cannot be read is answered with id -1",
    "[v201][rpc]") {
  Harness h;
  h.start();
  h.connect();
  for (const char* text : {"not json at all", "[2,", "{\"a\":1}", "[2]"}) {
    INFO(text);
    h.results.clear();
    h.csms_send(text);
    REQUIRE(h.results.size() == 1);
    auto d = parse(h.results[0]);
    CHECK(d[0].GetInt() == 4);
    CHECK(std::string(d[1].GetString()) == "-1");
    CHECK(std::string(d[2].GetString()) == "RpcFrameworkError");
  }
  // A readable id gets its own answer.
  h.results.clear();
  h.csms_send(R"([2,"m1",5,{}])");
  REQUIRE(h.results.size() == 1);
  CHECK(std::string(parse(h.results[0])[1].GetString()) == "m1");
}

TEST_CASE("v201 engine: create checks its options", "[v201]") {
  auto store = ocpp::make_memory_store();
  ocpp::Now now{};
  EngineOptions o;
  o.charging_station.vendorName = "V";
  o.charging_station.model = "M";
  CHECK(Engine::create(o, *store, {}, now).ok());
  auto bad = o;
  bad.evses.clear();
  CHECK(Engine::create(bad, *store, {}, now).error() ==
        ocpp::make_error_code(ocpp::Errc::invalid_argument));
  bad = o;
  bad.evses = {1, 0};
  CHECK(!Engine::create(bad, *store, {}, now).ok());
  bad = o;
  bad.charging_station.model.clear();
  CHECK(!Engine::create(bad, *store, {}, now).ok());
  bad = o;
  bad.charging_station.vendorName = std::string(51, 'v');  // CiString50Type
  CHECK(!Engine::create(bad, *store, {}, now).ok());
}

TEST_CASE("v201 engine: a BootNotificationRequest cut off by a disconnect is sent afresh",
          "[v201][boot]") {
  Harness h;
  h.policy["BootNotification"] = [](const test::v201::SentCall&) -> std::optional<std::string> {
    return std::nullopt;
  };
  h.start();
  h.connect();
  h.disconnect();
  h.boot_answer("Accepted", 300);
  h.connect();
  CHECK(h.calls_of("BootNotification").size() == 2);
  CHECK(h.engine().registration() == RegistrationStatusEnumType::Accepted);
  // The answer to the first one, late, on the new connection: ignored.
  h.csms_send("[3,\"" + h.held[0].id +
              R"(",{"status":"Rejected","currentTime":"2026-11-30T10:00:00Z","interval":300}])");
  CHECK(h.engine().registration() == RegistrationStatusEnumType::Accepted);
}

namespace {

// "evseId/connectorId status" of the StatusNotificationRequests sent from call `from` on.
std::vector<std::string> statuses_since(const Harness& h, std::size_t from) {
  std::vector<std::string> out;
  for (std::size_t i = from; i < h.calls.size(); ++i) {
    if (h.calls[i].action != "StatusNotification") continue;
    auto p = json(h.calls[i].payload);
    out.push_back(std::to_string(p["evseId"].GetInt()) + "/" +
                  std::to_string(p["connectorId"].GetInt()) + " " +
                  p["connectorStatus"].GetString());
  }
  return out;
}

}  // namespace

TEST_CASE(
    "v201 B04.FR.01 TC_B_51: offline longer than OfflineThreshold, every connector is "
    "reported after the reconnect",
    "[v201][boot][offline]") {
  Harness h({1, 2});
  h.start();
  h.connect();
  test::v201::set_variable(h, "OCPPCommCtrlr", "OfflineThreshold", "120");
  h.disconnect();
  REQUIRE(h.engine().set_connector_status(2, 1, ConnectorStatusEnumType::Occupied, h.now()) ==
          std::error_code{});
  h.advance(121s);  // exceeds the threshold
  const auto from = h.calls.size();
  h.connect();
  CHECK(statuses_since(h, from) ==
        std::vector<std::string>{"1/1 Available", "2/1 Occupied", "2/2 Available"});
  CHECK(h.calls_of("BootNotification").size() == 1);
}

TEST_CASE(
    "v201 B04.FR.02 TC_B_52: offline no longer than OfflineThreshold, only the connectors "
    "whose status changed are reported after the reconnect",
    "[v201][boot][offline]") {
  Harness h({1, 2});
  h.start();
  h.connect();
  test::v201::set_variable(h, "OCPPCommCtrlr", "OfflineThreshold", "120");
  h.disconnect();
  REQUIRE(h.engine().set_connector_status(2, 1, ConnectorStatusEnumType::Occupied, h.now()) ==
          std::error_code{});
  // A change and back while offline is still a change (reported, with the current status).
  REQUIRE(h.engine().set_connector_status(1, 1, ConnectorStatusEnumType::Faulted, h.now()) ==
          std::error_code{});
  REQUIRE(h.engine().set_connector_status(1, 1, ConnectorStatusEnumType::Available, h.now()) ==
          std::error_code{});
  h.advance(120s);  // equal: does not exceed the threshold
  auto from = h.calls.size();
  h.connect();
  CHECK(statuses_since(h, from) == std::vector<std::string>{"1/1 Available", "2/1 Occupied"});
  // A second short outage without a change: nothing is reported.
  h.disconnect();
  h.advance(10s);
  from = h.calls.size();
  h.connect();
  CHECK(statuses_since(h, from).empty());
  // The threshold is read at the reconnect: 0 makes every outage a long one.
  test::v201::set_variable(h, "OCPPCommCtrlr", "OfflineThreshold", "0");
  h.disconnect();
  h.advance(1s);
  from = h.calls.size();
  h.connect();
  CHECK(statuses_since(h, from).size() == 3);
}

TEST_CASE(
    "v201 B04.FR.02: a StatusNotificationRequest lost with its connection is sent again after "
    "a short outage",
    "[v201][boot][offline]") {
  Harness h({1, 2});
  h.start();
  h.connect();
  // The CSMS does not answer; the connection drops with the report in flight.
  h.policy["StatusNotification"] = [](const test::v201::SentCall&) -> std::optional<std::string> {
    return std::nullopt;
  };
  REQUIRE(h.engine().set_connector_status(2, 2, ConnectorStatusEnumType::Occupied, h.now()) ==
          std::error_code{});
  h.pump();
  REQUIRE(statuses_since(h, 0).back() == "2/2 Occupied");
  REQUIRE(h.held.size() == 1);
  h.disconnect();
  h.policy["StatusNotification"] = [](const test::v201::SentCall&) -> std::optional<std::string> {
    return "{}";
  };
  h.advance(5s);
  const auto from = h.calls.size();
  h.connect();
  CHECK(statuses_since(h, from) == std::vector<std::string>{"2/2 Occupied"});
}
