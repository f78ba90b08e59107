// Smart Charging profile (OCPP 1.6 section 3.13): SetChargingProfile (5.16),
// ClearChargingProfile (5.5), GetCompositeSchedule (5.7), the TxProfile of a
// RemoteStartTransaction (5.11, 5.16.2), persistence (errata 3.37) and the charging_limit hook.
// The calculations live in smart_charging/profiles.cpp; this file keeps the installed profiles,
// applies the rules that depend on the charge point's state (connectors, transactions,
// configuration), persists, and tells the firmware the limit in effect.
#include <rapidjson/document.h>

#include <algorithm>
#include <map>

#include "core/json.hpp"
#include "v16/engine_impl.hpp"
#include "v16/smart_charging/profiles.hpp"

namespace ocpp::v16 {
namespace {

namespace sc = smart_charging;

const std::string kPrefix = "sc.profile.";

class SmartChargingModule final : public Module {
 public:
  explicit SmartChargingModule(Engine::Impl& engine) : im_(engine) {}

  std::error_code load(Now now) override {
    std::vector<std::pair<std::string, std::string>> rows;
    if (auto ec = im_.store_.kv_load(kPrefix, rows)) return ec;
    std::vector<sc::Installed> loaded;
    for (const auto& [key, value] : rows) {
      auto ip = parse(value);
      if (!ip) {
        im_.log(1, "dropping an unreadable stored charging profile " + key);
        erase_stored(key);
        continue;
      }
      loaded.push_back(std::move(*ip));
    }
    // Replayed in install order so that the newest wins where a power cut left both copies.
    std::sort(loaded.begin(), loaded.end(),
              [](const sc::Installed& a, const sc::Installed& b) { return a.seq < b.seq; });
    for (auto& ip : loaded) {
      seq_ = std::max(seq_, ip.seq);
      if (ip.profile.chargingProfilePurpose == ChargingProfilePurposeType::TxProfile) {
        // A TxProfile lives as long as its transaction (section 7.10); the transaction may
        // have ended while the process was down.
        Connector* c = im_.connector(ip.connectorId);
        if (!c || !c->tx_key || !ip.tx_key || *c->tx_key != *ip.tx_key) {
          erase_stored(key_of(ip.profile.chargingProfileId));
          continue;
        }
      }
      auto removed = sc::install(profiles_, ip, std::numeric_limits<std::int64_t>::max());
      for (auto id : *removed)
        if (id != ip.profile.chargingProfileId) erase_stored(key_of(id));
    }
    reported_.assign(im_.connectors_.size(), std::nullopt);
    refresh(now);
    return {};
  }

  bool handles(Action a) const override {
    return a == Action::SetChargingProfile || a == Action::ClearChargingProfile ||
           a == Action::GetCompositeSchedule;
  }

  void handle(Action a, const rpc::Frame& frame, Now now) override {
    // Errata 3.39: a charge point without smart charging answers NotSupported. The firmware
    // can declare that by leaving SmartCharging out of SupportedFeatureProfiles.
    if (!supported()) {
      im_.reply_error(frame.id, RpcErrorCode::NotSupported, "SmartCharging is not a supported feature profile");
      return;
    }
    switch (a) {
      case Action::SetChargingProfile: set_profile(frame, now); return;
      case Action::ClearChargingProfile: clear_profiles(frame, now); return;
      case Action::GetCompositeSchedule: composite(frame, now); return;
      default: return;
    }
  }

  bool accept_remote_start_profile(int connector_id, const ChargingProfile& p, Now now) override {
    // "If a Charge Point without support for Smart Charging receives a
    // RemoteStartTransaction.req with a Charging Profile, this parameter SHOULD be ignored."
    if (!supported()) return true;
    // Section 5.16.2 and errata 3.41: purpose TxProfile, and no transactionId (there is none yet).
    if (p.chargingProfilePurpose != ChargingProfilePurposeType::TxProfile || p.transactionId) {
      im_.log(2, "RemoteStartTransaction rejected: its chargingProfile must be a TxProfile without transactionId");
      return false;
    }
    if (auto why = sc::check_profile(p, capabilities())) {
      im_.log(2, "RemoteStartTransaction rejected: chargingProfile " + *why);
      return false;
    }
    std::vector<sc::Installed> trial = profiles_;
    if (!sc::install(trial, sc::Installed{connector_id, p, std::nullopt, 0}, capabilities().max_installed)) {
      im_.log(2, "RemoteStartTransaction rejected: MaxChargingProfilesInstalled reached");
      return false;
    }
    // The profile waits for the transaction this remote start leads to: the firmware's
    // decision, an Authorize.req (AuthorizeRemoteTxRequests) and the cable (ConnectionTimeOut)
    // all come first. A transaction starting on the connector within that time takes it.
    const auto window = std::chrono::seconds(im_.config_.get_int("ConnectionTimeOut")) +
                        2 * im_.options_.call_timeout;
    pending_[connector_id] = Pending{p, now.mono + window};
    return true;
  }

