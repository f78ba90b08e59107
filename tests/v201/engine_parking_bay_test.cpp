// The parking bay detector as a start and stop point (OCPP 2.0.1 part 2 E01.FR.01, E06.FR.01,
// E03.FR.15): the firmware reports what the detector sees (set_parking_bay_occupied). Part 6:
// TC_E_12 (start when the EV drives in), TC_E_19 (end when it drives out).
#include <catch2/catch.hpp>

#include "ocpp/error.hpp"
#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::field;
using test::v201::Harness;
using test::v201::iso14443;
using test::v201::payloads_of;
using test::v201::set_variable;
using namespace std::chrono_literals;

TEST_CASE("v201 E01.FR.01 TC_E_12: the EV in the parking bay starts the transaction",
          "[v201][transactions][parking_bay][conformance]") {
  Harness h;
  h.start();
  h.connect();
  set_variable(h, "TxCtrlr", "TxStartPoint", "ParkingBayOccupancy");
  CHECK(h.engine().set_parking_bay_occupied(2, true, h.now()) ==
        ocpp::make_error_code(ocpp::Errc::unknown_connector));
  std::size_t from = h.calls.size();
  REQUIRE(h.engine().set_parking_bay_occupied(1, true, h.now()) == std::error_code{});
  h.pump();
  auto events = payloads_of(h, "TransactionEvent", from);
  REQUIRE(events.size() == 1);
  CHECK(field(events[0], "eventType") == "Started");
  CHECK(field(events[0], "triggerReason") == "EVDetected");
  CHECK(field(events[0], "seqNo") == "0");
  CHECK(field(events[0], "evse.id") == "1");
  CHECK(field(events[0], "idToken") == "<absent>");  // nobody authorized yet
  const auto tx = h.engine().transaction_id(1);
  REQUIRE(tx);
  // The same detection again is no new event; the driver then authorizes (E01.FR.10).
  REQUIRE(h.engine().set_parking_bay_occupied(1, true, h.now()) == std::error_code{});
  REQUIRE(h.engine().present_id_token(1, iso14443("TAG1"), h.now()) == std::error_code{});
  h.pump();
  events = payloads_of(h, "TransactionEvent", from);
  REQUIRE(events.size() == 2);
  CHECK(field(events[1], "triggerReason") == "Authorized");
  CHECK(field(events[1], "idToken.idToken") == "TAG1");
  CHECK(field(events[1], "transactionInfo.transactionId") == *tx);
}

TEST_CASE("v201 E06.FR.01 TC_E_19: the EV leaving the parking bay ends the transaction",
          "[v201][transactions][parking_bay][conformance]") {
  Harness h;
  h.start();
  h.connect();
  set_variable(h, "TxCtrlr", "TxStartPoint", "ParkingBayOccupancy");
  set_variable(h, "TxCtrlr", "TxStopPoint", "ParkingBayOccupancy");
  REQUIRE(h.engine().set_parking_bay_occupied(1, true, h.now()) == std::error_code{});
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  REQUIRE(h.engine().present_id_token(1, iso14443("TAG1"), h.now()) == std::error_code{});
  h.pump();
  const auto tx = h.engine().transaction_id(1);
  REQUIRE(tx);
  // State EVDisconnected: the cable is out, the transaction goes on (not a stop point).
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  REQUIRE(h.engine().transaction_id(1) == tx);
  std::size_t from = h.calls.size();
  REQUIRE(h.engine().set_parking_bay_occupied(1, false, h.now()) == std::error_code{});
  h.pump();
  auto events = payloads_of(h, "TransactionEvent", from);
  REQUIRE(events.size() == 1);
  CHECK(field(events[0], "eventType") == "Ended");
  CHECK(field(events[0], "triggerReason") == "EVDeparted");
  CHECK(field(events[0], "transactionInfo.stoppedReason") == "Local");
  CHECK(field(events[0], "transactionInfo.transactionId") == *tx);
  CHECK(!h.engine().transaction_id(1));
  // The next EV in the bay starts the next transaction; one that stayed would not.
  from = h.calls.size();
  REQUIRE(h.engine().set_parking_bay_occupied(1, true, h.now()) == std::error_code{});
  h.pump();
  events = payloads_of(h, "TransactionEvent", from);
  REQUIRE(events.size() == 1);
  CHECK(field(events[0], "eventType") == "Started");
  CHECK(field(events[0], "transactionInfo.transactionId") != *tx);
}

TEST_CASE("v201 E01.FR.01: an EV still in the bay after its transaction starts no other",
          "[v201][transactions][parking_bay]") {
  Harness h;
  h.start();
  h.connect();
  set_variable(h, "TxCtrlr", "TxStartPoint", "ParkingBayOccupancy,EVConnected");
  set_variable(h, "TxCtrlr", "TxStopPoint", "EVConnected");
  REQUIRE(h.engine().set_parking_bay_occupied(1, true, h.now()) == std::error_code{});
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  REQUIRE(h.engine().transaction_id(1));
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});  // ends it (EVConnected)
  h.pump();
  REQUIRE(!h.engine().transaction_id(1));
  const std::size_t from = h.calls.size();
  REQUIRE(h.engine().set_charging_state(1, ChargingStateEnumType::Idle, h.now()) ==
          std::error_code{});
  h.advance(10s);
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
}

TEST_CASE(
    "v201 E03.FR.15: with ParkingBayOccupancy in TxStopPoint no cable in time only "
    "deauthorizes",
    "[v201][transactions][parking_bay]") {
  Harness h;
  h.start();
  h.connect();
  set_variable(h, "TxCtrlr", "TxStartPoint", "ParkingBayOccupancy");
  set_variable(h, "TxCtrlr", "TxStopPoint", "ParkingBayOccupancy");
  set_variable(h, "TxCtrlr", "EVConnectionTimeOut", "30");
  REQUIRE(h.engine().set_parking_bay_occupied(1, true, h.now()) == std::error_code{});
  REQUIRE(h.engine().present_id_token(1, iso14443("TAG1"), h.now()) == std::error_code{});
  h.pump();
  const auto tx = h.engine().transaction_id(1);
  REQUIRE(tx);
  const std::size_t from = h.calls.size();
  h.advance(31s);
  auto events = payloads_of(h, "TransactionEvent", from);
  REQUIRE(events.size() == 1);
  CHECK(field(events[0], "eventType") == "Updated");
  CHECK(field(events[0], "triggerReason") == "EVConnectTimeout");
  CHECK(h.engine().transaction_id(1) == tx);
}
