// Signed meter values (OCPP 2.0.1 part 2 E01.FR.04, E02.FR.14, J01.FR.21, J02.FR.21): a station
// whose meter signs its readings (EngineOptions::signed_meter_values) reports
// SampledDataCtrlr.SignReadings and AlignedDataCtrlr.SignReadings, puts the meter's signature in
// signedMeterValue while they are true, and starts a transaction on a signed reading with
// DataSigned in TxStartPoint. Part 6: TC_E_11, TC_J_04, TC_J_11.
#include <catch2/catch.hpp>

#include "ocpp/error.hpp"
#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::energy_transfer_started;
using test::v201::field;
using test::v201::Harness;
using test::v201::iso14443;
using test::v201::payloads_of;
using test::v201::set_variable;
using namespace std::chrono_literals;

namespace {

constexpr auto kEnergy = MeasurandEnumType::Energy_Active_Import_Register;

SignedMeterValueType signature(const std::string& data) {
  SignedMeterValueType s;
  s.signedMeterData = data;
  s.signingMethod = "ECDSA-secp256r1-SHA256";
  s.encodingMethod = "OCMF";
  s.publicKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE";
  return s;
}

/// A signed reading of the energy register at EVSE 1.
std::error_code signed_energy(Harness& h, double wh, const std::string& data) {
  return h.engine().set_signed_measurand(1, kEnergy, wh, signature(data), h.now());
}

std::string get_variable(Harness& h, const char* component, const char* variable) {
  ComponentType c;
  c.name = component;
  VariableType v;
  v.name = variable;
  auto r = h.engine().get_variable(c, v);
  return r ? r.value() : "<unknown>";
}

/// The TransactionEvent payloads sent from index `from` of Harness::calls on.
std::vector<std::string> tx_events(const Harness& h, std::size_t from = 0) {
  return payloads_of(h, "TransactionEvent", from);
}

Harness& signing_station(Harness& h) {
  h.options.signed_meter_values = true;
  h.start();
  h.connect();
  return h;
}

}  // namespace

TEST_CASE("v201 SignReadings are reported only by a station whose meter signs",
          "[v201][metering][signed]") {
  SECTION("no signing meter: the variables do not exist, signed readings are refused") {
    Harness h;
    h.start();
    h.connect();
    CHECK(get_variable(h, "SampledDataCtrlr", "SignReadings") == "<unknown>");
    CHECK(get_variable(h, "AlignedDataCtrlr", "SignReadings") == "<unknown>");
    CHECK(signed_energy(h, 100, "OCMF|{}") == ocpp::make_error_code(ocpp::Errc::invalid_state));
  }
  SECTION("a signing meter: both exist, true") {
    Harness h;
    signing_station(h);
    CHECK(get_variable(h, "SampledDataCtrlr", "SignReadings") == "true");
    CHECK(get_variable(h, "AlignedDataCtrlr", "SignReadings") == "true");
    CHECK(h.engine().set_signed_measurand(2, kEnergy, 1, signature("x"), h.now()) ==
          ocpp::make_error_code(ocpp::Errc::unknown_connector));
    CHECK(signed_energy(h, 1, "") == ocpp::make_error_code(ocpp::Errc::invalid_argument));
    CHECK(signed_energy(h, 1, std::string(2501, 'x')) ==
          ocpp::make_error_code(ocpp::Errc::invalid_argument));
    auto long_method = signature("x");
    long_method.signingMethod = std::string(51, 'm');
    CHECK(h.engine().set_signed_measurand(1, kEnergy, 1, long_method, h.now()) ==
          ocpp::make_error_code(ocpp::Errc::invalid_argument));
  }
}

