// Core-profile options of OCPP 2.0.1 transactions and authorization: the Master Pass (C16),
// MaxEnergyOnInvalidId (E05, C15), groups (C09), what happens when the cable is unplugged at
// the EV (E09, E10), the meter values of the Ended message (TxEndedMeasurands and
// TxEndedInterval, J01, J02, E06.FR.11), DisableRemoteAuthorization (C01) and
// AuthorizeRemoteStart (F01, F02).
#include <rapidjson/document.h>

#include <catch2/catch.hpp>

#include "v201/auth_helpers.hpp"
#include "v201/harness.hpp"
#include "v201/transactions.hpp"

using namespace ocpp::v201;
using test::v201::Harness;
using test::v201::iso_token;
using test::v201::set_variable;
using namespace std::chrono_literals;

namespace {

struct Ev {
  std::string type, trigger, charging_state, stopped, id_token;
  std::optional<int> remote_start_id;
  std::vector<std::string> contexts;  // of each meterValue's first sampledValue
  std::vector<std::string> timestamps;
  std::vector<double> values;
};

std::vector<Ev> evs(const Harness& h, std::size_t from = 0) {
  std::vector<Ev> out;
  const auto calls = h.calls_of("TransactionEvent");
  for (std::size_t i = from; i < calls.size(); ++i) {
    rapidjson::Document p;
    p.Parse(calls[i].payload.c_str());
    Ev e;
    e.type = p["eventType"].GetString();
    e.trigger = p["triggerReason"].GetString();
    const auto& ti = p["transactionInfo"];
    if (ti.HasMember("chargingState")) e.charging_state = ti["chargingState"].GetString();
    if (ti.HasMember("stoppedReason")) e.stopped = ti["stoppedReason"].GetString();
    if (ti.HasMember("remoteStartId")) e.remote_start_id = ti["remoteStartId"].GetInt();
    if (p.HasMember("idToken")) e.id_token = p["idToken"]["idToken"].GetString();
    if (p.HasMember("meterValue"))
      for (const auto& mv : p["meterValue"].GetArray()) {
        e.contexts.push_back(mv["sampledValue"][0]["context"].GetString());
        e.timestamps.push_back(mv["timestamp"].GetString());
        e.values.push_back(mv["sampledValue"][0]["value"].GetDouble());
      }
    out.push_back(std::move(e));
  }
  return out;
}

void plug_and_present(Harness& h, int evse, const std::string& tag) {
  REQUIRE(h.engine().plug_in(evse, 1, h.now()) == std::error_code{});
  REQUIRE(h.engine().present_id_token(evse, iso_token(tag), h.now()) == std::error_code{});
  h.pump();
}

// The fake CSMS: idTokens starting with MASTER are Accepted in group POLICE, BAD... Invalid in
// group G1, every other Accepted in group G1.
void group_policy(Harness& h) {
  h.policy["Authorize"] = [](const test::v201::SentCall& c) -> std::optional<std::string> {
    if (c.payload.find("\"MASTER") != std::string::npos)
      return R"({"idTokenInfo":{"status":"Accepted","groupIdToken":{"idToken":"police","type":"Central"}}})";
    if (c.payload.find("\"BAD") != std::string::npos)
      return R"({"idTokenInfo":{"status":"Invalid","groupIdToken":{"idToken":"G1","type":"Central"}}})";
    return R"({"idTokenInfo":{"status":"Accepted","groupIdToken":{"idToken":"G1","type":"Central"}}})";
  };
}

// The fake CSMS refuses every idToken a TransactionEventRequest carries (E05).
void refuse_id_tokens(Harness& h) {
  h.policy["TransactionEvent"] = [](const test::v201::SentCall& c) -> std::optional<std::string> {
    if (c.payload.find("\"idToken\"") != std::string::npos)
      return R"({"idTokenInfo":{"status":"Invalid"}})";
    return "{}";
  };
}

// Starts and connects the engine with the transaction_event hook recording into `told`.
void start_recording(Harness& h, std::vector<TransactionEventInfo>& told) {
  h.hooks.transaction_event = [&told](const TransactionEventInfo& i) { told.push_back(i); };
  h.start();
  h.connect();
}

}  // namespace

