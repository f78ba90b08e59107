// Part 6 test cases of authorization (OCPP 2.0.1 part 2 C01, C09, C13, C14) with the Local
// Authorization List: an Expired entry offline (TC_C_24) and online (TC_C_30), an Invalid
// entry of the transaction's group (TC_C_43), and a different idToken presented during a
// transaction (TC_C_04). Each test follows the steps of its test case, checking the station's
// messages field by field.
#include <catch2/catch.hpp>

#include "v201/auth_helpers.hpp"

using namespace ocpp::v201;
using test::v201::energy_transfer_started;
using test::v201::field;
using test::v201::Harness;
using test::v201::iso14443;
using test::v201::payloads_of;
using test::v201::result_status;
using test::v201::SentCall;
using test::v201::set_variable;
using namespace std::chrono_literals;

namespace {

using test::v201::record_authorizations;
using test::v201::send_list;
using test::v201::Told;

}  // namespace

TEST_CASE("v201 C13.FR.02 TC_C_24: offline, an Expired idToken of the list is not authorized",
          "[v201][local_list][conformance]") {
  Harness h;
  std::vector<Told> told;
  record_authorizations(h, told);
  h.start();
  h.connect();
  // Configuration State: LocalAuthListEnabled, LocalPreAuthorize, LocalAuthorizeOffline true,
  // OfflineTxForUnknownIdEnabled false.
  set_variable(h, "LocalAuthListCtrlr", "Enabled", "true");
  set_variable(h, "AuthCtrlr", "LocalPreAuthorize", "true");
  set_variable(h, "AuthCtrlr", "LocalAuthorizeOffline", "true");
  set_variable(h, "AuthCtrlr", "OfflineTxForUnknownIdEnabled", "false");
  // Memory State: the expired idToken in the Local Authorization List.
  send_list(h, {{"EXPIRED1", R"({"status":"Expired"})"}});
  const std::size_t from = h.calls.size();
  // 1. The CSMS closes the connection; 2. the EV arrives (plugged in); 3. the idToken is
  // presented.
  h.disconnect();
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  REQUIRE(h.engine().present_id_token(1, iso14443("EXPIRED1"), h.now()) == std::error_code{});
  h.pump();
  // C13.FR.02: only Accepted entries authorize offline: no transaction.
  REQUIRE(told.size() == 1);
  CHECK(told[0].id_token == "EXPIRED1");
  CHECK(told[0].status != AuthorizationStatusEnumType::Accepted);
  CHECK(!h.engine().transaction_id(1));
  // 4. The CSMS accepts the reconnection; 5. the transaction queue holds nothing (TxStartPoint
  // has no ParkingBayOccupancy, no transaction started): no TransactionEventRequest, nor an
  // AuthorizeRequest for the idToken decided offline.
  h.connect();
  h.advance(1min);
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  CHECK(payloads_of(h, "Authorize", from).empty());
  CHECK(!h.engine().transaction_id(1));
}

TEST_CASE("v201 C14.FR.03 TC_C_30: online, an Expired idToken of the list is asked for",
          "[v201][local_list][conformance]") {
  Harness h;
  std::vector<Told> told;
  record_authorizations(h, told);
  h.policy["Authorize"] = [](const SentCall&) -> std::optional<std::string> {
    return R"({"idTokenInfo":{"status":"Expired"}})";
  };
  h.start();
  h.connect();
  // Configuration State: LocalAuthListEnabled, LocalPreAuthorize true.
  set_variable(h, "LocalAuthListCtrlr", "Enabled", "true");
  set_variable(h, "AuthCtrlr", "LocalPreAuthorize", "true");
  // Memory State: a known expired idToken in the Local Authorization List.
  send_list(h, {{"EXPIRED1", R"({"status":"Expired"})"}});
  // Reusable State EVConnectedPreSession.
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  const std::size_t from = h.calls.size();
  // The expired idToken presented: 1. AuthorizeRequest with it (C14.FR.03: not Accepted in
  // the list, so asked for); 2. AuthorizeResponse idTokenInfo.status Expired.
  REQUIRE(h.engine().present_id_token(1, iso14443("EXPIRED1"), h.now()) == std::error_code{});
  h.pump();
  const auto auth = payloads_of(h, "Authorize", from);
  REQUIRE(auth.size() == 1);
  CHECK(field(auth[0], "idToken.idToken") == "EXPIRED1");
  CHECK(field(auth[0], "idToken.type") == "ISO14443");
  // Not authorized: no transaction.
  REQUIRE(told.size() == 1);
  CHECK(told[0].status == AuthorizationStatusEnumType::Expired);
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  CHECK(!h.engine().transaction_id(1));
}

