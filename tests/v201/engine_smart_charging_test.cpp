// Smart charging of the OCPP 2.0.1 engine (part 2 block K, the "Smart Charging" certification
// profile): SetChargingProfile (K01), remote start with a TxProfile (K05), GetCompositeSchedule
// (K08), GetChargingProfiles (K09), ClearChargingProfile (K10), persistence and the
// charging_limit hook on the simulated clock.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"
#include "v201/smart_charging.hpp"

using namespace ocpp::v201;
using test::v201::Harness;
using namespace std::chrono_literals;

namespace {

using test::v201::at;
using test::v201::start_tx;

struct LimitCall {
  int evse = 0;
  double limit = 0;
  ChargingRateUnitEnumType unit = ChargingRateUnitEnumType::A;
  std::optional<std::int32_t> phases;
};

/// A harness whose charging_limit hook records into `limits`.
struct ScStation {
  explicit ScStation(std::vector<int> evses = {1}) : h(std::move(evses)) {
    h.hooks.charging_limit = [this](int evse, double limit, ChargingRateUnitEnumType unit,
                                    std::optional<std::int32_t> phases) {
      limits.push_back({evse, limit, unit, phases});
    };
  }
  void start() {
    h.start();
    h.connect();
  }
  /// The limit the hook last gave for the EVSE (0: the station).
  double last(int evse) const {
    for (auto it = limits.rbegin(); it != limits.rend(); ++it)
      if (it->evse == evse) return it->limit;
    FAIL("no charging_limit for EVSE " << evse);
    return -1;
  }
  Harness h;
  std::vector<LimitCall> limits;
};

/// A chargingSchedule in `unit` with periods "start:limit,start:limit" and extra members.
std::string schedule(const std::string& periods, const std::string& extra = "",
                     const std::string& unit = "A") {
  std::string out;
  std::size_t pos = 0;
  while (pos < periods.size()) {
    std::size_t comma = periods.find(',', pos);
    if (comma == std::string::npos) comma = periods.size();
    const std::string item = periods.substr(pos, comma - pos);
    const std::size_t colon = item.find(':');
    if (!out.empty()) out += ',';
    out += R"({"startPeriod":)" + item.substr(0, colon) + R"(,"limit":)" + item.substr(colon + 1) +
           "}";
    pos = comma + 1;
  }
  return R"({"id":1,"chargingRateUnit":")" + unit + R"(","chargingSchedulePeriod":[)" + out + "]" +
         extra + "}";
}

std::string profile(int id, int stack, const std::string& purpose, const std::string& kind,
                    const std::string& sched, const std::string& extra = "") {
  return R"({"id":)" + std::to_string(id) + R"(,"stackLevel":)" + std::to_string(stack) +
         R"(,"chargingProfilePurpose":")" + purpose + R"(","chargingProfileKind":")" + kind +
         R"(","chargingSchedule":[)" + sched + "]" + extra + "}";
}

/// An Absolute profile whose schedule starts now.
std::string absolute(const Harness& h, int id, int stack, const std::string& purpose,
                     const std::string& periods, const std::string& extra = "") {
  return profile(id, stack, purpose, "Absolute",
                 schedule(periods, R"(,"startSchedule":")" + at(h, 0s) + "\""), extra);
}

std::optional<std::string> set_charging_profile(Harness& h, int evse, const std::string& p) {
  static int n = 0;
  return h.csms_call("scp-" + std::to_string(++n), "SetChargingProfile",
                     R"({"evseId":)" + std::to_string(evse) + R"(,"chargingProfile":)" + p + "}");
}

/// The reasonCode of a Rejected SetChargingProfileResponse ("" when Accepted).
std::string rejected(const std::optional<std::string>& reply) {
  auto d = test::v201::parse(reply);
  REQUIRE(d[0].GetInt() == 3);
  if (std::string(d[2]["status"].GetString()) == "Accepted") return "";
  REQUIRE(std::string(d[2]["status"].GetString()) == "Rejected");
  return d[2]["statusInfo"]["reasonCode"].GetString();
}

