// ocpp::v201::ChargingStation migrating to another network connection profile (OCPP 2.0.1
// part 2 B09, B10), following part 6 TC_B_45 (success), TC_B_46 (fallback to the next slot
// after NetworkProfileConnectionAttempts) and TC_B_49 (every slot failed: back to the
// previous one). The in-memory CSMS serves two URLs; the station is restarted on its SQLite
// store after the Reset, as its firmware would.
#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "ocpp/runner.hpp"
#include "ocpp/v201/charging_station.hpp"
#include "support/memory_transport.hpp"
#include "support/seen.hpp"

using namespace std::chrono_literals;
using ocpp::v201::ChargingStation;
using ocpp::v201::ChargingStationConfig;
using ocpp::v201::RegistrationStatusEnumType;

namespace {

const std::string kFirstUrl = "ws://csms.test/ocpp";    // the configured connection (slot 1)
const std::string kSecondUrl = "ws://csms2.test/ocpp";  // the profile the CSMS sets (slot 2)

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

/// A runner on a memory loop whose CSMS answers at two URLs: the second refuses every
/// attempt while `second_down`; with `refuse_first_after_second`, the first attempt at the
/// first URL after one at the second is refused too. Declare it before the stations.
struct NetworkRig {
  NetworkRig() {
    loop.set_connect_policy([this](const ocpp::ConnectOptions& o) {
      test::ConnectOutcome out;
      out.subprotocol = o.subprotocols.empty() ? "" : o.subprotocols.front();
      if (starts_with(o.url, kSecondUrl)) {
        out.open = !second_down;
        if (refuse_first_after_second) second_tried = true;
      } else if (second_tried.exchange(false)) {
        refuse_first_after_second = false;
        out.open = false;
      }
      return out;
    });
    REQUIRE(!runner.start());
  }
  ~NetworkRig() { runner.stop(); }
  std::atomic<bool> second_down{false};
  std::atomic<bool> refuse_first_after_second{false};
  std::atomic<bool> second_tried{false};
  std::unique_ptr<test::MemoryIoLoop> owned = std::make_unique<test::MemoryIoLoop>();
  test::MemoryIoLoop& loop = *owned;
  ocpp::Runner runner{std::move(owned)};
};

ChargingStationConfig network_config(const std::string& db_path) {
  ChargingStationConfig c;
  c.identity = "CS-N";
  c.csms_url = kFirstUrl;
  c.password = "0123456789abcdef0123";
  c.db_path = db_path;
  c.evses = {1};
  c.charging_station.model = "TestModel";
  c.charging_station.vendorName = "TestVendor";
  c.backoff_min = 50ms;
  c.backoff_max = 400ms;
  c.call_timeout = 5s;
  return c;
}

std::unique_ptr<ChargingStation> make_cs(NetworkRig& rig, const std::string& db_path,
                                         ocpp::v201::Hooks hooks = {}) {
  auto r = ChargingStation::create(rig.runner, network_config(db_path), std::move(hooks));
  REQUIRE(r.ok());
  return std::move(r.value());
}

bool network_accepted(const ChargingStation& cs) {
  return cs.registration() == RegistrationStatusEnumType::Accepted;
}

/// Sends a CALL from the CSMS over the station's open connection; returns the payload of the
/// CALLRESULT (the test fails on anything else).
rapidjson::Document csms_call(NetworkRig& rig, const std::string& action,
                              const std::string& payload) {
  const auto id = rig.loop.csms_call("CS-N", action, payload);
  REQUIRE(id);
  REQUIRE(test::eventually([&] { return rig.loop.reply_to(*id).has_value(); }));
  rapidjson::Document d;
  d.Parse(rig.loop.reply_to(*id)->c_str());
  REQUIRE(d.IsArray());
  REQUIRE(d[0].GetInt() == 3);
  rapidjson::Document payload_doc;
  payload_doc.CopyFrom(d[2], payload_doc.GetAllocator());
  return payload_doc;
}

/// SetVariablesRequest for one OCPPCommCtrlr variable; its attributeStatus.
std::string set_comm_variable(NetworkRig& rig, const std::string& variable,
                              const std::string& value) {
  auto p = csms_call(rig, "SetVariables",
                     R"({"setVariableData":[{"component":{"name":"OCPPCommCtrlr"},)"
                     R"("variable":{"name":")" +
                         variable + R"("},"attributeValue":")" + value + R"("}]})");
  return p["setVariableResult"][0]["attributeStatus"].GetString();
}

