// Helpers of the authorization tests (authorization_list_test.cpp, authorization_cache_test.cpp).
#pragma once

#include <catch2/catch.hpp>
#include "support/flaky_store.hpp"
#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::v16::AuthorizationStatus;
using ocpp::v16::Reason;
using test::FlakyStore;

namespace auth_test {

using Defaults = std::vector<std::pair<std::string, std::string>>;

using test::error_code;
using test::str;

inline rapidjson::Document parse(const std::optional<std::string>& frame) {
  rapidjson::Document d;
  REQUIRE(frame.has_value());
  d.Parse(frame->c_str());
  REQUIRE(d.IsArray());
  return d;
}

/// The status field of a CALLRESULT; fails the test for a CALLERROR.
inline std::string result_status(const std::optional<std::string>& frame) {
  auto d = parse(frame);
  REQUIRE(d[0].GetInt() == 3);
  return str(d[2]["status"]);
}

inline int list_version(test::Harness& h, const std::string& id) {
  auto d = parse(h.csms_call(id, "GetLocalListVersion", "{}"));
  REQUIRE(d[0].GetInt() == 3);
  return d[2]["listVersion"].GetInt();
}

inline std::string send_list(test::Harness& h, const std::string& id, const std::string& payload) {
  return result_status(h.csms_call(id, "SendLocalList", payload));
}

inline std::vector<std::string> kv_keys(ocpp::Store& s, const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> kv;
  REQUIRE(!s.kv_load(prefix, kv));
  std::vector<std::string> out;
  for (auto& p : kv) out.push_back(p.first);
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string kv_value(ocpp::Store& s, const std::string& key) {
  std::vector<std::pair<std::string, std::string>> kv;
  REQUIRE(!s.kv_load(key, kv));
  for (auto& p : kv)
    if (p.first == key) return p.second;
  return {};
}

/// Authorize.conf per idTag: status (and optional parentIdTag / expiryDate) from a table.
struct AuthTable {
  std::map<std::string, std::string> info;  // idTag -> idTagInfo JSON
  void install(test::Harness& h) {
    h.policy["Authorize"] = [this](const test::SentCall& c) -> std::optional<std::string> {
      auto tag = str(c.json()["idTag"]);
      auto it = info.find(tag);
      return R"({"idTagInfo":)" + (it == info.end() ? std::string(R"({"status":"Invalid"})") : it->second) + "}";
    };
  }
};

/// The authorize hook's reports, "TAG Status".
struct AuthLog {
  std::vector<std::string> events;
  void install(test::Harness& h) {
    h.hooks.authorize = [this](const std::string& tag, const ocpp::v16::IdTagInfo& info) {
      events.push_back(tag + " " + std::string(ocpp::v16::to_string(info.status)));
    };
  }
};

inline bool charging(ocpp::v16::Engine& e, int connector = 1) {
  auto st = e.connector_state(connector);
  return st.ok() && st->transaction.has_value();
}

inline const char* kFullList =
    R"({"listVersion":5,"updateType":"Full","localAuthorizationList":[)"
    R"({"idTag":"LIST-OK","idTagInfo":{"status":"Accepted"}},)"
    R"({"idTag":"LIST-BLOCKED","idTagInfo":{"status":"Blocked"}},)"
    R"({"idTag":"LIST-EXPIRED","idTagInfo":{"status":"Expired"}},)"
    R"({"idTag":"LIST-INVALID","idTagInfo":{"status":"Invalid"}}]})";

}  // namespace auth_test
