// External charging limits of OCPP 2.0.1 (part 2 K11, K12, K13): a limit an external system
// (EMS, grid operator) imposes on the grid connection or an EVSE, given by the firmware.
// It is installed as a ChargingStationExternalConstraints profile among the CSMS's profiles
// (smart_charging.cpp), so that the limits in effect, GetChargingProfiles and
// GetCompositeSchedule include it (K11.FR.06, K12.FR.05); the CSMS is told with
// NotifyChargingLimitRequest (K11.FR.02, K12.FR.02) and ClearedChargingLimitRequest
// (K13.FR.02); ongoing transactions with TransactionEventRequest ChargingRateChanged
// (K11.FR.04, K13.FR.03).
//
// Offline: the two notifications are not transaction messages (E04.FR.01 queues only those;
// QueueAllMessages is not offered), so none is queued. What the CSMS acknowledged is kept
// (and stored), and after the next Accepted connection the station sends what differs from
// it: the current limit, or the release of one the CSMS still believes in. The CSMS learns the
// state it missed without a replay of stale steps (as B04 does for connector status).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

namespace charging = core::charging;
using P = ChargingProfilePurposeEnumType;

namespace {

const std::string kToldPrefix = "v201.extlimit.told.";

std::string told_key(int evse_id, ChargingLimitSourceEnumType source) {
  return kToldPrefix + std::to_string(evse_id) + "." + std::string(to_string(source));
}

constexpr double kNone = std::numeric_limits<double>::infinity();

/// The schedule's limit at t (its unit), or kNone outside [startSchedule, + duration).
double schedule_limit_at(const ChargingScheduleType& s, charging::Seconds t) {
  if (!s.startSchedule || s.chargingSchedulePeriod.empty()) return kNone;
  const charging::Seconds start = charging::to_seconds(*s.startSchedule);
  if (t < start || (s.duration && t >= start + *s.duration)) return kNone;
  double v = kNone;
  for (const auto& p : s.chargingSchedulePeriod)
    if (start + p.startPeriod <= t) v = p.limit;
  return v;
}

/// Whether `next` differs from `before` by more than `percent` (LimitChangeSignificance) of
/// the earlier value; a limit that appears or goes away always counts.
bool significant(double before, double next, double percent) {
  if (before == next) return false;
  if (std::isinf(before) || std::isinf(next)) return true;
  if (before == 0) return true;
  return std::abs(next - before) / before * 100.0 > percent;
}

/// Whether schedule `next` differs from `before` by more than percent at any point from now
/// on: at now and at every boundary of either schedule (a period, the end of its duration).
bool schedule_changed(const ChargingScheduleType& before, const ChargingScheduleType& next,
                      charging::Seconds now, double percent) {
  if (before.chargingRateUnit != next.chargingRateUnit) return true;
  std::vector<charging::Seconds> times{now};
  for (const ChargingScheduleType* s : {&before, &next}) {
    if (!s->startSchedule) continue;
    const charging::Seconds start = charging::to_seconds(*s->startSchedule);
    for (const auto& p : s->chargingSchedulePeriod) times.push_back(start + p.startPeriod);
    if (s->duration) times.push_back(start + *s->duration);
  }
  for (charging::Seconds t : times)
    if (t >= now && significant(schedule_limit_at(before, t), schedule_limit_at(next, t), percent))
      return true;
  return false;
}

}  // namespace

// ---------------------------------------------------------------- public forwarding

std::error_code Engine::set_external_limit(int evseId, ChargingLimitSourceEnumType source,
                                           const ChargingScheduleType& schedule, Now now,
                                           std::optional<bool> isGridCritical) {
  return impl_->set_external_limit(evseId, source, schedule, now, isGridCritical);
}

std::error_code Engine::release_external_limit(int evseId, ChargingLimitSourceEnumType source,
                                               Now now) {
  return impl_->release_external_limit(evseId, source, now);
}

// ---------------------------------------------------------------- the engine's part

