// Metering rules of Core: clock-aligned meter values (OCPP 1.6 section 3.16.2, 9.1.5, 9.1.15),
// StopTransaction.transactionData (3.16.1, 3.16.5, errata 3.16.6, 9.1.25 to 9.1.28),
// MinimumStatusDuration (4.9, 9.1.20) and the firmware's meter hook (4.7).
// The harness's wall clock starts at 2026-09-21T14:13:20Z.
#include <catch2/catch.hpp>

#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::v16::Location;
using ocpp::v16::Measurand;
using ocpp::v16::Phase;
using ocpp::v16::ReadingContext;
using ocpp::v16::SampledValue;
using ocpp::v16::UnitOfMeasure;

namespace {

using test::start_transaction;
using test::str;

SampledValue value(std::string v, Measurand m, UnitOfMeasure u) {
  SampledValue sv;
  sv.value = std::move(v);
  sv.measurand = m;
  sv.unit = u;
  return sv;
}

std::size_t stored_meter_entries(ocpp::Store& s) {
  std::vector<std::pair<std::string, std::string>> out;
  REQUIRE(!s.kv_load("meter.tx.", out));
  return out.size();
}

}  // namespace

// ---------------------------------------------------------------- clock-aligned

TEST_CASE("3.16.2: clock-aligned MeterValues exactly at the boundaries counted from midnight UTC",
          "[v16][metering]") {
  test::Harness h(nullptr, 1, {{"ClockAlignedDataInterval", "900"}});
  h.start();
  h.connect();
  // 14:13:20 → 14:15:00 (+100 s), 14:30:00 (+1000 s), 14:45:00 (+1900 s).
  h.advance(99s);
  CHECK(h.calls_of("MeterValues").empty());
  h.advance(2000s);
  auto mv = h.calls_of("MeterValues");
  REQUIRE(mv.size() == 3);
  CHECK(h.seconds(mv[0].at) == 100);
  CHECK(h.seconds(mv[1].at) == 1000);
  CHECK(h.seconds(mv[2].at) == 1900);
  auto d0 = mv[0].json();
  CHECK(str(d0["meterValue"][0]["timestamp"]) == "2026-09-21T14:15:00.000Z");
  CHECK(str(mv[1].json()["meterValue"][0]["timestamp"]) == "2026-09-21T14:30:00.000Z");
  CHECK(d0["connectorId"].GetInt() == 1);  // connector 0 only with a hook that reports it
  CHECK(!d0.HasMember("transactionId"));   // no transaction: volatile
  const auto& sv = d0["meterValue"][0]["sampledValue"][0];
  CHECK(str(sv["context"]) == "Sample.Clock");
  CHECK(str(sv["measurand"]) == "Energy.Active.Import.Register");
  CHECK(h.engine().queued_transaction_messages() == 0);
}

TEST_CASE("3.16.2: an interval that does not divide the day restarts at midnight",
          "[v16][metering]") {
  test::Harness h(nullptr, 1, {{"ClockAlignedDataInterval", "7000"}});
  h.start();
  h.connect();
  // 14:13:20 = 51200 s into the day. Boundaries 56000 (+4800), 63000, 70000, 77000, 84000,
  // then midnight 86400 (+35200), then 7000 s into the next day (+42200).
  h.advance(42200s);
  auto mv = h.calls_of("MeterValues");
  REQUIRE(mv.size() == 7);
  const std::int64_t expected[] = {4800, 11800, 18800, 25800, 32800, 35200, 42200};
  for (std::size_t i = 0; i < 7; ++i) CHECK(h.seconds(mv[i].at) == expected[i]);
  CHECK(str(mv[5].json()["meterValue"][0]["timestamp"]) == "2026-09-22T00:00:00.000Z");
  CHECK(str(mv[6].json()["meterValue"][0]["timestamp"]) == "2026-09-22T01:56:40.000Z");
}

