// Smart Charging calculations (OCPP 1.6 section 3.13, chapter 7 types ChargingProfile and
// ChargingSchedule, errata 3.7, 3.8, 3.34, 3.43-3.45, 3.56, 3.57, 3.65-3.68).
//
// Pure functions over the installed profiles: validation, the replace/clear rules of the
// profile store, and the composite schedule. No I/O and no clock: every time is passed in,
// so the module (smart_charging.cpp) and the unit tests drive the same code. The schedule
// maths itself is version-neutral and lives in core/charging_schedule.hpp (shared with
// OCPP 2.0.1): this file converts the 1.6 types into its structs.
//
// All times are whole seconds since the Unix epoch (dateTime values are floored to the
// second): schedule periods are whole seconds, so this loses nothing the protocol expresses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/charging_schedule.hpp"
#include "ocpp/time.hpp"
#include "ocpp/v16/generated/messages.hpp"

namespace ocpp::v16::smart_charging {

namespace charging = core::charging;
using Seconds = charging::Seconds;  ///< seconds since the Unix epoch
using charging::from_seconds;
using charging::to_seconds;

/// Electrical settings of the charge point used to convert between A and W and to bound
/// what no profile limits ("Local Limits might be taken into account", errata 3.1/3.27).
using Settings = charging::Settings;

/// The configuration keys of section 9.4 that bound what may be installed.
struct Capabilities {
  std::int64_t max_stack_level = 10;  ///< ChargeProfileMaxStackLevel (9.4.1)
  bool allow_current = true;          ///< ChargingScheduleAllowedChargingRateUnit has Current
  bool allow_power = true;            ///< ... has Power (9.4.2)
  std::int64_t max_periods = 48;      ///< ChargingScheduleMaxPeriods (9.4.3)
  std::int64_t max_installed = 20;    ///< MaxChargingProfilesInstalled (9.4.5)
};

/// Parses the CSL of ChargingScheduleAllowedChargingRateUnit into allow_current/allow_power.
void parse_allowed_units(const std::string& csl, Capabilities& caps);

/// An installed profile: where it was set, and for a TxProfile the local key of the
/// transaction it belongs to (the CSMS's transactionId may not be known yet).
struct Installed {
  int connectorId = 0;
  ChargingProfile profile;
  std::optional<std::int64_t> tx_key;
  std::int64_t seq = 0;  ///< install order; the newest wins when stored copies conflict
};

/// Checks a profile on its own against chapter 7, the errata and the capabilities (not where
/// it is set: that is the caller's). Returns why it is refused, or nullopt when it is valid.
std::optional<std::string> check_profile(const ChargingProfile& p, const Capabilities& caps);

/// Whether installing `p` replaces `old` (section 5.16.3/5.16.4: same chargingProfileId, or the
/// same stackLevel and purpose on the same connector; section 3.13.1: a TxDefaultProfile on a
/// connector > 0 does not replace the one on connector 0).
bool replaces(const Installed& p, const Installed& old);

/// Installs p into list, removing what it replaces. Refuses (nullopt list unchanged) when the
/// result would hold more than max_installed profiles; else returns the chargingProfileIds removed.
std::optional<std::vector<std::int32_t>> install(std::vector<Installed>& list, Installed p,
                                                 std::int64_t max_installed);

/// ClearChargingProfile (section 5.5, errata 3.25/3.26): by id (other fields ignored), or every
/// profile matching all given fields (none given = all). Returns the ids removed.
std::vector<std::int32_t> clear(std::vector<Installed>& list,
                                const ClearChargingProfileRequest& req);

/// The transaction running on a connector, as the composite needs it.
using TxContext = charging::TxContext;

/// The charge point's situation: connectors 1..N and their transactions (index 0 unused).
struct Situation {
  int connectors = 1;
  std::vector<std::optional<TxContext>> tx;  ///< size connectors + 1
};

/// One limit in effect: what the firmware must follow on a connector at a point in time.
using Limit = charging::Limit;

/// The composite schedule of a connector over [start, start + duration) in `unit`.
struct Composite {
  ChargingRateUnitType unit = ChargingRateUnitType::A;
  std::int32_t duration = 0;  ///< may be shorter than asked when kMaxCompositePeriods was reached
  std::vector<ChargingSchedulePeriod> periods;
  std::optional<double> minChargingRate;
};

/// Bound of the periods of one composite schedule.
constexpr std::size_t kMaxCompositePeriods = charging::kMaxCompositePeriods;

/// The unit a composite is reported in when the CSMS does not ask for one: W when every
/// profile that may apply to the connector is in W, else A.
ChargingRateUnitType natural_unit(const std::vector<Installed>& list, const Situation& s,
                                  int connectorId);

/// Composite schedule (section 3.13.3 and 5.7) of connector 0 (the grid connection: the minimum
/// of the ChargePointMaxProfile and the sum of the connectors' limits) or N (the minimum of the
/// ChargePointMaxProfile, the TxProfile or else TxDefaultProfile stack, and the local limit).
/// duration 0 gives the one period in effect at start. connectorId must be 0..s.connectors.
Composite composite_schedule(const std::vector<Installed>& list, const Situation& s,
                             int connectorId, Seconds start, std::int32_t duration,
                             ChargingRateUnitType unit, const Settings& settings);

/// The limit in effect on connector (0..N) at t, in unit, and when it may change next (a
/// boundary of a period, of a validity or of a recurrence; nullopt = never).
using LimitAt = charging::LimitAt;
LimitAt limit_at(const std::vector<Installed>& list, const Situation& s, int connectorId, Seconds t,
                 ChargingRateUnitType unit, const Settings& settings);

/// Converts a limit between A (per phase) and W (total) with phases phases (section 7.12),
/// rounded down to the 0.1 the schema allows, so a converted limit never exceeds the original.
double convert(double limit, ChargingRateUnitType from, ChargingRateUnitType to,
               std::int32_t phases, double voltage);

}  // namespace ocpp::v16::smart_charging
