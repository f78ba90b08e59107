// Smart charging of OCPP 2.0.1 (part 2 block K): the checks of a profile (K01), persistence
// (K01.FR.27), the TxProfile of a remote start (K05), the lifetime of TxProfiles, and the
// charging_limit hook with its timer at the next period boundary. The CSMS's messages are
// answered in charging_profiles.cpp; the schedule maths is core/charging_schedule.cpp.
#include "v201/smart_charging.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <limits>

#include "core/json.hpp"
#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

namespace charging = core::charging;
using P = ChargingProfilePurposeEnumType;

std::string serialize_profile(const InstalledProfile& ip) {
  std::string s = "{\"evseId\":" + std::to_string(ip.evse_id) +
                  ",\"seq\":" + std::to_string(ip.seq) + ",\"source\":\"" +
                  std::string(to_string(ip.source)) + "\"";
  if (ip.tx_key) s += ",\"txKey\":" + std::to_string(*ip.tx_key);
  return s + ",\"profile\":" + codec::to_json(ip.profile) + "}";
}

namespace {

std::optional<InstalledProfile> parse(const std::string& text) {
  rapidjson::Document d;
  if (!core::parse_json(d, text) || !d.IsObject()) return std::nullopt;
  if (!d.HasMember("evseId") || !d["evseId"].IsInt() || !d.HasMember("seq") ||
      !d["seq"].IsInt64() || !d.HasMember("source") || !d["source"].IsString() ||
      !d.HasMember("profile"))
    return std::nullopt;
  InstalledProfile ip;
  ip.evse_id = d["evseId"].GetInt();
  ip.seq = d["seq"].GetInt64();
  if (!from_string(d["source"].GetString(), ip.source)) return std::nullopt;
  if (d.HasMember("txKey")) {
    if (!d["txKey"].IsInt64()) return std::nullopt;
    ip.tx_key = d["txKey"].GetInt64();
  }
  codec::Error err;
  if (!codec::decode(d["profile"], ip.profile, err)) return std::nullopt;
  if (ip.profile.chargingSchedule.empty()) return std::nullopt;
  return ip;
}

charging::Seconds seconds(const std::optional<DateTime>& t, charging::Seconds otherwise) {
  return t ? charging::to_seconds(*t) : otherwise;
}

}  // namespace

// ---------------------------------------------------------------- pure rules

StatusInfoType status_info(std::string reason_code, std::string additional_info) {
  StatusInfoType s;
  s.reasonCode = std::move(reason_code);
  if (additional_info.size() > 512) additional_info.resize(512);
  if (!additional_info.empty()) s.additionalInfo = std::move(additional_info);
  return s;
}

std::optional<StatusInfoType> check_profile(const ChargingProfileType& p, const ProfileLimits& l) {
  // K01.FR.34: one schedule (more only for ISO 15118, which this station does not speak).
  if (p.chargingSchedule.size() != 1)
    return status_info("InvalidSchedule", "exactly one chargingSchedule (K01.FR.34)");
  if (p.chargingProfilePurpose == P::ChargingStationExternalConstraints)
    return status_info("InvalidProfile", "ChargingStationExternalConstraints (K01.FR.22)");
  if (p.stackLevel < 0 || p.stackLevel > l.max_stack_level)
    return status_info("InvalidStackLevel",
                       "stackLevel above SmartChargingCtrlr.ProfileStackLevel");
  if (p.transactionId && p.chargingProfilePurpose != P::TxProfile)
    return status_info("InvalidProfile", "transactionId on a profile that is not a TxProfile");
  const ChargingScheduleType& s = p.chargingSchedule.front();
  const bool unit_ok = s.chargingRateUnit == ChargingRateUnitEnumType::A ? l.allow_a : l.allow_w;
  if (!unit_ok)
    return status_info("UnsupportedRateUnit", "not in SmartChargingCtrlr.RateUnit (K01.FR.26)");
  if (static_cast<std::int64_t>(s.chargingSchedulePeriod.size()) > l.max_periods)
    return status_info("TooManyElements",
                       "more periods than SmartChargingCtrlr.PeriodsPerSchedule");
  for (const auto& per : s.chargingSchedulePeriod)
    if (per.phaseToUse)  // K01.FR.19, K01.FR.48: no ACPhaseSwitchingSupported here
      return status_info("InvalidSchedule", "phaseToUse without ACPhaseSwitchingSupported");
  if (p.chargingProfileKind == ChargingProfileKindEnumType::Relative && s.startSchedule)
    return status_info("InvalidSchedule", "startSchedule in a Relative profile (K01.FR.41)");
  if (s.salesTariff) return status_info("InvalidSchedule", "salesTariff needs ISO 15118");
  // K01.FR.31, K01.FR.35, K01.FR.38, K01.FR.40 and the rules shared with 1.6.
  if (auto why =
          charging::check_schedule(to_core(InstalledProfile{0, p, {}, {}, 0}), l.max_periods))
    return status_info("InvalidSchedule", *why);
  return std::nullopt;
}

