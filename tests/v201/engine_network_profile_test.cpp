// Network connection profiles (OCPP 2.0.1 part 2 B09, B10): SetNetworkProfile's checks and
// storage, NetworkConfigurationPriority, and the walk of its slots at the next start through
// the engine's ConnectionRequests and connection_trial_ended.
#include <catch2/catch.hpp>

#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::Harness;
using test::v201::parse;
using test::v201::result_status;

namespace {

std::string profile_json(int slot, const std::string& url, int security = 1,
                         const std::string& version = "OCPP20", int message_timeout = 30) {
  return R"({"configurationSlot":)" + std::to_string(slot) +
         R"(,"connectionData":{"ocppVersion":")" + version +
         R"(","ocppTransport":"JSON","ocppCsmsUrl":")" + url + R"(","messageTimeout":)" +
         std::to_string(message_timeout) + R"(,"securityProfile":)" + std::to_string(security) +
         R"(,"ocppInterface":"Wired0"}})";
}

std::string set_network_profile_slot(Harness& h, int slot, const std::string& url, int security = 1,
                                     const std::string& version = "OCPP20",
                                     int message_timeout = 30) {
  static int n = 0;
  return result_status(h.csms_call("snp-" + std::to_string(++n), "SetNetworkProfile",
                                   profile_json(slot, url, security, version, message_timeout)));
}

/// SetVariables of NetworkConfigurationPriority; returns attributeStatus.
std::string set_priority(Harness& h, const std::string& value) {
  static int n = 0;
  auto d = parse(h.csms_call(
      "prio-" + std::to_string(++n), "SetVariables",
      R"({"setVariableData":[{"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"NetworkConfigurationPriority"},"attributeValue":")" +
          value + R"("}]})"));
  REQUIRE(d[0].GetInt() == 3);
  return d[2]["setVariableResult"][0]["attributeStatus"].GetString();
}

std::string comm(Harness& h, const char* variable, const char* instance = nullptr) {
  ComponentType c;
  c.name = "OCPPCommCtrlr";
  VariableType v;
  v.name = variable;
  if (instance) v.instance = instance;
  auto r = h.engine().get_variable(c, v);
  REQUIRE(r);
  return r.value();
}

/// The host reports that the slot on trial never connected.
void trial_failed(Harness& h) {
  REQUIRE_FALSE(h.engine().connection_trial_ended(ConnectionTrial::network_profile, false,
                                                  "timeout", h.now()));
}

/// Online, slots 2 and 3 set, NetworkConfigurationPriority `priority`, restarted.
void migrate(Harness& h, const std::string& priority) {
  h.start();
  h.connect();
  h.pump();
  REQUIRE(set_network_profile_slot(h, 2, "ws://csms2.example/ocpp") == "Accepted");
  REQUIRE(set_network_profile_slot(h, 3, "ws://csms3.example/ocpp") == "Accepted");
  REQUIRE(set_priority(h, priority) == "RebootRequired");
  h.restart();
}

Harness& online(Harness& h) {
  h.start();
  h.connect();
  h.pump();
  return h;
}

}  // namespace

TEST_CASE(
    "v201 B09.FR.05 TC_B_43 a configurationSlot outside NetworkConfigurationPriority's "
    "valuesList is Rejected",
    "[v201][network_profile]") {
  Harness h;
  online(h);
  CHECK(set_network_profile_slot(h, 999, "ws://csms2.example/ocpp") == "Rejected");
  CHECK(set_network_profile_slot(h, 0, "ws://csms2.example/ocpp") == "Rejected");
  CHECK(set_network_profile_slot(h, 4, "ws://csms2.example/ocpp") == "Rejected");
  // The slots are reported: valuesList of NetworkConfigurationPriority (B09 scenario).
  CHECK(set_priority(h, "4") == "Rejected");
  // Nothing stored: a priority naming slot 2 is refused (B10.FR.02).
  CHECK(set_priority(h, "2,1") == "Rejected");
}

TEST_CASE("v201 B09.FR.02 B09.FR.04 an invalid or lower-security network profile is Rejected",
          "[v201][network_profile]") {
  Harness h;
  online(h);
  CHECK(set_network_profile_slot(h, 2, "ws://csms2.example/ocpp", 1, "OCPP16") ==
        "Rejected");                                                                 // version
  CHECK(set_network_profile_slot(h, 2, "http://csms2.example/ocpp") == "Rejected");  // scheme
  CHECK(set_network_profile_slot(h, 2, "wss://csms2.example/ocpp", 1) ==
        "Rejected");  // TLS on profile 1
  CHECK(set_network_profile_slot(h, 2, "ws://csms2.example/ocpp", 0) ==
        "Rejected");                            // B09.FR.04: 0 < 1
  CHECK(set_priority(h, "2,1") == "Rejected");  // B10.FR.02: slot 2 holds no profile
}

