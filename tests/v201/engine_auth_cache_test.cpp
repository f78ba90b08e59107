// The Authorization Cache of OCPP 2.0.1 (part 2 C10 to C12, with C15.FR.01): what is cached,
// its expiry, its bound, its persistence, ClearCache, and its use online (LocalPreAuthorize)
// and offline (LocalAuthorizeOffline).
#include <catch2/catch.hpp>

#include "v201/auth_helpers.hpp"

using namespace ocpp::v201;
using namespace test::v201;
using namespace std::chrono_literals;

namespace {

const std::string kCachePrefix = "v201.authcache.";

/// The fake CSMS answers AuthorizeRequest with this idTokenInfo (JSON object).
void authorize_answer(Harness& h, const std::string& id_token_info) {
  h.policy["Authorize"] = [id_token_info](const SentCall&) -> std::optional<std::string> {
    return R"({"idTokenInfo":)" + id_token_info + "}";
  };
}

}  // namespace

TEST_CASE(
    "v201 C10.FR.01 C10.FR.04 C12.FR.02 C12.FR.04: a cached Accepted idToken starts "
    "charging without an AuthorizeRequest",
    "[v201][auth_cache]") {
  Harness h;
  h.options.local_pre_authorize = true;
  h.start();
  h.connect();
  present(h, "TAG1");
  REQUIRE(h.calls_of("Authorize").size() == 1);
  CHECK(stored_rows(h, kCachePrefix) == 1);  // C10.FR.04
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  REQUIRE(tx_events(h).size() == 2);

  present(h, "tag1");  // IdToken is case insensitive
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  CHECK(h.calls_of("Authorize").size() == 1);  // C12.FR.02: no AuthorizeRequest
  auto ev = tx_events(h);
  REQUIRE(ev.size() == 3);
  CHECK(ev[2].type == "Started");  // C12.FR.04
  CHECK(ev[2].id_token == "tag1");
  CHECK(h.engine().transaction_id(1).has_value());
}

TEST_CASE("v201 C10.FR.03 C12.FR.05: a cached idToken that is not Accepted is asked for online",
          "[v201][auth_cache]") {
  Harness h;
  h.options.local_pre_authorize = true;
  h.start();
  h.connect();
  authorize_answer(h, R"({"status":"Blocked"})");
  present(h, "TAG1");
  present(h, "TAG1");
  CHECK(h.calls_of("Authorize").size() == 2);
  // C12.FR.06: the answer updates the entry; Accepted now pre-authorizes.
  authorize_answer(h, R"({"status":"Accepted"})");
  present(h, "TAG1");
  present(h, "TAG1");
  CHECK(h.calls_of("Authorize").size() == 3);
}

TEST_CASE("v201 C12: without LocalPreAuthorize a cached idToken is still asked for online",
          "[v201][auth_cache]") {
  Harness h;
  h.start();
  h.connect();
  present(h, "TAG1");
  present(h, "TAG1");
  CHECK(h.calls_of("Authorize").size() == 2);  // C01.FR.05: the station may ask
}

TEST_CASE("v201 C10.FR.05: the idTokenInfo of a TransactionEventResponse updates the cache",
          "[v201][auth_cache]") {
  Harness h;
  h.options.local_pre_authorize = true;
  h.start();
  h.connect();
  present(h, "TAG1");  // cached Accepted
  h.policy["TransactionEvent"] = [](const SentCall&) -> std::optional<std::string> {
    return R"({"idTokenInfo":{"status":"Blocked"}})";
  };
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  h.pump();
  REQUIRE(!tx_events(h).empty());
  h.policy["TransactionEvent"] = [](const SentCall&) -> std::optional<std::string> { return "{}"; };
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  REQUIRE(h.calls_of("Authorize").size() == 1);
  present(h, "TAG1");  // cached Blocked now: asked again (C10.FR.03)
  CHECK(h.calls_of("Authorize").size() == 2);
}

TEST_CASE("v201 C10.FR.07: a full cache forgets its least recently used entry",
          "[v201][auth_cache]") {
  Harness h;
  h.options.local_pre_authorize = true;
  h.options.auth_cache_max_entries = 2;
  h.start();
  h.connect();
  present(h, "A");
  present(h, "B");
  present(h, "A");  // used: B is now the least recently used
  REQUIRE(h.calls_of("Authorize").size() == 2);
  present(h, "C");  // evicts B
  REQUIRE(h.calls_of("Authorize").size() == 3);
  CHECK(stored_rows(h, kCachePrefix) == 2);
  present(h, "A");
  CHECK(h.calls_of("Authorize").size() == 3);
  present(h, "B");  // cached again: evicts C, the least recently used
  CHECK(h.calls_of("Authorize").size() == 4);
  // The order of use survives a power cut: A (used before B was cached) goes next.
  h.restart();
  h.connect();
  present(h, "D");
  CHECK(stored_rows(h, kCachePrefix) == 2);
  present(h, "B");
  CHECK(h.calls_of("Authorize").size() == 5);  // B kept
  present(h, "A");
  CHECK(h.calls_of("Authorize").size() == 6);  // A evicted
}

TEST_CASE("v201 C10.FR.08 C10.FR.10: AuthCacheLifeTime counts from the last update",
          "[v201][auth_cache]") {
  Harness h;
  h.options.local_pre_authorize = true;
  h.options.auth_cache_life_time = 100s;
  h.start();
  h.connect();
  present(h, "TAG1");
  h.advance(50s);
  present(h, "TAG1");  // in the cache: no AuthorizeRequest
  CHECK(h.calls_of("Authorize").size() == 1);
  h.advance(60s);  // 110 s after the update, 60 s after the last use
  present(h, "TAG1");
  CHECK(h.calls_of("Authorize").size() == 2);
}

