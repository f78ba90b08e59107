// Local authorization: the Authorization Cache (OCPP 1.6 section 3.5.1), the Local
// Authorization List (3.5.2, LocalAuthListManagement: 5.10 GetLocalListVersion, 5.15
// SendLocalList, 9.2 keys), their relation (3.5.3), Unknown Offline Authorization (3.5.4),
// ClearCache (5.4 + errata 3.23), parentIdTag groups (3.10) and the keys LocalPreAuthorize,
// LocalAuthorizeOffline, AllowOfflineTxForUnknownId, AuthorizationCacheEnabled (9.1.x).
// This file: the Local Authorization List and parentIdTag groups.
#include <catch2/catch.hpp>

#include "v16/authorization_support.hpp"

using namespace auth_test;
using namespace std::chrono_literals;
using ocpp::v16::AuthorizationStatus;
using ocpp::v16::Reason;

// ------------------------------------------------------------------ Local Authorization List

TEST_CASE("authorization: GetLocalListVersion is 0 for an empty list and -1 when disabled (5.10)",
          "[authorization][v16]") {
  SECTION("enabled, empty") {
    test::Harness h;
    h.start();
    h.connect();
    CHECK(list_version(h, "g1") == 0);
  }
  SECTION("LocalAuthListEnabled false: -1 and SendLocalList NotSupported (9.2.1)") {
    test::Harness h(nullptr, 1, {{"LocalAuthListEnabled", "false"}});
    h.start();
    h.connect();
    CHECK(list_version(h, "g1") == -1);
    CHECK(send_list(h, "s1", kFullList) == "NotSupported");
    CHECK(list_version(h, "g2") == -1);
  }
}

TEST_CASE("authorization: SendLocalList Full replaces, Differential updates and deletes (5.15, 7.1)",
          "[authorization][v16]") {
  test::Harness h(nullptr, 1, {{"AllowOfflineTxForUnknownId", "false"}});
  h.start();
  h.connect();
  CHECK(send_list(h, "s1", kFullList) == "Accepted");
  CHECK(list_version(h, "g1") == 5);

  // Differential: add NEW, change LIST-BLOCKED to Accepted, delete LIST-OK (no idTagInfo).
  CHECK(send_list(h, "s2", R"({"listVersion":6,"updateType":"Differential","localAuthorizationList":[)"
                           R"({"idTag":"NEW","idTagInfo":{"status":"Accepted"}},)"
                           R"({"idTag":"LIST-BLOCKED","idTagInfo":{"status":"Accepted"}},)"
                           R"({"idTag":"LIST-OK"}]})") == "Accepted");
  CHECK(list_version(h, "g2") == 6);
  // Differential without a list: no effect on the entries, the version moves (6.41).
  CHECK(send_list(h, "s3", R"({"listVersion":7,"updateType":"Differential"})") == "Accepted");
  CHECK(list_version(h, "g3") == 7);

  // Offline the list decides (LocalAuthorizeOffline default true).
  h.disconnect();
  auto& e = h.engine();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("LIST-OK", 1, h.now()));  // deleted: unknown, not allowed offline
  h.pump();
  CHECK(!charging(e));
  REQUIRE(!e.present_id_tag("LIST-BLOCKED", 1, h.now()));  // now Accepted
  h.pump();
  REQUIRE(charging(e));
  CHECK(e.connector_state(1)->transaction->idTag == "LIST-BLOCKED");
  REQUIRE(!e.present_id_tag("LIST-BLOCKED", 1, h.now()));
  h.pump();
  REQUIRE(!e.present_id_tag("NEW", 1, h.now()));
  h.pump();
  CHECK(charging(e));

  // A Full update replaces everything: NEW is gone, the version may go down.
  h.connect();
  CHECK(send_list(h, "s4", R"({"listVersion":2,"updateType":"Full","localAuthorizationList":[)"
                           R"({"idTag":"ONLY","idTagInfo":{"status":"Accepted"}}]})") == "Accepted");
  CHECK(list_version(h, "g4") == 2);
  REQUIRE(!e.present_id_tag("NEW", 1, h.now()));  // stops NEW's transaction (same idTag)
  h.pump();
  CHECK(!charging(e));
  h.disconnect();
  REQUIRE(!e.present_id_tag("NEW", 1, h.now()));
  h.pump();
  CHECK(!charging(e));
  REQUIRE(!e.present_id_tag("ONLY", 1, h.now()));
  h.pump();
  CHECK(charging(e));
}

