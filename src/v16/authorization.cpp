// Local authorization (OCPP 1.6 section 3.5): the Authorization Cache (3.5.1), the Local
// Authorization List of the LocalAuthListManagement profile (3.5.2, 5.10, 5.15), their
// relation (3.5.3), Unknown Offline Authorization (3.5.4), ClearCache (5.4), and the decision
// on every presented idTag (LocalPreAuthorize, LocalAuthorizeOffline,
// AllowOfflineTxForUnknownId; sections 9.1.1, 9.1.12, 9.1.13).
//
// Persistence (Store kv):
//   "auth.cache.<IDTAG>"     one cache entry: {"seq":N,"entry":<AuthorizationData>}; one key per
//                            entry because an update touches one identifier.
//   "auth.list.data"         the whole Local Authorization List with its version, written as
//                            one SendLocalList.req (updateType Full) document: a SendLocalList
//                            must be applied all or nothing, and a single kv_set is atomic.
//   "auth.txparent.<txkey>"  the parentIdTag of a running transaction's idTag (section 3.10),
//                            so that a card of the same group can stop it after a restart.
// <IDTAG> is the idTag in upper case: IdToken is case-insensitive (errata sheet 3.73).
#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "core/json.hpp"
#include "v16/engine_impl.hpp"

namespace ocpp::v16 {
namespace {

/// Entries the Authorization Cache holds at most. OCPP 1.6 has no key for it; 1024 bounds the
/// store and the memory while covering the users of a typical (semi-)public charge point.
constexpr std::size_t kCacheCapacity = 1024;
constexpr const char* kCachePrefix = "auth.cache.";
constexpr const char* kListKey = "auth.list.data";
constexpr const char* kTxParentPrefix = "auth.txparent.";

std::string fold(std::string_view tag) {
  std::string out(tag);
  for (char& ch : out)
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  return out;
}

/// "valid" in the sense of section 3.5.2: Accepted or ConcurrentTx.
bool valid_status(AuthorizationStatus s) {
  return s == AuthorizationStatus::Accepted || s == AuthorizationStatus::ConcurrentTx;
}

/// The IdTagInfo as it stands at `now`: a valid entry past its expiryDate is Expired
/// (sections 3.5.1 and 3.5.4: "apparently expired due to passage of time").
IdTagInfo effective(const IdTagInfo& info, Now now) {
  IdTagInfo out = info;
  if (valid_status(out.status) && out.expiryDate && *out.expiryDate <= now.wall)
    out.status = AuthorizationStatus::Expired;
  return out;
}

struct CacheEntry {
  std::string id_tag;
  IdTagInfo info;
  std::uint64_t seq = 0;  // order of the last update: the smallest is the oldest
};

class AuthorizationModule final : public Module {
 public:
  explicit AuthorizationModule(Engine::Impl& engine) : engine_(engine) {}

  std::error_code load(Now now) override {
    std::vector<std::pair<std::string, std::string>> kv;
    if (auto ec = engine_.store_.kv_load(kCachePrefix, kv)) return ec;
    for (const auto& [key, value] : kv) {
      CacheEntry e;
      if (!parse_cache_entry(value, e) || fold(e.id_tag) != key.substr(std::char_traits<char>::length(kCachePrefix))) {
        engine_.log(1, "dropping an unreadable authorization cache entry " + key);
        erase_kv(key);
        continue;
      }
      next_seq_ = std::max(next_seq_, e.seq + 1);
      cache_[fold(e.id_tag)] = std::move(e);
    }
    // A power cut between storing a new entry and evicting an old one leaves one too many.
    while (cache_.size() > kCacheCapacity) evict_one(now);

    kv.clear();
    if (auto ec = engine_.store_.kv_load(kListKey, kv)) return ec;
    for (const auto& [key, value] : kv) {
      if (key != kListKey) continue;
      rapidjson::Document d;
      const bool parsed = core::parse_json(d, value);
      SendLocalListRequest doc;
      codec::Error err;
      if (!parsed || !codec::decode(d, doc, err)) {
        // Not silently empty: the version stays 0 so that the CSMS sends the full list again.
        engine_.log(0, "the stored Local Authorization List is unreadable: " + err.message);
        continue;
      }
      list_version_ = doc.listVersion;
      for (auto& e : doc.localAuthorizationList.value_or(std::vector<AuthorizationData>{}))
        if (e.idTagInfo) list_[fold(e.idTag)] = std::move(e);
    }

    kv.clear();
    if (auto ec = engine_.store_.kv_load(kTxParentPrefix, kv)) return ec;
    for (const auto& [key, value] : kv) {
      const std::string num = key.substr(std::char_traits<char>::length(kTxParentPrefix));
      std::int64_t tx_key = 0;
      std::from_chars(num.data(), num.data() + num.size(), tx_key);  // 0 (no such tx) if broken
      Connector* running = nullptr;
      for (auto& c : engine_.connectors_)
        if (c.tx_key && *c.tx_key == tx_key) running = &c;
      if (running) {
        running->tx_parent_id_tag = value;
      } else {
        erase_kv(key);  // the transaction ended before the power cut
      }
    }
    return {};
  }

