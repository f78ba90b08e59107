// Security events of OCPP 2.0.1 (part 2 A04): the security log, critical events delivered
// durably, the boot's own event, InvalidMessages.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::Harness;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> sent_types(const Harness& h) {
  std::vector<std::string> out;
  for (const auto& c : h.calls_of("SecurityEventNotification")) {
    rapidjson::Document p;
    p.Parse(c.payload.c_str());
    out.push_back(p["type"].GetString());
  }
  return out;
}

std::vector<std::string> logged_types(const Engine& e) {
  std::vector<std::string> out;
  for (const auto& ev : e.security_log()) out.push_back(ev.type);
  return out;
}

using Types = std::vector<std::string>;

}  // namespace

TEST_CASE(
    "v201 A04.FR.01 A04.FR.02: critical events survive a power cut and are delivered in order",
    "[v201][security_events]") {
  Harness h;
  h.start();
  REQUIRE(h.engine().report_security_event("TamperDetectionActivated", std::string("lid"),
                                           h.now()) == std::error_code{});
  CHECK(h.engine().queued_transaction_messages() == 2);  // StartupOfTheDevice, Tamper...
  h.options.boot_reason = BootReasonEnumType::RemoteReset;
  h.restart();
  h.connect();
  // The boot first (B01.FR.08), then the queue in the order written.
  CHECK(sent_types(h) == Types{"StartupOfTheDevice", "TamperDetectionActivated", "ResetOrReboot"});
  CHECK(h.engine().queued_transaction_messages() == 0);  // A04.FR.03: acknowledged
  CHECK(logged_types(h.engine()) ==
        Types{"StartupOfTheDevice", "TamperDetectionActivated", "ResetOrReboot"});
}

TEST_CASE("v201 A04.FR.04: every event in the security log, the oldest dropped at its bound",
          "[v201][security_events]") {
  Harness h;
  std::vector<std::pair<std::string, bool>> hooked;
  h.hooks.security_event = [&](const SecurityEventNotificationRequest& ev, bool critical) {
    hooked.emplace_back(ev.type, critical);
  };
  h.options.security_log_limit = 3;
  h.start();
  h.connect();
  auto& e = h.engine();
  // Not critical: logged, not sent.
  REQUIRE(e.report_security_event("ReconfigurationOfSecurityParameters", std::nullopt, h.now()) ==
          std::error_code{});
  REQUIRE(e.report_security_event("com.example.DoorOpened", std::string("rear"), h.now()) ==
          std::error_code{});
  REQUIRE(e.report_security_event("com.example.Critical", std::nullopt, h.now(), true) ==
          std::error_code{});
  h.pump();
  CHECK(sent_types(h) == Types{"StartupOfTheDevice", "com.example.Critical"});
  CHECK(logged_types(e) == Types{"ReconfigurationOfSecurityParameters", "com.example.DoorOpened",
                                 "com.example.Critical"});
  REQUIRE(hooked.size() == 4);
  CHECK(hooked[2] == std::make_pair(std::string("com.example.DoorOpened"), false));
  // Persisted: the log is the same after a restart (plus the new boot's event).
  h.restart();
  CHECK(logged_types(h.engine()) ==
        Types{"com.example.DoorOpened", "com.example.Critical", "StartupOfTheDevice"});
  // Bounds of the message: type up to 50, techInfo up to 255.
  CHECK(h.engine().report_security_event(std::string(51, 't'), std::nullopt, h.now()) ==
        make_error_code(ocpp::Errc::invalid_argument));
  CHECK(h.engine().report_security_event("", std::nullopt, h.now()) ==
        make_error_code(ocpp::Errc::invalid_argument));
  CHECK(h.engine().report_security_event("X", std::string(256, 'i'), h.now()) ==
        make_error_code(ocpp::Errc::invalid_argument));
}

TEST_CASE("v201 A04: InvalidMessages once per connection for malformed frames and payloads",
          "[v201][security_events]") {
  Harness h;
  h.start();
  h.connect();
  h.csms_send("not json");
  h.csms_send("[2,\"x1\",\"Reset\",{\"type\":\"Sometimes\"}]");
  auto types = logged_types(h.engine());
  CHECK(std::count(types.begin(), types.end(), "InvalidMessages") == 1);
  h.disconnect();
  h.connect();
  h.csms_send("[2,\"x2\",\"Reset\",{\"type\":\"Sometimes\"}]");
  types = logged_types(h.engine());
  CHECK(std::count(types.begin(), types.end(), "InvalidMessages") == 2);
  CHECK(sent_types(h) == Types{"StartupOfTheDevice"});  // not critical: never sent
}