TEST_CASE(
    "9.1.5: ClockAlignedDataInterval set by ChangeConfiguration starts and stops the clock-aligned "
    "values",
    "[v16][metering]") {
  test::Harness h;
  h.start();
  h.connect();
  h.advance(200s);
  CHECK(h.calls_of("MeterValues").empty());  // default 0: none
  auto r = h.csms_call("C1", "ChangeConfiguration",
                       R"({"key":"ClockAlignedDataInterval","value":"60"})");
  REQUIRE(r);
  CHECK(r->find("Accepted") != std::string::npos);
  // Now 14:16:40 → 14:17:00 (+20 s), 14:18:00.
  h.advance(80s);
  auto mv = h.calls_of("MeterValues");
  REQUIRE(mv.size() == 2);
  CHECK(str(mv[0].json()["meterValue"][0]["timestamp"]) == "2026-09-21T14:17:00.000Z");
  CHECK(str(mv[1].json()["meterValue"][0]["timestamp"]) == "2026-09-21T14:18:00.000Z");
  h.csms_call("C2", "ChangeConfiguration", R"({"key":"ClockAlignedDataInterval","value":"0"})");
  h.advance(300s);
  CHECK(h.calls_of("MeterValues").size() == 2);
}

TEST_CASE(
    "3.16.2 / errata 3.16: during a transaction the clock-aligned values carry its transactionId "
    "and are durable",
    "[v16][metering]") {
  test::Harness h(nullptr, 2, {{"ClockAlignedDataInterval", "900"}});
  h.policy["MeterValues"] = [](const test::SentCall&) -> std::optional<std::string> {
    return std::nullopt;
  };
  h.start();
  h.connect();
  start_transaction(h, 2);
  REQUIRE(!h.engine().set_meter_energy(2, 777, h.now()));
  h.advance(100s);
  auto mv = h.calls_of("MeterValues");
  REQUIRE(mv.size() == 1);  // the first one is held unanswered by the CSMS
  // The durable one for connector 2 is the one in flight or queued.
  CHECK(h.engine().queued_transaction_messages() == 1);
  h.answer_held("{}");
  h.answer_held("{}");
  mv = h.calls_of("MeterValues");
  REQUIRE(mv.size() == 2);
  std::map<int, rapidjson::Document> by;
  for (auto& c : mv) {
    auto d = c.json();
    by[d["connectorId"].GetInt()] = std::move(d);
  }
  CHECK(!by[1].HasMember("transactionId"));
  REQUIRE(by[2].HasMember("transactionId"));
  CHECK(by[2]["transactionId"].GetInt() == 1001);
  CHECK(str(by[2]["meterValue"][0]["sampledValue"][0]["value"]) == "777");
  CHECK(h.engine().queued_transaction_messages() == 0);
}

TEST_CASE(
    "3.16.3 / 4.7: measurands, phases, units and locations from the meter hook reach the "
    "MeterValues; connector 0 when reported",
    "[v16][metering]") {
  test::Harness h(
      nullptr, 1,
      {{"ClockAlignedDataInterval", "900"},
       {"MeterValuesAlignedData", "Energy.Active.Import.Register,Current.Import,Voltage"}});
  std::vector<std::pair<int, ReadingContext>> asked;
  h.hooks.sample_meter = [&](int cid, ReadingContext ctx) {
    asked.emplace_back(cid, ctx);
    std::vector<SampledValue> v;
    if (cid == 0) {
      v.push_back(value("99000", Measurand::Energy_Active_Import_Register, UnitOfMeasure::Wh));
      v.back().location = Location::Inlet;
      return v;
    }
    for (auto [p, a] : {std::pair{Phase::L1, "16.1"}, {Phase::L2, "16.2"}, {Phase::L3, "16.3"}}) {
      v.push_back(value(a, Measurand::Current_Import, UnitOfMeasure::A));
      v.back().phase = p;
      v.back().location = Location::Outlet;
    }
    v.push_back(value("12.5", Measurand::Energy_Active_Import_Register, UnitOfMeasure::kWh));
    v.push_back(value("231", Measurand::Voltage, UnitOfMeasure::V));
    v.back().phase = Phase::L1_N;
    v.push_back(value("55", Measurand::Temperature, UnitOfMeasure::Celsius));  // not configured
    return v;
  };
  h.start();
  h.connect();
  h.advance(100s);
  CHECK(asked == std::vector<std::pair<int, ReadingContext>>{{0, ReadingContext::Sample_Clock},
                                                             {1, ReadingContext::Sample_Clock}});
  auto mv = h.calls_of("MeterValues");
  REQUIRE(mv.size() == 2);
  auto d0 = mv[0].json();
  CHECK(d0["connectorId"].GetInt() == 0);
  CHECK(str(d0["meterValue"][0]["sampledValue"][0]["location"]) == "Inlet");
  auto d1 = mv[1].json();
  CHECK(d1["connectorId"].GetInt() == 1);
  const auto& sv = d1["meterValue"][0]["sampledValue"];
  REQUIRE(sv.Size() == 5);
  CHECK(str(sv[0]["measurand"]) == "Current.Import");
  CHECK(str(sv[0]["phase"]) == "L1");
  CHECK(str(sv[2]["phase"]) == "L3");
  CHECK(str(sv[2]["value"]) == "16.3");
  CHECK(str(sv[0]["unit"]) == "A");
  CHECK(str(sv[0]["location"]) == "Outlet");
  CHECK(str(sv[3]["unit"]) == "kWh");
  CHECK(str(sv[4]["phase"]) == "L1-N");
  CHECK(str(sv[4]["measurand"]) == "Voltage");
  for (const auto& x : sv.GetArray()) CHECK(str(x["context"]) == "Sample.Clock");
}