TEST_CASE("v201 C16.FR.02 TC_C_49: a Master Pass stops every ongoing transaction (MasterPass)",
          "[v201][transactions][c16]") {
  Harness h({1, 1});
  group_policy(h);
  h.start();
  h.connect();
  const bool configured = GENERATE(true, false);
  if (configured) set_variable(h, "AuthCtrlr", "MasterPassGroupId", "POLICE");
  plug_and_present(h, 1, "TAG1");
  plug_and_present(h, 2, "TAG2");
  REQUIRE(evs(h).size() == 2);
  REQUIRE(h.engine().present_id_token(1, iso_token("MASTER1"), h.now()) == std::error_code{});
  h.pump();
  auto ev = evs(h, 2);
  if (!configured) {
    // Without MasterPassGroupId the group means nothing: another driver, nothing sent.
    CHECK(ev.empty());
    CHECK(h.engine().transaction_id(1).has_value());
    return;
  }
  REQUIRE(ev.size() == 2);
  for (const auto& e : ev) {
    CHECK(e.type == "Ended");
    CHECK(e.stopped == "MasterPass");
    CHECK(e.trigger == "StopAuthorized");
    CHECK(e.id_token == "MASTER1");  // E07.FR.02: the idToken that stopped it
  }
  CHECK_FALSE(h.engine().transaction_id(1).has_value());
  CHECK_FALSE(h.engine().transaction_id(2).has_value());
}

TEST_CASE("v201 C16.FR.01 C16.FR.03: with a UI, a Master Pass shows it and starts nothing",
          "[v201][transactions][c16]") {
  Harness h({1, 1});
  group_policy(h);
  std::vector<std::vector<int>> shown;
  std::vector<std::string> shown_tokens;
  h.hooks.master_pass = [&](const IdTokenType& t, const std::vector<int>& evses) {
    shown_tokens.push_back(t.idToken);
    shown.push_back(evses);
  };
  h.start();
  h.connect();
  set_variable(h, "AuthCtrlr", "MasterPassGroupId", "POLICE");
  set_variable(h, "TxCtrlr", "TxStartPoint", "Authorized");
  // No transaction: the UI is shown with none to select, and the idToken starts nothing on
  // the free EVSE (C16.FR.03), not even when the cable comes.
  REQUIRE(h.engine().present_id_token(1, iso_token("MASTER1"), h.now()) == std::error_code{});
  h.pump();
  REQUIRE(shown.size() == 1);
  CHECK(shown[0].empty());
  CHECK(shown_tokens[0] == "MASTER1");
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  CHECK(evs(h).empty());
  // A transaction on EVSE 2 only: offered alone, and left alone until the firmware stops it.
  REQUIRE(h.engine().present_id_token(2, iso_token("TAG2"), h.now()) == std::error_code{});
  h.pump();
  REQUIRE(evs(h).size() == 1);
  REQUIRE(h.engine().present_id_token(1, iso_token("MASTER2"), h.now()) == std::error_code{});
  h.pump();
  REQUIRE(shown.size() == 2);
  CHECK(shown[1] == std::vector<int>{2});
  CHECK(evs(h).size() == 1);
  CHECK_FALSE(h.engine().transaction_id(1).has_value());
  REQUIRE(h.engine().transaction_id(2).has_value());
  // The user's selection: the last Master Pass idToken goes with it.
  REQUIRE(h.engine().stop_transaction(2, ReasonEnumType::MasterPass, h.now()) == std::error_code{});
  h.pump();
  auto ev = evs(h, 1);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].type == "Ended");
  CHECK(ev[0].stopped == "MasterPass");
  CHECK(ev[0].trigger == "StopAuthorized");
  CHECK(ev[0].id_token == "MASTER2");
}

