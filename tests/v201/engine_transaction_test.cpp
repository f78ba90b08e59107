// Transactions of OCPP 2.0.1 (part 2 block E) with authorization (C01, C15) and their
// durable delivery: what starts and ends them with the default TxStartPoint (PowerPathClosed)
// and TxStopPoint (EVConnected, Authorized), seqNo, the offline flag, power cuts, E05 and E14.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::Harness;
using test::v201::result_status;
using namespace std::chrono_literals;

namespace {

struct Event {
  std::string eventType, triggerReason, transactionId;
  int seqNo = -1;
  bool offline = false;
  std::string chargingState, stoppedReason, idToken, context;
  int evse = 0, connector = 0;
  std::optional<int> remoteStartId;
  double energy = -1;
};

Event to_event(const std::string& payload) {
  rapidjson::Document p;
  p.Parse(payload.c_str());
  Event e;
  e.eventType = p["eventType"].GetString();
  e.triggerReason = p["triggerReason"].GetString();
  e.seqNo = p["seqNo"].GetInt();
  e.offline = p.HasMember("offline") && p["offline"].GetBool();
  const auto& ti = p["transactionInfo"];
  e.transactionId = ti["transactionId"].GetString();
  if (ti.HasMember("chargingState")) e.chargingState = ti["chargingState"].GetString();
  if (ti.HasMember("stoppedReason")) e.stoppedReason = ti["stoppedReason"].GetString();
  if (ti.HasMember("remoteStartId")) e.remoteStartId = ti["remoteStartId"].GetInt();
  if (p.HasMember("idToken")) e.idToken = p["idToken"]["idToken"].GetString();
  if (p.HasMember("evse")) {
    e.evse = p["evse"]["id"].GetInt();
    if (p["evse"].HasMember("connectorId")) e.connector = p["evse"]["connectorId"].GetInt();
  }
  if (p.HasMember("meterValue")) {
    // The last meterValue: an Ended's Transaction.End values follow those of the start.
    const auto& mvs = p["meterValue"];
    const auto& sv = mvs[mvs.Size() - 1]["sampledValue"][0];
    e.context = sv["context"].GetString();
    e.energy = sv["value"].GetDouble();
  }
  return e;
}

std::vector<Event> events(const Harness& h, std::size_t from = 0) {
  std::vector<Event> out;
  for (std::size_t i = from; i < h.calls.size(); ++i)
    if (h.calls[i].action == "TransactionEvent") out.push_back(to_event(h.calls[i].payload));
  return out;
}

IdTokenType token(const std::string& v) {
  IdTokenType t;
  t.idToken = v;
  t.type = IdTokenEnumType::ISO14443;
  return t;
}

std::size_t stored_transactions(Harness& h) {
  std::vector<ocpp::TransactionRecord> recs;
  REQUIRE(h.store().transactions_load(recs) == std::error_code{});
  return recs.size();
}

/// EV plugged into EVSE 1 connector 1 and TAG1 presented (with the default TxStartPoint
/// PowerPathClosed a transaction starts once the CSMS accepts TAG1).
void begin_transaction(Harness& h) {
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  REQUIRE(h.engine().present_id_token(1, token("TAG1"), h.now()) == std::error_code{});
  h.pump();
}

/// A Harness whose reset hooks accept every reset and record it.
void accept_resets(Harness& h, std::vector<ResetEnumType>& resets) {
  h.hooks.reset_allowed = [](ResetEnumType, std::optional<std::int32_t>) {
    return ResetStatusEnumType::Accepted;
  };
  h.hooks.reset = [&resets](ResetEnumType t, std::optional<std::int32_t>) { resets.push_back(t); };
}

}  // namespace