/// GetCompositeSchedule: the periods as "start:limit" pairs, or the Rejected reasonCode.
std::string composite(Harness& h, int evse, int duration, const std::string& unit = "") {
  static int n = 0;
  std::string payload =
      R"({"evseId":)" + std::to_string(evse) + R"(,"duration":)" + std::to_string(duration);
  if (!unit.empty()) payload += R"(,"chargingRateUnit":")" + unit + "\"";
  auto d = test::v201::parse(
      h.csms_call("gcs-" + std::to_string(++n), "GetCompositeSchedule", payload + "}"));
  REQUIRE(d[0].GetInt() == 3);
  if (std::string(d[2]["status"].GetString()) != "Accepted")
    return std::string("Rejected ") + d[2]["statusInfo"]["reasonCode"].GetString();
  const auto& s = d[2]["schedule"];
  CHECK(s["evseId"].GetInt() == evse);
  std::string out = std::string(s["chargingRateUnit"].GetString()) + " ";
  for (const auto& p : s["chargingSchedulePeriod"].GetArray()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%d:%g ", p["startPeriod"].GetInt(), p["limit"].GetDouble());
    out += buf;
  }
  return out;
}

}  // namespace

TEST_CASE("v201 K01.FR.02 K01.FR.14 K08.FR.03: a TxDefaultProfile on EVSE 0 applies to every EVSE",
          "[v201][smart_charging]") {
  ScStation s({1, 1});
  s.start();
  // Without profiles: the local limit (max_current 32 A) per EVSE, their sum for the station.
  CHECK(s.last(1) == 32);
  CHECK(s.last(0) == 64);
  CHECK(rejected(set_charging_profile(s.h, 0, absolute(s.h, 1, 0, "TxDefaultProfile", "0:16")))
            .empty());
  CHECK(s.last(1) == 16);  // K01.FR.07: re-evaluated at once
  CHECK(s.last(2) == 16);
  CHECK(s.last(0) == 32);
  CHECK(composite(s.h, 1, 600) == "A 0:16 ");
  CHECK(composite(s.h, 0, 600) == "A 0:32 ");
  CHECK(composite(s.h, 3, 600) == "Rejected UnknownEvse");  // K08.FR.05
}

TEST_CASE("v201 K01.FR.12 K01.FR.30 K01.FR.11: periods begin at their boundaries on the timer",
          "[v201][smart_charging]") {
  ScStation s;
  s.start();
  // Starts in 100 s; 10 A, then 20 A from 60 s; duration 120 s: the 150 s period never runs.
  const std::string p = profile(
      7, 0, "TxDefaultProfile", "Absolute",
      schedule("0:10,60:20,150:5", R"(,"duration":120,"startSchedule":")" + at(s.h, 100s) + "\""));
  CHECK(rejected(set_charging_profile(s.h, 1, p)).empty());
  CHECK(s.last(1) == 32);
  CHECK(composite(s.h, 1, 300) == "A 0:32 100:10 160:20 220:32 ");
  s.h.advance(99s);
  CHECK(s.last(1) == 32);
  s.h.advance(1s);
  CHECK(s.last(1) == 10);
  s.h.advance(60s);
  CHECK(s.last(1) == 20);
  s.h.advance(60s);
  CHECK(s.last(1) == 32);  // K01.FR.12: the duration has elapsed
}

TEST_CASE("v201 K01.FR.17 K08.FR.04: the higher stackLevel prevails; the minimum of the purposes",
          "[v201][smart_charging]") {
  ScStation s({1, 1});
  s.start();
  CHECK(rejected(set_charging_profile(s.h, 1, absolute(s.h, 1, 0, "TxDefaultProfile", "0:20")))
            .empty());
  CHECK(
      rejected(set_charging_profile(s.h, 1, absolute(s.h, 2, 1, "TxDefaultProfile", "0:25,60:12")))
          .empty());
  CHECK(composite(s.h, 1, 120) == "A 0:25 60:12 ");
  CHECK(rejected(
            set_charging_profile(s.h, 0, absolute(s.h, 3, 0, "ChargingStationMaxProfile", "0:18")))
            .empty());
  // The station maximum bounds each EVSE and their sum (32 A on EVSE 2 without profiles).
  CHECK(composite(s.h, 1, 120) == "A 0:18 60:12 ");
  CHECK(composite(s.h, 0, 120) == "A 0:18 ");
  CHECK(s.last(1) == 18);
  CHECK(s.last(0) == 18);
  // In W (K01.FR.50): 12 A * 230 V * 3 phases.
  CHECK(composite(s.h, 1, 120, "W") == "W 0:12420 60:8280 ");
}