TEST_CASE("v201 C16: stop_transaction MasterPass without a Master Pass presented",
          "[v201][transactions][c16]") {
  // The firmware's own master key (no idToken presented in this run): StopAuthorized, no
  // idToken, stoppedReason MasterPass.
  Harness h;
  group_policy(h);
  h.start();
  h.connect();
  plug_and_present(h, 1, "TAG1");
  REQUIRE(evs(h).size() == 1);
  REQUIRE(h.engine().stop_transaction(1, ReasonEnumType::MasterPass, h.now()) == std::error_code{});
  h.pump();
  auto ev = evs(h, 1);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].type == "Ended");
  CHECK(ev[0].stopped == "MasterPass");
  CHECK(ev[0].trigger == "StopAuthorized");
  CHECK(ev[0].id_token.empty());
  CHECK(h.engine().stop_transaction(1, ReasonEnumType::MasterPass, h.now()) ==
        make_error_code(ocpp::Errc::no_transaction));
}

TEST_CASE("v201 C16.FR.03 TC_C_45: a Master Pass idToken cannot start a transaction",
          "[v201][transactions][c16]") {
  Harness h;
  group_policy(h);
  h.start();
  h.connect();
  set_variable(h, "AuthCtrlr", "MasterPassGroupId", "POLICE");
  set_variable(h, "TxCtrlr", "TxStartPoint", "Authorized");
  REQUIRE(h.engine().present_id_token(1, iso_token("MASTER1"), h.now()) == std::error_code{});
  h.pump();
  CHECK(h.calls_of("Authorize").size() == 1);
  CHECK(evs(h).empty());
  // EVConnectedPreSession: still nothing (PowerPathClosed would need the authorization).
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.engine().set_charging_state(1, ChargingStateEnumType::Charging, h.now());
  h.pump();
  CHECK(evs(h).empty());
  CHECK_FALSE(h.engine().transaction_id(1).has_value());
}

TEST_CASE("v201 C09.FR.11 TC_C_42: an invalid idToken of the transaction's group stops nothing",
          "[v201][transactions]") {
  Harness h;
  group_policy(h);
  h.start();
  h.connect();
  plug_and_present(h, 1, "TAG1");
  REQUIRE(evs(h).size() == 1);
  REQUIRE(h.engine().present_id_token(1, iso_token("BAD1"), h.now()) == std::error_code{});
  h.pump();
  CHECK(h.calls_of("Authorize").size() == 2);
  CHECK(evs(h).size() == 1);
  CHECK(h.engine().transaction_id(1).has_value());
  // Control: a valid idToken of the group does stop it (E08.FR.02).
  REQUIRE(h.engine().present_id_token(1, iso_token("TAG7"), h.now()) == std::error_code{});
  h.pump();
  auto ev = evs(h, 1);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].type == "Ended");
}

TEST_CASE("v201 E05.FR.03 C15.FR.07 TC_C_15: MaxEnergyOnInvalidId, then E05.FR.02 SuspendedEVSE",
          "[v201][transactions][e05]") {
  Harness h;
  refuse_id_tokens(h);
  h.start();
  h.connect();
  set_variable(h, "TxCtrlr", "StopTxOnInvalidId", "false");
  set_variable(h, "TxCtrlr", "MaxEnergyOnInvalidId", "10000");
  set_variable(h, "SampledDataCtrlr", "TxUpdatedInterval", "0");
  auto& e = h.engine();
  REQUIRE(e.set_measurand(1, MeasurandEnumType::Energy_Active_Import_Register, 50000, h.now()) ==
          std::error_code{});
  plug_and_present(h, 1, "TAG1");
  REQUIRE(e.set_charging_state(1, ChargingStateEnumType::Charging, h.now()) == std::error_code{});
  h.pump();
  // The Started was answered Invalid: energy goes on (no Deauthorized, no SuspendedEVSE).
  auto ev = evs(h);
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].charging_state == "Charging");
  REQUIRE(e.set_measurand(1, MeasurandEnumType::Energy_Active_Import_Register, 59999, h.now()) ==
          std::error_code{});
  h.pump();
  CHECK(evs(h).size() == 2);
  // 10000 Wh since the start: energy stops, the transaction goes on.
  REQUIRE(e.set_measurand(1, MeasurandEnumType::Energy_Active_Import_Register, 60000, h.now()) ==
          std::error_code{});
  h.pump();
  ev = evs(h);
  REQUIRE(ev.size() == 3);
  CHECK(ev[2].type == "Updated");
  CHECK(ev[2].trigger == "ChargingStateChanged");
  CHECK(ev[2].charging_state == "SuspendedEVSE");
  CHECK(e.transaction_id(1).has_value());
  REQUIRE(e.set_measurand(1, MeasurandEnumType::Energy_Active_Import_Register, 70000, h.now()) ==
          std::error_code{});
  h.pump();
  CHECK(evs(h).size() == 3);
}