TEST_CASE("v201 E02 E01.FR.05 E06.FR.02: cable first, authorized, charging, unplugged",
          "[v201][transactions]") {
  Harness h;
  std::vector<TransactionEventInfo> told;
  h.hooks.transaction_event = [&](const TransactionEventInfo& i) { told.push_back(i); };
  h.start();
  h.connect();
  auto& e = h.engine();
  REQUIRE(e.set_measurand(1, MeasurandEnumType::Energy_Active_Import_Register, 1000, h.now()) ==
          std::error_code{});
  REQUIRE(e.plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  // E02.FR.05: Occupied; PowerPathClosed needs the driver too: no transaction yet.
  CHECK(*e.connector_status(1, 1) == ConnectorStatusEnumType::Occupied);
  CHECK(events(h).empty());
  REQUIRE(e.present_id_token(1, token("TAG1"), h.now()) == std::error_code{});
  h.pump();
  REQUIRE(h.calls_of("Authorize").size() == 1);
  auto ev = events(h);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].eventType == "Started");
  CHECK(ev[0].triggerReason == "Authorized");
  CHECK(ev[0].seqNo == 0);
  CHECK(ev[0].idToken == "TAG1");                    // E01.FR.10
  CHECK((ev[0].evse == 1 && ev[0].connector == 1));  // E01.FR.16
  CHECK(ev[0].chargingState == "EVConnected");
  CHECK(ev[0].context == "Transaction.Begin");  // E01.FR.09
  CHECK(ev[0].energy == 1000);
  CHECK_FALSE(ev[0].offline);
  const std::string id = ev[0].transactionId;
  CHECK(e.transaction_id(1) == id);

  REQUIRE(e.set_charging_state(1, ChargingStateEnumType::Charging, h.now()) == std::error_code{});
  h.advance(30s);
  REQUIRE(e.set_measurand(1, MeasurandEnumType::Energy_Active_Import_Register, 1500, h.now()) ==
          std::error_code{});
  REQUIRE(e.plug_out(1, h.now()) == std::error_code{});
  h.pump();
  ev = events(h);
  REQUIRE(ev.size() == 3);
  CHECK(ev[1].eventType == "Updated");
  CHECK(ev[1].triggerReason == "ChargingStateChanged");  // E01.FR.18
  CHECK(ev[1].chargingState == "Charging");
  CHECK(ev[1].idToken.empty());  // sent once
  CHECK(ev[2].eventType == "Ended");
  CHECK(ev[2].triggerReason == "EVCommunicationLost");
  CHECK(ev[2].stoppedReason == "EVDisconnected");
  CHECK(ev[2].context == "Transaction.End");  // E06.FR.11
  CHECK(ev[2].energy == 1500);
  for (int i = 0; i < 3; ++i) {
    CHECK(ev[static_cast<std::size_t>(i)].seqNo == i);  // E01.FR.07: no gaps
    CHECK(ev[static_cast<std::size_t>(i)].transactionId == id);
  }
  CHECK(*e.connector_status(1, 1) == ConnectorStatusEnumType::Available);
  CHECK_FALSE(e.transaction_id(1).has_value());
  // Every message acknowledged: the transaction is forgotten by the store.
  CHECK(e.queued_transaction_messages() == 0);
  CHECK(stored_transactions(h) == 0);
  REQUIRE(told.size() == 3);
  CHECK(told[2].eventType == TransactionEventEnumType::Ended);
  CHECK(told[2].stoppedReason == ReasonEnumType::EVDisconnected);
}

TEST_CASE("v201 E03 E07.FR.01: idToken first, then the cable; the same idToken stops",
          "[v201][transactions]") {
  Harness h;
  h.start();
  h.connect();
  auto& e = h.engine();
  REQUIRE(e.present_id_token(1, token("TAG1"), h.now()) == std::error_code{});
  h.pump();
  CHECK(events(h).empty());  // PowerPathClosed: not plugged yet
  h.advance(10s);
  REQUIRE(e.plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  auto ev = events(h);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].eventType == "Started");
  CHECK(ev[0].triggerReason == "CablePluggedIn");
  CHECK(ev[0].idToken == "TAG1");
  // The driver's own idToken again: authorization ends, so does the transaction (Authorized
  // is a stop point), without an AuthorizeRequest.
  REQUIRE(e.present_id_token(1, token("TAG1"), h.now()) == std::error_code{});
  h.pump();
  CHECK(h.calls_of("Authorize").size() == 1);
  ev = events(h);
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].eventType == "Ended");
  CHECK(ev[1].triggerReason == "StopAuthorized");
  CHECK(ev[1].stoppedReason == "Local");
  CHECK(ev[1].seqNo == 1);
}

