// The charging schedule maths shared by OCPP 1.6 and 2.0.1 (core/charging_schedule.hpp):
// validity, recurrence, stacking, the combination of purposes and the composite schedule.
#include "core/charging_schedule.hpp"

#include <catch2/catch.hpp>

namespace cc = ocpp::core::charging;

namespace {

constexpr cc::Seconds kT0 = 1'790'000'000;

cc::Profile make(std::int32_t id, cc::Purpose purpose, int location, std::int32_t stack,
                 std::vector<cc::Period> periods) {
  cc::Profile p;
  p.id = id;
  p.purpose = purpose;
  p.location = location;
  p.stackLevel = stack;
  p.kind = cc::Kind::Absolute;
  p.startSchedule = kT0;
  p.periods = std::move(periods);
  p.seq = id;
  return p;
}

cc::Situation idle(int count) {
  cc::Situation s;
  s.count = count;
  s.tx.resize(static_cast<std::size_t>(count) + 1);
  return s;
}

}  // namespace

TEST_CASE("charging schedule: check_schedule refuses the rules both versions share",
          "[core][smart_charging]") {
  cc::Profile p = make(1, cc::Purpose::TxDefault, 0, 0, {{0, 10, {}}, {60, 5, {}}});
  CHECK_FALSE(cc::check_schedule(p, 24));
  CHECK(cc::check_schedule(p, 1));  // more periods than allowed
  p.periods[1].startPeriod = 0;
  CHECK(cc::check_schedule(p, 24));  // not increasing
  p.periods = {{5, 10, {}}};
  CHECK(cc::check_schedule(p, 24));  // the first is not 0
  p.periods = {{0, -1, {}}};
  CHECK(cc::check_schedule(p, 24));  // negative limit
  p.periods = {{0, 10, 4}};
  CHECK(cc::check_schedule(p, 24));  // numberPhases 4
  p.periods = {{0, 10, {}}};
  p.startSchedule.reset();
  CHECK(cc::check_schedule(p, 24));  // Absolute without startSchedule
  p.kind = cc::Kind::Relative;
  CHECK_FALSE(cc::check_schedule(p, 24));
  p.purpose = cc::Purpose::StationMax;
  CHECK(cc::check_schedule(p, 24));  // a Relative station maximum
  p.purpose = cc::Purpose::TxDefault;
  p.validFrom = kT0;
  p.validTo = kT0;
  CHECK(cc::check_schedule(p, 24));  // validTo not after validFrom
}

TEST_CASE("charging schedule: External constraints bound their location and the station",
          "[core][smart_charging]") {
  const cc::Settings st;  // 230 V, 3 phases, 32 A local limit
  std::vector<cc::Profile> list{make(1, cc::Purpose::TxDefault, 0, 0, {{0, 20, {}}}),
                                make(2, cc::Purpose::External, 2, 0, {{0, 8, {}}})};
  const auto s = idle(2);
  CHECK(cc::limit_at(list, s, 1, kT0, cc::RateUnit::A, st).value.limit == 20);
  CHECK(cc::limit_at(list, s, 2, kT0, cc::RateUnit::A, st).value.limit == 8);
  CHECK(cc::limit_at(list, s, 0, kT0, cc::RateUnit::A, st).value.limit == 28);
  list.push_back(make(3, cc::Purpose::External, 0, 0, {{0, 15, {}}}));
  CHECK(cc::limit_at(list, s, 1, kT0, cc::RateUnit::A, st).value.limit == 15);
  CHECK(cc::limit_at(list, s, 0, kT0, cc::RateUnit::A, st).value.limit == 15);
}

TEST_CASE("charging schedule: Weekly recurrence, Tx over TxDefault, conversion to W",
          "[core][smart_charging]") {
  const cc::Settings st;
  cc::Profile weekly = make(1, cc::Purpose::TxDefault, 1, 0, {{0, 10, {}}, {86400, 20, 1}});
  weekly.kind = cc::Kind::Recurring;
  weekly.recurrencyKind = cc::Recurrency::Weekly;
  std::vector<cc::Profile> list{weekly};
  auto s = idle(1);
  const auto c =
      cc::composite_schedule(list, s, 1, kT0 + 7 * 86400, 2 * 86400, cc::RateUnit::A, st);
  REQUIRE(c.periods.size() == 2);
  CHECK(c.periods[1].startPeriod == 86400);
  CHECK(c.periods[1].limit == 20);
  CHECK(c.periods[1].numberPhases == 1);
  // In W: 20 A on the 1 phase the period names.
  const auto w = cc::composite_schedule(list, s, 1, kT0 + 86400, 60, cc::RateUnit::W, st);
  CHECK(w.periods[0].limit == 4600);
  // A Tx profile of the running transaction overrules the TxDefault stack, Relative to its start.
  cc::Profile tx = make(2, cc::Purpose::Tx, 1, 0, {{0, 6, {}}, {100, 7, {}}});
  tx.kind = cc::Kind::Relative;
  tx.startSchedule.reset();
  tx.tx_key = 9;
  list.push_back(tx);
  CHECK(cc::limit_at(list, s, 1, kT0, cc::RateUnit::A, st).value.limit == 10);  // no transaction
  s.tx[1] = cc::TxContext{9, kT0 - 50};
  const auto l = cc::limit_at(list, s, 1, kT0, cc::RateUnit::A, st);
  CHECK(l.value.limit == 6);
  CHECK(l.next_change == kT0 + 50);
  CHECK(cc::convert(11000, cc::RateUnit::W, cc::RateUnit::A, 3, 230) == Approx(15.9));
}

TEST_CASE("charging schedule: the composite is bounded by kMaxCompositePeriods",
          "[core][smart_charging]") {
  cc::Profile p = make(1, cc::Purpose::TxDefault, 0, 0, {{0, 10, {}}, {1, 11, {}}});
  p.kind = cc::Kind::Recurring;
  p.recurrencyKind = cc::Recurrency::Daily;
  p.duration = 2;
  const auto c =
      cc::composite_schedule({p}, idle(1), 1, kT0, 86400 * 1000, cc::RateUnit::A, cc::Settings{});
  CHECK(c.periods.size() == cc::kMaxCompositePeriods);
  CHECK(c.duration < 86400 * 1000);
}