/// The connection attempts from index `from` on: (URL, opened by the CSMS).
struct Attempt {
  std::string url;
  int conn = 0;
};
std::vector<Attempt> attempts_from(const NetworkRig& rig, std::size_t from) {
  std::vector<Attempt> out;
  const auto all = rig.loop.attempts("CS-N");
  for (std::size_t i = from; i < all.size(); ++i) out.push_back({all[i].options.url, all[i].conn});
  return out;
}

/// The BootNotificationRequests on the connection of an attempt.
std::size_t boots_on(const NetworkRig& rig, const Attempt& a) {
  std::size_t n = 0;
  for (const auto& c : rig.loop.calls("BootNotification", "CS-N"))
    if (c.conn == a.conn) ++n;
  return n;
}

/// The BootNotificationRequests on connections to `url` among the attempts from `from` on.
std::size_t boots_at(const NetworkRig& rig, std::size_t from, const std::string& url) {
  std::size_t n = 0;
  for (const auto& a : attempts_from(rig, from))
    if (starts_with(a.url, url)) n += boots_on(rig, a);
  return n;
}

std::string active_network_profile(const ChargingStation& cs) {
  ocpp::v201::ComponentType c;
  c.name = "OCPPCommCtrlr";
  ocpp::v201::VariableType v;
  v.name = "ActiveNetworkProfile";
  auto r = cs.get_variable(c, v);
  return r ? r.value() : "<" + r.error().message() + ">";
}

/// Steps 1 to 6 of TC_B_45, TC_B_46 and TC_B_49 on a booted station: SetNetworkProfile
/// slot 2 with the second URL (Accepted, B09.FR.01), NetworkConfigurationPriority "2,1"
/// (Accepted or RebootRequired), Reset OnIdle (Accepted); the firmware's reset hook ran.
void migrate_and_reset(NetworkRig& rig, test::Seen& seen) {
  auto p = csms_call(rig, "SetNetworkProfile",
                     R"({"configurationSlot":2,"connectionData":{"ocppVersion":"OCPP20",)"
                     R"("ocppTransport":"JSON","ocppCsmsUrl":")" +
                         kSecondUrl +
                         R"(","messageTimeout":30,"securityProfile":1,"ocppInterface":"Wired0"}})");
  CHECK(std::string(p["status"].GetString()) == "Accepted");
  const auto status = set_comm_variable(rig, "NetworkConfigurationPriority", "2,1");
  CHECK((status == "Accepted" || status == "RebootRequired"));
  auto r = csms_call(rig, "Reset", R"({"type":"OnIdle"})");
  CHECK(std::string(r["status"].GetString()) == "Accepted");
  REQUIRE(test::eventually([&] { return seen.has("reset"); }));
}

ocpp::v201::Hooks reset_hooks(test::Seen& seen) {
  ocpp::v201::Hooks h;
  h.reset_allowed = [](ocpp::v201::ResetEnumType, std::optional<std::int32_t>) {
    return ocpp::v201::ResetStatusEnumType::Accepted;
  };
  h.reset = [&seen](ocpp::v201::ResetEnumType, std::optional<std::int32_t>) { seen.add("reset"); };
  return h;
}

}  // namespace

TEST_CASE(
    "charging station: B09.FR.01 B10.FR.04 B10.FR.06 TC_B_45: migrates to slot 2 after the reset",
    "[v201][charging_station]") {
  test::ScratchDir dir;
  NetworkRig rig;
  test::Seen seen;
  auto cs = make_cs(rig, dir.file("cs.db"), reset_hooks(seen));
  REQUIRE(test::eventually([&] { return network_accepted(*cs); }));
  REQUIRE(boots_at(rig, 0, kFirstUrl) == 1);
  CHECK(active_network_profile(*cs) == "1");
  migrate_and_reset(rig, seen);
  // The reset: the station restarts on its store.
  cs.reset();
  const std::size_t from = rig.loop.attempts("CS-N").size();
  cs = make_cs(rig, dir.file("cs.db"));
  // 7. Booted, connected with the profile of slot 2 (B10.FR.04: the first entry of
  // NetworkConfigurationPriority).
  REQUIRE(test::eventually(
      [&] { return boots_at(rig, from, kSecondUrl) == 1 && network_accepted(*cs); }));
  CHECK(boots_at(rig, from, kFirstUrl) == 0);
  CHECK(active_network_profile(*cs) == "2");
  // B10.FR.04, B10.FR.06: the first attempt after the restart is the new slot's, at once.
  const auto tried = attempts_from(rig, from);
  REQUIRE(tried.size() == 1);
  CHECK(tried[0].url == kSecondUrl + "/CS-N");
  // It stays there: no other attempt follows.
  std::this_thread::sleep_for(300ms);
  CHECK(attempts_from(rig, from).size() == tried.size());
  CHECK(cs->is_connected());
}