TEST_CASE("v201 E03.FR.05: authorized but no cable within EVConnectionTimeOut",
          "[v201][transactions]") {
  Harness h;
  h.start();
  h.connect();
  auto& e = h.engine();
  REQUIRE(e.present_id_token(1, token("TAG1"), h.now()) == std::error_code{});
  h.pump();
  h.advance(119s);  // EVConnectionTimeOut: 120 s
  REQUIRE(e.plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  CHECK(events(h).size() == 1);  // in time: started
  REQUIRE(e.plug_out(1, h.now()) == std::error_code{});
  h.pump();
  // A shorter timeout set by the CSMS holds at once.
  CHECK(
      test::v201::parse(h.csms_call(
          "s1", "SetVariables",
          R"({"setVariableData":[{"component":{"name":"TxCtrlr"},"variable":{"name":"EVConnectionTimeOut"},"attributeValue":"30"}]})"))
          [2]["setVariableResult"][0]["attributeStatus"]
              .GetString() == std::string("Accepted"));
  REQUIRE(e.present_id_token(1, token("TAG2"), h.now()) == std::error_code{});
  h.pump();
  h.advance(31s);
  REQUIRE(e.plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  CHECK(events(h).size() == 2);  // the authorization lapsed: no new transaction
}

TEST_CASE("v201 C01: a refused idToken starts nothing and is told to the firmware",
          "[v201][transactions][authorization]") {
  Harness h;
  std::vector<std::pair<std::string, AuthorizationStatusEnumType>> answers;
  h.hooks.authorization = [&](int, const IdTokenType& t, const IdTokenInfoType& i) {
    answers.emplace_back(t.idToken, i.status);
  };
  h.policy["Authorize"] = [](const test::v201::SentCall&) -> std::optional<std::string> {
    return R"({"idTokenInfo":{"status":"Blocked"}})";
  };
  h.start();
  h.connect();
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  REQUIRE(h.engine().present_id_token(1, token("BAD"), h.now()) == std::error_code{});
  h.pump();
  CHECK(events(h).empty());
  REQUIRE(answers.size() == 1);
  CHECK(answers[0] == std::make_pair(std::string("BAD"), AuthorizationStatusEnumType::Blocked));
  // An idToken the schema refuses (longer than 36) is an error value.
  CHECK(h.engine().present_id_token(1, token(std::string(37, 'x')), h.now()) ==
        make_error_code(ocpp::Errc::invalid_argument));
  CHECK(h.engine().present_id_token(9, token("TAG"), h.now()) ==
        make_error_code(ocpp::Errc::unknown_connector));
}

TEST_CASE("v201 C15.FR.08: offline, an unknown idToken only with OfflineTxForUnknownIdEnabled",
          "[v201][transactions][authorization]") {
  Harness h;
  std::vector<AuthorizationStatusEnumType> answers;
  h.hooks.authorization = [&](int, const IdTokenType&, const IdTokenInfoType& i) {
    answers.push_back(i.status);
  };
  h.start();
  begin_transaction(h);
  REQUIRE(answers.size() == 1);
  CHECK(answers[0] == AuthorizationStatusEnumType::Unknown);
  CHECK_FALSE(h.engine().transaction_id(1).has_value());
}

TEST_CASE(
    "v201 E04.FR.01 E04.FR.02 E04.FR.03: offline events are queued, flagged and sent in order",
    "[v201][transactions][offline]") {
  Harness h;
  h.start();
  h.connect();
  auto& e = h.engine();
  REQUIRE(e.plug_in(1, 1, h.now()) == std::error_code{});
  REQUIRE(e.present_id_token(1, token("TAG1"), h.now()) == std::error_code{});
  h.pump();
  h.disconnect();
  REQUIRE(e.set_charging_state(1, ChargingStateEnumType::Charging, h.now()) == std::error_code{});
  h.advance(60s);
  REQUIRE(e.set_charging_state(1, ChargingStateEnumType::SuspendedEV, h.now()) ==
          std::error_code{});
  h.advance(60s);
  REQUIRE(e.plug_out(1, h.now()) == std::error_code{});
  h.pump();
  CHECK(e.queued_transaction_messages() == 3);
  CHECK(events(h).size() == 1);  // nothing sent offline
  h.advance(1h);
  h.connect();
  auto ev = events(h);
  REQUIRE(ev.size() == 4);
  CHECK_FALSE(ev[0].offline);
  for (std::size_t i = 1; i < 4; ++i) {
    CHECK(ev[i].offline);  // E04.FR.03
    CHECK(ev[i].seqNo == static_cast<int>(i));
  }
  CHECK(ev[1].chargingState == "Charging");
  CHECK(ev[2].chargingState == "SuspendedEV");
  CHECK(ev[3].eventType == "Ended");
  CHECK(e.queued_transaction_messages() == 0);
}

TEST_CASE(
    "v201 E04 E12: a power cut mid-transaction loses nothing; the transaction ends with "
    "PowerLoss and seqNo goes on without a gap",
    "[v201][transactions][powercut]") {
  Harness h;
  h.policy["TransactionEvent"] = [](const test::v201::SentCall&) -> std::optional<std::string> {
    return std::nullopt;  // the CSMS never answers: everything stays queued
  };
  h.start();
  h.connect();
  auto& e = h.engine();
  REQUIRE(e.plug_in(1, 1, h.now()) == std::error_code{});
  REQUIRE(e.present_id_token(1, token("TAG1"), h.now()) == std::error_code{});
  h.pump();
  REQUIRE(e.set_charging_state(1, ChargingStateEnumType::Charging, h.now()) == std::error_code{});
  h.pump();
  const std::string id = *e.transaction_id(1);
  CHECK(e.queued_transaction_messages() == 2);
  // Power cut.
  h.restart();
  h.policy["TransactionEvent"] = [](const test::v201::SentCall&) -> std::optional<std::string> {
    return "{}";
  };
  // + the Ended of PowerLoss and the boot's StartupOfTheDevice security event.
  CHECK(h.engine().queued_transaction_messages() == 4);
  CHECK_FALSE(h.engine().transaction_id(1).has_value());
  const auto from = h.calls.size();
  h.connect();
  auto ev = events(h, from);
  REQUIRE(ev.size() == 3);
  CHECK(ev[0].eventType == "Started");
  CHECK(ev[0].seqNo == 0);
  CHECK(ev[1].seqNo == 1);
  CHECK(ev[2].eventType == "Ended");
  CHECK(ev[2].seqNo == 2);
  CHECK(ev[2].stoppedReason == "PowerLoss");
  CHECK(ev[2].triggerReason == "AbnormalCondition");
  CHECK(ev[2].offline);
  for (const auto& x : ev) CHECK(x.transactionId == id);
  CHECK(stored_transactions(h) == 0);
  // E01.FR.08: the next transaction has another id, also after the restart.
  begin_transaction(h);
  REQUIRE(h.engine().transaction_id(1).has_value());
  CHECK(*h.engine().transaction_id(1) != id);
}

TEST_CASE("v201 E05.FR.10: the CSMS refuses the idToken of the transaction",
          "[v201][transactions][authorization]") {
  Harness h;
  h.policy["TransactionEvent"] = [](const test::v201::SentCall& c) -> std::optional<std::string> {
    if (c.payload.find("\"idToken\"") != std::string::npos)
      return R"({"idTokenInfo":{"status":"Invalid"}})";
    return "{}";
  };
  h.start();
  h.connect();
  begin_transaction(h);
  auto ev = events(h);
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].eventType == "Ended");
  CHECK(ev[1].triggerReason == "Deauthorized");
  CHECK(ev[1].stoppedReason == "DeAuthorized");
  CHECK(ev[1].seqNo == 1);
}

