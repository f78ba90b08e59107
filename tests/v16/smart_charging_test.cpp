// Smart Charging profile in the engine (OCPP 1.6 sections 3.13, 5.5, 5.7, 5.11, 5.16, 9.4 and
// errata 3.24-3.26, 3.37-3.39, 3.41, 3.42): SetChargingProfile rules, ClearChargingProfile,
// GetCompositeSchedule, RemoteStartTransaction with a TxProfile, persistence and the
// charging_limit hook on the simulated clock.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "support/flaky_store.hpp"
#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::v16::ChargingRateUnitType;

namespace {

using test::error_code;
using test::parse;
using test::start_transaction;

/// The payload of our CALLRESULT (the test fails on a CALLERROR or no answer).
rapidjson::Document result(const std::optional<std::string>& reply) {
  REQUIRE(reply.has_value());
  rapidjson::Document d = parse(*reply);
  REQUIRE(d.IsArray());
  REQUIRE(d[0].GetInt() == 3);
  rapidjson::Document p;
  p.CopyFrom(d[2], p.GetAllocator());
  return p;
}

std::string status(const std::optional<std::string>& reply) { return result(reply)["status"].GetString(); }

struct Call {
  test::Harness& h;
  int n = 0;
  std::optional<std::string> operator()(const std::string& action, const std::string& payload) {
    return h.csms_call("sc-" + std::to_string(++n), action, payload);
  }
};

/// A ChargingProfile JSON: Absolute from `start` unless kind says otherwise.
std::string profile(int id, int stack, const std::string& purpose, const std::string& periods,
                    const std::string& extra_schedule = "", const std::string& extra = "",
                    const std::string& unit = "A") {
  return R"({"chargingProfileId":)" + std::to_string(id) + R"(,"stackLevel":)" + std::to_string(stack) +
         R"(,"chargingProfilePurpose":")" + purpose + "\"" + extra +
         R"(,"chargingSchedule":{"chargingRateUnit":")" + unit + R"(","chargingSchedulePeriod":)" + periods +
         extra_schedule + "}}";
}

std::string absolute(const test::Harness& h, int id, int stack, const std::string& purpose,
                     const std::string& periods, const std::string& extra_schedule = "",
                     const std::string& unit = "A") {
  return profile(id, stack, purpose, periods,
                 R"(,"startSchedule":")" + ocpp::format_datetime(h.now().wall) + "\"" + extra_schedule,
                 R"(,"chargingProfileKind":"Absolute")", unit);
}

std::string set_req(int connector, const std::string& prof) {
  return R"({"connectorId":)" + std::to_string(connector) + R"(,"csChargingProfiles":)" + prof + "}";
}

/// GetCompositeSchedule as "start:limit" strings plus the unit, e.g. {"A", "0:16.0", "600:10.0"}.
std::vector<std::string> composite(Call& call, int connector, int duration, const std::string& unit = "") {
  std::string payload = R"({"connectorId":)" + std::to_string(connector) + R"(,"duration":)" + std::to_string(duration);
  if (!unit.empty()) payload += R"(,"chargingRateUnit":")" + unit + "\"";
  payload += "}";
  auto p = result(call("GetCompositeSchedule", payload));
  std::vector<std::string> out;
  if (std::string(p["status"].GetString()) != "Accepted") return {p["status"].GetString()};
  REQUIRE(p["connectorId"].GetInt() == connector);
  REQUIRE(p.HasMember("scheduleStart"));
  const auto& cs = p["chargingSchedule"];
  REQUIRE(!cs.HasMember("startSchedule"));  // errata 3.57
  REQUIRE(cs["duration"].GetInt() == duration);
  out.push_back(cs["chargingRateUnit"].GetString());
  for (const auto& per : cs["chargingSchedulePeriod"].GetArray()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%d:%.1f", per["startPeriod"].GetInt(), per["limit"].GetDouble());
    out.emplace_back(buf);
  }
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("smart charging: TxDefaultProfile Accepted; GetCompositeSchedule for connector 0 and 1",
          "[smart_charging][v16][pitfall]") {
  // Section 5.16.4 / 5.7; pitfall open-ocpp #133: connector 0 must be answered.
  test::Harness h;
  h.start();
  h.connect();
  Call call{h};
  CHECK(status(call("SetChargingProfile",
                    set_req(0, absolute(h, 1, 0, "TxDefaultProfile", R"([{"startPeriod":0,"limit":16},{"startPeriod":600,"limit":10}])",
                                        R"(,"duration":1200)")))) == "Accepted");
  CHECK(composite(call, 1, 1800) == V{"A", "0:16.0", "600:10.0", "1200:32.0"});
  CHECK(composite(call, 0, 1800) == V{"A", "0:16.0", "600:10.0", "1200:32.0"});
  CHECK(composite(call, 1, 1800, "W") == V{"W", "0:11040.0", "600:6900.0", "1200:22080.0"});
  h.advance(700s);
  CHECK(composite(call, 1, 600) == V{"A", "0:10.0", "500:32.0"});
  CHECK(status(call("GetCompositeSchedule", R"({"connectorId":2,"duration":60})")) == "Rejected");
}

