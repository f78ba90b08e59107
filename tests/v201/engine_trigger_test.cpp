// TriggerMessage (OCPP 2.0.1 part 2 F06) for the messages of the first engine increment:
// BootNotification, Heartbeat and StatusNotification.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::error_code;
using test::v201::Harness;
using test::v201::result_status;
using namespace std::chrono_literals;

namespace {

// The position among the frames we sent of the first one that contains `part`.
std::size_t position(const Harness& h, const std::string& part) {
  for (std::size_t i = 0; i < h.frames.size(); ++i)
    if (h.frames[i].find(part) != std::string::npos) return i;
  FAIL("no frame with " << part);
  return 0;
}

}  // namespace

TEST_CASE("v201 F06.FR.04 F06.FR.05 F06.FR.10: a triggered Heartbeat follows the Accepted answer",
          "[v201][trigger]") {
  Harness h;
  h.start();
  h.connect();
  const auto before = h.calls.size();
  CHECK(result_status(h.csms_call("t1", "TriggerMessage", R"({"requestedMessage":"Heartbeat"})")) ==
        "Accepted");
  REQUIRE(h.calls.size() == before + 1);
  CHECK(h.calls.back().action == "Heartbeat");
  CHECK(position(h, "[3,\"t1\"") < position(h, "\"Heartbeat\",{"));
}

TEST_CASE("v201 F06.FR.03: an evse that is not relevant is ignored", "[v201][trigger]") {
  Harness h;
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("t1", "TriggerMessage",
                                  R"({"requestedMessage":"Heartbeat","evse":{"id":7}})")) ==
        "Accepted");
  CHECK(h.calls.back().action == "Heartbeat");
}

TEST_CASE(
    "v201 F06.FR.09 F06.FR.12: a triggered StatusNotification gives the connector's current status",
    "[v201][trigger]") {
  Harness h({1, 2});
  h.start();
  h.connect();
  REQUIRE(h.engine().set_connector_status(2, 2, ConnectorStatusEnumType::Reserved, h.now()) ==
          std::error_code{});
  h.pump();
  const auto before = h.calls.size();
  CHECK(result_status(h.csms_call(
            "t1", "TriggerMessage",
            R"({"requestedMessage":"StatusNotification","evse":{"id":2,"connectorId":2}})")) ==
        "Accepted");
  REQUIRE(h.calls.size() == before + 1);
  rapidjson::Document p;
  p.Parse(h.calls.back().payload.c_str());
  CHECK(h.calls.back().action == "StatusNotification");
  CHECK(p["evseId"].GetInt() == 2);
  CHECK(p["connectorId"].GetInt() == 2);
  CHECK(std::string(p["connectorStatus"].GetString()) == "Reserved");
  // F06.FR.12: no evse, or no connectorId: Rejected; so is a connector that does not exist.
  CHECK(result_status(h.csms_call("t2", "TriggerMessage",
                                  R"({"requestedMessage":"StatusNotification"})")) == "Rejected");
  CHECK(result_status(h.csms_call(
            "t3", "TriggerMessage",
            R"({"requestedMessage":"StatusNotification","evse":{"id":1}})")) == "Rejected");
  CHECK(result_status(h.csms_call(
            "t4", "TriggerMessage",
            R"({"requestedMessage":"StatusNotification","evse":{"id":1,"connectorId":2}})")) ==
        "Rejected");
  CHECK(h.calls.size() == before + 1);
}

TEST_CASE("v201 F06.FR.17: BootNotification after Accepted is Rejected", "[v201][trigger]") {
  Harness h;
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("t1", "TriggerMessage",
                                  R"({"requestedMessage":"BootNotification"})")) == "Rejected");
  CHECK(h.calls_of("BootNotification").size() == 1);
}

TEST_CASE(
    "v201 B02.FR.02 B02.FR.04 F06: while Pending a triggered BootNotification goes out before the "
    "interval",
    "[v201][trigger][pending]") {
  Harness h;
  h.boot_answer("Pending", 600);
  h.start();
  h.connect();
  h.advance(10s);
  h.boot_answer("Accepted", 300);
  CHECK(result_status(h.csms_call("t1", "TriggerMessage",
                                  R"({"requestedMessage":"BootNotification"})")) == "Accepted");
  REQUIRE(h.calls_of("BootNotification").size() == 2);
  CHECK(h.engine().registration() == RegistrationStatusEnumType::Accepted);
  // Pending: the other messages are not sent before Accepted in this increment.
  Harness p;
  p.boot_answer("Pending", 600);
  p.start();
  p.connect();
  CHECK(result_status(p.csms_call("t2", "TriggerMessage", R"({"requestedMessage":"Heartbeat"})")) ==
        "Rejected");
  CHECK(result_status(p.csms_call(
            "t3", "TriggerMessage",
            R"({"requestedMessage":"StatusNotification","evse":{"id":1,"connectorId":1}})")) ==
        "Rejected");
  CHECK(p.calls.size() == 1);
}

TEST_CASE("v201 F06.FR.08: a requested message that is not implemented", "[v201][trigger]") {
  Harness h;
  h.start();
  h.connect();
  CHECK(result_status(h.csms_call("t1", "TriggerMessage",
                                  R"({"requestedMessage":"PublishFirmwareStatusNotification"})")) ==
        "NotImplemented");
  // A requestedMessage outside the enumeration is a schema violation.
  CHECK(error_code(h.csms_call("t3", "TriggerMessage", R"({"requestedMessage":"Nonsense"})")) ==
        "PropertyConstraintViolation");
}

TEST_CASE("v201 B03.FR.08 F06: while Rejected, TriggerMessage gets SecurityError",
          "[v201][trigger][rejected]") {
  Harness h;
  h.boot_answer("Rejected", 600);
  h.start();
  h.connect();
  CHECK(error_code(h.csms_call("t1", "TriggerMessage",
                               R"({"requestedMessage":"BootNotification"})")) == "SecurityError");
}
