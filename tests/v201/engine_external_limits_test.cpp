// External charging limits of the OCPP 2.0.1 engine (part 2 K11, K12, K13): the firmware sets
// and releases a limit of an external system; NotifyChargingLimitRequest,
// ClearedChargingLimitRequest, TransactionEventRequest ChargingRateChanged, the
// ChargingStationExternalConstraints profile in GetChargingProfiles and the composite, and the
// offline rules, on the simulated clock.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::Harness;
using test::v201::set_variable;
using namespace std::chrono_literals;

namespace {

using test::v201::start_tx;

/// A harness whose charging_limit hook records the last limit per EVSE.
struct LimitsStation {
  explicit LimitsStation(std::vector<int> evses = {1}) : h(std::move(evses)) {
    h.hooks.charging_limit = [this](int evse, double limit, ChargingRateUnitEnumType,
                                    std::optional<std::int32_t>) { limits[evse] = limit; };
  }
  void start() {
    h.start();
    h.connect();
  }
  Engine& e() { return h.engine(); }
  Harness h;
  std::map<int, double> limits;
};

/// A schedule in A with periods {startPeriod, limit}.
ChargingScheduleType amps(std::vector<std::pair<int, double>> periods) {
  ChargingScheduleType s;
  s.id = 7;
  s.chargingRateUnit = ChargingRateUnitEnumType::A;
  for (const auto& [start, limit] : periods) {
    ChargingSchedulePeriodType p;
    p.startPeriod = start;
    p.limit = limit;
    s.chargingSchedulePeriod.push_back(p);
  }
  return s;
}

rapidjson::Document payload(const test::v201::SentCall& c) {
  rapidjson::Document d;
  d.Parse(c.payload.c_str());
  REQUIRE(d.IsObject());
  return d;
}

std::string field(const test::v201::SentCall& c, const std::string& path) {
  return test::v201::field(payload(c), path);
}

/// The actions of the CALLs sent since the harness's call list was cleared, in order, except
/// the heartbeat.
std::vector<std::string> actions(const Harness& h) {
  std::vector<std::string> out;
  for (const auto& c : h.calls)
    if (c.action != "Heartbeat") out.push_back(c.action);
  return out;
}

/// GetChargingProfiles with a payload; the ReportChargingProfilesRequests it led to.
std::vector<test::v201::SentCall> get_profiles(Harness& h, const std::string& request,
                                               std::string& status) {
  static int n = 0;
  h.calls.clear();
  status = test::v201::result_status(
      h.csms_call("gcp-x-" + std::to_string(++n), "GetChargingProfiles", request));
  return h.calls_of("ReportChargingProfiles");
}

std::error_code set_limit(LimitsStation& s, int evse, ChargingLimitSourceEnumType source,
                          ChargingScheduleType schedule,
                          std::optional<bool> critical = std::nullopt) {
  auto ec = s.e().set_external_limit(evse, source, schedule, s.h.now(), critical);
  s.h.pump();
  return ec;
}

std::error_code release(LimitsStation& s, int evse, ChargingLimitSourceEnumType source) {
  auto ec = s.e().release_external_limit(evse, source, s.h.now());
  s.h.pump();
  return ec;
}

constexpr auto EMS = ChargingLimitSourceEnumType::EMS;
constexpr auto SO = ChargingLimitSourceEnumType::SO;

}  // namespace

