// Part 6 test cases of authorization (OCPP 2.0.1 part 2 C01, C09, C10, C12, C14, E07, E08):
// an idToken the CSMS refuses (TC_C_06), the Authorization Cache with StopTxOnInvalidId false
// (TC_C_17), DisablePostAuthorize of the cache (TC_C_57) and of the Local Authorization List
// (TC_C_58), authorization by GroupId online (TC_C_39), from the cache (TC_C_41, TC_C_44) and
// offline (TC_E_45). Each test follows the steps of its test case, checking the station's
// messages field by field.
#include <catch2/catch.hpp>
#include <map>

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

using test::v201::present;
using test::v201::record_authorizations;
using test::v201::send_list;
using test::v201::Told;

const std::string kGroupAccepted =
    R"({"status":"Accepted","groupIdToken":{"idToken":"GROUP1","type":"Central"}})";
const std::string kGroupInvalid =
    R"({"status":"Invalid","groupIdToken":{"idToken":"GROUP1","type":"Central"}})";

/// The CSMS's idTokens: it answers AuthorizeRequest, and a TransactionEventRequest that
/// carries an idToken, with the idTokenInfo it holds for it (status Unknown for any other).
struct Tokens {
  std::map<std::string, std::string> info;  // idToken -> idTokenInfo JSON

  void install(Harness& h) {
    h.policy["Authorize"] = [this](const SentCall& c) -> std::optional<std::string> {
      return R"({"idTokenInfo":)" + of(field(c.payload, "idToken.idToken")) + "}";
    };
    h.policy["TransactionEvent"] = [this](const SentCall& c) -> std::optional<std::string> {
      const auto id = field(c.payload, "idToken.idToken");
      if (id == "<absent>") return "{}";
      return R"({"idTokenInfo":)" + of(id) + "}";
    };
  }
  std::string of(const std::string& id) const {
    auto it = info.find(id);
    return it != info.end() ? it->second : R"({"status":"Unknown"})";
  }
};

/// Part 6 reusable state EVConnectedPreSession at connector 1 of EVSE 1 (default TxStartPoint
/// PowerPathClosed): StatusNotificationRequest Occupied, no transaction yet.
void ev_connected_pre_session(Harness& h) {
  const std::size_t from = h.calls.size();
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  const auto sn = payloads_of(h, "StatusNotification", from);
  REQUIRE(sn.size() == 1);
  CHECK(field(sn[0], "evseId") == "1");
  CHECK(field(sn[0], "connectorId") == "1");
  CHECK(field(sn[0], "connectorStatus") == "Occupied");
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
}

/// Part 6 memory state IdTokenCached: the idToken authorized online (AuthorizeRequest, the
/// answer cached, C10.FR.04); when Accepted (main A), a session follows
/// (EVConnectedPreSession: the transaction starts, then ParkingBayUnoccupied: it ends).
void id_token_cached(Harness& h, const std::string& id, bool accepted) {
  const std::size_t from = h.calls.size();
  present(h, id);
  REQUIRE(payloads_of(h, "Authorize", from).size() == 1);
  if (accepted) {
    REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
    h.pump();
    REQUIRE(h.engine().transaction_id(1));
    REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
    h.pump();
  }
  REQUIRE(!h.engine().transaction_id(1));
}

}  // namespace

