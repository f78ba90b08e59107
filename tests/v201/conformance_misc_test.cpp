// Part 6 test cases of transactions and customer information (OCPP 2.0.1 part 2 E03, E06,
// F02, N10): a remote start whose cable never comes (TC_F_04), a transaction that ends with
// the energy transfer when the driver stops it (TC_E_08), and clearing and reporting an
// idToken the station holds nothing about (TC_N_31). Each test follows the steps of its test
// case, checking the station's messages field by field.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::energy_transfer_started;
using test::v201::field;
using test::v201::Harness;
using test::v201::iso14443;
using test::v201::parse;
using test::v201::payloads_of;
using test::v201::result_status;
using test::v201::set_variable;
using namespace std::chrono_literals;

namespace {

/// Part 6 reusable state Authorized, main B (RequestStartTransactionRequest) at EVSE 1 with
/// TxStartPoint Authorized: Accepted without a transactionId (none yet), no AuthorizeRequest
/// (AuthorizeRemoteStart false), then TransactionEventRequest Started, triggerReason
/// RemoteStart with the remoteStartId and the idToken. Returns the transactionId.
std::string authorized_remote(Harness& h, const std::string& msg_id, int remote_start_id) {
  const std::size_t from = h.calls.size();
  const auto reply = parse(h.csms_call(
      msg_id, "RequestStartTransaction",
      R"({"idToken":{"idToken":"VALID1","type":"ISO14443"},"evseId":1,"remoteStartId":)" +
          std::to_string(remote_start_id) + "}"));
  REQUIRE(reply[0].GetInt() == 3);
  CHECK(field(reply[2], "status") == "Accepted");
  CHECK(field(reply[2], "transactionId") == "<absent>");
  CHECK(payloads_of(h, "Authorize", from).empty());
  const auto ev = payloads_of(h, "TransactionEvent", from);
  REQUIRE(ev.size() == 1);
  CHECK(field(ev[0], "eventType") == "Started");
  CHECK(field(ev[0], "triggerReason") == "RemoteStart");
  CHECK(field(ev[0], "transactionInfo.remoteStartId") == std::to_string(remote_start_id));
  CHECK(field(ev[0], "idToken.idToken") == "VALID1");
  CHECK(field(ev[0], "idToken.type") == "ISO14443");
  CHECK(field(ev[0], "evse.id") == "1");
  REQUIRE(h.engine().transaction_id(1));
  CHECK(field(ev[0], "transactionInfo.transactionId") == *h.engine().transaction_id(1));
  return *h.engine().transaction_id(1);
}

}  // namespace

TEST_CASE(
    "v201 E03.FR.05 F02.FR.01 TC_F_04: remote start first, no cable within EVConnectionTimeOut",
    "[v201][remote_control][conformance]") {
  Harness h;
  h.start();
  h.connect();
  // Configuration State.
  set_variable(h, "TxCtrlr", "EVConnectionTimeOut", "45");
  set_variable(h, "AuthCtrlr", "Enabled", "true");
  set_variable(h, "AuthCtrlr", "DisableRemoteAuthorization", "false");
  set_variable(h, "TxCtrlr", "TxStartPoint", "Authorized");
  // Reusable State Authorized (remote).
  const auto tx = authorized_remote(h, "f04-1", 41);
  std::size_t from = h.calls.size();
  // No cable: nothing until EVConnectionTimeOut has passed.
  h.advance(44s);
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  // 1. TransactionEventRequest Ended, triggerReason EVConnectTimeout (E03.FR.05).
  h.advance(1s);
  const auto ev = payloads_of(h, "TransactionEvent", from);
  REQUIRE(ev.size() == 1);
  CHECK(field(ev[0], "triggerReason") == "EVConnectTimeout");
  CHECK(field(ev[0], "eventType") == "Ended");
  CHECK(field(ev[0], "transactionInfo.transactionId") == tx);
  CHECK(field(ev[0], "transactionInfo.stoppedReason") == "Timeout");
  CHECK(!h.engine().transaction_id(1));
  // 3. Authorized (remote) again: the EVSE is ready for another session.
  const auto tx2 = authorized_remote(h, "f04-2", 42);
  CHECK(tx2 != tx);
}