TEST_CASE(
    "charging station: B10.FR.03 TC_B_46: slot 2 refused NetworkProfileConnectionAttempts "
    "times, then slot 1",
    "[v201][charging_station]") {
  test::ScratchDir dir;
  NetworkRig rig;
  test::Seen seen;
  auto cs = make_cs(rig, dir.file("cs.db"), reset_hooks(seen));
  REQUIRE(test::eventually([&] { return network_accepted(*cs); }));
  // Configuration State: NetworkProfileConnectionAttempts 2.
  CHECK(set_comm_variable(rig, "NetworkProfileConnectionAttempts", "2") == "Accepted");
  migrate_and_reset(rig, seen);
  rig.second_down = true;  // 7. the OCTT does not answer at the second URL
  cs.reset();
  const std::size_t from = rig.loop.attempts("CS-N").size();
  cs = make_cs(rig, dir.file("cs.db"));
  // 8. The station falls back to the next slot, the configured connection, and boots there.
  REQUIRE(test::eventually(
      [&] { return boots_at(rig, from, kFirstUrl) == 1 && network_accepted(*cs); }));
  // B10.FR.04: slot 2 first; B10.FR.03: NetworkProfileConnectionAttempts attempts there;
  // then the next entry, slot 1, which connects at its first attempt.
  const auto tried = attempts_from(rig, from);
  REQUIRE(tried.size() == 3);
  CHECK(tried[0].url == kSecondUrl + "/CS-N");
  CHECK(tried[1].url == kSecondUrl + "/CS-N");
  CHECK(tried[2].url == kFirstUrl + "/CS-N");
  CHECK(boots_on(rig, tried[2]) == 1);
  CHECK(active_network_profile(*cs) == "1");
}

TEST_CASE("charging station: B10.FR.07 TC_B_49: every slot failed, back to the previous profile",
          "[v201][charging_station]") {
  test::ScratchDir dir;
  NetworkRig rig;
  test::Seen seen;
  auto cs = make_cs(rig, dir.file("cs.db"), reset_hooks(seen));
  REQUIRE(test::eventually([&] { return network_accepted(*cs); }));
  // Configuration State: NetworkProfileConnectionAttempts 1 (the back-off is the
  // configuration's: backoff_min).
  CHECK(set_comm_variable(rig, "NetworkProfileConnectionAttempts", "1") == "Accepted");
  migrate_and_reset(rig, seen);
  // 8. The second URL refuses; 10. so does the first, once.
  rig.second_down = true;
  rig.refuse_first_after_second = true;
  cs.reset();
  const std::size_t from = rig.loop.attempts("CS-N").size();
  cs = make_cs(rig, dir.file("cs.db"));
  // 7. to 12.: slot 2 tried once, then the previous configuration, refused, then again after
  // the back-off, accepted; 13. Booted.
  REQUIRE(test::eventually(
      [&] { return boots_at(rig, from, kFirstUrl) == 1 && network_accepted(*cs); }));
  const auto tried = attempts_from(rig, from);
  REQUIRE(tried.size() == 3);
  CHECK(tried[0].url == kSecondUrl + "/CS-N");
  CHECK(tried[1].url == kFirstUrl + "/CS-N");
  CHECK(boots_on(rig, tried[1]) == 0);
  CHECK(tried[2].url == kFirstUrl + "/CS-N");
  CHECK(boots_on(rig, tried[2]) == 1);
  CHECK(active_network_profile(*cs) == "1");
}