TEST_CASE("v201 E05.FR.10 TC_C_18: StopTxOnInvalidId true overrides MaxEnergyOnInvalidId",
          "[v201][transactions][e05]") {
  Harness h;
  refuse_id_tokens(h);
  h.start();
  h.connect();
  set_variable(h, "TxCtrlr", "MaxEnergyOnInvalidId", "500");
  plug_and_present(h, 1, "TAG1");
  auto ev = evs(h);
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].type == "Ended");
  CHECK(ev[1].trigger == "Deauthorized");
  CHECK(ev[1].stopped == "DeAuthorized");
}

TEST_CASE("v201 E10.FR.01 TC_E_26: StopTxOnEVSideDisconnect false suspends the transaction",
          "[v201][transactions][e10]") {
  Harness h;
  std::vector<TransactionEventInfo> told;
  start_recording(h, told);
  set_variable(h, "TxCtrlr", "TxStopPoint", "Authorized");
  set_variable(h, "TxCtrlr", "StopTxOnEVSideDisconnect", "false");
  set_variable(h, "OCPPCommCtrlr", "UnlockOnEVSideDisconnect", "false");
  set_variable(h, "TxCtrlr", "EVConnectionTimeOut", "30");
  auto& e = h.engine();
  plug_and_present(h, 1, "TAG1");
  REQUIRE(e.set_charging_state(1, ChargingStateEnumType::Charging, h.now()) == std::error_code{});
  h.pump();
  const std::size_t before = evs(h).size();
  REQUIRE(e.plug_out(1, h.now()) == std::error_code{});
  h.pump();
  auto ev = evs(h, before);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].type == "Updated");
  CHECK(ev[0].trigger == "EVCommunicationLost");
  CHECK(ev[0].charging_state == "Idle");
  REQUIRE(told.back().unlockCable.has_value());
  CHECK_FALSE(*told.back().unlockCable);  // E10.FR.01: locked until the driver is back
  // A socket: no timeout (E10.FR.02 is for permanently attached cables).
  h.advance(120s);
  CHECK(evs(h, before).size() == 1);
  REQUIRE(e.plug_in(1, 1, h.now()) == std::error_code{});
  REQUIRE(e.set_charging_state(1, ChargingStateEnumType::Charging, h.now()) == std::error_code{});
  h.pump();
  ev = evs(h, before);
  REQUIRE(ev.size() == 3);
  CHECK(ev[1].trigger == "CablePluggedIn");
  CHECK(ev[1].charging_state == "EVConnected");
  CHECK(ev[2].trigger == "ChargingStateChanged");
  CHECK(ev[2].charging_state == "Charging");
  CHECK_FALSE(told.back().unlockCable.has_value());
}

TEST_CASE("v201 E10.FR.02 TC_E_27: a fixed cable not back within EVConnectionTimeOut",
          "[v201][transactions][e10]") {
  Harness h;
  h.options.cable_permanently_attached = true;
  h.start();
  h.connect();
  set_variable(h, "TxCtrlr", "TxStopPoint", "Authorized");
  set_variable(h, "TxCtrlr", "StopTxOnEVSideDisconnect", "false");
  set_variable(h, "TxCtrlr", "EVConnectionTimeOut", "30");
  // Fixed cables: UnlockOnEVSideDisconnect is ReadOnly false.
  auto d = test::v201::parse(h.csms_call(
      "u1", "SetVariables",
      R"({"setVariableData":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"UnlockOnEVSideDisconnect"},"attributeValue":"true"}]})"));
  CHECK(std::string(d[2]["setVariableResult"][0]["attributeStatus"].GetString()) == "Rejected");
  auto& e = h.engine();
  plug_and_present(h, 1, "TAG1");
  REQUIRE(e.plug_out(1, h.now()) == std::error_code{});
  h.pump();
  const std::size_t before = evs(h).size();
  h.advance(29s);
  CHECK(evs(h, before).empty());
  h.advance(2s);
  auto ev = evs(h, before);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].type == "Ended");
  CHECK(ev[0].trigger == "EVConnectTimeout");
  CHECK(ev[0].stopped == "Timeout");
}