TEST_CASE("v201 F02.FR.01 F02.FR.21 F03: remote start, then remote stop",
          "[v201][transactions][remote]") {
  Harness h;
  h.start();
  h.connect();
  CHECK(
      result_status(h.csms_call(
          "r1", "RequestStartTransaction",
          R"({"evseId":1,"remoteStartId":77,"idToken":{"idToken":"REMOTE","type":"Central"}})")) ==
      "Accepted");
  CHECK(h.calls_of("Authorize").empty());  // F02.FR.10: AuthorizeRemoteStart false
  CHECK(events(h).empty());
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  auto ev = events(h);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].eventType == "Started");
  CHECK(ev[0].triggerReason == "RemoteStart");
  CHECK(ev[0].remoteStartId == 77);
  CHECK(ev[0].idToken == "REMOTE");
  // F03: an unknown transactionId is Rejected; the ongoing one Accepted and Ended.
  CHECK(result_status(h.csms_call("s1", "RequestStopTransaction", R"({"transactionId":"nope"})")) ==
        "Rejected");
  CHECK(result_status(h.csms_call("s2", "RequestStopTransaction",
                                  R"({"transactionId":")" + ev[0].transactionId + "\"}")) ==
        "Accepted");
  ev = events(h);
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].eventType == "Ended");
  CHECK(ev[1].triggerReason == "RemoteStop");
  CHECK(ev[1].stoppedReason == "Remote");
  // F01.FR.23: an Unavailable EVSE is Rejected.
  CHECK(result_status(h.csms_call("a1", "ChangeAvailability",
                                  R"({"operationalStatus":"Inoperative","evse":{"id":1}})")) ==
        "Accepted");
  CHECK(
      result_status(h.csms_call(
          "r2", "RequestStartTransaction",
          R"({"evseId":1,"remoteStartId":78,"idToken":{"idToken":"REMOTE","type":"Central"}})")) ==
      "Rejected");
}