TEST_CASE("authorization: a Differential SendLocalList with a version not greater is VersionMismatch (7.47)",
          "[authorization][v16]") {
  test::Harness h;
  h.start();
  h.connect();
  CHECK(send_list(h, "s1", kFullList) == "Accepted");
  const std::string diff_same =
      R"({"listVersion":5,"updateType":"Differential","localAuthorizationList":[{"idTag":"X","idTagInfo":{"status":"Accepted"}}]})";
  const std::string diff_lower =
      R"({"listVersion":4,"updateType":"Differential","localAuthorizationList":[{"idTag":"X","idTagInfo":{"status":"Accepted"}}]})";
  CHECK(send_list(h, "s2", diff_same) == "VersionMismatch");
  CHECK(send_list(h, "s3", diff_lower) == "VersionMismatch");
  CHECK(list_version(h, "g1") == 5);
  // Nothing was applied: X is unknown offline.
  h.disconnect();
  REQUIRE(!h.engine().plug_in(1, h.now()));
  REQUIRE(!h.engine().present_id_tag("X", 1, h.now()));
  h.pump();
  CHECK(!charging(h.engine()));
  // Greater: applied.
  h.connect();
  CHECK(send_list(h, "s4", R"({"listVersion":6,"updateType":"Differential","localAuthorizationList":[{"idTag":"X","idTagInfo":{"status":"Accepted"}}]})") ==
        "Accepted");
  CHECK(list_version(h, "g2") == 6);
}

TEST_CASE("authorization: an empty list reports version 0; a Differential then needs a version > 0 (5.10)",
          "[authorization][v16]") {
  test::Harness h;
  h.start();
  h.connect();
  CHECK(send_list(h, "s1", R"({"listVersion":9,"updateType":"Full"})") == "Accepted");
  CHECK(list_version(h, "g1") == 0);  // "0 SHALL be used to indicate that the list is empty"
  CHECK(send_list(h, "s2", R"({"listVersion":1,"updateType":"Differential","localAuthorizationList":[{"idTag":"A","idTagInfo":{"status":"Accepted"}}]})") ==
        "Accepted");
  CHECK(list_version(h, "g2") == 1);
  // Deleting the last entry empties the list: 0 again.
  CHECK(send_list(h, "s3", R"({"listVersion":2,"updateType":"Differential","localAuthorizationList":[{"idTag":"A"}]})") ==
        "Accepted");
  CHECK(list_version(h, "g3") == 0);
}

TEST_CASE("authorization: SendLocalListMaxLength and LocalAuthListMaxLength give Failed (9.2.2, 9.2.3)",
          "[authorization][v16]") {
  test::Harness h(nullptr, 1, {{"SendLocalListMaxLength", "2"}, {"LocalAuthListMaxLength", "3"}});
  h.start();
  h.connect();
  auto entry = [](const std::string& t) { return R"({"idTag":")" + t + R"(","idTagInfo":{"status":"Accepted"}})"; };
  // Three entries in one request: more than SendLocalListMaxLength.
  CHECK(send_list(h, "s1", R"({"listVersion":1,"updateType":"Full","localAuthorizationList":[)" + entry("A") + "," +
                               entry("B") + "," + entry("C") + "]}") == "Failed");
  CHECK(list_version(h, "g1") == 0);
  CHECK(send_list(h, "s2", R"({"listVersion":1,"updateType":"Full","localAuthorizationList":[)" + entry("A") + "," +
                               entry("B") + "]}") == "Accepted");
  CHECK(send_list(h, "s3", R"({"listVersion":2,"updateType":"Differential","localAuthorizationList":[)" + entry("C") +
                               "]}") == "Accepted");
  // A fourth identifier would exceed LocalAuthListMaxLength 3.
  CHECK(send_list(h, "s4", R"({"listVersion":3,"updateType":"Differential","localAuthorizationList":[)" + entry("D") +
                               "]}") == "Failed");
  CHECK(list_version(h, "g2") == 2);
  // Replacing one (delete + add) keeps it at 3: accepted.
  CHECK(send_list(h, "s5", R"({"listVersion":3,"updateType":"Differential","localAuthorizationList":[)" + entry("D") +
                               R"(,{"idTag":"A"}]})") == "Accepted");
  CHECK(list_version(h, "g3") == 3);
}