TEST_CASE(
    "v201 K12.FR.01 K12.FR.02 K12.FR.04 K12.FR.05 TC_K_52: an external limit on the grid "
    "connection, reported as ChargingStationExternalConstraints",
    "[v201][external_limits]") {
  LimitsStation s({1, 1});
  s.start();
  CHECK(s.limits[0] == 64);  // without profiles: 2 x max_current
  s.h.calls.clear();
  REQUIRE(set_limit(s, 0, EMS, amps({{0, 20}}), true) == std::error_code{});
  // K12.FR.01: the station and every EVSE are bounded by it at once.
  CHECK(s.limits[0] == 20);
  CHECK(s.limits[1] == 20);
  CHECK(s.limits[2] == 20);
  // K12.FR.02: told; K12.FR.04: never CSO; evseId left out for the grid connection;
  // NotifyChargingLimitWithSchedules is false by default: no schedule (K12.FR.03).
  REQUIRE(actions(s.h) == std::vector<std::string>{"NotifyChargingLimit"});
  const auto n = s.h.calls_of("NotifyChargingLimit").front();
  CHECK(field(n, "chargingLimit.chargingLimitSource") == "EMS");
  CHECK(field(n, "chargingLimit.isGridCritical") == "true");
  CHECK(field(n, "evseId") == "<absent>");
  CHECK(field(n, "chargingSchedule") == "<absent>");
  // No transaction: no TransactionEventRequest.
  CHECK(s.h.calls_of("TransactionEvent").empty());

  // TC_K_52_CS: GetChargingProfiles by purpose ChargingStationExternalConstraints.
  std::string status;
  auto reports = get_profiles(
      s.h,
      R"({"requestId":52,"chargingProfile":{"chargingProfilePurpose":"ChargingStationExternalConstraints"}})",
      status);
  CHECK(status == "Accepted");
  REQUIRE(reports.size() == 1);
  CHECK(field(reports[0], "requestId") == "52");
  CHECK(field(reports[0], "evseId") == "0");
  CHECK(field(reports[0], "chargingLimitSource") == "EMS");
  CHECK(field(reports[0], "chargingProfile.0.chargingProfilePurpose") ==
        "ChargingStationExternalConstraints");
  CHECK(std::stoi(field(reports[0], "chargingProfile.0.id")) < 0);  // K12.FR.05 note
  CHECK(field(reports[0], "chargingProfile.0.chargingSchedule.0.chargingSchedulePeriod.0.limit") ==
        "20.0");
  // Only CSO asked: none.
  reports = get_profiles(
      s.h, R"({"requestId":53,"chargingProfile":{"chargingLimitSource":["CSO"]}})", status);
  CHECK(status == "NoProfiles");
  CHECK(reports.empty());

  // The composite of the grid connection and of an EVSE include it.
  auto d = test::v201::parse(
      s.h.csms_call("gcs-x", "GetCompositeSchedule", R"({"evseId":0,"duration":60})"));
  CHECK(test::v201::field(d[2], "schedule.chargingSchedulePeriod.0.limit") == "20.0");
  d = test::v201::parse(
      s.h.csms_call("gcs-y", "GetCompositeSchedule", R"({"evseId":2,"duration":60})"));
  CHECK(test::v201::field(d[2], "schedule.chargingSchedulePeriod.0.limit") == "20.0");
}

TEST_CASE("v201 K11.FR.03 K12.FR.03: NotifyChargingLimitWithSchedules true carries the schedule",
          "[v201][external_limits]") {
  LimitsStation s({1, 1});
  s.start();
  set_variable(s.h, "SmartChargingCtrlr", "NotifyChargingLimitWithSchedules", "true");
  s.h.calls.clear();
  REQUIRE(set_limit(s, 2, SO, amps({{0, 16}, {600, 8}})) == std::error_code{});
  const auto n = s.h.calls_of("NotifyChargingLimit");
  REQUIRE(n.size() == 1);
  CHECK(field(n[0], "evseId") == "2");
  CHECK(field(n[0], "chargingLimit.chargingLimitSource") == "SO");
  CHECK(field(n[0], "chargingLimit.isGridCritical") == "<absent>");
  CHECK(field(n[0], "chargingSchedule.0.chargingRateUnit") == "A");
  CHECK(field(n[0], "chargingSchedule.0.chargingSchedulePeriod.1.startPeriod") == "600");
  CHECK(field(n[0], "chargingSchedule.0.chargingSchedulePeriod.1.limit") == "8.0");
  // startSchedule: now, as the limit was received.
  CHECK(field(n[0], "chargingSchedule.0.startSchedule") == ocpp::format_datetime(s.h.now().wall));
  CHECK(s.limits[2] == 16);
  CHECK(s.limits[1] == 32);  // another EVSE is not bounded by it
  s.h.advance(600s);
  CHECK(s.limits[2] == 8);  // the next period on the timer
}