TEST_CASE("smart charging: GetCompositeSchedule duration 0 returns the active profile (libocpp #1169)",
          "[smart_charging][v16][pitfall]") {
  test::Harness h(nullptr, 2);
  h.start();
  h.connect();
  Call call{h};
  REQUIRE(status(call("SetChargingProfile",
                      set_req(0, absolute(h, 1, 0, "ChargePointMaxProfile", R"([{"startPeriod":0,"limit":40},{"startPeriod":100,"limit":7}])")))) ==
          "Accepted");
  h.advance(150s);
  CHECK(composite(call, 0, 0) == V{"A", "0:7.0"});
  CHECK(composite(call, 1, 0) == V{"A", "0:7.0"});
  CHECK(composite(call, 2, 0) == V{"A", "0:7.0"});
}

TEST_CASE("smart charging: ChargePointMaxProfile with a TxProfile on connector 0 and N",
          "[smart_charging][v16]") {
  // Section 3.13.3: per connector the minimum; connector 0 = min(ChargePointMaxProfile, sum).
  test::Harness h(nullptr, 2);
  h.start();
  h.connect();
  Call call{h};
  start_transaction(h, 1);
  REQUIRE(status(call("SetChargingProfile",
                      set_req(0, absolute(h, 1, 0, "ChargePointMaxProfile",
                                          R"([{"startPeriod":0,"limit":40},{"startPeriod":3600,"limit":12}])")))) == "Accepted");
  REQUIRE(status(call("SetChargingProfile",
                      set_req(1, absolute(h, 2, 0, "TxProfile", R"([{"startPeriod":0,"limit":16}])")))) == "Accepted");
  REQUIRE(status(call("SetChargingProfile",
                      set_req(2, absolute(h, 3, 0, "TxDefaultProfile", R"([{"startPeriod":0,"limit":10}])")))) == "Accepted");
  CHECK(composite(call, 1, 7200) == V{"A", "0:16.0", "3600:12.0"});
  CHECK(composite(call, 2, 7200) == V{"A", "0:10.0"});
  CHECK(composite(call, 0, 7200) == V{"A", "0:26.0", "3600:12.0"});
}

