// OCPP 2.0.1 connection security set by the CSMS: the Basic auth password (A01) and the
// security profile (A05) through SetVariables of SecurityCtrlr, the ConnectionRequests they
// hand to the host, the trials' fallbacks and what a restart keeps; on a real OpenSSL provider.
#include <catch2/catch.hpp>

#include "v201/certificate_support.hpp"

using namespace cert201;
using namespace test_pki;
using ocpp::v201::ConnectionTrial;

namespace {

/// SetVariablesRequest of one SecurityCtrlr value; returns attributeStatus.
std::string set_security(Station& s, const std::string& variable, const std::string& value) {
  auto d = test::v201::parse(s.h.csms_call(
      "sv" + std::to_string(++s.ids), "SetVariables",
      R"({"setVariableData":[{"component":{"name":"SecurityCtrlr"},"variable":{"name":")" +
          variable + R"("},"attributeValue":")" + value + R"("}]})"));
  REQUIRE(d[0].GetInt() == 3);
  return d[2]["setVariableResult"][0]["attributeStatus"].GetString();
}

std::string get_security(Station& s, const char* variable) {
  ocpp::v201::ComponentType c;
  c.name = "SecurityCtrlr";
  ocpp::v201::VariableType v;
  v.name = variable;
  auto r = s.h.engine().get_variable(c, v);
  REQUIRE(r);
  return r.value();
}

const std::string kNewPassword = "a-new-password-0123456789";  // 25 characters

}  // namespace

TEST_CASE(
    "v201 A01.FR.01 A01.FR.11 A01.FR.12 a new BasicAuthPassword is stored, logged without its "
    "value, and the station reconnects with it",
    "[v201][security_profile]") {
  Station s(1);
  CHECK_FALSE(s.h.engine().poll_connection_request());
  CHECK(set_security(s, "BasicAuthPassword", kNewPassword) == "Accepted");
  CHECK(get_security(s, "BasicAuthPassword") == kNewPassword);  // A01.FR.01
  // A01.FR.11: in the security log; A01.FR.12: never its value.
  REQUIRE(s.events_of("ReconfigurationOfSecurityParameters") == 1);
  for (const auto& ev : s.h.engine().security_log())
    CHECK(ev.techInfo.value_or("").find(kNewPassword) == std::string::npos);
  // A01 steps 3 and 4: the host reconnects with it, on the same profile.
  auto req = s.h.engine().poll_connection_request();
  REQUIRE(req);
  CHECK(req->newBasicAuthPassword);
  CHECK(req->securityProfile == 1);
  CHECK_FALSE(req->fallbackProfile);
  CHECK_FALSE(s.h.engine().poll_connection_request());
  // It connected: final, nothing left to go back to.
  CHECK_FALSE(s.h.engine().connection_trial_ended(ConnectionTrial::basic_auth_password, true, {},
                                                  s.h.now()));
  CHECK(s.h.engine().connection_trial_ended(ConnectionTrial::basic_auth_password, false, "x",
                                            s.h.now()) == ocpp::Errc::invalid_state);
  // Persisted (A01.FR.01): the next start uses it.
  s.h.restart();
  CHECK(get_security(s, "BasicAuthPassword") == kNewPassword);
  CHECK_FALSE(s.h.engine().poll_connection_request());
}

TEST_CASE(
    "v201 A01.FR.04 A00.FR.205 a BasicAuthPassword of under 16 or over 40 characters is "
    "Rejected, the old one kept",
    "[v201][security_profile]") {
  Station s(2);
  CHECK(set_security(s, "BasicAuthPassword", "fifteen-chars-x") == "Rejected");
  CHECK(set_security(s, "BasicAuthPassword", std::string(41, 'p')) == "Rejected");
  CHECK(get_security(s, "BasicAuthPassword").empty());
  CHECK_FALSE(s.h.engine().poll_connection_request());
  CHECK(s.events_of("ReconfigurationOfSecurityParameters") == 0);
  CHECK(set_security(s, "BasicAuthPassword", std::string(16, 'p')) == "Accepted");
  CHECK(set_security(s, "BasicAuthPassword", std::string(40, 'q')) == "Accepted");
}

