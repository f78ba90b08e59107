// Part 6 test cases of smart charging (OCPP 2.0.1 part 2 block K): GetCompositeSchedule of an
// unknown EVSE (TC_K_47), a TxDefaultProfile cleared (TC_K_09) or set (TC_K_28) during a
// transaction, and a profile whose validFrom lies in the future (TC_K_21). Each test follows
// the steps of its test case with <Configured chargingRateUnit> A, <Configured evseId> 1 and a
// <Configured max time deviation> of 10 s, checking the station's answers field by field.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::energy_transfer_started;
using test::v201::field;
using test::v201::Harness;
using test::v201::parse;
using test::v201::result_status;
using test::v201::set_variable;
using namespace std::chrono_literals;

namespace {

using test::v201::at;

constexpr int kDeviation = 10;  // <Configured max time deviation>, s

/// The payload of our answer to the CSMS's CALL (the test fails unless it is a CALLRESULT).
std::string result_payload(const std::optional<std::string>& reply) {
  auto d = parse(reply);
  REQUIRE(d[0].GetInt() == 3);
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  d[2].Accept(w);
  return sb.GetString();
}

/// GetCompositeScheduleRequest for the EVSE, duration, chargingRateUnit A; our answer's payload.
std::string get_composite(Harness& h, int evse, int duration) {
  static int n = 0;
  return result_payload(h.csms_call("gcs-" + std::to_string(++n), "GetCompositeSchedule",
                                    R"({"evseId":)" + std::to_string(evse) + R"(,"duration":)" +
                                        std::to_string(duration) + R"(,"chargingRateUnit":"A"})"));
}

/// SetChargingProfileRequest; the status of our answer.
std::string set_charging_profile_status(Harness& h, int evse, const std::string& profile) {
  static int n = 0;
  return result_status(h.csms_call(
      "scp-" + std::to_string(++n), "SetChargingProfile",
      R"({"evseId":)" + std::to_string(evse) + R"(,"chargingProfile":)" + profile + "}"));
}

/// Checks a GetCompositeScheduleResponse Accepted for EVSE 1, in A, with that duration.
void check_schedule_head(const std::string& p, int duration) {
  CHECK(field(p, "status") == "Accepted");
  CHECK(field(p, "schedule.evseId") == "1");
  CHECK(field(p, "schedule.duration") == std::to_string(duration));
  CHECK(field(p, "schedule.chargingRateUnit") == "A");
  CHECK(field(p, "schedule.scheduleStart") != "<absent>");
  CHECK(field(p, "schedule.chargingSchedulePeriod.0.startPeriod") == "0");
}

double limit_of(const std::string& p, int period) {
  const auto v = field(p, "schedule.chargingSchedulePeriod." + std::to_string(period) + ".limit");
  REQUIRE(v != "<absent>");
  return std::stod(v);
}

}  // namespace

TEST_CASE("v201 K08.FR.05 TC_K_47: GetCompositeSchedule of an unknown EVSE is Rejected",
          "[v201][smart_charging][conformance]") {
  Harness h({1, 1});
  h.start();
  h.connect();
  // 1. GetCompositeScheduleRequest evseId <Configured number of EVSEs> + 1, duration 300,
  // chargingRateUnit A.
  const auto p = get_composite(h, 3, 300);
  // 2. GetCompositeScheduleResponse status Rejected, schedule omitted.
  CHECK(field(p, "status") == "Rejected");
  CHECK(field(p, "schedule") == "<absent>");
  CHECK(field(p, "statusInfo.reasonCode") == "UnknownEvse");
}

TEST_CASE("v201 K10.FR.07 TC_K_09: ClearChargingProfile of a TxDefaultProfile during a transaction",
          "[v201][smart_charging][conformance]") {
  Harness h;
  std::vector<double> limits;  // what the charging_limit hook told EVSE 1
  h.hooks.charging_limit = [&](int evse, double limit, ChargingRateUnitEnumType,
                               std::optional<std::int32_t>) {
    if (evse == 1) limits.push_back(limit);
  };
  h.start();
  h.connect();
  set_variable(h, "SmartChargingCtrlr", "LimitChangeSignificance", "1.0");
  // Memory State: a TxDefaultProfile on EVSE 1: Absolute, stackLevel 0, valid from now - the
  // deviation to now + the deviation + 401 s, starting now, 400 s + the deviation of 6 A.
  CHECK(set_charging_profile_status(
            h, 1,
            R"({"id":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile",)"
            R"("chargingProfileKind":"Absolute","validFrom":")" +
                at(h, -std::chrono::seconds(kDeviation)) + R"(","validTo":")" +
                at(h, std::chrono::seconds(kDeviation + 401)) +
                R"(","chargingSchedule":[{"id":1,"startSchedule":")" + at(h, 0s) +
                R"(","duration":)" + std::to_string(400 + kDeviation) +
                R"(,"chargingRateUnit":"A","chargingSchedulePeriod":[)"
                R"({"startPeriod":0,"limit":6,"numberPhases":3}]}]})") == "Accepted");
  // Charging State: EnergyTransferStarted.
  energy_transfer_started(h, 1, "TAG1");
  REQUIRE(!limits.empty());
  CHECK(limits.back() == 6);
  h.advance(5s);
  // 1. GetCompositeScheduleRequest evseId 1; 2. Accepted, startPeriod 0, limit 6.
  auto p = get_composite(h, 1, 300);
  check_schedule_head(p, 300);
  CHECK(limit_of(p, 0) == 6);
  // 3. ClearChargingProfileRequest chargingProfileCriteria.chargingProfilePurpose
  // TxDefaultProfile; 4. ClearChargingProfileResponse status Accepted.
  CHECK(result_status(h.csms_call(
            "k09", "ClearChargingProfile",
            R"({"chargingProfileCriteria":{"chargingProfilePurpose":"TxDefaultProfile"}})")) ==
        "Accepted");
  // K10.FR.07: the transaction goes on as if started without a TxDefaultProfile.
  CHECK(h.engine().transaction_id(1));
  CHECK(limits.back() == 32);  // the local limit (EngineOptions::max_current)
  // 6. GetCompositeScheduleRequest evseId 1, duration 300, A; 5. Accepted, limit not 6.
  p = get_composite(h, 1, 300);
  check_schedule_head(p, 300);
  CHECK(limit_of(p, 0) != 6);
  CHECK(limit_of(p, 0) == 32);
}