TEST_CASE("smart charging: every SetChargingProfile rejection rule", "[smart_charging][v16]") {
  test::Harness h(nullptr, 2);
  auto& e = h.start();
  h.connect();
  Call call{h};
  const std::string one = R"([{"startPeriod":0,"limit":16}])";
  // Section 3.13.1: ChargePointMaxProfile only on connector 0, TxProfile only on connector > 0.
  CHECK(status(call("SetChargingProfile", set_req(1, absolute(h, 1, 0, "ChargePointMaxProfile", one)))) == "Rejected");
  CHECK(status(call("SetChargingProfile", set_req(0, absolute(h, 2, 0, "TxProfile", one)))) == "Rejected");
  // Section 3.13.1 / 5.16.4 note: no TxProfile without a transaction on the connector.
  CHECK(status(call("SetChargingProfile", set_req(1, absolute(h, 3, 0, "TxProfile", one)))) == "Rejected");
  // Section 9.4.1: stackLevel above ChargeProfileMaxStackLevel (10).
  CHECK(status(call("SetChargingProfile", set_req(0, absolute(h, 4, 11, "TxDefaultProfile", one)))) == "Rejected");
  CHECK(status(call("SetChargingProfile", set_req(0, absolute(h, 4, 10, "TxDefaultProfile", one)))) == "Accepted");
  // Errata 3.45: the first startPeriod is 0; section 7.14: increasing.
  CHECK(status(call("SetChargingProfile",
                    set_req(0, absolute(h, 5, 1, "TxDefaultProfile", R"([{"startPeriod":10,"limit":16}])")))) == "Rejected");
  CHECK(status(call("SetChargingProfile",
                    set_req(0, absolute(h, 5, 1, "TxDefaultProfile",
                                        R"([{"startPeriod":0,"limit":16},{"startPeriod":0,"limit":8}])")))) == "Rejected");
  // Errata 3.56: recurrencyKind only with Recurring; Recurring needs it.
  CHECK(status(call("SetChargingProfile",
                    set_req(0, profile(6, 1, "TxDefaultProfile", one,
                                       R"(,"startSchedule":")" + ocpp::format_datetime(h.now().wall) + "\"",
                                       R"(,"chargingProfileKind":"Absolute","recurrencyKind":"Daily")")))) == "Rejected");
  CHECK(status(call("SetChargingProfile",
                    set_req(0, profile(6, 1, "TxDefaultProfile", one,
                                       R"(,"startSchedule":")" + ocpp::format_datetime(h.now().wall) + "\"",
                                       R"(,"chargingProfileKind":"Recurring")")))) == "Rejected");
  // An Absolute profile needs its startSchedule; a Relative ChargePointMaxProfile has no start.
  CHECK(status(call("SetChargingProfile",
                    set_req(0, profile(7, 1, "TxDefaultProfile", one, "", R"(,"chargingProfileKind":"Absolute")")))) ==
        "Rejected");
  CHECK(status(call("SetChargingProfile",
                    set_req(0, profile(7, 1, "ChargePointMaxProfile", one, "", R"(,"chargingProfileKind":"Relative")")))) ==
        "Rejected");
  // Section 7.8: transactionId only on a TxProfile.
  CHECK(status(call("SetChargingProfile",
                    set_req(0, profile(8, 1, "TxDefaultProfile", one, "", R"(,"chargingProfileKind":"Relative","transactionId":5)")))) ==
        "Rejected");
  // Section 9.4.2: unit not in ChargingScheduleAllowedChargingRateUnit.
  REQUIRE(!e.set_configuration("ChargingScheduleAllowedChargingRateUnit", "Current"));
  CHECK(status(call("SetChargingProfile", set_req(0, absolute(h, 9, 2, "TxDefaultProfile", one, "", "W")))) == "Rejected");
  CHECK(status(call("GetCompositeSchedule", R"({"connectorId":0,"duration":60,"chargingRateUnit":"W"})")) == "Rejected");
  REQUIRE(!e.set_configuration("ChargingScheduleAllowedChargingRateUnit", "Current,Power"));
  CHECK(status(call("SetChargingProfile", set_req(0, absolute(h, 9, 2, "TxDefaultProfile", one, "", "W")))) == "Accepted");
  // Section 9.4.3: more periods than ChargingScheduleMaxPeriods.
  REQUIRE(!e.set_configuration("ChargingScheduleMaxPeriods", "2"));
  CHECK(status(call("SetChargingProfile",
                    set_req(0, absolute(h, 10, 3, "TxDefaultProfile",
                                        R"([{"startPeriod":0,"limit":16},{"startPeriod":60,"limit":8},{"startPeriod":120,"limit":6}])")))) ==
        "Rejected");
  CHECK(status(call("SetChargingProfile",
                    set_req(0, absolute(h, 10, 3, "TxDefaultProfile",
                                        R"([{"startPeriod":0,"limit":16},{"startPeriod":60,"limit":8}])")))) == "Accepted");
  // Section 9.4.5: MaxChargingProfilesInstalled (3 installed now: ids 4, 9, 10).
  REQUIRE(!e.set_configuration("MaxChargingProfilesInstalled", "3"));
  CHECK(status(call("SetChargingProfile", set_req(0, absolute(h, 11, 4, "TxDefaultProfile", one)))) == "Rejected");
  // ... but a replacement does not add one (same id).
  CHECK(status(call("SetChargingProfile", set_req(0, absolute(h, 10, 4, "TxDefaultProfile", one)))) == "Accepted");
  // Errata 3.39: an invalid connectorId is a CALLERROR PropertyConstraintViolation.
  CHECK(error_code(call("SetChargingProfile", set_req(3, absolute(h, 12, 0, "TxDefaultProfile", one)))) ==
        "PropertyConstraintViolation");
  CHECK(error_code(call("SetChargingProfile", set_req(-1, absolute(h, 12, 0, "TxDefaultProfile", one)))) ==
        "PropertyConstraintViolation");
}

