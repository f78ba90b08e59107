// Scenario tests of the engine against the in-process fake CSMS on a simulated clock.
#include <catch2/catch.hpp>

#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::v16::ChargePointStatus;

TEST_CASE("boot: BootNotification first, then status of every connector", "[v16][engine][boot]") {
  test::Harness h(nullptr, 2);
  h.start();
  h.connect();
  auto a = h.actions();
  REQUIRE(a.size() == 4);
  CHECK(a[0] == "BootNotification");
  CHECK(a[1] == "StatusNotification");
  CHECK(h.calls[1].json()["connectorId"].GetInt() == 0);
  CHECK(h.calls[3].json()["connectorId"].GetInt() == 2);
  CHECK(std::string(h.calls[2].json()["status"].GetString()) == "Available");
  CHECK(h.engine().registration() == ocpp::v16::RegistrationStatus::Accepted);
}

TEST_CASE("boot: Pending is retried after the interval and nothing else goes out meanwhile",
          "[v16][engine][boot]") {
  test::Harness h;
  int boots = 0;
  h.policy["BootNotification"] = [&](const test::SentCall&) -> std::optional<std::string> {
    ++boots;
    const char* st = boots < 3 ? "Pending" : "Accepted";
    return std::string(R"({"status":")") + st + R"(","currentTime":"2026-11-21T00:00:00Z","interval":10})";
  };
  h.start();
  h.connect();
  REQUIRE(h.engine().plug_in(1, h.now()) == std::error_code{});
  h.advance(9s);
  CHECK(h.actions() == std::vector<std::string>{"BootNotification"});
  h.advance(1s);
  CHECK(boots == 2);
  h.advance(10s);
  CHECK(boots == 3);
  auto a = h.actions();
  CHECK(a.size() == 5);  // 3 boots, then status of connector 0 and 1
  CHECK(a[3] == "StatusNotification");
  CHECK(std::string(h.calls[4].json()["status"].GetString()) == "Preparing");
}

TEST_CASE("heartbeat at the interval of BootNotification.conf", "[v16][engine][heartbeat]") {
  test::Harness h;
  h.start();
  h.connect();
  h.advance(299s);
  CHECK(h.calls_of("Heartbeat").empty());
  h.advance(1s);
  CHECK(h.calls_of("Heartbeat").size() == 1);
  h.advance(600s);
  CHECK(h.calls_of("Heartbeat").size() == 3);
  CHECK(h.engine().get_configuration("HeartbeatInterval").value() == "300");
}

TEST_CASE("a full session: authorize, start, meter values, stop", "[v16][engine][transaction]") {
  test::Harness h(nullptr, 1, {{"MeterValueSampleInterval", "10"}});
  std::vector<std::string> events;
  h.hooks.transaction_started = [&](const ocpp::v16::TransactionInfo& t) {
    events.push_back("started " + std::to_string(t.connectorId));
  };
  h.hooks.transaction_stopped = [&](const ocpp::v16::TransactionInfo& t, ocpp::v16::Reason,
                                    std::int32_t meter) {
    events.push_back("stopped " + std::to_string(t.transactionId.value_or(-1)) + " " +
                     std::to_string(meter));
  };
  h.hooks.log = [](int, const std::string& m) { UNSCOPED_INFO(m); };
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.set_meter_energy(1, 5000, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", std::nullopt, h.now()));
  h.pump();
  CHECK(e.connector_state(1)->status == ChargePointStatus::Preparing);
  REQUIRE(!e.plug_in(1, h.now()));
  h.pump();
  CHECK(e.connector_state(1)->status == ChargePointStatus::Charging);
  auto starts = h.calls_of("StartTransaction");
  REQUIRE(starts.size() == 1);
  // Messages leave in the order they were produced: StartTransaction before the Charging
  // status it caused, though one is durable and the other not.
  {
    auto a = h.actions();
    auto start_at = std::find(a.begin(), a.end(), "StartTransaction") - a.begin();
    auto last_status = h.calls_of("StatusNotification").back();
    CHECK(std::string(last_status.json()["status"].GetString()) == "Charging");
    std::size_t status_at = 0;
    for (std::size_t i = 0; i < h.calls.size(); ++i)
      if (h.calls[i].id == last_status.id) status_at = i;
    CHECK(static_cast<std::size_t>(start_at) < status_at);
  }
  CHECK(starts[0].json()["meterStart"].GetInt() == 5000);
  CHECK(std::string(starts[0].json()["idTag"].GetString()) == "CARD1");
  REQUIRE(!e.set_meter_energy(1, 5100, h.now()));
  h.advance(10s);
  REQUIRE(!e.set_meter_energy(1, 5200, h.now()));
  h.advance(10s);
  auto mvs = h.calls_of("MeterValues");
  REQUIRE(mvs.size() == 2);
  CHECK(mvs[0].json()["transactionId"].GetInt() == 1001);
  CHECK(std::string(mvs[1].json()["meterValue"][0]["sampledValue"][0]["value"].GetString()) == "5200");
  REQUIRE(!e.unplug(1, h.now()));
  h.pump();
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].json()["transactionId"].GetInt() == 1001);
  CHECK(stops[0].json()["meterStop"].GetInt() == 5200);
  CHECK(std::string(stops[0].json()["reason"].GetString()) == "EVDisconnected");
  CHECK(e.connector_state(1)->status == ChargePointStatus::Available);
  CHECK(e.queued_transaction_messages() == 0);
  CHECK(events == std::vector<std::string>{"started 1", "stopped 1001 5200"});
}

TEST_CASE("a rejected idTag starts nothing", "[v16][engine][authorize]") {
  test::Harness h;
  h.policy["Authorize"] = [](const test::SentCall&) -> std::optional<std::string> {
    return R"({"idTagInfo":{"status":"Invalid"}})";
  };
  std::string seen;
  h.hooks.authorize = [&](const std::string& tag, const ocpp::v16::IdTagInfo& info) {
    seen = tag + " " + std::string(ocpp::v16::to_string(info.status));
  };
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("BAD", std::nullopt, h.now()));
  h.pump();
  CHECK(seen == "BAD Invalid");
  CHECK(h.calls_of("StartTransaction").empty());
}

TEST_CASE("offline start and stop, then a restart, then reconnect: Start then Stop, with the id",
          "[v16][engine][offline][durable]") {
  // Pitfall: MicroOcpp #454 (StartTransaction lost), open-ocpp #24 (transactionId -1).
  test::Harness h(nullptr, 1, {{"AllowOfflineTxForUnknownId", "true"}});
  auto& e = h.start();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("OFFLINE1", 1, h.now()));
  h.pump();
  REQUIRE(e.connector_state(1)->transaction.has_value());
  REQUIRE(!e.set_meter_energy(1, 700, h.now()));
  REQUIRE(!e.stop_transaction(1, ocpp::v16::Reason::Local, h.now()));
  CHECK(e.queued_transaction_messages() == 2);
  h.restart();
  h.connect();
  auto a = h.actions();
  auto start = std::find(a.begin(), a.end(), "StartTransaction");
  auto stop = std::find(a.begin(), a.end(), "StopTransaction");
  REQUIRE(start != a.end());
  REQUIRE(stop != a.end());
  CHECK(start < stop);
  CHECK(h.calls_of("StopTransaction")[0].json()["transactionId"].GetInt() == 1001);
  CHECK(h.calls_of("StopTransaction")[0].json()["meterStop"].GetInt() == 700);
  CHECK(h.engine().queued_transaction_messages() == 0);
}