TEST_CASE("v201 K01.FR.13: a Recurring Daily profile with a shorter duration falls back",
          "[v201][smart_charging]") {
  ScStation s;
  s.start();
  // Every day from now: 6 A for one hour, then the default (no limit: 32 A).
  const std::string p =
      profile(4, 0, "TxDefaultProfile", "Recurring",
              schedule("0:6", R"(,"duration":3600,"startSchedule":")" + at(s.h, 0s) + "\""),
              R"(,"recurrencyKind":"Daily")");
  CHECK(rejected(set_charging_profile(s.h, 1, p)).empty());
  CHECK(s.last(1) == 6);
  s.h.advance(3600s);
  CHECK(s.last(1) == 32);
  s.h.advance(82800s);  // the next day
  CHECK(s.last(1) == 6);
  CHECK(composite(s.h, 1, 7200) == "A 0:6 3600:32 ");
}

TEST_CASE("v201 K01 hostile and invalid profiles are Rejected with the spec's reasonCode",
          "[v201][smart_charging]") {
  ScStation s;
  s.start();
  const std::string now = R"(,"startSchedule":")" + at(s.h, 0s) + "\"";
  auto abs = [&](int stack, const std::string& purpose, const std::string& periods) {
    return absolute(s.h, 9, stack, purpose, periods);
  };
  CHECK(rejected(set_charging_profile(s.h, 2, abs(0, "TxDefaultProfile", "0:10"))) ==
        "UnknownEvse");
  CHECK(rejected(
            set_charging_profile(s.h, 0, abs(0, "ChargingStationExternalConstraints", "0:10"))) ==
        "InvalidProfile");  // K01.FR.22
  CHECK(rejected(set_charging_profile(s.h, 1, abs(0, "ChargingStationMaxProfile", "0:10"))) ==
        "InvalidProfile");
  CHECK(rejected(set_charging_profile(s.h, 0, abs(11, "TxDefaultProfile", "0:10"))) ==
        "InvalidStackLevel");  // above ProfileStackLevel 10
  std::string many = "0:1";
  for (int i = 1; i <= 24; ++i) many += "," + std::to_string(i * 60) + ":1";
  CHECK(rejected(set_charging_profile(s.h, 0, abs(0, "TxDefaultProfile", many))) ==
        "TooManyElements");
  CHECK(rejected(set_charging_profile(s.h, 0, abs(0, "TxDefaultProfile", "5:10"))) ==
        "InvalidSchedule");  // K01.FR.31
  CHECK(rejected(set_charging_profile(s.h, 0, abs(0, "TxDefaultProfile", "0:10,60:5,60:7"))) ==
        "InvalidSchedule");  // K01.FR.35
  CHECK(rejected(set_charging_profile(s.h, 0,
                                      profile(9, 0, "TxDefaultProfile", "Absolute",
                                              schedule("0:10")))) ==
        "InvalidSchedule");  // K01.FR.40
  CHECK(rejected(set_charging_profile(
            s.h, 0, profile(9, 0, "TxDefaultProfile", "Relative", schedule("0:10", now)))) ==
        "InvalidSchedule");  // K01.FR.41
  CHECK(rejected(set_charging_profile(s.h, 0,
                                      profile(9, 0, "ChargingStationMaxProfile", "Relative",
                                              schedule("0:10")))) ==
        "InvalidSchedule");  // K01.FR.38
  CHECK(rejected(
            set_charging_profile(s.h, 0,
                                 profile(9, 0, "TxDefaultProfile", "Absolute",
                                         schedule("0:10", now) + "," + schedule("0:10", now)))) ==
        "InvalidSchedule");  // K01.FR.34
  CHECK(rejected(set_charging_profile(s.h, 1, abs(0, "TxProfile", "0:10"))) ==
        "TxNotFound");  // K01.FR.09
  CHECK(rejected(set_charging_profile(s.h, 0, abs(0, "TxProfile", "0:10"))) ==
        "InvalidProfile");  // FR.16
  // A schema violation is a CALLERROR (part 4): an unknown enum; a negative stackLevel the
  // schema lets through is Rejected.
  CHECK(test::v201::error_code(set_charging_profile(s.h, 0, abs(0, "Bogus", "0:10"))) != "");
  CHECK(rejected(set_charging_profile(s.h, 0, abs(-1, "TxDefaultProfile", "0:10"))) ==
        "InvalidStackLevel");
  CHECK(composite(s.h, 1, 60) == "A 0:32 ");  // nothing was installed
}