TEST_CASE("smart charging: TxProfile needs the connector's transaction and its transactionId",
          "[smart_charging][v16]") {
  // Section 3.13.1 and the note of 5.16: the transactionId prevents a mismatch.
  test::Harness h(nullptr, 2);
  auto& e = h.start();
  h.connect();
  Call call{h};
  start_transaction(h, 1);
  const std::string one = R"([{"startPeriod":0,"limit":6}])";
  CHECK(status(call("SetChargingProfile", set_req(2, absolute(h, 1, 0, "TxProfile", one)))) == "Rejected");
  CHECK(status(call("SetChargingProfile",
                    set_req(1, profile(1, 0, "TxProfile", one, "", R"(,"chargingProfileKind":"Relative","transactionId":999)")))) ==
        "Rejected");
  CHECK(status(call("SetChargingProfile",
                    set_req(1, profile(1, 0, "TxProfile", one, "", R"(,"chargingProfileKind":"Relative","transactionId":1001)")))) ==
        "Accepted");
  CHECK(composite(call, 1, 60) == V{"A", "0:6.0"});
  // Section 7.10: it ceases to be valid when the transaction ends.
  REQUIRE(!e.stop_transaction(1, ocpp::v16::Reason::Local, h.now()));
  h.pump();
  CHECK(composite(call, 1, 60) == V{"A", "0:32.0"});
  CHECK(status(call("ClearChargingProfile", R"({"id":1})")) == "Unknown");
}

TEST_CASE("smart charging: same id or same stackLevel+purpose+connector replaces", "[smart_charging][v16]") {
  // Sections 3.13.2, 5.16.3, 5.16.4; 3.13.1 (a connector's TxDefaultProfile does not replace
  // connector 0's, it takes precedence on that connector).
  test::Harness h(nullptr, 2);
  auto& e = h.start();
  h.connect();
  Call call{h};
  REQUIRE(!e.set_configuration("MaxChargingProfilesInstalled", "2"));
  auto set = [&](int connector, int id, int stack, double limit) {
    return status(call("SetChargingProfile",
                       set_req(connector, absolute(h, id, stack, "TxDefaultProfile",
                                                   R"([{"startPeriod":0,"limit":)" + std::to_string(limit) + "}]"))));
  };
  CHECK(set(0, 1, 0, 16) == "Accepted");
  CHECK(set(0, 2, 0, 12) == "Accepted");  // same stackLevel and purpose: replaces id 1
  CHECK(composite(call, 1, 60) == V{"A", "0:12.0"});
  CHECK(set(0, 2, 1, 14) == "Accepted");  // same id: replaces
  CHECK(composite(call, 1, 60) == V{"A", "0:14.0"});
  CHECK(set(2, 3, 1, 20) == "Accepted");  // connector 2 only
  CHECK(composite(call, 1, 60) == V{"A", "0:14.0"});
  CHECK(composite(call, 2, 60) == V{"A", "0:20.0"});
  CHECK(set(0, 4, 5, 8) == "Rejected");  // a third one: over MaxChargingProfilesInstalled
  CHECK(status(call("ClearChargingProfile", R"({"id":1})")) == "Unknown");  // replaced, gone
}

TEST_CASE("smart charging: ClearChargingProfile by id, by criteria (AND), and all", "[smart_charging][v16]") {
  // Section 5.5 and errata 3.25/3.26.
  test::Harness h(nullptr, 2);
  h.start();
  h.connect();
  Call call{h};
  auto set = [&](int connector, int id, int stack, const std::string& purpose) {
    REQUIRE(status(call("SetChargingProfile",
                        set_req(connector, absolute(h, id, stack, purpose, R"([{"startPeriod":0,"limit":10}])")))) ==
            "Accepted");
  };
  set(0, 1, 0, "ChargePointMaxProfile");
  set(0, 2, 0, "TxDefaultProfile");
  set(1, 3, 1, "TxDefaultProfile");
  set(2, 4, 1, "TxDefaultProfile");
  CHECK(status(call("ClearChargingProfile", R"({"id":77})")) == "Unknown");
  CHECK(status(call("ClearChargingProfile", R"({"id":2,"connectorId":1})")) == "Accepted");  // id wins
  CHECK(status(call("ClearChargingProfile", R"({"connectorId":1,"stackLevel":0})")) == "Unknown");
  CHECK(status(call("ClearChargingProfile", R"({"connectorId":1,"chargingProfilePurpose":"TxDefaultProfile","stackLevel":1})")) ==
        "Accepted");
  CHECK(composite(call, 1, 60) == V{"A", "0:10.0"});  // the ChargePointMaxProfile remains
  CHECK(composite(call, 2, 60) == V{"A", "0:10.0"});
  CHECK(status(call("ClearChargingProfile", "{}")) == "Accepted");
  CHECK(composite(call, 1, 60) == V{"A", "0:32.0"});
  CHECK(composite(call, 2, 60) == V{"A", "0:32.0"});
  CHECK(status(call("ClearChargingProfile", "{}")) == "Unknown");
}