TEST_CASE("v201 E09.FR.01 E09.FR.02 E09.FR.03 TC_E_25: UnlockOnEVSideDisconnect tells the firmware",
          "[v201][transactions][e09]") {
  Harness h;
  std::vector<TransactionEventInfo> told;
  start_recording(h, told);
  const bool unlock = GENERATE(true, false);
  // The transaction outlives the disconnect (ParkingBayOccupancy), deauthorized (E09.FR.01).
  set_variable(h, "TxCtrlr", "TxStopPoint", "ParkingBayOccupancy");
  set_variable(h, "OCPPCommCtrlr", "UnlockOnEVSideDisconnect", unlock ? "true" : "false");
  auto& e = h.engine();
  plug_and_present(h, 1, "TAG1");
  const std::size_t before = evs(h).size();
  REQUIRE(e.plug_out(1, h.now()) == std::error_code{});
  h.pump();
  auto ev = evs(h, before);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].trigger == "EVCommunicationLost");
  CHECK(ev[0].charging_state == "Idle");
  REQUIRE(told.back().unlockCable.has_value());
  CHECK(*told.back().unlockCable == unlock);
}

namespace {

std::int64_t seconds_of_day(const std::string& ts) {
  ocpp::DateTime t;
  REQUIRE(ocpp::parse_datetime(ts, t));
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count() % 86400;
}

}  // namespace

TEST_CASE("v201 J01 E06.FR.11 TC_J_03: AlignedDataCtrlr.TxEndedInterval samples in the Ended",
          "[v201][transactions][j01]") {
  Harness h;
  h.start();
  h.connect();
  set_variable(h, "AlignedDataCtrlr", "Interval", "0");
  set_variable(h, "SampledDataCtrlr", "TxUpdatedInterval", "0");
  set_variable(h, "AlignedDataCtrlr", "TxEndedInterval", "300");
  set_variable(h, "AlignedDataCtrlr", "TxEndedMeasurands", "Energy.Active.Import.Register");
  auto& e = h.engine();
  double wh = 1000;
  REQUIRE(e.set_measurand(1, MeasurandEnumType::Energy_Active_Import_Register, wh, h.now()) ==
          std::error_code{});
  plug_and_present(h, 1, "TAG1");
  for (int i = 0; i < 10; ++i) {
    h.advance(100s);
    wh += 100;
    REQUIRE(e.set_measurand(1, MeasurandEnumType::Energy_Active_Import_Register, wh, h.now()) ==
            std::error_code{});
  }
  const std::size_t before = evs(h).size();
  CHECK(before == 1);  // the samples go only in the Ended message
  REQUIRE(e.stop_transaction(1, ReasonEnumType::Local, h.now()) == std::error_code{});
  h.pump();
  auto ev = evs(h, before);
  REQUIRE(ev.size() == 1);
  const auto& c = ev[0].contexts;
  // Start, 1000 s of clock-aligned 300 s samples (3 or 4 of them), end.
  REQUIRE(c.size() >= 5);
  CHECK(c.front() == "Transaction.Begin");
  CHECK(ev[0].values.front() == 1000);
  CHECK(c.back() == "Transaction.End");
  CHECK(ev[0].values.back() == 2000);
  for (std::size_t i = 1; i + 1 < c.size(); ++i) {
    CHECK(c[i] == "Sample.Clock");
    CHECK(seconds_of_day(ev[0].timestamps[i]) % 300 == 0);
  }
}

