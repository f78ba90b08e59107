// Local authorization: the Authorization Cache (OCPP 1.6 section 3.5.1), the Local
// Authorization List (3.5.2, LocalAuthListManagement: 5.10 GetLocalListVersion, 5.15
// SendLocalList, 9.2 keys), their relation (3.5.3), Unknown Offline Authorization (3.5.4),
// ClearCache (5.4 + errata 3.23), parentIdTag groups (3.10) and the keys LocalPreAuthorize,
// LocalAuthorizeOffline, AllowOfflineTxForUnknownId, AuthorizationCacheEnabled (9.1.x).
// This file: the decisions, the Authorization Cache.
#include <catch2/catch.hpp>

#include "v16/authorization_support.hpp"

using namespace auth_test;
using namespace std::chrono_literals;
using ocpp::v16::AuthorizationStatus;
using ocpp::v16::Reason;

// ------------------------------------------------------------------ decisions

TEST_CASE("authorization: offline decisions per LocalAuthorizeOffline and AllowOfflineTxForUnknownId (3.5.4)",
          "[authorization][v16]") {
  // The list: LIST-OK Accepted, LIST-BLOCKED/EXPIRED/INVALID not. The cache: CACHE-OK Accepted,
  // CACHE-BLOCKED Blocked (from Authorize.conf). UNKNOWN is in neither.
  const bool local_offline = GENERATE(true, false);
  const bool allow_unknown = GENERATE(true, false);
  CAPTURE(local_offline, allow_unknown);
  test::Harness h(nullptr, 1,
                  {{"LocalAuthorizeOffline", local_offline ? "true" : "false"},
                   {"AllowOfflineTxForUnknownId", allow_unknown ? "true" : "false"}});
  AuthTable table;
  table.info["CACHE-OK"] = R"({"status":"Accepted"})";
  table.info["CACHE-BLOCKED"] = R"({"status":"Blocked"})";
  table.install(h);
  AuthLog log;
  log.install(h);
  auto& e = h.start();
  h.connect();
  CHECK(send_list(h, "s1", kFullList) == "Accepted");
  REQUIRE(!e.present_id_tag("CACHE-OK", 1, h.now()));
  h.pump();
  REQUIRE(!e.present_id_tag("CACHE-BLOCKED", 1, h.now()));
  h.pump();
  REQUIRE(h.calls_of("Authorize").size() == 2);
  h.advance(200s);  // ConnectionTimeOut: the online authorization lapses
  h.disconnect();
  REQUIRE(!e.plug_in(1, h.now()));

  auto tries = [&](const std::string& tag) {
    log.events.clear();
    REQUIRE(!e.present_id_tag(tag, 1, h.now()));
    h.pump();
    const bool started = charging(e);
    if (started) {
      REQUIRE(!e.present_id_tag(tag, 1, h.now()));  // stop it again
      h.pump();
      REQUIRE(!charging(e));
    }
    return started;
  };
  // Listed / cached as not Accepted: always rejected (3.5.4 MUST), whatever the keys.
  CHECK(!tries("LIST-BLOCKED"));
  CHECK(log.events == std::vector<std::string>{"LIST-BLOCKED Blocked"});
  CHECK(!tries("LIST-EXPIRED"));
  CHECK(!tries("LIST-INVALID"));
  CHECK(!tries("CACHE-BLOCKED"));
  CHECK(log.events == std::vector<std::string>{"CACHE-BLOCKED Blocked"});
  // Locally Accepted: started when LocalAuthorizeOffline; otherwise they are not "explicitly
  // authorized" and count as unknown.
  CHECK(tries("LIST-OK") == (local_offline || allow_unknown));
  CHECK(tries("CACHE-OK") == (local_offline || allow_unknown));
  CHECK(tries("UNKNOWN") == allow_unknown);
  CHECK(log.events == std::vector<std::string>{allow_unknown ? "UNKNOWN Accepted" : "UNKNOWN Invalid"});
  CHECK(h.calls_of("Authorize").size() == 2);  // nothing asked while offline
}

