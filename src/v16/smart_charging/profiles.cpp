// Smart Charging calculations of 1.6 (validation, replace and clear rules) and the conversion
// of its types for the shared schedule maths (core/charging_schedule.cpp); see profiles.hpp.
// Section numbers refer to OCPP 1.6 edition 2 and its errata sheet (v4.0); the readings chosen
// where the text is ambiguous are listed in docs/protocol-choices.md ("Smart Charging").
#include "v16/smart_charging/profiles.hpp"

#include <algorithm>

namespace ocpp::v16::smart_charging {

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

namespace {

charging::RateUnit unit_of(ChargingRateUnitType u) {
  return u == ChargingRateUnitType::W ? charging::RateUnit::W : charging::RateUnit::A;
}

ChargingRateUnitType unit_of(charging::RateUnit u) {
  return u == charging::RateUnit::W ? ChargingRateUnitType::W : ChargingRateUnitType::A;
}

charging::Purpose purpose_of(ChargingProfilePurposeType p) {
  switch (p) {
    case ChargingProfilePurposeType::ChargePointMaxProfile:
      return charging::Purpose::StationMax;
    case ChargingProfilePurposeType::TxDefaultProfile:
      return charging::Purpose::TxDefault;
    case ChargingProfilePurposeType::TxProfile:
      break;
  }
  return charging::Purpose::Tx;
}

charging::Profile to_core(const Installed& i) {
  const ChargingProfile& p = i.profile;
  charging::Profile c = charging::make_profile(p, p.chargingSchedule, p.chargingProfileId,
                                               purpose_of(p.chargingProfilePurpose),
                                               unit_of(p.chargingSchedule.chargingRateUnit));
  c.location = i.connectorId;
  c.tx_key = i.tx_key;
  c.seq = i.seq;
  return c;
}

std::vector<charging::Profile> to_core(const std::vector<Installed>& list) {
  std::vector<charging::Profile> out;
  out.reserve(list.size());
  for (const auto& i : list) out.push_back(to_core(i));
  return out;
}

charging::Situation to_core(const Situation& s) { return {s.connectors, s.tx}; }

}  // namespace

std::optional<std::string> check_profile(const ChargingProfile& p, const Capabilities& caps) {
  const ChargingSchedule& s = p.chargingSchedule;
  if (p.stackLevel < 0) return "stackLevel below 0 (section 7.8)";
  if (p.stackLevel > caps.max_stack_level) return "stackLevel above ChargeProfileMaxStackLevel";
  if (s.chargingRateUnit == ChargingRateUnitType::A && !caps.allow_current)
    return "chargingRateUnit A not in ChargingScheduleAllowedChargingRateUnit";
  if (s.chargingRateUnit == ChargingRateUnitType::W && !caps.allow_power)
    return "chargingRateUnit W not in ChargingScheduleAllowedChargingRateUnit";
  if (p.transactionId && p.chargingProfilePurpose != ChargingProfilePurposeType::TxProfile)
    return "transactionId on a profile that is not a TxProfile (section 7.8)";
  // Sections 7.9, 7.13, 7.14, errata 3.45, 3.56; the maximum is ChargingScheduleMaxPeriods.
  return charging::check_schedule(to_core(Installed{0, p, std::nullopt, 0}), caps.max_periods);
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

std::vector<std::int32_t> clear(std::vector<Installed>& list,
                                const ClearChargingProfileRequest& req) {
  std::vector<std::int32_t> removed;
  auto matches = [&req](const Installed& i) {
    if (req.id) return i.profile.chargingProfileId == *req.id;  // errata 3.26: the rest ignored
    if (req.connectorId && i.connectorId != *req.connectorId) return false;
    if (req.chargingProfilePurpose &&
        i.profile.chargingProfilePurpose != *req.chargingProfilePurpose)
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

double convert(double limit, ChargingRateUnitType from, ChargingRateUnitType to,
               std::int32_t phases, double voltage) {
  return charging::convert(limit, unit_of(from), unit_of(to), phases, voltage);
}

ChargingRateUnitType natural_unit(const std::vector<Installed>& list, const Situation& s,
                                  int connectorId) {
  return unit_of(charging::natural_unit(to_core(list), to_core(s), connectorId));
}

LimitAt limit_at(const std::vector<Installed>& list, const Situation& s, int connectorId, Seconds t,
                 ChargingRateUnitType unit, const Settings& settings) {
  return charging::limit_at(to_core(list), to_core(s), connectorId, t, unit_of(unit), settings);
}

Composite composite_schedule(const std::vector<Installed>& list, const Situation& s,
                             int connectorId, Seconds start, std::int32_t duration,
                             ChargingRateUnitType unit, const Settings& settings) {
  const charging::Composite c = charging::composite_schedule(
      to_core(list), to_core(s), connectorId, start, duration, unit_of(unit), settings);
  Composite out;
  out.unit = unit_of(c.unit);
  out.duration = c.duration;
  out.minChargingRate = c.minChargingRate;
  out.periods = charging::to_periods<ChargingSchedulePeriod>(c.periods);
  return out;
}

}  // namespace ocpp::v16::smart_charging
