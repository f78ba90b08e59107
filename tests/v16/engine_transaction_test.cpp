// Transactions, authorization, meter values and connector status (OCPP 1.6 sections 3.5,
// 4.7 to 4.10, chapter 9 keys) and the firmware API's error values.
#include <catch2/catch.hpp>

#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::Errc;
using ocpp::v16::ChargePointErrorCode;
using ocpp::v16::ChargePointStatus;
using ocpp::v16::Reason;

namespace {

using test::str;

/// Statuses sent in StatusNotification.req for a connector, in order.
std::vector<std::string> statuses_of(const test::Harness& h, int connector) {
  std::vector<std::string> out;
  for (const auto& c : h.calls_of("StatusNotification")) {
    auto d = c.json();
    if (d["connectorId"].GetInt() == connector) out.push_back(str(d["status"]));
  }
  return out;
}

}  // namespace

TEST_CASE("transaction: StartTransaction.conf Invalid stops it (DeAuthorized) per StopTransactionOnInvalidId",
          "[v16][engine][transaction]") {
  // OCPP 1.6 section 9.1.24 (StopTransactionOnInvalidId) and section 4.8.
  const bool stop_on_invalid = GENERATE(true, false);
  test::Harness h(nullptr, 1, {{"StopTransactionOnInvalidId", stop_on_invalid ? "true" : "false"}});
  h.policy["StartTransaction"] = [](const test::SentCall&) -> std::optional<std::string> {
    return R"({"transactionId":555,"idTagInfo":{"status":"Invalid"}})";
  };
  std::vector<std::string> events;
  h.hooks.transaction_confirmed = [&](const ocpp::v16::TransactionInfo& t, const ocpp::v16::IdTagInfo& i) {
    events.push_back("confirmed " + std::to_string(t.transactionId.value_or(-1)) + " " +
                     std::string(ocpp::v16::to_string(i.status)));
  };
  h.hooks.transaction_stopped = [&](const ocpp::v16::TransactionInfo& t, Reason r, std::int32_t) {
    events.push_back("stopped " + std::to_string(t.transactionId.value_or(-1)) + " " +
                     std::string(ocpp::v16::to_string(r)));
  };
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  if (stop_on_invalid) {
    auto stops = h.calls_of("StopTransaction");
    REQUIRE(stops.size() == 1);
    CHECK(stops[0].json()["transactionId"].GetInt() == 555);
    CHECK(str(stops[0].json()["reason"]) == "DeAuthorized");
    CHECK(!e.connector_state(1)->transaction.has_value());
    CHECK(e.connector_state(1)->status == ChargePointStatus::Finishing);  // cable still in
    CHECK(events == std::vector<std::string>{"confirmed 555 Invalid", "stopped 555 DeAuthorized"});
  } else {
    CHECK(h.calls_of("StopTransaction").empty());
    REQUIRE(e.connector_state(1)->transaction.has_value());
    CHECK(e.connector_state(1)->transaction->transactionId == 555);
    CHECK(events == std::vector<std::string>{"confirmed 555 Invalid"});
  }
  CHECK(e.queued_transaction_messages() == 0);
}

TEST_CASE("transaction: StopTransactionOnEVSideDisconnect false suspends instead of stopping",
          "[v16][engine][transaction]") {
  // OCPP 1.6 section 9.1.23 and the status table of section 7.7 (SuspendedEV).
  test::Harness h(nullptr, 1, {{"StopTransactionOnEVSideDisconnect", "false"}});
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  REQUIRE(!e.unplug(1, h.now()));
  h.pump();
  CHECK(h.calls_of("StopTransaction").empty());
  auto st = e.connector_state(1);
  REQUIRE(st->transaction.has_value());
  CHECK(st->status == ChargePointStatus::SuspendedEV);
  CHECK(!st->plugged);
  CHECK(statuses_of(h, 1).back() == "SuspendedEV");
  // The EV is plugged back in: the same transaction goes on (section 4.10).
  REQUIRE(!e.plug_in(1, h.now()));
  h.pump();
  CHECK(e.connector_state(1)->status == ChargePointStatus::Charging);
  CHECK(statuses_of(h, 1).back() == "Charging");
  CHECK(h.calls_of("StartTransaction").size() == 1);
  // The transaction still ends with the card.
  REQUIRE(!e.present_id_tag("CARD1", std::nullopt, h.now()));
  h.pump();
  REQUIRE(h.calls_of("StopTransaction").size() == 1);
  CHECK(e.connector_state(1)->status == ChargePointStatus::Finishing);  // cable in again
}