TEST_CASE("smart charging: a profile that cannot be erased from storage stays installed",
          "[smart_charging][v16]") {
  // Memory never differs from what a restart would load: a ClearChargingProfile whose erase
  // fails is answered InternalError (OCPP-J 4.2.3) and reported through the log hook.
  auto mem = ocpp::make_memory_store();
  test::FlakyStore store(*mem);
  test::Harness h(&store, 1);
  std::vector<std::string> errors;
  h.hooks.log = [&](int level, const std::string& text) {
    if (level == 0) errors.push_back(text);
  };
  h.start();
  h.connect();
  Call call{h};
  REQUIRE(status(call("SetChargingProfile",
                      set_req(0, absolute(h, 1, 0, "TxDefaultProfile", R"([{"startPeriod":0,"limit":10}])")))) ==
          "Accepted");
  store.fail_prefix = "sc.profile.";
  CHECK(error_code(call("ClearChargingProfile", "{}")) == "InternalError");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("removing the stored charging profile") != std::string::npos);
  CHECK(composite(call, 1, 60) == V{"A", "0:10.0"});  // still applied
  store.fail_prefix.clear();
  CHECK(status(call("ClearChargingProfile", "{}")) == "Accepted");
  CHECK(composite(call, 1, 60) == V{"A", "0:32.0"});
  h.restart();
  h.connect();
  CHECK(composite(call, 1, 60) == V{"A", "0:32.0"});
}

TEST_CASE("smart charging: charging_limit hook at start, on change and at every period boundary",
          "[smart_charging][v16][hooks]") {
  test::Harness h;
  std::vector<std::string> seen;
  h.hooks.charging_limit = [&](int c, double limit, ChargingRateUnitType unit, std::optional<std::int32_t> phases) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "t=%lld c%d %.1f%s%s", static_cast<long long>(h.elapsed()), c, limit,
                  std::string(ocpp::v16::to_string(unit)).c_str(),
                  phases ? ("/" + std::to_string(*phases)).c_str() : "");
    seen.emplace_back(buf);
  };
  h.start();
  h.pump();
  CHECK(seen == V{"t=0 c0 32.0A", "t=0 c1 32.0A"});  // told once at start
  h.connect();
  Call call{h};
  seen.clear();
  h.advance(100s);
  REQUIRE(status(call("SetChargingProfile",
                      set_req(0, absolute(h, 1, 0, "TxDefaultProfile",
                                          R"([{"startPeriod":0,"limit":16},{"startPeriod":600,"limit":10,"numberPhases":1}])",
                                          R"(,"duration":1200)")))) == "Accepted");
  CHECK(seen == V{"t=100 c0 16.0A", "t=100 c1 16.0A"});
  seen.clear();
  h.advance(1800s);
  CHECK(seen == V{"t=700 c0 10.0A/1", "t=700 c1 10.0A/1", "t=1300 c0 32.0A", "t=1300 c1 32.0A"});
  seen.clear();
  // The expired TxDefaultProfile (in A) still decides the unit: a W profile is reported in A.
  REQUIRE(status(call("SetChargingProfile",
                      set_req(0, absolute(h, 2, 0, "ChargePointMaxProfile", R"([{"startPeriod":0,"limit":6900}])", "", "W")))) ==
          "Accepted");
  CHECK(seen == V{"t=1900 c0 10.0A", "t=1900 c1 10.0A"});
  seen.clear();
  // Once every profile is in W, limits are reported in W; Clear reports changes too.
  REQUIRE(status(call("ClearChargingProfile", R"({"id":1})")) == "Accepted");
  CHECK(seen == V{"t=1900 c0 6900.0W", "t=1900 c1 6900.0W"});
  seen.clear();
  REQUIRE(status(call("ClearChargingProfile", R"({"id":2})")) == "Accepted");
  CHECK(seen == V{"t=1900 c0 32.0A", "t=1900 c1 32.0A"});
  seen.clear();
  // A profile in W is reported in W; ClearChargingProfile reports the change too.
  REQUIRE(status(call("SetChargingProfile",
                      set_req(0, absolute(h, 2, 0, "ChargePointMaxProfile", R"([{"startPeriod":0,"limit":6900}])", "", "W")))) ==
          "Accepted");
  CHECK(seen == V{"t=1900 c0 6900.0W", "t=1900 c1 6900.0W"});
  seen.clear();
  REQUIRE(status(call("ClearChargingProfile", R"({"id":2})")) == "Accepted");
  CHECK(seen == V{"t=1900 c0 32.0A", "t=1900 c1 32.0A"});
  seen.clear();
  h.advance(7200s);
  CHECK(seen.empty());  // no profile: nothing changes
}