TEST_CASE(
    "v201 C09.FR.02 C09.FR.03 C09.FR.07 TC_C_43: an Invalid idToken of the group does not "
    "stop the transaction",
    "[v201][local_list][conformance]") {
  Harness h;
  h.policy["Authorize"] = [](const SentCall&) -> std::optional<std::string> {
    return R"({"idTokenInfo":{"status":"Invalid","groupIdToken":{"idToken":"GROUP1",)"
           R"("type":"Central"}}})";
  };
  h.policy["TransactionEvent"] = [](const SentCall& c) -> std::optional<std::string> {
    if (field(c.payload, "idToken.idToken") == "<absent>") return "{}";
    return R"({"idTokenInfo":{"status":"Accepted","groupIdToken":{"idToken":"GROUP1",)"
           R"("type":"Central"}}})";
  };
  h.start();
  h.connect();
  set_variable(h, "LocalAuthListCtrlr", "Enabled", "true");
  set_variable(h, "AuthCtrlr", "LocalPreAuthorize", "true");
  // Memory State: two idTokens of the same GroupId in the list, one valid, one invalid.
  send_list(h, {{"VALID1", R"({"status":"Accepted","groupIdToken":{"idToken":"GROUP1",)"
                           R"("type":"Central"}})"},
                {"INVALID1", R"({"status":"Invalid","groupIdToken":{"idToken":"GROUP1",)"
                             R"("type":"Central"}})"}});
  // Reusable State EVConnectedPreSession.
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  std::size_t from = h.calls.size();
  // The valid idToken presented: pre-authorized by the list (no AuthorizeRequest); 1. the
  // TransactionEventRequest triggerReason Authorized with it, eventType Started (TxStartPoint
  // PowerPathClosed: cable and driver); 2. answered Accepted with the groupIdToken.
  REQUIRE(h.engine().present_id_token(1, iso14443("VALID1"), h.now()) == std::error_code{});
  h.pump();
  CHECK(payloads_of(h, "Authorize", from).empty());
  auto ev = payloads_of(h, "TransactionEvent", from);
  REQUIRE(ev.size() == 1);
  CHECK(field(ev[0], "eventType") == "Started");
  CHECK(field(ev[0], "triggerReason") == "Authorized");
  CHECK(field(ev[0], "idToken.idToken") == "VALID1");
  CHECK(field(ev[0], "idToken.type") == "ISO14443");
  const auto tx = field(ev[0], "transactionInfo.transactionId");
  // 3. EnergyTransferStarted.
  REQUIRE(h.engine().set_charging_state(1, ChargingStateEnumType::Charging, h.now()) ==
          std::error_code{});
  h.pump();
  from = h.calls.size();
  // The invalid idToken of the group presented: 4. AuthorizeRequest with it (listed, but not
  // valid, so C09.FR.07 (b) does not hold and it is asked for); 5. Invalid with the
  // groupIdToken.
  REQUIRE(h.engine().present_id_token(1, iso14443("INVALID1"), h.now()) == std::error_code{});
  h.pump();
  const auto auth = payloads_of(h, "Authorize", from);
  REQUIRE(auth.size() == 1);
  CHECK(field(auth[0], "idToken.idToken") == "INVALID1");
  CHECK(field(auth[0], "idToken.type") == "ISO14443");
  // The OCTT waits: no TransactionEventRequest; the transaction goes on.
  h.advance(30s);
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  CHECK(h.engine().transaction_id(1) == tx);
}

TEST_CASE("v201 C01.FR.02 C01.FR.03 TC_C_04: a different idToken does not stop the transaction",
          "[v201][auth][conformance]") {
  Harness h;
  std::vector<Told> told;
  record_authorizations(h, told);
  h.start();
  h.connect();
  // Reusable State EnergyTransferStarted with the starting idToken.
  energy_transfer_started(h, 1, "START1");
  const auto tx = *h.engine().transaction_id(1);
  const std::size_t from = h.calls.size();
  // A different idToken (neither cached nor listed, no GroupId) presented: 1. AuthorizeRequest
  // with it (C01.FR.02); 2. AuthorizeResponse Accepted.
  REQUIRE(h.engine().present_id_token(1, iso14443("OTHER1"), h.now()) == std::error_code{});
  h.pump();
  const auto auth = payloads_of(h, "Authorize", from);
  REQUIRE(auth.size() == 1);
  CHECK(field(auth[0], "idToken.idToken") == "OTHER1");
  CHECK(field(auth[0], "idToken.type") == "ISO14443");
  // No TransactionEventRequest with an idToken follows (C01.FR.03: neither the same idToken
  // nor one of its group); the OCTT waits the message timeout.
  h.advance(30s);
  for (const auto& p : payloads_of(h, "TransactionEvent", from))
    CHECK(field(p, "idToken") == "<absent>");
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  CHECK(h.engine().transaction_id(1) == tx);
}
