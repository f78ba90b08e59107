// The Local Authorization List of OCPP 2.0.1 (part 2 D01 SendLocalList, D02
// GetLocalListVersion) and its use online (C14) and offline (C13), before the cache (C13.FR.01).
#include <catch2/catch.hpp>

#include "v201/auth_helpers.hpp"

using namespace ocpp::v201;
using namespace test::v201;
using namespace std::chrono_literals;

namespace {

using Entries = std::vector<std::pair<std::string, std::optional<std::string>>>;

std::string send_local_list(Harness& h, const std::string& id, const std::string& payload) {
  return result_status(h.csms_call(id, "SendLocalList", payload));
}

}  // namespace

TEST_CASE(
    "v201 D02.FR.02 D02.FR.01 D01.FR.01 D01.FR.15: a Full list replaces the list and "
    "its version",
    "[v201][local_list]") {
  Harness h;
  h.start();
  h.connect();
  CHECK(list_version(h, "v0") == 0);  // D02.FR.02
  CHECK(send_local_list(h, "s1", local_list(3, "Full", {{"A", "Accepted"}, {"B", "Accepted"}})) ==
        "Accepted");
  CHECK(list_version(h, "v1") == 3);
  CHECK(send_local_list(h, "s2", local_list(2, "Full", {{"C", "Accepted"}})) == "Accepted");
  CHECK(list_version(h, "v2") == 2);  // a Full list sets any version
  CHECK_FALSE(starts_offline(h, "A"));
  CHECK(starts_offline(h, "C"));
}

TEST_CASE(
    "v201 D01.FR.16 D01.FR.17 D01.FR.19: Differential updates, removes, and needs a "
    "greater version",
    "[v201][local_list]") {
  Harness h;
  h.start();
  h.connect();
  REQUIRE(send_local_list(h, "s1", local_list(5, "Full", {{"A", "Accepted"}, {"B", "Accepted"}})) ==
          "Accepted");
  CHECK(send_local_list(h, "s2", local_list(5, "Differential", {{"C", "Accepted"}})) ==
        "VersionMismatch");
  CHECK(send_local_list(h, "s3", local_list(4, "Differential", {{"C", "Accepted"}})) ==
        "VersionMismatch");
  CHECK(list_version(h, "v1") == 5);
  CHECK(send_local_list(h, "s4",
                        local_list(6, "Differential",
                                   {{"A", "Blocked"}, {"B", std::nullopt}, {"C", "Accepted"}})) ==
        "Accepted");
  CHECK(list_version(h, "v2") == 6);
  CHECK_FALSE(starts_offline(h, "A"));  // updated to Blocked
  CHECK_FALSE(starts_offline(h, "B"));  // removed
  CHECK(starts_offline(h, "C"));        // added
}

TEST_CASE(
    "v201 D01.FR.04 D01.FR.05: Full without entries empties the list; Differential "
    "without entries changes nothing",
    "[v201][local_list]") {
  Harness h;
  h.start();
  h.connect();
  REQUIRE(send_local_list(h, "s1", local_list(1, "Full", {{"A", "Accepted"}})) == "Accepted");
  CHECK(send_local_list(h, "s2", local_list(7, "Differential", {})) == "Accepted");
  CHECK(list_version(h, "v1") == 1);
  CHECK(starts_offline(h, "A"));
  CHECK(send_local_list(h, "s3", local_list(8, "Full", {})) == "Accepted");
  CHECK(list_version(h, "v2") == 8);  // D01.FR.04 note: the version is still updated
  CHECK_FALSE(starts_offline(h, "A"));
}

TEST_CASE("v201 D01.FR.18: versionNumber 0 or negative is a CALLERROR PropertyConstraintViolation",
          "[v201][local_list]") {
  Harness h;
  h.start();
  h.connect();
  REQUIRE(send_local_list(h, "s1", local_list(1, "Full", {{"A", "Accepted"}})) == "Accepted");
  CHECK(error_code(h.csms_call("s2", "SendLocalList", local_list(0, "Full", {}))) ==
        "PropertyConstraintViolation");
  CHECK(error_code(h.csms_call("s3", "SendLocalList",
                               local_list(-4, "Differential", {{"B", "Accepted"}}))) ==
        "PropertyConstraintViolation");
  CHECK(list_version(h, "v1") == 1);
  CHECK(starts_offline(h, "A"));
}