TEST_CASE("authorization: LocalPreAuthorize starts locally Accepted idTags without Authorize.req (9.1.13)",
          "[authorization][v16]") {
  const bool pre = GENERATE(true, false);
  CAPTURE(pre);
  test::Harness h(nullptr, 1, {{"LocalPreAuthorize", pre ? "true" : "false"}});
  AuthTable table;
  table.info["LIST-OK"] = R"({"status":"Accepted"})";
  table.info["CACHED"] = R"({"status":"Accepted"})";
  table.install(h);
  auto& e = h.start();
  h.connect();
  CHECK(send_list(h, "s1", kFullList) == "Accepted");
  REQUIRE(!e.plug_in(1, h.now()));

  SECTION("listed Accepted") {
    REQUIRE(!e.present_id_tag("LIST-OK", 1, h.now()));
    h.pump();
    CHECK(charging(e));
    CHECK(h.calls_of("Authorize").size() == (pre ? 0u : 1u));
  }
  SECTION("cached Accepted: the second presentation needs no Authorize.req") {
    REQUIRE(!e.present_id_tag("CACHED", 1, h.now()));
    h.pump();
    REQUIRE(charging(e));
    REQUIRE(!e.present_id_tag("CACHED", 1, h.now()));  // stops
    h.pump();
    REQUIRE(!charging(e));
    REQUIRE(h.calls_of("Authorize").size() == 1);
    REQUIRE(!e.present_id_tag("CACHED", 1, h.now()));
    h.pump();
    CHECK(charging(e));
    CHECK(h.calls_of("Authorize").size() == (pre ? 1u : 2u));
  }
  SECTION("listed Blocked, online: the Central System is asked (3.5.1 NOT-valid entries; 4.1)") {
    table.info["LIST-BLOCKED"] = R"({"status":"Blocked"})";
    REQUIRE(!e.present_id_tag("LIST-BLOCKED", 1, h.now()));
    h.pump();
    CHECK(!charging(e));
    REQUIRE(h.calls_of("Authorize").size() == 1);
    CHECK(str(h.calls_of("Authorize")[0].json()["idTag"]) == "LIST-BLOCKED");
  }
}

TEST_CASE("authorization: a NOT-valid cache entry is asked again online and updated (3.5.1)", "[authorization][v16]") {
  test::Harness h(nullptr, 1, {{"LocalPreAuthorize", "true"}});
  AuthTable table;
  table.info["CARD"] = R"({"status":"Blocked"})";
  table.install(h);
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));
  h.pump();
  CHECK(!charging(e));
  table.info["CARD"] = R"({"status":"Accepted"})";  // unblocked at the CSMS
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));
  h.pump();
  CHECK(charging(e));
  CHECK(h.calls_of("Authorize").size() == 2);
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));  // stop
  h.pump();
  // Now cached Accepted: offline it starts.
  h.disconnect();
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));
  h.pump();
  CHECK(charging(e));
}

TEST_CASE("authorization: no answer to Authorize.req falls back to the offline rules", "[authorization][v16]") {
  const bool error_answer = GENERATE(true, false);
  CAPTURE(error_answer);
  test::Harness h(nullptr, 1, {{"AllowOfflineTxForUnknownId", "false"}});
  AuthTable table;
  table.info["CACHED"] = R"({"status":"Accepted"})";
  table.install(h);
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.present_id_tag("CACHED", 1, h.now()));  // fills the cache
  h.pump();
  h.advance(200s);
  REQUIRE(!e.plug_in(1, h.now()));
  if (error_answer) {
    h.answer_error["Authorize"] = "InternalError";
  } else {
    h.policy["Authorize"] = [](const test::SentCall&) -> std::optional<std::string> { return std::nullopt; };
  }
  REQUIRE(!e.present_id_tag("UNKNOWN", 1, h.now()));
  h.pump();
  if (!error_answer) h.advance(120s);  // the call times out
  CHECK(!charging(e));
  REQUIRE(!e.present_id_tag("CACHED", 1, h.now()));
  h.pump();
  if (!error_answer) h.advance(120s);
  CHECK(charging(e));
  CHECK(e.connector_state(1)->transaction->idTag == "CACHED");
}

TEST_CASE("authorization: a cache entry past its expiryDate is Expired and not used offline (3.5.1, 3.5.4)",
          "[authorization][v16]") {
  test::Harness h(nullptr, 1, {{"AllowOfflineTxForUnknownId", "true"}});
  test::Harness* hp = &h;
  h.policy["Authorize"] = [hp](const test::SentCall&) -> std::optional<std::string> {
    return R"({"idTagInfo":{"status":"Accepted","expiryDate":")" + ocpp::format_datetime(hp->now().wall + 1h) + R"("}})";
  };
  AuthLog log;
  log.install(h);
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));
  h.pump();
  h.advance(200s);
  h.disconnect();
  REQUIRE(!e.plug_in(1, h.now()));
  // Within the validity: accepted from the cache.
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));
  h.pump();
  REQUIRE(charging(e));
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));
  h.pump();
  REQUIRE(!charging(e));
  // After expiry: rejected, even with AllowOfflineTxForUnknownId (it is not unknown).
  h.advance(1h);
  log.events.clear();
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));
  h.pump();
  CHECK(!charging(e));
  CHECK(log.events == std::vector<std::string>{"CARD Expired"});
}