TEST_CASE("transaction: the same card stops its own transaction (reason Local, with idTag)",
          "[v16][engine][transaction][authorize]") {
  // OCPP 1.6 section 3.5 / 4.10: a local stop by the same idTag; StopTransaction.idTag set.
  test::Harness h;
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.set_meter_energy(1, 42, h.now()));
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", std::nullopt, h.now()));
  h.pump();
  REQUIRE(e.connector_state(1)->transaction.has_value());
  const auto authorizes = h.calls_of("Authorize").size();
  // Another card finds no free connector and does not stop it.
  CHECK(e.present_id_tag("OTHER", std::nullopt, h.now()) == ocpp::make_error_code(Errc::invalid_state));
  h.pump();
  CHECK(e.connector_state(1)->transaction.has_value());
  REQUIRE(!e.set_meter_energy(1, 99, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", std::nullopt, h.now()));
  h.pump();
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 1);
  auto d = stops[0].json();
  CHECK(str(d["reason"]) == "Local");
  CHECK(str(d["idTag"]) == "CARD1");
  CHECK(d["meterStop"].GetInt() == 99);
  CHECK(d["transactionId"].GetInt() == 1001);
  CHECK(h.calls_of("Authorize").size() == authorizes);  // the stop needed no Authorize
  CHECK(e.connector_state(1)->status == ChargePointStatus::Finishing);
}

TEST_CASE("transaction: ConnectionTimeOut lets an authorization without cable lapse",
          "[v16][engine][transaction][authorize]") {
  // OCPP 1.6 section 9.1.6 (ConnectionTimeOut).
  test::Harness h(nullptr, 1, {{"ConnectionTimeOut", "30"}});
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  CHECK(e.connector_state(1)->status == ChargePointStatus::Preparing);
  h.advance(29s);
  CHECK(e.connector_state(1)->status == ChargePointStatus::Preparing);
  h.advance(1s);
  CHECK(e.connector_state(1)->status == ChargePointStatus::Available);
  CHECK(statuses_of(h, 1) == std::vector<std::string>{"Available", "Preparing", "Available"});
  CHECK(h.seconds(h.calls.back().at) == 30);
  REQUIRE(!e.plug_in(1, h.now()));
  h.pump();
  CHECK(h.calls_of("StartTransaction").empty());
  CHECK(e.connector_state(1)->status == ChargePointStatus::Preparing);
}

TEST_CASE("transaction: offline with AllowOfflineTxForUnknownId false starts nothing",
          "[v16][engine][transaction][offline]") {
  // OCPP 1.6 sections 3.5.4 and 9.1.1.
  test::Harness h;
  std::vector<std::string> seen;
  h.hooks.authorize = [&](const std::string& tag, const ocpp::v16::IdTagInfo& info) {
    seen.push_back(tag + " " + std::string(ocpp::v16::to_string(info.status)));
  };
  auto& e = h.start();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("UNKNOWN", 1, h.now()));
  h.pump();
  CHECK(seen == std::vector<std::string>{"UNKNOWN Invalid"});
  CHECK(!e.connector_state(1)->transaction.has_value());
  CHECK(e.queued_transaction_messages() == 0);
  h.connect();
  CHECK(h.calls_of("StartTransaction").empty());
  CHECK(h.calls_of("Authorize").empty());
}