TEST_CASE("v201 J02 E06.FR.11 E06.FR.13: SampledDataCtrlr.TxEndedInterval, bounded",
          "[v201][transactions][j02]") {
  Harness h;
  h.start();
  h.connect();
  set_variable(h, "AlignedDataCtrlr", "Interval", "0");
  set_variable(h, "SampledDataCtrlr", "TxUpdatedInterval", "0");
  const bool many = GENERATE(false, true);
  set_variable(h, "SampledDataCtrlr", "TxEndedInterval", many ? "10" : "100");
  auto& e = h.engine();
  REQUIRE(e.set_measurand(1, MeasurandEnumType::Energy_Active_Import_Register, 1, h.now()) ==
          std::error_code{});
  plug_and_present(h, 1, "TAG1");
  h.advance(350s);
  REQUIRE(e.stop_transaction(1, ReasonEnumType::Local, h.now()) == std::error_code{});
  h.pump();
  auto ev = evs(h, 1);
  REQUIRE(ev.size() == 1);
  const auto& c = ev[0].contexts;
  CHECK(c.front() == "Transaction.Begin");
  CHECK(c.back() == "Transaction.End");
  if (!many) {
    REQUIRE(c.size() == 5);  // begin, 100 s, 200 s, 300 s, end
    for (std::size_t i = 1; i + 1 < c.size(); ++i) CHECK(c[i] == "Sample.Periodic");
  } else {
    // 35 samples do not fit: intermediate ones went, the list stays in time order.
    CHECK(c.size() <= kEndedMeterValuesMax + 1);
    CHECK(c.size() > 10);
    for (std::size_t i = 1; i < ev[0].timestamps.size(); ++i)
      CHECK(ev[0].timestamps[i - 1] <= ev[0].timestamps[i]);
  }
}

TEST_CASE("v201 C01 TC_E_52: DisableRemoteAuthorization: no AuthorizeRequest, only list and cache",
          "[v201][authorization]") {
  Harness h;
  std::vector<AuthorizationStatusEnumType> statuses;
  h.hooks.authorization = [&](int, const IdTokenType&, const IdTokenInfoType& i) {
    statuses.push_back(i.status);
  };
  h.start();
  h.connect();
  // TAG1 in the cache (Accepted by the CSMS), then the CSMS is no longer asked.
  plug_and_present(h, 1, "TAG1");
  REQUIRE(h.engine().stop_transaction(1, ReasonEnumType::Local, h.now()) == std::error_code{});
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  REQUIRE(h.calls_of("Authorize").size() == 1);
  set_variable(h, "AuthCtrlr", "DisableRemoteAuthorization", "true");
  const std::size_t before = h.calls_of("TransactionEvent").size();
  plug_and_present(h, 1, "TAG9");
  CHECK(h.calls_of("Authorize").size() == 1);
  CHECK(statuses.back() != AuthorizationStatusEnumType::Accepted);
  CHECK(h.calls_of("TransactionEvent").size() == before);
  REQUIRE(h.engine().present_id_token(1, iso_token("TAG1"), h.now()) == std::error_code{});
  h.pump();
  CHECK(h.calls_of("Authorize").size() == 1);
  CHECK(statuses.back() == AuthorizationStatusEnumType::Accepted);
  CHECK(h.calls_of("TransactionEvent").size() == before + 1);
}

TEST_CASE(
    "v201 F01.FR.01 F02.FR.01 TC_F_02: AuthorizeRemoteStart true authorizes like a local idToken",
    "[v201][remote_start]") {
  Harness h;
  const bool valid = GENERATE(true, false);
  h.policy["Authorize"] = [valid](const test::v201::SentCall&) -> std::optional<std::string> {
    return valid ? R"({"idTokenInfo":{"status":"Accepted"}})"
                 : R"({"idTokenInfo":{"status":"Invalid"}})";
  };
  h.start();
  h.connect();
  set_variable(h, "AuthCtrlr", "AuthorizeRemoteStart", "true");
  auto r = h.csms_call(
      "rs1", "RequestStartTransaction",
      R"({"evseId":1,"remoteStartId":7,"idToken":{"idToken":"REM1","type":"ISO14443"}})");
  CHECK(test::v201::result_status(r) == "Accepted");
  REQUIRE(h.calls_of("Authorize").size() == 1);
  CHECK(h.calls_of("Authorize")[0].payload.find("REM1") != std::string::npos);
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  auto ev = evs(h);
  if (!valid) {
    CHECK(ev.empty());
    return;
  }
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].type == "Started");
  CHECK(ev[0].id_token == "REM1");
  CHECK(ev[0].trigger == "RemoteStart");
  CHECK(ev[0].remote_start_id == 7);
}
