// TxStartPoint and TxStopPoint options (OCPP 2.0.1 part 2 E01, E06) set by the CSMS through
// SetVariables (TxCtrlr), and the sampled and clock-aligned meter values of J01 / J02.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::Harness;
using namespace std::chrono_literals;

namespace {

using test::v201::iso14443;

struct PointEv {
  std::string type, trigger, stopped, context;
  int seq = -1;
};

std::vector<PointEv> point_events(const Harness& h) {
  std::vector<PointEv> out;
  for (const auto& c : h.calls_of("TransactionEvent")) {
    rapidjson::Document p;
    p.Parse(c.payload.c_str());
    PointEv e;
    e.type = p["eventType"].GetString();
    e.trigger = p["triggerReason"].GetString();
    e.seq = p["seqNo"].GetInt();
    if (p["transactionInfo"].HasMember("stoppedReason"))
      e.stopped = p["transactionInfo"]["stoppedReason"].GetString();
    if (p.HasMember("meterValue"))
      e.context =
          p["meterValue"][p["meterValue"].Size() - 1]["sampledValue"][0]["context"].GetString();
    out.push_back(e);
  }
  return out;
}

}  // namespace

TEST_CASE("v201 E01.FR.02 E02.FR.06 E02.FR.20: TxStartPoint EVConnected, then Authorized",
          "[v201][transactions][txpoints]") {
  Harness h;
  h.start();
  h.connect();
  set_variable(h, "TxCtrlr", "TxStartPoint", "EVConnected");
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  auto ev = point_events(h);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].type == "Started");
  CHECK(ev[0].trigger == "CablePluggedIn");
  // F01.FR.13: a remote start for the unauthorized transaction answers with its id.
  auto d = test::v201::parse(
      h.csms_call("r1", "RequestStartTransaction",
                  R"({"evseId":1,"remoteStartId":5,"idToken":{"idToken":"R","type":"Central"}})"));
  CHECK(std::string(d[2]["status"].GetString()) == "Accepted");
  CHECK(std::string(d[2]["transactionId"].GetString()) == *h.engine().transaction_id(1));
  ev = point_events(h);
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].type == "Updated");
  CHECK(ev[1].trigger == "RemoteStart");  // F01.FR.19 (the authorization of E02.FR.20)
}

TEST_CASE("v201 E01.FR.03 E06.FR.03: TxStartPoint and TxStopPoint Authorized",
          "[v201][transactions][txpoints]") {
  Harness h;
  h.start();
  h.connect();
  set_variable(h, "TxCtrlr", "TxStartPoint", "Authorized");
  set_variable(h, "TxCtrlr", "TxStopPoint", "Authorized");
  REQUIRE(h.engine().present_id_token(1, iso14443("T1"), h.now()) == std::error_code{});
  h.pump();
  auto ev = point_events(h);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].trigger == "Authorized");
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  // Unplugging ends it only through StopTxOnEVSideDisconnect (true, E09.FR.01).
  ev = point_events(h);
  REQUIRE(ev.size() == 3);
  CHECK(ev[1].trigger == "CablePluggedIn");
  CHECK(ev[2].type == "Ended");
  CHECK(ev[2].stopped == "EVDisconnected");
}

TEST_CASE("v201 E03.FR.05: TxStartPoint Authorized, no cable within EVConnectionTimeOut",
          "[v201][transactions][txpoints]") {
  Harness h;
  h.start();
  h.connect();
  set_variable(h, "TxCtrlr", "TxStartPoint", "Authorized");
  set_variable(h, "TxCtrlr", "EVConnectionTimeOut", "20");
  REQUIRE(h.engine().present_id_token(1, iso14443("T1"), h.now()) == std::error_code{});
  h.pump();
  h.advance(21s);
  auto ev = point_events(h);
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].type == "Ended");
  CHECK(ev[1].trigger == "EVConnectTimeout");
  CHECK(ev[1].stopped == "Timeout");
}