TEST_CASE("v201 K11.FR.02 K12.FR.02: LimitChangeSignificance against the limit the CSMS was sent",
          "[v201][external_limits]") {
  LimitsStation s;
  s.start();
  set_variable(s.h, "SmartChargingCtrlr", "LimitChangeSignificance", "10");
  s.h.calls.clear();
  REQUIRE(set_limit(s, 1, EMS, amps({{0, 20}})) == std::error_code{});
  CHECK(s.h.calls_of("NotifyChargingLimit").size() == 1);
  // 5 % of 20: not sent, but in effect.
  REQUIRE(set_limit(s, 1, EMS, amps({{0, 21}})) == std::error_code{});
  CHECK(s.h.calls_of("NotifyChargingLimit").size() == 1);
  CHECK(s.limits[1] == 21);
  // 21.5 is 7.5 % from 20 (the last sent), 2.4 % from 21: still not sent.
  REQUIRE(set_limit(s, 1, EMS, amps({{0, 21.5}})) == std::error_code{});
  CHECK(s.h.calls_of("NotifyChargingLimit").size() == 1);
  // 23 is 15 % from 20: sent, although only 7 % from the last set.
  REQUIRE(set_limit(s, 1, EMS, amps({{0, 23}})) == std::error_code{});
  REQUIRE(s.h.calls_of("NotifyChargingLimit").size() == 2);
  // A later period that differs significantly counts as well.
  REQUIRE(set_limit(s, 1, EMS, amps({{0, 23}, {300, 6}})) == std::error_code{});
  CHECK(s.h.calls_of("NotifyChargingLimit").size() == 3);
  // The same limit again: nothing.
  REQUIRE(set_limit(s, 1, EMS, amps({{0, 23}, {300, 6}})) == std::error_code{});
  CHECK(s.h.calls_of("NotifyChargingLimit").size() == 3);
}

TEST_CASE(
    "v201 K11.FR.01 K11.FR.04 K11.FR.05: during a transaction, Notify then "
    "TransactionEvent ChargingRateChanged",
    "[v201][external_limits]") {
  LimitsStation s({1, 1});
  s.start();
  const std::string tx = start_tx(s.h, 1);
  s.h.calls.clear();
  REQUIRE(set_limit(s, 1, ChargingLimitSourceEnumType::Other, amps({{0, 10}})) ==
          std::error_code{});
  CHECK(s.limits[1] == 10);  // K11.FR.01
  // K11 scenario: NotifyChargingLimitRequest (step 4), then the TransactionEventRequest (6).
  REQUIRE(actions(s.h) == std::vector<std::string>{"NotifyChargingLimit", "TransactionEvent"});
  const auto n = s.h.calls_of("NotifyChargingLimit").front();
  CHECK(field(n, "chargingLimit.chargingLimitSource") == "Other");  // K11.FR.05
  CHECK(field(n, "evseId") == "1");
  const auto te = s.h.calls_of("TransactionEvent").front();
  CHECK(field(te, "eventType") == "Updated");
  CHECK(field(te, "triggerReason") == "ChargingRateChanged");  // K11.FR.04
  CHECK(field(te, "transactionInfo.transactionId") == tx);
  // EVSE 2 has no transaction; a limit on it changes nothing for EVSE 1's transaction.
  s.h.calls.clear();
  REQUIRE(set_limit(s, 2, EMS, amps({{0, 6}})) == std::error_code{});
  CHECK(actions(s.h) == std::vector<std::string>{"NotifyChargingLimit"});
  // A limit above what the EVSE may take anyway (32 A) does not change its rate.
  s.h.calls.clear();
  REQUIRE(set_limit(s, 0, SO, amps({{0, 40}})) == std::error_code{});
  CHECK(actions(s.h) == std::vector<std::string>{"NotifyChargingLimit"});
}