TEST_CASE("transaction: MeterValues every MeterValueSampleInterval, Sample.Periodic, with transactionId",
          "[v16][engine][transaction][meter]") {
  // OCPP 1.6 sections 3.16.1, 4.7 and 9.1.19 (MeterValueSampleInterval).
  test::Harness h(nullptr, 1, {{"MeterValueSampleInterval", "15"}});
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  const auto t0 = h.elapsed();
  for (int i = 1; i <= 3; ++i) {
    REQUIRE(!e.set_meter_energy(1, 1000 * i, h.now()));
    h.advance(15s);
  }
  auto mvs = h.calls_of("MeterValues");
  REQUIRE(mvs.size() == 3);
  for (std::size_t i = 0; i < mvs.size(); ++i) {
    auto d = mvs[i].json();
    CHECK(h.seconds(mvs[i].at) == t0 + 15 * static_cast<int>(i + 1));
    CHECK(d["connectorId"].GetInt() == 1);
    CHECK(d["transactionId"].GetInt() == 1001);
    const auto& sv = d["meterValue"][0]["sampledValue"];
    REQUIRE(sv.Size() == 1);
    CHECK(str(sv[0]["value"]) == std::to_string(1000 * (i + 1)));
    CHECK(str(sv[0]["context"]) == "Sample.Periodic");
    CHECK(str(sv[0]["measurand"]) == "Energy.Active.Import.Register");
    CHECK(str(sv[0]["unit"]) == "Wh");
  }
  REQUIRE(!e.stop_transaction(1, Reason::Local, h.now()));
  h.advance(60s);
  CHECK(h.calls_of("MeterValues").size() == 3);  // no samples without a transaction
}

TEST_CASE("transaction: MeterValuesSampledData filters what sample_meter returns",
          "[v16][engine][transaction][meter]") {
  // OCPP 1.6 section 9.1.17 (MeterValuesSampledData) and 3.16.4 (unsupported measurands).
  test::Harness h(nullptr, 1,
                  {{"MeterValueSampleInterval", "10"},
                   {"MeterValuesSampledData", "Energy.Active.Import.Register, Power.Active.Import"}});
  std::vector<int> asked;
  h.hooks.sample_meter = [&](int connectorId, ocpp::v16::ReadingContext ctx) {
    CHECK(ctx == ocpp::v16::ReadingContext::Sample_Periodic);
    asked.push_back(connectorId);
    std::vector<ocpp::v16::SampledValue> v(3);
    v[0].value = "12345";
    v[0].measurand = ocpp::v16::Measurand::Energy_Active_Import_Register;
    v[0].unit = ocpp::v16::UnitOfMeasure::Wh;
    v[1].value = "7200";
    v[1].measurand = ocpp::v16::Measurand::Power_Active_Import;
    v[1].unit = ocpp::v16::UnitOfMeasure::W;
    v[2].value = "230";
    v[2].measurand = ocpp::v16::Measurand::Voltage;
    v[2].unit = ocpp::v16::UnitOfMeasure::V;
    return v;
  };
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  h.advance(10s);
  CHECK(asked == std::vector<int>{1});
  auto mvs = h.calls_of("MeterValues");
  REQUIRE(mvs.size() == 1);
  auto d = mvs[0].json();
  const auto& sv = d["meterValue"][0]["sampledValue"];
  REQUIRE(sv.Size() == 2);
  CHECK(str(sv[0]["measurand"]) == "Energy.Active.Import.Register");
  CHECK(str(sv[0]["value"]) == "12345");
  CHECK(str(sv[1]["measurand"]) == "Power.Active.Import");
  CHECK(str(sv[1]["value"]) == "7200");
  CHECK(str(sv[1]["context"]) == "Sample.Periodic");
  CHECK(mvs[0].payload.find("Voltage") == std::string::npos);
}

TEST_CASE("transaction: status sequence Available, Preparing, Charging, Finishing, Available",
          "[v16][engine][transaction][status]") {
  // OCPP 1.6 sections 4.9 and 7.7 (ChargePointStatus): after a stop with the cable still in,
  // Finishing until it is unplugged.
  test::Harness h;
  std::vector<std::string> hook_statuses;
  h.hooks.status = [&](int id, ChargePointStatus st, ChargePointErrorCode) {
    if (id == 1) hook_statuses.push_back(std::string(ocpp::v16::to_string(st)));
  };
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  h.pump();
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  REQUIRE(!e.stop_transaction(1, Reason::Local, h.now()));
  h.pump();
  CHECK(e.connector_state(1)->status == ChargePointStatus::Finishing);
  REQUIRE(!e.unplug(1, h.now()));
  h.pump();
  const std::vector<std::string> expected{"Available", "Preparing", "Charging", "Finishing", "Available"};
  CHECK(statuses_of(h, 1) == expected);
  CHECK(hook_statuses == expected);
  CHECK(h.calls_of("StopTransaction").size() == 1);
}