TEST_CASE("v201 E01.FR.06 E06.FR.07: TxStartPoint and TxStopPoint EnergyTransfer",
          "[v201][transactions][txpoints]") {
  Harness h;
  h.start();
  h.connect();
  set_variable(h, "TxCtrlr", "TxStartPoint", "EnergyTransfer");
  set_variable(h, "TxCtrlr", "TxStopPoint", "EnergyTransfer");
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  REQUIRE(h.engine().present_id_token(1, iso14443("T1"), h.now()) == std::error_code{});
  h.pump();
  CHECK(point_events(h).empty());
  REQUIRE(h.engine().set_charging_state(1, ChargingStateEnumType::Charging, h.now()) ==
          std::error_code{});
  h.pump();
  REQUIRE(point_events(h).size() == 1);
  REQUIRE(h.engine().set_charging_state(1, ChargingStateEnumType::SuspendedEV, h.now()) ==
          std::error_code{});
  h.pump();
  auto ev = point_events(h);
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].type == "Ended");
  CHECK(ev[1].stopped == "StoppedByEV");
}

TEST_CASE("v201 E05.FR.09: deauthorized while TxStopPoint is EVConnected only: energy stops",
          "[v201][transactions][txpoints]") {
  Harness h;
  h.policy["TransactionEvent"] = [](const test::v201::SentCall& c) -> std::optional<std::string> {
    if (c.payload.find("\"idToken\"") != std::string::npos)
      return R"({"idTokenInfo":{"status":"Blocked"}})";
    return "{}";
  };
  h.start();
  h.connect();
  set_variable(h, "TxCtrlr", "TxStopPoint", "EVConnected");
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  REQUIRE(h.engine().set_charging_state(1, ChargingStateEnumType::Charging, h.now()) ==
          std::error_code{});
  REQUIRE(h.engine().present_id_token(1, iso14443("T1"), h.now()) == std::error_code{});
  h.pump();
  auto calls = h.calls_of("TransactionEvent");
  REQUIRE(calls.size() == 2);
  rapidjson::Document p;
  p.Parse(calls[1].payload.c_str());
  CHECK(std::string(p["eventType"].GetString()) == "Updated");
  CHECK(std::string(p["triggerReason"].GetString()) == "Deauthorized");
  CHECK(std::string(p["transactionInfo"]["chargingState"].GetString()) == "EVConnected");
  CHECK(h.engine().transaction_id(1).has_value());  // goes on until the EV leaves
}

TEST_CASE("v201 J02.FR.11: sampled meter values every SampledDataCtrlr.TxUpdatedInterval",
          "[v201][metering]") {
  Harness h;
  h.start();
  h.connect();
  set_variable(h, "SampledDataCtrlr", "TxUpdatedInterval", "10");
  set_variable(h, "AlignedDataCtrlr", "Interval", "0");
  REQUIRE(h.engine().set_measurand(1, MeasurandEnumType::Energy_Active_Import_Register, 100,
                                   h.now()) == std::error_code{});
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  REQUIRE(h.engine().present_id_token(1, iso14443("T1"), h.now()) == std::error_code{});
  h.pump();
  h.advance(35s);
  auto ev = point_events(h);
  REQUIRE(ev.size() == 4);  // Started + 3 periodic
  for (std::size_t i = 1; i < 4; ++i) {
    CHECK(ev[i].trigger == "MeterValuePeriodic");
    CHECK(ev[i].context == "Sample.Periodic");
    CHECK(ev[i].seq == static_cast<int>(i));
  }
  // Without readings nothing periodic is sent (sampledValue needs one value).
  set_variable(h, "SampledDataCtrlr", "TxUpdatedMeasurands", "Voltage");
  h.advance(30s);
  CHECK(point_events(h).size() == 4);
}

