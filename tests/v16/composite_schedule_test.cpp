// The Smart Charging calculation library (src/v16/smart_charging/profiles.*) on its own:
// composite schedules against hand-computed tables (OCPP 1.6 sections 3.13.2, 3.13.3, 5.7,
// 5.16.4, 7.8-7.14 and errata 3.43-3.45, 3.56), validation, replace and clear rules.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ocpp/time.hpp"
#include "v16/smart_charging/profiles.hpp"

using namespace ocpp::v16;
namespace sc = ocpp::v16::smart_charging;

namespace {

sc::Seconds at(const char* text) {
  ocpp::DateTime t;
  REQUIRE(ocpp::parse_datetime(text, t));
  return sc::to_seconds(t);
}

// Monday 2026-01-05 00:00:00 UTC.
const char* kMonday = "2026-01-05T00:00:00Z";

struct P {
  std::int32_t start;
  double limit;
  std::optional<std::int32_t> phases = std::nullopt;
};

ChargingProfile make_profile(std::int32_t id, std::int32_t stack,
                             ChargingProfilePurposeType purpose, ChargingProfileKindType kind,
                             std::optional<sc::Seconds> start_schedule, std::vector<P> periods,
                             std::optional<std::int32_t> duration = std::nullopt,
                             ChargingRateUnitType unit = ChargingRateUnitType::A) {
  ChargingProfile p;
  p.chargingProfileId = id;
  p.stackLevel = stack;
  p.chargingProfilePurpose = purpose;
  p.chargingProfileKind = kind;
  if (start_schedule) p.chargingSchedule.startSchedule = sc::from_seconds(*start_schedule);
  p.chargingSchedule.duration = duration;
  p.chargingSchedule.chargingRateUnit = unit;
  for (const auto& x : periods) {
    ChargingSchedulePeriod sp;
    sp.startPeriod = x.start;
    sp.limit = x.limit;
    sp.numberPhases = x.phases;
    p.chargingSchedule.chargingSchedulePeriod.push_back(sp);
  }
  return p;
}

sc::Installed installed(int connector, ChargingProfile p, std::optional<std::int64_t> tx = std::nullopt) {
  static_assert(sizeof(std::int64_t) == 8);
  sc::Installed i;
  i.connectorId = connector;
  i.profile = std::move(p);
  i.tx_key = tx;
  i.seq = i.profile.chargingProfileId;
  return i;
}

sc::Situation idle(int connectors = 1) {
  sc::Situation s;
  s.connectors = connectors;
  s.tx.resize(static_cast<std::size_t>(connectors) + 1);
  return s;
}

/// The composite as a table of (startPeriod, limit, numberPhases) for exact comparison.
std::vector<std::string> table(const sc::Composite& c) {
  std::vector<std::string> out;
  for (const auto& p : c.periods) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%d:%.1f%s", p.startPeriod, p.limit,
                  p.numberPhases ? ("/" + std::to_string(*p.numberPhases)).c_str() : "");
    out.emplace_back(buf);
  }
  return out;
}

using V = std::vector<std::string>;
constexpr auto A = ChargingRateUnitType::A;
constexpr auto W = ChargingRateUnitType::W;
constexpr auto kMax = ChargingProfilePurposeType::ChargePointMaxProfile;
constexpr auto kDefault = ChargingProfilePurposeType::TxDefaultProfile;
constexpr auto kTx = ChargingProfilePurposeType::TxProfile;
constexpr auto kAbsolute = ChargingProfileKindType::Absolute;
constexpr auto kRelative = ChargingProfileKindType::Relative;
constexpr auto kRecurring = ChargingProfileKindType::Recurring;

}  // namespace

TEST_CASE("composite: one Absolute TxDefaultProfile with a duration, then the local limit",
          "[smart_charging][v16][composite]") {
  // Section 7.13: periods until duration; after it no profile applies, so the local limit
  // (Settings::max_current, errata 3.1 "Local Limits") is what remains.
  const sc::Seconds t0 = at(kMonday);
  std::vector<sc::Installed> list{
      installed(0, make_profile(1, 0, kDefault, kAbsolute, t0, {{0, 16}, {1800, 10}}, 3600))};
  auto c = sc::composite_schedule(list, idle(), 1, t0, 7200, A, {});
  CHECK(table(c) == V{"0:16.0", "1800:10.0", "3600:32.0"});
  CHECK(c.duration == 7200);
  CHECK(c.unit == A);
  // From the middle of the window: offsets are relative to the request time (section 5.7).
  c = sc::composite_schedule(list, idle(), 1, t0 + 900, 3600, A, {});
  CHECK(table(c) == V{"0:16.0", "900:10.0", "2700:32.0"});
}

