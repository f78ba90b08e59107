// Reservation profile: ReserveNow (OCPP 1.6 section 5.13, messages 6.37/6.38), CancelReservation
// (section 5.1, messages 6.5/6.6), the Reserved connector status (section 4.9, transitions A7,
// G1, G2, G8, G9) and the parent idTag groups a reservation may name (section 3.10).
//
// Time: expiryDate is wall-clock time, but every deadline of the engine is monotonic. The
// expiry is converted once, when the reservation is received (or restored after a restart),
// as "reception's monotonic time + (expiryDate - reception's wall time)". A later change of the
// wall clock (Heartbeat time sync) therefore does not move the expiry: the reservation lasts
// as long as the CSMS meant it to when it sent it.
#include <rapidjson/document.h>

#include <algorithm>

#include "core/json.hpp"
#include "v16/engine_impl.hpp"
#include "v16/metering_data.hpp"

namespace ocpp::v16 {
namespace {

constexpr const char* kKeyPrefix = "resv.";
// Learned parents of idTags are a cache: bounded so that a stream of cards cannot grow it.
constexpr std::size_t kMaxLearnedParents = 256;

struct Reservation {
  ReserveNowRequest req;  // as received; also the persisted form
  MonoTime expiry{};
};

class ReservationModule final : public Module {
 public:
  explicit ReservationModule(Engine::Impl& engine) : engine_(engine) {}

  std::error_code load(Now now) override {
    std::vector<std::pair<std::string, std::string>> stored;
    if (auto ec = engine_.store_.kv_load(kKeyPrefix, stored)) return ec;
    for (const auto& [key, value] : stored) {
      rapidjson::Document d;
      const bool parsed = core::parse_json(d, value);
      ReserveNowRequest req;
      codec::Error err;
      if (!parsed || !codec::decode(d, req, err) || req.connectorId < 0 ||
          req.connectorId > engine_.options_.connectors || key != key_of(req.reservationId)) {
        engine_.log(1, "dropping an unreadable stored reservation " + key);
        erase_stored(key);
        continue;
      }
      // Section 5.13: a reservation ends at expiryDate; one that expired while the charge
      // point was off is gone (its connector comes back Available, as after an expiry).
      if (req.expiryDate <= now.wall) {
        erase_stored(key);
        continue;
      }
      add(std::move(req), now);
    }
    return {};
  }

  bool handles(Action a) const override {
    return a == Action::ReserveNow || a == Action::CancelReservation;
  }

  void handle(Action a, const rpc::Frame& frame, Now now) override {
    if (a == Action::ReserveNow) {
      reserve_now(frame, now);
    } else {
      cancel_reservation(frame, now);
    }
  }

  bool makes_reserved(const Connector& c) const override {
    if (c.id == 0) return false;
    if (specific_on(c.id)) return true;
    // Connector 0 reservations (section 5.13: "one connector remains available for the
    // reserved idTag"): while there are no more idle connectors than such reservations, every
    // idle connector is held for them, and shows Reserved.
    const int zero = zero_count();
    return zero > 0 && idle(c) && spare_connectors(-1) <= zero;
  }

  bool accepts_id_tag(const Connector& c, const std::string& id_tag,
                      const std::optional<std::string>& parent) const override {
    if (c.id == 0) return true;
    if (const Reservation* r = specific_on(c.id)) return matches(*r, id_tag, parent);
    if (zero_count() == 0) return true;
    for (const auto& [id, r] : reservations_)
      if (r.req.connectorId == 0 && matches(r, id_tag, parent)) return true;
    // Someone else: only if enough idle connectors stay for the connector 0 reservations.
    return spare_connectors(c.id) >= zero_count();
  }

  void on_id_tag_info(const std::string& id_tag, const IdTagInfo& info, Now) override {
    if (learned_parents_.size() >= kMaxLearnedParents && !learned_parents_.count(id_tag))
      learned_parents_.clear();
    learned_parents_[id_tag] = info.parentIdTag;
  }