TEST_CASE("v201 C01.FR.02 TC_C_06: an idToken the CSMS does not accept starts nothing",
          "[v201][auth][conformance]") {
  // The test case answers Blocked; every other status that is not Accepted is refused the same.
  const std::string status =
      GENERATE("Blocked", "ConcurrentTx", "Expired", "Invalid", "NoCredit", "NotAllowedTypeEVSE",
               "NotAtThisLocation", "NotAtThisTime", "Unknown");
  INFO(status);
  Harness h;
  Tokens csms;
  csms.info["BLOCKED1"] = R"({"status":")" + status + "\"}";
  csms.install(h);
  std::vector<Told> told;
  record_authorizations(h, told);
  h.start();
  h.connect();
  // Configuration State: AuthCtrlr.AuthEnabled true, DisableRemoteAuthorization false.
  set_variable(h, "AuthCtrlr", "Enabled", "true");
  set_variable(h, "AuthCtrlr", "DisableRemoteAuthorization", "false");
  // Reusable State EVConnectedPreSession.
  ev_connected_pre_session(h);
  const std::size_t from = h.calls.size();
  // The idToken presented: 1. AuthorizeRequest with it (C01.FR.02); 2. the refusal.
  present(h, "BLOCKED1");
  const auto auth = payloads_of(h, "Authorize", from);
  REQUIRE(auth.size() == 1);
  CHECK(field(auth[0], "idToken.idToken") == "BLOCKED1");
  CHECK(field(auth[0], "idToken.type") == "ISO14443");
  REQUIRE(told.size() == 1);
  CHECK(told[0].evse == 1);
  CHECK(told[0].id_token == "BLOCKED1");
  CHECK(std::string(to_string(told[0].status)) == status);
  // No TransactionEventRequest after the AuthorizeRequest; the OCTT waits the message timeout.
  h.advance(30s);
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  CHECK(!h.engine().transaction_id(1));
}

TEST_CASE("v201 C01 TC_C_06: Accepted for other EVSEs only is NotAtThisLocation here",
          "[v201][auth][conformance]") {
  Harness h({1, 1});
  Tokens csms;
  csms.info["ELSEWHERE1"] = R"({"status":"Accepted","evseId":[2]})";
  csms.install(h);
  std::vector<Told> told;
  record_authorizations(h, told);
  h.start();
  h.connect();
  ev_connected_pre_session(h);
  const std::size_t from = h.calls.size();
  present(h, "ELSEWHERE1");
  REQUIRE(payloads_of(h, "Authorize", from).size() == 1);
  // IdTokenInfoType.evseId: only EVSE 2 may be used; EVSE 1 refuses it.
  REQUIRE(told.size() == 1);
  CHECK(told[0].status == AuthorizationStatusEnumType::NotAtThisLocation);
  h.advance(30s);
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  CHECK(!h.engine().transaction_id(1));
}