TEST_CASE("smart charging: recurring daily profile drives the hook across midnight", "[smart_charging][v16][hooks]") {
  test::Harness h;  // simulated wall clock starts 2026-09-21T14:13:20Z
  std::vector<std::string> seen;
  h.hooks.charging_limit = [&](int c, double limit, ChargingRateUnitType, std::optional<std::int32_t>) {
    if (c == 1) seen.push_back(std::to_string(h.elapsed()) + ":" + std::to_string(static_cast<int>(limit)));
  };
  h.start();
  h.connect();
  Call call{h};
  seen.clear();
  // Daily from 22:00 for 8 h: 10 A, 6 A from midnight.
  const std::string prof = profile(1, 0, "TxDefaultProfile", R"([{"startPeriod":0,"limit":10},{"startPeriod":7200,"limit":6}])",
                                   R"(,"startSchedule":"2026-09-01T22:00:00Z","duration":28800)",
                                   R"(,"chargingProfileKind":"Recurring","recurrencyKind":"Daily")");
  REQUIRE(status(call("SetChargingProfile", set_req(0, prof))) == "Accepted");
  CHECK(seen.empty());  // 14:13:20: not in the window, 32 A as before
  h.advance(24h);
  // 22:00 is 7h46m40s = 27999+1 s later; midnight 2 h later; 06:00 6 h after that.
  CHECK(seen == V{"28000:10", "35200:6", "56800:32"});
}

TEST_CASE("smart charging: profiles persist across a restart (SQLite); a cleared one stays gone",
          "[smart_charging][v16][sqlite][restart]") {
  // Errata 3.37: "ChargingProfiles set via SetChargingProfile.req SHALL be persistent across
  // reboots/power cycles."
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get(), 2);
  h.start();
  h.connect();
  Call call{h};
  REQUIRE(status(call("SetChargingProfile",
                      set_req(0, absolute(h, 1, 0, "ChargePointMaxProfile", R"([{"startPeriod":0,"limit":30}])")))) == "Accepted");
  REQUIRE(status(call("SetChargingProfile",
                      set_req(2, absolute(h, 2, 0, "TxDefaultProfile",
                                          R"([{"startPeriod":0,"limit":12},{"startPeriod":3600,"limit":20}])")))) == "Accepted");
  REQUIRE(status(call("SetChargingProfile",
                      set_req(0, absolute(h, 3, 0, "TxDefaultProfile", R"([{"startPeriod":0,"limit":8}])")))) == "Accepted");
  REQUIRE(status(call("SetChargingProfile",  // replaces id 3
                      set_req(0, absolute(h, 4, 0, "TxDefaultProfile", R"([{"startPeriod":0,"limit":9}])")))) == "Accepted");
  h.advance(600s);
  const V c0 = composite(call, 0, 3600);
  const V c2 = composite(call, 2, 3600);
  CHECK(c0 == V{"A", "0:21.0", "3000:29.0"});
  CHECK(c2 == V{"A", "0:12.0", "3000:20.0"});

  store.reset();
  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  h.connect();
  CHECK(composite(call, 0, 3600) == c0);
  CHECK(composite(call, 2, 3600) == c2);
  CHECK(status(call("ClearChargingProfile", R"({"id":3})")) == "Unknown");
  CHECK(status(call("ClearChargingProfile", R"({"id":4})")) == "Accepted");

  store.reset();
  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  h.connect();
  CHECK(composite(call, 1, 60) == V{"A", "0:30.0"});
  CHECK(status(call("ClearChargingProfile", R"({"id":4})")) == "Unknown");
}

