// Charging schedule maths; see charging_schedule.hpp. The readings chosen where a version's
// text is ambiguous are listed in docs/protocol-choices.md ("Smart Charging" for 1.6, "OCPP
// 2.0.1 engine" for 2.0.1).
#include "core/charging_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace ocpp::core::charging {

Seconds to_seconds(DateTime t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

DateTime from_seconds(Seconds s) { return DateTime{} + std::chrono::seconds(s); }

std::optional<std::string> check_schedule(const Profile& p, std::int64_t max_periods) {
  if (p.periods.empty()) return "no chargingSchedulePeriod";
  if (static_cast<std::int64_t>(p.periods.size()) > max_periods)
    return "more chargingSchedulePeriods than allowed";
  if (p.periods.front().startPeriod != 0) return "the first startPeriod is not 0";
  for (std::size_t i = 0; i < p.periods.size(); ++i) {
    const Period& per = p.periods[i];
    if (i > 0 && per.startPeriod <= p.periods[i - 1].startPeriod)
      return "startPeriod values not increasing";
    if (per.limit < 0) return "negative limit";
    if (per.numberPhases && (*per.numberPhases < 1 || *per.numberPhases > 3))
      return "numberPhases not 1, 2 or 3";
  }
  if (p.duration && *p.duration < 0) return "negative duration";
  if (p.minChargingRate && *p.minChargingRate < 0) return "negative minChargingRate";
  switch (p.kind) {
    case Kind::Absolute:
      // Periods are relative to a fixed point in time defined in the schedule.
      if (!p.startSchedule) return "Absolute profile without startSchedule";
      if (p.recurrencyKind) return "recurrencyKind on a profile that is not Recurring";
      break;
    case Kind::Recurring:
      if (!p.recurrencyKind) return "Recurring profile without recurrencyKind";
      if (!p.startSchedule) return "Recurring profile without startSchedule";
      break;
    case Kind::Relative:
      if (p.recurrencyKind) return "recurrencyKind on a profile that is not Recurring";
      // A station-wide maximum has no transaction whose start could anchor it.
      if (p.purpose == Purpose::StationMax) return "Relative station maximum profile";
      break;
  }
  if (p.validFrom && p.validTo && *p.validTo <= *p.validFrom) return "validTo not after validFrom";
  return std::nullopt;
}

double convert(double limit, RateUnit from, RateUnit to, std::int32_t phases, double voltage) {
  if (from == to) return limit;
  const double factor = voltage * static_cast<double>(phases);
  const double v = from == RateUnit::A ? limit * factor : limit / factor;
  return std::floor(v * 10.0 + 1e-6) / 10.0;
}

namespace {

constexpr Seconds kDay = 86400;
constexpr Seconds kWeek = 7 * kDay;

/// A profile's period in effect at a time.
struct Value {
  double limit = 0;
  RateUnit unit = RateUnit::A;
  std::optional<std::int32_t> numberPhases;
  std::optional<double> minChargingRate;
};

struct Eval {
  std::optional<Value> value;
  std::optional<Seconds> next;  // the next time this profile's answer may change
};

void earliest(std::optional<Seconds>& acc, std::optional<Seconds> t) {
  if (t && (!acc || *t < *acc)) acc = t;
}

/// One profile at t. anchor: the start point of a Relative schedule (transaction start).
Eval eval_profile(const Profile& p, Seconds t, Seconds anchor) {
  Eval e;
  // Validity: valid from validFrom (inclusive) until validTo (exclusive).
  if (p.validFrom && t < *p.validFrom) {
    e.next = *p.validFrom;
    return e;
  }
  const std::optional<Seconds> valid_to = p.validTo;
  if (valid_to && t >= *valid_to) return e;  // expired for good
  Seconds start = 0;
  std::optional<Seconds> length;  // nullopt = the last period goes on indefinitely
  if (p.duration) length = *p.duration;
  std::optional<Seconds> next_recurrence;
  switch (p.kind) {
    case Kind::Absolute:
      start = p.startSchedule ? *p.startSchedule : anchor;
      break;
    case Kind::Relative:
      start = anchor;  // startSchedule has no meaning here
      break;
    case Kind::Recurring: {
      const Seconds period = p.recurrencyKind == Recurrency::Weekly ? kWeek : kDay;
      const Seconds base = p.startSchedule ? *p.startSchedule : anchor;
      if (t < base) {
        e.next = base;
        earliest(e.next, valid_to);
        return e;
      }
      start = base + (t - base) / period * period;
      next_recurrence = start + period;
      // What lies beyond the recurrence period is not executed (1.6 errata 3.43/3.44, 2.0.1
      // K01.FR.13: after a shorter duration, fall back to the default behaviour).
      length = length ? std::min(*length, period) : period;
      break;
    }
  }
  if (t < start) {
    e.next = start;
    earliest(e.next, valid_to);
    return e;
  }
  const Seconds elapsed = t - start;
  if (length && elapsed >= *length) {
    // After the duration: fall back (to a lower stack level, or no limit).
    e.next = next_recurrence;
    earliest(e.next, valid_to);
    return e;
  }
  const auto& periods = p.periods;
  std::size_t idx = periods.size();
  for (std::size_t i = 0; i < periods.size(); ++i)
    if (periods[i].startPeriod <= elapsed) idx = i;
  if (idx == periods.size()) {
    if (!periods.empty()) e.next = start + periods.front().startPeriod;
    earliest(e.next, valid_to);
    return e;
  }
  Value v;
  v.limit = periods[idx].limit;
  v.unit = p.unit;
  v.numberPhases = periods[idx].numberPhases;
  v.minChargingRate = p.minChargingRate;
  e.value = v;
  if (idx + 1 < periods.size()) {
    const Seconds b = start + periods[idx + 1].startPeriod;
    // A period starting at or after the duration is never executed (2.0.1 K01.FR.11).
    if (!length || periods[idx + 1].startPeriod < *length) earliest(e.next, b);
  }
  if (length) earliest(e.next, start + *length);
  earliest(e.next, next_recurrence);
  earliest(e.next, valid_to);
  return e;
}

/// The prevailing profile among candidates at t: the highest stackLevel among those in
/// effect; at equal stackLevel a location's own profile beats the station's (1.6 section
/// 3.13.1), then the newest.
struct Prevailing {
  std::optional<Value> value;
  std::optional<Seconds> next;
};

Prevailing prevailing(const std::vector<const Profile*>& candidates, Seconds t, Seconds anchor) {
  Prevailing r;
  const Profile* best = nullptr;
  for (const Profile* c : candidates) {
    Eval e = eval_profile(*c, t, anchor);
    earliest(r.next, e.next);
    if (!e.value) continue;
    bool better = !best;
    if (best) {
      if (c->stackLevel != best->stackLevel) {
        better = c->stackLevel > best->stackLevel;
      } else if ((c->location > 0) != (best->location > 0)) {
        better = c->location > 0;
      } else {
        better = c->seq > best->seq;
      }
    }
    if (better) {
      best = c;
      r.value = e.value;
    }
  }
  return r;
}

/// The profiles of a purpose that apply at a location. StationMax: all (set on the station);
/// TxDefault: the station's and the location's; Tx: the location's for its transaction;
/// External: exactly that location (0 = the station's).
std::vector<const Profile*> of_purpose(const std::vector<Profile>& list, Purpose purpose,
                                       int location, std::optional<std::int64_t> tx_key) {
  std::vector<const Profile*> out;
  for (const auto& i : list) {
    if (i.purpose != purpose) continue;
    switch (purpose) {
      case Purpose::StationMax:
        out.push_back(&i);
        break;
      case Purpose::TxDefault:
        if (i.location == 0 || i.location == location) out.push_back(&i);
        break;
      case Purpose::Tx:
        if (i.location == location && tx_key && i.tx_key == tx_key) out.push_back(&i);
        break;
      case Purpose::External:
        if (i.location == location) out.push_back(&i);
        break;
    }
  }
  return out;
}

std::optional<std::int64_t> tx_key_of(const Situation& s, int location) {
  if (location >= 1 && static_cast<std::size_t>(location) < s.tx.size() && s.tx[location])
    return s.tx[location]->tx_key;
  return std::nullopt;
}

/// The transaction level of a location: its Tx profiles while a transaction that has one runs
/// (they overrule the TxDefault profiles for the transaction), else the TxDefault profiles of
/// the station and of the location.
std::vector<const Profile*> tx_level(const std::vector<Profile>& list, const Situation& s,
                                     int location) {
  auto tx = of_purpose(list, Purpose::Tx, location, tx_key_of(s, location));
  if (!tx.empty()) return tx;
  return of_purpose(list, Purpose::TxDefault, location, std::nullopt);
}

Seconds anchor_of(const Situation& s, int location, Seconds fallback) {
  if (location >= 1 && static_cast<std::size_t>(location) < s.tx.size() && s.tx[location])
    return s.tx[location]->start;
  return fallback;
}

Limit to_unit(const Value& v, RateUnit unit, const Settings& st) {
  const std::int32_t phases = v.numberPhases.value_or(st.default_phases);
  return {convert(v.limit, v.unit, unit, phases, st.voltage), v.numberPhases};
}

/// A location's level bounded by the local limit (without the station-wide profiles).
struct Level {
  Limit value;
  std::optional<Seconds> next;
  std::optional<double> minChargingRate;
};

/// Lowers l to the prevailing value of p (a limit equal to the current one still takes its
/// numberPhases when take_equal).
void bound(Level& l, const Prevailing& p, RateUnit unit, const Settings& st, bool take_equal) {
  earliest(l.next, p.next);
  if (!p.value) return;
  Limit c = to_unit(*p.value, unit, st);
  if (c.limit < l.value.limit || (take_equal && c.limit == l.value.limit)) l.value = c;
}

/// Lowers l to every candidate in effect: 2.0.1 external constraints (one per external source
/// and location) all bound the limit (part 2 SC.01: the schedules from external sources are
/// merged by their minimum), whatever their stackLevel.
void bound_each(Level& l, const std::vector<const Profile*>& candidates, Seconds t, Seconds anchor,
                RateUnit unit, const Settings& st) {
  for (const Profile* c : candidates) bound(l, prevailing({c}, t, anchor), unit, st, false);
}

Level location_level(const std::vector<Profile>& list, const Situation& s, int location, Seconds t,
                     Seconds fallback_anchor, RateUnit unit, const Settings& st) {
  Level l;
  l.value.limit =
      convert(st.max_current, RateUnit::A, unit, st.default_phases, st.voltage);  // local limit
  const Seconds anchor = anchor_of(s, location, fallback_anchor);
  Prevailing tx = prevailing(tx_level(list, s, location), t, anchor);
  bound(l, tx, unit, st, true);
  if (tx.value && tx.value->minChargingRate)
    l.minChargingRate = convert(*tx.value->minChargingRate, tx.value->unit, unit,
                                tx.value->numberPhases.value_or(st.default_phases), st.voltage);
  bound_each(l, of_purpose(list, Purpose::External, location, std::nullopt), t, anchor, unit, st);
  return l;
}

Level location_value(const std::vector<Profile>& list, const Situation& s, int location, Seconds t,
                     Seconds fallback_anchor, RateUnit unit, const Settings& st) {
  const Prevailing max =
      prevailing(of_purpose(list, Purpose::StationMax, 0, std::nullopt), t, fallback_anchor);
  const auto ext = of_purpose(list, Purpose::External, 0, std::nullopt);
  if (location >= 1) {
    Level l = location_level(list, s, location, t, fallback_anchor, unit, st);
    bound(l, max, unit, st, false);
    bound_each(l, ext, t, fallback_anchor, unit, st);
    return l;
  }
  // Location 0: what the station may draw from the grid (1.6 section 5.7, 2.0.1 K08.FR.03):
  // the sum of what every location may take, bounded by the station-wide profiles.
  Level total;
  double sum = 0;
  std::optional<std::int32_t> phases;
  bool same_phases = true;
  for (int c = 1; c <= s.count; ++c) {
    Level l = location_level(list, s, c, t, fallback_anchor, unit, st);
    earliest(total.next, l.next);
    sum += l.value.limit;
    if (c == 1) {
      phases = l.value.numberPhases;
    } else if (phases != l.value.numberPhases) {
      same_phases = false;
    }
  }
  total.value.limit = std::round(sum * 10.0) / 10.0;
  total.value.numberPhases = same_phases ? phases : std::nullopt;
  bound(total, max, unit, st, true);
  bound_each(total, ext, t, fallback_anchor, unit, st);
  return total;
}

}  // namespace

RateUnit natural_unit(const std::vector<Profile>& list, const Situation& s, int location) {
  bool any = false;
  bool all_w = true;
  for (const auto& i : list) {
    bool applies = i.purpose == Purpose::StationMax || location == 0 || i.location == 0 ||
                   i.location == location;
    if (i.purpose == Purpose::Tx && location >= 1) {
      const auto key = tx_key_of(s, location);
      applies = applies && key && i.tx_key == key;
    }
    if (!applies) continue;
    any = true;
    if (i.unit != RateUnit::W) all_w = false;
  }
  return any && all_w ? RateUnit::W : RateUnit::A;
}

LimitAt limit_at(const std::vector<Profile>& list, const Situation& s, int location, Seconds t,
                 RateUnit unit, const Settings& settings) {
  Level l = location_value(list, s, location, t, t, unit, settings);
  return {l.value, l.next};
}

Composite composite_schedule(const std::vector<Profile>& list, const Situation& s, int location,
                             Seconds start, std::int32_t duration, RateUnit unit,
                             const Settings& settings) {
  Composite out;
  out.unit = unit;
  out.duration = std::max<std::int32_t>(duration, 0);
  const Seconds end = start + out.duration;
  Seconds t = start;
  std::optional<Limit> last;
  do {
    // Relative profiles of a location without a transaction: as for one starting at `start`
    // (2.0.1 K08.FR.06).
    Level l = location_value(list, s, location, t, start, unit, settings);
    if (t == start) out.minChargingRate = l.minChargingRate;
    if (!last || *last != l.value) {
      if (out.periods.size() == kMaxCompositePeriods) {
        out.duration = static_cast<std::int32_t>(t - start);
        break;
      }
      Period p;
      p.startPeriod = static_cast<std::int32_t>(t - start);
      p.limit = l.value.limit;
      p.numberPhases = l.value.numberPhases;
      out.periods.push_back(p);
      last = l.value;
    }
    if (!l.next || *l.next >= end) break;
    t = std::max(*l.next, t + 1);
  } while (t < end);
  return out;
}

}  // namespace ocpp::core::charging