TEST_CASE("v201 K01.FR.05 K01.FR.06 K01.FR.52 K01.FR.53: replacing by id; DuplicateProfile",
          "[v201][smart_charging]") {
  ScStation s({1, 1});
  s.start();
  CHECK(rejected(set_charging_profile(s.h, 1, absolute(s.h, 1, 2, "TxDefaultProfile", "0:10")))
            .empty());
  CHECK(rejected(set_charging_profile(s.h, 1, absolute(s.h, 1, 2, "TxDefaultProfile", "0:11")))
            .empty());
  CHECK(s.last(1) == 11);  // K01.FR.05: replaced
  // K01.FR.06: the same stackLevel, purpose and EVSE with an overlapping validity.
  CHECK(rejected(set_charging_profile(s.h, 1, absolute(s.h, 2, 2, "TxDefaultProfile", "0:12"))) ==
        "DuplicateProfile");
  // ... but not when the validity periods do not overlap.
  CHECK(rejected(set_charging_profile(s.h, 1,
                                      absolute(s.h, 1, 2, "TxDefaultProfile", "0:11",
                                               R"(,"validTo":")" + at(s.h, 3600s) + "\"")))
            .empty());
  CHECK(rejected(set_charging_profile(s.h, 1,
                                      absolute(s.h, 2, 2, "TxDefaultProfile", "0:12",
                                               R"(,"validFrom":")" + at(s.h, 3600s) + "\"")))
            .empty());
  // K01.FR.52: EVSE 0 with a stackLevel installed on an EVSE; K01.FR.53: the other way round.
  CHECK(rejected(set_charging_profile(s.h, 0, absolute(s.h, 3, 2, "TxDefaultProfile", "0:12"))) ==
        "DuplicateProfile");
  CHECK(rejected(set_charging_profile(s.h, 0, absolute(s.h, 4, 3, "TxDefaultProfile", "0:12")))
            .empty());
  CHECK(rejected(set_charging_profile(s.h, 2, absolute(s.h, 5, 3, "TxDefaultProfile", "0:12"))) ==
        "DuplicateProfile");
  // The EVSE's profile at stackLevel 2 prevails over EVSE 0's at 3 for one hour, then its
  // successor takes over (K01.FR.37, K01.FR.36).
  CHECK(s.last(2) == 12);
  CHECK(s.last(1) == 12);
}

TEST_CASE("v201 K01.FR.04 K01.FR.33 K01.FR.39: a TxProfile for the transaction; gone at its end",
          "[v201][smart_charging]") {
  ScStation s;
  s.start();
  const std::string tx = start_tx(s.h, 1);
  const std::string ok = R"(,"transactionId":")" + tx + "\"";
  CHECK(rejected(set_charging_profile(
            s.h, 1, absolute(s.h, 1, 0, "TxProfile", "0:8", R"(,"transactionId":"other")"))) ==
        "TxNotFound");
  CHECK(rejected(set_charging_profile(s.h, 1, absolute(s.h, 1, 0, "TxProfile", "0:8"))) ==
        "InvalidProfile");  // K01.FR.03: no transactionId
  CHECK(rejected(set_charging_profile(s.h, 1, absolute(s.h, 2, 0, "TxDefaultProfile", "0:20")))
            .empty());
  CHECK(
      rejected(set_charging_profile(s.h, 1, absolute(s.h, 1, 0, "TxProfile", "0:8", ok))).empty());
  CHECK(s.last(1) == 8);  // the TxProfile overrules the TxDefaultProfile
  CHECK(rejected(set_charging_profile(s.h, 1, absolute(s.h, 3, 0, "TxProfile", "0:9", ok))) ==
        "DuplicateProfile");  // K01.FR.39
  REQUIRE(s.h.engine().plug_out(1, s.h.now()) == std::error_code{});
  s.h.pump();
  REQUIRE_FALSE(s.h.engine().transaction_id(1));
  CHECK(s.last(1) == 20);  // the TxProfile went with its transaction
  s.h.restart();
  s.h.connect();
  CHECK(composite(s.h, 1, 60) == "A 0:20 ");
}

