// Boot and reconnect behaviour (OCPP 1.6 section 4.2).
#include <catch2/catch.hpp>

#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::v16::ChargePointStatus;
using ocpp::v16::RegistrationStatus;

namespace {

std::function<std::optional<std::string>(const test::SentCall&)> boot_answers(
    std::vector<std::pair<std::string, int>> answers, int* count) {
  return [answers, count](const test::SentCall&) -> std::optional<std::string> {
    const auto& a = answers[std::min<std::size_t>(static_cast<std::size_t>(*count), answers.size() - 1)];
    ++*count;
    return R"({"status":")" + a.first + R"(","currentTime":"2026-11-21T00:00:00Z","interval":)" +
           std::to_string(a.second) + "}";
  };
}

}  // namespace

TEST_CASE("boot: Rejected is retried after the interval and nothing else is sent meanwhile",
          "[v16][engine][boot]") {
  // OCPP 1.6 section 4.2: after Rejected, no OCPP message until the interval expired, and no
  // answer to CSMS-initiated messages while Rejected.
  test::Harness h(nullptr, 1, {{"AllowOfflineTxForUnknownId", "true"}});
  int boots = 0;
  h.policy["BootNotification"] = boot_answers({{"Rejected", 20}, {"Rejected", 20}, {"Accepted", 300}}, &boots);
  auto& e = h.start();
  h.connect();
  CHECK(e.registration() == RegistrationStatus::Rejected);
  REQUIRE(!e.plug_in(1, h.now()));
  h.advance(5s);
  h.csms_send(R"([2,"while-rejected","GetConfiguration",{}])");
  CHECK(h.results.empty());
  h.advance(14s);
  CHECK(boots == 1);
  h.advance(1s);
  CHECK(boots == 2);
  h.advance(20s);
  CHECK(boots == 3);
  auto boot_calls = h.calls_of("BootNotification");
  REQUIRE(boot_calls.size() == 3);
  CHECK(h.seconds(boot_calls[0].at) == 0);
  CHECK(h.seconds(boot_calls[1].at) == 20);
  CHECK(h.seconds(boot_calls[2].at) == 40);
  auto a = h.actions();
  REQUIRE(a.size() == 5);
  CHECK(std::vector<std::string>(a.begin(), a.begin() + 3) ==
        std::vector<std::string>{"BootNotification", "BootNotification", "BootNotification"});
  CHECK(a[3] == "StatusNotification");
  CHECK(std::string(h.calls[4].json()["status"].GetString()) == "Preparing");
  CHECK(h.results.empty());
  CHECK(e.registration() == RegistrationStatus::Accepted);
}

TEST_CASE("boot: Pending answers CSMS calls but sends no request of its own",
          "[v16][engine][boot]") {
  // OCPP 1.6 section 4.2: while Pending the CSMS may read the configuration; the charge point
  // responds, but RemoteStart/RemoteStop are not allowed.
  test::Harness h;
  int boots = 0;
  h.policy["BootNotification"] = boot_answers({{"Pending", 60}, {"Accepted", 300}}, &boots);
  auto& e = h.start();
  h.connect();
  CHECK(e.registration() == RegistrationStatus::Pending);
  auto r = h.csms_call("p-1", "GetConfiguration", R"({"key":["NumberOfConnectors"]})");
  REQUIRE(r.has_value());
  CHECK(r->rfind("[3,", 0) == 0);
  r = h.csms_call("p-2", "RemoteStartTransaction", R"({"connectorId":1,"idTag":"R1"})");
  REQUIRE(r.has_value());
  CHECK(r->find("Rejected") != std::string::npos);
  r = h.csms_call("p-3", "RemoteStopTransaction", R"({"transactionId":1})");
  REQUIRE(r.has_value());
  CHECK(r->find("Rejected") != std::string::npos);
  REQUIRE(!e.plug_in(1, h.now()));
  h.advance(59s);
  CHECK(h.actions() == std::vector<std::string>{"BootNotification"});
  CHECK(!e.connector_state(1)->transaction.has_value());
  h.advance(1s);
  CHECK(boots == 2);
  CHECK(h.calls_of("StartTransaction").empty());
}

TEST_CASE("boot: interval 0 waits EngineOptions.boot_retry_default", "[v16][engine][boot]") {
  // OCPP 1.6 section 4.2: "If that interval value is zero, the Charge Point chooses a waiting
  // interval on its own".
  test::Harness h;
  h.options_.boot_retry_default = 7s;
  int boots = 0;
  h.policy["BootNotification"] = boot_answers({{"Rejected", 0}, {"Pending", 0}, {"Accepted", 0}}, &boots);
  auto& e = h.start();
  h.connect();
  h.advance(6s);
  CHECK(boots == 1);
  h.advance(1s);
  CHECK(boots == 2);
  h.advance(6s);
  CHECK(boots == 2);
  h.advance(1s);
  CHECK(boots == 3);
  CHECK(e.registration() == RegistrationStatus::Accepted);
  // Accepted with interval 0 keeps the configured HeartbeatInterval (here the default 0: none).
  CHECK(e.get_configuration("HeartbeatInterval").value() == "0");
  h.advance(600s);
  CHECK(h.calls_of("Heartbeat").empty());
}

