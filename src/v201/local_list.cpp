// The Local Authorization List of OCPP 2.0.1 (part 2 D01 SendLocalList, D02
// GetLocalListVersion; used by C13 and C14).
//
// The list and its version are kept in the Store as one SendLocalListRequest document
// (updateType Full) under "v201.locallist.data": an update is applied all or nothing, and a
// single kv_set is atomic (D01.FR.10).
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

#include "core/json.hpp"
#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

namespace {

const std::string kLocalListKey = "v201.locallist.data";

}  // namespace

std::error_code Engine::Impl::load_local_list() {
  std::vector<std::pair<std::string, std::string>> kv;
  if (auto ec = store_.kv_load(kLocalListKey, kv)) return ec;
  for (const auto& [key, value] : kv) {
    if (key != kLocalListKey) continue;
    rapidjson::Document d;
    SendLocalListRequest doc;
    codec::Error err;
    if (!core::parse_json(d, value) || !codec::decode(d, doc, err)) {
      // Not trusted in part: version 0 tells the CSMS to send the whole list again (D02.FR.02).
      log(0, "the stored Local Authorization List is unreadable: " + err.message);
      continue;
    }
    local_list_version_ = doc.versionNumber;
    for (auto& e : doc.localAuthorizationList.value_or(std::vector<AuthorizationData>{}))
      if (e.idTokenInfo) local_list_[auth_key(e.idToken)] = std::move(e);
  }
  return {};
}

std::optional<IdTokenInfoType> Engine::Impl::listed_info(const IdTokenType& token, Now now) const {
  if (!auth_settings_.list_enabled) return std::nullopt;
  auto it = local_list_.find(auth_key(token));
  if (it == local_list_.end()) return std::nullopt;
  const IdTokenInfoType& info = *it->second.idTokenInfo;
  // LocalAuthListCtrlr.SupportsExpiryDateTime: past its cacheExpiryDateTime the entry is
  // disregarded as if not listed (C13.FR.05, C14.FR.05).
  if (auth_settings_.list_supports_expiry_date_time && info.cacheExpiryDateTime &&
      now.wall > *info.cacheExpiryDateTime)
    return std::nullopt;
  return info;
}

void Engine::Impl::handle_get_local_list_version(const rpc::Frame& frame) {
  GetLocalListVersionRequest req;
  if (!decode_request(frame, req)) return;
  GetLocalListVersionResponse resp;
  // D02.FR.01; D02.FR.02 (0 before any SendLocalListRequest); D02.FR.03 (0 while disabled).
  resp.versionNumber = auth_settings_.list_enabled ? local_list_version_ : 0;
  reply(frame.id, codec::to_json(resp));
}

void Engine::Impl::handle_send_local_list(const rpc::Frame& frame) {
  // The message limits are checked before decoding, so that an oversized list costs no more
  // than its parse (B06.FR.16 and B06.FR.17 name these CALLERRORs for GetVariables).
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  frame.payload->Accept(w);
  if (sb.GetSize() > auth_settings_.list_bytes_per_message) {
    reply_error(frame.id, RpcErrorCode::FormatViolation,
                "SendLocalListRequest exceeds BytesPerMessage (D01.FR.11)");
    return;
  }
  if (frame.payload->IsObject()) {
    auto m = frame.payload->FindMember("localAuthorizationList");
    if (m != frame.payload->MemberEnd() && m->value.IsArray() &&
        m->value.Size() > auth_settings_.list_items_per_message) {
      reply_error(frame.id, RpcErrorCode::OccurrenceConstraintViolation,
                  "localAuthorizationList exceeds ItemsPerMessage (D01.FR.11)");
      return;
    }
  }
  SendLocalListRequest req;
  if (!decode_request(frame, req)) return;
  if (req.versionNumber <= 0) {
    reply_error(frame.id, RpcErrorCode::PropertyConstraintViolation,
                "versionNumber must be greater than 0 (D01.FR.18)");
    return;
  }
  const auto entries = req.localAuthorizationList.value_or(std::vector<AuthorizationData>{});
  std::set<std::string> seen;
  for (const auto& e : entries) {
    if (!seen.insert(auth_key(e.idToken)).second) {
      reply_error(
          frame.id, RpcErrorCode::PropertyConstraintViolation,
          "localAuthorizationList: idToken " + e.idToken.idToken + " appears twice (D01.FR.06)");
      return;
    }
    // AuthorizationDataType: idTokenInfo is required when updateType is Full.
    if (req.updateType == UpdateEnumType::Full && !e.idTokenInfo) {
      reply_error(frame.id, RpcErrorCode::OccurrenceConstraintViolation,
                  "localAuthorizationList: idTokenInfo is required in a Full update");
      return;
    }
  }
  auto answer = [&](SendLocalListStatusEnumType st) {
    SendLocalListResponse resp;
    resp.status = st;
    reply(frame.id, codec::to_json(resp));
  };
  // SendLocalListStatusEnumType has no NotSupported: a disabled list is not updated.
  if (!auth_settings_.list_enabled) return answer(SendLocalListStatusEnumType::Failed);
  if (req.updateType == UpdateEnumType::Differential) {
    // D01.FR.19.
    if (req.versionNumber <= local_list_version_)
      return answer(SendLocalListStatusEnumType::VersionMismatch);
    // D01.FR.05: nothing to apply (the schema refuses an empty array); the version stays.
    if (entries.empty()) return answer(SendLocalListStatusEnumType::Accepted);
  }
  std::map<std::string, AuthorizationData> next;
  if (req.updateType == UpdateEnumType::Differential) next = local_list_;
  for (const auto& e : entries) {
    if (e.idTokenInfo) {
      next[auth_key(e.idToken)] = e;  // D01.FR.15, D01.FR.16
    } else {
      next.erase(auth_key(e.idToken));  // D01.FR.17
    }
  }
  // LocalAuthListCtrlr.Entries maxLimit (D01.FR.12): the list stays as it was.
  if (next.size() > auth_settings_.list_max_entries)
    return answer(SendLocalListStatusEnumType::Failed);
  SendLocalListRequest doc;
  doc.versionNumber = req.versionNumber;  // D01.FR.01, D01.FR.04
  doc.updateType = UpdateEnumType::Full;
  if (!next.empty()) {
    doc.localAuthorizationList.emplace();
    for (const auto& [key, e] : next) doc.localAuthorizationList->push_back(e);
  }
  if (auto ec = store_.kv_set(kLocalListKey, codec::to_json(doc))) {
    log(0, "cannot store the Local Authorization List: " + ec.message());
    return answer(SendLocalListStatusEnumType::Failed);
  }
  local_list_ = std::move(next);
  local_list_version_ = req.versionNumber;
  answer(SendLocalListStatusEnumType::Accepted);
}

}  // namespace ocpp::v201