bool conflicts(const InstalledProfile& p, const InstalledProfile& other) {
  const ChargingProfileType& a = p.profile;
  const ChargingProfileType& b = other.profile;
  if (a.id == b.id || a.stackLevel != b.stackLevel) return false;  // same id: K01.FR.05
  if (a.chargingProfilePurpose != b.chargingProfilePurpose) return false;
  if (a.chargingProfilePurpose == P::TxProfile)
    return p.tx_key && p.tx_key == other.tx_key;  // K01.FR.39
  if (a.chargingProfilePurpose == P::TxDefaultProfile && (p.evse_id == 0) != (other.evse_id == 0))
    return true;  // K01.FR.52, K01.FR.53
  if (p.evse_id != other.evse_id) return false;
  // K01.FR.06: validity periods [validFrom, validTo) that overlap.
  constexpr auto lo = std::numeric_limits<charging::Seconds>::min();
  constexpr auto hi = std::numeric_limits<charging::Seconds>::max();
  return seconds(a.validFrom, lo) < seconds(b.validTo, hi) &&
         seconds(b.validFrom, lo) < seconds(a.validTo, hi);
}

charging::RateUnit to_core(ChargingRateUnitEnumType u) {
  return u == ChargingRateUnitEnumType::W ? charging::RateUnit::W : charging::RateUnit::A;
}

ChargingRateUnitEnumType from_core(charging::RateUnit u) {
  return u == charging::RateUnit::W ? ChargingRateUnitEnumType::W : ChargingRateUnitEnumType::A;
}

charging::Profile to_core(const InstalledProfile& ip) {
  const ChargingProfileType& p = ip.profile;
  charging::Purpose purpose = charging::Purpose::Tx;
  switch (p.chargingProfilePurpose) {
    case P::ChargingStationMaxProfile:
      purpose = charging::Purpose::StationMax;
      break;
    case P::TxDefaultProfile:
      purpose = charging::Purpose::TxDefault;
      break;
    case P::TxProfile:
      break;
    case P::ChargingStationExternalConstraints:
      purpose = charging::Purpose::External;
      break;
  }
  // A stored or checked profile has one schedule (K01.FR.34); an empty one has no periods.
  const ChargingScheduleType s =
      p.chargingSchedule.empty() ? ChargingScheduleType{} : p.chargingSchedule.front();
  charging::Profile c = charging::make_profile(p, s, p.id, purpose, to_core(s.chargingRateUnit));
  c.location = ip.evse_id;
  c.tx_key = ip.tx_key;
  c.seq = ip.seq;
  return c;
}

// ---------------------------------------------------------------- the engine's part

bool Engine::Impl::smart_charging_enabled() const {
  return dm_.get_bool("SmartChargingCtrlr", "Enabled").value_or(true);
}