TEST_CASE("transaction: faults report Faulted with the errorCode, clearing goes back",
          "[v16][engine][status]") {
  // OCPP 1.6 section 4.9 and 7.6 (ChargePointErrorCode); connector 0 is the charge point (3.8).
  test::Harness h(nullptr, 2);
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  h.pump();
  REQUIRE(!e.report_fault(1, ChargePointErrorCode::GroundFailure, "RCD tripped", h.now()));
  h.pump();
  auto st = h.calls_of("StatusNotification").back().json();
  CHECK(st["connectorId"].GetInt() == 1);
  CHECK(str(st["status"]) == "Faulted");
  CHECK(str(st["errorCode"]) == "GroundFailure");
  CHECK(str(st["info"]) == "RCD tripped");
  CHECK(e.connector_state(1)->errorCode == ChargePointErrorCode::GroundFailure);
  // A faulted connector takes no authorization.
  CHECK(e.present_id_tag("CARD1", 1, h.now()) == ocpp::make_error_code(Errc::invalid_state));
  REQUIRE(!e.clear_fault(1, h.now()));
  h.pump();
  st = h.calls_of("StatusNotification").back().json();
  CHECK(str(st["status"]) == "Preparing");  // the cable is still in
  CHECK(str(st["errorCode"]) == "NoError");
  REQUIRE(!e.report_fault(0, ChargePointErrorCode::PowerMeterFailure, "", h.now()));
  h.pump();
  st = h.calls_of("StatusNotification").back().json();
  CHECK(st["connectorId"].GetInt() == 0);
  CHECK(str(st["status"]) == "Faulted");
  CHECK(str(st["errorCode"]) == "PowerMeterFailure");
  REQUIRE(!e.clear_fault(0, h.now()));
  h.pump();
  st = h.calls_of("StatusNotification").back().json();
  CHECK(st["connectorId"].GetInt() == 0);
  CHECK(str(st["status"]) == "Available");
}

TEST_CASE("transaction: suspend and resume give SuspendedEV, SuspendedEVSE and Charging",
          "[v16][engine][transaction][status]") {
  // OCPP 1.6 section 7.7 (SuspendedEV, SuspendedEVSE).
  test::Harness h;
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  REQUIRE(!e.suspend(1, true, h.now()));
  h.pump();
  CHECK(e.connector_state(1)->status == ChargePointStatus::SuspendedEV);
  REQUIRE(!e.resume(1, h.now()));
  h.pump();
  REQUIRE(!e.suspend(1, false, h.now()));
  h.pump();
  CHECK(e.connector_state(1)->status == ChargePointStatus::SuspendedEVSE);
  REQUIRE(!e.resume(1, h.now()));
  h.pump();
  CHECK(e.connector_state(1)->status == ChargePointStatus::Charging);
  CHECK(statuses_of(h, 1) == std::vector<std::string>{"Available", "Preparing", "Charging", "SuspendedEV",
                                                      "Charging", "SuspendedEVSE", "Charging"});
}

