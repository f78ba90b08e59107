// The Authorization Cache of OCPP 2.0.1 (part 2 C10 to C12): the idTokenInfo the CSMS last
// sent for each idToken, with its expiry, bounded (least recently used goes first) and kept
// in the Store under "v201.authcache.<type>:<IDTOKEN>"; ClearCache (C11).
#include <rapidjson/document.h>

#include <charconv>

#include "core/json.hpp"
#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

namespace {

std::int64_t wall_seconds(DateTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

struct CacheEntry {
  std::int64_t updated = 0;  // wall seconds of the last update (C10.FR.10)
  IdTokenInfoType info;
};

bool parse_entry(const std::string& text, CacheEntry& out) {
  const auto space = text.find(' ');
  if (space == std::string::npos) return false;
  const auto [end, err] = std::from_chars(text.data(), text.data() + space, out.updated);
  if (err != std::errc{} || end != text.data() + space) return false;
  rapidjson::Document d;
  codec::Error derr;
  return core::parse_json(d, std::string_view(text).substr(space + 1)) &&
         codec::decode(d, out.info, derr);
}

}  // namespace

std::string auth_key(const IdTokenType& token) {
  std::string key(to_string(token.type));
  key += ':';
  for (char c : token.idToken) key += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return key;
}

void Engine::Impl::load_auth_settings() {
  // The device model holds the values (their defaults from EngineOptions); the settings are
  // their parsed form, read again whenever AuthCtrlr, AuthCacheCtrlr or LocalAuthListCtrlr
  // changes (follow_tx_settings). The bounds of storage come from the options only.
  AuthSettings& s = auth_settings_;
  auto flag = [this](std::string_view c, std::string_view v, bool d) {
    return dm_.get_bool(c, v).value_or(d);
  };
  auto count = [this](std::string_view c, std::string_view v, std::size_t d) {
    auto n = dm_.get_int(c, v);
    return n && *n > 0 ? static_cast<std::size_t>(*n) : d;
  };
  s.cache_enabled = flag("AuthCacheCtrlr", "Enabled", options_.auth_cache_enabled);
  auto life = dm_.get_int("AuthCacheCtrlr", "LifeTime");
  s.cache_life_time = life ? std::chrono::seconds(*life) : options_.auth_cache_life_time;
  s.cache_max_entries = options_.auth_cache_max_entries;
  s.list_enabled = flag("LocalAuthListCtrlr", "Enabled", options_.local_list_enabled);
  s.list_max_entries = options_.local_list_max_entries;
  s.list_items_per_message =
      count("LocalAuthListCtrlr", "ItemsPerMessage", options_.local_list_items_per_message);
  s.list_bytes_per_message =
      count("LocalAuthListCtrlr", "BytesPerMessage", options_.local_list_bytes_per_message);
  s.local_authorize_offline =
      flag("AuthCtrlr", "LocalAuthorizeOffline", options_.local_authorize_offline);
  s.local_pre_authorize = flag("AuthCtrlr", "LocalPreAuthorize", options_.local_pre_authorize);
  s.disable_remote_authorization = flag("AuthCtrlr", "DisableRemoteAuthorization", false);
  s.master_pass_group_id = dm_.get_string("AuthCtrlr", "MasterPassGroupId").value_or("");
  // C10.FR.03, C12.FR.05, C14.FR.03: a cached or listed idToken that is not Accepted is
  // refused locally, without an AuthorizeRequest, when its source's DisablePostAuthorize is
  // true.
  s.cache_disable_post_authorize = flag("AuthCacheCtrlr", "DisablePostAuthorize", false);
  s.list_disable_post_authorize = flag("LocalAuthListCtrlr", "DisablePostAuthorize", false);
}

std::error_code Engine::Impl::load_authorization() {
  load_auth_settings();
  const AuthSettings& s = auth_settings_;
  if (auto ec = auth_cache_.load(s.cache_max_entries, s.cache_max_bytes)) return ec;
  return load_local_list();
}

std::optional<LocalAuthorization> Engine::Impl::local_authorization(const IdTokenType& token,
                                                                    Now now) {
  if (auto listed = listed_info(token, now)) return LocalAuthorization{std::move(*listed), true};
  // C10.FR.11: a disabled cache is neither used nor changed.
  if (!auth_settings_.cache_enabled) return std::nullopt;
  const std::string key = auth_key(token);
  const std::string* row = auth_cache_.find(key);
  if (!row) return std::nullopt;
  CacheEntry e;
  bool expired = !parse_entry(*row, e);
  if (!expired && e.info.cacheExpiryDateTime) {
    expired = now.wall > *e.info.cacheExpiryDateTime;  // C10.FR.13
  } else if (!expired && auth_settings_.cache_life_time.count() > 0) {
    expired = wall_seconds(now.wall) - e.updated > auth_settings_.cache_life_time.count();
  }
  if (expired) {
    // C10.FR.10, C10.FR.13: removed, so that the CSMS is asked again.
    if (auto ec = auth_cache_.erase(key)) log(0, "cannot erase a cache entry: " + ec.message());
    return std::nullopt;
  }
  // C10.FR.07: the order of eviction is the order of use.
  if (auto ec = auth_cache_.touch(key))
    log(1, "cannot record the cache entry's use: " + ec.message());
  return LocalAuthorization{std::move(e.info), false};
}

void Engine::Impl::cache_id_token_info(const IdTokenType& token, const IdTokenInfoType& info,
                                       Now now) {
  if (!auth_settings_.cache_enabled) return;  // C10.FR.11
  const std::string key = auth_key(token);
  std::error_code ec;
  if (info.cacheExpiryDateTime && *info.cacheExpiryDateTime < now.wall) {
    // Errata 2.21 (C10.FR.10 note): a cacheExpiryDateTime in the past keeps the idToken out
    // of the cache (e.g. prepaid accounts).
    ec = auth_cache_.erase(key);
  } else {
    // C10.FR.09, C10.FR.12: the personal message (which may carry tariff text) and vendor
    // data are not kept.
    IdTokenInfoType kept = info;
    kept.personalMessage.reset();
    kept.customData.reset();
    // C10.FR.01, C10.FR.04, C10.FR.05, C12.FR.06: the latest information, whatever its
    // status.
    ec = auth_cache_.put(key, std::to_string(wall_seconds(now.wall)) + ' ' + codec::to_json(kept));
  }
  if (ec) log(0, "cannot update the Authorization Cache: " + ec.message());
}

void Engine::Impl::handle_clear_cache(const rpc::Frame& frame) {
  ClearCacheRequest req;
  if (!decode_request(frame, req)) return;
  ClearCacheResponse resp;
  resp.status = ClearCacheStatusEnumType::Rejected;  // C11.FR.04: disabled
  if (auth_settings_.cache_enabled) {
    // C11.FR.01, C11.FR.03, C11.FR.05.
    const auto ec = auth_cache_.clear();
    if (ec) log(0, "ClearCache: " + ec.message());
    resp.status = ec ? ClearCacheStatusEnumType::Rejected : ClearCacheStatusEnumType::Accepted;
  }
  reply(frame.id, codec::to_json(resp));
}

}  // namespace ocpp::v201
