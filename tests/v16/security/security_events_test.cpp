// Security Whitepaper edition 3, section 3 (A04) and section 8: security events and the
// security log.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::Errc;

TEST_CASE("A04.FR.01/FR.03: a critical security event is sent as SecurityEventNotification and confirmed",
          "[security][events]") {
  test::Harness h;
  std::vector<std::pair<std::string, bool>> seen;
  h.hooks.security_event = [&](const ocpp::v16::SecurityEventNotificationRequest& e, bool critical) {
    seen.emplace_back(e.type, critical);
  };
  auto& e = h.start();
  h.connect();
  REQUIRE_FALSE(e.report_security_event("TamperDetectionActivated", std::string("lid opened"), h.now()));
  h.pump();
  auto sent = h.calls_of("SecurityEventNotification");
  REQUIRE(sent.size() == 1);
  auto j = sent[0].json();
  CHECK(std::string(j["type"].GetString()) == "TamperDetectionActivated");
  CHECK(std::string(j["techInfo"].GetString()) == "lid opened");
  CHECK(std::string(j["timestamp"].GetString()) == ocpp::format_datetime(h.now().wall));
  CHECK(e.queued_transaction_messages() == 0);  // acknowledged
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == std::make_pair(std::string("TamperDetectionActivated"), true));
}

TEST_CASE("Section 8: a non-critical event is logged only, not sent", "[security][events]") {
  test::Harness h;
  auto& e = h.start();
  h.connect();
  REQUIRE_FALSE(e.report_security_event("InvalidMessages", std::nullopt, h.now()));
  h.pump();
  CHECK(h.calls_of("SecurityEventNotification").empty());
  auto log = e.security_log();
  REQUIRE(log.size() == 1);
  CHECK(log[0].type == "InvalidMessages");
  // A vendor type is not critical unless the firmware says so.
  REQUIRE_FALSE(e.report_security_event("VendorDoorOpen", std::nullopt, h.now()));
  REQUIRE_FALSE(e.report_security_event("VendorFuseBlown", std::nullopt, h.now(), true));
  h.pump();
  auto sent = h.calls_of("SecurityEventNotification");
  REQUIRE(sent.size() == 1);
  CHECK(std::string(sent[0].json()["type"].GetString()) == "VendorFuseBlown");
  CHECK(e.security_log().size() == 3);
}

TEST_CASE("A04.FR.02: critical events raised offline are queued durably and survive a restart",
          "[security][events]") {
  auto path = std::filesystem::temp_directory_path() /
              ("ocpp-secev-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  {
    auto store = ocpp::open_sqlite_store({path.string(), "CP1"});
    REQUIRE(store.ok());
    test::Harness h(store.value().get());
    auto& e = h.start();
    REQUIRE_FALSE(e.report_security_event("StartupOfTheDevice", std::nullopt, h.now()));
    REQUIRE_FALSE(e.report_security_event("SettingSystemTime", std::string("+3600 s"), h.now()));
    CHECK(e.queued_transaction_messages() == 2);
    h.restart();  // a power cut before any connection
    h.connect();
    h.pump();
    auto sent = h.calls_of("SecurityEventNotification");
    REQUIRE(sent.size() == 2);
    CHECK(std::string(sent[0].json()["type"].GetString()) == "StartupOfTheDevice");
    CHECK(std::string(sent[1].json()["type"].GetString()) == "SettingSystemTime");
    CHECK(h.engine().queued_transaction_messages() == 0);
    // The log survived the restart too (A04.FR.04).
    CHECK(h.engine().security_log().size() == 2);
  }
  std::filesystem::remove(path);
}

TEST_CASE("A04.FR.02: a critical event is delivered in order with the transaction messages",
          "[security][events]") {
  test::Harness h;
  auto& e = h.start();
  h.connect();
  h.pump();
  REQUIRE_FALSE(e.plug_in(1, h.now()));
  REQUIRE_FALSE(e.present_id_tag("TAG1", 1, h.now()));
  h.pump();
  REQUIRE(e.connector_state(1).value().transaction);
  h.disconnect();
  REQUIRE_FALSE(e.set_meter_energy(1, 500, h.now()));
  REQUIRE_FALSE(e.report_security_event("MemoryExhaustion", std::nullopt, h.now()));
  REQUIRE_FALSE(e.stop_transaction(1, ocpp::v16::Reason::Local, h.now()));
  h.connect();
  h.pump();
  std::vector<std::string> order;
  for (const auto& a : h.actions())
    if (a == "StartTransaction" || a == "StopTransaction" || a == "SecurityEventNotification") order.push_back(a);
  CHECK(order == std::vector<std::string>{"StartTransaction", "SecurityEventNotification", "StopTransaction"});
  CHECK(e.queued_transaction_messages() == 0);
}

TEST_CASE("A04.FR.04: the security log is bounded and rolls over, oldest first", "[security][events]") {
  test::Harness h;
  h.options_.security_log_limit = 3;
  auto& e = h.start();
  for (int i = 0; i < 5; ++i)
    REQUIRE_FALSE(e.report_security_event("InvalidMessages", "n" + std::to_string(i), h.now()));
  auto log = e.security_log();
  REQUIRE(log.size() == 3);
  CHECK(*log[0].techInfo == "n2");
  CHECK(*log[2].techInfo == "n4");
  h.restart();
  log = h.engine().security_log();
  REQUIRE(log.size() == 3);
  CHECK(*log[0].techInfo == "n2");
}

TEST_CASE("report_security_event refuses what SecurityEventNotification.req cannot carry", "[security][events]") {
  test::Harness h;
  auto& e = h.start();
  CHECK(e.report_security_event("", std::nullopt, h.now()) == Errc::invalid_argument);
  CHECK(e.report_security_event(std::string(51, 'T'), std::nullopt, h.now()) == Errc::invalid_argument);
  CHECK(e.report_security_event("InvalidMessages", std::string(256, 'x'), h.now()) == Errc::invalid_argument);
  CHECK(e.security_log().empty());
}

TEST_CASE("Section 8: frames that are not valid OCPP messages are an InvalidMessages event, once per connection",
          "[security][events]") {
  test::Harness h;
  auto& e = h.start();
  h.connect();
  h.pump();
  auto count = [&] {
    int n = 0;
    for (const auto& ev : e.security_log()) n += ev.type == "InvalidMessages";
    return n;
  };
  h.csms_send(R"([2,"mf6"])");  // malformed (OCPP-J 1.6 4.2.3)
  h.csms_send(R"([2,"bad","ChangeAvailability",{"connectorId":"x","type":"Operative"}])");  // schema
  h.pump();
  REQUIRE(count() == 1);
  CHECK(e.security_log()[0].techInfo.value_or("").size() > 0);
  CHECK(h.calls_of("SecurityEventNotification").empty());  // not critical
  // A new connection may record one again; a schema violation is enough.
  h.disconnect();
  h.connect();
  h.pump();
  h.csms_send(R"([2,"bad2","ChangeAvailability",{"connectorId":"x","type":"Operative"}])");
  h.pump();
  CHECK(count() == 2);
  CHECK(e.security_log().back().techInfo.value_or("").find("ChangeAvailability") != std::string::npos);
  // Valid frames record nothing.
  h.csms_call("ok", "ChangeAvailability", R"({"connectorId":1,"type":"Operative"})");
  h.pump();
  CHECK(count() == 2);
}
