// Helpers of the local authorization tests (Authorization Cache, Local Authorization List).
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "v201/harness.hpp"

namespace test::v201 {

/// An ISO14443 idToken.
inline ocpp::v201::IdTokenType iso_token(const std::string& v) {
  ocpp::v201::IdTokenType t;
  t.idToken = v;
  t.type = ocpp::v201::IdTokenEnumType::ISO14443;
  return t;
}

/// The TransactionEventRequests we sent: eventType, idToken ("" when absent), offline.
struct TxEvent {
  std::string type, id_token;
  bool offline = false;
};
inline std::vector<TxEvent> tx_events(const Harness& h) {
  std::vector<TxEvent> out;
  for (const auto& c : h.calls_of("TransactionEvent")) {
    rapidjson::Document p;
    p.Parse(c.payload.c_str());
    TxEvent e;
    e.type = p["eventType"].GetString();
    if (p.HasMember("idToken")) e.id_token = p["idToken"]["idToken"].GetString();
    e.offline = p.HasMember("offline") && p["offline"].GetBool();
    out.push_back(e);
  }
  return out;
}

/// A SendLocalListRequest payload: entries of (idToken, status); no status = no idTokenInfo.
inline std::string local_list(
    int version, const std::string& update_type,
    const std::vector<std::pair<std::string, std::optional<std::string>>>& entries) {
  std::string s =
      R"({"versionNumber":)" + std::to_string(version) + R"(,"updateType":")" + update_type + "\"";
  if (!entries.empty()) {
    s += R"(,"localAuthorizationList":[)";
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i) s += ',';
      s += R"({"idToken":{"idToken":")" + entries[i].first + R"(","type":"ISO14443"})";
      if (entries[i].second) s += R"(,"idTokenInfo":{"status":")" + *entries[i].second + "\"}";
      s += '}';
    }
    s += ']';
  }
  return s + '}';
}

/// The versionNumber of our GetLocalListVersionResponse.
inline int list_version(Harness& h, const std::string& id) {
  auto d = parse(h.csms_call(id, "GetLocalListVersion", "{}"));
  REQUIRE(d[0].GetInt() == 3);
  return d[2]["versionNumber"].GetInt();
}

/// Rows the store holds under a key prefix.
inline std::size_t stored_rows(Harness& h, const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> kv;
  REQUIRE(h.store().kv_load(prefix, kv) == std::error_code{});
  return kv.size();
}

/// Presents the idToken at EVSE 1 and runs the engine until quiet.
inline void present(Harness& h, const std::string& id) {
  REQUIRE(h.engine().present_id_token(1, iso_token(id), h.now()) == std::error_code{});
  h.pump();
}

/// Whether the idToken starts a transaction offline at EVSE 1: disconnects, plugs in,
/// presents it, plugs out (ending any transaction) and connects again.
inline bool starts_offline(Harness& h, const std::string& id) {
  h.disconnect();
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  present(h, id);
  const bool started = h.engine().transaction_id(1).has_value();
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  h.connect();
  return started;
}

/// What the authorization hook was told: (evseId, idToken, status).
struct Told {
  int evse;
  std::string id_token;
  ocpp::v201::AuthorizationStatusEnumType status;
};

/// Records what the authorization hook is told into `told`.
inline void record_authorizations(Harness& h, std::vector<Told>& told) {
  h.hooks.authorization = [&told](int evse, const ocpp::v201::IdTokenType& t,
                                  const ocpp::v201::IdTokenInfoType& info) {
    told.push_back({evse, t.idToken, info.status});
  };
}

/// SendLocalListRequest Full with one entry per (idToken, idTokenInfo JSON); Accepted.
inline void send_list(Harness& h, const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string list;
  for (const auto& [id, info] : entries) {
    if (!list.empty()) list += ',';
    list +=
        R"({"idToken":{"idToken":")" + id + R"(","type":"ISO14443"},"idTokenInfo":)" + info + "}";
  }
  REQUIRE(result_status(
              h.csms_call("sll", "SendLocalList",
                          R"({"versionNumber":1,"updateType":"Full","localAuthorizationList":[)" +
                              list + "]}")) == "Accepted");
}

}  // namespace test::v201
