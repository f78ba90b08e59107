// Part 6 test cases of TriggerMessage (OCPP 2.0.1 part 2 F06) and ChangeAvailability (G03)
// with transactions: TC_F_14 (TransactionEvent for every EVSE), TC_F_24 (StatusNotification of
// an Occupied connector) and TC_G_17 (a connector made Inoperative during a transaction). Each
// test follows the steps of its test case, checking the station's messages field by field.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::energy_transfer_started;
using test::v201::field;
using test::v201::Harness;
using test::v201::iso14443;
using test::v201::payloads_of;
using test::v201::result_status;
using namespace std::chrono_literals;

namespace {

/// The position of the first frame we sent that starts with `prefix`, or npos.
std::size_t frame_position(const Harness& h, const std::string& prefix) {
  for (std::size_t i = 0; i < h.frames.size(); ++i)
    if (h.frames[i].rfind(prefix, 0) == 0) return i;
  return std::string::npos;
}

}  // namespace

TEST_CASE("v201 F06.FR.04 F06.FR.07 F06.FR.11 TC_F_14: TriggerMessage TransactionEvent, all EVSEs",
          "[v201][trigger][conformance]") {
  Harness h({1, 1});
  h.start();
  h.connect();
  // State is EnergyTransferStarted for all EVSEs (with an energy reading each).
  REQUIRE(h.engine().set_measurand(1, MeasurandEnumType::Energy_Active_Import_Register, 1200,
                                   h.now()) == std::error_code{});
  REQUIRE(h.engine().set_measurand(2, MeasurandEnumType::Energy_Active_Import_Register, 3400,
                                   h.now()) == std::error_code{});
  energy_transfer_started(h, 1, "TAG1");
  energy_transfer_started(h, 2, "TAG2");
  const std::string tx[] = {*h.engine().transaction_id(1), *h.engine().transaction_id(2)};
  h.advance(30s);
  const std::size_t from = h.calls.size();
  // 1. TriggerMessageRequest requestedMessage TransactionEvent, evse omitted.
  const auto reply =
      h.csms_call("f14", "TriggerMessage", R"({"requestedMessage":"TransactionEvent"})");
  // 2. TriggerMessageResponse status Accepted.
  CHECK(result_status(reply) == "Accepted");
  // 3. A TransactionEventRequest for every EVSE (F06.FR.11), after the answer (F06.FR.04).
  const auto ev = payloads_of(h, "TransactionEvent", from);
  REQUIRE(ev.size() == 2);
  const auto answered = frame_position(h, "[3,\"f14\"");
  REQUIRE(answered != std::string::npos);
  for (std::size_t i = from; i < h.calls.size(); ++i)
    if (h.calls[i].action == "TransactionEvent")
      CHECK(frame_position(h, "[2,\"" + h.calls[i].id + "\"") > answered);
  const char* energy[] = {"1200", "3400"};
  for (int e = 0; e < 2; ++e) {
    INFO("EVSE " << e + 1);
    CHECK(field(ev[e], "eventType") == "Updated");
    CHECK(field(ev[e], "evse.id") == std::to_string(e + 1));
    CHECK(field(ev[e], "evse.connectorId") == "1");
    CHECK(field(ev[e], "triggerReason") == "Trigger");
    CHECK(field(ev[e], "transactionInfo.transactionId") == tx[e]);
    CHECK(field(ev[e], "transactionInfo.chargingState") == "Charging");
    REQUIRE(field(ev[e], "meterValue") != "<absent>");
    CHECK(field(ev[e], "meterValue.0.sampledValue.0.context") == "Trigger");
    CHECK(std::stod(field(ev[e], "meterValue.0.sampledValue.0.value")) == std::stod(energy[e]));
  }
}