TEST_CASE(
    "4.7: schema-invalid values from the meter hook are refused with a log, the valid ones still "
    "go",
    "[v16][metering]") {
  test::Harness h(nullptr, 1,
                  {{"MeterValueSampleInterval", "10"}, {"ClockAlignedDataInterval", "900"}});
  std::vector<std::string> logs;
  h.hooks.log = [&](int level, const std::string& m) {
    if (level == 0) logs.push_back(m);
  };
  bool all_bad = false;
  h.hooks.sample_meter = [&](int cid, ReadingContext) {
    std::vector<SampledValue> v;
    if (cid == 0) return v;
    v.push_back(value("1", static_cast<Measurand>(999), UnitOfMeasure::Wh));
    if (!all_bad)
      v.push_back(value("5000", Measurand::Energy_Active_Import_Register, UnitOfMeasure::Wh));
    v.push_back(
        value("2", Measurand::Energy_Active_Import_Register, static_cast<UnitOfMeasure>(-3)));
    return v;
  };
  h.start();
  h.connect();
  start_transaction(h, 1);
  h.advance(10s);
  auto mv = h.calls_of("MeterValues");
  REQUIRE(mv.size() == 1);
  const auto d = mv[0].json();
  REQUIRE(d["meterValue"][0]["sampledValue"].Size() == 1);
  CHECK(str(d["meterValue"][0]["sampledValue"][0]["value"]) == "5000");
  CHECK(logs.size() == 2);
  for (const auto& l : logs) CHECK(l.find("invalid") != std::string::npos);
  all_bad = true;
  h.advance(90s);  // periodic at +20..+100 and the aligned tick at +100 (14:15:00)
  CHECK(h.calls_of("MeterValues").size() == 1);
  CHECK(logs.size() == 2 + 10 * 2);
}

// ---------------------------------------------------------------- transactionData

TEST_CASE(
    "3.16.1 / errata 3.16.6: StopTransaction.transactionData holds Begin, the StopTxnSampledData "
    "samples and End",
    "[v16][metering]") {
  test::Harness h(nullptr, 1,
                  {{"MeterValueSampleInterval", "60"},
                   {"MeterValuesSampledData", "Energy.Active.Import.Register"},
                   {"StopTxnSampledData", "Energy.Active.Import.Register,Power.Active.Import"}});
  int n = 0;
  std::vector<ReadingContext> contexts;
  h.hooks.sample_meter = [&](int, ReadingContext ctx) {
    contexts.push_back(ctx);
    ++n;
    return std::vector<SampledValue>{
        value(std::to_string(1000 + n), Measurand::Energy_Active_Import_Register,
              UnitOfMeasure::Wh),
        value("7000", Measurand::Power_Active_Import, UnitOfMeasure::W),
        value("230", Measurand::Voltage, UnitOfMeasure::V)};
  };
  h.start();
  h.connect();
  REQUIRE(!h.engine().set_meter_energy(1, 1000, h.now()));
  start_transaction(h, 1);
  h.advance(150s);  // samples at +60, +120
  REQUIRE(!h.engine().set_meter_energy(1, 1500, h.now()));
  REQUIRE(!h.engine().stop_transaction(1, ocpp::v16::Reason::Local, h.now()));
  h.pump();
  CHECK(contexts == std::vector<ReadingContext>{ReadingContext::Transaction_Begin,
                                                ReadingContext::Sample_Periodic,
                                                ReadingContext::Sample_Periodic});
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 1);
  auto d = stops[0].json();
  REQUIRE(d.HasMember("transactionData"));
  const auto& td = d["transactionData"];
  REQUIRE(td.Size() == 4);
  // Begin: the hook's values of the configured measurands (Voltage is not).
  REQUIRE(td[0]["sampledValue"].Size() == 2);
  CHECK(str(td[0]["sampledValue"][0]["context"]) == "Transaction.Begin");
  CHECK(str(td[0]["sampledValue"][0]["value"]) == "1001");
  CHECK(str(td[1]["sampledValue"][0]["context"]) == "Sample.Periodic");
  CHECK(str(td[1]["sampledValue"][0]["value"]) == "1002");
  REQUIRE(td[1]["sampledValue"].Size() == 2);
  CHECK(str(td[1]["sampledValue"][1]["measurand"]) == "Power.Active.Import");
  CHECK(str(td[2]["sampledValue"][0]["value"]) == "1003");
  CHECK(str(td[1]["timestamp"]) == "2026-09-21T14:14:20.000Z");
  REQUIRE(td[3]["sampledValue"].Size() == 1);
  CHECK(str(td[3]["sampledValue"][0]["context"]) == "Transaction.End");
  CHECK(str(td[3]["sampledValue"][0]["value"]) == "1500");
  // The standalone MeterValues followed MeterValuesSampledData, not StopTxnSampledData.
  auto mv = h.calls_of("MeterValues");
  REQUIRE(mv.size() == 2);
  CHECK(mv[0].json()["meterValue"][0]["sampledValue"].Size() == 1);
}