TEST_CASE("boot: a reconnect after Accepted sends no BootNotification but every connector's status",
          "[v16][engine][boot][reconnect]") {
  // OCPP 1.6 section 4.2: BootNotification each time the charge point boots, not per connection.
  test::Harness h(nullptr, 2);
  std::vector<bool> connection_events;
  h.hooks.connection = [&](bool up, const std::string&) { connection_events.push_back(up); };
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(2, h.now()));
  h.pump();
  h.disconnect();
  REQUIRE(!e.report_fault(1, ocpp::v16::ChargePointErrorCode::GroundFailure, "", h.now()));
  h.advance(30s);
  const auto before = h.calls.size();
  h.connect();
  std::vector<test::SentCall> after(h.calls.begin() + static_cast<std::ptrdiff_t>(before), h.calls.end());
  REQUIRE(after.size() == 3);
  for (const auto& c : after) CHECK(c.action == "StatusNotification");
  CHECK(after[0].json()["connectorId"].GetInt() == 0);
  CHECK(std::string(after[0].json()["status"].GetString()) == "Available");
  CHECK(after[1].json()["connectorId"].GetInt() == 1);
  CHECK(std::string(after[1].json()["status"].GetString()) == "Faulted");
  CHECK(std::string(after[1].json()["errorCode"].GetString()) == "GroundFailure");
  CHECK(after[2].json()["connectorId"].GetInt() == 2);
  CHECK(std::string(after[2].json()["status"].GetString()) == "Preparing");
  CHECK(h.calls_of("BootNotification").size() == 1);
  CHECK(connection_events == std::vector<bool>{true, false, true});
  // Heartbeats resume on the new connection.
  h.advance(300s);
  CHECK(h.calls_of("Heartbeat").size() == 1);
}

TEST_CASE("boot: a restart sends BootNotification again", "[v16][engine][boot][restart]") {
  // OCPP 1.6 section 4.2.1: after a restart the charge point SHALL send a BootNotification.
  test::Harness h;
  h.start();
  h.connect();
  h.advance(10s);
  h.restart();
  CHECK(!h.engine().registration().has_value());
  const auto before = h.calls.size();
  h.connect();
  REQUIRE(h.calls.size() > before);
  CHECK(h.calls[before].action == "BootNotification");
  CHECK(h.calls_of("BootNotification").size() == 2);
  CHECK(h.engine().registration() == RegistrationStatus::Accepted);
}

TEST_CASE("boot: a CALLERROR or no answer to BootNotification is retried after boot_retry_default",
          "[v16][engine][boot]") {
  // OCPP 1.6 section 4.2: keep trying, without flooding the CSMS.
  test::Harness h;
  h.options_.boot_retry_default = 20s;
  h.options_.call_timeout = 5s;
  h.answer_error["BootNotification"] = "InternalError";
  auto& e = h.start();
  h.connect();
  CHECK(!e.registration().has_value());
  h.answer_error.clear();
  h.policy["BootNotification"] = [](const test::SentCall&) -> std::optional<std::string> { return std::nullopt; };
  h.advance(20s);
  REQUIRE(h.calls_of("BootNotification").size() == 2);
  h.policy.erase("BootNotification");
  h.policy["BootNotification"] = [&](const test::SentCall&) -> std::optional<std::string> {
    return R"({"status":"Accepted","currentTime":"2026-11-21T00:00:00Z","interval":60})";
  };
  h.advance(24s);  // timeout at 25, then 20 s
  CHECK(h.calls_of("BootNotification").size() == 2);
  h.advance(21s);
  auto boots = h.calls_of("BootNotification");
  REQUIRE(boots.size() == 3);
  CHECK(h.seconds(boots[1].at) == 20);
  CHECK(h.seconds(boots[2].at) == 45);
  CHECK(e.registration() == RegistrationStatus::Accepted);
  CHECK(h.actions().size() == 5);  // and nothing else before it
}

TEST_CASE("boot: a reconnect does not shorten the interval of a Rejected BootNotification",
          "[v16][engine][boot][reconnect]") {
  // OCPP 1.6 section 4.2: after Rejected no OCPP message until the interval expired; the CSMS
  // MAY close the connection meanwhile, which must not lead to an early BootNotification.
  test::Harness h;
  int boots = 0;
  h.policy["BootNotification"] = boot_answers({{"Rejected", 60}, {"Accepted", 300}}, &boots);
  auto& e = h.start();
  h.connect();
  h.advance(5s);
  h.disconnect();
  h.advance(5s);
  h.connect();
  h.advance(49s);
  CHECK(boots == 1);
  h.advance(1s);
  CHECK(boots == 2);
  CHECK(h.seconds(h.calls_of("BootNotification")[1].at) == 60);
  CHECK(e.registration() == RegistrationStatus::Accepted);

  SECTION("a connection lost while BootNotification is in flight boots again at once") {
    test::Harness h2;
    h2.policy["BootNotification"] = [](const test::SentCall&) -> std::optional<std::string> {
      return std::nullopt;
    };
    h2.start();
    h2.connect();
    h2.advance(3s);
    h2.disconnect();
    h2.advance(2s);
    h2.policy.erase("BootNotification");
    h2.policy["BootNotification"] = [](const test::SentCall&) -> std::optional<std::string> {
      return R"({"status":"Accepted","currentTime":"2026-11-21T00:00:00Z","interval":300})";
    };
    h2.connect();
    auto b = h2.calls_of("BootNotification");
    REQUIRE(b.size() == 2);
    CHECK(h2.seconds(b[1].at) == 5);
    CHECK(h2.engine().registration() == RegistrationStatus::Accepted);
  }
}