TEST_CASE("composite: periods beyond the duration are not executed", "[smart_charging][v16][composite]") {
  // Section 5.16.4 note: "If the chargingSchedulePeriod is longer than duration, the remainder
  // periods SHALL not be executed."
  const sc::Seconds t0 = at(kMonday);
  std::vector<sc::Installed> list{
      installed(0, make_profile(1, 0, kDefault, kAbsolute, t0, {{0, 10}, {500, 20}}, 300))};
  CHECK(table(sc::composite_schedule(list, idle(), 1, t0, 1000, A, {})) == V{"0:10.0", "300:32.0"});
}

TEST_CASE("composite: the higher stackLevel prevails while valid, also when its limit is higher",
          "[smart_charging][v16][composite]") {
  // Section 3.13.2: "the prevailing charging profile SHALL be the charging profile with the
  // highest stackLevel among the profiles that are valid at that point in time"; errata 3.43:
  // after its duration, the lower stack level applies again.
  const sc::Seconds t0 = at(kMonday);
  std::vector<sc::Installed> list{
      installed(0, make_profile(1, 0, kDefault, kAbsolute, t0, {{0, 20}})),
      installed(0, make_profile(2, 1, kDefault, kAbsolute, t0 + 1800, {{0, 8}}, 1800)),
      installed(0, make_profile(3, 2, kDefault, kAbsolute, t0 + 600, {{0, 25}}, 300)),
  };
  CHECK(table(sc::composite_schedule(list, idle(), 1, t0, 7200, A, {})) ==
        V{"0:20.0", "600:25.0", "900:20.0", "1800:8.0", "3600:20.0"});
}

TEST_CASE("composite: validFrom and validTo end a profile in the middle of the window",
          "[smart_charging][v16][composite]") {
  // Section 7.8 validFrom/validTo; section 3.13.2 (validity decides which profile prevails).
  const sc::Seconds t0 = at(kMonday);
  auto top = make_profile(2, 1, kDefault, kAbsolute, t0, {{0, 6}});
  top.validFrom = sc::from_seconds(t0 + 1000);
  top.validTo = sc::from_seconds(t0 + 2000);
  std::vector<sc::Installed> list{
      installed(0, make_profile(1, 0, kDefault, kAbsolute, t0, {{0, 16}})), installed(0, top)};
  CHECK(table(sc::composite_schedule(list, idle(), 1, t0 + 500, 3000, A, {})) ==
        V{"0:16.0", "500:6.0", "1500:16.0"});
  // A validTo that ends the only profile: back to the local limit.
  list.erase(list.begin());
  CHECK(table(sc::composite_schedule(list, idle(), 1, t0, 3000, A, {})) ==
        V{"0:32.0", "1000:6.0", "2000:32.0"});
}

TEST_CASE("composite: a Relative TxProfile runs from the transaction start and overrules the TxDefaultProfile",
          "[smart_charging][v16][composite]") {
  // Section 7.9 Relative: relative to the start of the transaction; section 3.13.1: a TxProfile
  // overrules the TxDefaultProfile for the duration of the transaction (also after its own
  // duration ended: then no profile limits, only the local limit).
  const sc::Seconds t0 = at(kMonday);
  sc::Situation s = idle();
  s.tx[1] = sc::TxContext{7, t0 - 300};
  std::vector<sc::Installed> list{
      installed(0, make_profile(1, 0, kDefault, kAbsolute, t0 - 86400, {{0, 12}})),
      installed(1, make_profile(2, 0, kTx, kRelative, std::nullopt, {{0, 10}, {600, 20}}, 1200), 7),
  };
  CHECK(table(sc::composite_schedule(list, s, 1, t0, 1800, A, {})) == V{"0:10.0", "300:20.0", "900:32.0"});
  // The TxProfile of another transaction (tx_key 6) does not apply: the TxDefaultProfile does.
  list[1].tx_key = 6;
  CHECK(table(sc::composite_schedule(list, s, 1, t0, 1800, A, {})) == V{"0:12.0"});
}

