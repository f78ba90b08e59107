// Part 6 test cases of a local start (OCPP 2.0.1 part 2 C01, E03): an EV not ready for energy
// transfer once plugged in after the authorization (TC_E_38), and an invalid idToken on a
// station whose cable lock keeps the EV from connecting before the authorization, with
// Authorized in TxStartPoint (TC_C_05). Each test follows the steps of its test case, checking
// the station's messages field by field.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::field;
using test::v201::Harness;
using test::v201::iso14443;
using test::v201::payloads_of;
using test::v201::SentCall;
using test::v201::set_variable;
using namespace std::chrono_literals;

TEST_CASE("v201 E03 TC_E_38: EV not ready, the charging state SuspendedEV is reported",
          "[v201][transactions][conformance]") {
  // Prerequisite: TxStartPoint is not EnergyTransfer.
  const std::string start_point = GENERATE("PowerPathClosed", "Authorized", "EVConnected");
  INFO(start_point);
  Harness h;
  h.start();
  h.connect();
  set_variable(h, "TxCtrlr", "TxStartPoint", start_point);
  // Reusable State Authorized: the idToken presented and accepted before the cable.
  std::size_t from = h.calls.size();
  REQUIRE(h.engine().present_id_token(1, iso14443("VALID1"), h.now()) == std::error_code{});
  h.pump();
  const auto auth = payloads_of(h, "Authorize", from);
  REQUIRE(auth.size() == 1);
  CHECK(field(auth[0], "idToken.idToken") == "VALID1");
  // With Authorized in TxStartPoint the transaction starts now (E01), else with the cable.
  CHECK(payloads_of(h, "TransactionEvent", from).size() == (start_point == "Authorized" ? 1u : 0u));

  // Manual Action: the EV is not ready for energy transfer. 1. Reusable State
  // EVConnectedPreSession: the connector Occupied and the transaction's message for the cable.
  from = h.calls.size();
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  const auto sn = payloads_of(h, "StatusNotification", from);
  REQUIRE(sn.size() == 1);
  CHECK(field(sn[0], "connectorStatus") == "Occupied");
  auto tx = payloads_of(h, "TransactionEvent", from);
  REQUIRE(tx.size() == 1);
  CHECK(field(tx[0], "eventType") == (start_point == "Authorized" ? "Updated" : "Started"));
  CHECK(field(tx[0], "triggerReason") == "CablePluggedIn");
  CHECK(field(tx[0], "transactionInfo.chargingState") == "EVConnected");
  REQUIRE(h.engine().transaction_id(1));
  const std::string transaction_id = *h.engine().transaction_id(1);

  // The firmware sees the EV does not take energy: SuspendedEV. 2. The TransactionEventRequest
  // (3. answered).
  from = h.calls.size();
  REQUIRE(h.engine().set_charging_state(1, ChargingStateEnumType::SuspendedEV, h.now()) ==
          std::error_code{});
  h.pump();
  tx = payloads_of(h, "TransactionEvent", from);
  REQUIRE(tx.size() == 1);
  // Tool validations of step 2.
  CHECK(field(tx[0], "triggerReason") == "ChargingStateChanged");
  CHECK(field(tx[0], "transactionInfo.chargingState") == "SuspendedEV");
  CHECK(field(tx[0], "eventType") == "Updated");
  CHECK(field(tx[0], "transactionInfo.transactionId") == transaction_id);
  CHECK(h.engine().transaction_id(1) == std::optional<std::string>(transaction_id));
}

TEST_CASE("v201 C01.FR.02 TC_C_05: an invalid idToken with a cable lock starts nothing",
          "[v201][auth][conformance]") {
  const std::string start_point =
      GENERATE("Authorized", "Authorized,EVConnected", "PowerPathClosed,Authorized");
  INFO(start_point);
  Harness h;
  h.policy["Authorize"] = [](const SentCall& c) -> std::optional<std::string> {
    if (field(c.payload, "idToken.idToken") == "INVALID1")
      return R"({"idTokenInfo":{"status":"Invalid"}})";
    return R"({"idTokenInfo":{"status":"Accepted"}})";
  };
  std::vector<std::pair<std::string, AuthorizationStatusEnumType>> told;
  h.hooks.authorization = [&told](int, const IdTokenType& t, const IdTokenInfoType& info) {
    told.emplace_back(t.idToken, info.status);
  };
  h.start();
  h.connect();
  // Prerequisite: Authorized in TxStartPoint (the cable lock keeps the EV out until then).
  // Configuration State: AuthCtrlr.Enabled true, DisableRemoteAuthorization false.
  set_variable(h, "TxCtrlr", "TxStartPoint", start_point);
  set_variable(h, "AuthCtrlr", "Enabled", "true");
  set_variable(h, "AuthCtrlr", "DisableRemoteAuthorization", "false");

  // Manual Action: present the idToken. 1. AuthorizeRequest (C01.FR.02); 2. Invalid.
  const std::size_t from = h.calls.size();
  REQUIRE(h.engine().present_id_token(1, iso14443("INVALID1"), h.now()) == std::error_code{});
  h.pump();
  const auto auth = payloads_of(h, "Authorize", from);
  REQUIRE(auth.size() == 1);
  // Tool validations of step 1.
  CHECK(field(auth[0], "idToken.idToken") == "INVALID1");
  CHECK(field(auth[0], "idToken.type") == "ISO14443");
  // The firmware learns the refusal and keeps the cable lock closed.
  REQUIRE(told.size() == 1);
  CHECK(told[0].first == "INVALID1");
  CHECK(told[0].second == AuthorizationStatusEnumType::Invalid);

  // Note: no TransactionEventRequest after the AuthorizeRequest, while the tool waits its
  // message timeout (and well past EVConnectionTimeOut).
  h.advance(180s);
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  CHECK_FALSE(h.engine().transaction_id(1));
  // Control: a valid idToken does start the transaction at this TxStartPoint.
  REQUIRE(h.engine().present_id_token(1, iso14443("VALID1"), h.now()) == std::error_code{});
  h.pump();
  CHECK(payloads_of(h, "TransactionEvent", from).size() == 1);
}