namespace {

/// SmartChargingCtrlr.LimitChangeSignificance in percent (0 when unset or unreadable).
double limit_change_significance(const DeviceModel& dm) {
  const auto text = dm.get_string("SmartChargingCtrlr", "LimitChangeSignificance");
  const auto v = text ? parse_decimal(*text) : std::nullopt;  // locale-independent
  return v && *v >= 0 ? *v : 0;
}

}  // namespace

std::error_code Engine::Impl::load_external_limits() {
  std::vector<std::pair<std::string, std::string>> rows;
  if (auto ec = store_.kv_load(kToldPrefix, rows)) return ec;
  for (const auto& [key, value] : rows) {
    // "<evseId>.<source>": written by this file only; anything else is dropped.
    const std::string rest = key.substr(kToldPrefix.size());
    const auto dot = rest.find('.');
    ChargingLimitSourceEnumType source{};
    ChargingScheduleType s;
    codec::Error err;
    bool ok = dot != std::string::npos && dot > 0 && rest.find_first_not_of("0123456789") == dot &&
              from_string(rest.substr(dot + 1), source) && codec::from_json(value, s, err);
    if (ok) {
      const int evse_id = std::atoi(rest.substr(0, dot).c_str());
      ok = evse_id <= static_cast<int>(evses_.size());
      if (ok) external_told_[{evse_id, source}] = std::move(s);
    }
    if (!ok) {
      log(1, "dropping an unreadable stored external limit " + key);
      if (auto ec = store_.kv_erase(key)) return ec;
    }
  }
  return {};
}

namespace {

InstalledProfile* find_external(std::vector<InstalledProfile>& list, int evse_id,
                                ChargingLimitSourceEnumType source) {
  for (auto& ip : list)
    if (ip.profile.chargingProfilePurpose == P::ChargingStationExternalConstraints &&
        ip.evse_id == evse_id && ip.source == source)
      return &ip;
  return nullptr;
}

}  // namespace

std::error_code Engine::Impl::set_external_limit(int evse_id, ChargingLimitSourceEnumType source,
                                                 const ChargingScheduleType& schedule, Now now,
                                                 std::optional<bool> is_grid_critical) {
  if (evse_id < 0 || evse_id > static_cast<int>(evses_.size()))
    return make_error_code(Errc::unknown_connector);
  // K11.FR.05, K12.FR.04: never CSO (that source is the CSMS's own profiles).
  if (source == ChargingLimitSourceEnumType::CSO) return make_error_code(Errc::invalid_argument);
  if (!dm_.get_bool("SmartChargingCtrlr", "ExternalControlSignalsEnabled").value_or(true))
    return make_error_code(Errc::invalid_state);
  ChargingScheduleType s = schedule;
  if (!s.startSchedule) s.startSchedule = charging::from_seconds(charging::to_seconds(now.wall));
  InstalledProfile ip;
  ip.evse_id = evse_id;
  ip.source = source;
  ip.profile.stackLevel = 0;
  ip.profile.chargingProfilePurpose = P::ChargingStationExternalConstraints;
  ip.profile.chargingProfileKind = ChargingProfileKindEnumType::Absolute;
  ip.profile.chargingSchedule = {s};
  // The checks of a charging profile the station could execute (K01.FR.26, K01.FR.34 and the
  // schedule rules shared with 1.6); an external system is held to what a CSMS would be.
  const ProfileLimits l = profile_limits();
  const bool unit_ok = s.chargingRateUnit == ChargingRateUnitEnumType::A ? l.allow_a : l.allow_w;
  if (!unit_ok || s.salesTariff || s.chargingSchedulePeriod.empty() ||
      static_cast<std::int64_t>(s.chargingSchedulePeriod.size()) > l.max_periods)
    return make_error_code(Errc::invalid_argument);
  for (const auto& per : s.chargingSchedulePeriod)
    if (per.phaseToUse) return make_error_code(Errc::invalid_argument);
  if (charging::check_schedule(to_core(ip), l.max_periods))
    return make_error_code(Errc::invalid_argument);
  // K11.FR.06 note: a negative id, kept across updates of the same limit (errata 2025-06 to
  // K11 remark 8); a new limit takes the highest negative id no installed profile uses.
  if (const InstalledProfile* old = find_external(smart_.profiles, evse_id, source)) {
    ip.profile.id = old->profile.id;
  } else {
    std::int32_t id = -1;
    while (std::any_of(smart_.profiles.begin(), smart_.profiles.end(),
                       [id](const InstalledProfile& o) { return o.profile.id == id; }))
      --id;
    ip.profile.id = id;
  }
  ip.seq = smart_.seq + 1;
  // Persisted like the CSMS's profiles (K01.FR.27): a grid limit must not vanish with a reboot;
  // the firmware releases it.
  if (auto ec = store_.kv_set(profile_store_key(ip.profile.id), serialize_profile(ip))) return ec;
  smart_.seq = ip.seq;
  smart_.profiles.erase(
      std::remove_if(smart_.profiles.begin(), smart_.profiles.end(),
                     [&](const InstalledProfile& o) { return o.profile.id == ip.profile.id; }),
      smart_.profiles.end());
  smart_.profiles.push_back(std::move(ip));
  const ExternalKey key{evse_id, source};
  if (is_grid_critical) {
    external_critical_[key] = *is_grid_critical;
  } else {
    external_critical_.erase(key);
  }
  log(2, "external limit set on EVSE " + std::to_string(evse_id) + " by " +
             std::string(to_string(source)));
  const auto before = smart_.reported;
  refresh_limits(now);  // K11.FR.01, K12.FR.01: in effect at once
  // The NotifyChargingLimitRequest first (K11 scenario steps 4 and 6), then the transactions.
  if (const InstalledProfile* installed = find_external(smart_.profiles, evse_id, source);
      installed && online())
    notify_external_limit(*installed, now);
  external_rate_changed(before, now);
  return {};
}