TEST_CASE(
    "v201 C12.FR.02 C12.FR.04 E05.FR.02 TC_C_17: cached Accepted offline, Invalid at the CSMS, "
    "StopTxOnInvalidId false",
    "[v201][auth_cache][conformance]") {
  Harness h;
  Tokens csms;
  csms.info["VALID1"] = R"({"status":"Accepted"})";
  csms.install(h);
  std::vector<TransactionEventInfo> events;
  h.hooks.transaction_event = [&events](const TransactionEventInfo& e) { events.push_back(e); };
  h.start();
  h.connect();
  // Configuration State.
  set_variable(h, "AuthCacheCtrlr", "Enabled", "true");
  set_variable(h, "AuthCtrlr", "LocalPreAuthorize", "true");
  set_variable(h, "AuthCtrlr", "OfflineTxForUnknownIdEnabled", "true");
  set_variable(h, "TxCtrlr", "StopTxOnInvalidId", "false");
  set_variable(h, "TxCtrlr", "MaxEnergyOnInvalidId", "0");
  // Memory State: IdTokenCached for the valid idToken.
  id_token_cached(h, "VALID1", true);
  // Reusable State EVConnectedPreSession.
  ev_connected_pre_session(h);
  // The CSMS now holds the idToken Invalid.
  csms.info["VALID1"] = R"({"status":"Invalid"})";
  const std::size_t from = h.calls.size();
  // 1. The connection is closed; the cached idToken presented; the OCTT waits 5 s.
  h.disconnect();
  present(h, "VALID1");
  REQUIRE(h.engine().transaction_id(1));
  const auto tx = *h.engine().transaction_id(1);
  h.advance(5s);
  CHECK(payloads_of(h, "Authorize", from).empty());
  // 2. The reconnection: the queue is sent. 3. TransactionEventRequest triggerReason
  // Authorized with the idToken, offline; 4. answered Invalid.
  h.connect();
  const auto ev = payloads_of(h, "TransactionEvent", from);
  REQUIRE(ev.size() == 2);
  CHECK(field(ev[0], "eventType") == "Started");
  CHECK(field(ev[0], "triggerReason") == "Authorized");
  CHECK(field(ev[0], "idToken.idToken") == "VALID1");
  CHECK(field(ev[0], "idToken.type") == "ISO14443");
  CHECK(field(ev[0], "offline") == "true");
  CHECK(field(ev[0], "transactionInfo.transactionId") == tx);
  // 5. E05.FR.02 (StopTxOnInvalidId false, no MaxEnergyOnInvalidId): the energy stops, the
  // transaction goes on: chargingState SuspendedEVSE (triggerReason ChargingStateChanged).
  CHECK(field(ev[1], "eventType") == "Updated");
  CHECK(field(ev[1], "triggerReason") == "ChargingStateChanged");
  CHECK(field(ev[1], "transactionInfo.chargingState") == "SuspendedEVSE");
  CHECK(field(ev[1], "transactionInfo.transactionId") == tx);
  CHECK(field(ev[1], "offline") == "<absent>");
  h.advance(30s);
  CHECK(payloads_of(h, "TransactionEvent", from).size() == 2);
  CHECK(h.engine().transaction_id(1) == tx);
  // Post scenario: the energy flow stops (the firmware hears SuspendedEVSE).
  REQUIRE(!events.empty());
  CHECK(events.back().chargingState == ChargingStateEnumType::SuspendedEVSE);
}

TEST_CASE(
    "v201 C10.FR.03 C12.FR.05 TC_C_57: AuthCacheCtrlr.DisablePostAuthorize refuses a cached "
    "Invalid idToken without asking",
    "[v201][auth_cache][conformance]") {
  Harness h;
  Tokens csms;
  csms.info["INVALID1"] = R"({"status":"Invalid"})";
  csms.install(h);
  std::vector<Told> told;
  record_authorizations(h, told);
  h.start();
  h.connect();
  // Configuration State.
  set_variable(h, "AuthCacheCtrlr", "Enabled", "true");
  set_variable(h, "AuthCtrlr", "LocalPreAuthorize", "true");
  set_variable(h, "AuthCacheCtrlr", "DisablePostAuthorize", "true");
  // Memory State: IdTokenCached for the invalid idToken.
  id_token_cached(h, "INVALID1", false);
  // Reusable State EVConnectedPreSession.
  ev_connected_pre_session(h);
  told.clear();
  const std::size_t from = h.calls.size();
  // The cached invalid idToken presented: 1. no AuthorizeRequest, and it is refused.
  present(h, "INVALID1");
  h.advance(30s);
  CHECK(payloads_of(h, "Authorize", from).empty());
  REQUIRE(told.size() == 1);
  CHECK(told[0].id_token == "INVALID1");
  CHECK(told[0].status == AuthorizationStatusEnumType::Invalid);
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  CHECK(!h.engine().transaction_id(1));
  // Without DisablePostAuthorize the CSMS is asked again (C10.FR.03, C12.FR.05).
  set_variable(h, "AuthCacheCtrlr", "DisablePostAuthorize", "false");
  present(h, "INVALID1");
  CHECK(payloads_of(h, "Authorize", from).size() == 1);
}

