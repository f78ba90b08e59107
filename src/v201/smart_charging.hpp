// Smart charging of OCPP 2.0.1 (part 2 block K): the installed charging profiles, the checks
// of K01 on a profile, and the conversion of profiles into the version-neutral schedule maths
// (core/charging_schedule.hpp) shared with OCPP 1.6.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/charging_schedule.hpp"
#include "ocpp/time.hpp"
#include "ocpp/v201/generated/messages.hpp"

namespace ocpp::v201 {

/// A charging profile installed on the station.
struct InstalledProfile {
  int evse_id = 0;  ///< 0: the station (the grid connection)
  ChargingProfileType profile;
  /// Who set it: CSO for the CSMS's SetChargingProfileRequest (K09 chargingLimitSource).
  ChargingLimitSourceEnumType source = ChargingLimitSourceEnumType::CSO;
  std::optional<std::int64_t> tx_key;  ///< a TxProfile: the local key of its transaction
  std::int64_t seq = 0;                ///< install order (the newest wins a tie)
};

/// The SmartChargingCtrlr variables that bound what may be installed.
struct ProfileLimits {
  std::int64_t max_stack_level = 10;  ///< ProfileStackLevel
  std::int64_t max_periods = 24;      ///< PeriodsPerSchedule
  bool allow_a = true;                ///< RateUnit has A
  bool allow_w = true;                ///< RateUnit has W
};

/// A statusInfo with a reasonCode of the part 2 appendix and a text (at most 512 characters).
StatusInfoType status_info(std::string reason_code, std::string additional_info);

/// The checks of K01 on the profile on its own (not where it is set nor the other profiles):
/// nullopt when valid, else the statusInfo of the Rejected answer.
std::optional<StatusInfoType> check_profile(const ChargingProfileType& p, const ProfileLimits& l);

/// Whether installing p is refused because of `other`, installed with a different id:
/// K01.FR.06 (same stackLevel, purpose and EVSE, overlapping validity), K01.FR.39 (TxProfiles
/// of the same transaction and stackLevel), K01.FR.52 and K01.FR.53 (TxDefaultProfiles of the
/// same stackLevel on EVSE 0 and on an EVSE).
bool conflicts(const InstalledProfile& p, const InstalledProfile& other);

/// The kv rows of installed profiles: "v201.profiles.<id>", whoever installed them (the CSMS,
/// or the firmware's external limits).
inline const std::string kProfileKeyPrefix = "v201.profiles.";
inline std::string profile_store_key(std::int32_t id) {
  return kProfileKeyPrefix + std::to_string(id);
}

/// The stored form of an installed profile (kv row profile_store_key(id)).
std::string serialize_profile(const InstalledProfile& ip);

/// The profile as the shared schedule maths sees it (its first, only, chargingSchedule).
core::charging::Profile to_core(const InstalledProfile& p);
core::charging::RateUnit to_core(ChargingRateUnitEnumType u);
ChargingRateUnitEnumType from_core(core::charging::RateUnit u);

/// What the engine keeps for block K.
struct SmartChargingState {
  std::vector<InstalledProfile> profiles;
  std::int64_t seq = 0;
  /// A remote start's TxProfile waiting for the transaction it leads to (K05), by EVSE.
  struct Pending {
    ChargingProfileType profile;
    MonoTime until;
  };
  std::map<int, Pending> pending;
  /// What the charging_limit hook was last told, [evseId] (0: the station).
  struct Reported {
    core::charging::Limit value;
    core::charging::RateUnit unit = core::charging::RateUnit::A;
    bool operator==(const Reported& o) const { return value == o.value && unit == o.unit; }
  };
  std::vector<std::optional<Reported>> reported;
  std::optional<MonoTime> deadline;  ///< the next boundary of a period or a validity
};

}  // namespace ocpp::v201