TEST_CASE("authorization: the cache entry is changed to Expired in the store (3.5.1)", "[authorization][v16]") {
  auto store = ocpp::make_memory_store();
  test::Harness h(store.get());
  test::Harness* hp = &h;
  h.policy["Authorize"] = [hp](const test::SentCall&) -> std::optional<std::string> {
    return R"({"idTagInfo":{"status":"Accepted","expiryDate":")" + ocpp::format_datetime(hp->now().wall + 60s) + R"("}})";
  };
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.present_id_tag("card", 1, h.now()));
  h.pump();
  CHECK(kv_keys(*store, "auth.cache.") == std::vector<std::string>{"auth.cache.CARD"});
  CHECK(kv_value(*store, "auth.cache.CARD").find("\"Accepted\"") != std::string::npos);
  h.advance(200s);
  h.disconnect();
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));  // case-insensitive lookup (errata 3.73)
  h.pump();
  CHECK(kv_value(*store, "auth.cache.CARD").find("\"Expired\"") != std::string::npos);
}

TEST_CASE("authorization: the local list has priority over the cache and is never cached (3.5.3)",
          "[authorization][v16]") {
  auto store = ocpp::make_memory_store();
  test::Harness h(store.get(), 1, {{"LocalPreAuthorize", "true"}});
  AuthTable table;
  table.info["CARD"] = R"({"status":"Accepted"})";
  table.info["LISTED"] = R"({"status":"Accepted"})";
  table.install(h);
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));
  h.pump();
  CHECK(kv_keys(*store, "auth.cache.") == std::vector<std::string>{"auth.cache.CARD"});
  // The list blocks CARD: its cache entry goes, the list decides.
  CHECK(send_list(h, "s1", R"({"listVersion":1,"updateType":"Full","localAuthorizationList":[)"
                           R"({"idTag":"CARD","idTagInfo":{"status":"Blocked"}},)"
                           R"({"idTag":"LISTED","idTagInfo":{"status":"Accepted"}}]})") == "Accepted");
  CHECK(kv_keys(*store, "auth.cache.").empty());
  h.advance(200s);
  // LISTED's Authorize.conf (LocalPreAuthorize false would ask) is not cached either.
  REQUIRE(h.engine().present_id_tag("LISTED", 1, h.now()) == std::error_code{});
  h.pump();
  CHECK(h.calls_of("Authorize").size() == 1);  // pre-authorized from the list
  h.advance(200s);
  h.disconnect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));
  h.pump();
  CHECK(!charging(e));
  CHECK(kv_keys(*store, "auth.cache.").empty());
}

TEST_CASE("authorization: Authorize.conf of a listed idTag is not cached (3.5.3, 4.1)", "[authorization][v16]") {
  auto store = ocpp::make_memory_store();
  test::Harness h(store.get(), 1, {{"LocalPreAuthorize", "false"}});
  AuthTable table;
  table.info["LISTED"] = R"({"status":"Accepted"})";
  table.install(h);
  auto& e = h.start();
  h.connect();
  CHECK(send_list(h, "s1", R"({"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"LISTED","idTagInfo":{"status":"Accepted"}}]})") ==
        "Accepted");
  REQUIRE(!e.present_id_tag("LISTED", 1, h.now()));
  h.pump();
  CHECK(h.calls_of("Authorize").size() == 1);
  CHECK(kv_keys(*store, "auth.cache.").empty());
}

TEST_CASE("authorization: a conflict between the list and the CSMS is reported as LocalListConflict (3.5.2)",
          "[authorization][v16]") {
  test::Harness h(nullptr, 1, {{"LocalPreAuthorize", "true"}});
  h.policy["StartTransaction"] = [](const test::SentCall&) -> std::optional<std::string> {
    return R"({"transactionId":77,"idTagInfo":{"status":"Blocked"}})";
  };
  auto& e = h.start();
  h.connect();
  CHECK(send_list(h, "s1", R"({"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"LISTED","idTagInfo":{"status":"Accepted"}}]})") ==
        "Accepted");
  const auto before = h.calls_of("StatusNotification").size();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("LISTED", 1, h.now()));
  h.pump();
  std::vector<std::string> conflicts;
  auto sns = h.calls_of("StatusNotification");
  for (std::size_t i = before; i < sns.size(); ++i) {
    auto d = sns[i].json();
    if (str(d["errorCode"]) == "LocalListConflict")
      conflicts.push_back(std::to_string(d["connectorId"].GetInt()) + " " + str(d["status"]));
  }
  CHECK(conflicts == std::vector<std::string>{"0 Available"});
  // The list itself is unchanged (3.5.2: only SendLocalList modifies it).
  CHECK(list_version(h, "g1") == 1);
}