TEST_CASE(
    "v201 A01 a new BasicAuthPassword the CSMS refuses goes back to the previous one, "
    "also after a restart during the trial",
    "[v201][security_profile]") {
  Station s(2);
  CHECK(set_security(s, "BasicAuthPassword", std::string(20, 'a')) == "Accepted");
  REQUIRE(s.h.engine().poll_connection_request());
  REQUIRE_FALSE(s.h.engine().connection_trial_ended(ConnectionTrial::basic_auth_password, true, {},
                                                    s.h.now()));
  CHECK(set_security(s, "BasicAuthPassword", std::string(20, 'b')) == "Accepted");
  // A restart before it connected: the trial goes on, with the same fallback.
  s.h.restart();
  auto req = s.h.engine().poll_connection_request();
  REQUIRE(req);
  CHECK(req->newBasicAuthPassword);
  CHECK(get_security(s, "BasicAuthPassword") == std::string(20, 'b'));
  REQUIRE_FALSE(s.h.engine().connection_trial_ended(ConnectionTrial::basic_auth_password, false,
                                                    "HTTP 401", s.h.now()));
  CHECK(get_security(s, "BasicAuthPassword") == std::string(20, 'a'));
  bool recorded = false;
  for (const auto& ev : s.h.engine().security_log())
    recorded = recorded || ev.techInfo.value_or("").find("refused") != std::string::npos;
  CHECK(recorded);
}

TEST_CASE("v201 A01 a BasicAuthPassword set over profile 3 is stored without a reconnect",
          "[v201][security_profile]") {
  Station s(3);
  CHECK(set_security(s, "BasicAuthPassword", kNewPassword) == "Accepted");
  CHECK_FALSE(s.h.engine().poll_connection_request());
  CHECK(s.events_of("ReconfigurationOfSecurityParameters") == 1);
}

TEST_CASE(
    "v201 A05.FR.02 raising SecurityProfile to 2 or 3 without a valid CSMSRootCertificate "
    "is Rejected",
    "[v201][security_profile]") {
  Station s(1);
  CHECK(set_security(s, "SecurityProfile", "2") == "Rejected");
  CHECK(set_security(s, "SecurityProfile", "3") == "Rejected");
  CHECK(get_security(s, "SecurityProfile") == "1");
  CHECK_FALSE(s.h.engine().poll_connection_request());
}

TEST_CASE(
    "v201 A05.FR.03 raising SecurityProfile to 3 without a ChargingStationCertificate is "
    "Rejected",
    "[v201][security_profile]") {
  Station s(2);
  Cert ca = make_root("CSMS Root", 1);
  REQUIRE(s.install("CSMSRootCertificate", ca.pem()) == "Accepted");
  CHECK(set_security(s, "SecurityProfile", "3") == "Rejected");
  CHECK(get_security(s, "SecurityProfile") == "2");
  install_station_certificate(s, ca);
  CHECK(set_security(s, "SecurityProfile", "3") == "Accepted");
}

TEST_CASE(
    "v201 A05.FR.10 B09.FR.04 a lower SecurityProfile is Rejected; A05.FR.04 the same one "
    "is Accepted and changes nothing",
    "[v201][security_profile]") {
  Station s(2);
  Cert ca = make_root("CSMS Root", 1);
  REQUIRE(s.install("CSMSRootCertificate", ca.pem()) == "Accepted");
  CHECK(set_security(s, "SecurityProfile", "1") == "Rejected");
  CHECK(set_security(s, "SecurityProfile", "2") == "Accepted");
  CHECK_FALSE(s.h.engine().poll_connection_request());
  CHECK(set_security(s, "SecurityProfile", "0") == "Rejected");
  CHECK(set_security(s, "SecurityProfile", "4") == "Rejected");
  CHECK(get_security(s, "SecurityProfile") == "2");
}