TEST_CASE("v201 E02.FR.14 J02.FR.21 TC_J_11: the transaction's meter values carry the signature",
          "[v201][metering][signed][conformance]") {
  Harness h;
  signing_station(h);
  set_variable(h, "SampledDataCtrlr", "TxEndedInterval", "60");
  REQUIRE(signed_energy(h, 1000, "OCMF|{\"RD\":[{\"RV\":1.000}]}") == std::error_code{});
  const std::size_t from = h.calls.size();
  energy_transfer_started(h, 1, "TAG1");
  auto events = tx_events(h, from);
  REQUIRE(!events.empty());
  // Started: Transaction.Begin with the signed reading (E01.FR.09, E02.FR.14).
  CHECK(field(events[0], "eventType") == "Started");
  CHECK(field(events[0], "meterValue.0.sampledValue.0.context") == "Transaction.Begin");
  CHECK(field(events[0], "meterValue.0.sampledValue.0.signedMeterValue.signedMeterData") ==
        "OCMF|{\"RD\":[{\"RV\":1.000}]}");
  CHECK(field(events[0], "meterValue.0.sampledValue.0.signedMeterValue.encodingMethod") == "OCMF");
  // A sample every TxEndedInterval, signed as read.
  REQUIRE(signed_energy(h, 1500, "OCMF|1500") == std::error_code{});
  h.advance(60s);
  // An unsigned reading replaces the signed one: no stale signature goes with it.
  REQUIRE(h.engine().set_measurand(1, kEnergy, 1700, h.now()) == std::error_code{});
  h.advance(60s);
  REQUIRE(signed_energy(h, 2000, "OCMF|2000") == std::error_code{});
  const std::size_t before_end = h.calls.size();
  REQUIRE(h.engine().stop_transaction(1, ReasonEnumType::Local, h.now()) == std::error_code{});
  h.pump();
  events = tx_events(h, before_end);
  REQUIRE(events.size() == 1);
  const auto& ended = events[0];
  CHECK(field(ended, "eventType") == "Ended");
  // Transaction.Begin, two samples, Transaction.End (E06.FR.11).
  CHECK(field(ended, "meterValue.0.sampledValue.0.signedMeterValue.signedMeterData") ==
        "OCMF|{\"RD\":[{\"RV\":1.000}]}");
  CHECK(field(ended, "meterValue.1.sampledValue.0.value") == "1500.0");
  CHECK(field(ended, "meterValue.1.sampledValue.0.signedMeterValue.signedMeterData") ==
        "OCMF|1500");
  CHECK(field(ended, "meterValue.2.sampledValue.0.value") == "1700.0");
  CHECK(field(ended, "meterValue.2.sampledValue.0.signedMeterValue") == "<absent>");
  CHECK(field(ended, "meterValue.3.sampledValue.0.context") == "Transaction.End");
  CHECK(field(ended, "meterValue.3.sampledValue.0.signedMeterValue.signedMeterData") ==
        "OCMF|2000");
  CHECK(field(ended, "meterValue.3.sampledValue.0.signedMeterValue.signingMethod") ==
        "ECDSA-secp256r1-SHA256");
}

TEST_CASE("v201 E02.FR.14: SignReadings false leaves the signature out",
          "[v201][metering][signed]") {
  Harness h;
  signing_station(h);
  set_variable(h, "SampledDataCtrlr", "SignReadings", "false");
  REQUIRE(signed_energy(h, 1000, "OCMF|1000") == std::error_code{});
  const std::size_t from = h.calls.size();
  energy_transfer_started(h, 1, "TAG1");
  auto events = tx_events(h, from);
  REQUIRE(!events.empty());
  CHECK(field(events[0], "meterValue.0.sampledValue.0.value") == "1000.0");
  CHECK(field(events[0], "meterValue.0.sampledValue.0.signedMeterValue") == "<absent>");
}

TEST_CASE("v201 J01.FR.21 TC_J_04: clock-aligned values carry the signature (AlignedDataCtrlr)",
          "[v201][metering][signed][conformance]") {
  Harness h;
  signing_station(h);
  set_variable(h, "AlignedDataCtrlr", "TxEndedInterval", "300");
  set_variable(h, "SampledDataCtrlr", "SignReadings", "false");  // only the aligned ones
  energy_transfer_started(h, 1, "TAG1");
  REQUIRE(signed_energy(h, 4200, "OCMF|4200") == std::error_code{});
  h.advance(301s);  // at least one clock-aligned boundary
  REQUIRE(signed_energy(h, 4300, "OCMF|4300") == std::error_code{});
  const std::size_t before_end = h.calls.size();
  REQUIRE(h.engine().stop_transaction(1, ReasonEnumType::Local, h.now()) == std::error_code{});
  h.pump();
  auto events = tx_events(h, before_end);
  REQUIRE(events.size() == 1);
  const auto& ended = events[0];
  // The Sample.Clock sample is signed (AlignedDataCtrlr.SignReadings); the Transaction.End
  // value is the transaction's own (SampledDataCtrlr.SignReadings false): unsigned.
  bool clock_signed = false;
  for (int i = 0; i < 8; ++i) {
    const std::string at = "meterValue." + std::to_string(i) + ".sampledValue.0.";
    if (field(ended, at + "context") == "Sample.Clock") {
      CHECK(field(ended, at + "value") == "4200.0");
      CHECK(field(ended, at + "signedMeterValue.signedMeterData") == "OCMF|4200");
      clock_signed = true;
    }
    if (field(ended, at + "context") == "Transaction.End")
      CHECK(field(ended, at + "signedMeterValue") == "<absent>");
  }
  CHECK(clock_signed);
}