TEST_CASE("authorization: StartTransaction.conf Invalid updates the cache; StopTransactionOnInvalidId (3.5.4, 4.8)",
          "[authorization][v16]") {
  test::Harness h(nullptr, 1, {{"LocalPreAuthorize", "true"}, {"AllowOfflineTxForUnknownId", "true"}});
  AuthTable table;
  table.info["CARD"] = R"({"status":"Accepted"})";
  table.install(h);
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));  // cached Accepted
  h.pump();
  h.advance(200s);
  h.policy["StartTransaction"] = [](const test::SentCall&) -> std::optional<std::string> {
    return R"({"transactionId":91,"idTagInfo":{"status":"Invalid"}})";
  };
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));  // pre-authorized from the cache
  h.pump();
  CHECK(h.calls_of("Authorize").size() == 1);
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 1);
  CHECK(str(stops[0].json()["reason"]) == "DeAuthorized");
  CHECK(stops[0].json()["transactionId"].GetInt() == 91);
  // The cache now says Invalid: offline it is rejected although unknown ids would be allowed.
  h.disconnect();
  REQUIRE(!e.unplug(1, h.now()));
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));
  h.pump();
  CHECK(!charging(e));
}

TEST_CASE("authorization: StopTransaction.conf's idTagInfo updates the cache (4.10, 3.5.1)",
          "[authorization][v16]") {
  test::Harness h(nullptr, 1, {{"LocalAuthorizeOffline", "true"}});
  AuthTable table;
  table.info["CARD"] = R"({"status":"Accepted"})";
  table.install(h);
  h.policy["StopTransaction"] = [](const test::SentCall&) -> std::optional<std::string> {
    return R"({"idTagInfo":{"status":"Blocked"}})";
  };
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));
  h.pump();
  REQUIRE(charging(e));
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));  // the same card stops it
  h.pump();
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 1);
  CHECK(str(stops[0].json()["idTag"]) == "CARD");
  REQUIRE(!charging(e));
  // The cache learned Blocked from the StopTransaction.conf: offline the card is refused,
  // where the Accepted entry from Authorize.conf would have let it charge.
  h.disconnect();
  REQUIRE(!e.unplug(1, h.now()));
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));
  h.pump();
  CHECK(!charging(e));
}

TEST_CASE("authorization: AuthorizationCacheEnabled false: nothing cached, nothing used (9.1.2)", "[authorization][v16]") {
  auto store = ocpp::make_memory_store();
  test::Harness h(store.get(), 1, {{"AuthorizationCacheEnabled", "false"}, {"LocalPreAuthorize", "true"}});
  AuthTable table;
  table.info["CARD"] = R"({"status":"Accepted"})";
  table.install(h);
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));
  h.pump();
  h.advance(200s);
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));
  h.pump();
  CHECK(h.calls_of("Authorize").size() == 2);
  CHECK(kv_keys(*store, "auth.cache.").empty());
  h.advance(200s);
  h.disconnect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD", 1, h.now()));
  h.pump();
  CHECK(!charging(e));
}