TEST_CASE("authorization: malformed SendLocalList / GetLocalListVersion / ClearCache get the right CALLERROR",
          "[authorization][v16]") {
  test::Harness h;
  h.start();
  h.connect();
  // OCPP-J 4.2.3 via the schema: an enum value not in the list.
  CHECK(error_code(h.csms_call("e1", "SendLocalList", R"({"listVersion":1,"updateType":"Foo"})")) ==
        "PropertyConstraintViolation");
  CHECK(error_code(h.csms_call("e2", "SendLocalList", R"({"updateType":"Full"})")) == "OccurenceConstraintViolation");
  CHECK(error_code(h.csms_call("e3", "SendLocalList", R"({"listVersion":"1","updateType":"Full"})")) ==
        "TypeConstraintViolation");
  CHECK(error_code(h.csms_call("e4", "SendLocalList",
                               R"({"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"123456789012345678901","idTagInfo":{"status":"Accepted"}}]})")) ==
        "PropertyConstraintViolation");  // idTag longer than 20
  // Errata 3.52: listVersion SHALL NOT be 0 or -1.
  CHECK(error_code(h.csms_call("e5", "SendLocalList", R"({"listVersion":0,"updateType":"Full"})")) ==
        "PropertyConstraintViolation");
  CHECK(error_code(h.csms_call("e6", "SendLocalList", R"({"listVersion":-1,"updateType":"Full"})")) ==
        "PropertyConstraintViolation");
  // 6.41: idTags unique (case-insensitive, errata 3.73); 7.1: idTagInfo required in a Full update.
  CHECK(error_code(h.csms_call("e7", "SendLocalList",
                               R"({"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"a","idTagInfo":{"status":"Accepted"}},{"idTag":"A","idTagInfo":{"status":"Blocked"}}]})")) ==
        "PropertyConstraintViolation");
  CHECK(error_code(h.csms_call("e8", "SendLocalList",
                               R"({"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"A"}]})")) ==
        "OccurenceConstraintViolation");
  // A payload that is not an object is refused by the frame layer (OCPP-J 4.2.3).
  CHECK(error_code(h.csms_call("e9", "GetLocalListVersion", "[]")) == "FormationViolation");
  CHECK(error_code(h.csms_call("e10", "ClearCache", "7")) == "FormationViolation");
  CHECK(list_version(h, "g1") == 0);  // nothing applied
}

TEST_CASE("authorization: SendLocalList answers Failed on a storage error and keeps the old list",
          "[authorization][v16]") {
  auto mem = ocpp::make_memory_store();
  test::FlakyStore store(*mem);
  test::Harness h(&store);
  h.start();
  h.connect();
  CHECK(send_list(h, "s1", kFullList) == "Accepted");
  store.fail_prefix = "auth.list.";
  CHECK(send_list(h, "s2", R"({"listVersion":6,"updateType":"Full","localAuthorizationList":[{"idTag":"OTHER","idTagInfo":{"status":"Accepted"}}]})") ==
        "Failed");
  CHECK(list_version(h, "g1") == 5);
  store.fail_prefix.clear();
  h.disconnect();
  REQUIRE(!h.engine().plug_in(1, h.now()));
  REQUIRE(!h.engine().present_id_tag("OTHER", 1, h.now()));
  h.pump();
  CHECK(!charging(h.engine()));
  REQUIRE(!h.engine().present_id_tag("LIST-OK", 1, h.now()));
  h.pump();
  CHECK(charging(h.engine()));
}

TEST_CASE("authorization: the Local Authorization List survives a restart (SQLite) (3.5.2)", "[authorization][v16]") {
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get());
  h.start();
  h.connect();
  CHECK(send_list(h, "s1", kFullList) == "Accepted");
  CHECK(send_list(h, "s2", R"({"listVersion":8,"updateType":"Differential","localAuthorizationList":[{"idTag":"LIST-INVALID"}]})") ==
        "Accepted");
  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  // Offline after the restart: the list is there.
  auto& e = h.engine();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("LIST-BLOCKED", 1, h.now()));
  h.pump();
  CHECK(!charging(e));
  REQUIRE(!e.present_id_tag("LIST-OK", 1, h.now()));
  h.pump();
  CHECK(charging(e));
  h.connect();
  CHECK(list_version(h, "g1") == 8);
}


// ------------------------------------------------------------------ parentIdTag (section 3.10)

TEST_CASE("authorization: an idTag of the same group stops the transaction, with its own idTag (3.10)",
          "[authorization][v16]") {
  test::Harness h;
  AuthTable table;
  table.info["DAD"] = R"({"status":"Accepted","parentIdTag":"FAMILY"})";
  table.info["MUM"] = R"({"status":"Accepted","parentIdTag":"family"})";  // case-insensitive
  table.info["NEIGHBOUR"] = R"({"status":"Accepted","parentIdTag":"OTHER"})";
  table.info["NOPARENT"] = R"({"status":"Accepted"})";
  table.install(h);
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("DAD", 1, h.now()));
  h.pump();
  REQUIRE(charging(e));
  // Other groups and idTags without a group do not stop it (they are asked for, 4.1).
  for (const char* other : {"NEIGHBOUR", "NOPARENT"}) {
    REQUIRE(!e.present_id_tag(other, std::nullopt, h.now()));
    h.pump();
    CHECK(charging(e));
  }
  CHECK(h.calls_of("StopTransaction").empty());
  REQUIRE(!e.present_id_tag("MUM", std::nullopt, h.now()));
  h.pump();
  CHECK(!charging(e));
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 1);
  CHECK(str(stops[0].json()["idTag"]) == "MUM");
  CHECK(str(stops[0].json()["reason"]) == "Local");
  auto auths = h.calls_of("Authorize");
  REQUIRE(auths.size() == 4);
  CHECK(str(auths[3].json()["idTag"]) == "MUM");
}