TEST_CASE(
    "v201 A05.FR.02 TC_A_20: a higher profile without a CSMS root is stored, but "
    "NetworkConfigurationPriority naming it is Rejected",
    "[v201][network_profile]") {
  Harness h;
  online(h);
  // Part 6 TC_A_20 step 2: SetNetworkProfileResponse Accepted (the certificates may follow).
  CHECK(set_network_profile_slot(h, 2, "wss://csms2.example/ocpp", 2) == "Accepted");
  // Step 4: SetVariablesResponse Rejected; nothing changes, no reconnect.
  CHECK(set_priority(h, "2,1") == "Rejected");
  CHECK(comm(h, "NetworkConfigurationPriority") == "1");
  CHECK_FALSE(h.engine().poll_connection_request());
  h.restart();
  CHECK_FALSE(h.engine().poll_connection_request());
  CHECK(comm(h, "ActiveNetworkProfile") == "1");
}

TEST_CASE(
    "v201 B09.FR.01 B09.FR.06 TC_B_45 a valid profile is stored in its slot, kept across a "
    "restart, and NetworkConfigurationPriority may name it (B10.FR.01)",
    "[v201][network_profile]") {
  Harness h;
  online(h);
  CHECK(comm(h, "ActiveNetworkProfile") == "1");
  CHECK(set_network_profile_slot(h, 2, "ws://csms2.example/ocpp") == "Accepted");
  CHECK(set_network_profile_slot(h, 3, "ws://csms3.example/ocpp") ==
        "Accepted");  // B09.FR.06: two slots+
  // Nothing changes on the connection until the next start (B09 remarks).
  CHECK_FALSE(h.engine().poll_connection_request());
  CHECK(set_priority(h, "2,1") == "RebootRequired");  // B10.FR.01
  CHECK(comm(h, "NetworkConfigurationPriority") == "2,1");
  CHECK_FALSE(h.engine().poll_connection_request());
  // B10.FR.04: after the reboot, the first entry.
  h.restart();
  auto req = h.engine().poll_connection_request();
  REQUIRE(req);
  REQUIRE(req->configurationSlot);
  CHECK(*req->configurationSlot == 2);
  CHECK(req->csmsUrl == "ws://csms2.example/ocpp");
  CHECK(req->messageTimeout == 30);
  CHECK(req->securityProfile == 1);
  CHECK(req->fallbackProfile);  // a trial
  CHECK(comm(h, "ActiveNetworkProfile") == "2");
  CHECK_FALSE(
      h.engine().connection_trial_ended(ConnectionTrial::network_profile, true, {}, h.now()));
  CHECK(comm(h, "ActiveNetworkProfile") == "2");
  CHECK_FALSE(h.engine().poll_connection_request());
  // Its profile survives further restarts (B09.FR.01: stored), the slot is connected first.
  h.restart();
  req = h.engine().poll_connection_request();
  REQUIRE(req);
  CHECK(req->configurationSlot == 2);
}

TEST_CASE(
    "v201 B10.FR.03 TC_B_46 the next slot of NetworkConfigurationPriority after the "
    "attempts of the first failed",
    "[v201][network_profile]") {
  Harness h;
  migrate(h, "3,2,1");
  auto req = h.engine().poll_connection_request();
  REQUIRE(req);
  CHECK(req->configurationSlot == 3);
  // No trial pending for another kind: the engine says so.
  CHECK(h.engine().connection_trial_ended(ConnectionTrial::security_profile, false, "x", h.now()) ==
        ocpp::Errc::invalid_state);
  trial_failed(h);
  req = h.engine().poll_connection_request();
  REQUIRE(req);
  CHECK(req->configurationSlot == 2);
  CHECK(req->csmsUrl == "ws://csms2.example/ocpp");
  CHECK(req->fallbackProfile);
  CHECK(comm(h, "ActiveNetworkProfile") == "2");
  trial_failed(h);
  // Slot 1: the configured connection, no trial.
  req = h.engine().poll_connection_request();
  REQUIRE(req);
  CHECK(req->configurationSlot == 1);
  CHECK(req->csmsUrl.empty());
  CHECK_FALSE(req->fallbackProfile);
  CHECK(comm(h, "ActiveNetworkProfile") == "1");
  CHECK(h.engine().connection_trial_ended(ConnectionTrial::network_profile, false, "x", h.now()) ==
        ocpp::Errc::invalid_state);
}