  bool handles(Action a) const override {
    return a == Action::ClearCache || a == Action::GetLocalListVersion || a == Action::SendLocalList;
  }

  void handle(Action a, const rpc::Frame& frame, Now) override {
    switch (a) {
      case Action::ClearCache:
        return clear_cache(frame);
      case Action::GetLocalListVersion:
        return get_local_list_version(frame);
      case Action::SendLocalList:
        return send_local_list(frame);
      default:
        return;
    }
  }

  bool authorize(int connector_id, const std::string& id_tag, Now now) override {
    const std::optional<IdTagInfo> local = lookup(id_tag, now);
    if (engine_.online()) {
      // LocalPreAuthorize (9.1.13): an identifier valid in the list or the cache starts at once,
      // without an Authorize.req. Any other one is asked for: unknown identifiers (4.1 SHALL),
      // and NOT-valid cache entries (3.5.1: the CSMS may have unblocked it meanwhile).
      if (local && local->status == AuthorizationStatus::Accepted &&
          engine_.config_.get_bool("LocalPreAuthorize")) {
        decide(connector_id, id_tag, *local, now);
        return true;
      }
      send_authorize(connector_id, id_tag);
      return true;
    }
    decide_offline(connector_id, id_tag, now);
    return true;
  }

  void on_id_tag_info(const std::string& id_tag, const IdTagInfo& info, Now now) override {
    const bool in_list = list_enabled() && list_.count(fold(id_tag)) > 0;
    if (in_list) {
      // Section 3.5.2: a conflict between the list and the CSMS's answer is reported with a
      // StatusNotification for connector 0 with errorCode LocalListConflict.
      const IdTagInfo listed = effective(*list_.at(fold(id_tag)).idTagInfo, now);
      if (listed.status != info.status) report_list_conflict(id_tag, now);
    }
    // The group of a running transaction's idTag, as the CSMS states it (StartTransaction.conf).
    if (info.parentIdTag) {
      for (auto& c : engine_.connectors_) {
        if (!c.tx_key || !same_id_tag(engine_.txs_.at(*c.tx_key).id_tag, id_tag)) continue;
        if (!c.tx_parent_id_tag || *c.tx_parent_id_tag != *info.parentIdTag)
          set_tx_parent(c, *c.tx_key, *info.parentIdTag);
      }
    }
    // Section 3.5.3: identifiers in the list are never cached; 4.1/4.8: otherwise every
    // IdTagInfo updates the cache (valid and NOT-valid ones, section 3.5.1).
    if (!in_list && cache_enabled()) cache_put(id_tag, info, now);
  }

  void on_transaction_started(Connector& c, std::int64_t tx_key, Now now) override {
    const std::string& tag = engine_.txs_.at(tx_key).id_tag;
    std::optional<std::string> parent;
    auto it = last_authorized_.find(c.id);
    if (it != last_authorized_.end() && same_id_tag(it->second.first, tag)) parent = it->second.second;
    last_authorized_.erase(c.id);
    if (!parent) {
      if (auto local = lookup(tag, now)) parent = local->parentIdTag;
    }
    c.tx_parent_id_tag.reset();
    if (parent) set_tx_parent(c, tx_key, *parent);
  }