TEST_CASE("v201 K01.FR.32 TC_K_28: a TxDefaultProfile set during a transaction applies to it",
          "[v201][smart_charging][conformance]") {
  Harness h;
  std::vector<double> limits;
  h.hooks.charging_limit = [&](int evse, double limit, ChargingRateUnitEnumType,
                               std::optional<std::int32_t>) {
    if (evse == 1) limits.push_back(limit);
  };
  h.start();
  h.connect();
  set_variable(h, "SmartChargingCtrlr", "LimitChangeSignificance", "1.0");
  // Reusable State: EnergyTransferStarted (without profiles: the local limit).
  energy_transfer_started(h, 1, "TAG1");
  const auto tx = *h.engine().transaction_id(1);
  REQUIRE(!limits.empty());
  CHECK(limits.back() == 32);
  // 1. SetChargingProfileRequest: TxDefaultProfile, Absolute, duration 300, evseId 1, valid
  // from now - the deviation to now + the deviation + 300 s, startSchedule now - the
  // deviation, one period: startPeriod 0, limit 6, numberPhases 3.
  // 2. SetChargingProfileResponse status Accepted.
  CHECK(set_charging_profile_status(
            h, 1,
            R"({"id":28,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile",)"
            R"("chargingProfileKind":"Absolute","validFrom":")" +
                at(h, -std::chrono::seconds(kDeviation)) + R"(","validTo":")" +
                at(h, std::chrono::seconds(kDeviation + 300)) +
                R"(","chargingSchedule":[{"id":1,"startSchedule":")" +
                at(h, -std::chrono::seconds(kDeviation)) +
                R"(","duration":300,"chargingRateUnit":"A","chargingSchedulePeriod":[)"
                R"({"startPeriod":0,"limit":6,"numberPhases":3}]}]})") == "Accepted");
  // K01.FR.32: the transaction goes on with the new TxDefaultProfile.
  CHECK(h.engine().transaction_id(1) == tx);
  CHECK(limits.back() == 6);
  // 3. GetCompositeScheduleRequest evseId 1, duration 300, A; 4. Accepted, startPeriod 0,
  // limit 6.
  const auto p = get_composite(h, 1, 300);
  check_schedule_head(p, 300);
  CHECK(limit_of(p, 0) == 6);
}

TEST_CASE("v201 K01.FR.36 TC_K_21: a profile valid from the future is not active before it",
          "[v201][smart_charging][conformance]") {
  Harness h;
  h.start();
  h.connect();
  // 1. SetChargingProfileRequest: TxDefaultProfile, Relative, evseId 1, validFrom now + 300 s,
  // no validTo, no startSchedule, one period: startPeriod 0, limit 6, numberPhases 3.
  // 2. SetChargingProfileResponse status Accepted.
  CHECK(set_charging_profile_status(
            h, 1,
            R"({"id":21,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile",)"
            R"("chargingProfileKind":"Relative","validFrom":")" +
                at(h, 300s) +
                R"(","chargingSchedule":[{"id":1,"chargingRateUnit":"A",)"
                R"("chargingSchedulePeriod":[{"startPeriod":0,"limit":6,)"
                R"("numberPhases":3}]}]})") == "Accepted");
  // x: the time between the SetChargingProfileRequest and the GetCompositeScheduleRequest.
  constexpr int x = 20;
  h.advance(std::chrono::seconds(x));
  // 3. GetCompositeScheduleRequest evseId 1, duration 400, A; 4. Accepted, duration 400,
  // period 0 from 0 (the local limit: the profile is not valid yet), period 1 from 300 - x
  // with limit 6.
  const auto p = get_composite(h, 1, 400);
  check_schedule_head(p, 400);
  CHECK(limit_of(p, 0) == 32);
  CHECK(field(p, "schedule.chargingSchedulePeriod.1.startPeriod") == std::to_string(300 - x));
  CHECK(limit_of(p, 1) == 6);
  CHECK(field(p, "schedule.chargingSchedulePeriod.2") == "<absent>");
}