TEST_CASE(
    "v201 A05.FR.04 A05.FR.06 an accepted raise reconnects with the new profile and the "
    "previous one as the fallback; it is kept across restarts",
    "[v201][security_profile]") {
  Station s(1);
  REQUIRE(s.install("CSMSRootCertificate", make_root("CSMS Root", 1).pem()) == "Accepted");
  CHECK(set_security(s, "SecurityProfile", "2") == "Accepted");
  CHECK(get_security(s, "SecurityProfile") == "2");
  auto req = s.h.engine().poll_connection_request();
  REQUIRE(req);
  CHECK(req->securityProfile == 2);
  CHECK(req->fallbackProfile == 1);
  CHECK(s.events_of("ReconfigurationOfSecurityParameters") == 2);  // the root, the profile
  // A restart during the trial: the host is asked again, with the same fallback.
  s.h.restart();
  req = s.h.engine().poll_connection_request();
  REQUIRE(req);
  CHECK(req->securityProfile == 2);
  CHECK(req->fallbackProfile == 1);
  REQUIRE_FALSE(
      s.h.engine().connection_trial_ended(ConnectionTrial::security_profile, true, {}, s.h.now()));
  // After it connected: the raised profile wins at every start (A05.FR.07), no fallback.
  s.h.restart();
  req = s.h.engine().poll_connection_request();
  REQUIRE(req);
  CHECK(req->securityProfile == 2);
  CHECK_FALSE(req->fallbackProfile);
  CHECK(get_security(s, "SecurityProfile") == "2");
  s.h.connect();
  CHECK(set_security(s, "SecurityProfile", "1") == "Rejected");
}

TEST_CASE(
    "v201 A05 a raised SecurityProfile that never connects goes back to the previous one, "
    "with a security event",
    "[v201][security_profile]") {
  Station s(1);
  REQUIRE(s.install("CSMSRootCertificate", make_root("CSMS Root", 1).pem()) == "Accepted");
  CHECK(set_security(s, "SecurityProfile", "2") == "Accepted");
  REQUIRE(s.h.engine().poll_connection_request());
  REQUIRE_FALSE(s.h.engine().connection_trial_ended(ConnectionTrial::security_profile, false,
                                                    "TLS handshake failed", s.h.now()));
  CHECK(get_security(s, "SecurityProfile") == "1");
  const auto log = s.h.engine().security_log();
  REQUIRE_FALSE(log.empty());
  CHECK(log.back().techInfo.value_or("").find("SecurityProfile 2 failed to connect, back to 1") !=
        std::string::npos);
  CHECK(s.h.engine().connection_trial_ended(ConnectionTrial::security_profile, false, "again",
                                            s.h.now()) == ocpp::Errc::invalid_state);
  s.h.restart();
  CHECK(get_security(s, "SecurityProfile") == "1");
  auto req = s.h.engine().poll_connection_request();
  CHECK((!req || (req->securityProfile == 1 && !req->fallbackProfile)));
}

namespace {

/// SetNetworkProfileRequest of a slot; returns the CALLRESULT payload's status and reasonCode.
std::pair<std::string, std::string> set_network_profile(Station& s, int slot,
                                                        const std::string& url, int profile) {
  auto d = test::v201::parse(s.h.csms_call(
      "np" + std::to_string(++s.ids), "SetNetworkProfile",
      R"({"configurationSlot":)" + std::to_string(slot) +
          R"(,"connectionData":{"ocppVersion":"OCPP20","ocppTransport":"JSON","ocppCsmsUrl":")" +
          url + R"(","messageTimeout":30,"securityProfile":)" + std::to_string(profile) +
          R"(,"ocppInterface":"Wired0"}})"));
  REQUIRE(d[0].GetInt() == 3);
  std::string reason;
  if (d[2].HasMember("statusInfo")) reason = d[2]["statusInfo"]["reasonCode"].GetString();
  return {d[2]["status"].GetString(), reason};
}

/// SetVariables of OCPPCommCtrlr.NetworkConfigurationPriority; returns attributeStatus.
std::string set_station_priority(Station& s, const std::string& value) {
  auto d = test::v201::parse(s.h.csms_call(
      "pr" + std::to_string(++s.ids), "SetVariables",
      R"({"setVariableData":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"NetworkConfigurationPriority"},"attributeValue":")" +
          value + R"("}]})"));
  REQUIRE(d[0].GetInt() == 3);
  return d[2]["setVariableResult"][0]["attributeStatus"].GetString();
}