TEST_CASE(
    "v201 C14.FR.03 TC_C_58: LocalAuthListCtrlr.DisablePostAuthorize refuses a listed Invalid "
    "idToken without asking",
    "[v201][local_list][conformance]") {
  Harness h;
  Tokens csms;
  csms.install(h);
  std::vector<Told> told;
  record_authorizations(h, told);
  h.start();
  h.connect();
  // Configuration State.
  set_variable(h, "LocalAuthListCtrlr", "Enabled", "true");
  set_variable(h, "AuthCtrlr", "LocalPreAuthorize", "true");
  set_variable(h, "LocalAuthListCtrlr", "DisablePostAuthorize", "true");
  // Memory State: IdTokenLocalAuthList for the invalid idToken.
  send_list(h, {{"INVALID1", R"({"status":"Invalid"})"}});
  const std::size_t from = h.calls.size();
  // The listed invalid idToken presented: 1. no AuthorizeRequest, and it is refused.
  present(h, "INVALID1");
  h.advance(30s);
  CHECK(payloads_of(h, "Authorize", from).empty());
  REQUIRE(told.size() == 1);
  CHECK(told[0].id_token == "INVALID1");
  CHECK(told[0].status == AuthorizationStatusEnumType::Invalid);
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  // Without DisablePostAuthorize the CSMS is asked (C14.FR.03).
  set_variable(h, "LocalAuthListCtrlr", "DisablePostAuthorize", "false");
  present(h, "INVALID1");
  const auto auth = payloads_of(h, "Authorize", from);
  REQUIRE(auth.size() == 1);
  CHECK(field(auth[0], "idToken.idToken") == "INVALID1");
}

TEST_CASE(
    "v201 C09.FR.03 C09.FR.05 E07.FR.02 TC_C_39: another idToken of the group, asked for, "
    "stops the transaction",
    "[v201][auth][conformance]") {
  Harness h;
  Tokens csms;
  csms.info["VALID1"] = kGroupAccepted;
  csms.info["VALID2"] = kGroupAccepted;
  csms.install(h);
  h.start();
  h.connect();
  // Reusable State EVConnectedPreSession.
  ev_connected_pre_session(h);
  std::size_t from = h.calls.size();
  // The valid idToken with the GroupId presented: 1. AuthorizeRequest; 2. Accepted, GROUP1.
  present(h, "VALID1");
  const auto auth1 = payloads_of(h, "Authorize", from);
  REQUIRE(auth1.size() == 1);
  CHECK(field(auth1[0], "idToken.idToken") == "VALID1");
  CHECK(field(auth1[0], "idToken.type") == "ISO14443");
  // 3. TransactionEventRequest triggerReason Authorized with it, eventType Started
  // (TxStartPoint PowerPathClosed: cable and driver); 4. Accepted with the groupIdToken.
  auto ev = payloads_of(h, "TransactionEvent", from);
  REQUIRE(ev.size() == 1);
  CHECK(field(ev[0], "eventType") == "Started");
  CHECK(field(ev[0], "triggerReason") == "Authorized");
  CHECK(field(ev[0], "idToken.idToken") == "VALID1");
  CHECK(field(ev[0], "idToken.type") == "ISO14443");
  const auto tx = field(ev[0], "transactionInfo.transactionId");
  // 5. EnergyTransferStarted.
  REQUIRE(h.engine().set_charging_state(1, ChargingStateEnumType::Charging, h.now()) ==
          std::error_code{});
  h.pump();
  from = h.calls.size();
  // The other valid idToken of the group presented: 6. AuthorizeRequest with it (neither
  // listed nor cached, C09.FR.05); 7. Accepted, GROUP1.
  present(h, "VALID2");
  const auto auth2 = payloads_of(h, "Authorize", from);
  REQUIRE(auth2.size() == 1);
  CHECK(field(auth2[0], "idToken.idToken") == "VALID2");
  CHECK(field(auth2[0], "idToken.type") == "ISO14443");
  // 8. TransactionEventRequest triggerReason StopAuthorized with the idToken that stopped it
  // (C09.FR.03, E07.FR.02); TxStopPoint Authorized: the transaction ends.
  ev = payloads_of(h, "TransactionEvent", from);
  REQUIRE(ev.size() == 1);
  CHECK(field(ev[0], "triggerReason") == "StopAuthorized");
  CHECK(field(ev[0], "idToken.idToken") == "VALID2");
  CHECK(field(ev[0], "idToken.type") == "ISO14443");
  CHECK(field(ev[0], "eventType") == "Ended");
  CHECK(field(ev[0], "transactionInfo.transactionId") == tx);
  CHECK(field(ev[0], "transactionInfo.stoppedReason") == "Local");
  CHECK(!h.engine().transaction_id(1));
  // 10. EVConnectedPostSession, 11. EVDisconnected: the transaction has ended already, so
  // only StatusNotificationRequest Available.
  from = h.calls.size();
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  const auto sn = payloads_of(h, "StatusNotification", from);
  REQUIRE(sn.size() == 1);
  CHECK(field(sn[0], "connectorStatus") == "Available");
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
}