  void fill_start_transaction(StartTransactionRequest& req, Connector& c, Now) override {
    // Section 5.13: a transaction of the reserved idTag (or its group) on the reserved
    // connector, or on any connector for a connector 0 reservation, ends the reservation and
    // its StartTransaction.req carries the reservationId (section 4.8).
    consuming_.reset();
    const std::optional<std::string> parent = learned_parent(req.idTag);
    const Reservation* found = specific_on(c.id);
    if (found && !matches_known(*found, req.idTag, parent)) found = nullptr;
    if (!found) {
      for (const auto& [id, r] : reservations_) {
        if (r.req.connectorId == 0 && matches_known(r, req.idTag, parent)) {
          found = &r;
          break;
        }
      }
    }
    if (!found) return;
    req.reservationId = found->req.reservationId;
    consuming_ = std::make_pair(c.id, found->req.reservationId);
  }

  void on_transaction_started(Connector& c, std::int64_t, Now now) override {
    // Only now: the StartTransaction is durable, so the reservation has been used.
    if (!consuming_ || consuming_->first != c.id) return;
    const std::int32_t id = consuming_->second;
    consuming_.reset();
    end(id, now);
  }

  void on_timer(Now now) override {
    std::vector<std::int32_t> ended;
    for (const auto& [id, r] : reservations_)
      if (now.mono >= r.expiry || blocked_for(r)) ended.push_back(id);
    for (std::int32_t id : ended) end(id, now);
    if (stale_status()) update_all(now);
  }

  std::optional<MonoTime> next_deadline() const override {
    std::optional<MonoTime> d;
    for (const auto& [id, r] : reservations_) {
      // A fault or unavailability ends the reservation (section 5.13, case 3): at once.
      const MonoTime t = blocked_for(r) ? MonoTime{} : r.expiry;
      if (!d || t < *d) d = t;
    }
    if (stale_status()) d = MonoTime{};
    return d;
  }

 private:
  static std::string key_of(std::int32_t reservation_id) {
    return kKeyPrefix + std::to_string(reservation_id);
  }

  void erase_stored(const std::string& key) {
    if (auto ec = engine_.store_.kv_erase(key))
      engine_.log(0, "erasing stored reservation " + key + " failed: " + ec.message());
  }

  void add(ReserveNowRequest req, Now now) {
    Reservation r;
    r.expiry = now.mono + std::chrono::duration_cast<MonoTime::duration>(req.expiryDate - now.wall);
    r.req = std::move(req);
    const std::int32_t id = r.req.reservationId;
    const int cid = r.req.connectorId;
    reservations_[id] = std::move(r);
    notify(cid, id, true);
  }

  void notify(int connector_id, std::int32_t id, bool reserved) {
    if (auto& h = engine_.hooks_.reservation)
      engine_.defer([h, connector_id, id, reserved] { h(connector_id, id, reserved); });
  }

  /// Ends a reservation (cancel, expiry, use, fault): forgets it and reports the connectors
  /// whose status changes (section 5.13: "send a status notification ... now available").
  void end(std::int32_t id, Now now) {
    auto it = reservations_.find(id);
    if (it == reservations_.end()) return;
    const int cid = it->second.req.connectorId;
    reservations_.erase(it);
    erase_stored(key_of(id));
    notify(cid, id, false);
    update_all(now);
  }

  /// With connector 0 reservations, a connector's status depends on the others (it is held
  /// once it is the last idle one), but the engine reports only the connector that changed:
  /// the others are reported from on_timer, at once. Only while online, where update_status
  /// records what it reported, so this cannot stay true; except for a change MinimumStatusDuration
  /// holds back, which the metering module reports at its own deadline (counting it here made
  /// next_deadline() "now" for the whole duration: a busy loop).
  bool stale_status() const {
    if (zero_count() == 0 || !engine_.online()) return false;
    for (std::size_t i = 1; i < engine_.connectors_.size(); ++i) {
      const Connector& c = engine_.connectors_[i];
      const ChargePointStatus st = engine_.compute_status(c);
      if (c.reported_status && *c.reported_status != st && !metering::status_held(engine_, c.id, st))
        return true;
    }
    return false;
  }

  void update_all(Now now) {
    for (std::size_t i = 1; i < engine_.connectors_.size(); ++i)
      engine_.update_status(engine_.connectors_[i], now);
  }

  bool unavailable(const Connector& c) const {
    return engine_.any_module([&](const Module& m) { return m.makes_unavailable(c); });
  }