TEST_CASE("composite: a Relative TxDefaultProfile without a transaction starts at the window start",
          "[smart_charging][v16][composite]") {
  const sc::Seconds t0 = at(kMonday);
  std::vector<sc::Installed> list{
      installed(0, make_profile(1, 0, kDefault, kRelative, std::nullopt, {{0, 6}, {60, 16}}))};
  CHECK(table(sc::composite_schedule(list, idle(), 1, t0 + 12345, 120, A, {})) == V{"0:6.0", "60:16.0"});
}

TEST_CASE("composite: Recurring Daily across midnight", "[smart_charging][v16][composite]") {
  // Section 7.9 Recurring; a daily profile from 22:00 for 8 hours: 10 A until midnight, then
  // 6 A until 06:00, then nothing (errata 3.43: fall back to no profile).
  const sc::Seconds start = at("2026-01-04T22:00:00Z");
  std::vector<sc::Installed> list{installed(0, [&] {
    auto p = make_profile(1, 0, kDefault, kRecurring, start, {{0, 10}, {7200, 6}}, 28800);
    p.recurrencyKind = RecurrencyKindType::Daily;
    return p;
  }())};
  // Monday 21:00 to Tuesday 03:00.
  CHECK(table(sc::composite_schedule(list, idle(), 1, at("2026-01-05T21:00:00Z"), 6 * 3600, A, {})) ==
        V{"0:32.0", "3600:10.0", "10800:6.0"});
  // Tuesday 05:00 to 07:00: the 6 A period ends with the duration at 06:00.
  CHECK(table(sc::composite_schedule(list, idle(), 1, at("2026-01-06T05:00:00Z"), 7200, A, {})) ==
        V{"0:6.0", "3600:32.0"});
  // Before its startSchedule a recurring profile has not begun.
  CHECK(table(sc::composite_schedule(list, idle(), 1, at("2026-01-04T21:00:00Z"), 7200, A, {})) ==
        V{"0:32.0", "3600:10.0"});
}

TEST_CASE("composite: Recurring Weekly across the week boundary; periods beyond a week are not run",
          "[smart_charging][v16][composite]") {
  // Errata 3.44: periods longer than the recurrence period are not executed (the 1 A period at
  // 700000 s lies beyond 604800 s).
  const sc::Seconds monday = at(kMonday);
  auto p = make_profile(1, 0, kDefault, kRecurring, monday,
                        {{0, 10}, {5 * 86400, 20}, {604800 - 3600, 5}, {700000, 1}});
  p.recurrencyKind = RecurrencyKindType::Weekly;
  std::vector<sc::Installed> list{installed(0, p)};
  // Sunday 2026-01-11 22:00 for 3 hours: Saturday's 20 A, Sunday 23:00's 5 A, Monday's 10 A.
  CHECK(table(sc::composite_schedule(list, idle(), 1, at("2026-01-11T22:00:00Z"), 3 * 3600, A, {})) ==
        V{"0:20.0", "3600:5.0", "7200:10.0"});
  // Two weeks later the same.
  CHECK(table(sc::composite_schedule(list, idle(), 1, at("2026-01-25T22:00:00Z"), 3 * 3600, A, {})) ==
        V{"0:20.0", "3600:5.0", "7200:10.0"});
}

TEST_CASE("composite: ChargePointMaxProfile with a TxProfile, on connector N and on connector 0",
          "[smart_charging][v16][composite]") {
  // Section 3.13.3: minimum of ChargePointMaxProfile and TxProfile (or TxDefaultProfile) per
  // connector; the ChargePointMaxProfile is the limit of all connectors combined, so connector 0
  // (the grid connection, section 5.7/errata 3.30) = min(ChargePointMaxProfile, sum of connectors).
  const sc::Seconds t0 = at(kMonday);
  sc::Situation s = idle(2);
  s.tx[1] = sc::TxContext{11, t0 - 60};
  std::vector<sc::Installed> list{
      installed(0, make_profile(1, 0, kMax, kAbsolute, t0, {{0, 40}, {3600, 20}})),
      installed(1, make_profile(2, 0, kTx, kAbsolute, t0, {{0, 16}}), 11),
      installed(2, make_profile(3, 0, kDefault, kAbsolute, t0, {{0, 10}})),
  };
  CHECK(table(sc::composite_schedule(list, s, 1, t0, 7200, A, {})) == V{"0:16.0"});
  CHECK(table(sc::composite_schedule(list, s, 2, t0, 7200, A, {})) == V{"0:10.0"});
  CHECK(table(sc::composite_schedule(list, s, 0, t0, 7200, A, {})) == V{"0:26.0", "3600:20.0"});
  // A ChargePointMaxProfile below the TxProfile bounds the connector from 3600 s on.
  list[0] = installed(0, make_profile(1, 0, kMax, kAbsolute, t0, {{0, 40}, {3600, 12}}));
  CHECK(table(sc::composite_schedule(list, s, 1, t0, 7200, A, {})) == V{"0:16.0", "3600:12.0"});
  // Connector 0 with no Tx-level profile on any connector: each contributes the local 32 A.
  std::vector<sc::Installed> only_max{
      installed(0, make_profile(1, 0, kMax, kAbsolute, t0, {{0, 50}}))};
  CHECK(table(sc::composite_schedule(only_max, s, 0, t0, 600, A, {})) == V{"0:50.0"});
  CHECK(table(sc::composite_schedule({}, s, 0, t0, 600, A, {})) == V{"0:64.0"});
}