TEST_CASE("v201 C10.FR.13: cacheExpiryDateTime ends the entry; one in the past is not cached",
          "[v201][auth_cache]") {
  Harness h;
  h.options.local_pre_authorize = true;
  h.start();
  h.connect();
  authorize_answer(h, R"({"status":"Accepted","cacheExpiryDateTime":")" +
                          ocpp::format_datetime(h.now().wall + 30s) + "\"}");
  present(h, "TAG1");
  h.advance(20s);
  present(h, "TAG1");
  CHECK(h.calls_of("Authorize").size() == 1);
  h.advance(11s);
  present(h, "TAG1");
  CHECK(h.calls_of("Authorize").size() == 2);
  // Errata 2.21: a cacheExpiryDateTime in the past keeps the idToken out of the cache.
  authorize_answer(h, R"({"status":"Accepted","cacheExpiryDateTime":")" +
                          ocpp::format_datetime(h.now().wall - 1s) + "\"}");
  present(h, "TAG2");
  CHECK(stored_rows(h, kCachePrefix + "ISO14443:TAG2") == 0);
  present(h, "TAG2");
  CHECK(h.calls_of("Authorize").size() == 4);
}

TEST_CASE("v201 C10.FR.02: the cache survives a power cut, and authorizes offline",
          "[v201][auth_cache][offline]") {
  Harness h;
  h.start();
  h.connect();
  present(h, "TAG1");
  h.restart();  // not connected: offline
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  present(h, "TAG1");
  CHECK(h.engine().transaction_id(1).has_value());  // LocalAuthorizeOffline
  h.connect();
  CHECK(h.calls_of("Authorize").size() == 1);
  auto ev = tx_events(h);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].type == "Started");
  CHECK(ev[0].id_token == "TAG1");
  CHECK(ev[0].offline);
}

TEST_CASE("v201 C13: offline, LocalAuthorizeOffline false: a cached idToken is refused",
          "[v201][auth_cache][offline]") {
  Harness h;
  h.options.local_authorize_offline = false;
  h.start();
  h.connect();
  present(h, "TAG1");
  CHECK_FALSE(starts_offline(h, "TAG1"));
}

TEST_CASE("v201 C10: offline, a cached idToken that is not Accepted is refused",
          "[v201][auth_cache][offline]") {
  Harness h;
  h.options.offline_tx_for_unknown_id = true;
  h.start();
  h.connect();
  authorize_answer(h, R"({"status":"Blocked"})");
  present(h, "TAG1");
  // Known as Blocked: not "unknown" (C15.FR.08 does not apply).
  CHECK_FALSE(starts_offline(h, "TAG1"));
}

TEST_CASE("v201 C15.FR.01: an idToken accepted by OfflineTxForUnknownIdEnabled is not cached",
          "[v201][auth_cache][offline]") {
  Harness h;
  h.options.offline_tx_for_unknown_id = true;
  h.options.local_pre_authorize = true;
  h.start();
  REQUIRE(h.engine().plug_in(1, 1, h.now()) == std::error_code{});
  present(h, "TAG1");
  CHECK(h.engine().transaction_id(1).has_value());
  CHECK(stored_rows(h, kCachePrefix) == 0);
  REQUIRE(h.engine().plug_out(1, h.now()) == std::error_code{});
  h.pump();
  h.connect();  // the TransactionEventResponses carry no idTokenInfo
  CHECK(stored_rows(h, kCachePrefix) == 0);
  present(h, "TAG1");
  CHECK(h.calls_of("Authorize").size() == 1);
}

TEST_CASE("v201 C11.FR.01 C11.FR.03: ClearCache empties the cache", "[v201][auth_cache]") {
  Harness h;
  h.options.local_pre_authorize = true;
  h.start();
  h.connect();
  present(h, "A");
  present(h, "B");
  REQUIRE(stored_rows(h, kCachePrefix) == 2);
  CHECK(result_status(h.csms_call("c1", "ClearCache", "{}")) == "Accepted");
  CHECK(stored_rows(h, kCachePrefix) == 0);
  present(h, "A");
  CHECK(h.calls_of("Authorize").size() == 3);
}

TEST_CASE("v201 C11.FR.04 C10.FR.11: a disabled cache is not used, and ClearCache is Rejected",
          "[v201][auth_cache]") {
  Harness h;
  h.options.local_pre_authorize = true;
  h.options.auth_cache_enabled = false;
  h.start();
  h.connect();
  present(h, "A");
  present(h, "A");
  CHECK(h.calls_of("Authorize").size() == 2);
  CHECK(stored_rows(h, kCachePrefix) == 0);
  CHECK(result_status(h.csms_call("c1", "ClearCache", "{}")) == "Rejected");
}

TEST_CASE("v201 C10.FR.02: damaged cache rows are dropped at start", "[v201][auth_cache]") {
  Harness h;
  REQUIRE(h.store().kv_set(kCachePrefix + "ISO14443:X", "garbage") == std::error_code{});
  REQUIRE(h.store().kv_set(kCachePrefix + "ISO14443:Y", "7 {not json") == std::error_code{});
  h.options.local_pre_authorize = true;
  h.start();
  CHECK(stored_rows(h, kCachePrefix) == 1);  // the second row is read, found broken when used
  h.connect();
  present(h, "Y");
  CHECK(h.calls_of("Authorize").size() == 1);
  CHECK(stored_rows(h, kCachePrefix) == 1);  // replaced by the CSMS's answer
}
