// The OCPP 2.0.1 engine on its RPC session: call timeouts of BootNotification, messages of
// another protocol left in the store, and the connection, frame and log hooks.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::Harness;
using namespace std::chrono_literals;

TEST_CASE(
    "v201 B02.FR.07: a BootNotificationRequest without answer is tried again after a wait of our "
    "own",
    "[v201][boot]") {
  Harness h;
  h.options.call_timeout = 10s;
  h.options.boot_retry_default = 30s;
  h.policy["BootNotification"] = [](const test::v201::SentCall&) -> std::optional<std::string> {
    return std::nullopt;
  };
  h.start();
  h.connect();
  h.advance(39s);
  CHECK(h.calls.size() == 1);
  h.advance(1s);
  REQUIRE(h.calls.size() == 2);
  CHECK(h.seconds(h.calls[1].at) - h.seconds(h.calls[0].at) == 40);
  CHECK(!h.engine().registration());
}

TEST_CASE(
    "v201 B01.FR.08: queued messages of an earlier run are not sent before Accepted; "
    "those of another protocol never",
    "[v201][boot]") {
  Harness h;
  ocpp::OutboxMessage m;
  m.action = "MeterValues";
  m.payload = R"({"connectorId":1,"meterValue":[]})";
  m.protocol = "ocpp1.6";
  REQUIRE(h.store().outbox_append(m) == std::error_code{});
  std::vector<std::string> logs;
  h.hooks.log = [&](int, const std::string& text) { logs.push_back(text); };
  h.boot_answer("Pending", 60);
  h.start();
  h.connect();
  std::size_t size = 0;
  REQUIRE(h.store().outbox_size(size) == std::error_code{});
  CHECK(size == 2);  // untouched before Accepted (with the boot's StartupOfTheDevice)
  h.boot_answer("Accepted", 300);
  h.advance(60s);
  CHECK(h.engine().registration() == RegistrationStatusEnumType::Accepted);
  CHECK(h.calls_of("MeterValues").empty());
  REQUIRE(h.store().outbox_size(size) == std::error_code{});
  CHECK(size == 0);
  bool logged = false;
  for (const auto& l : logs) logged = logged || l.find("written by ocpp1.6") != std::string::npos;
  CHECK(logged);
}

TEST_CASE("v201 engine: connection, frame and log hooks", "[v201]") {
  Harness h;
  std::vector<bool> connection;
  std::vector<std::pair<bool, std::string>> frames;
  std::vector<std::string> logs;
  h.hooks.connection = [&](bool up, const std::string&) { connection.push_back(up); };
  h.hooks.frame = [&](bool sent, const std::string& text) { frames.emplace_back(sent, text); };
  h.hooks.log = [&](int, const std::string& text) { logs.push_back(text); };
  h.start();
  h.connect();
  h.csms_send("this is no frame");
  h.disconnect();
  CHECK(connection == std::vector<bool>{true, false});
  REQUIRE(frames.size() >= 4);
  CHECK(frames[0].first);  // BootNotificationRequest
  CHECK(frames[0].second.find("\"BootNotification\"") != std::string::npos);
  CHECK(!frames[1].first);  // its answer
  bool garbage_seen = false;
  for (const auto& f : frames)
    garbage_seen = garbage_seen || (!f.first && f.second == "this is no frame");
  CHECK(garbage_seen);
  bool logged = false;
  for (const auto& l : logs) logged = logged || l.find("invalid frame") != std::string::npos;
  CHECK(logged);
  CHECK(!h.engine().is_connected());
}