TEST_CASE("composite: unit conversion between A and W with numberPhases", "[smart_charging][v16][composite]") {
  // Section 7.12: current per phase = power / (line voltage * phases), phases 3 unless given;
  // results rounded down to the 0.1 the schema allows.
  const sc::Seconds t0 = at(kMonday);
  std::vector<sc::Installed> w{installed(
      0,
      make_profile(1, 0, kDefault, kAbsolute, t0, {{0, 11000}, {3600, 3680, 1}}, std::nullopt, W))};
  CHECK(sc::natural_unit(w, idle(), 1) == W);
  CHECK(table(sc::composite_schedule(w, idle(), 1, t0, 7200, W, {})) == V{"0:11000.0", "3600:3680.0/1"});
  CHECK(table(sc::composite_schedule(w, idle(), 1, t0, 7200, A, {})) == V{"0:15.9", "3600:16.0/1"});
  std::vector<sc::Installed> a{
      installed(0, make_profile(1, 0, kDefault, kAbsolute, t0, {{0, 16}}))};
  CHECK(sc::natural_unit(a, idle(), 1) == A);
  CHECK(table(sc::composite_schedule(a, idle(), 1, t0, 60, W, {})) == V{"0:11040.0"});
  // 110 V: 16 A * 110 V * 3 = 5280 W.
  sc::Settings us;
  us.voltage = 110;
  CHECK(table(sc::composite_schedule(a, idle(), 1, t0, 60, W, us)) == V{"0:5280.0"});
  // Mixed units: a 6900 W ChargePointMaxProfile (= 10 A on 3 phases) bounds a 16 A TxDefaultProfile.
  a.push_back(installed(0, make_profile(2, 0, kMax, kAbsolute, t0, {{0, 6900}}, std::nullopt, W)));
  CHECK(sc::natural_unit(a, idle(), 1) == A);
  CHECK(table(sc::composite_schedule(a, idle(), 1, t0, 60, A, {})) == V{"0:10.0"});
  CHECK(table(sc::composite_schedule(a, idle(), 1, t0, 60, W, {})) == V{"0:6900.0"});
  CHECK(sc::convert(16, A, W, 1, 230) == Approx(3680));
  CHECK(sc::convert(11000, W, A, 3, 230) == Approx(15.9));
}

TEST_CASE("composite: numberPhases and minChargingRate are carried into the composite",
          "[smart_charging][v16][composite]") {
  // Section 7.13 minChargingRate (in the unit of the schedule); 7.14 numberPhases.
  const sc::Seconds t0 = at(kMonday);
  auto p = make_profile(1, 0, kDefault, kAbsolute, t0, {{0, 16, 1}, {600, 16, 3}, {1200, 16}});
  p.chargingSchedule.minChargingRate = 6.0;
  std::vector<sc::Installed> list{installed(0, p)};
  auto c = sc::composite_schedule(list, idle(), 1, t0, 1800, A, {});
  CHECK(table(c) == V{"0:16.0/1", "600:16.0/3", "1200:16.0"});
  REQUIRE(c.minChargingRate.has_value());
  CHECK(*c.minChargingRate == Approx(6.0));
  // In W: 6 A on the first period's single phase = 1380 W.
  c = sc::composite_schedule(list, idle(), 1, t0, 1800, W, {});
  CHECK(table(c) == V{"0:3680.0/1", "600:11040.0/3", "1200:11040.0"});
  REQUIRE(c.minChargingRate.has_value());
  CHECK(*c.minChargingRate == Approx(1380.0));
  // Connector 0 reports no minChargingRate (it is the EV's, section 7.13).
  CHECK_FALSE(sc::composite_schedule(list, idle(), 0, t0, 60, A, {}).minChargingRate.has_value());
}