TEST_CASE(
    "3.16.5: with StopTxnSampledData and StopTxnAlignedData empty there is no transactionData",
    "[v16][metering]") {
  test::Harness h(nullptr, 1,
                  {{"MeterValueSampleInterval", "60"}, {"ClockAlignedDataInterval", "60"}});
  h.start();
  h.connect();
  start_transaction(h, 1);
  h.advance(200s);
  REQUIRE(!h.engine().stop_transaction(1, ocpp::v16::Reason::Local, h.now()));
  h.pump();
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 1);
  CHECK(!stops[0].json().HasMember("transactionData"));
}

TEST_CASE(
    "9.1.25: StopTxnAlignedData puts the clock-aligned samples into transactionData (default "
    "Begin/End from the register)",
    "[v16][metering]") {
  test::Harness h(nullptr, 1,
                  {{"ClockAlignedDataInterval", "900"},
                   {"StopTxnAlignedData", "Energy.Active.Import.Register"}});
  h.start();
  h.connect();
  REQUIRE(!h.engine().set_meter_energy(1, 100, h.now()));
  start_transaction(h, 1);
  REQUIRE(!h.engine().set_meter_energy(1, 200, h.now()));
  h.advance(1000s);  // ticks at 14:15 and 14:30
  REQUIRE(!h.engine().set_meter_energy(1, 300, h.now()));
  REQUIRE(!h.engine().stop_transaction(1, ocpp::v16::Reason::Local, h.now()));
  h.pump();
  auto d = h.calls_of("StopTransaction").at(0).json();
  const auto& td = d["transactionData"];
  REQUIRE(td.Size() == 4);
  CHECK(str(td[0]["sampledValue"][0]["value"]) == "100");
  CHECK(str(td[0]["sampledValue"][0]["context"]) == "Transaction.Begin");
  CHECK(str(td[0]["timestamp"]) == "2026-09-21T14:13:20.000Z");
  CHECK(str(td[1]["timestamp"]) == "2026-09-21T14:15:00.000Z");
  CHECK(str(td[1]["sampledValue"][0]["context"]) == "Sample.Clock");
  CHECK(str(td[2]["timestamp"]) == "2026-09-21T14:30:00.000Z");
  CHECK(str(td[2]["sampledValue"][0]["value"]) == "200");
  CHECK(str(td[3]["sampledValue"][0]["value"]) == "300");
  CHECK(str(td[3]["sampledValue"][0]["context"]) == "Transaction.End");
}