  void on_transaction_stopped(Connector& c, std::int64_t tx_key, Reason, Now) override {
    if (c.tx_parent_id_tag) erase_kv(kTxParentPrefix + std::to_string(tx_key));
    c.tx_parent_id_tag.reset();
  }

 private:
  bool cache_enabled() const { return engine_.config_.get_bool("AuthorizationCacheEnabled"); }
  bool list_enabled() const { return engine_.config_.get_bool("LocalAuthListEnabled"); }

  /// What the local data says about an idTag: the list first (section 3.5.3: it has priority),
  /// then the cache. Each only while enabled. A cache entry past its expiryDate is changed to
  /// Expired in the cache (section 3.5.1); the list is changed only by SendLocalList (3.5.2).
  std::optional<IdTagInfo> lookup(const std::string& id_tag, Now now) {
    const std::string key = fold(id_tag);
    if (list_enabled()) {
      auto it = list_.find(key);
      if (it != list_.end()) return effective(*it->second.idTagInfo, now);
    }
    if (cache_enabled()) {
      auto it = cache_.find(key);
      if (it != cache_.end()) {
        const IdTagInfo now_info = effective(it->second.info, now);
        if (now_info.status != it->second.info.status) {
          it->second.info = now_info;
          store_cache_entry(it->second);
        }
        return now_info;
      }
    }
    return std::nullopt;
  }

  void decide(int connector_id, const std::string& id_tag, const IdTagInfo& info, Now now) {
    if (info.status == AuthorizationStatus::Accepted) last_authorized_[connector_id] = {id_tag, info.parentIdTag};
    engine_.authorization_result(connector_id, id_tag, info, now);
  }

  /// Sections 3.5.4 and 9.1.12: offline (or when the CSMS did not answer the Authorize.req).
  void decide_offline(int connector_id, const std::string& id_tag, Now now) {
    const std::optional<IdTagInfo> local = lookup(id_tag, now);
    IdTagInfo info;
    if (local && local->status != AuthorizationStatus::Accepted) {
      // Listed or cached as not Accepted (also: expired by the passage of time): rejected.
      info = *local;
    } else if (local && engine_.config_.get_bool("LocalAuthorizeOffline")) {
      info = *local;
    } else {
      // Unknown, or LocalAuthorizeOffline false (then no identifier can be "explicitly
      // authorized" locally, section 3.5.4): Unknown Offline Authorization decides.
      info.status = engine_.config_.get_bool("AllowOfflineTxForUnknownId") ? AuthorizationStatus::Accepted
                                                                            : AuthorizationStatus::Invalid;
    }
    decide(connector_id, id_tag, info, now);
  }

  void send_authorize(int connector_id, const std::string& id_tag) {
    AuthorizeRequest req;
    req.idTag = id_tag;
    engine_.send_volatile(Action::Authorize, codec::to_json(req),
                          [this, connector_id, id_tag](const rapidjson::Value* result, Now n) {
                            AuthorizeResponse resp;
                            codec::Error err;
                            if (result && codec::decode(*result, resp, err)) {
                              engine_.for_modules([&](Module& m) { m.on_id_tag_info(id_tag, resp.idTagInfo, n); });
                              decide(connector_id, id_tag, resp.idTagInfo, n);
                              return;
                            }
                            if (result) engine_.log(0, "invalid Authorize.conf: " + err.message);
                            // No answer (connection lost, timeout, CALLERROR): decide as offline.
                            decide_offline(connector_id, id_tag, n);
                          });
  }

  void report_list_conflict(const std::string& id_tag, Now now) {
    Connector& cp = *engine_.connector(0);
    if (!engine_.online() || cp.faulted) return;  // a fault's errorCode is not overwritten
    StatusNotificationRequest req;
    req.connectorId = 0;
    req.status = engine_.compute_status(cp);
    req.errorCode = ChargePointErrorCode::LocalListConflict;
    req.timestamp = now.wall;
    engine_.send_volatile(Action::StatusNotification, codec::to_json(req));
    engine_.log(1, "Local Authorization List conflicts with the Central System for idTag " + id_tag);
  }

  void set_tx_parent(Connector& c, std::int64_t tx_key, const std::string& parent) {
    c.tx_parent_id_tag = parent;
    if (auto ec = engine_.store_.kv_set(kTxParentPrefix + std::to_string(tx_key), parent))
      engine_.log(0, "storing the parentIdTag of a transaction failed: " + ec.message());
  }