using Answer = std::pair<std::string, std::string>;

}  // namespace

TEST_CASE(
    "v201 A05.FR.08 A05.FR.09 A00.FR.005 AllowSecurityProfileDowngrade: SecurityProfile "
    "from 3 to 2 only while the firmware allows it, never to 1",
    "[v201][security_profile]") {
  Station s(3);
  CHECK(get_security(s, "AllowSecurityProfileDowngrade") == "false");
  CHECK(set_security(s, "SecurityProfile", "2") == "Rejected");  // A05.FR.10
  // ReadOnly: the CSMS cannot allow itself a downgrade.
  CHECK(set_security(s, "AllowSecurityProfileDowngrade", "true") == "Rejected");
  s.set("AllowSecurityProfileDowngrade", "true");
  CHECK(set_security(s, "SecurityProfile", "1") == "Rejected");  // A05.FR.09
  CHECK(set_security(s, "SecurityProfile", "2") == "Accepted");  // A05.FR.08
  CHECK(get_security(s, "SecurityProfile") == "2");
  auto req = s.h.engine().poll_connection_request();
  REQUIRE(req);
  CHECK(req->securityProfile == 2);
  CHECK(req->fallbackProfile == 3);
  // From 2 nothing goes lower.
  CHECK(set_security(s, "SecurityProfile", "1") == "Rejected");
}

TEST_CASE(
    "v201 B09.FR.04 B09.FR.31 TC_A_22: SetNetworkProfile with a lower securityProfile is "
    "Rejected (NoSecurityDowngrade); 3 to 2 only with AllowSecurityProfileDowngrade",
    "[v201][security_profile][network_profile]") {
  Station s(3);
  CHECK(set_network_profile(s, 2, "wss://csms2.example/ocpp", 2) ==
        Answer{"Rejected", "NoSecurityDowngrade"});  // B09.FR.04
  CHECK(set_network_profile(s, 2, "ws://csms2.example/ocpp", 1) ==
        Answer{"Rejected", "NoSecurityDowngrade"});
  s.set("AllowSecurityProfileDowngrade", "true");
  CHECK(set_network_profile(s, 2, "ws://csms2.example/ocpp", 1) ==
        Answer{"Rejected", "NoSecurityDowngrade"});  // B09.FR.31
  CHECK(set_network_profile(s, 2, "wss://csms2.example/ocpp", 2) == Answer{"Accepted", ""});
}

TEST_CASE(
    "v201 A05.FR.10 A05.FR.08: NetworkConfigurationPriority with a slot below the active "
    "profile is Rejected unless the downgrade from 3 to 2 is allowed; once that slot connected "
    "it is the active profile",
    "[v201][security_profile][network_profile]") {
  Station s(2);
  REQUIRE(s.install("CSMSRootCertificate", make_root("CSMS Root", 1).pem()) == "Accepted");
  REQUIRE(set_network_profile(s, 2, "wss://csms2.example/ocpp", 2).first == "Accepted");
  s.set("SecurityProfile", "3");  // the station moved to profile 3 since
  CHECK(set_station_priority(s, "2,1") == "Rejected");
  s.set("AllowSecurityProfileDowngrade", "true");
  CHECK(set_station_priority(s, "2,1") == "RebootRequired");
  // The next start walks to slot 2 (B10.FR.04); the firmware configures profile 3 again.
  s.h.restart();
  s.set("SecurityProfile", "3");
  s.set("AllowSecurityProfileDowngrade", "true");
  auto req = s.h.engine().poll_connection_request();
  REQUIRE(req);
  CHECK(req->configurationSlot == 2);
  CHECK(req->securityProfile == 2);
  REQUIRE_FALSE(
      s.h.engine().connection_trial_ended(ConnectionTrial::network_profile, true, {}, s.h.now()));
  CHECK(get_security(s, "SecurityProfile") == "2");
}