TEST_CASE("smart charging: a TxProfile survives a restart with its transaction (SQLite)",
          "[smart_charging][v16][sqlite][restart]") {
  // Section 3.13.6: a TxProfile is used for the duration of the transaction.
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get());
  h.start();
  h.connect();
  Call call{h};
  start_transaction(h, 1);
  REQUIRE(status(call("SetChargingProfile",
                      set_req(1, profile(5, 0, "TxProfile", R"([{"startPeriod":0,"limit":7},{"startPeriod":1000,"limit":9}])", "",
                                         R"(,"chargingProfileKind":"Relative")")))) == "Accepted");
  h.advance(400s);
  CHECK(composite(call, 1, 1000) == V{"A", "0:7.0", "600:9.0"});
  store.reset();
  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  h.connect();
  REQUIRE(h.engine().connector_state(1)->transaction.has_value());
  CHECK(composite(call, 1, 1000) == V{"A", "0:7.0", "600:9.0"});  // still relative to the start
}

TEST_CASE("smart charging: RemoteStartTransaction with a TxProfile applies it to that transaction",
          "[smart_charging][v16][remote]") {
  // Sections 5.11, 5.16.2 and errata 3.41/3.42/3.67.
  test::Harness h(nullptr, 2);
  std::vector<std::string> seen;
  h.hooks.charging_limit = [&](int c, double limit, ChargingRateUnitType, std::optional<std::int32_t>) {
    seen.push_back(std::to_string(c) + ":" + std::to_string(static_cast<int>(limit)));
  };
  auto& e = h.start();
  h.connect();
  Call call{h};
  REQUIRE(status(call("SetChargingProfile",
                      set_req(0, absolute(h, 1, 0, "TxDefaultProfile", R"([{"startPeriod":0,"limit":20}])")))) == "Accepted");
  const std::string tx_profile = profile(9, 2, "TxProfile", R"([{"startPeriod":0,"limit":6}])", "",
                                         R"(,"chargingProfileKind":"Relative")");
  // Not a TxProfile, or with a transactionId: Rejected, and nothing starts.
  CHECK(status(call("RemoteStartTransaction",
                    R"({"connectorId":1,"idTag":"R1","chargingProfile":)" +
                        profile(9, 2, "TxDefaultProfile", R"([{"startPeriod":0,"limit":6}])", "", R"(,"chargingProfileKind":"Relative")") +
                        "}")) == "Rejected");
  CHECK(status(call("RemoteStartTransaction",
                    R"({"connectorId":1,"idTag":"R1","chargingProfile":)" +
                        profile(9, 2, "TxProfile", R"([{"startPeriod":0,"limit":6}])", "",
                                R"(,"chargingProfileKind":"Relative","transactionId":3)") +
                        "}")) == "Rejected");
  // An invalid profile (stackLevel over the maximum): Rejected.
  CHECK(status(call("RemoteStartTransaction",
                    R"({"connectorId":1,"idTag":"R1","chargingProfile":)" +
                        profile(9, 11, "TxProfile", R"([{"startPeriod":0,"limit":6}])", "", R"(,"chargingProfileKind":"Relative")") +
                        "}")) == "Rejected");
  h.pump();
  CHECK(h.calls_of("StartTransaction").empty());

  CHECK(status(call("RemoteStartTransaction", R"({"connectorId":1,"idTag":"R1","chargingProfile":)" + tx_profile + "}")) ==
        "Accepted");
  CHECK(composite(call, 1, 60) == V{"A", "0:20.0"});  // no transaction yet: the default
  seen.clear();
  REQUIRE(!e.plug_in(1, h.now()));
  h.pump();
  REQUIRE(h.calls_of("StartTransaction").size() == 1);
  CHECK(composite(call, 1, 60) == V{"A", "0:6.0"});
  CHECK(composite(call, 2, 60) == V{"A", "0:20.0"});
  CHECK(composite(call, 0, 60) == V{"A", "0:26.0"});
  CHECK(seen == V{"0:26", "1:6"});
  // Errata 3.42: a SetChargingProfile for this transaction with the same stackLevel replaces it.
  CHECK(status(call("SetChargingProfile",
                    set_req(1, profile(10, 2, "TxProfile", R"([{"startPeriod":0,"limit":8}])", "",
                                       R"(,"chargingProfileKind":"Relative","transactionId":1001)")))) == "Accepted");
  CHECK(composite(call, 1, 60) == V{"A", "0:8.0"});
  CHECK(status(call("ClearChargingProfile", R"({"id":9})")) == "Unknown");
  seen.clear();
  REQUIRE(!e.stop_transaction(1, ocpp::v16::Reason::Local, h.now()));
  h.pump();
  CHECK(composite(call, 1, 60) == V{"A", "0:20.0"});
  CHECK(seen == V{"0:40", "1:20"});
  // A later local transaction on connector 1 does not inherit the remote start's profile.
  REQUIRE(!e.unplug(1, h.now()));
  start_transaction(h, 1, "CARD2");
  CHECK(composite(call, 1, 60) == V{"A", "0:20.0"});
}

