// Security Whitepaper edition 3, ExtendedTriggerMessage (sections 5.5, 5.6, 6.16, 6.17): every
// requested message, the answer before the message, and the rules shared with TriggerMessage.
#include <catch2/catch.hpp>

#include "v16/security/certificate_support.hpp"

using namespace cert_test;
using namespace std::chrono_literals;

namespace {

// Index in h.frames of the first frame whose text contains `needle`.
std::size_t frame_index(const test::Harness& h, const std::string& needle) {
  for (std::size_t i = 0; i < h.frames.size(); ++i)
    if (h.frames[i].find(needle) != std::string::npos) return i;
  return SIZE_MAX;
}

}  // namespace

TEST_CASE("ExtendedTriggerMessage: Heartbeat is Accepted and sent after the answer",
          "[security][trigger]") {
  Station s(2, {}, false);
  const auto before = s.h.calls_of("Heartbeat").size();
  CHECK(s.trigger("Heartbeat") == "Accepted");
  CHECK(s.h.calls_of("Heartbeat").size() == before + 1);
  CHECK(frame_index(s.h, "\"t1\"") < frame_index(s.h, "\"Heartbeat\""));
}

TEST_CASE(
    "ExtendedTriggerMessage: StatusNotification for the charge point and every connector, or one",
    "[security][trigger]") {
  Station s(2, {}, false);
  auto before = s.h.calls_of("StatusNotification").size();
  CHECK(s.trigger("StatusNotification") == "Accepted");
  CHECK(s.h.calls_of("StatusNotification").size() == before + 2);  // connector 0 and 1
  before = s.h.calls_of("StatusNotification").size();
  CHECK(s.trigger("StatusNotification", R"(,"connectorId":1)") == "Accepted");
  REQUIRE(s.h.calls_of("StatusNotification").size() == before + 1);
  CHECK(s.h.calls_of("StatusNotification").back().json()["connectorId"].GetInt() == 1);
}

TEST_CASE("ExtendedTriggerMessage: MeterValues with context Trigger", "[security][trigger]") {
  Station s(2, {{"MeterValuesSampledData", "Energy.Active.Import.Register"}}, false);
  CHECK(s.trigger("MeterValues", R"(,"connectorId":1)") == "Accepted");
  auto mv = s.h.calls_of("MeterValues");
  REQUIRE(mv.size() == 1);
  CHECK(mv.back().payload.find("\"Trigger\"") != std::string::npos);
  // Errata 3.46 as for TriggerMessage: nothing configured, nothing to send.
  REQUIRE_FALSE(s.h.engine().set_configuration("MeterValuesSampledData", ""));
  CHECK(s.trigger("MeterValues", R"(,"connectorId":1)") == "Rejected");
}

TEST_CASE(
    "ExtendedTriggerMessage: BootNotification is Rejected once Accepted (as TriggerMessage, errata "
    "3.35)",
    "[security][trigger]") {
  Station s(2, {}, false);
  const auto boots = s.h.calls_of("BootNotification").size();
  CHECK(s.trigger("BootNotification") == "Rejected");
  s.h.advance(1min);
  CHECK(s.h.calls_of("BootNotification").size() == boots);
}

TEST_CASE("ExtendedTriggerMessage: BootNotification while Pending is sent at once, nothing else",
          "[security][trigger]") {
  test::Harness h;
  bool pending = true;
  h.policy["BootNotification"] = [&](const test::SentCall&) -> std::optional<std::string> {
    return std::string(R"({"status":")") + (pending ? "Pending" : "Accepted") +
           R"(","currentTime":"2026-09-21T10:00:00Z","interval":600})";
  };
  h.start();
  h.connect();
  REQUIRE(h.calls_of("BootNotification").size() == 1);
  auto status = [&](const std::string& id, const std::string& message) {
    return status_of(
        h.csms_call(id, "ExtendedTriggerMessage", R"({"requestedMessage":")" + message + "\"}"));
  };
  CHECK(status("t1", "Heartbeat") == "Rejected");
  CHECK(status("t2", "LogStatusNotification") == "Rejected");
  pending = false;
  CHECK(status("t3", "BootNotification") == "Accepted");
  CHECK(h.calls_of("BootNotification").size() == 2);
  CHECK(h.engine().registration() == ocpp::v16::RegistrationStatus::Accepted);
}

TEST_CASE(
    "ExtendedTriggerMessage: LogStatusNotification reports Idle when no upload runs (section 6.19)",
    "[security][trigger]") {
  Station s(2, {}, false);
  CHECK(s.trigger("LogStatusNotification") == "Accepted");
  auto calls = s.h.calls_of("LogStatusNotification");
  REQUIRE(calls.size() == 1);
  auto d = calls.back().json();
  CHECK(std::string(d["status"].GetString()) == "Idle");
  CHECK_FALSE(d.HasMember("requestId"));
  CHECK(frame_index(s.h, "\"t1\"") < frame_index(s.h, "\"LogStatusNotification\""));
}

TEST_CASE(
    "ExtendedTriggerMessage: FirmwareStatusNotification asks for SignedFirmwareStatusNotification "
    "(6.16)",
    "[security][trigger]") {
  Station s(2, {}, false);
  CHECK(s.trigger("FirmwareStatusNotification") == "Accepted");
  CHECK(s.h.calls_of("FirmwareStatusNotification").empty());
  auto calls = s.h.calls_of("SignedFirmwareStatusNotification");
  REQUIRE(calls.size() == 1);
  CHECK(std::string(calls.back().json()["status"].GetString()) == "Idle");
}

TEST_CASE(
    "ExtendedTriggerMessage: SignChargePointCertificate sends a SignCertificate.req after the "
    "answer",
    "[security][trigger]") {
  Station s(2, {{"CpoName", "Acme CPO"}});
  CHECK(s.trigger("SignChargePointCertificate") == "Accepted");
  REQUIRE(s.h.calls_of("SignCertificate").size() == 1);
  CHECK(frame_index(s.h, "\"t1\"") < frame_index(s.h, "\"SignCertificate\""));
}

TEST_CASE(
    "ExtendedTriggerMessage: an unknown connector is Rejected, an unknown message NotImplemented "
    "(6.17)",
    "[security][trigger]") {
  Station s(2, {}, false);
  CHECK(s.trigger("StatusNotification", R"(,"connectorId":7)") == "Rejected");
  CHECK(s.trigger("Heartbeat", R"(,"connectorId":7)") == "Rejected");
  CHECK(s.trigger("PublishFirmwareStatusNotification") == "NotImplemented");
  // Other schema violations stay CALLERRORs.
  auto reply = s.h.csms_call("bad", "ExtendedTriggerMessage", R"({"connectorId":1})");
  REQUIRE(reply);
  CHECK(reply->rfind("[4,", 0) == 0);
}