  void on_transaction_started(Connector& c, std::int64_t tx_key, Now now) override {
    auto it = pending_.find(c.id);
    if (it != pending_.end()) {
      if (now.mono <= it->second.until) {
        sc::Installed ip{c.id, it->second.profile, tx_key, ++seq_};
        if (!commit(ip)) im_.log(0, "could not install the TxProfile of the RemoteStartTransaction");
      }
      pending_.erase(it);
    }
    refresh(now);
  }

  void on_transaction_stopped(Connector&, std::int64_t tx_key, Reason, Now now) override {
    // Section 7.10: a TxProfile "SHALL cease to be valid when the transaction terminates".
    std::vector<sc::Installed> kept;
    for (auto& ip : profiles_) {
      if (ip.profile.chargingProfilePurpose == ChargingProfilePurposeType::TxProfile && ip.tx_key == tx_key) {
        erase_stored(key_of(ip.profile.chargingProfileId));
      } else {
        kept.push_back(ip);
      }
    }
    profiles_ = std::move(kept);
    refresh(now);
  }

  void on_timer(Now now) override {
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (now.mono > it->second.until) {
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    if (deadline_ && now.mono >= *deadline_) refresh(now);
  }

  std::optional<MonoTime> next_deadline() const override {
    std::optional<MonoTime> d = deadline_;
    for (const auto& [cid, p] : pending_) {
      const MonoTime after = p.until + std::chrono::milliseconds(1);
      if (!d || after < *d) d = after;
    }
    return d;
  }

 private:
  struct Pending {
    ChargingProfile profile;
    MonoTime until;
  };

  bool supported() const {
    const std::string profiles = im_.config_.get("SupportedFeatureProfiles").value_or("");
    return profiles.find("SmartCharging") != std::string::npos;
  }

  sc::Capabilities capabilities() const {
    sc::Capabilities caps;
    caps.max_stack_level = im_.config_.get_int("ChargeProfileMaxStackLevel");
    sc::parse_allowed_units(im_.config_.get("ChargingScheduleAllowedChargingRateUnit").value_or(""), caps);
    caps.max_periods = im_.config_.get_int("ChargingScheduleMaxPeriods");
    caps.max_installed = im_.config_.get_int("MaxChargingProfilesInstalled");
    return caps;
  }

  sc::Settings settings() const {
    sc::Settings s;
    s.voltage = im_.options_.line_voltage;
    s.max_current = im_.options_.max_current;
    return s;
  }

  sc::Situation situation() const {
    sc::Situation s;
    s.connectors = static_cast<int>(im_.connectors_.size()) - 1;
    s.tx.resize(im_.connectors_.size());
    for (const auto& c : im_.connectors_) {
      if (c.id < 1 || !c.tx_key) continue;
      sc::TxContext tx;
      tx.tx_key = *c.tx_key;
      auto it = im_.txs_.find(*c.tx_key);
      DateTime start{};
      if (it != im_.txs_.end() && parse_datetime(it->second.start_time, start)) tx.start = sc::to_seconds(start);
      s.tx[static_cast<std::size_t>(c.id)] = tx;
    }
    return s;
  }

  static std::string key_of(std::int32_t id) { return kPrefix + std::to_string(id); }

  static std::string serialize(const sc::Installed& ip) {
    std::string s = "{\"connectorId\":" + std::to_string(ip.connectorId) + ",\"seq\":" + std::to_string(ip.seq);
    if (ip.tx_key) s += ",\"txKey\":" + std::to_string(*ip.tx_key);
    s += ",\"profile\":" + codec::to_json(ip.profile) + "}";
    return s;
  }

  static std::optional<sc::Installed> parse(const std::string& text) {
    rapidjson::Document d;
    const bool parsed = core::parse_json(d, text);
    if (!parsed || !d.IsObject()) return std::nullopt;
    if (!d.HasMember("connectorId") || !d["connectorId"].IsInt() || !d.HasMember("seq") ||
        !d["seq"].IsInt64() || !d.HasMember("profile"))
      return std::nullopt;
    sc::Installed ip;
    ip.connectorId = d["connectorId"].GetInt();
    ip.seq = d["seq"].GetInt64();
    if (d.HasMember("txKey")) {
      if (!d["txKey"].IsInt64()) return std::nullopt;
      ip.tx_key = d["txKey"].GetInt64();
    }
    codec::Error err;
    if (!codec::decode(d["profile"], ip.profile, err)) return std::nullopt;
    return ip;
  }

  /// Erases a stored profile; a failure is reported through the log hook (level 0) and
  /// returned as false.
  bool erase_stored(const std::string& key) {
    if (auto ec = im_.store_.kv_erase(key)) {
      im_.log(0, "removing the stored charging profile " + key + " failed: " + ec.message());
      return false;
    }
    return true;
  }

  /// Installs ip (replace rules, MaxChargingProfilesInstalled) and persists it; false = refused
  /// or not stored (then nothing changed in memory).
  bool commit(const sc::Installed& ip) {
    std::vector<sc::Installed> next = profiles_;
    auto removed = sc::install(next, ip, capabilities().max_installed);
    if (!removed) return false;
    // The new profile is written first: a power cut before the erases leaves both, and load()
    // replays them in install order, so the new one still replaces the old.
    if (auto ec = im_.store_.kv_set(key_of(ip.profile.chargingProfileId), serialize(ip))) {
      im_.log(0, "storing a charging profile failed: " + ec.message());
      return false;
    }
    for (auto id : *removed)
      if (id != ip.profile.chargingProfileId) erase_stored(key_of(id));
    profiles_ = std::move(next);
    return true;
  }

  void set_profile(const rpc::Frame& frame, Now now) {
    SetChargingProfileRequest req;
    codec::Error err;
    if (!codec::decode(*frame.payload, req, err)) {
      im_.reply_error(frame.id, err.code, err.message);
      return;
    }
    const int n = static_cast<int>(im_.connectors_.size()) - 1;
    if (req.connectorId < 0 || req.connectorId > n) {
      // Errata 3.39: an invalid connectorId is a CALLERROR, not a Rejected.
      im_.reply_error(frame.id, RpcErrorCode::PropertyConstraintViolation,
                      "connectorId " + std::to_string(req.connectorId) + " does not exist");
      return;
    }
    auto answer = [&](ChargingProfileStatus st, const std::string& why) {
      if (!why.empty()) im_.log(2, "SetChargingProfile rejected: " + why);
      SetChargingProfileResponse resp;
      resp.status = st;
      im_.reply(frame.id, codec::to_json(resp));
    };
    const ChargingProfile& p = req.csChargingProfiles;
    if (auto why = sc::check_profile(p, capabilities())) return answer(ChargingProfileStatus::Rejected, *why);
    sc::Installed ip{req.connectorId, p, std::nullopt, 0};
    switch (p.chargingProfilePurpose) {
      case ChargingProfilePurposeType::ChargePointMaxProfile:
        // Section 3.13.1: "ChargePointMaxProfile can only be set at Charge Point ConnectorId 0".
        if (req.connectorId != 0) return answer(ChargingProfileStatus::Rejected, "ChargePointMaxProfile on a connector > 0");
        break;
      case ChargingProfilePurposeType::TxDefaultProfile:
        break;
      case ChargingProfilePurposeType::TxProfile: {
        // Section 3.13.1: "TxProfile SHALL only be set at Charge Point ConnectorId >0" and
        // without a transaction on the connector it is discarded with an error status.
        if (req.connectorId == 0) return answer(ChargingProfileStatus::Rejected, "TxProfile on connector 0");
        Connector& c = *im_.connector(req.connectorId);
        if (!c.tx_key) return answer(ChargingProfileStatus::Rejected, "TxProfile without a transaction on the connector");
        if (p.transactionId) {
          // Section 5.16 note: the transactionId is there "to prevent mismatch between
          // transactions and a TxProfile".
          const auto known = im_.txs_.at(*c.tx_key).transaction_id;
          if (!known || *known != *p.transactionId)
            return answer(ChargingProfileStatus::Rejected, "transactionId is not the transaction on the connector");
        }
        ip.tx_key = *c.tx_key;
        break;
      }
    }
    ip.seq = seq_ + 1;
    if (!commit(ip)) return answer(ChargingProfileStatus::Rejected, "MaxChargingProfilesInstalled reached or not stored");
    seq_ = ip.seq;
    answer(ChargingProfileStatus::Accepted, "");
    refresh(now);
  }

  void clear_profiles(const rpc::Frame& frame, Now now) {
    ClearChargingProfileRequest req;
    codec::Error err;
    if (!codec::decode(*frame.payload, req, err)) {
      im_.reply_error(frame.id, err.code, err.message);
      return;
    }
    // Erased from the store first: a profile whose erase fails stays installed, so that
    // memory never differs from what a restart would load.
    std::vector<sc::Installed> trial = profiles_;
    const auto removed = sc::clear(trial, req);
    std::vector<int> kept;
    for (auto id : removed)
      if (!erase_stored(key_of(id))) kept.push_back(id);
    if (!kept.empty()) {
      for (auto& ip : profiles_)
        if (std::find(kept.begin(), kept.end(), ip.profile.chargingProfileId) != kept.end())
          trial.push_back(ip);
      profiles_ = std::move(trial);
      im_.reply_error(frame.id, RpcErrorCode::InternalError, "the charging profiles could not be removed from storage");
      refresh(now);
      return;
    }
    profiles_ = std::move(trial);
    ClearChargingProfileResponse resp;
    resp.status = removed.empty() ? ClearChargingProfileStatus::Unknown : ClearChargingProfileStatus::Accepted;
    im_.reply(frame.id, codec::to_json(resp));
    refresh(now);
  }

  void composite(const rpc::Frame& frame, Now now) {
    GetCompositeScheduleRequest req;
    codec::Error err;
    if (!codec::decode(*frame.payload, req, err)) {
      im_.reply_error(frame.id, err.code, err.message);
      return;
    }
    GetCompositeScheduleResponse resp;
    const int n = static_cast<int>(im_.connectors_.size()) - 1;
    const auto caps = capabilities();
    const bool unit_ok = !req.chargingRateUnit ||
                         (*req.chargingRateUnit == ChargingRateUnitType::A ? caps.allow_current : caps.allow_power);
    if (req.connectorId < 0 || req.connectorId > n || req.duration < 0 || !unit_ok) {
      resp.status = GetCompositeScheduleStatus::Rejected;
      im_.reply(frame.id, codec::to_json(resp));
      return;
    }
    const sc::Situation s = situation();
    const auto unit = req.chargingRateUnit.value_or(sc::natural_unit(profiles_, s, req.connectorId));
    // Section 5.7 (errata 3.28): from the moment the request is received, X, up to X + duration.
    const sc::Seconds start = sc::to_seconds(now.wall);
    sc::Composite c = sc::composite_schedule(profiles_, s, req.connectorId, start, req.duration, unit, settings());
    resp.status = GetCompositeScheduleStatus::Accepted;
    resp.connectorId = req.connectorId;
    resp.scheduleStart = sc::from_seconds(start);
    ChargingSchedule cs;
    cs.duration = c.duration;
    cs.chargingRateUnit = c.unit;  // startSchedule omitted: errata 3.57
    cs.chargingSchedulePeriod = std::move(c.periods);
    cs.minChargingRate = c.minChargingRate;
    resp.chargingSchedule = std::move(cs);
    im_.reply(frame.id, codec::to_json(resp));
  }

  /// Drops expired profiles, tells the firmware every limit that changed, and sets the timer
  /// for the next boundary. The timer is at most an hour away, so that a change of the wall
  /// clock (time sync) is followed within the hour.
  void refresh(Now now) {
    const sc::Seconds t = sc::to_seconds(now.wall);
    std::vector<sc::Installed> kept;
    for (auto& ip : profiles_) {
      if (ip.profile.validTo && sc::to_seconds(*ip.profile.validTo) <= t) {
        erase_stored(key_of(ip.profile.chargingProfileId));
      } else {
        kept.push_back(ip);
      }
    }
    profiles_ = std::move(kept);
    const sc::Situation s = situation();
    std::optional<sc::Seconds> next;
    if (reported_.size() != im_.connectors_.size()) reported_.assign(im_.connectors_.size(), std::nullopt);
    for (std::size_t i = 0; i < im_.connectors_.size(); ++i) {
      const int cid = static_cast<int>(i);
      const auto unit = sc::natural_unit(profiles_, s, cid);
      const sc::LimitAt la = sc::limit_at(profiles_, s, cid, t, unit, settings());
      if (la.next_change && (!next || *la.next_change < *next)) next = la.next_change;
      const Reported r{la.value, unit};
      if (reported_[i] && *reported_[i] == r) continue;
      reported_[i] = r;
      if (im_.hooks_.charging_limit)
        im_.defer([h = im_.hooks_.charging_limit, cid, r] { h(cid, r.value.limit, r.unit, r.value.numberPhases); });
    }
    constexpr auto kMaxWait = std::chrono::hours(1);
    if (next) {
      auto wait = sc::from_seconds(*next) - now.wall;
      if (wait < DateTime::duration::zero()) wait = DateTime::duration::zero();
      deadline_ = now.mono + std::min<std::chrono::nanoseconds>(wait, kMaxWait);
    } else if (!profiles_.empty()) {
      deadline_ = now.mono + kMaxWait;
    } else {
      deadline_.reset();
    }
  }

  struct Reported {
    sc::Limit value;
    ChargingRateUnitType unit;
    bool operator==(const Reported& o) const { return value == o.value && unit == o.unit; }
  };

  Engine::Impl& im_;
  std::vector<sc::Installed> profiles_;
  std::int64_t seq_ = 0;
  std::map<int, Pending> pending_;
  std::vector<std::optional<Reported>> reported_;
  std::optional<MonoTime> deadline_;
};

}  // namespace

std::unique_ptr<Module> make_smart_charging_module(Engine::Impl& engine) {
  return std::make_unique<SmartChargingModule>(engine);
}

}  // namespace ocpp::v16
