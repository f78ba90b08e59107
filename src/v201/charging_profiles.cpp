// The CSMS's smart charging messages (part 2 block K): SetChargingProfile (K01),
// ClearChargingProfile (K10), GetChargingProfiles with its ReportChargingProfilesRequests
// (K09) and GetCompositeSchedule (K08). The rules on one profile, persistence and the limits
// in effect are in smart_charging.cpp.
#include <algorithm>

#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

namespace charging = core::charging;
using P = ChargingProfilePurposeEnumType;

void Engine::Impl::handle_set_charging_profile(const rpc::Frame& frame, Now now) {
  if (!smart_charging_enabled()) {  // K01.FR.29
    reply_error(frame.id, RpcErrorCode::NotSupported, "smart charging is not enabled");
    return;
  }
  SetChargingProfileRequest req;
  if (!decode_request(frame, req)) return;
  auto answer = [&](std::optional<StatusInfoType> why) {
    SetChargingProfileResponse resp;
    resp.status =
        why ? ChargingProfileStatusEnumType::Rejected : ChargingProfileStatusEnumType::Accepted;
    if (why)
      log(2, "SetChargingProfile Rejected: " + why->additionalInfo.value_or(why->reasonCode));
    resp.statusInfo = std::move(why);
    reply(frame.id, codec::to_json(resp));
  };
  if (req.evseId < 0 || req.evseId > static_cast<int>(evses_.size()))
    return answer(status_info("UnknownEvse", "no such EVSE (K01.FR.28)"));
  const ChargingProfileType& p = req.chargingProfile;
  if (auto why = check_profile(p, profile_limits())) return answer(why);
  InstalledProfile ip{req.evseId, p, ChargingLimitSourceEnumType::CSO, std::nullopt,
                      smart_.seq + 1};
  if (p.chargingProfilePurpose == P::ChargingStationMaxProfile && req.evseId != 0)
    return answer(status_info("InvalidProfile", "ChargingStationMaxProfile on an EVSE"));
  if (p.chargingProfilePurpose == P::TxProfile) {
    if (req.evseId == 0)
      return answer(status_info("InvalidProfile", "TxProfile on EVSE 0 (K01.FR.16)"));
    const EvseTx& e = evse_tx(req.evseId);
    if (!e.tx) return answer(status_info("TxNotFound", "no transaction on the EVSE (K01.FR.09)"));
    // K01.FR.03 asks the CSMS for the transactionId: without it the TxProfile could land on
    // another transaction than meant (docs/protocol-choices.md).
    if (!p.transactionId)
      return answer(status_info("InvalidProfile", "TxProfile without transactionId (K01.FR.03)"));
    if (*p.transactionId != e.tx->transaction_id)
      return answer(status_info("TxNotFound", "transactionId not on the EVSE (K01.FR.33)"));
    ip.tx_key = e.tx->tx_key;
  }
  std::size_t after = 1;
  for (const auto& old : smart_.profiles) {
    if (old.profile.id == p.id) {
      // K01.FR.05: replaced, unless it is an external constraint the CSMS cannot touch.
      if (old.profile.chargingProfilePurpose == P::ChargingStationExternalConstraints)
        return answer(status_info("InvalidProfile", "the id of an external constraint"));
      continue;
    }
    if (conflicts(ip, old))
      return answer(status_info("DuplicateProfile",
                                "stackLevel taken by profile " + std::to_string(old.profile.id)));
    ++after;
  }
  if (after > options_.max_charging_profiles)
    return answer(status_info("TooManyElements", "SmartChargingCtrlr.Entries maxLimit reached"));
  if (auto ec = store_.kv_set(profile_store_key(p.id), serialize_profile(ip))) {  // K01.FR.27
    log(0, "storing a charging profile failed: " + ec.message());
    reply_error(frame.id, RpcErrorCode::InternalError, "the charging profile could not be stored");
    return;
  }
  smart_.seq = ip.seq;
  smart_.profiles.erase(
      std::remove_if(smart_.profiles.begin(), smart_.profiles.end(),
                     [&](const InstalledProfile& o) { return o.profile.id == p.id; }),
      smart_.profiles.end());
  smart_.profiles.push_back(std::move(ip));
  answer(std::nullopt);
  refresh_limits(now);  // K01.FR.07, K01.FR.32
}

void Engine::Impl::handle_clear_charging_profile(const rpc::Frame& frame, Now now) {
  if (!smart_charging_enabled()) {
    reply_error(frame.id, RpcErrorCode::NotSupported, "smart charging is not enabled");
    return;
  }
  ClearChargingProfileRequest req;
  if (!decode_request(frame, req)) return;
  auto matches = [&req](const InstalledProfile& ip) {
    // K10.FR.08, K10.FR.09: external constraints are never cleared by the CSMS.
    if (ip.profile.chargingProfilePurpose == P::ChargingStationExternalConstraints) return false;
    if (req.chargingProfileId) return ip.profile.id == *req.chargingProfileId;  // K10.FR.03
    if (!req.chargingProfileCriteria) return true;
    const ClearChargingProfileType& c = *req.chargingProfileCriteria;  // K10.FR.04: all of them
    if (c.evseId && ip.evse_id != *c.evseId) return false;
    if (c.chargingProfilePurpose && ip.profile.chargingProfilePurpose != *c.chargingProfilePurpose)
      return false;
    return !c.stackLevel || ip.profile.stackLevel == *c.stackLevel;
  };
  // Erased from the store first: a profile whose erase fails stays installed, so that memory
  // never differs from what a restart would load.
  std::vector<InstalledProfile> kept;
  bool removed = false, failed = false;
  for (auto& ip : smart_.profiles) {
    if (!matches(ip)) {
      kept.push_back(std::move(ip));
    } else if (auto ec = store_.kv_erase(profile_store_key(ip.profile.id))) {
      log(0, "removing a charging profile from storage failed: " + ec.message());
      failed = true;
      kept.push_back(std::move(ip));
    } else {
      removed = true;
    }
  }
  smart_.profiles = std::move(kept);
  if (failed) {
    reply_error(frame.id, RpcErrorCode::InternalError, "charging profiles could not be removed");
  } else {
    ClearChargingProfileResponse resp;
    resp.status = removed ? ClearChargingProfileStatusEnumType::Accepted
                          : ClearChargingProfileStatusEnumType::Unknown;  // K10.FR.01
    reply(frame.id, codec::to_json(resp));
  }
  refresh_limits(now);  // K10.FR.05, K10.FR.07
}