  /// Section 5.13, case (3): the charge point or the reserved connector is Faulted or
  /// Unavailable.
  bool blocked_for(const Reservation& r) const {
    const Connector& cp = engine_.connectors_[0];
    if (cp.faulted || unavailable(cp)) return true;
    if (r.req.connectorId == 0) return false;
    const Connector& c = engine_.connectors_[static_cast<std::size_t>(r.req.connectorId)];
    return c.faulted || unavailable(c);
  }

  const Reservation* specific_on(int connector_id) const {
    for (const auto& [id, r] : reservations_)
      if (r.req.connectorId == connector_id && (!excluded_ || *excluded_ != id)) return &r;
    return nullptr;
  }

  int zero_count() const {
    int n = 0;
    for (const auto& [id, r] : reservations_)
      if (r.req.connectorId == 0 && (!excluded_ || *excluded_ != id)) ++n;
    return n;
  }

  /// Free for a newcomer: nothing happening on it, usable, the charge point usable too.
  bool idle(const Connector& c) const {
    const Connector& cp = engine_.connectors_[0];
    return c.id >= 1 && !c.tx_key && !c.finishing && !c.plugged && !c.authorized_id_tag &&
           !c.faulted && !cp.faulted && !unavailable(c) && !unavailable(cp);
  }

  /// Idle connectors without a reservation of their own, other than except_id.
  int spare_connectors(int except_id) const {
    int n = 0;
    for (std::size_t i = 1; i < engine_.connectors_.size(); ++i) {
      const Connector& c = engine_.connectors_[i];
      if (c.id != except_id && idle(c) && !specific_on(c.id)) ++n;
    }
    return n;
  }

  std::optional<std::string> learned_parent(const std::string& id_tag) const {
    auto it = learned_parents_.find(id_tag);
    return it == learned_parents_.end() ? std::nullopt : it->second;
  }

  /// Section 5.13: the reserved idTag, or a tag of the same group (section 3.10: "two idTags
  /// are in the same group if their ParentId Tags match"; a ParentId is never compared with a
  /// presented idTag).
  bool matches_known(const Reservation& r, const std::string& id_tag,
                     const std::optional<std::string>& parent) const {
    if (id_tag == r.req.idTag) return true;
    return r.req.parentIdTag && parent && *parent == *r.req.parentIdTag;
  }

  /// As matches_known, for a check that may come before the tag's parent is known: the first
  /// check of a presented card happens before its Authorize.req, whose answer tells the parent
  /// (section 5.13). While online an unknown tag passes that first check; the decision on
  /// Authorize.conf then compares the parent it carried. Offline no Authorize.req can tell it,
  /// so an unknown tag is refused.
  bool matches(const Reservation& r, const std::string& id_tag,
               const std::optional<std::string>& parent) const {
    if (id_tag == r.req.idTag) return true;
    if (!r.req.parentIdTag) return false;
    if (parent) return *parent == *r.req.parentIdTag;
    auto it = learned_parents_.find(id_tag);
    if (it != learned_parents_.end()) return it->second && *it->second == *r.req.parentIdTag;
    return engine_.online();
  }

  void reply_status(const std::string& id, ReservationStatus st) {
    ReserveNowResponse resp;
    resp.status = st;
    engine_.reply(id, codec::to_json(resp));
  }

  /// The answer to a ReserveNow, judged as if the reservation it replaces did not exist.
  ReservationStatus judge(const ReserveNowRequest& req) const {
    const Connector& cp = engine_.connectors_[0];
    // Section 5.13: Faulted / Unavailable when the charge point or the connector is.
    if (cp.faulted) return ReservationStatus::Faulted;
    if (unavailable(cp)) return ReservationStatus::Unavailable;
    if (req.connectorId > 0) {
      const Connector& c = engine_.connectors_[static_cast<std::size_t>(req.connectorId)];
      switch (engine_.compute_status(c)) {
        case ChargePointStatus::Available: return ReservationStatus::Accepted;
        case ChargePointStatus::Faulted: return ReservationStatus::Faulted;
        case ChargePointStatus::Unavailable: return ReservationStatus::Unavailable;
        // Reserved (for any reservation: "reserved for the same or another idTag"),
        // Preparing, Charging, SuspendedEV(SE), Finishing: occupied.
        default: return ReservationStatus::Occupied;
      }
    }
    // Connector 0: accepted while one more idle connector is left than there are connector 0
    // reservations already.
    if (spare_connectors(-1) > zero_count()) return ReservationStatus::Accepted;
    bool all_faulted = true;
    bool all_down = true;
    for (std::size_t i = 1; i < engine_.connectors_.size(); ++i) {
      const Connector& c = engine_.connectors_[i];
      all_faulted = all_faulted && c.faulted;
      all_down = all_down && (c.faulted || unavailable(c));
    }
    if (all_faulted) return ReservationStatus::Faulted;
    if (all_down) return ReservationStatus::Unavailable;
    return ReservationStatus::Occupied;
  }

