// Security Whitepaper edition 3, A05 (upgrade the security profile) and section 7.6 (the
// SecurityProfile key), as the engine owns them: which changes are accepted, the request to
// reconnect it hands to its host, the fallback and its security event.
#include <catch2/catch.hpp>

#include <string>

#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::Errc;

namespace {

std::string change(test::Harness& h, const std::string& id, const std::string& key, const std::string& value) {
  auto r = h.csms_call(id, "ChangeConfiguration", R"({"key":")" + key + R"(","value":")" + value + R"("})");
  REQUIRE(r);
  rapidjson::Document d;
  d.Parse(r->c_str());
  REQUIRE(d[0].GetInt() == 3);
  return d[2]["status"].GetString();
}

bool logged(const ocpp::v16::Engine& e, const std::string& type, const std::string& info_part) {
  for (const auto& ev : e.security_log())
    if (ev.type == type && ev.techInfo && ev.techInfo->find(info_part) != std::string::npos) return true;
  return false;
}

const std::string kKey = "0123456789abcdef0123456789abcdef";  // 16 bytes as hex (A00.FR.205)

}  // namespace

TEST_CASE("A05.FR.01: SecurityProfile is never lowered or set equal through ChangeConfiguration",
          "[security][profile]") {
  test::Harness h(nullptr, 1, {{"SecurityProfile", "2"}, {"AuthorizationKey", kKey}});
  h.options_.csms_root_file = true;
  auto& e = h.start();
  h.connect();
  h.pump();
  CHECK(change(h, "c1", "SecurityProfile", "1") == "Rejected");
  CHECK(change(h, "c2", "SecurityProfile", "2") == "Rejected");
  CHECK(change(h, "c3", "SecurityProfile", "0") == "Rejected");
  CHECK(e.get_configuration("SecurityProfile").value() == "2");
  CHECK_FALSE(e.poll_connection_request());
  CHECK(e.security_log().empty());
}

TEST_CASE("A05.FR.02: profile 1 or 2 needs an AuthorizationKey", "[security][profile]") {
  test::Harness h;
  auto& e = h.start();
  h.connect();
  h.pump();
  CHECK(change(h, "c1", "SecurityProfile", "1") == "Rejected");
  REQUIRE_FALSE(e.set_configuration("AuthorizationKey", "short-key"));
  CHECK(change(h, "c2", "SecurityProfile", "1") == "Rejected");  // under 16 bytes
  CHECK_FALSE(e.poll_connection_request());
  REQUIRE_FALSE(e.set_configuration("AuthorizationKey", kKey));
  CHECK(change(h, "c3", "SecurityProfile", "1") == "Accepted");
  CHECK(e.get_configuration("SecurityProfile").value() == "1");
  // A05.FR.06/07: the host reconnects with it, keeping profile 0 as the fallback.
  auto req = e.poll_connection_request();
  REQUIRE(req);
  CHECK(req->securityProfile == 1);
  CHECK(req->fallbackProfile == 0);
  CHECK_FALSE(e.poll_connection_request());
  CHECK(logged(e, "ReconfigurationOfSecurityParameters", "SecurityProfile 0 -> 1"));
}

TEST_CASE("A05.FR.03/04: profiles 2 and 3 need a CSMS root, profile 3 a charge point certificate",
          "[security][profile]") {
  SECTION("nothing installed") {
    test::Harness h(nullptr, 1, {{"AuthorizationKey", kKey}});
    auto& e = h.start();
    h.connect();
    h.pump();
    CHECK(change(h, "c1", "SecurityProfile", "2") == "Rejected");
    CHECK(change(h, "c2", "SecurityProfile", "3") == "Rejected");
    CHECK(e.get_configuration("SecurityProfile").value() == "0");
  }
  SECTION("a CSMS root but no charge point certificate") {
    test::Harness h(nullptr, 1, {{"AuthorizationKey", kKey}});
    h.options_.csms_root_file = true;
    auto& e = h.start();
    h.connect();
    h.pump();
    CHECK(change(h, "c1", "SecurityProfile", "3") == "Rejected");
    CHECK(change(h, "c2", "SecurityProfile", "2") == "Accepted");
    auto req = e.poll_connection_request();
    REQUIRE(req);
    CHECK(req->securityProfile == 2);
  }
  SECTION("both") {
    test::Harness h;
    h.options_.csms_root_file = true;
    h.options_.client_certificate_file = true;
    auto& e = h.start();
    h.connect();
    h.pump();
    CHECK(change(h, "c1", "SecurityProfile", "3") == "Accepted");  // no AuthorizationKey needed
    auto req = e.poll_connection_request();
    REQUIRE(req);
    CHECK(req->securityProfile == 3);
    CHECK(req->fallbackProfile == 0);
  }
}