void Engine::Impl::handle_get_charging_profiles(const rpc::Frame& frame, Now) {
  if (!smart_charging_enabled()) {
    reply_error(frame.id, RpcErrorCode::NotSupported, "smart charging is not enabled");
    return;
  }
  GetChargingProfilesRequest req;
  if (!decode_request(frame, req)) return;
  const ChargingProfileCriterionType& c = req.chargingProfile;
  auto matches = [&](const InstalledProfile& ip) {
    // K09.FR.04 to K09.FR.06: the EVSE's (evseId > 0), the station's (0), or all.
    if (req.evseId && ip.evse_id != *req.evseId) return false;
    const auto& ids = c.chargingProfileId;
    if (ids && std::find(ids->begin(), ids->end(), ip.profile.id) == ids->end()) return false;
    if (c.stackLevel && ip.profile.stackLevel != *c.stackLevel) return false;
    if (c.chargingProfilePurpose && ip.profile.chargingProfilePurpose != *c.chargingProfilePurpose)
      return false;
    const auto& sources = c.chargingLimitSource;
    return !sources || std::find(sources->begin(), sources->end(), ip.source) != sources->end();
  };
  // One ReportChargingProfilesRequest per EVSE and source (the message has one of each).
  std::map<std::pair<int, ChargingLimitSourceEnumType>, std::vector<ChargingProfileType>> groups;
  for (const auto& ip : smart_.profiles)
    if (matches(ip)) groups[{ip.evse_id, ip.source}].push_back(ip.profile);
  GetChargingProfilesResponse resp;
  resp.status = groups.empty() ? GetChargingProfileStatusEnumType::NoProfiles
                               : GetChargingProfileStatusEnumType::Accepted;
  reply(frame.id, codec::to_json(resp));
  std::size_t left = groups.size();
  for (auto& [where, profiles] : groups) {
    ReportChargingProfilesRequest report;
    report.requestId = req.requestId;  // K09.FR.01
    report.evseId = where.first;
    report.chargingLimitSource = where.second;
    report.chargingProfile = std::move(profiles);
    if (--left > 0) report.tbc = true;  // K09.FR.02
    send_volatile(Action::ReportChargingProfiles, codec::to_json(report));
  }
}

void Engine::Impl::handle_get_composite_schedule(const rpc::Frame& frame, Now now) {
  if (!smart_charging_enabled()) {
    reply_error(frame.id, RpcErrorCode::NotSupported, "smart charging is not enabled");
    return;
  }
  GetCompositeScheduleRequest req;
  if (!decode_request(frame, req)) return;
  GetCompositeScheduleResponse resp;
  resp.status = GenericStatusEnumType::Rejected;
  const ProfileLimits l = profile_limits();
  if (req.evseId < 0 || req.evseId > static_cast<int>(evses_.size())) {
    resp.statusInfo = status_info("UnknownEvse", "no such EVSE (K08.FR.05)");
  } else if (req.chargingRateUnit &&
             !(*req.chargingRateUnit == ChargingRateUnitEnumType::A ? l.allow_a : l.allow_w)) {
    resp.statusInfo = status_info("UnsupportedRateUnit", "not in SmartChargingCtrlr.RateUnit");
  } else if (req.duration < 0) {
    resp.statusInfo = status_info("InvalidValue", "negative duration");
  } else {
    const auto list = core_profiles();
    const auto s = charging_situation(now);
    const auto unit = req.chargingRateUnit ? to_core(*req.chargingRateUnit)
                                           : charging::natural_unit(list, s, req.evseId);
    // K08.FR.02: from the moment of receipt up to the duration.
    const charging::Seconds start = charging::to_seconds(now.wall);
    const charging::Composite c = charging::composite_schedule(
        list, s, req.evseId, start, req.duration, unit, charging_settings());
    CompositeScheduleType cs;
    cs.evseId = req.evseId;
    cs.duration = c.duration;
    cs.scheduleStart = charging::from_seconds(start);
    cs.chargingRateUnit = from_core(c.unit);
    cs.chargingSchedulePeriod = charging::to_periods<ChargingSchedulePeriodType>(c.periods);
    resp.status = GenericStatusEnumType::Accepted;
    resp.schedule = std::move(cs);
  }
  reply(frame.id, codec::to_json(resp));
}

}  // namespace ocpp::v201