TEST_CASE(
    "pitfall MicroOcpp #240: transactionData is bounded: Begin and End kept, then the newest 48 "
    "samples",
    "[v16][metering]") {
  test::Harness h(nullptr, 1,
                  {{"MeterValueSampleInterval", "10"},
                   {"StopTxnSampledData", "Energy.Active.Import.Register"}});
  h.start();
  h.connect();
  start_transaction(h, 1);
  for (int i = 1; i <= 100; ++i) {
    REQUIRE(!h.engine().set_meter_energy(1, i, h.now()));
    h.advance(10s);  // sample i reads i Wh
  }
  // What is stored stays bounded too (no Begin stored: no hook).
  // (The store is the harness's memory store; the SQLite test below checks the disk.)
  REQUIRE(!h.engine().set_meter_energy(1, 500, h.now()));
  REQUIRE(!h.engine().stop_transaction(1, ocpp::v16::Reason::Local, h.now()));
  h.pump();
  auto d = h.calls_of("StopTransaction").at(0).json();
  const auto& td = d["transactionData"];
  REQUIRE(td.Size() == 1 + 48 + 1);
  CHECK(str(td[0]["sampledValue"][0]["context"]) == "Transaction.Begin");
  CHECK(str(td[0]["sampledValue"][0]["value"]) == "0");
  CHECK(str(td[1]["sampledValue"][0]["value"]) == "53");
  CHECK(str(td[48]["sampledValue"][0]["value"]) == "100");
  CHECK(str(td[49]["sampledValue"][0]["value"]) == "500");
  CHECK(str(td[49]["sampledValue"][0]["context"]) == "Transaction.End");
  CHECK(h.calls_of("StopTransaction").at(0).payload.size() < 16 * 1024);
}

TEST_CASE(
    "pitfall MicroOcpp #240: samples that are too large are bounded by bytes and values per entry",
    "[v16][metering]") {
  test::Harness h(nullptr, 1,
                  {{"MeterValueSampleInterval", "10"}, {"StopTxnSampledData", "Voltage"}});
  std::vector<std::string> logs;
  h.hooks.log = [&](int, const std::string& m) { logs.push_back(m); };
  h.hooks.sample_meter = [&](int, ReadingContext) {
    std::vector<SampledValue> v;
    for (int i = 0; i < 100; ++i)
      v.push_back(value(std::string(50, '1'), Measurand::Voltage, UnitOfMeasure::V));
    return v;
  };
  h.start();
  h.connect();
  start_transaction(h, 1);
  h.advance(600s);
  REQUIRE(!h.engine().stop_transaction(1, ocpp::v16::Reason::Local, h.now()));
  h.pump();
  const auto stop = h.calls_of("StopTransaction").at(0);
  auto d = stop.json();
  const auto& td = d["transactionData"];
  REQUIRE(td.Size() >= 2);
  std::size_t values = 0;
  for (const auto& mv : td.GetArray()) {
    CHECK(mv["sampledValue"].Size() <= 60);
    values += mv["sampledValue"].Size();
  }
  CHECK(values > 60);
  CHECK(stop.payload.size() < 40 * 1024);
  // 59 samples of 100 values: the log says so, but not 59 times per kind.
  std::size_t bound_logs = 0;
  for (const auto& l : logs) bound_logs += l.find("at its bound") != std::string::npos;
  CHECK(bound_logs == 1);
  std::size_t truncation_logs = 0;
  for (const auto& l : logs) truncation_logs += l.find("more than 60 values") != std::string::npos;
  CHECK(truncation_logs == 1);
}

TEST_CASE(
    "transactionData survives a restart mid-transaction (SQLite) and is erased once the "
    "transaction ends",
    "[v16][metering]") {
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get(), 1,
                  {{"MeterValueSampleInterval", "60"},
                   {"StopTxnSampledData", "Energy.Active.Import.Register,SoC"}});
  int soc = 20;
  h.hooks.sample_meter = [&](int, ReadingContext) {
    return std::vector<SampledValue>{
        value("1", Measurand::Energy_Active_Import_Register, UnitOfMeasure::Wh),
        value(std::to_string(soc++), Measurand::SoC, UnitOfMeasure::Percent)};
  };
  h.start();
  h.connect();
  start_transaction(h, 1);
  h.advance(130s);  // Begin (SoC 20), samples at +60 (21), +120 (22)
  CHECK(stored_meter_entries(*store) == 3);
  // Power cut: the engine comes back on the same file opened again.
  store.reset();
  auto reopened = test::open_sqlite(dir.file("cp.db"));
  h.restart(reopened.get());
  h.connect();
  h.advance(60s);  // one more sample (23)
  REQUIRE(!h.engine().stop_transaction(1, ocpp::v16::Reason::Local, h.now()));
  h.pump();
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 1);
  auto d = stops[0].json();
  const auto& td = d["transactionData"];
  REQUIRE(td.Size() == 5);
  CHECK(str(td[0]["sampledValue"][1]["value"]) == "20");
  CHECK(str(td[0]["sampledValue"][1]["context"]) == "Transaction.Begin");
  CHECK(str(td[1]["sampledValue"][1]["value"]) == "21");
  CHECK(str(td[2]["sampledValue"][1]["value"]) == "22");
  CHECK(str(td[3]["sampledValue"][1]["value"]) == "23");
  CHECK(str(td[4]["sampledValue"][0]["context"]) == "Transaction.End");
  CHECK(stored_meter_entries(*reopened) == 0);
}