TEST_CASE("transaction: API misuse returns error values", "[v16][engine][api]") {
  // The OCPP field limits: idTag is CiString20Type (section 7.9 IdToken); connectors 1..N (3.8).
  test::Harness h(nullptr, 2);
  auto& e = h.start();
  h.connect();
  const auto unknown = ocpp::make_error_code(Errc::unknown_connector);
  const auto invalid = ocpp::make_error_code(Errc::invalid_argument);
  const auto no_tx = ocpp::make_error_code(Errc::no_transaction);
  CHECK(e.plug_in(0, h.now()) == unknown);
  CHECK(e.plug_in(3, h.now()) == unknown);
  CHECK(e.plug_in(-1, h.now()) == unknown);
  CHECK(e.unplug(0, h.now()) == unknown);
  CHECK(e.unplug(3, h.now()) == unknown);
  CHECK(e.present_id_tag("CARD1", 0, h.now()) == unknown);
  CHECK(e.present_id_tag("CARD1", 3, h.now()) == unknown);
  CHECK(e.present_id_tag(std::string(21, 'A'), 1, h.now()) == invalid);
  CHECK(e.present_id_tag("", 1, h.now()) == invalid);
  CHECK(e.stop_transaction(1, Reason::Local, h.now()) == no_tx);
  CHECK(e.stop_transaction(0, Reason::Local, h.now()) == unknown);
  CHECK(e.stop_transaction(3, Reason::Local, h.now()) == unknown);
  CHECK(e.set_meter_energy(1, -1, h.now()) == invalid);
  CHECK(e.set_meter_energy(3, 10, h.now()) == unknown);
  CHECK(e.set_meter_energy(0, 10, h.now()) == unknown);
  CHECK(e.suspend(1, true, h.now()) == no_tx);
  CHECK(e.resume(1, h.now()) == no_tx);
  CHECK(e.suspend(3, true, h.now()) == unknown);
  CHECK(e.report_fault(3, ChargePointErrorCode::OtherError, "", h.now()) == unknown);
  CHECK(e.report_fault(1, ChargePointErrorCode::NoError, "", h.now()) == invalid);
  CHECK(e.report_fault(1, ChargePointErrorCode::OtherError, std::string(51, 'x'), h.now()) == invalid);
  CHECK(e.clear_fault(3, h.now()) == unknown);
  CHECK(!e.connector_state(3).ok());
  CHECK(e.connector_state(3).error() == unknown);
  CHECK(!e.get_configuration("NoSuchKey").ok());
  CHECK(e.set_configuration("HeartbeatInterval", "abc") == invalid);
  CHECK(e.set_configuration("NoSuchKey", "1") == invalid);
  h.pump();
  // None of it changed anything or sent anything but the boot sequence.
  CHECK(h.actions() == std::vector<std::string>{"BootNotification", "StatusNotification", "StatusNotification",
                                                "StatusNotification"});
  CHECK(e.connector_state(1)->meter_wh == 0);
  // The limits themselves are fine: 20 characters.
  CHECK(!e.present_id_tag(std::string(20, 'A'), 1, h.now()));
  h.pump();
  CHECK(h.calls_of("Authorize").size() == 1);
}

TEST_CASE("transaction: stopped before StartTransaction.conf Invalid: one StopTransaction only",
          "[v16][engine][transaction]") {
  // OCPP 1.6 sections 4.8 and 9.1.24: the deauthorization stop applies to a running transaction;
  // pitfall MicroOcpp #363/#413 (bad state after an unusual StartTransaction.conf).
  test::Harness h;
  h.policy["StartTransaction"] = [](const test::SentCall&) -> std::optional<std::string> { return std::nullopt; };
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  REQUIRE(!e.unplug(1, h.now()));  // EVDisconnected, before the CSMS answered the Start
  h.pump();
  CHECK(h.calls_of("StopTransaction").empty());
  h.answer_held(R"({"transactionId":31,"idTagInfo":{"status":"Invalid"}})");
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].json()["transactionId"].GetInt() == 31);
  CHECK(str(stops[0].json()["reason"]) == "EVDisconnected");
  CHECK(e.connector_state(1)->status == ChargePointStatus::Available);
  CHECK(e.queued_transaction_messages() == 0);
}

TEST_CASE("transaction: a StartTransaction.conf that does not decode is a failure, retried",
          "[v16][engine][transaction][durable]") {
  // OCPP-J 1.6 section 4.2.2 / OCPP 1.6 section 3.7.1: an answer the charge point cannot use is
  // a failure to process; pitfall MicroOcpp #363 (connector stuck after an unusual conf).
  test::Harness h(nullptr, 1, {{"TransactionMessageRetryInterval", "10"}});
  int starts = 0;
  h.policy["StartTransaction"] = [&](const test::SentCall&) -> std::optional<std::string> {
    ++starts;
    if (starts == 1) return R"({"idTagInfo":{"status":"Accepted"}})";  // transactionId missing
    return R"({"transactionId":64,"idTagInfo":{"status":"Accepted"}})";
  };
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  CHECK(starts == 1);
  CHECK(!e.connector_state(1)->transaction->transactionId.has_value());
  h.advance(10s);
  CHECK(starts == 2);
  CHECK(e.connector_state(1)->transaction->transactionId == 64);
  CHECK(e.connector_state(1)->status == ChargePointStatus::Charging);
  CHECK(e.queued_transaction_messages() == 0);
}