TEST_CASE("v201 D01.FR.06: the same idToken twice in one update is refused", "[v201][local_list]") {
  Harness h;
  h.start();
  h.connect();
  CHECK(error_code(h.csms_call("s1", "SendLocalList",
                               local_list(1, "Full", {{"A", "Accepted"}, {"a", "Blocked"}}))) ==
        "PropertyConstraintViolation");  // IdToken is case insensitive
  CHECK(list_version(h, "v1") == 0);
  // AuthorizationDataType: idTokenInfo is required in a Full update.
  CHECK(error_code(
            h.csms_call("s2", "SendLocalList", local_list(1, "Full", {{"A", std::nullopt}}))) ==
        "OccurrenceConstraintViolation");
  CHECK(list_version(h, "v2") == 0);
}

TEST_CASE("v201 D01.FR.11: more than ItemsPerMessage entries or BytesPerMessage bytes are refused",
          "[v201][local_list]") {
  Harness h;
  h.options.local_list_items_per_message = 3;
  h.options.local_list_bytes_per_message = 1024;
  h.start();
  h.connect();
  Entries four{{"A", "Accepted"}, {"B", "Accepted"}, {"C", "Accepted"}, {"D", "Accepted"}};
  CHECK(error_code(h.csms_call("s1", "SendLocalList", local_list(1, "Full", four))) ==
        "OccurrenceConstraintViolation");
  Entries big{{std::string(36, 'X'), "Accepted"},
              {std::string(36, 'Y'), "Accepted"},
              {std::string(36, 'Z'), "Accepted"}};
  std::string payload = local_list(1, "Full", big);
  payload.insert(1, R"("customData":{"vendorId":"v","pad":")" + std::string(1000, 'p') + "\"},");
  CHECK(error_code(h.csms_call("s2", "SendLocalList", payload)) == "FormatViolation");
  CHECK(list_version(h, "v1") == 0);
  CHECK(send_local_list(h, "s3", local_list(1, "Full", big)) == "Accepted");
}

TEST_CASE("v201 D01.FR.12: a list beyond LocalAuthListEntries is Failed and left as it was",
          "[v201][local_list]") {
  Harness h;
  h.options.local_list_max_entries = 2;
  h.start();
  h.connect();
  REQUIRE(send_local_list(h, "s1", local_list(1, "Full", {{"A", "Accepted"}, {"B", "Accepted"}})) ==
          "Accepted");
  CHECK(send_local_list(h, "s2", local_list(2, "Differential", {{"C", "Accepted"}})) == "Failed");
  CHECK(send_local_list(
            h, "s3",
            local_list(3, "Full", {{"C", "Accepted"}, {"D", "Accepted"}, {"E", "Accepted"}})) ==
        "Failed");
  CHECK(list_version(h, "v1") == 1);
  // Replacing an entry or removing one keeps within the bound.
  CHECK(send_local_list(h, "s4",
                        local_list(2, "Differential", {{"A", std::nullopt}, {"C", "Accepted"}})) ==
        "Accepted");
  CHECK(starts_offline(h, "C"));
}

TEST_CASE("v201 D01.FR.10: the list and its version survive a power cut", "[v201][local_list]") {
  Harness h;
  h.start();
  h.connect();
  REQUIRE(send_local_list(h, "s1", local_list(9, "Full", {{"A", "Accepted"}, {"B", "Blocked"}})) ==
          "Accepted");
  h.restart();
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  present(h, "A");  // offline after the restart
  CHECK(h.engine().transaction_id(1).has_value());
  h.connect();
  CHECK(list_version(h, "v1") == 9);
  CHECK(send_local_list(h, "s2", local_list(9, "Differential", {{"C", "Accepted"}})) ==
        "VersionMismatch");
}

TEST_CASE("v201 D02.FR.03: a disabled list reports version 0 and takes no update",
          "[v201][local_list]") {
  Harness h;
  h.options.local_list_enabled = false;
  h.start();
  h.connect();
  CHECK(send_local_list(h, "s1", local_list(4, "Full", {{"A", "Accepted"}})) == "Failed");
  CHECK(list_version(h, "v1") == 0);
  CHECK_FALSE(starts_offline(h, "A"));
}