TEST_CASE(
    "v201 B10.FR.07 TC_B_49 when every slot failed, the slot of the last successful "
    "connection comes back",
    "[v201][network_profile]") {
  Harness h;
  migrate(h, "2");
  REQUIRE(h.engine().poll_connection_request());
  REQUIRE_FALSE(
      h.engine().connection_trial_ended(ConnectionTrial::network_profile, true, {}, h.now()));
  h.connect();
  // Slot 2 connected; now the CSMS moves the station to slot 3, which never connects.
  REQUIRE(set_priority(h, "3") == "RebootRequired");
  h.restart();
  auto req = h.engine().poll_connection_request();
  REQUIRE(req);
  CHECK(req->configurationSlot == 3);
  trial_failed(h);
  req = h.engine().poll_connection_request();
  REQUIRE(req);
  CHECK(req->configurationSlot == 2);
  CHECK(req->csmsUrl == "ws://csms2.example/ocpp");
  CHECK_FALSE(req->fallbackProfile);
  CHECK(comm(h, "ActiveNetworkProfile") == "2");
}

TEST_CASE(
    "v201 B10.FR.04 NetworkConfigurationPriority starting with the configured slot 1 asks "
    "nothing of the host",
    "[v201][network_profile]") {
  Harness h;
  online(h);
  REQUIRE(set_network_profile_slot(h, 2, "ws://csms2.example/ocpp") == "Accepted");
  REQUIRE(set_priority(h, "1,2") == "RebootRequired");
  h.restart();
  CHECK_FALSE(h.engine().poll_connection_request());
  CHECK(comm(h, "ActiveNetworkProfile") == "1");
}

TEST_CASE(
    "v201 B09 messageTimeout: a message sent over a network profile's connection waits that "
    "long for its answer; OCPPCommCtrlr.MessageTimeout reads it",
    "[v201][network_profile]") {
  Harness h;
  online(h);
  const std::string configured = comm(h, "MessageTimeout", "Default");
  REQUIRE(configured != "7");
  REQUIRE(set_network_profile_slot(h, 2, "ws://csms2.example/ocpp", 1, "OCPP20", 7) == "Accepted");
  REQUIRE(set_priority(h, "2,1") == "RebootRequired");
  // Still on the configured connection until the restart.
  CHECK(comm(h, "MessageTimeout", "Default") == configured);
  h.restart();
  REQUIRE(h.engine().poll_connection_request());
  REQUIRE_FALSE(
      h.engine().connection_trial_ended(ConnectionTrial::network_profile, true, {}, h.now()));
  CHECK(comm(h, "ActiveNetworkProfile") == "2");
  CHECK(comm(h, "MessageTimeout", "Default") == "7");
  // The CSMS behind slot 2 never answers the BootNotification: it times out after 7 s, not
  // after the configured timeout, and the next attempt follows.
  h.policy["BootNotification"] = [](const test::v201::SentCall&) -> std::optional<std::string> {
    return std::nullopt;
  };
  const std::size_t before = h.calls.size();
  h.connect();
  auto boots = [&] {
    std::vector<ocpp::MonoTime> at;
    for (std::size_t i = before; i < h.calls.size(); ++i)
      if (h.calls[i].action == "BootNotification") at.push_back(h.calls[i].at);
    return at;
  };
  REQUIRE(boots().size() == 1);
  h.advance(std::chrono::seconds(6));
  CHECK(boots().size() == 1);
  h.advance(std::chrono::seconds(120));
  const auto at = boots();
  REQUIRE(at.size() >= 2);
  // The next BootNotification follows the timeout by EngineOptions::boot_retry_default (60 s).
  CHECK(at[1] - at[0] >= std::chrono::seconds(7 + 60));
  CHECK(at[1] - at[0] < std::chrono::seconds(std::stoi(configured) + 60));
  // Slot 1 again (every slot failed: B10.FR.07 goes back to the last connected one, here the
  // configured connection): its timeout is the configured one.
  h.restart();
  REQUIRE(h.engine().poll_connection_request());
  REQUIRE_FALSE(h.engine().connection_trial_ended(ConnectionTrial::network_profile, false,
                                                  "unreachable", h.now()));
  CHECK(comm(h, "ActiveNetworkProfile") == "1");
  CHECK(comm(h, "MessageTimeout", "Default") == configured);
}