TEST_CASE("v201 J01.FR.14 J01.FR.22: clock-aligned meter values", "[v201][metering]") {
  Harness h({1, 1});
  h.start();
  h.connect();
  set_variable(h, "SampledDataCtrlr", "TxUpdatedInterval", "0");
  set_variable(h, "AlignedDataCtrlr", "Interval", "60");
  for (int e = 1; e <= 2; ++e)
    REQUIRE(h.engine().set_measurand(e, MeasurandEnumType::Energy_Active_Import_Register, 7,
                                     h.now()) == std::error_code{});
  REQUIRE(h.engine().plug_in(2, 1, h.now()) == std::error_code{});
  REQUIRE(h.engine().present_id_token(2, iso14443("T1"), h.now()) == std::error_code{});
  h.pump();
  h.advance(61s);
  // EVSE 1 (no transaction): MeterValuesRequest; EVSE 2: in its transaction.
  auto mv = h.calls_of("MeterValues");
  REQUIRE(mv.size() == 1);
  rapidjson::Document p;
  p.Parse(mv[0].payload.c_str());
  CHECK(p["evseId"].GetInt() == 1);
  CHECK(std::string(p["meterValue"][0]["sampledValue"][0]["context"].GetString()) ==
        "Sample.Clock");
  // On the minute (clock-aligned: the wall clock's seconds are 0).
  const std::string ts = p["meterValue"][0]["timestamp"].GetString();
  CHECK(ts.substr(17, 2) == "00");
  auto ev = point_events(h);
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].trigger == "MeterValueClock");
  CHECK(ev[1].context == "Sample.Clock");
  // J01.FR.20: SendDuringIdle stops them all while a transaction is ongoing.
  set_variable(h, "AlignedDataCtrlr", "SendDuringIdle", "true");
  h.advance(60s);
  CHECK(h.calls_of("MeterValues").size() == 1);
  CHECK(point_events(h).size() == 2);
}

TEST_CASE(
    "v201 E12 E13: a TransactionEvent the CSMS does not accept is retried per "
    "MessageAttemptInterval, then given up after MessageAttempts",
    "[v201][transactions][retry]") {
  Harness h;
  h.start();
  h.connect();
  static int n = 0;  // message ids are at most 36 characters
  auto set_instance = [&h](const std::string& variable, const std::string& value) {
    auto d = test::v201::parse(h.csms_call(
        "r-" + std::to_string(++n), "SetVariables",
        R"({"setVariableData":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":")" +
            variable + R"(","instance":"TransactionEvent"},"attributeValue":")" + value +
            R"("}]})"));
    REQUIRE(std::string(d[2]["setVariableResult"][0]["attributeStatus"].GetString()) == "Accepted");
  };
  set_instance("MessageAttempts", "3");
  set_instance("MessageAttemptInterval", "10");
  int refusals = 2;  // the first two attempts: CALLERROR (TC_E_50, TC_E_51)
  h.policy["TransactionEvent"] =
      [&refusals](const test::v201::SentCall&) -> std::optional<std::string> {
    if (refusals > 0) {
      --refusals;
      return std::nullopt;  // no answer: the attempt times out
    }
    return "{}";
  };
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  REQUIRE(h.engine().present_id_token(1, iso14443("T1"), h.now()) == std::error_code{});
  h.pump();
  // Attempt 1 goes out at once; it times out (call_timeout 30 s), attempt 2 after 10 s x 1,
  // attempt 3 after 10 s x 2 (E12: interval x attempts so far) is answered.
  h.advance(30s);
  CHECK(h.calls_of("TransactionEvent").size() == 1);
  h.advance(11s);
  CHECK(h.calls_of("TransactionEvent").size() == 2);
  h.advance(30s + 21s);
  auto sent = h.calls_of("TransactionEvent");
  REQUIRE(sent.size() == 3);
  CHECK(sent[0].payload == sent[2].payload);  // the same message, seqNo 0
  CHECK(h.engine().queued_transaction_messages() == 0);

  // TC_E_41: never accepted: given up after MessageAttempts, the next message goes out.
  set_instance("MessageAttempts", "2");
  h.policy["TransactionEvent"] = [](const test::v201::SentCall&) -> std::optional<std::string> {
    return std::nullopt;
  };
  REQUIRE(h.engine().set_charging_state(1, ChargingStateEnumType::Charging, h.now()) ==
          std::error_code{});
  h.pump();
  h.advance(30s + 11s + 30s);
  CHECK(h.calls_of("TransactionEvent").size() == 5);  // 2 attempts of the Updated
  CHECK(h.engine().queued_transaction_messages() == 0);
}