TEST_CASE(
    "v201 C13.FR.02 C13.FR.03: offline, a listed Accepted idToken starts a transaction "
    "told later with offline true",
    "[v201][local_list][offline]") {
  Harness h;
  h.start();
  h.connect();
  REQUIRE(send_local_list(h, "s1", local_list(1, "Full", {{"A", "Accepted"}, {"B", "Blocked"}})) ==
          "Accepted");
  h.disconnect();
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  present(h, "B");
  CHECK_FALSE(h.engine().transaction_id(1).has_value());  // not Accepted: refused
  present(h, "A");
  CHECK(h.engine().transaction_id(1).has_value());
  h.advance(10s);
  h.connect();
  CHECK(h.calls_of("Authorize").empty());
  auto ev = tx_events(h);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].type == "Started");
  CHECK(ev[0].id_token == "A");
  CHECK(ev[0].offline);
}

TEST_CASE(
    "v201 C13.FR.04: offline with OfflineTxForUnknownIdEnabled, a listed idToken that is "
    "not Accepted is still refused",
    "[v201][local_list][offline]") {
  Harness h;
  h.options.offline_tx_for_unknown_id = true;
  h.start();
  h.connect();
  REQUIRE(send_local_list(h, "s1", local_list(1, "Full", {{"B", "Blocked"}})) == "Accepted");
  CHECK_FALSE(starts_offline(h, "B"));
  CHECK(starts_offline(h, "U"));  // in neither the list nor the cache
}

TEST_CASE(
    "v201 C14.FR.02 C14.FR.03: online, a listed Accepted idToken is authorized locally "
    "with LocalPreAuthorize; a listed one not Accepted is asked for",
    "[v201][local_list]") {
  Harness h;
  h.options.local_pre_authorize = true;
  h.options.auth_cache_enabled = false;
  h.start();
  h.connect();
  REQUIRE(send_local_list(h, "s1", local_list(1, "Full", {{"A", "Accepted"}, {"B", "Expired"}})) ==
          "Accepted");
  present(h, "A");
  CHECK(h.calls_of("Authorize").empty());  // C14.FR.02
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  CHECK(h.engine().transaction_id(1).has_value());
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  present(h, "B");
  CHECK(h.calls_of("Authorize").size() == 1);  // C14.FR.03
}

TEST_CASE("v201 C13.FR.01 C14.FR.01: the list has priority over the cache",
          "[v201][local_list][auth_cache]") {
  Harness h;
  h.options.local_pre_authorize = true;
  h.start();
  h.connect();
  present(h, "A");  // cached Accepted
  REQUIRE(h.calls_of("Authorize").size() == 1);
  REQUIRE(send_local_list(h, "s1", local_list(1, "Full", {{"A", "Blocked"}})) == "Accepted");
  present(h, "A");  // online: listed Blocked, so asked for (C14.FR.03), not pre-authorized
  CHECK(h.calls_of("Authorize").size() == 2);
  // The CSMS said Accepted (cached), yet offline the list's Blocked decides.
  CHECK_FALSE(starts_offline(h, "A"));
}

TEST_CASE(
    "v201 C01.FR.03: a listed idToken of the transaction's group ends its authorization "
    "without an AuthorizeRequest",
    "[v201][local_list]") {
  Harness h;
  h.start();
  h.connect();
  h.policy["Authorize"] = [](const SentCall&) -> std::optional<std::string> {
    return R"({"idTokenInfo":{"status":"Accepted","groupIdToken":{"idToken":"G","type":"Central"}}})";
  };
  REQUIRE(result_status(h.csms_call(
              "s1", "SendLocalList",
              R"({"versionNumber":1,"updateType":"Full","localAuthorizationList":[{"idToken":)"
              R"({"idToken":"B","type":"ISO14443"},"idTokenInfo":{"status":"Accepted",)"
              R"("groupIdToken":{"idToken":"G","type":"Central"}}}]})")) == "Accepted");
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  present(h, "A");
  REQUIRE(h.engine().transaction_id(1).has_value());
  REQUIRE(h.calls_of("Authorize").size() == 1);
  present(h, "B");
  CHECK(h.calls_of("Authorize").size() == 1);
  CHECK_FALSE(h.engine().transaction_id(1).has_value());  // TxStopPoint Authorized
  auto ev = tx_events(h);
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].type == "Ended");
}