TEST_CASE("A05.FR.08/09: the new profile is kept once it connected, else the previous one is back",
          "[security][profile]") {
  test::Harness h(nullptr, 1, {{"AuthorizationKey", kKey}, {"SecurityProfile", "1"}});
  h.options_.csms_root_file = true;
  auto& e = h.start();
  h.connect();
  h.pump();
  CHECK(e.connection_trial_ended(true, "", h.now()) == Errc::invalid_state);  // no trial

  SECTION("connected: final") {
    REQUIRE(change(h, "c1", "SecurityProfile", "2") == "Accepted");
    REQUIRE(e.poll_connection_request());
    REQUIRE_FALSE(e.connection_trial_ended(true, "", h.now()));
    CHECK(e.get_configuration("SecurityProfile").value() == "2");
    h.restart();
    CHECK_FALSE(h.engine().poll_connection_request());  // nothing left to try
  }
  SECTION("never connected: back to 1, recorded as a security event") {
    REQUIRE(change(h, "c1", "SecurityProfile", "2") == "Accepted");
    REQUIRE(e.poll_connection_request());
    REQUIRE_FALSE(e.connection_trial_ended(false, "TLS handshake failed", h.now()));
    CHECK(e.get_configuration("SecurityProfile").value() == "1");
    CHECK(logged(e, "ReconfigurationOfSecurityParameters", "SecurityProfile 2 failed to connect, back to 1"));
    CHECK(logged(e, "ReconfigurationOfSecurityParameters", "TLS handshake failed"));
    // The CSMS may try again later.
    CHECK(change(h, "c2", "SecurityProfile", "2") == "Accepted");
  }
  SECTION("a restart during the trial tries again, with the same fallback") {
    REQUIRE(change(h, "c1", "SecurityProfile", "3") == "Rejected");
    REQUIRE(change(h, "c2", "SecurityProfile", "2") == "Accepted");
    h.restart();
    auto req = h.engine().poll_connection_request();
    REQUIRE(req);
    CHECK(req->securityProfile == 2);
    CHECK(req->fallbackProfile == 1);
    REQUIRE_FALSE(h.engine().connection_trial_ended(false, "refused", h.now()));
    CHECK(h.engine().get_configuration("SecurityProfile").value() == "1");
  }
}

TEST_CASE("A00.FR.005: the firmware may set SecurityProfile either way, without a trial", "[security][profile]") {
  test::Harness h(nullptr, 1, {{"SecurityProfile", "2"}});
  auto& e = h.start();
  REQUIRE_FALSE(e.set_configuration("SecurityProfile", "1"));
  auto req = e.poll_connection_request();
  REQUIRE(req);
  CHECK(req->securityProfile == 1);
  CHECK_FALSE(req->fallbackProfile);
  CHECK(e.set_configuration("SecurityProfile", "4") == Errc::invalid_argument);
}

TEST_CASE("Section 8: a new AuthorizationKey from the CSMS is a security event, without the key",
          "[security][profile]") {
  test::Harness h;
  auto& e = h.start();
  h.connect();
  h.pump();
  REQUIRE(change(h, "c1", "AuthorizationKey", kKey) == "Accepted");
  REQUIRE(e.security_log().size() == 1);
  const auto ev = e.security_log()[0];
  CHECK(ev.type == "ReconfigurationOfSecurityParameters");
  CHECK(ev.techInfo.value_or("").find(kKey) == std::string::npos);
  CHECK(h.calls_of("SecurityEventNotification").empty());  // not critical: logged only
}