std::error_code Engine::Impl::load_smart_charging(Now now) {
  std::vector<std::pair<std::string, std::string>> rows;
  if (auto ec = store_.kv_load(kProfileKeyPrefix, rows)) return ec;
  std::vector<InstalledProfile> loaded;
  for (const auto& [key, value] : rows) {
    auto ip = parse(value);
    // A TxProfile lives as long as its transaction; none survives a restart (transactions
    // interrupted by a power cut have just ended, transaction_delivery.cpp).
    const bool gone = ip && ip->profile.chargingProfilePurpose == P::TxProfile;
    if (!ip || gone || ip->evse_id < 0 || ip->evse_id > static_cast<int>(evses_.size())) {
      if (!ip) log(1, "dropping an unreadable stored charging profile " + key);
      if (auto ec = store_.kv_erase(key)) return ec;
      continue;
    }
    loaded.push_back(std::move(*ip));
  }
  std::sort(loaded.begin(), loaded.end(),
            [](const InstalledProfile& a, const InstalledProfile& b) { return a.seq < b.seq; });
  for (auto& ip : loaded) smart_.seq = std::max(smart_.seq, ip.seq);
  smart_.profiles = std::move(loaded);
  refresh_limits(now);
  return {};
}

void Engine::Impl::remote_start_profile(int evse_id, const ChargingProfileType& p, Now now) {
  // The profile waits for the transaction the remote start leads to: the cable
  // (EVConnectionTimeOut) and an AuthorizeRequest may come first. An unauthorized
  // transaction already running on the EVSE (F01.FR.13) takes it at once.
  smart_.pending[evse_id] = {
      p, now.mono + tx_settings_.ev_connection_timeout + 2 * options_.call_timeout};
  if (evse_tx(evse_id).tx) smart_charging_tx_started(evse_id, now);
}

void Engine::Impl::smart_charging_tx_started(int evse_id, Now now) {
  auto it = smart_.pending.find(evse_id);
  const EvseTx& e = evse_tx(evse_id);
  if (it != smart_.pending.end() && e.tx) {
    InstalledProfile ip{evse_id, it->second.profile, ChargingLimitSourceEnumType::CSO, e.tx->tx_key,
                        ++smart_.seq};
    smart_.pending.erase(it);
    // The profile replaces one with its id (K01.FR.05) and any TxProfile of the transaction
    // at its stackLevel (K01.FR.39 forbids two).
    std::vector<InstalledProfile> kept;
    for (auto& old : smart_.profiles) {
      if (old.profile.id != ip.profile.id && !conflicts(ip, old)) {
        kept.push_back(std::move(old));
      } else if (auto ec = store_.kv_erase(profile_store_key(old.profile.id))) {
        log(0, "removing a replaced charging profile failed: " + ec.message());
      }
    }
    if (auto ec = store_.kv_set(profile_store_key(ip.profile.id), serialize_profile(ip))) {
      log(0, "storing the remote start's TxProfile failed: " + ec.message());
    } else {
      kept.push_back(std::move(ip));
    }
    smart_.profiles = std::move(kept);
  }
  refresh_limits(now);
}

void Engine::Impl::smart_charging_tx_ended(std::int64_t tx_key, Now now) {
  // A TxProfile is for its transaction only.
  std::vector<InstalledProfile> kept;
  for (auto& ip : smart_.profiles) {
    if (ip.profile.chargingProfilePurpose == P::TxProfile && ip.tx_key == tx_key) {
      if (auto ec = store_.kv_erase(profile_store_key(ip.profile.id)))
        log(0, "removing a TxProfile from storage failed: " + ec.message());
    } else {
      kept.push_back(std::move(ip));
    }
  }
  smart_.profiles = std::move(kept);
  refresh_limits(now);
}

void Engine::Impl::smart_charging_timer(Now now) {
  for (auto it = smart_.pending.begin(); it != smart_.pending.end();) {
    it = now.mono > it->second.until ? smart_.pending.erase(it) : std::next(it);
  }
  if (smart_.deadline && now.mono >= *smart_.deadline) refresh_limits(now);
}

