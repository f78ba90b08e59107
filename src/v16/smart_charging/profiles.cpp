// Smart Charging calculations; see profiles.hpp. Section numbers refer to OCPP 1.6 edition 2
// and its errata sheet (v4.0); the readings chosen where the text is ambiguous are listed in
// docs/protocol-choices.md ("Smart Charging").
#include "v16/smart_charging/profiles.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ocpp::v16::smart_charging {

Seconds to_seconds(DateTime t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

DateTime from_seconds(Seconds s) { return DateTime{} + std::chrono::seconds(s); }

void parse_allowed_units(const std::string& csl, Capabilities& caps) {
  caps.allow_current = caps.allow_power = false;
  std::size_t pos = 0;
  while (pos <= csl.size()) {
    std::size_t comma = csl.find(',', pos);
    if (comma == std::string::npos) comma = csl.size();
    std::string item = csl.substr(pos, comma - pos);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (item == "Current") caps.allow_current = true;
    if (item == "Power") caps.allow_power = true;
    pos = comma + 1;
  }
}

std::optional<std::string> check_profile(const ChargingProfile& p, const Capabilities& caps) {
  const ChargingSchedule& s = p.chargingSchedule;
  if (p.stackLevel < 0) return "stackLevel below 0 (section 7.8)";
  if (p.stackLevel > caps.max_stack_level) return "stackLevel above ChargeProfileMaxStackLevel";
  if (s.chargingRateUnit == ChargingRateUnitType::A && !caps.allow_current)
    return "chargingRateUnit A not in ChargingScheduleAllowedChargingRateUnit";
  if (s.chargingRateUnit == ChargingRateUnitType::W && !caps.allow_power)
    return "chargingRateUnit W not in ChargingScheduleAllowedChargingRateUnit";
  if (s.chargingSchedulePeriod.empty()) return "no chargingSchedulePeriod (section 7.13: 1..*)";
  if (static_cast<std::int64_t>(s.chargingSchedulePeriod.size()) > caps.max_periods)
    return "more periods than ChargingScheduleMaxPeriods";
  if (s.chargingSchedulePeriod.front().startPeriod != 0)
    return "the first startPeriod is not 0 (errata 3.45)";
  for (std::size_t i = 0; i < s.chargingSchedulePeriod.size(); ++i) {
    const auto& per = s.chargingSchedulePeriod[i];
    if (i > 0 && per.startPeriod <= s.chargingSchedulePeriod[i - 1].startPeriod)
      return "startPeriod values not increasing (section 7.14)";
    if (per.limit < 0) return "negative limit";
    if (per.numberPhases && (*per.numberPhases < 1 || *per.numberPhases > 3))
      return "numberPhases not 1, 2 or 3";
  }
  if (s.duration && *s.duration < 0) return "negative duration";
  if (s.minChargingRate && *s.minChargingRate < 0) return "negative minChargingRate";
  if (p.transactionId && p.chargingProfilePurpose != ChargingProfilePurposeType::TxProfile)
    return "transactionId on a profile that is not a TxProfile (section 7.8)";
  switch (p.chargingProfileKind) {
    case ChargingProfileKindType::Absolute:
      // "Schedule periods are relative to a fixed point in time defined in the schedule" (7.9).
      if (!s.startSchedule) return "Absolute profile without startSchedule (section 7.9)";
      if (p.recurrencyKind) return "recurrencyKind on a profile that is not Recurring (errata 3.56)";
      break;
    case ChargingProfileKindType::Recurring:
      if (!p.recurrencyKind) return "Recurring profile without recurrencyKind";
      if (!s.startSchedule) return "Recurring profile without startSchedule (the start of the recurrence)";
      break;
    case ChargingProfileKindType::Relative:
      if (p.recurrencyKind) return "recurrencyKind on a profile that is not Recurring (errata 3.56)";
      // A ChargePointMaxProfile has no transaction whose start could anchor it.
      if (p.chargingProfilePurpose == ChargingProfilePurposeType::ChargePointMaxProfile)
        return "Relative ChargePointMaxProfile (no start point, section 7.9)";
      break;
  }
  if (p.validFrom && p.validTo && *p.validTo <= *p.validFrom) return "validTo not after validFrom";
  return std::nullopt;
}

bool replaces(const Installed& p, const Installed& old) {
  if (p.profile.chargingProfileId == old.profile.chargingProfileId) return true;
  return p.profile.stackLevel == old.profile.stackLevel &&
         p.profile.chargingProfilePurpose == old.profile.chargingProfilePurpose &&
         p.connectorId == old.connectorId;
}

std::optional<std::vector<std::int32_t>> install(std::vector<Installed>& list, Installed p,
                                                 std::int64_t max_installed) {
  std::vector<Installed> kept;
  std::vector<std::int32_t> removed;
  for (auto& old : list) {
    if (replaces(p, old)) {
      removed.push_back(old.profile.chargingProfileId);
    } else {
      kept.push_back(old);
    }
  }
  if (static_cast<std::int64_t>(kept.size()) + 1 > max_installed) return std::nullopt;
  kept.push_back(std::move(p));
  list = std::move(kept);
  return removed;
}

std::vector<std::int32_t> clear(std::vector<Installed>& list, const ClearChargingProfileRequest& req) {
  std::vector<std::int32_t> removed;
  auto matches = [&req](const Installed& i) {
    if (req.id) return i.profile.chargingProfileId == *req.id;  // errata 3.26: the rest ignored
    if (req.connectorId && i.connectorId != *req.connectorId) return false;
    if (req.chargingProfilePurpose && i.profile.chargingProfilePurpose != *req.chargingProfilePurpose)
      return false;
    if (req.stackLevel && i.profile.stackLevel != *req.stackLevel) return false;
    return true;
  };
  std::vector<Installed> kept;
  for (auto& i : list) {
    if (matches(i)) {
      removed.push_back(i.profile.chargingProfileId);
    } else {
      kept.push_back(i);
    }
  }
  list = std::move(kept);
  return removed;
}

double convert(double limit, ChargingRateUnitType from, ChargingRateUnitType to, std::int32_t phases,
               double voltage) {
  if (from == to) return limit;
  const double factor = voltage * static_cast<double>(phases);
  const double v = from == ChargingRateUnitType::A ? limit * factor : limit / factor;
  return std::floor(v * 10.0 + 1e-6) / 10.0;
}

namespace {

constexpr Seconds kDay = 86400;
constexpr Seconds kWeek = 7 * kDay;

/// A profile's period in effect at a time.
struct Value {
  double limit = 0;
  ChargingRateUnitType unit = ChargingRateUnitType::A;
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
Eval eval_profile(const ChargingProfile& p, Seconds t, Seconds anchor) {
  Eval e;
  const ChargingSchedule& s = p.chargingSchedule;
  // Validity (section 3.13.2: validFrom/validTo decide which profiles are valid).
  if (p.validFrom && t < to_seconds(*p.validFrom)) {
    e.next = to_seconds(*p.validFrom);
    return e;
  }
  std::optional<Seconds> valid_to;
  if (p.validTo) {
    valid_to = to_seconds(*p.validTo);
    if (t >= *valid_to) return e;  // expired for good
  }
  Seconds start = 0;
  std::optional<Seconds> length;  // nullopt = the last period goes on indefinitely (7.13)
  if (s.duration) length = *s.duration;
  std::optional<Seconds> next_recurrence;
  switch (p.chargingProfileKind) {
    case ChargingProfileKindType::Absolute:
      start = s.startSchedule ? to_seconds(*s.startSchedule) : anchor;
      break;
    case ChargingProfileKindType::Relative:
      start = anchor;  // startSchedule has no meaning here (section 7.9)
      break;
    case ChargingProfileKindType::Recurring: {
      const Seconds period = p.recurrencyKind == RecurrencyKindType::Weekly ? kWeek : kDay;
      const Seconds base = s.startSchedule ? to_seconds(*s.startSchedule) : anchor;
      if (t < base) {
        e.next = base;
        earliest(e.next, valid_to);
        return e;
      }
      start = base + (t - base) / period * period;
      next_recurrence = start + period;
      // Errata 3.43/3.44: what lies beyond the recurrence period is not executed.
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
    // Errata 3.43: after the duration, fall back (to a lower stack level, or no limit).
    e.next = next_recurrence;
    earliest(e.next, valid_to);
    return e;
  }
  const auto& periods = s.chargingSchedulePeriod;
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
  v.unit = s.chargingRateUnit;
  v.numberPhases = periods[idx].numberPhases;
  v.minChargingRate = s.minChargingRate;
  e.value = v;
  if (idx + 1 < periods.size()) {
    const Seconds b = start + periods[idx + 1].startPeriod;
    if (!length || periods[idx + 1].startPeriod < *length) earliest(e.next, b);
  }
  if (length) earliest(e.next, start + *length);
  earliest(e.next, next_recurrence);
  earliest(e.next, valid_to);
  return e;
}

/// The prevailing profile among candidates at t (section 3.13.2: the highest stackLevel among
/// those in effect; at equal stackLevel a connector's own TxDefaultProfile beats connector 0's,
/// section 3.13.1 "replaced only for that specific connector").
struct Prevailing {
  std::optional<Value> value;
  std::optional<Seconds> next;
};

Prevailing prevailing(const std::vector<const Installed*>& candidates, Seconds t, Seconds anchor) {
  Prevailing r;
  const Installed* best = nullptr;
  for (const Installed* c : candidates) {
    Eval e = eval_profile(c->profile, t, anchor);
    earliest(r.next, e.next);
    if (!e.value) continue;
    bool better = !best;
    if (best) {
      const auto& a = c->profile;
      const auto& b = best->profile;
      if (a.stackLevel != b.stackLevel) {
        better = a.stackLevel > b.stackLevel;
      } else if ((c->connectorId > 0) != (best->connectorId > 0)) {
        better = c->connectorId > 0;
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

std::vector<const Installed*> of_purpose(const std::vector<Installed>& list, ChargingProfilePurposeType purpose,
                                         int connectorId, std::optional<std::int64_t> tx_key) {
  std::vector<const Installed*> out;
  for (const auto& i : list) {
    if (i.profile.chargingProfilePurpose != purpose) continue;
    switch (purpose) {
      case ChargingProfilePurposeType::ChargePointMaxProfile:
        out.push_back(&i);
        break;
      case ChargingProfilePurposeType::TxDefaultProfile:
        if (i.connectorId == 0 || i.connectorId == connectorId) out.push_back(&i);
        break;
      case ChargingProfilePurposeType::TxProfile:
        if (i.connectorId == connectorId && tx_key && i.tx_key == tx_key) out.push_back(&i);
        break;
    }
  }
  return out;
}

/// The profiles of the transaction level of a connector: its TxProfiles while a transaction
/// that has one runs (section 3.13.1: it overrules the TxDefaultProfile for the duration of
/// the transaction), else the TxDefaultProfiles of connector 0 and of the connector.
std::vector<const Installed*> tx_level(const std::vector<Installed>& list, const Situation& s, int connectorId) {
  std::optional<std::int64_t> key;
  if (connectorId >= 1 && static_cast<std::size_t>(connectorId) < s.tx.size() && s.tx[connectorId])
    key = s.tx[connectorId]->tx_key;
  auto tx = of_purpose(list, ChargingProfilePurposeType::TxProfile, connectorId, key);
  if (!tx.empty()) return tx;
  return of_purpose(list, ChargingProfilePurposeType::TxDefaultProfile, connectorId, std::nullopt);
}

Seconds anchor_of(const Situation& s, int connectorId, Seconds fallback) {
  if (connectorId >= 1 && static_cast<std::size_t>(connectorId) < s.tx.size() && s.tx[connectorId])
    return s.tx[connectorId]->start;
  return fallback;
}

struct Converted {
  double limit;
  std::optional<std::int32_t> numberPhases;
};

Converted to_unit(const Value& v, ChargingRateUnitType unit, const Settings& st) {
  const std::int32_t phases = v.numberPhases.value_or(st.default_phases);
  return {convert(v.limit, v.unit, unit, phases, st.voltage), v.numberPhases};
}

double local_limit(ChargingRateUnitType unit, const Settings& st) {
  return convert(st.max_current, ChargingRateUnitType::A, unit, st.default_phases, st.voltage);
}

/// A connector's transaction level bounded by the local limit (without the ChargePointMaxProfile).
struct Level {
  Limit value;
  std::optional<Seconds> next;
  std::optional<double> minChargingRate;
};

Level connector_level(const std::vector<Installed>& list, const Situation& s, int connectorId, Seconds t,
                      Seconds fallback_anchor, ChargingRateUnitType unit, const Settings& st) {
  Level l;
  l.value.limit = local_limit(unit, st);
  Prevailing tx = prevailing(tx_level(list, s, connectorId), t, anchor_of(s, connectorId, fallback_anchor));
  l.next = tx.next;
  if (tx.value) {
    Converted c = to_unit(*tx.value, unit, st);
    if (c.limit <= l.value.limit) l.value = Limit{c.limit, c.numberPhases};
    if (tx.value->minChargingRate)
      l.minChargingRate = convert(*tx.value->minChargingRate, tx.value->unit, unit,
                                  tx.value->numberPhases.value_or(st.default_phases), st.voltage);
  }
  return l;
}

Level connector_value(const std::vector<Installed>& list, const Situation& s, int connectorId, Seconds t,
                      Seconds fallback_anchor, ChargingRateUnitType unit, const Settings& st) {
  Prevailing cp = prevailing(of_purpose(list, ChargingProfilePurposeType::ChargePointMaxProfile, 0, std::nullopt),
                             t, fallback_anchor);
  if (connectorId >= 1) {
    Level l = connector_level(list, s, connectorId, t, fallback_anchor, unit, st);
    earliest(l.next, cp.next);
    if (cp.value) {
      Converted c = to_unit(*cp.value, unit, st);
      if (c.limit < l.value.limit) l.value = Limit{c.limit, c.numberPhases};
    }
    return l;
  }
  // Connector 0: what the charge point may draw from the grid (section 5.7, errata 3.30): the
  // sum of what every connector may take, bounded by the ChargePointMaxProfile (section 3.13.3:
  // "the limit for all connectors combined").
  Level total;
  total.next = cp.next;
  double sum = 0;
  std::optional<std::int32_t> phases;
  bool same_phases = true;
  for (int c = 1; c <= s.connectors; ++c) {
    Level l = connector_level(list, s, c, t, fallback_anchor, unit, st);
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
  if (cp.value) {
    Converted c = to_unit(*cp.value, unit, st);
    if (c.limit <= total.value.limit) total.value = Limit{c.limit, c.numberPhases};
  }
  return total;
}

}  // namespace

ChargingRateUnitType natural_unit(const std::vector<Installed>& list, const Situation& s, int connectorId) {
  bool any = false;
  bool all_w = true;
  for (const auto& i : list) {
    const auto purpose = i.profile.chargingProfilePurpose;
    bool applies = purpose == ChargingProfilePurposeType::ChargePointMaxProfile || connectorId == 0 ||
                   i.connectorId == 0 || i.connectorId == connectorId;
    if (purpose == ChargingProfilePurposeType::TxProfile && connectorId >= 1) {
      const bool runs = static_cast<std::size_t>(connectorId) < s.tx.size() && s.tx[connectorId] &&
                        i.tx_key == s.tx[connectorId]->tx_key;
      applies = applies && runs;
    }
    if (!applies) continue;
    any = true;
    if (i.profile.chargingSchedule.chargingRateUnit != ChargingRateUnitType::W) all_w = false;
  }
  return any && all_w ? ChargingRateUnitType::W : ChargingRateUnitType::A;
}

LimitAt limit_at(const std::vector<Installed>& list, const Situation& s, int connectorId, Seconds t,
                 ChargingRateUnitType unit, const Settings& settings) {
  Level l = connector_value(list, s, connectorId, t, t, unit, settings);
  return {l.value, l.next};
}

Composite composite_schedule(const std::vector<Installed>& list, const Situation& s, int connectorId,
                             Seconds start, std::int32_t duration, ChargingRateUnitType unit,
                             const Settings& settings) {
  Composite out;
  out.unit = unit;
  out.duration = std::max<std::int32_t>(duration, 0);
  const Seconds end = start + out.duration;
  Seconds t = start;
  std::optional<Limit> last;
  do {
    // Relative profiles of a connector without a transaction: as for one starting at `start`.
    Level l = connector_value(list, s, connectorId, t, start, unit, settings);
    if (t == start) out.minChargingRate = l.minChargingRate;
    if (!last || *last != l.value) {
      if (out.periods.size() == kMaxCompositePeriods) {
        out.duration = static_cast<std::int32_t>(t - start);
        break;
      }
      ChargingSchedulePeriod p;
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

}  // namespace ocpp::v16::smart_charging