TEST_CASE("v201 K13.FR.01 K13.FR.02 K13.FR.03: release of an external limit",
          "[v201][external_limits]") {
  LimitsStation s({1, 1});
  s.start();
  start_tx(s.h, 2);
  REQUIRE(set_limit(s, 2, EMS, amps({{0, 10}})) == std::error_code{});
  CHECK(s.limits[2] == 10);
  s.h.calls.clear();
  REQUIRE(release(s, 2, EMS) == std::error_code{});
  CHECK(s.limits[2] == 32);  // K13.FR.01
  REQUIRE(actions(s.h) == std::vector<std::string>{"ClearedChargingLimit", "TransactionEvent"});
  const auto c = s.h.calls_of("ClearedChargingLimit").front();
  CHECK(field(c, "chargingLimitSource") == "EMS");  // K13.FR.02
  CHECK(field(c, "evseId") == "2");
  CHECK(field(s.h.calls_of("TransactionEvent").front(), "triggerReason") ==
        "ChargingRateChanged");  // K13.FR.03
  std::string status;
  CHECK(get_profiles(s.h, R"({"requestId":1,"chargingProfile":{}})", status).empty());
  CHECK(status == "NoProfiles");
  // Nothing left to release.
  CHECK(release(s, 2, EMS) == ocpp::make_error_code(ocpp::Errc::invalid_state));
  // On the grid connection, no transaction touched: ClearedChargingLimit without evseId only.
  REQUIRE(set_limit(s, 0, SO, amps({{0, 50}})) == std::error_code{});
  s.h.calls.clear();
  REQUIRE(release(s, 0, SO) == std::error_code{});
  REQUIRE(actions(s.h) == std::vector<std::string>{"ClearedChargingLimit"});
  CHECK(field(s.h.calls.front(), "evseId") == "<absent>");
  CHECK(field(s.h.calls.front(), "chargingLimitSource") == "SO");
}

TEST_CASE(
    "v201 K01.FR.22 K10.FR.08 K10.FR.09: the CSMS cannot replace or clear an external "
    "constraint",
    "[v201][external_limits]") {
  LimitsStation s;
  s.start();
  REQUIRE(set_limit(s, 1, EMS, amps({{0, 10}})) == std::error_code{});
  std::string status;
  auto reports = get_profiles(s.h, R"({"requestId":1,"chargingProfile":{}})", status);
  REQUIRE(reports.size() == 1);
  const std::string id = field(reports[0], "chargingProfile.0.id");
  // K10.FR.09: by id; K10.FR.08: by criteria matching only it; nor with no criteria at all.
  CHECK(test::v201::result_status(s.h.csms_call(
            "ccp-1", "ClearChargingProfile", R"({"chargingProfileId":)" + id + "}")) == "Unknown");
  CHECK(test::v201::result_status(s.h.csms_call("ccp-2", "ClearChargingProfile",
                                                R"({"chargingProfileCriteria":{"evseId":1}})")) ==
        "Unknown");
  CHECK(test::v201::result_status(s.h.csms_call("ccp-3", "ClearChargingProfile", "{}")) ==
        "Unknown");
  CHECK(s.limits[1] == 10);
  // K01.FR.22: the purpose is refused; and the id of the external constraint is not the CSMS's.
  const std::string sched = R"({"id":1,"chargingRateUnit":"A","startSchedule":")" +
                            ocpp::format_datetime(s.h.now().wall) +
                            R"(","chargingSchedulePeriod":[{"startPeriod":0,"limit":30}]})";
  auto set_profile = [&](const std::string& pid, const std::string& purpose) {
    auto d = test::v201::parse(s.h.csms_call(
        "scp-" + pid + purpose.substr(0, 4), "SetChargingProfile",
        R"({"evseId":1,"chargingProfile":{"id":)" + pid +
            R"(,"stackLevel":1,"chargingProfilePurpose":")" + purpose +
            R"(","chargingProfileKind":"Absolute","chargingSchedule":[)" + sched + "]}}"));
    return std::string(d[2]["status"].GetString());
  };
  CHECK(set_profile("5", "ChargingStationExternalConstraints") == "Rejected");
  CHECK(set_profile(id, "TxDefaultProfile") == "Rejected");
  CHECK(s.limits[1] == 10);
  // A CSMS profile with another id goes with it: the minimum applies (SC.01).
  CHECK(set_profile("5", "TxDefaultProfile") == "Accepted");
  CHECK(s.limits[1] == 10);
  REQUIRE(release(s, 1, EMS) == std::error_code{});
  CHECK(s.limits[1] == 30);
}