TEST_CASE("v201 K01.FR.27: profiles persist across a restart; a cleared one stays gone",
          "[v201][smart_charging]") {
  ScStation s;
  s.start();
  CHECK(rejected(set_charging_profile(s.h, 1, absolute(s.h, 1, 0, "TxDefaultProfile", "0:14")))
            .empty());
  CHECK(rejected(
            set_charging_profile(s.h, 0, absolute(s.h, 2, 0, "ChargingStationMaxProfile", "0:30")))
            .empty());
  const std::string tx = start_tx(s.h, 1);
  CHECK(rejected(set_charging_profile(
                     s.h, 1,
                     absolute(s.h, 3, 1, "TxProfile", "0:6", R"(,"transactionId":")" + tx + "\"")))
            .empty());
  CHECK(test::v201::result_status(s.h.csms_call("clr", "ClearChargingProfile",
                                                R"({"chargingProfileId":2})")) == "Accepted");
  s.limits.clear();
  s.h.restart();  // power cut: the transaction ends (PowerLoss) and its TxProfile with it
  s.h.pump();
  CHECK(s.last(1) == 14);  // the hook is told the limits after create()
  s.h.connect();
  CHECK(composite(s.h, 1, 60) == "A 0:14 ");
  CHECK(composite(s.h, 0, 60) == "A 0:14 ");
}

TEST_CASE("v201 K10.FR.01 K10.FR.03 K10.FR.04 K10.FR.07: ClearChargingProfile",
          "[v201][smart_charging]") {
  ScStation s({1, 1});
  s.start();
  CHECK(rejected(set_charging_profile(s.h, 1, absolute(s.h, 1, 0, "TxDefaultProfile", "0:10")))
            .empty());
  CHECK(rejected(set_charging_profile(s.h, 2, absolute(s.h, 2, 1, "TxDefaultProfile", "0:11")))
            .empty());
  CHECK(rejected(
            set_charging_profile(s.h, 0, absolute(s.h, 3, 0, "ChargingStationMaxProfile", "0:40")))
            .empty());
  auto clear = [&](const std::string& payload) {
    static int n = 0;
    return test::v201::result_status(
        s.h.csms_call("ccp-" + std::to_string(++n), "ClearChargingProfile", payload));
  };
  CHECK(clear(R"({"chargingProfileId":99})") == "Unknown");  // K10.FR.01
  // K10.FR.04: the criteria match as a logical AND.
  CHECK(clear(R"({"chargingProfileCriteria":{"evseId":2,"stackLevel":0}})") == "Unknown");
  CHECK(clear(R"({"chargingProfileCriteria":{"evseId":2,"stackLevel":1}})") == "Accepted");
  CHECK(s.last(2) == 32);  // K10.FR.05, K10.FR.07: as if started without a TxDefaultProfile
  CHECK(s.last(1) == 10);
  CHECK(clear(R"({"chargingProfileId":1})") == "Accepted");  // K10.FR.03
  CHECK(s.last(1) == 32);
  CHECK(clear(R"({"chargingProfileCriteria":{"chargingProfilePurpose":"TxDefaultProfile"}})") ==
        "Unknown");
  CHECK(
      clear(
          R"({"chargingProfileCriteria":{"chargingProfilePurpose":"ChargingStationMaxProfile"}})") ==
      "Accepted");
  CHECK(composite(s.h, 0, 60) == "A 0:64 ");
}