TEST_CASE("v201 J01.FR.21: a MeterValuesRequest outside a transaction is signed",
          "[v201][metering][signed]") {
  Harness h;
  signing_station(h);
  REQUIRE(signed_energy(h, 5000, "OCMF|5000") == std::error_code{});
  set_variable(h, "AlignedDataCtrlr", "Interval", "60");
  const std::size_t from = h.calls.size();
  h.advance(61s);
  auto mv = payloads_of(h, "MeterValues", from);
  REQUIRE(!mv.empty());
  CHECK(field(mv[0], "meterValue.0.sampledValue.0.context") == "Sample.Clock");
  CHECK(field(mv[0], "meterValue.0.sampledValue.0.signedMeterValue.signedMeterData") ==
        "OCMF|5000");
}

TEST_CASE("v201 E01.FR.04 TC_E_11: DataSigned starts the transaction on a signed reading",
          "[v201][transactions][signed][conformance]") {
  Harness h;
  signing_station(h);
  set_variable(h, "TxCtrlr", "TxStartPoint", "DataSigned");
  set_variable(h, "TxCtrlr", "TxStopPoint", "EVConnected");
  // A signed reading before the session: the start point counts readings since the last
  // transaction, so the first session would start at once; the test starts from a clean EVSE
  // with the driver authorized (state Authorized) and the EV then connected.
  std::size_t from = h.calls.size();
  REQUIRE(h.engine().present_id_token(1, iso14443("TAG1"), h.now()) == std::error_code{});
  h.pump();
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  // Authorized and connected, but no signed data yet: no transaction (E01.FR.04).
  CHECK(tx_events(h, from).empty());
  CHECK(!h.engine().transaction_id(1));
  REQUIRE(signed_energy(h, 7000, "OCMF|7000") == std::error_code{});
  h.pump();
  auto events = tx_events(h, from);
  REQUIRE(events.size() == 1);
  CHECK(field(events[0], "eventType") == "Started");
  CHECK(field(events[0], "triggerReason") == "SignedDataReceived");
  CHECK(field(events[0], "seqNo") == "0");
  CHECK(field(events[0], "idToken.idToken") == "TAG1");  // E01.FR.10
  CHECK(field(events[0], "evse.id") == "1");             // E01.FR.16
  CHECK(field(events[0], "evse.connectorId") == "1");
  CHECK(field(events[0], "meterValue.0.sampledValue.0.signedMeterValue.signedMeterData") ==
        "OCMF|7000");
  // Readings during the transaction do not start the next one after it ends.
  REQUIRE(signed_energy(h, 7100, "OCMF|7100") == std::error_code{});
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  REQUIRE(!h.engine().transaction_id(1));
  from = h.calls.size();
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  CHECK(tx_events(h, from).empty());
  // Without signed readings switched on, a signed reading starts nothing (E01.FR.04).
  set_variable(h, "SampledDataCtrlr", "SignReadings", "false");
  REQUIRE(signed_energy(h, 7200, "OCMF|7200") == std::error_code{});
  h.pump();
  CHECK(tx_events(h, from).empty());
  set_variable(h, "SampledDataCtrlr", "SignReadings", "true");
  REQUIRE(signed_energy(h, 7300, "OCMF|7300") == std::error_code{});
  h.pump();
  events = tx_events(h, from);
  REQUIRE(events.size() == 1);
  CHECK(field(events[0], "triggerReason") == "SignedDataReceived");
}