TEST_CASE("v201 K11 K12 SC.01: limits of two sources on one EVSE: the lower applies",
          "[v201][external_limits]") {
  LimitsStation s;
  s.start();
  REQUIRE(set_limit(s, 1, EMS, amps({{0, 20}})) == std::error_code{});
  REQUIRE(set_limit(s, 1, SO, amps({{0, 12}})) == std::error_code{});
  CHECK(s.limits[1] == 12);
  REQUIRE(set_limit(s, 1, EMS, amps({{0, 8}})) == std::error_code{});  // newer, lower
  CHECK(s.limits[1] == 8);
  REQUIRE(set_limit(s, 1, EMS, amps({{0, 25}})) == std::error_code{});  // newer, higher
  CHECK(s.limits[1] == 12);
  REQUIRE(release(s, 1, SO) == std::error_code{});
  CHECK(s.limits[1] == 25);
  std::string status;
  auto reports = get_profiles(s.h, R"({"requestId":1,"chargingProfile":{}})", status);
  REQUIRE(reports.size() == 1);
  CHECK(field(reports[0], "chargingLimitSource") == "EMS");
}

TEST_CASE("v201 K11 K12 K13 offline: the CSMS hears the current state after the reconnect",
          "[v201][external_limits]") {
  LimitsStation s({1, 1});
  s.start();
  // Set while offline: nothing queued, the current limit told once the CSMS is back.
  s.h.disconnect();
  REQUIRE(set_limit(s, 1, EMS, amps({{0, 20}})) == std::error_code{});
  CHECK(s.limits[1] == 20);  // in effect offline too
  REQUIRE(set_limit(s, 1, EMS, amps({{0, 16}})) == std::error_code{});
  s.h.calls.clear();
  s.h.connect();
  auto n = s.h.calls_of("NotifyChargingLimit");
  REQUIRE(n.size() == 1);
  CHECK(field(n[0], "evseId") == "1");
  // Acknowledged: a second reconnect sends nothing.
  s.h.disconnect();
  s.h.calls.clear();
  s.h.connect();
  CHECK(s.h.calls_of("NotifyChargingLimit").empty());
  // Released while offline: ClearedChargingLimit after the reconnect (K13.FR.02).
  s.h.disconnect();
  REQUIRE(release(s, 1, EMS) == std::error_code{});
  CHECK(s.limits[1] == 32);
  s.h.calls.clear();
  s.h.connect();
  REQUIRE(actions(s.h).size() >= 1);
  auto c = s.h.calls_of("ClearedChargingLimit");
  REQUIRE(c.size() == 1);
  CHECK(field(c[0], "evseId") == "1");
  CHECK(s.h.calls_of("NotifyChargingLimit").empty());
  // Set and released within one offline period: the CSMS never knew it, nothing is sent.
  s.h.disconnect();
  REQUIRE(set_limit(s, 2, SO, amps({{0, 20}})) == std::error_code{});
  REQUIRE(release(s, 2, SO) == std::error_code{});
  s.h.calls.clear();
  s.h.connect();
  CHECK(s.h.calls_of("NotifyChargingLimit").empty());
  CHECK(s.h.calls_of("ClearedChargingLimit").empty());
}