TEST_CASE("smart charging: the RemoteStart TxProfile is dropped when no transaction follows in time",
          "[smart_charging][v16][remote]") {
  test::Harness h;
  auto& e = h.start();
  h.connect();
  Call call{h};
  const std::string tx_profile = profile(9, 0, "TxProfile", R"([{"startPeriod":0,"limit":6}])", "",
                                         R"(,"chargingProfileKind":"Relative")");
  CHECK(status(call("RemoteStartTransaction", R"({"connectorId":1,"idTag":"R1","chargingProfile":)" + tx_profile + "}")) ==
        "Accepted");
  h.advance(200s);  // ConnectionTimeOut (60 s) + 2 x call timeout passed: no cable came
  start_transaction(h, 1, "CARD9");
  CHECK(e.connector_state(1)->transaction->idTag == "CARD9");
  CHECK(composite(call, 1, 60) == V{"A", "0:32.0"});
}

TEST_CASE("smart charging: schema errors are CALLERRORs; NotSupported without the profile",
          "[smart_charging][v16]") {
  test::Harness h;
  auto& e = h.start();
  h.connect();
  Call call{h};
  // Errata 3.38 / 3.24: an invalid enumeration value is PropertyConstraintViolation.
  CHECK(error_code(call("SetChargingProfile",
                        set_req(0, absolute(h, 1, 0, "TxDefaultProfile", R"([{"startPeriod":0,"limit":16}])", "", "kW")))) ==
        "PropertyConstraintViolation");
  CHECK(error_code(call("GetCompositeSchedule", R"({"connectorId":0,"duration":60,"chargingRateUnit":"kW"})")) ==
        "PropertyConstraintViolation");
  // A limit with two decimals violates the schema's multipleOf 0.1 (section 7.14).
  CHECK(error_code(call("SetChargingProfile",
                        set_req(0, absolute(h, 1, 0, "TxDefaultProfile", R"([{"startPeriod":0,"limit":16.05}])")))) ==
        "PropertyConstraintViolation");
  CHECK_FALSE(error_code(call("SetChargingProfile", R"({"connectorId":0})")).empty());
  CHECK_FALSE(error_code(call("GetCompositeSchedule", R"({"connectorId":0})")).empty());
  // Errata 3.39: a charge point without smart charging answers NotSupported.
  REQUIRE(!e.set_configuration("SupportedFeatureProfiles", "Core,RemoteTrigger"));
  CHECK(error_code(call("SetChargingProfile",
                        set_req(0, absolute(h, 1, 0, "TxDefaultProfile", R"([{"startPeriod":0,"limit":16}])")))) == "NotSupported");
  CHECK(error_code(call("ClearChargingProfile", "{}")) == "NotSupported");
  CHECK(error_code(call("GetCompositeSchedule", R"({"connectorId":0,"duration":60})")) == "NotSupported");
}

TEST_CASE("smart charging: an expired profile is removed and frees its place", "[smart_charging][v16]") {
  // Section 7.8 validTo; MaxChargingProfilesInstalled (9.4.5) counts installed profiles.
  test::Harness h;
  auto& e = h.start();
  h.connect();
  Call call{h};
  REQUIRE(!e.set_configuration("MaxChargingProfilesInstalled", "1"));
  const std::string valid_to = ocpp::format_datetime(h.now().wall + 300s);
  REQUIRE(status(call("SetChargingProfile",
                      set_req(0, profile(1, 0, "TxDefaultProfile", R"([{"startPeriod":0,"limit":16}])", "",
                                         R"(,"chargingProfileKind":"Relative","validTo":")" + valid_to + "\"")))) == "Accepted");
  CHECK(status(call("SetChargingProfile",
                    set_req(0, absolute(h, 2, 1, "TxDefaultProfile", R"([{"startPeriod":0,"limit":8}])")))) == "Rejected");
  CHECK(composite(call, 1, 600) == V{"A", "0:16.0", "300:32.0"});
  h.advance(301s);
  CHECK(status(call("SetChargingProfile",
                    set_req(0, absolute(h, 2, 1, "TxDefaultProfile", R"([{"startPeriod":0,"limit":8}])")))) == "Accepted");
  CHECK(composite(call, 1, 60) == V{"A", "0:8.0"});
}