TEST_CASE("composite: duration 0 gives the one period in effect, not the default (libocpp #1169)",
          "[smart_charging][v16][composite][pitfall]") {
  const sc::Seconds t0 = at(kMonday);
  std::vector<sc::Installed> list{
      installed(0, make_profile(1, 0, kMax, kAbsolute, t0, {{0, 40}, {100, 7}}))};
  auto c = sc::composite_schedule(list, idle(), 0, t0 + 150, 0, A, {});
  CHECK(c.duration == 0);
  CHECK(table(c) == V{"0:7.0"});
  c = sc::composite_schedule(list, idle(), 1, t0 + 150, 0, A, {});
  CHECK(table(c) == V{"0:7.0"});
}

TEST_CASE("composite: a connector's own TxDefaultProfile beats connector 0's at the same stackLevel",
          "[smart_charging][v16][composite]") {
  // Section 3.13.1: a TxDefaultProfile with connectorId > 0 replaces the one of connector 0
  // "only for that specific connector".
  const sc::Seconds t0 = at(kMonday);
  std::vector<sc::Installed> list{
      installed(0, make_profile(1, 3, kDefault, kAbsolute, t0, {{0, 20}})),
      installed(2, make_profile(2, 3, kDefault, kAbsolute, t0, {{0, 25}}))};
  CHECK(table(sc::composite_schedule(list, idle(2), 1, t0, 60, A, {})) == V{"0:20.0"});
  CHECK(table(sc::composite_schedule(list, idle(2), 2, t0, 60, A, {})) == V{"0:25.0"});
  CHECK(table(sc::composite_schedule(list, idle(2), 0, t0, 60, A, {})) == V{"0:45.0"});
}

TEST_CASE("composite: limit_at reports the value and the next boundary", "[smart_charging][v16][composite]") {
  const sc::Seconds t0 = at(kMonday);
  std::vector<sc::Installed> list{
      installed(0, make_profile(1, 0, kDefault, kAbsolute, t0, {{0, 16}, {1800, 10}}, 3600))};
  auto l = sc::limit_at(list, idle(), 1, t0 + 5, A, {});
  CHECK(l.value.limit == 16.0);
  CHECK(l.next_change == std::optional<sc::Seconds>(t0 + 1800));
  l = sc::limit_at(list, idle(), 1, t0 + 1800, A, {});
  CHECK(l.value.limit == 10.0);
  CHECK(l.next_change == std::optional<sc::Seconds>(t0 + 3600));
  l = sc::limit_at(list, idle(), 1, t0 + 3600, A, {});
  CHECK(l.value.limit == 32.0);
  CHECK_FALSE(l.next_change.has_value());
}