namespace {

/// The cached valid idToken VALID1 presented at EVSE 1 with the EV connected (part 6 steps 1
/// to 3 of TC_C_41 and TC_C_44): TransactionEventRequest Started, triggerReason Authorized with
/// it and no AuthorizeRequest (C12.FR.02), then EnergyTransferStarted. Returns the
/// transactionId.
std::string started_by_cached_valid1(Harness& h) {
  const std::size_t from = h.calls.size();
  present(h, "VALID1");
  CHECK(payloads_of(h, "Authorize", from).empty());
  auto ev = payloads_of(h, "TransactionEvent", from);
  REQUIRE(ev.size() == 1);
  CHECK(field(ev[0], "eventType") == "Started");
  CHECK(field(ev[0], "triggerReason") == "Authorized");
  CHECK(field(ev[0], "idToken.idToken") == "VALID1");
  CHECK(field(ev[0], "idToken.type") == "ISO14443");
  REQUIRE(h.engine().set_charging_state(1, ChargingStateEnumType::Charging, h.now()) ==
          std::error_code{});
  h.pump();
  return field(ev[0], "transactionInfo.transactionId");
}

}  // namespace

TEST_CASE(
    "v201 C09.FR.03 C09.FR.07 E07.FR.02 TC_C_41: a cached idToken of the group stops the "
    "transaction without an AuthorizeRequest",
    "[v201][auth_cache][conformance]") {
  Harness h;
  Tokens csms;
  csms.info["VALID1"] = kGroupAccepted;
  csms.info["VALID2"] = kGroupAccepted;
  csms.install(h);
  h.start();
  h.connect();
  // Configuration State.
  set_variable(h, "AuthCacheCtrlr", "Enabled", "true");
  set_variable(h, "AuthCtrlr", "LocalPreAuthorize", "true");
  // Memory State: IdTokenCached for both idTokens (GROUP1).
  id_token_cached(h, "VALID1", true);
  id_token_cached(h, "VALID2", true);
  // Reusable State EVConnectedPreSession.
  ev_connected_pre_session(h);
  const auto tx = started_by_cached_valid1(h);
  std::size_t from = h.calls.size();
  // The cached idToken2 of the group presented: 4. StopAuthorized, without an
  // AuthorizeRequest (C09.FR.07 (b)), with idToken2 (E07.FR.02); the transaction ends
  // (TxStopPoint Authorized).
  present(h, "VALID2");
  CHECK(payloads_of(h, "Authorize", from).empty());
  auto ev = payloads_of(h, "TransactionEvent", from);
  REQUIRE(ev.size() == 1);
  CHECK(field(ev[0], "triggerReason") == "StopAuthorized");
  CHECK(field(ev[0], "idToken.idToken") == "VALID2");
  CHECK(field(ev[0], "idToken.type") == "ISO14443");
  CHECK(field(ev[0], "eventType") == "Ended");
  CHECK(field(ev[0], "transactionInfo.transactionId") == tx);
  CHECK(field(ev[0], "transactionInfo.stoppedReason") == "Local");
  // 5.-7. EVConnectedPostSession, EVDisconnected, ParkingBayUnoccupied.
  from = h.calls.size();
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  CHECK(!h.engine().transaction_id(1));
}