TEST_CASE("v201 F06.FR.02 F06.FR.04 F06.FR.10 TC_F_24: TriggerMessage StatusNotification, Occupied",
          "[v201][trigger][conformance]") {
  Harness h({1, 1});
  h.start();
  h.connect();
  // State is EVConnectedPreSession at EVSE 2: the EV plugged in, no driver yet.
  REQUIRE(h.engine().plug_in(2, 1, h.now()) == std::error_code{});
  h.pump();
  const std::size_t from = h.calls.size();
  // 1. TriggerMessageRequest requestedMessage StatusNotification, evse.id 2, connectorId 1.
  const auto reply =
      h.csms_call("f24", "TriggerMessage",
                  R"({"requestedMessage":"StatusNotification","evse":{"id":2,"connectorId":1}})");
  // 2. TriggerMessageResponse status Accepted.
  CHECK(result_status(reply) == "Accepted");
  // 3. StatusNotificationRequest connectorStatus Occupied of that connector, and no other.
  const auto sn = payloads_of(h, "StatusNotification", from);
  REQUIRE(sn.size() == 1);
  CHECK(field(sn[0], "connectorStatus") == "Occupied");
  CHECK(field(sn[0], "evseId") == "2");
  CHECK(field(sn[0], "connectorId") == "1");
  CHECK(field(sn[0], "timestamp") != "<absent>");
  CHECK(h.calls.size() == from + 1);
  CHECK(frame_position(h, "[3,\"f24\"") < frame_position(h, "[2,\"" + h.calls.back().id + "\""));
}

TEST_CASE(
    "v201 G03.FR.01 G03.FR.02 G03.FR.04 G03.FR.05 TC_G_17: connector Inoperative during a "
    "transaction",
    "[v201][availability][conformance]") {
  Harness h({1, 1});
  h.start();
  h.connect();
  // State is EnergyTransferStarted at EVSE 1.
  energy_transfer_started(h, 1, "TAG1");
  std::size_t from = h.calls.size();
  // 1. ChangeAvailabilityRequest operationalStatus Inoperative, evse.id 1, connectorId 1;
  // 2. ChangeAvailabilityResponse status Scheduled (G03.FR.05).
  CHECK(result_status(h.csms_call(
            "g17", "ChangeAvailability",
            R"({"operationalStatus":"Inoperative","evse":{"id":1,"connectorId":1}})")) ==
        "Scheduled");
  // The transaction goes on, the connector stays Occupied while it does.
  h.advance(1min);
  CHECK(payloads_of(h, "StatusNotification", from).empty());
  CHECK(*h.engine().connector_status(1, 1) == ConnectorStatusEnumType::Occupied);
  CHECK(h.engine().transaction_id(1));
  // 3. Reusable state StopAuthorized: the transaction ends (TxStopPoint Authorized).
  REQUIRE(h.engine().present_id_token(1, iso14443("TAG1"), h.now()) == std::error_code{});
  h.pump();
  const auto ev = payloads_of(h, "TransactionEvent", from);
  REQUIRE(ev.size() == 1);
  CHECK(field(ev[0], "eventType") == "Ended");
  CHECK(field(ev[0], "triggerReason") == "StopAuthorized");
  CHECK(field(ev[0], "transactionInfo.stoppedReason") == "Local");
  // 4. The station reports the connector of the EVSE: Unavailable now that it is idle (the
  // Inoperative status applies when the transaction has ended, G03.FR.05).
  auto sn = payloads_of(h, "StatusNotification", from);
  REQUIRE(sn.size() == 1);
  CHECK(field(sn[0], "connectorStatus") == "Unavailable");
  CHECK(field(sn[0], "evseId") == "1");
  CHECK(field(sn[0], "connectorId") == "1");
  // The StatusNotification follows the Ended.
  CHECK(frame_position(h, "[2,\"" + h.calls_of("TransactionEvent").back().id + "\"") <
        frame_position(h, "[2,\"" + h.calls_of("StatusNotification").back().id + "\""));
  // 6., 9. EVConnectedPostSession, EVDisconnected: the connector stays Unavailable (7., 10.:
  // connectorStatus Unavailable, nothing new to report).
  from = h.calls.size();
  REQUIRE(h.engine().set_charging_state(1, ChargingStateEnumType::EVConnected, h.now()) ==
          std::error_code{});
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  for (const auto& p : payloads_of(h, "StatusNotification", from))
    CHECK(field(p, "connectorStatus") == "Unavailable");
  CHECK(*h.engine().connector_status(1, 1) == ConnectorStatusEnumType::Unavailable);
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  // Only that connector: EVSE 2 is Available.
  CHECK(*h.engine().connector_status(2, 1) == ConnectorStatusEnumType::Available);
}