TEST_CASE("composite: the number of periods is bounded", "[smart_charging][v16][composite]") {
  const sc::Seconds t0 = at(kMonday);
  auto p = make_profile(1, 0, kDefault, kRecurring, t0, {{0, 10}, {3600, 20}});
  p.recurrencyKind = RecurrencyKindType::Daily;
  p.chargingSchedule.duration = 7200;
  std::vector<sc::Installed> list{installed(0, p)};
  auto c = sc::composite_schedule(list, idle(), 1, t0, 2'000'000'000, A, {});
  CHECK(c.periods.size() == sc::kMaxCompositePeriods);
  // 3 periods a day (10 A, 20 A, 32 A): the 1024th is day 341's first; the answer ends where
  // the 1025th would begin.
  CHECK(c.duration == 341 * 86400 + 3600);
  CHECK(table(c)[0] == "0:10.0");
}

TEST_CASE("profiles: check_profile refuses what chapter 7 and the errata forbid", "[smart_charging][v16]") {
  const sc::Seconds t0 = at(kMonday);
  sc::Capabilities caps;
  auto ok = make_profile(1, 0, kDefault, kAbsolute, t0, {{0, 16}});
  CHECK_FALSE(sc::check_profile(ok, caps).has_value());
  auto bad = ok;
  bad.stackLevel = 11;
  CHECK(sc::check_profile(bad, caps).has_value());  // > ChargeProfileMaxStackLevel 10
  bad = ok;
  bad.chargingSchedule.chargingSchedulePeriod[0].startPeriod = 5;
  CHECK(sc::check_profile(bad, caps).has_value());  // errata 3.45
  bad = make_profile(1, 0, kDefault, kAbsolute, t0, {{0, 16}, {60, 10}, {60, 8}});
  CHECK(sc::check_profile(bad, caps).has_value());  // not increasing
  bad = make_profile(1, 0, kDefault, kAbsolute, std::nullopt, {{0, 16}});
  CHECK(sc::check_profile(bad, caps).has_value());  // Absolute without startSchedule
  bad = make_profile(1, 0, kDefault, kRecurring, t0, {{0, 16}});
  CHECK(sc::check_profile(bad, caps).has_value());  // Recurring without recurrencyKind
  bad = ok;
  bad.recurrencyKind = RecurrencyKindType::Daily;
  CHECK(sc::check_profile(bad, caps).has_value());  // errata 3.56
  bad = make_profile(1, 0, kMax, kRelative, std::nullopt, {{0, 16}});
  CHECK(sc::check_profile(bad, caps).has_value());  // Relative ChargePointMaxProfile
  bad = ok;
  bad.transactionId = 5;
  CHECK(sc::check_profile(bad, caps).has_value());  // section 7.8: only for TxProfile
  bad = ok;
  bad.validFrom = sc::from_seconds(t0);
  bad.validTo = sc::from_seconds(t0);
  CHECK(sc::check_profile(bad, caps).has_value());
  bad = make_profile(1, 0, kDefault, kAbsolute, t0, {{0, 16, 4}});
  CHECK(sc::check_profile(bad, caps).has_value());  // numberPhases 4
  sc::parse_allowed_units("Current", caps);
  CHECK(caps.allow_current);
  CHECK_FALSE(caps.allow_power);
  CHECK(sc::check_profile(make_profile(1, 0, kDefault, kAbsolute, t0, {{0, 16}}, std::nullopt, W),
                          caps)
            .has_value());
  caps.max_periods = 1;
  CHECK(sc::check_profile(make_profile(1, 0, kDefault, kAbsolute, t0, {{0, 16}, {60, 8}}), caps)
            .has_value());
  sc::parse_allowed_units(" Power , Current", caps);
  CHECK((caps.allow_current && caps.allow_power));
}

TEST_CASE("profiles: install replaces by id or by stackLevel+purpose+connector; clear matches with AND",
          "[smart_charging][v16]") {
  // Sections 3.13.2, 5.16.3, 5.16.4; errata 3.25/3.26.
  const sc::Seconds t0 = at(kMonday);
  std::vector<sc::Installed> list;
  REQUIRE(
      sc::install(list, installed(0, make_profile(1, 0, kDefault, kAbsolute, t0, {{0, 16}})), 20));
  REQUIRE(sc::install(list, installed(1, make_profile(2, 0, kDefault, kAbsolute, t0, {{0, 16}})),
                      20));  // other connector
  REQUIRE(list.size() == 2);
  auto removed =
      sc::install(list, installed(0, make_profile(3, 0, kDefault, kAbsolute, t0, {{0, 8}})), 20);
  REQUIRE(removed);
  CHECK(*removed == std::vector<std::int32_t>{1});  // same stackLevel, purpose and connector
  removed = sc::install(list, installed(0, make_profile(2, 5, kMax, kAbsolute, t0, {{0, 8}})), 20);
  REQUIRE(removed);
  CHECK(*removed == std::vector<std::int32_t>{2});  // same id
  CHECK(list.size() == 2);
  CHECK_FALSE(
      sc::install(list, installed(0, make_profile(9, 7, kMax, kAbsolute, t0, {{0, 8}})), 2));
  CHECK(list.size() == 2);

  REQUIRE(
      sc::install(list, installed(1, make_profile(4, 1, kDefault, kAbsolute, t0, {{0, 8}})), 20));
  REQUIRE(
      sc::install(list, installed(1, make_profile(5, 2, kDefault, kAbsolute, t0, {{0, 8}})), 20));
  ClearChargingProfileRequest req;
  req.connectorId = 1;
  req.stackLevel = 2;
  CHECK(sc::clear(list, req) == std::vector<std::int32_t>{5});
  req = {};
  req.id = 3;
  req.connectorId = 7;  // ignored when id is given
  CHECK(sc::clear(list, req) == std::vector<std::int32_t>{3});
  req = {};
  req.chargingProfilePurpose = kTx;
  CHECK(sc::clear(list, req).empty());
  CHECK(sc::clear(list, ClearChargingProfileRequest{}).size() == 2);
  CHECK(list.empty());
}