TEST_CASE("v201 K09.FR.01 K09.FR.02 K09.FR.04 K09.FR.05 K09.FR.06: GetChargingProfiles reports",
          "[v201][smart_charging]") {
  ScStation s({1, 1});
  s.start();
  CHECK(rejected(
            set_charging_profile(s.h, 0, absolute(s.h, 1, 0, "ChargingStationMaxProfile", "0:40")))
            .empty());
  CHECK(rejected(set_charging_profile(s.h, 1, absolute(s.h, 2, 0, "TxDefaultProfile", "0:10")))
            .empty());
  CHECK(rejected(set_charging_profile(s.h, 2, absolute(s.h, 3, 0, "TxDefaultProfile", "0:10")))
            .empty());
  auto get = [&](const std::string& payload) {
    static int n = 0;
    s.h.calls.clear();
    return test::v201::result_status(
        s.h.csms_call("gcp-" + std::to_string(++n), "GetChargingProfiles", payload));
  };
  // K09.FR.06: no evseId, all that match; one report per EVSE, tbc on all but the last.
  CHECK(get(R"({"requestId":5,"chargingProfile":{"chargingLimitSource":["CSO"]}})") == "Accepted");
  auto reports = s.h.calls_of("ReportChargingProfiles");
  REQUIRE(reports.size() == 3);
  for (std::size_t i = 0; i < reports.size(); ++i) {
    rapidjson::Document d;
    d.Parse(reports[i].payload.c_str());
    CHECK(d["requestId"].GetInt() == 5);  // K09.FR.01
    CHECK(d["evseId"].GetInt() == static_cast<int>(i));
    const bool tbc = d.HasMember("tbc") && d["tbc"].GetBool();
    CHECK(tbc == (i + 1 < reports.size()));  // K09.FR.02
    CHECK(d["chargingProfile"].Size() == 1);
  }
  // K09.FR.05: evseId 0 is the station's own profiles only.
  CHECK(get(R"({"requestId":6,"evseId":0,"chargingProfile":{}})") == "Accepted");
  reports = s.h.calls_of("ReportChargingProfiles");
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].payload.find("ChargingStationMaxProfile") != std::string::npos);
  // K09.FR.04: the EVSE's, matching every field.
  CHECK(get(R"({"requestId":7,"evseId":2,"chargingProfile":{"chargingProfileId":[3,1]}})") ==
        "Accepted");
  reports = s.h.calls_of("ReportChargingProfiles");
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].payload.find(R"("id":3)") != std::string::npos);
  CHECK(get(R"({"requestId":8,"chargingProfile":{"stackLevel":4}})") == "NoProfiles");
  CHECK(s.h.calls_of("ReportChargingProfiles").empty());
}

TEST_CASE("v201 K08.FR.06 K01.FR.42: a Relative TxDefaultProfile runs from the transaction start",
          "[v201][smart_charging]") {
  ScStation s;
  s.start();
  CHECK(
      rejected(set_charging_profile(
                   s.h, 1, profile(1, 0, "TxDefaultProfile", "Relative", schedule("0:10,600:16"))))
          .empty());
  // K08.FR.06: without a transaction, as if one started now.
  CHECK(composite(s.h, 1, 900) == "A 0:10 600:16 ");
  s.h.advance(300s);
  start_tx(s.h, 1);
  CHECK(s.last(1) == 10);
  s.h.advance(599s);
  CHECK(s.last(1) == 10);
  s.h.advance(1s);
  CHECK(s.last(1) == 16);
}