TEST_CASE("authorization: group stop offline from the local list, after a restart (3.10, SQLite)",
          "[authorization][v16]") {
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get());
  auto& e0 = h.start();
  h.connect();
  CHECK(send_list(h, "s1", R"({"listVersion":1,"updateType":"Full","localAuthorizationList":[)"
                           R"({"idTag":"DAD","idTagInfo":{"status":"Accepted","parentIdTag":"FAMILY"}},)"
                           R"({"idTag":"KID","idTagInfo":{"status":"Blocked","parentIdTag":"FAMILY"}},)"
                           R"({"idTag":"MUM","idTagInfo":{"status":"Accepted","parentIdTag":"FAMILY"}}]})") ==
        "Accepted");
  h.disconnect();
  REQUIRE(!e0.plug_in(1, h.now()));
  REQUIRE(!e0.present_id_tag("DAD", 1, h.now()));
  h.pump();
  REQUIRE(charging(e0));
  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  auto& e = h.engine();
  REQUIRE(charging(e));
  // A blocked member of the group does not stop it.
  REQUIRE(!e.present_id_tag("KID", 1, h.now()));
  h.pump();
  CHECK(charging(e));
  REQUIRE(!e.present_id_tag("MUM", 1, h.now()));
  h.pump();
  CHECK(!charging(e));
  h.connect();
  auto stops = h.calls_of("StopTransaction");
  REQUIRE(stops.size() == 1);
  CHECK(str(stops[0].json()["idTag"]) == "MUM");
}

TEST_CASE("authorization: the group learned from StartTransaction.conf; the same idTag stops case-insensitively",
          "[authorization][v16]") {
  test::Harness h(nullptr, 1, {{"AllowOfflineTxForUnknownId", "true"}});
  h.policy["StartTransaction"] = [](const test::SentCall&) -> std::optional<std::string> {
    return R"({"transactionId":5,"idTagInfo":{"status":"Accepted","parentIdTag":"G"}})";
  };
  AuthTable table;
  table.info["B"] = R"({"status":"Accepted","parentIdTag":"G"})";
  table.install(h);
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  SECTION("group member") {
    REQUIRE(!e.present_id_tag("A", 1, h.now()));  // unknown to the CSMS's Authorize table: Invalid
    h.pump();
    REQUIRE(!charging(e));
    // Remote start without authorization: the parent is learned from StartTransaction.conf.
    auto r = h.csms_call("r1", "RemoteStartTransaction", R"({"connectorId":1,"idTag":"A"})");
    REQUIRE(result_status(r) == "Accepted");
    h.pump();
    REQUIRE(charging(e));
    REQUIRE(!e.present_id_tag("B", 1, h.now()));
    h.pump();
    CHECK(!charging(e));
    REQUIRE(h.calls_of("StopTransaction").size() == 1);
    CHECK(str(h.calls_of("StopTransaction")[0].json()["idTag"]) == "B");
  }
  SECTION("same idTag in another case, no Authorize.req (4.1)") {
    auto r = h.csms_call("r1", "RemoteStartTransaction", R"({"connectorId":1,"idTag":"Card7"})");
    REQUIRE(result_status(r) == "Accepted");
    h.pump();
    REQUIRE(charging(e));
    const auto auths = h.calls_of("Authorize").size();
    REQUIRE(!e.present_id_tag("CARD7", 1, h.now()));
    h.pump();
    CHECK(!charging(e));
    CHECK(h.calls_of("Authorize").size() == auths);
  }
}

TEST_CASE("authorization: RemoteStart with AuthorizeRemoteTxRequests uses the local list (5.11)", "[authorization][v16]") {
  test::Harness h(nullptr, 1, {{"AuthorizeRemoteTxRequests", "true"}, {"LocalPreAuthorize", "true"}});
  auto& e = h.start();
  h.connect();
  CHECK(send_list(h, "s1", R"({"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"R","idTagInfo":{"status":"Accepted"}}]})") ==
        "Accepted");
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(result_status(h.csms_call("r1", "RemoteStartTransaction", R"({"connectorId":1,"idTag":"R"})")) == "Accepted");
  h.pump();
  CHECK(charging(e));
  CHECK(h.calls_of("Authorize").empty());
}
