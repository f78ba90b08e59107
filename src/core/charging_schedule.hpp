// Charging schedule maths shared by OCPP 1.6 (section 3.13, chapter 7) and OCPP 2.0.1 (part 2
// block K): a profile's period in effect at a time (validFrom/validTo, Absolute, Recurring
// Daily/Weekly, Relative to the transaction start, duration), stacking by stackLevel, the
// combination of the purposes by minimum, A/W conversion, and the composite schedule over a
// duration. Version-neutral structs: each engine converts its own message types into these.
//
// Pure functions: no I/O and no clock; every time is passed in. All times are whole seconds
// since the Unix epoch (schedule periods are whole seconds, so this loses nothing).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ocpp/time.hpp"

namespace ocpp::core::charging {

using Seconds = std::int64_t;  ///< seconds since the Unix epoch

/// A dateTime floored to the second.
Seconds to_seconds(DateTime t);
DateTime from_seconds(Seconds s);

enum class RateUnit { A, W };
/// The purposes of both versions: 1.6 ChargePointMaxProfile is StationMax; External (2.0.1
/// ChargingStationExternalConstraints) does not exist in 1.6.
enum class Purpose { StationMax, TxDefault, Tx, External };
enum class Kind { Absolute, Recurring, Relative };
enum class Recurrency { Daily, Weekly };

struct Period {
  std::int32_t startPeriod = 0;
  double limit = 0;
  std::optional<std::int32_t> numberPhases;
};

/// An installed profile with its (one) schedule. location: the connector (1.6) or EVSE
/// (2.0.1) it was set on, 0 for the station. tx_key: the local key of the transaction a Tx
/// profile belongs to. seq: install order (the newest wins a tie).
struct Profile {
  std::int32_t id = 0;
  std::int32_t stackLevel = 0;
  Purpose purpose = Purpose::TxDefault;
  Kind kind = Kind::Absolute;
  std::optional<Recurrency> recurrencyKind;
  std::optional<Seconds> validFrom;
  std::optional<Seconds> validTo;
  std::optional<Seconds> startSchedule;
  std::optional<std::int32_t> duration;
  RateUnit unit = RateUnit::A;
  std::vector<Period> periods;
  std::optional<double> minChargingRate;
  int location = 0;
  std::optional<std::int64_t> tx_key;
  std::int64_t seq = 0;
};

/// Fills the schedule part of p from a version's ChargingSchedule (1.6 ChargingSchedule and
/// 2.0.1 ChargingScheduleType name these members alike); the unit is the caller's to convert.
template <class Schedule>
void set_schedule(Profile& p, const Schedule& s) {
  if (s.startSchedule) p.startSchedule = to_seconds(*s.startSchedule);
  p.duration = s.duration;
  p.periods.clear();
  for (const auto& per : s.chargingSchedulePeriod)
    p.periods.push_back({per.startPeriod, per.limit, per.numberPhases});
  p.minChargingRate = s.minChargingRate;
}

/// A profile from a version's ChargingProfile and its ChargingSchedule (members named alike in
/// 1.6 and 2.0.1; their Kind and RecurrencyKind enums list the values in the same order). The
/// id, purpose and unit are the caller's to convert; location, tx_key and seq stay unset.
template <class ProfileT, class Schedule>
Profile make_profile(const ProfileT& p, const Schedule& s, std::int32_t id, Purpose purpose,
                     RateUnit unit) {
  Profile c;
  c.id = id;
  c.stackLevel = p.stackLevel;
  c.purpose = purpose;
  c.kind = static_cast<Kind>(p.chargingProfileKind);
  if (p.recurrencyKind) c.recurrencyKind = static_cast<Recurrency>(*p.recurrencyKind);
  if (p.validFrom) c.validFrom = to_seconds(*p.validFrom);
  if (p.validTo) c.validTo = to_seconds(*p.validTo);
  set_schedule(c, s);
  c.unit = unit;
  return c;
}

/// The periods as a version's ChargingSchedulePeriod type (same member names in both).
template <class PeriodT>
std::vector<PeriodT> to_periods(const std::vector<Period>& in) {
  std::vector<PeriodT> out;
  out.reserve(in.size());
  for (const Period& per : in) {
    PeriodT p;
    p.startPeriod = per.startPeriod;
    p.limit = per.limit;
    p.numberPhases = per.numberPhases;
    out.push_back(std::move(p));
  }
  return out;
}

/// The rules both versions give a schedule (periods 1..max_periods, the first at 0, startPeriod
/// increasing, limits and phases in range, validTo after validFrom; startSchedule present for
/// Absolute and Recurring, recurrencyKind only and always for Recurring). Returns why it is
/// refused, or nullopt when it is valid.
std::optional<std::string> check_schedule(const Profile& p, std::int64_t max_periods);

/// Electrical settings used to convert between A and W and to bound what no profile limits.
struct Settings {
  double voltage = 230.0;           ///< line voltage
  std::int32_t default_phases = 3;  ///< 1.6 section 7.12, 2.0.1 K01.FR.49: 3 when not given
  double max_current = 32.0;        ///< per connector/EVSE, A per phase: the local limit
};

/// The transaction running on a connector or EVSE, as the composite needs it.
struct TxContext {
  std::int64_t tx_key = 0;
  Seconds start = 0;  ///< the start point of Relative profiles
};

/// The station's situation: connectors or EVSEs 1..count and their transactions (index 0
/// unused, size count + 1).
struct Situation {
  int count = 1;
  std::vector<std::optional<TxContext>> tx;
};

/// One limit in effect: what the firmware must follow at a point in time.
struct Limit {
  double limit = 0;
  std::optional<std::int32_t> numberPhases;
  bool operator==(const Limit& o) const {
    return limit == o.limit && numberPhases == o.numberPhases;
  }
  bool operator!=(const Limit& o) const { return !(*this == o); }
};

/// A composite schedule over [start, start + duration) in unit.
struct Composite {
  RateUnit unit = RateUnit::A;
  std::int32_t duration = 0;  ///< shorter than asked when kMaxCompositePeriods was reached
  std::vector<Period> periods;
  std::optional<double> minChargingRate;
};

/// Bound of the periods of one composite schedule (a long duration over short recurring
/// periods would otherwise produce an answer of any size).
constexpr std::size_t kMaxCompositePeriods = 1024;

/// Converts a limit between A (per phase) and W (total) with phases phases, rounded down to
/// 0.1, so a converted limit never exceeds the original.
double convert(double limit, RateUnit from, RateUnit to, std::int32_t phases, double voltage);

/// The unit a composite is reported in when none is asked for: W when every profile that may
/// apply to the location is in W, else A.
RateUnit natural_unit(const std::vector<Profile>& list, const Situation& s, int location);

/// Composite schedule of location 0 (the grid connection: the minimum of the station-wide
/// profiles and the sum of the locations' limits) or N (the minimum of the station-wide
/// profiles, the location's External profiles, the Tx or else TxDefault stack, and the local
/// limit). duration 0 gives the one period in effect at start. location must be 0..s.count.
Composite composite_schedule(const std::vector<Profile>& list, const Situation& s, int location,
                             Seconds start, std::int32_t duration, RateUnit unit,
                             const Settings& settings);

/// The limit in effect at location (0..count) at t, in unit, and when it may change next (a
/// boundary of a period, a validity or a recurrence; nullopt = never).
struct LimitAt {
  Limit value;
  std::optional<Seconds> next_change;
};
LimitAt limit_at(const std::vector<Profile>& list, const Situation& s, int location, Seconds t,
                 RateUnit unit, const Settings& settings);

}  // namespace ocpp::core::charging