TEST_CASE(
    "v201 C09.FR.07 C09.FR.11 TC_C_44: a cached Invalid idToken of the group is asked for and "
    "does not stop the transaction",
    "[v201][auth_cache][conformance]") {
  Harness h;
  Tokens csms;
  csms.info["VALID1"] = kGroupAccepted;
  csms.info["INVALID1"] = kGroupInvalid;
  csms.install(h);
  h.start();
  h.connect();
  // Configuration State.
  set_variable(h, "AuthCacheCtrlr", "Enabled", "true");
  set_variable(h, "AuthCtrlr", "LocalPreAuthorize", "true");
  set_variable(h, "AuthCacheCtrlr", "DisablePostAuthorize", "false");
  // Memory State: IdTokenCached for the valid and the invalid idToken (GROUP1).
  id_token_cached(h, "VALID1", true);
  id_token_cached(h, "INVALID1", false);
  // Reusable State EVConnectedPreSession.
  ev_connected_pre_session(h);
  const auto tx = started_by_cached_valid1(h);
  std::size_t from = h.calls.size();
  // The cached invalid idToken of the group presented: 4. AuthorizeRequest with it (not
  // valid, so C09.FR.07 (b) does not hold; C10.FR.03); 5. Invalid, GROUP1.
  present(h, "INVALID1");
  const auto auth = payloads_of(h, "Authorize", from);
  REQUIRE(auth.size() == 1);
  CHECK(field(auth[0], "idToken.idToken") == "INVALID1");
  CHECK(field(auth[0], "idToken.type") == "ISO14443");
  // The OCTT waits: no TransactionEventRequest (C09.FR.11); the transaction goes on.
  h.advance(30s);
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  CHECK(h.engine().transaction_id(1) == tx);
}

TEST_CASE(
    "v201 E08.FR.02 E08.FR.04 E07.FR.02 TC_E_45: offline, an idToken of the group stops the "
    "transaction; queued and sent offline",
    "[v201][auth][conformance]") {
  Harness h;
  Tokens csms;
  csms.info["VALID1"] = kGroupAccepted;
  csms.info["VALID2"] = kGroupAccepted;
  csms.install(h);
  h.start();
  h.connect();
  // Memory State: IdTokenCached and IdTokenLocalAuthList for idToken2 with the GroupId.
  id_token_cached(h, "VALID2", true);
  send_list(h, {{"VALID2", kGroupAccepted}});
  // Reusable State Authorized with the GroupId, then EnergyTransferStarted.
  energy_transfer_started(h, 1, "VALID1");
  const auto tx = *h.engine().transaction_id(1);
  const std::size_t from = h.calls.size();
  // 1. The connection is closed. idToken2 presented; the EV disconnected.
  h.disconnect();
  present(h, "VALID2");
  CHECK(!h.engine().transaction_id(1));  // E08.FR.02: ended by the group
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  CHECK(h.engine().queued_transaction_messages() >= 1);
  // 2. The reconnection; 3. the queue: every message offline, one of them Ended.
  h.connect();
  const auto ev = payloads_of(h, "TransactionEvent", from);
  REQUIRE(!ev.empty());
  int ended = 0;
  for (const auto& p : ev) {
    INFO(p);
    CHECK(field(p, "offline") == "true");
    CHECK(field(p, "transactionInfo.transactionId") == tx);
    if (field(p, "eventType") == "Ended") {
      ++ended;
      CHECK(field(p, "triggerReason") == "StopAuthorized");
      CHECK(field(p, "idToken.idToken") == "VALID2");
      CHECK(field(p, "transactionInfo.stoppedReason") == "Local");
    }
  }
  CHECK(ended == 1);
  CHECK(payloads_of(h, "Authorize", from).empty());
  CHECK(h.engine().queued_transaction_messages() == 0);
}