  // ------------------------------------------------------------------ cache

  static bool parse_cache_entry(const std::string& text, CacheEntry& out) {
    rapidjson::Document d;
    const bool parsed = core::parse_json(d, text);
    if (!parsed || !d.IsObject() || !d.HasMember("seq") || !d["seq"].IsUint64() ||
        !d.HasMember("entry"))
      return false;
    AuthorizationData e;
    codec::Error err;
    if (!codec::decode(d["entry"], e, err) || !e.idTagInfo) return false;
    out.id_tag = std::move(e.idTag);
    out.info = std::move(*e.idTagInfo);
    out.seq = d["seq"].GetUint64();
    return true;
  }

  void store_cache_entry(const CacheEntry& e) {
    AuthorizationData d;
    d.idTag = e.id_tag;
    d.idTagInfo = e.info;
    const std::string value = "{\"seq\":" + std::to_string(e.seq) + ",\"entry\":" + codec::to_json(d) + "}";
    if (auto ec = engine_.store_.kv_set(kCachePrefix + fold(e.id_tag), value))
      engine_.log(0, "storing an authorization cache entry failed: " + ec.message());
  }

  void erase_kv(const std::string& key) {
    if (auto ec = engine_.store_.kv_erase(key)) engine_.log(0, "erasing " + key + " failed: " + ec.message());
  }

  void cache_put(const std::string& id_tag, const IdTagInfo& info, Now now) {
    const std::string key = fold(id_tag);
    if (cache_.find(key) == cache_.end() && cache_.size() >= kCacheCapacity) evict_one(now);
    CacheEntry& e = cache_[key];
    e.id_tag = id_tag;
    e.info = info;
    e.seq = next_seq_++;
    store_cache_entry(e);
  }

  /// Section 3.5.1, cache full: NOT-valid entries go first, then the oldest valid ones. One
  /// entry at a time (the oldest NOT-valid one), so that blocked identifiers are forgotten
  /// only when space is needed.
  void evict_one(Now now) {
    auto victim = cache_.end();
    bool victim_valid = true;
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      const bool v = valid_status(effective(it->second.info, now).status);
      if (victim == cache_.end() || (!v && victim_valid) ||
          (v == victim_valid && it->second.seq < victim->second.seq)) {
        victim = it;
        victim_valid = v;
      }
    }
    if (victim == cache_.end()) return;
    erase_kv(kCachePrefix + victim->first);
    cache_.erase(victim);
  }

  void clear_cache(const rpc::Frame& frame) {
    ClearCacheRequest req;
    codec::Error err;
    if (!codec::decode(*frame.payload, req, err)) return engine_.reply_error(frame.id, err.code, err.message);
    // The cache is implemented (AuthorizationCacheEnabled exists), so it is cleared also while
    // disabled; Rejected only when the store could not erase an entry (section 5.4).
    ClearCacheResponse resp;
    resp.status = ClearCacheStatus::Accepted;
    for (auto it = cache_.begin(); it != cache_.end();) {
      if (auto ec = engine_.store_.kv_erase(kCachePrefix + it->first)) {
        engine_.log(0, "ClearCache: erasing an entry failed: " + ec.message());
        resp.status = ClearCacheStatus::Rejected;
        ++it;
      } else {
        it = cache_.erase(it);
      }
    }
    engine_.reply(frame.id, codec::to_json(resp));
  }

  // ------------------------------------------------------------------ Local Authorization List

  /// Section 5.10: 0 for an empty list; -1 when the list is not available (LocalAuthListEnabled
  /// false).
  std::int32_t reported_version() const {
    if (!list_enabled()) return -1;
    return list_.empty() ? 0 : list_version_;
  }

  void get_local_list_version(const rpc::Frame& frame) {
    GetLocalListVersionRequest req;
    codec::Error err;
    if (!codec::decode(*frame.payload, req, err)) return engine_.reply_error(frame.id, err.code, err.message);
    GetLocalListVersionResponse resp;
    resp.listVersion = reported_version();
    engine_.reply(frame.id, codec::to_json(resp));
  }