TEST_CASE("authorization: the cache is bounded; NOT-valid entries are evicted first, then the oldest (3.5.1)",
          "[authorization][v16]") {
  auto store = ocpp::make_memory_store();
  test::Harness h(store.get());
  h.policy["Authorize"] = [](const test::SentCall& c) -> std::optional<std::string> {
    const auto tag = str(c.json()["idTag"]);
    return tag == "T0005" || tag == "T0009" ? R"({"idTagInfo":{"status":"Blocked"}})"
                                            : R"({"idTagInfo":{"status":"Accepted"}})";
  };
  auto& e = h.start();
  h.connect();
  auto present = [&](const std::string& tag) {
    REQUIRE(!e.present_id_tag(tag, 1, h.now()));
    h.pump();
  };
  char buf[8];
  for (int i = 0; i < 1024; ++i) {
    std::snprintf(buf, sizeof buf, "T%04d", i);
    present(buf);
  }
  auto keys = kv_keys(*store, "auth.cache.");
  REQUIRE(keys.size() == 1024);
  present("T0001");  // refreshed: no longer among the oldest
  CHECK(kv_keys(*store, "auth.cache.").size() == 1024);
  auto has = [&](const std::string& tag) {
    auto k = kv_keys(*store, "auth.cache.");
    return std::find(k.begin(), k.end(), "auth.cache." + tag) != k.end();
  };
  present("NEW1");  // evicts T0005 (NOT-valid, the oldest such)
  CHECK(!has("T0005"));
  CHECK(has("T0009"));
  CHECK(has("T0000"));
  present("NEW2");  // evicts T0009 (the other NOT-valid one)
  CHECK(!has("T0009"));
  CHECK(has("T0000"));
  present("NEW3");  // only valid ones left: the oldest, T0000
  CHECK(!has("T0000"));
  present("NEW4");  // T0001 was refreshed: T0002 goes
  CHECK(has("T0001"));
  CHECK(!has("T0002"));
  CHECK(has("NEW1"));
  CHECK(kv_keys(*store, "auth.cache.").size() == 1024);
}

TEST_CASE("authorization: the cache survives a restart (SQLite) (3.5.1, errata 3.4)", "[authorization][v16]") {
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get(), 1, {{"AllowOfflineTxForUnknownId", "false"}});
  AuthTable table;
  table.info["GOOD"] = R"({"status":"Accepted"})";
  table.info["BLOCKED"] = R"({"status":"Blocked"})";
  table.install(h);
  h.start();
  h.connect();
  REQUIRE(!h.engine().present_id_tag("GOOD", 1, h.now()));
  h.pump();
  REQUIRE(!h.engine().present_id_tag("BLOCKED", 1, h.now()));
  h.pump();
  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  auto& e = h.engine();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("BLOCKED", 1, h.now()));
  h.pump();
  CHECK(!charging(e));
  REQUIRE(!e.present_id_tag("GOOD", 1, h.now()));
  h.pump();
  CHECK(charging(e));
}

TEST_CASE("authorization: ClearCache empties the cache and answers Accepted (5.4)", "[authorization][v16]") {
  auto mem = ocpp::make_memory_store();
  test::FlakyStore store(*mem);
  test::Harness h(&store, 1, {{"AllowOfflineTxForUnknownId", "false"}});
  AuthTable table;
  table.info["A"] = R"({"status":"Accepted"})";
  table.info["B"] = R"({"status":"Accepted"})";
  table.install(h);
  auto& e = h.start();
  h.connect();
  CHECK(send_list(h, "s1", R"({"listVersion":3,"updateType":"Full","localAuthorizationList":[{"idTag":"L","idTagInfo":{"status":"Accepted"}}]})") ==
        "Accepted");
  REQUIRE(!e.present_id_tag("A", 1, h.now()));
  h.pump();
  REQUIRE(!e.present_id_tag("B", 1, h.now()));
  h.pump();
  REQUIRE(kv_keys(*mem, "auth.cache.").size() == 2);
  SECTION("Accepted") {
    CHECK(result_status(h.csms_call("c1", "ClearCache", "{}")) == "Accepted");
    CHECK(kv_keys(*mem, "auth.cache.").empty());
    CHECK(list_version(h, "g1") == 3);  // the list is not the cache
    h.advance(200s);
    h.disconnect();
    REQUIRE(!e.plug_in(1, h.now()));
    REQUIRE(!e.present_id_tag("A", 1, h.now()));
    h.pump();
    CHECK(!charging(e));
    REQUIRE(!e.present_id_tag("L", 1, h.now()));
    h.pump();
    CHECK(charging(e));
  }
  SECTION("also while AuthorizationCacheEnabled is false (the cache exists)") {
    REQUIRE(result_status(h.csms_call("k1", "ChangeConfiguration",
                                      R"({"key":"AuthorizationCacheEnabled","value":"false"})")) == "Accepted");
    CHECK(result_status(h.csms_call("c1", "ClearCache", "{}")) == "Accepted");
    CHECK(kv_keys(*mem, "auth.cache.").empty());
  }
  SECTION("Rejected when the store cannot erase") {
    store.fail_prefix = "auth.cache.";
    CHECK(result_status(h.csms_call("c1", "ClearCache", "{}")) == "Rejected");
  }
}