  void reserve_now(const rpc::Frame& frame, Now now) {
    ReserveNowRequest req;
    codec::Error err;
    if (!codec::decode(*frame.payload, req, err)) {
      engine_.reply_error(frame.id, err.code, err.message);
      return;
    }
    // Section 5.13: Rejected when "configured not to accept reservations" (the profile is not
    // in SupportedFeatureProfiles), for connector 0 without ReserveConnectorZeroSupported, for
    // a connector the charge point does not have, and for an expiryDate already past.
    const std::string profiles = engine_.config_.get("SupportedFeatureProfiles").value_or("");
    bool supported = false;
    for (std::size_t pos = 0; pos <= profiles.size();) {
      std::size_t comma = profiles.find(',', pos);
      if (comma == std::string::npos) comma = profiles.size();
      std::string_view item(profiles.data() + pos, comma - pos);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (item == "Reservation") supported = true;
      pos = comma + 1;
    }
    if (!supported || req.connectorId < 0 || req.connectorId > engine_.options_.connectors ||
        (req.connectorId == 0 && !engine_.config_.get_bool("ReserveConnectorZeroSupported")) ||
        req.expiryDate <= now.wall) {
      reply_status(frame.id, ReservationStatus::Rejected);
      return;
    }
    // Section 5.13: the same reservationId replaces the reservation. A request that cannot be
    // granted changes nothing: the old reservation stays as it was.
    excluded_ = req.reservationId;
    const ReservationStatus st = judge(req);
    excluded_.reset();
    if (st != ReservationStatus::Accepted) {
      reply_status(frame.id, st);
      return;
    }
    const std::int32_t id = req.reservationId;
    if (auto ec = engine_.store_.kv_set(key_of(id), codec::to_json(req))) {
      // Not durable: a reservation lost in a power cut would be a promise broken silently.
      engine_.log(0, "storing reservation " + std::to_string(id) + " failed: " + ec.message());
      reply_status(frame.id, ReservationStatus::Rejected);
      return;
    }
    reply_status(frame.id, ReservationStatus::Accepted);
    auto old = reservations_.find(id);
    if (old != reservations_.end()) {
      const int old_cid = old->second.req.connectorId;
      reservations_.erase(old);
      if (old_cid != req.connectorId) notify(old_cid, id, false);
    }
    add(std::move(req), now);
    update_all(now);
  }

  void cancel_reservation(const rpc::Frame& frame, Now now) {
    CancelReservationRequest req;
    codec::Error err;
    if (!codec::decode(*frame.payload, req, err)) {
      engine_.reply_error(frame.id, err.code, err.message);
      return;
    }
    // Section 5.1: Accepted for a reservation the charge point has, Rejected otherwise.
    const bool known = reservations_.count(req.reservationId) > 0;
    CancelReservationResponse resp;
    resp.status = known ? CancelReservationStatus::Accepted : CancelReservationStatus::Rejected;
    engine_.reply(frame.id, codec::to_json(resp));
    if (known) end(req.reservationId, now);
  }

  Engine::Impl& engine_;
  std::map<std::int32_t, Reservation> reservations_;
  // Parents learned from IdTagInfo (Authorize.conf, StartTransaction.conf); nullopt = none.
  std::map<std::string, std::optional<std::string>> learned_parents_;
  // The reservation the StartTransaction being written ends: (connector, reservationId).
  std::optional<std::pair<int, std::int32_t>> consuming_;
  // While judging a ReserveNow: the reservation it would replace, left out of every count.
  std::optional<std::int32_t> excluded_;
};

}  // namespace

std::unique_ptr<Module> make_reservation_module(Engine::Impl& engine) {
  return std::make_unique<ReservationModule>(engine);
}

}  // namespace ocpp::v16