std::error_code Engine::Impl::release_external_limit(int evse_id,
                                                     ChargingLimitSourceEnumType source, Now now) {
  if (evse_id < 0 || evse_id > static_cast<int>(evses_.size()))
    return make_error_code(Errc::unknown_connector);
  if (source == ChargingLimitSourceEnumType::CSO) return make_error_code(Errc::invalid_argument);
  const InstalledProfile* ip = find_external(smart_.profiles, evse_id, source);
  if (!ip) return make_error_code(Errc::invalid_state);
  const std::int32_t id = ip->profile.id;
  if (auto ec = store_.kv_erase(profile_store_key(id))) return ec;
  smart_.profiles.erase(
      std::remove_if(smart_.profiles.begin(), smart_.profiles.end(),
                     [&](const InstalledProfile& o) { return o.profile.id == id; }),
      smart_.profiles.end());
  external_critical_.erase({evse_id, source});
  log(2, "external limit released on EVSE " + std::to_string(evse_id) + " by " +
             std::string(to_string(source)));
  const auto before = smart_.reported;
  refresh_limits(now);  // K13.FR.01
  if (online()) {
    // K13.FR.02: every release is told while online, also one whose NotifyChargingLimitRequest
    // was not acknowledged (it may have arrived without its answer).
    send_cleared_limit({evse_id, source});
  }
  external_rate_changed(before, now);  // K13.FR.03
  return {};
}

void Engine::Impl::external_limits_online(Now now) {
  for (const auto& ip : smart_.profiles)
    if (ip.profile.chargingProfilePurpose == P::ChargingStationExternalConstraints)
      notify_external_limit(ip, now);
  // Releases the CSMS has not heard of (K13.FR.02 after an offline period).
  std::vector<ExternalKey> gone;
  for (const auto& [key, s] : external_told_)
    if (!find_external(smart_.profiles, key.first, key.second)) gone.push_back(key);
  for (const auto& key : gone) send_cleared_limit(key);
}

