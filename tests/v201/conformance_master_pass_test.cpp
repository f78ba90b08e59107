// Part 6 test cases of the Master Pass on a station with a user interface (OCPP 2.0.1 part 2
// C16.FR.01): the user selects all transactions (TC_C_47) or one of them (TC_C_48). The host
// says the station has a UI by setting Hooks::master_pass; the firmware stops the selected
// transactions with stop_transaction(evseId, ReasonEnumType::MasterPass). Each test follows the
// steps of its test case, checking the station's messages field by field.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::energy_transfer_started;
using test::v201::field;
using test::v201::Harness;
using test::v201::iso14443;
using test::v201::payloads_of;
using test::v201::SentCall;
using test::v201::set_variable;
using namespace std::chrono_literals;

namespace {

const std::string kMasterInfo =
    R"({"status":"Accepted","groupIdToken":{"idToken":"POLICE","type":"Central"}})";

/// The CSMS: MASTER1 is Accepted in group POLICE (the configured MasterPassGroupId), every
/// other idToken Accepted without a group; the same idTokenInfo in TransactionEventResponses
/// that carry an idToken (step 4).
void install_csms(Harness& h) {
  auto info = [](const std::string& id) {
    return id == "MASTER1" ? kMasterInfo : std::string(R"({"status":"Accepted"})");
  };
  h.policy["Authorize"] = [info](const SentCall& c) -> std::optional<std::string> {
    return R"({"idTokenInfo":)" + info(field(c.payload, "idToken.idToken")) + "}";
  };
  h.policy["TransactionEvent"] = [info](const SentCall& c) -> std::optional<std::string> {
    const auto id = field(c.payload, "idToken.idToken");
    if (id == "<absent>") return "{}";
    return R"({"idTokenInfo":)" + info(id) + "}";
  };
}

/// What the master_pass hook was told.
struct MasterPassShown {
  std::string id_token;
  IdTokenEnumType type;
  std::vector<int> evse_ids;
};

/// Before (Preparations) of TC_C_47 and TC_C_48: a station with a UI (the master_pass hook
/// set) and two EVSEs, AuthCtrlr.MasterPassGroupId configured, Reusable State
/// EnergyTransferStarted for every EVSE.
void prepare(Harness& h, std::vector<MasterPassShown>& shown,
             std::vector<TransactionEventInfo>& events) {
  install_csms(h);
  h.hooks.master_pass = [&shown](const IdTokenType& t, const std::vector<int>& evses) {
    shown.push_back({t.idToken, t.type, evses});
  };
  h.hooks.transaction_event = [&events](const TransactionEventInfo& e) { events.push_back(e); };
  h.start();
  h.connect();
  set_variable(h, "AuthCtrlr", "MasterPassGroupId", "POLICE");
  energy_transfer_started(h, 1, "VALID1");
  energy_transfer_started(h, 2, "VALID2");
  REQUIRE(h.engine().transaction_id(1));
  REQUIRE(h.engine().transaction_id(2));
}

/// Manual Action "Present configured masterpass idToken", steps 1 and 2: the AuthorizeRequest
/// with it, then the UI shown with both transactions and nothing stopped yet.
void present_master_pass(Harness& h, const std::vector<MasterPassShown>& shown) {
  const std::size_t from = h.calls.size();
  REQUIRE(h.engine().present_id_token(1, iso14443("MASTER1"), h.now()) == std::error_code{});
  h.pump();
  const auto auth = payloads_of(h, "Authorize", from);
  REQUIRE(auth.size() == 1);
  CHECK(field(auth[0], "idToken.idToken") == "MASTER1");
  CHECK(field(auth[0], "idToken.type") == "ISO14443");
  // C16.FR.01: the Master Pass UI is shown; no transaction stops before the user selects.
  REQUIRE(shown.size() == 1);
  CHECK(shown[0].id_token == "MASTER1");
  CHECK(shown[0].type == IdTokenEnumType::ISO14443);
  CHECK(shown[0].evse_ids == std::vector<int>{1, 2});
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  CHECK(h.engine().transaction_id(1));
  CHECK(h.engine().transaction_id(2));
}

/// Tool validations of step 3: one TransactionEventRequest Ended for the EVSE's transaction,
/// stoppedReason MasterPass, with the master pass idToken (or none).
void check_ended(const std::string& tx, int evse, const std::string& transaction_id) {
  CHECK(field(tx, "eventType") == "Ended");
  // The evse goes with the first message after the cable (E01.FR.16), not again: the
  // transactionId names the transaction.
  CHECK((field(tx, "evse.id") == "<absent>" || field(tx, "evse.id") == std::to_string(evse)));
  CHECK(field(tx, "transactionInfo.transactionId") == transaction_id);
  CHECK(field(tx, "transactionInfo.stoppedReason") == "MasterPass");
  CHECK(field(tx, "triggerReason") == "StopAuthorized");
  // idToken omitted, or the master pass idToken: this library sends it (E07.FR.02).
  CHECK(field(tx, "idToken.idToken") == "MASTER1");
  CHECK(field(tx, "idToken.type") == "ISO14443");
}

/// Steps 5 to 7 for the EVSE (EVConnectedPostSession, EVDisconnected, ParkingBayUnoccupied):
/// the transaction has ended, so unplugging sends StatusNotification Available and no
/// TransactionEventRequest.
void ev_leaves(Harness& h, int evse) {
  const std::size_t from = h.calls.size();
  REQUIRE(h.engine().plug_out(evse, h.now()) == std::error_code{});
  h.pump();
  CHECK(payloads_of(h, "TransactionEvent", from).empty());
  const auto sn = payloads_of(h, "StatusNotification", from);
  REQUIRE(sn.size() == 1);
  CHECK(field(sn[0], "evseId") == std::to_string(evse));
  CHECK(field(sn[0], "connectorStatus") == "Available");
}

}  // namespace