TEST_CASE("v201 K05.FR.03 K05.FR.05 F01.FR.26: RequestStartTransaction with a chargingProfile",
          "[v201][smart_charging]") {
  ScStation s;
  s.start();
  const std::string token = R"("idToken":{"idToken":"R","type":"Central"})";
  // F01.FR.11, K05.FR.05: with a transactionId it is invalid.
  auto d = test::v201::parse(
      s.h.csms_call("rst-1", "RequestStartTransaction",
                    R"({"evseId":1,"remoteStartId":1,)" + token + R"(,"chargingProfile":)" +
                        absolute(s.h, 5, 0, "TxProfile", "0:7", R"(,"transactionId":"x")") + "}"));
  CHECK(std::string(d[2]["status"].GetString()) == "Rejected");
  CHECK(std::string(d[2]["statusInfo"]["reasonCode"].GetString()) == "InvalidProfile");
  d = test::v201::parse(s.h.csms_call("rst-2", "RequestStartTransaction",
                                      R"({"evseId":1,"remoteStartId":2,)" + token +
                                          R"(,"chargingProfile":)" +
                                          absolute(s.h, 5, 0, "TxProfile", "5:7") + "}"));
  CHECK(std::string(d[2]["statusInfo"]["reasonCode"].GetString()) == "InvalidSchedule");
  CHECK_FALSE(s.h.engine().transaction_id(1));
  d = test::v201::parse(s.h.csms_call("rst-3", "RequestStartTransaction",
                                      R"({"evseId":1,"remoteStartId":3,)" + token +
                                          R"(,"chargingProfile":)" +
                                          absolute(s.h, 5, 0, "TxProfile", "0:7") + "}"));
  CHECK(std::string(d[2]["status"].GetString()) == "Accepted");
  CHECK(s.last(1) == 32);  // not before its transaction
  REQUIRE(s.h.engine().plug_in(1, 1, s.h.now()) == std::error_code{});  // PowerPathClosed
  s.h.pump();
  REQUIRE(s.h.engine().transaction_id(1));
  CHECK(s.last(1) == 7);  // K05.FR.03
  CHECK(composite(s.h, 1, 60) == "A 0:7 ");
}

TEST_CASE("v201 K01.FR.29: with SmartChargingCtrlr.Enabled false, NotSupported",
          "[v201][smart_charging]") {
  ScStation s;
  s.start();
  set_variable(s.h, "SmartChargingCtrlr", "Enabled", "false");
  CHECK(test::v201::error_code(set_charging_profile(
            s.h, 1, absolute(s.h, 1, 0, "TxDefaultProfile", "0:10"))) == "NotSupported");
  CHECK(test::v201::error_code(s.h.csms_call("gcs-off", "GetCompositeSchedule",
                                             R"({"evseId":1,"duration":60})")) == "NotSupported");
}

TEST_CASE("v201 K01 SmartChargingCtrlr.Entries bounds the installed profiles; K01.FR.37 validTo",
          "[v201][smart_charging]") {
  ScStation s;
  s.h.options.max_charging_profiles = 2;
  s.start();
  const std::string until = R"(,"validTo":")" + at(s.h, 60s) + "\"";
  CHECK(
      rejected(set_charging_profile(s.h, 1, absolute(s.h, 1, 0, "TxDefaultProfile", "0:10", until)))
          .empty());
  CHECK(rejected(set_charging_profile(s.h, 1, absolute(s.h, 2, 1, "TxDefaultProfile", "0:12")))
            .empty());
  CHECK(rejected(set_charging_profile(s.h, 1, absolute(s.h, 3, 2, "TxDefaultProfile", "0:13"))) ==
        "TooManyElements");
  CHECK(rejected(set_charging_profile(s.h, 1, absolute(s.h, 2, 1, "TxDefaultProfile", "0:9")))
            .empty());
  CHECK(s.last(1) == 9);
  s.h.advance(60s);  // profile 1 expires and frees its place
  CHECK(rejected(set_charging_profile(s.h, 1, absolute(s.h, 3, 2, "TxDefaultProfile", "0:13")))
            .empty());
}

TEST_CASE("v201 K01.FR.26: check_profile refuses a chargingRateUnit not in RateUnit",
          "[v201][smart_charging]") {
  ChargingProfileType p;
  p.id = 1;
  p.chargingProfilePurpose = ChargingProfilePurposeEnumType::TxDefaultProfile;
  p.chargingProfileKind = ChargingProfileKindEnumType::Relative;
  ChargingScheduleType cs;
  cs.chargingRateUnit = ChargingRateUnitEnumType::W;
  cs.chargingSchedulePeriod.push_back({});
  p.chargingSchedule.push_back(cs);
  ProfileLimits l;
  CHECK_FALSE(check_profile(p, l));
  l.allow_w = false;
  REQUIRE(check_profile(p, l));
  CHECK(check_profile(p, l)->reasonCode == "UnsupportedRateUnit");
  p.chargingSchedule[0].chargingSchedulePeriod[0].phaseToUse = 1;  // K01.FR.48
  l.allow_w = true;
  REQUIRE(check_profile(p, l));
  CHECK(check_profile(p, l)->reasonCode == "InvalidSchedule");
}