TEST_CASE(
    "v201 K11 K12: a NotifyChargingLimitRequest without an answer is sent again after the "
    "reconnect; before the first Accepted the limit waits",
    "[v201][external_limits]") {
  LimitsStation s;
  s.h.start();
  // Before the first connection: told after the BootNotificationResponse Accepted.
  REQUIRE(set_limit(s, 0, EMS, amps({{0, 30}})) == std::error_code{});
  s.h.connect();
  REQUIRE(s.h.calls_of("NotifyChargingLimit").size() == 1);
  CHECK(s.h.calls.front().action == "BootNotification");
  // The CSMS does not answer: lost with the connection, sent again afterwards.
  s.h.policy["NotifyChargingLimit"] = [](const test::v201::SentCall&) {
    return std::optional<std::string>();
  };
  REQUIRE(set_limit(s, 0, EMS, amps({{0, 10}})) == std::error_code{});
  REQUIRE(s.h.calls_of("NotifyChargingLimit").size() == 2);
  s.h.disconnect();
  s.h.policy.erase("NotifyChargingLimit");
  s.h.calls.clear();
  s.h.connect();
  REQUIRE(s.h.calls_of("NotifyChargingLimit").size() == 1);
}

TEST_CASE(
    "v201 K11 K12 K13: external limits and what the CSMS acknowledged persist across a "
    "restart",
    "[v201][external_limits]") {
  LimitsStation s;
  s.start();
  REQUIRE(set_limit(s, 1, SO, amps({{0, 12}})) == std::error_code{});
  REQUIRE(s.h.calls_of("NotifyChargingLimit").size() == 1);
  s.h.restart();
  s.h.calls.clear();
  s.h.connect();
  CHECK(s.limits[1] == 12);                            // a grid limit survives the reboot
  CHECK(s.h.calls_of("NotifyChargingLimit").empty());  // the CSMS knows it already
  REQUIRE(release(s, 1, SO) == std::error_code{});
  CHECK(s.h.calls_of("ClearedChargingLimit").size() == 1);
  s.h.restart();
  s.h.calls.clear();
  s.h.connect();
  CHECK(s.limits[1] == 32);
  CHECK(s.h.calls_of("ClearedChargingLimit").empty());
}

TEST_CASE("v201 K11 K12 K13: set_external_limit and release_external_limit errors",
          "[v201][external_limits]") {
  LimitsStation s({1, 1});
  s.start();
  s.h.calls.clear();
  using ocpp::Errc;
  using ocpp::make_error_code;
  // K11.FR.05, K12.FR.04: CSO is the CSMS's.
  CHECK(set_limit(s, 1, ChargingLimitSourceEnumType::CSO, amps({{0, 10}})) ==
        make_error_code(Errc::invalid_argument));
  CHECK(release(s, 1, ChargingLimitSourceEnumType::CSO) == make_error_code(Errc::invalid_argument));
  CHECK(set_limit(s, 3, EMS, amps({{0, 10}})) == make_error_code(Errc::unknown_connector));
  CHECK(set_limit(s, -1, EMS, amps({{0, 10}})) == make_error_code(Errc::unknown_connector));
  CHECK(release(s, 3, EMS) == make_error_code(Errc::unknown_connector));
  CHECK(set_limit(s, 1, EMS, amps({})) == make_error_code(Errc::invalid_argument));
  CHECK(set_limit(s, 1, EMS, amps({{10, 10}})) == make_error_code(Errc::invalid_argument));
  CHECK(set_limit(s, 1, EMS, amps({{0, -1}})) == make_error_code(Errc::invalid_argument));
  auto phase = amps({{0, 10}});
  phase.chargingSchedulePeriod[0].phaseToUse = 1;
  CHECK(set_limit(s, 1, EMS, phase) == make_error_code(Errc::invalid_argument));
  std::vector<std::pair<int, double>> many;
  for (int i = 0; i < 25; ++i) many.push_back({i * 60, 10});
  CHECK(set_limit(s, 1, EMS, amps(many)) == make_error_code(Errc::invalid_argument));
  CHECK(release(s, 1, EMS) == make_error_code(Errc::invalid_state));
  // SmartChargingCtrlr.ExternalControlSignalsEnabled false: the station ignores them.
  set_variable(s.h, "SmartChargingCtrlr", "ExternalControlSignalsEnabled", "false");
  CHECK(set_limit(s, 1, EMS, amps({{0, 10}})) == make_error_code(Errc::invalid_state));
  CHECK(s.h.calls_of("NotifyChargingLimit").empty());
  CHECK(s.limits[1] == 32);
}