TEST_CASE("v201 F01.FR.24: a remote start on an EVSE with an authorized transaction is Rejected",
          "[v201][transactions][remote]") {
  Harness h({1, 1});
  h.start();
  h.connect();
  begin_transaction(h);
  CHECK(result_status(h.csms_call(
            "r1", "RequestStartTransaction",
            R"({"evseId":1,"remoteStartId":1,"idToken":{"idToken":"X","type":"Central"}})")) ==
        "Rejected");
  // F01.FR.20: without evseId the station picks a free EVSE (2).
  CHECK(result_status(h.csms_call(
            "r2", "RequestStartTransaction",
            R"({"remoteStartId":2,"idToken":{"idToken":"X","type":"Central"}})")) == "Accepted");
  REQUIRE(h.engine().plug_in(2, 1, h.now()) == std::error_code{});
  h.pump();
  auto ev = events(h);
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].evse == 2);
  CHECK(ev[1].remoteStartId == 2);
}

TEST_CASE("v201 E14: GetTransactionStatus", "[v201][transactions]") {
  Harness h;
  h.start();
  h.connect();
  auto status = [&](const std::string& id, const std::string& payload) {
    auto d = test::v201::parse(h.csms_call(id, "GetTransactionStatus", payload));
    REQUIRE(d[0].GetInt() == 3);
    return std::make_pair(d[2].HasMember("ongoingIndicator")
                              ? std::optional<bool>(d[2]["ongoingIndicator"].GetBool())
                              : std::nullopt,
                          d[2]["messagesInQueue"].GetBool());
  };
  // E14.FR.01
  CHECK(status("g1", R"({"transactionId":"unknown"})") ==
        std::make_pair(std::optional<bool>(false), false));
  // E14.FR.06, E14.FR.08
  CHECK(status("g2", "{}") == std::make_pair(std::optional<bool>(), false));
  begin_transaction(h);
  const std::string id = *h.engine().transaction_id(1);
  // E14.FR.02, E14.FR.05: ongoing, everything delivered.
  CHECK(status("g3", R"({"transactionId":")" + id + "\"}") ==
        std::make_pair(std::optional<bool>(true), false));
  // Held by the CSMS: E14.FR.04, E14.FR.07.
  h.policy["TransactionEvent"] = [](const test::v201::SentCall&) -> std::optional<std::string> {
    return std::nullopt;
  };
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  CHECK(status("g4", R"({"transactionId":")" + id + "\"}") ==
        std::make_pair(std::optional<bool>(false), true));  // E14.FR.03
  CHECK(status("g5", "{}") == std::make_pair(std::optional<bool>(), true));
}