TEST_CASE("v201 E06.FR.07 E07.FR.02 TC_E_08: TxStopPoint EnergyTransfer, the driver stops",
          "[v201][transaction][conformance]") {
  Harness h;
  h.start();
  h.connect();
  // Configuration State: TxStopPoint contains EnergyTransfer.
  set_variable(h, "TxCtrlr", "TxStopPoint", "EnergyTransfer");
  // Reusable State EnergyTransferStarted.
  energy_transfer_started(h, 1, "VALID1");
  const auto tx = *h.engine().transaction_id(1);
  h.advance(10s);
  const std::size_t from = h.calls.size();
  // 1. Reusable State StopAuthorized (main A): the idToken that started it presented again;
  // its authorization ends, and with it the energy transfer, which ends the transaction
  // (E06.FR.07): TransactionEventRequest Ended, triggerReason StopAuthorized, with the idToken
  // (E07.FR.02), stoppedReason Local.
  REQUIRE(h.engine().present_id_token(1, iso14443("VALID1"), h.now()) == std::error_code{});
  h.pump();
  CHECK(payloads_of(h, "Authorize", from).empty());
  const auto ev = payloads_of(h, "TransactionEvent", from);
  REQUIRE(ev.size() == 1);
  CHECK(field(ev[0], "eventType") == "Ended");
  CHECK(field(ev[0], "triggerReason") == "StopAuthorized");
  CHECK(field(ev[0], "idToken.idToken") == "VALID1");
  CHECK(field(ev[0], "idToken.type") == "ISO14443");
  CHECK(field(ev[0], "transactionInfo.transactionId") == tx);
  CHECK(field(ev[0], "transactionInfo.stoppedReason") == "Local");
  CHECK(!h.engine().transaction_id(1));
  // The EV leaves afterwards: nothing more about the transaction.
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  CHECK(payloads_of(h, "TransactionEvent", from).size() == 1);
}

TEST_CASE("v201 N10.FR.01 N10.FR.04 TC_N_31: clear and report an idToken without data",
          "[v201][customer_information][conformance]") {
  Harness h;
  const bool firmware = GENERATE(false, true);
  INFO("customer_information hook: " << firmware);
  std::vector<CustomerInformationRequest> asked;
  if (firmware)
    h.hooks.customer_information = [&asked](const CustomerInformationRequest& r) {
      asked.push_back(r);
      return CustomerData{};  // the firmware holds nothing about it either
    };
  h.start();
  h.connect();
  const std::size_t from = h.calls.size();
  // 1. CustomerInformationRequest report true, clear true, idToken (nothing held about it).
  const auto reply = h.csms_call("n31", "CustomerInformation",
                                 R"({"requestId":31,"report":true,"clear":true,)"
                                 R"("idToken":{"idToken":"VALID1","type":"ISO14443"}})");
  // 2. CustomerInformationResponse Accepted (N10.FR.01).
  CHECK(result_status(reply) == "Accepted");
  // 3. NotifyCustomerInformationRequest saying that no data was found (N10.FR.04), in one
  // part; 4. answered.
  const auto n = payloads_of(h, "NotifyCustomerInformation", from);
  REQUIRE(n.size() == 1);
  CHECK(field(n[0], "requestId") == "31");
  CHECK(field(n[0], "seqNo") == "0");
  CHECK(field(n[0], "tbc") != "true");
  CHECK(field(n[0], "data") == "No data found");
  CHECK(field(n[0], "generatedAt") != "<absent>");
  if (firmware) {
    REQUIRE(asked.size() == 1);
    CHECK(asked[0].clear);
    CHECK(asked[0].report);
    REQUIRE(asked[0].idToken);
    CHECK(asked[0].idToken->idToken == "VALID1");
  }
}
