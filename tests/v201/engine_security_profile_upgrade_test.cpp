// Upgrading the security profile through network connection profiles (OCPP 2.0.1 part 2 A05
// with B09, B10), the route of part 6 TC_A_19 to TC_A_21: SetNetworkProfile stores a slot with
// a higher securityProfile, SetVariables NetworkConfigurationPriority names it (A05.FR.02 to
// A05.FR.04 checked there), and after the reset the slot that connects raises SecurityProfile
// and removes the profiles below it (A05.FR.06). On a real OpenSSL provider.
#include <catch2/catch.hpp>

#include "v201/certificate_support.hpp"

using namespace cert201;
using namespace test_pki;
using ocpp::v201::ConnectionTrial;

namespace {

std::string network_profile(int slot, const std::string& url, int security) {
  return R"({"configurationSlot":)" + std::to_string(slot) +
         R"(,"connectionData":{"ocppVersion":"OCPP20","ocppTransport":"JSON","ocppCsmsUrl":")" +
         url + R"(","messageTimeout":30,"securityProfile":)" + std::to_string(security) +
         R"(,"ocppInterface":"Wired0"}})";
}

std::string set_network_profile_status(Station& s, int slot, const std::string& url, int security) {
  return test::v201::result_status(s.h.csms_call(
      "np" + std::to_string(++s.ids), "SetNetworkProfile", network_profile(slot, url, security)));
}

std::string set_comm(Station& s, const std::string& variable, const std::string& value) {
  auto d = test::v201::parse(s.h.csms_call(
      "sv" + std::to_string(++s.ids), "SetVariables",
      R"({"setVariableData":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":")" +
          variable + R"("},"attributeValue":")" + value + R"("}]})"));
  REQUIRE(d[0].GetInt() == 3);
  return d[2]["setVariableResult"][0]["attributeStatus"].GetString();
}

std::string read_variable(Station& s, const char* component, const char* variable) {
  ocpp::v201::ComponentType c;
  c.name = component;
  ocpp::v201::VariableType v;
  v.name = variable;
  auto r = s.h.engine().get_variable(c, v);
  REQUIRE(r);
  return r.value();
}

}  // namespace

TEST_CASE(
    "v201 A05.FR.04 A05.FR.05 A05.FR.06 TC_A_19: a higher profile through SetNetworkProfile and "
    "NetworkConfigurationPriority; once it connects, SecurityProfile is raised and the lower "
    "profiles go",
    "[v201][security_profile][network_profile]") {
  Station s(1);
  Cert ca = make_root("CSMS Root", 1);
  REQUIRE(s.install("CSMSRootCertificate", ca.pem()) == "Accepted");
  // A profile-1 slot and a profile-2 slot; the CSMS puts the higher one first.
  REQUIRE(set_network_profile_status(s, 3, "ws://csms.example/ocpp", 1) == "Accepted");
  REQUIRE(set_network_profile_status(s, 2, "wss://csms.example/ocpp", 2) == "Accepted");
  CHECK(set_comm(s, "NetworkConfigurationPriority", "2,3,1") == "RebootRequired");  // A05.FR.04
  CHECK(read_variable(s, "SecurityCtrlr", "SecurityProfile") == "1");
  // A05.FR.05: after the reset, the first entry.
  s.h.restart();
  auto req = s.h.engine().poll_connection_request();
  REQUIRE(req);
  CHECK(req->configurationSlot == 2);
  CHECK(req->securityProfile == 2);
  CHECK(req->csmsUrl == "wss://csms.example/ocpp");
  REQUIRE_FALSE(
      s.h.engine().connection_trial_ended(ConnectionTrial::network_profile, true, {}, s.h.now()));
  s.h.connect();
  // A05.FR.06: SecurityProfile is 2 now; slot 3 (profile 1) is removed from the profiles and
  // from NetworkConfigurationPriority; slot 1, the configured connection, stays.
  CHECK(read_variable(s, "SecurityCtrlr", "SecurityProfile") == "2");
  CHECK(read_variable(s, "OCPPCommCtrlr", "NetworkConfigurationPriority") == "2,1");
  CHECK(set_comm(s, "NetworkConfigurationPriority", "3,2") == "Rejected");  // no profile there
  // A05.FR.07 on our side: a profile-1 slot can no longer be stored.
  CHECK(set_network_profile_status(s, 3, "ws://csms.example/ocpp", 1) == "Rejected");
  // Kept across a restart.
  s.h.restart();
  CHECK(read_variable(s, "SecurityCtrlr", "SecurityProfile") == "2");
  CHECK(read_variable(s, "OCPPCommCtrlr", "NetworkConfigurationPriority") == "2,1");
}

TEST_CASE(
    "v201 A05.FR.03 TC_A_21: profile 3 without a ChargingStationCertificate: SetNetworkProfile "
    "Accepted, NetworkConfigurationPriority Rejected",
    "[v201][security_profile][network_profile]") {
  Station s(2);
  Cert ca = make_root("CSMS Root", 1);
  REQUIRE(s.install("CSMSRootCertificate", ca.pem()) == "Accepted");
  CHECK(set_network_profile_status(s, 2, "wss://csms2.example/ocpp", 3) == "Accepted");  // step 2
  CHECK(set_comm(s, "NetworkConfigurationPriority", "2,1") == "Rejected");        // step 4
  CHECK(read_variable(s, "OCPPCommCtrlr", "NetworkConfigurationPriority") == "1");
  CHECK_FALSE(s.h.engine().poll_connection_request());
  // With the certificate installed (A02), the same list is Accepted (A05.FR.04).
  install_station_certificate(s, ca);
  CHECK(set_comm(s, "NetworkConfigurationPriority", "2,1") == "RebootRequired");
}

TEST_CASE(
    "v201 A05.FR.02 TC_A_20: profile 2 without a valid CSMS root: NetworkConfigurationPriority "
    "Rejected",
    "[v201][security_profile][network_profile]") {
  Station s(1);
  CHECK(set_network_profile_status(s, 2, "wss://csms2.example/ocpp", 2) == "Accepted");
  CHECK(set_comm(s, "NetworkConfigurationPriority", "2,1") == "Rejected");
  Cert ca = make_root("CSMS Root", 1);
  REQUIRE(s.install("CSMSRootCertificate", ca.pem()) == "Accepted");
  CHECK(set_comm(s, "NetworkConfigurationPriority", "2,1") == "RebootRequired");
}