TEST_CASE("v201 C16.FR.01 TC_C_47: Master Pass with a UI, the user stops all transactions",
          "[v201][auth][conformance]") {
  Harness h({1, 1});
  std::vector<MasterPassShown> shown;
  std::vector<TransactionEventInfo> events;
  prepare(h, shown, events);
  const std::string tx1 = *h.engine().transaction_id(1);
  const std::string tx2 = *h.engine().transaction_id(2);
  present_master_pass(h, shown);

  // Manual Action: select to stop all transactions. 3. A TransactionEventRequest for every
  // EVSE; 4. the CSMS answers Accepted with the master pass group.
  const std::size_t from = h.calls.size();
  events.clear();
  for (int evse : shown[0].evse_ids)
    REQUIRE(h.engine().stop_transaction(evse, ReasonEnumType::MasterPass, h.now()) ==
            std::error_code{});
  h.pump();
  const auto tx = payloads_of(h, "TransactionEvent", from);
  REQUIRE(tx.size() == 2);
  check_ended(tx[0], 1, tx1);
  check_ended(tx[1], 2, tx2);
  CHECK_FALSE(h.engine().transaction_id(1));
  CHECK_FALSE(h.engine().transaction_id(2));
  // The firmware stops the energy offer and unlocks the cables.
  REQUIRE(events.size() == 2);
  for (const auto& e : events) {
    CHECK(e.eventType == TransactionEventEnumType::Ended);
    CHECK(e.stoppedReason == ReasonEnumType::MasterPass);
    CHECK(e.triggerReason == TriggerReasonEnumType::StopAuthorized);
    CHECK(e.idToken == std::optional<std::string>("MASTER1"));
  }

  // 5. to 7. for every EVSE.
  ev_leaves(h, 1);
  ev_leaves(h, 2);
  // C16.FR.03: the master pass started nothing on the way.
  CHECK(payloads_of(h, "TransactionEvent", from).size() == 2);
  CHECK(shown.size() == 1);
}

TEST_CASE("v201 C16.FR.01 TC_C_48: Master Pass with a UI, the user stops one transaction",
          "[v201][auth][conformance]") {
  Harness h({1, 1});
  std::vector<MasterPassShown> shown;
  std::vector<TransactionEventInfo> events;
  prepare(h, shown, events);
  const std::string tx1 = *h.engine().transaction_id(1);
  const std::string tx2 = *h.engine().transaction_id(2);
  present_master_pass(h, shown);

  // Manual Action: select to stop the transaction on EVSE 1. 3. Its TransactionEventRequest;
  // 4. the CSMS answers Accepted with the master pass group.
  const std::size_t from = h.calls.size();
  REQUIRE(h.engine().stop_transaction(1, ReasonEnumType::MasterPass, h.now()) == std::error_code{});
  h.pump();
  const auto tx = payloads_of(h, "TransactionEvent", from);
  REQUIRE(tx.size() == 1);
  check_ended(tx[0], 1, tx1);

  // 5. to 7. for EVSE 1.
  ev_leaves(h, 1);

  // Post scenario validations: every other EVSE still transfers energy: EVSE 2's transaction
  // goes on, Charging, nothing sent for it (not even after a while).
  h.advance(120s);
  CHECK(h.engine().transaction_id(2) == std::optional<std::string>(tx2));
  for (const auto& p : payloads_of(h, "TransactionEvent", from)) {
    if (field(p, "transactionInfo.transactionId") != tx2) continue;
    CHECK(field(p, "eventType") == "Updated");
    CHECK(field(p, "transactionInfo.stoppedReason") == "<absent>");
    CHECK(field(p, "transactionInfo.chargingState") != "SuspendedEVSE");
  }
  for (const auto& e : events)
    if (e.evseId == 2) CHECK(e.eventType != TransactionEventEnumType::Ended);
}