  void send_local_list(const rpc::Frame& frame) {
    SendLocalListRequest req;
    codec::Error err;
    if (!codec::decode(*frame.payload, req, err)) return engine_.reply_error(frame.id, err.code, err.message);
    auto answer = [&](UpdateStatus st) {
      SendLocalListResponse resp;
      resp.status = st;
      engine_.reply(frame.id, codec::to_json(resp));
    };
    if (!list_enabled()) return answer(UpdateStatus::NotSupported);
    // Errata sheet 3.52: listVersion "SHALL NOT be -1 or 0".
    if (req.listVersion < 1)
      return engine_.reply_error(frame.id, RpcErrorCode::PropertyConstraintViolation,
                                 "listVersion must be 1 or more (errata sheet 3.52)");
    const std::vector<AuthorizationData> entries = req.localAuthorizationList.value_or(std::vector<AuthorizationData>{});
    std::set<std::string> seen;
    for (const auto& e : entries) {
      // Section 6.41: "All idTags in the localAuthorizationList MUST be unique".
      if (!seen.insert(fold(e.idTag)).second)
        return engine_.reply_error(frame.id, RpcErrorCode::PropertyConstraintViolation,
                                   "localAuthorizationList: duplicate idTag " + e.idTag);
      // Section 7.1: idTagInfo is required when updateType is Full.
      if (req.updateType == UpdateType::Full && !e.idTagInfo)
        return engine_.reply_error(frame.id, RpcErrorCode::OccurenceConstraintViolation,
                                   "localAuthorizationList: idTagInfo is required in a Full update (idTag " + e.idTag + ")");
    }
    // Section 9.2.3: at most SendLocalListMaxLength entries in one request.
    if (static_cast<std::int64_t>(entries.size()) > engine_.config_.get_int("SendLocalListMaxLength"))
      return answer(UpdateStatus::Failed);
    // Section 7.47: a differential update must carry a version greater than the current one.
    if (req.updateType == UpdateType::Differential && req.listVersion <= reported_version())
      return answer(UpdateStatus::VersionMismatch);

    std::map<std::string, AuthorizationData> next;
    if (req.updateType == UpdateType::Differential) next = list_;
    for (const auto& e : entries) {
      if (e.idTagInfo) {
        next[fold(e.idTag)] = e;
      } else {
        next.erase(fold(e.idTag));  // section 7.1: no idTagInfo in a differential = delete
      }
    }
    // Section 9.2.2: the list holds at most LocalAuthListMaxLength identifiers.
    if (static_cast<std::int64_t>(next.size()) > engine_.config_.get_int("LocalAuthListMaxLength"))
      return answer(UpdateStatus::Failed);

    SendLocalListRequest doc;
    doc.listVersion = req.listVersion;
    doc.updateType = UpdateType::Full;
    doc.localAuthorizationList.emplace();
    for (const auto& [key, e] : next) doc.localAuthorizationList->push_back(e);
    if (auto ec = engine_.store_.kv_set(kListKey, codec::to_json(doc))) {
      engine_.log(0, "storing the Local Authorization List failed: " + ec.message());
      return answer(UpdateStatus::Failed);  // the list stays as it was
    }
    list_ = std::move(next);
    list_version_ = req.listVersion;
    // Section 3.5.3: identifiers in the list are not kept in the cache.
    for (auto it = cache_.begin(); it != cache_.end();) {
      if (list_.count(it->first)) {
        erase_kv(kCachePrefix + it->first);
        it = cache_.erase(it);
      } else {
        ++it;
      }
    }
    answer(UpdateStatus::Accepted);
  }

  Engine::Impl& engine_;
  std::map<std::string, CacheEntry> cache_;  // by folded idTag
  std::uint64_t next_seq_ = 1;
  std::map<std::string, AuthorizationData> list_;  // by folded idTag; every entry has idTagInfo
  std::int32_t list_version_ = 0;
  // The last idTag this module authorized per connector, with its parentIdTag: the group of
  // the transaction it starts (try_start does not hand the parent on).
  std::map<int, std::pair<std::string, std::optional<std::string>>> last_authorized_;
};

}  // namespace

std::unique_ptr<Module> make_authorization_module(Engine::Impl& engine) {
  return std::make_unique<AuthorizationModule>(engine);
}

}  // namespace ocpp::v16