void Engine::Impl::notify_external_limit(const InstalledProfile& ip, Now now) {
  const ExternalKey key{ip.evse_id, ip.source};
  const ChargingScheduleType& s = ip.profile.chargingSchedule.front();
  // K11.FR.02, K12.FR.02: only a change by more than LimitChangeSignificance of what the CSMS
  // was last sent (acknowledged, or on its way): the stricter reference, small steps cannot add
  // up unseen.
  const ChargingScheduleType* reference = nullptr;
  if (auto p = external_sending_.find(key); p != external_sending_.end()) {
    reference = &p->second.schedule;
  } else if (auto t = external_told_.find(key); t != external_told_.end()) {
    reference = &t->second;
  }
  if (reference && !schedule_changed(*reference, s, charging::to_seconds(now.wall),
                                     limit_change_significance(dm_)))
    return;
  NotifyChargingLimitRequest req;
  req.chargingLimit.chargingLimitSource = ip.source;  // never CSO (K11.FR.05, K12.FR.04)
  if (auto c = external_critical_.find(key); c != external_critical_.end())
    req.chargingLimit.isGridCritical = c->second;
  if (ip.evse_id > 0) req.evseId = ip.evse_id;  // "evseId must be > 0": 0 is left out
  if (dm_.get_bool("SmartChargingCtrlr", "NotifyChargingLimitWithSchedules").value_or(false))
    req.chargingSchedule = std::vector<ChargingScheduleType>{s};  // K11.FR.03, K12.FR.03
  const std::uint64_t serial = ++external_serial_;
  if (!send_volatile(Action::NotifyChargingLimit, codec::to_json(req),
                     [this, key, s, serial](const rapidjson::Value* result, Now) {
                       auto p = external_sending_.find(key);
                       if (p != external_sending_.end() && p->second.serial == serial)
                         external_sending_.erase(p);
                       if (!result) return;  // not acknowledged: sent again after a reconnect
                       external_told_[key] = s;
                       if (auto ec =
                               store_.kv_set(told_key(key.first, key.second), codec::to_json(s)))
                         log(0, "storing an acknowledged external limit failed: " + ec.message());
                     }))
    return;
  external_sending_[key] = {s, serial};
}

void Engine::Impl::send_cleared_limit(const ExternalKey& key) {
  ClearedChargingLimitRequest req;
  req.chargingLimitSource = key.second;
  if (key.first > 0) req.evseId = key.first;  // as in NotifyChargingLimitRequest
  send_volatile(Action::ClearedChargingLimit, codec::to_json(req),
                [this, key](const rapidjson::Value* result, Now) {
                  // A limit set again meanwhile is told by its own NotifyChargingLimitRequest.
                  if (!result || find_external(smart_.profiles, key.first, key.second)) return;
                  external_told_.erase(key);
                  if (auto ec = store_.kv_erase(told_key(key.first, key.second)))
                    log(0, "removing an acknowledged external limit failed: " + ec.message());
                });
}

void Engine::Impl::external_rate_changed(
    const std::vector<std::optional<SmartChargingState::Reported>>& before, Now now) {
  // K11.FR.04, K13.FR.03: the library does not see the rate the EV draws; the limit in effect
  // for the transaction's EVSE stands for it.
  const double percent = limit_change_significance(dm_);
  for (std::size_t i = 1; i <= evses_.size() && i < smart_.reported.size(); ++i) {
    const int evse_id = static_cast<int>(i);
    if (!evse_tx(evse_id).tx || !smart_.reported[i]) continue;
    const auto& next = *smart_.reported[i];
    const bool changed = i >= before.size() || !before[i] || before[i]->unit != next.unit ||
                         significant(before[i]->value.limit, next.value.limit, percent);
    if (!changed) continue;
    if (auto ec = write_event(evse_id, TransactionEventEnumType::Updated,
                              TriggerReasonEnumType::ChargingRateChanged, now))
      log(0, "queuing TransactionEvent ChargingRateChanged failed: " + ec.message());
  }
}

}  // namespace ocpp::v201