TEST_CASE("v201 B12.FR.02 B12.FR.04: an Immediate reset ends the transaction first",
          "[v201][transactions][reset]") {
  Harness h;
  std::vector<ResetEnumType> resets;
  accept_resets(h, resets);
  h.start();
  h.connect();
  begin_transaction(h);
  CHECK(result_status(h.csms_call("x1", "Reset", R"({"type":"Immediate"})")) == "Accepted");
  h.pump();
  auto ev = events(h);
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].eventType == "Ended");
  CHECK(ev[1].triggerReason == "ResetCommand");
  CHECK(ev[1].stoppedReason == "ImmediateReset");
  CHECK(resets == std::vector<ResetEnumType>{ResetEnumType::Immediate});
}

TEST_CASE("v201 B12.FR.01 B12.FR.03: an OnIdle reset waits for the transaction to end",
          "[v201][transactions][reset]") {
  Harness h;
  std::vector<ResetEnumType> resets;
  accept_resets(h, resets);
  h.start();
  h.connect();
  begin_transaction(h);
  CHECK(result_status(h.csms_call("x1", "Reset", R"({"type":"OnIdle"})")) == "Scheduled");
  h.advance(10min);
  CHECK(resets.empty());
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  CHECK(resets == std::vector<ResetEnumType>{ResetEnumType::OnIdle});
}

TEST_CASE("v201 E01.FR.14: one connector of an EVSE at a time", "[v201][transactions]") {
  Harness h({2});
  h.start();
  h.connect();
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  CHECK(h.engine().plug_in(1, 2, h.now()) == make_error_code(ocpp::Errc::transaction_active));
  CHECK(h.engine().plug_out(1, h.now()) == std::error_code{});
  CHECK(h.engine().plug_out(1, h.now()) == make_error_code(ocpp::Errc::invalid_state));
  CHECK(h.engine().stop_transaction(1, ReasonEnumType::Local, h.now()) ==
        make_error_code(ocpp::Errc::no_transaction));
}

TEST_CASE("v201 G03.FR.05 G04.FR.06: ChangeAvailability during a transaction is Scheduled",
          "[v201][transactions][availability]") {
  Harness h({1, 1});
  h.start();
  h.connect();
  begin_transaction(h);
  CHECK(result_status(h.csms_call("a1", "ChangeAvailability",
                                  R"({"operationalStatus":"Inoperative","evse":{"id":1}})")) ==
        "Scheduled");
  // EVSE 2 has no transaction: at once.
  CHECK(result_status(h.csms_call("a2", "ChangeAvailability",
                                  R"({"operationalStatus":"Inoperative","evse":{"id":2}})")) ==
        "Accepted");
  CHECK(*h.engine().connector_status(2, 1) == ConnectorStatusEnumType::Unavailable);
  CHECK(*h.engine().connector_status(1, 1) == ConnectorStatusEnumType::Occupied);
  CHECK(result_status(h.csms_call("a3", "ChangeAvailability",
                                  R"({"operationalStatus":"Inoperative"})")) == "Scheduled");
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  CHECK(*h.engine().connector_status(1, 1) == ConnectorStatusEnumType::Unavailable);
  // Persisted at once (G03.FR.08): after a restart EVSE 1 is still Inoperative.
  h.restart();
  CHECK(*h.engine().connector_status(1, 1) == ConnectorStatusEnumType::Unavailable);
}