TEST_CASE("stored transactionData of a transaction that already ended is erased at start-up",
          "[v16][metering]") {
  auto store = ocpp::make_memory_store();
  REQUIRE(!store->kv_set("meter.tx.77.s0000000001",
                         R"({"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{"value":"1"}]})"));
  REQUIRE(!store->kv_set("meter.tx.garbage", "x"));
  test::Harness h(store.get());
  h.start();
  CHECK(stored_meter_entries(*store) == 0);
}

// ---------------------------------------------------------------- MinimumStatusDuration

TEST_CASE(
    "9.1.20: a status must last MinimumStatusDuration before it is reported; a change that reverts "
    "is not",
    "[v16][metering]") {
  test::Harness h(nullptr, 1, {{"MinimumStatusDuration", "10"}});
  h.start();
  h.connect();
  auto sn = h.calls_of("StatusNotification");
  REQUIRE(sn.size() == 2);  // the first report after boot is not held back
  // Plugged for 5 s only: Preparing is never reported, nor the return to Available.
  REQUIRE(!h.engine().plug_in(1, h.now()));
  h.advance(5s);
  REQUIRE(!h.engine().unplug(1, h.now()));
  h.advance(30s);
  CHECK(h.calls_of("StatusNotification").size() == 2);
  // Plugged for good: Preparing is reported 10 s later, timestamped when it began.
  const auto plugged_at = h.now().wall;
  REQUIRE(!h.engine().plug_in(1, h.now()));
  h.advance(9s);
  CHECK(h.calls_of("StatusNotification").size() == 2);
  h.advance(1s);
  sn = h.calls_of("StatusNotification");
  REQUIRE(sn.size() == 3);
  CHECK(str(sn[2].json()["status"]) == "Preparing");
  CHECK(str(sn[2].json()["timestamp"]) == ocpp::format_datetime(plugged_at));
  // A second change restarts the window: Faulted 4 s, then fault cleared → Preparing again.
  REQUIRE(!h.engine().report_fault(1, ocpp::v16::ChargePointErrorCode::GroundFailure, "", h.now()));
  h.advance(4s);
  REQUIRE(!h.engine().clear_fault(1, h.now()));
  h.advance(20s);
  CHECK(h.calls_of("StatusNotification").size() == 3);
}

TEST_CASE("9.1.20: with MinimumStatusDuration 0 every change is reported at once",
          "[v16][metering]") {
  test::Harness h;
  h.start();
  h.connect();
  REQUIRE(!h.engine().plug_in(1, h.now()));
  h.pump();
  REQUIRE(!h.engine().unplug(1, h.now()));
  h.pump();
  auto sn = h.calls_of("StatusNotification");
  REQUIRE(sn.size() == 4);
  CHECK(str(sn[2].json()["status"]) == "Preparing");
  CHECK(str(sn[3].json()["status"]) == "Available");
}

TEST_CASE("9.1.20: the final state of several quick changes is reported once the window ends",
          "[v16][metering]") {
  test::Harness h(nullptr, 1, {{"MinimumStatusDuration", "10"}});
  h.start();
  h.connect();
  REQUIRE(!h.engine().plug_in(1, h.now()));
  h.advance(2s);
  REQUIRE(!h.engine().present_id_tag("CARD1", 1, h.now()));  // Preparing → Charging
  h.advance(2s);
  CHECK(h.calls_of("StatusNotification").size() == 2);
  CHECK(h.calls_of("StartTransaction").size() == 1);  // transactions are never delayed
  h.advance(10s);
  auto sn = h.calls_of("StatusNotification");
  REQUIRE(sn.size() == 3);
  CHECK(str(sn[2].json()["status"]) == "Charging");
  // A disconnect mid-window: the reconnect reports the present state at once.
  REQUIRE(!h.engine().suspend(1, true, h.now()));
  h.advance(3s);
  h.disconnect();
  h.advance(20s);
  h.connect();
  sn = h.calls_of("StatusNotification");
  REQUIRE(sn.size() == 5);
  CHECK(str(sn[4].json()["status"]) == "SuspendedEV");
}