void Engine::Impl::refresh_limits(Now now) {
  const charging::Seconds t = charging::to_seconds(now.wall);
  std::vector<InstalledProfile> kept;
  for (auto& ip : smart_.profiles) {
    // K01.FR.37: valid while now < validTo; afterwards it never applies again.
    if (ip.profile.validTo && charging::to_seconds(*ip.profile.validTo) <= t) {
      if (auto ec = store_.kv_erase(profile_store_key(ip.profile.id)))
        log(0, "removing an expired charging profile failed: " + ec.message());
    } else {
      kept.push_back(std::move(ip));
    }
  }
  smart_.profiles = std::move(kept);
  const auto list = core_profiles();
  const auto s = charging_situation(now);
  std::optional<charging::Seconds> next;
  smart_.reported.resize(evses_.size() + 1);
  for (std::size_t i = 0; i <= evses_.size(); ++i) {
    const int evse_id = static_cast<int>(i);
    const auto unit = charging::natural_unit(list, s, evse_id);
    const auto la = charging::limit_at(list, s, evse_id, t, unit, charging_settings());
    if (la.next_change && (!next || *la.next_change < *next)) next = la.next_change;
    const SmartChargingState::Reported r{la.value, unit};
    if (smart_.reported[i] && *smart_.reported[i] == r) continue;
    smart_.reported[i] = r;
    if (hooks_.charging_limit)
      defer([h = hooks_.charging_limit, evse_id, r] {
        h(evse_id, r.value.limit, from_core(r.unit), r.value.numberPhases);
      });
  }
  // At most an hour away, so that a change of the wall clock (time sync) is followed.
  constexpr auto kMaxWait = std::chrono::hours(1);
  if (next) {
    auto wait = charging::from_seconds(*next) - now.wall;
    if (wait < DateTime::duration::zero()) wait = DateTime::duration::zero();
    smart_.deadline = now.mono + std::min<std::chrono::nanoseconds>(wait, kMaxWait);
  } else if (!smart_.profiles.empty()) {
    smart_.deadline = now.mono + kMaxWait;
  } else {
    smart_.deadline.reset();
  }
}

std::vector<charging::Profile> Engine::Impl::core_profiles() const {
  std::vector<charging::Profile> out;
  out.reserve(smart_.profiles.size());
  for (const auto& ip : smart_.profiles) out.push_back(to_core(ip));
  return out;
}

charging::Situation Engine::Impl::charging_situation(Now now) const {
  charging::Situation s;
  s.count = static_cast<int>(evses_.size());
  s.tx.resize(evses_.size() + 1);
  for (std::size_t i = 0; i < evse_txs_.size(); ++i) {
    const auto& tx = evse_txs_[i].tx;
    if (!tx) continue;
    // The start point of Relative profiles: when the transaction started, on the wall clock.
    const auto since = std::chrono::duration_cast<DateTime::duration>(now.mono - tx->started);
    s.tx[i + 1] = charging::TxContext{tx->tx_key, charging::to_seconds(now.wall - since)};
  }
  return s;
}

charging::Settings Engine::Impl::charging_settings() const {
  charging::Settings st;
  st.voltage = options_.line_voltage;
  st.max_current = options_.max_current;
  return st;
}

ProfileLimits Engine::Impl::profile_limits() const {
  ProfileLimits l;
  l.max_stack_level = dm_.get_int("SmartChargingCtrlr", "ProfileStackLevel").value_or(0);
  l.max_periods = dm_.get_int("SmartChargingCtrlr", "PeriodsPerSchedule").value_or(1);
  const std::string units = dm_.get_string("SmartChargingCtrlr", "RateUnit").value_or("");
  l.allow_a = l.allow_w = false;
  std::size_t pos = 0;
  while (pos <= units.size()) {
    std::size_t comma = std::min(units.find(',', pos), units.size());
    const std::string item = units.substr(pos, comma - pos);
    l.allow_a = l.allow_a || item == "A";
    l.allow_w = l.allow_w || item == "W";
    pos = comma + 1;
  }
  return l;
}

std::optional<StatusInfoType> Engine::Impl::check_remote_start_profile(
    int, const ChargingProfileType& p) const {
  // K05.FR.02: a TxProfile; F01.FR.11: without transactionId (there is none yet).
  if (p.chargingProfilePurpose != P::TxProfile)
    return status_info("InvalidProfile", "not a TxProfile (K05.FR.02)");
  if (p.transactionId) return status_info("InvalidProfile", "transactionId set (F01.FR.11)");
  return check_profile(p, profile_limits());
}

}  // namespace ocpp::v201
