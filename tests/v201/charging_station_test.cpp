// ocpp::v201::ChargingStation on a started Runner, over the in-memory transport and fake CSMS
// of tests/support/memory_transport.hpp, alone and beside a v16::ChargePoint on one Runner.
#include "ocpp/v201/charging_station.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "ocpp/runner.hpp"
#include "ocpp/v16/charge_point.hpp"
#include "support/memory_transport.hpp"
#include "support/seen.hpp"

using namespace std::chrono_literals;
using ocpp::Errc;
using ocpp::v201::ChargingStation;
using ocpp::v201::ChargingStationConfig;
using ocpp::v201::ConnectorStatusEnumType;
using ocpp::v201::RegistrationStatusEnumType;

namespace {

using test::Seen;

/// A runner on a memory loop whose CSMS selects the first subprotocol offered. Declare it
/// before the stations: they must go first.
struct Rig {
  Rig() {
    loop.set_connect_policy([](const ocpp::ConnectOptions& o) {
      test::ConnectOutcome out;
      out.subprotocol = o.subprotocols.empty() ? "" : o.subprotocols.front();
      return out;
    });
    REQUIRE(!runner.start());
  }
  ~Rig() { runner.stop(); }
  std::unique_ptr<test::MemoryIoLoop> owned = std::make_unique<test::MemoryIoLoop>();
  test::MemoryIoLoop& loop = *owned;
  ocpp::Runner runner{std::move(owned)};
};

ChargingStationConfig make_config(const std::string& id = "CS-1", std::vector<int> evses = {1}) {
  ChargingStationConfig c;
  c.identity = id;
  c.csms_url = "ws://csms.test/ocpp";
  c.evses = std::move(evses);
  c.charging_station.model = "TestModel";
  c.charging_station.vendorName = "TestVendor";
  c.backoff_min = 50ms;
  c.backoff_max = 400ms;
  c.call_timeout = 5s;
  return c;
}

std::unique_ptr<ChargingStation> make_cs(Rig& rig, ChargingStationConfig cfg,
                                         ocpp::v201::Hooks hooks = {}) {
  auto r = ChargingStation::create(rig.runner, std::move(cfg), std::move(hooks));
  REQUIRE(r.ok());
  return std::move(r.value());
}

/// The station a test's hooks call back into: set once create() returned, cleared before it
/// is destroyed (hooks run on the runner's thread, the test sets it from its own).
class StationRef {
 public:
  void set(ChargingStation* cs) {
    std::lock_guard<std::mutex> lk(m_);
    cs_ = cs;
  }
  ChargingStation* get() const {
    std::lock_guard<std::mutex> lk(m_);
    return cs_;
  }

 private:
  mutable std::mutex m_;
  ChargingStation* cs_ = nullptr;
};

bool accepted(const ChargingStation& cs) {
  return cs.registration() == RegistrationStatusEnumType::Accepted;
}

/// StatusNotificationRequests the CSMS saw for one connector with this status, on connection
/// `conn` (0 = any).
std::size_t status_calls(const test::MemoryIoLoop& loop, const std::string& id, int evse,
                         int connector, const std::string& status, int conn = 0) {
  std::size_t n = 0;
  for (const auto& c : loop.calls("StatusNotification", id)) {
    auto j = c.json();
    if (j["evseId"].GetInt() == evse && j["connectorId"].GetInt() == connector &&
        status == j["connectorStatus"].GetString() && (conn == 0 || c.conn == conn))
      ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("charging station: boot Accepted, status notifications, hooks on the runner thread",
          "[v201][charging_station]") {
  Rig rig;
  Seen seen;
  std::atomic<bool> off_thread{false};
  ocpp::v201::Hooks h;
  auto on_runner = [&] {
    if (!rig.runner.on_runner_thread()) off_thread = true;
  };
  h.connection = [&](bool up, const std::string&) {
    on_runner();
    seen.add(up ? "connected" : "disconnected");
  };
  h.boot = [&](RegistrationStatusEnumType s, std::int32_t interval) {
    on_runner();
    seen.add("boot " + std::string(to_string(s)) + " " + std::to_string(interval));
  };
  h.status = [&](int evse, int connector, ConnectorStatusEnumType s) {
    on_runner();
    seen.add("status " + std::to_string(evse) + "/" + std::to_string(connector) + " " +
             std::string(to_string(s)));
  };
  rig.loop.set_boot_interval(120);
  auto cfg = make_config("CS-1", {2, 1});
  cfg.password = "0123456789abcdef0123";
  auto cs = make_cs(rig, std::move(cfg), std::move(h));

  REQUIRE(test::eventually([&] { return accepted(*cs); }));
  CHECK(cs->is_connected());
  REQUIRE(test::eventually([&] { return seen.has("boot Accepted 120"); }));
  auto attempts = rig.loop.attempts("CS-1");
  REQUIRE(attempts.size() == 1);
  CHECK(attempts[0].options.url == "ws://csms.test/ocpp/CS-1");
  CHECK(attempts[0].options.subprotocols == std::vector<std::string>{"ocpp2.0.1"});
  CHECK(attempts[0].options.basic_auth_user == std::optional<std::string>("CS-1"));
  CHECK(attempts[0].options.basic_auth_password ==
        std::optional<std::string>("0123456789abcdef0123"));
  auto boot = rig.loop.calls("BootNotification", "CS-1");
  REQUIRE(boot.size() == 1);
  CHECK(std::string(boot[0].json()["reason"].GetString()) == "PowerUp");
  CHECK(std::string(boot[0].json()["chargingStation"]["model"].GetString()) == "TestModel");

  // B01.FR.05: every connector is reported after Accepted.
  REQUIRE(test::eventually([&] {
    return status_calls(rig.loop, "CS-1", 1, 1, "Available") == 1 &&
           status_calls(rig.loop, "CS-1", 1, 2, "Available") == 1 &&
           status_calls(rig.loop, "CS-1", 2, 1, "Available") == 1;
  }));

  REQUIRE(!cs->set_connector_status(1, 2, ConnectorStatusEnumType::Occupied));
  REQUIRE(test::eventually([&] { return status_calls(rig.loop, "CS-1", 1, 2, "Occupied") == 1; }));
  CHECK(cs->connector_status(1, 2).value() == ConnectorStatusEnumType::Occupied);
  REQUIRE(test::eventually([&] { return seen.has("status 1/2 Occupied"); }));
  CHECK(cs->set_connector_status(3, 1, ConnectorStatusEnumType::Occupied) ==
        ocpp::make_error_code(Errc::unknown_connector));
  CHECK(cs->connector_status(2, 2).error() == ocpp::make_error_code(Errc::unknown_connector));

  // ChangeAvailability from the CSMS (G03): Unavailable reported, the hook hears it.
  auto id = rig.loop.csms_call("CS-1", "ChangeAvailability",
                               R"({"operationalStatus":"Inoperative","evse":{"id":2}})");
  REQUIRE(id);
  REQUIRE(test::eventually([&] { return seen.has("status 2/1 Unavailable"); }));
  CHECK(rig.loop.reply_to(*id).value_or("").find("Accepted") != std::string::npos);
  CHECK(cs->connector_status(2, 1).value() == ConnectorStatusEnumType::Unavailable);
  CHECK(rig.loop.errors().empty());
  CHECK(seen.count("connected") == 1);
  CHECK(!off_thread);
}

TEST_CASE("charging station: reconnects without a new boot and reports every connector again",
          "[v201][charging_station]") {
  Rig rig;
  Seen seen;
  ocpp::v201::Hooks h;
  h.connection = [&](bool up, const std::string&) { seen.add(up ? "connected" : "disconnected"); };
  auto cs = make_cs(rig, make_config("CS-R"), std::move(h));
  REQUIRE(
      test::eventually([&] { return status_calls(rig.loop, "CS-R", 1, 1, "Available", 1) == 1; }));
  REQUIRE(!cs->set_connector_status(1, 1, ConnectorStatusEnumType::Occupied));
  REQUIRE(
      test::eventually([&] { return status_calls(rig.loop, "CS-R", 1, 1, "Occupied", 1) == 1; }));
  // B04.FR.01: with OfflineThreshold 0 any outage is a long one (after a shorter outage than
  // the threshold only the connectors that changed would be reported: B04.FR.02).
  ocpp::v201::ComponentType comm;
  comm.name = "OCPPCommCtrlr";
  ocpp::v201::VariableType threshold;
  threshold.name = "OfflineThreshold";
  REQUIRE(!cs->set_variable_actual(comm, threshold, "0"));

  REQUIRE(rig.loop.drop("CS-R"));
  REQUIRE(test::eventually([&] { return seen.has("disconnected"); }));
  // The back-off (50 ms at first) passes, the station connects again and reports its state.
  REQUIRE(
      test::eventually([&] { return status_calls(rig.loop, "CS-R", 1, 1, "Occupied", 2) == 1; }));
  // The hook runs on the library thread after the frames of the reconnect may have gone out.
  CHECK(test::eventually([&] { return seen.count("connected") == 2; }));
  CHECK(cs->is_connected());
  CHECK(accepted(*cs));
  CHECK(rig.loop.count("BootNotification", "CS-R") == 1);  // a reconnect is no reboot
  CHECK(rig.loop.attempts("CS-R").size() == 2);
}

TEST_CASE("charging station: hooks call back into the API without deadlock",
          "[v201][charging_station]") {
  Rig rig;
  StationRef self;
  auto station = [&] { return self.get(); };
  Seen seen;
  ocpp::v201::Hooks h;
  // Accepted: the boot hook plugs a cable in, from the runner's thread.
  h.boot = [&](RegistrationStatusEnumType s, std::int32_t) {
    if (auto* cs = station(); cs && s == RegistrationStatusEnumType::Accepted) {
      seen.add(cs->is_connected() ? "boot connected" : "boot not connected");
      seen.add(cs->set_connector_status(1, 1, ConnectorStatusEnumType::Occupied) ? "plug failed"
                                                                                 : "plugged");
    }
  };
  // Every status change reads the state back through the API.
  h.status = [&](int evse, int connector, ConnectorStatusEnumType s) {
    if (auto* cs = station()) {
      auto now = cs->connector_status(evse, connector);
      seen.add(std::string("status ") + std::string(to_string(s)) + " read " +
               (now ? std::string(to_string(*now)) : now.error().message()));
    }
  };
  h.reset_allowed = [&](ocpp::v201::ResetEnumType, std::optional<std::int32_t>) {
    auto* cs = station();
    seen.add(cs && accepted(*cs) ? "reset asked while accepted" : "reset asked");
    return ocpp::v201::ResetStatusEnumType::Accepted;
  };
  h.reset = [&](ocpp::v201::ResetEnumType, std::optional<std::int32_t>) {
    if (auto* cs = station())
      seen.add(cs->set_connector_status(1, 1, ConnectorStatusEnumType::Unavailable) ? "reset failed"
                                                                                    : "reset done");
  };
  auto made = ChargingStation::create(rig.runner, make_config("CS-H"), std::move(h));
  REQUIRE(made.ok());
  self.set(made.value().get());
  // The boot hook may have run before `self` was set: plug in then from here.
  if (test::eventually([&] { return seen.has("plugged"); }, 1000ms) == false)
    REQUIRE(!made.value()->set_connector_status(1, 1, ConnectorStatusEnumType::Occupied));
  REQUIRE(test::eventually([&] { return seen.has("status Occupied read Occupied"); }));

  auto id = rig.loop.csms_call("CS-H", "Reset", R"({"type":"Immediate"})");
  REQUIRE(id);
  REQUIRE(test::eventually([&] { return seen.has("reset done"); }));
  CHECK(seen.has("reset asked while accepted"));
  CHECK(rig.loop.reply_to(*id).value_or("").find("Accepted") != std::string::npos);
  REQUIRE(test::eventually([&] { return seen.has("status Unavailable read Unavailable"); }));
  self.set(nullptr);
  made.value().reset();  // destroying from the test thread while the runner runs
}

TEST_CASE(
    "charging station: a transaction through the facade (E02, C01, J02); the transaction_event "
    "hook calls back into the API",
    "[v201][charging_station][transactions]") {
  using ocpp::v201::ChargingStateEnumType;
  using ocpp::v201::MeasurandEnumType;
  using ocpp::v201::ReasonEnumType;
  using ocpp::v201::TransactionEventEnumType;
  using ocpp::v201::TransactionEventInfo;
  Rig rig;
  // The 2.0.1 answer to AuthorizeRequest (the fake CSMS's default is 1.6's).
  rig.loop.set_answer("Authorize", [](const test::Call&) {
    return std::string(R"({"idTokenInfo":{"status":"Accepted"}})");
  });
  StationRef self;
  auto station = [&] { return self.get(); };
  Seen seen;
  ocpp::v201::Hooks h;
  h.authorization = [&](int evse, const ocpp::v201::IdTokenType& t,
                        const ocpp::v201::IdTokenInfoType& info) {
    seen.add("authorization " + std::to_string(evse) + " " + t.idToken + " " +
             std::string(to_string(info.status)));
  };
  // Started: the hook reads the transaction back and starts the energy offer (Charging),
  // both through the API from the runner's thread.
  h.transaction_event = [&](const TransactionEventInfo& i) {
    auto* cs = station();
    if (!cs) return;
    std::string line = std::string(to_string(i.eventType)) + " " + std::to_string(i.seqNo) + " " +
                       std::string(to_string(i.triggerReason));
    if (i.eventType == TransactionEventEnumType::Started) {
      line += cs->transaction_id(i.evseId) == i.transactionId ? " id read back" : " id differs";
      line += cs->set_charging_state(i.evseId, ChargingStateEnumType::Charging) ? " charging failed"
                                                                                : " charging";
    }
    if (i.eventType == TransactionEventEnumType::Ended)
      line += std::string(" ") + std::string(to_string(*i.stoppedReason)) +
              (cs->transaction_id(i.evseId) ? " still open" : " closed");
    seen.add(line);
  };
  auto made = ChargingStation::create(rig.runner, make_config("CS-T"), std::move(h));
  REQUIRE(made.ok());
  auto& cs = *made.value();
  self.set(&cs);
  REQUIRE(test::eventually([&] { return accepted(cs); }));

  // Device model through the facade.
  ocpp::v201::VariableDefinition fan;
  fan.component.name = "VendorFan";
  fan.variable.name = "FanSpeed";
  fan.dataType = ocpp::v201::DataEnumType::integer;
  fan.actual = "1200";
  REQUIRE(!cs.add_variable(fan));
  CHECK(cs.add_variable(fan) == ocpp::make_error_code(Errc::invalid_argument));
  CHECK(cs.get_variable(fan.component, fan.variable).value() == "1200");
  REQUIRE(!cs.set_variable_actual(fan.component, fan.variable, "1500"));
  CHECK(cs.get_variable(fan.component, fan.variable).value() == "1500");
  CHECK(cs.set_variable_actual(fan.component, fan.variable, "fast") ==
        ocpp::make_error_code(Errc::invalid_argument));
  ocpp::v201::ComponentType ctrlr;
  ctrlr.name = "SampledDataCtrlr";
  ocpp::v201::VariableType interval;
  interval.name = "TxUpdatedInterval";
  CHECK(cs.get_variable(ctrlr, interval).value() == "60");

  // Errors are the engine's.
  ocpp::v201::IdTokenType tag;
  tag.idToken = "TAG1";
  tag.type = ocpp::v201::IdTokenEnumType::ISO14443;
  CHECK(cs.plug_in(2, 1) == ocpp::make_error_code(Errc::unknown_connector));
  CHECK(cs.plug_out(1) == ocpp::make_error_code(Errc::invalid_state));
  CHECK(cs.stop_transaction(1, ReasonEnumType::Local) ==
        ocpp::make_error_code(Errc::no_transaction));
  CHECK(cs.present_id_token(3, tag) == ocpp::make_error_code(Errc::unknown_connector));
  CHECK(cs.set_measurand(1, MeasurandEnumType::Energy_Active_Import_Register,
                         std::numeric_limits<double>::infinity()) ==
        ocpp::make_error_code(Errc::invalid_argument));
  CHECK(!cs.transaction_id(1));

  // E02: cable, then the idToken (Authorize) starts the transaction; the hook sets Charging.
  REQUIRE(!cs.set_measurand(1, MeasurandEnumType::Energy_Active_Import_Register, 1000));
  REQUIRE(!cs.plug_in(1, 1));
  REQUIRE(!cs.present_id_token(1, tag));
  REQUIRE(test::eventually([&] { return seen.has("authorization 1 TAG1 Accepted"); }));
  REQUIRE(test::eventually([&] { return seen.has("Started 0 Authorized id read back charging"); }));
  REQUIRE(test::eventually([&] { return seen.has("Updated 1 ChargingStateChanged"); }));
  REQUIRE(cs.transaction_id(1).has_value());
  const std::string id = *cs.transaction_id(1);
  REQUIRE(!cs.set_measurand(1, MeasurandEnumType::Energy_Active_Import_Register, 1800));
  REQUIRE(!cs.stop_transaction(1, ReasonEnumType::Local));
  REQUIRE(test::eventually([&] { return seen.has("Ended 2 StopAuthorized Local closed"); }));
  REQUIRE(test::eventually([&] { return cs.queued_transaction_messages() == 0; }));
  auto tx = rig.loop.calls("TransactionEvent", "CS-T");
  REQUIRE(tx.size() == 3);
  for (std::size_t i = 0; i < tx.size(); ++i) {
    auto j = tx[i].json();
    CHECK(j["seqNo"].GetInt() == static_cast<int>(i));  // E01.FR.07
    CHECK(id == j["transactionInfo"]["transactionId"].GetString());
  }
  CHECK(std::string(tx[0].json()["idToken"]["idToken"].GetString()) == "TAG1");
  // E06.FR.11: the start's TxEndedMeasurands values, then the end's.
  const auto ended = tx[2].json();
  const auto& mvs = ended["meterValue"];
  CHECK(mvs[mvs.Size() - 1]["sampledValue"][0]["value"].GetDouble() == 1800);
  REQUIRE(!cs.plug_out(1));
  REQUIRE(test::eventually([&] { return status_calls(rig.loop, "CS-T", 1, 1, "Available") == 2; }));
  CHECK(rig.loop.errors().empty());
  self.set(nullptr);
}

TEST_CASE("charging station and 1.6 charge point side by side on one runner",
          "[v201][v16][charging_station]") {
  Rig rig;
  ocpp::v16::ChargePointConfig c16;
  c16.charge_point_id = "CP-16";
  c16.csms_url = "ws://csms.test/ocpp";
  c16.vendor = "TestVendor";
  c16.model = "TestModel";
  c16.backoff_min = 50ms;
  auto cp = ocpp::v16::ChargePoint::create(rig.runner, std::move(c16), {});
  REQUIRE(cp.ok());
  auto cs = make_cs(rig, make_config("CS-201"));

  REQUIRE(test::eventually([&] {
    return cp.value()->registration() == ocpp::v16::RegistrationStatus::Accepted && accepted(*cs);
  }));
  CHECK(rig.loop.attempts("CP-16").at(0).options.subprotocols ==
        std::vector<std::string>{"ocpp1.6"});
  CHECK(rig.loop.attempts("CS-201").at(0).options.subprotocols ==
        std::vector<std::string>{"ocpp2.0.1"});
  REQUIRE(!cp.value()->plug_in(1));
  REQUIRE(!cs->set_connector_status(1, 1, ConnectorStatusEnumType::Occupied));
  REQUIRE(
      test::eventually([&] { return status_calls(rig.loop, "CS-201", 1, 1, "Occupied") == 1; }));
  REQUIRE(test::eventually([&] {
    for (const auto& c : rig.loop.calls("StatusNotification", "CP-16"))
      if (std::string(c.json()["status"].GetString()) == "Preparing") return true;
    return false;
  }));
  // Each spoke its own version: the 1.6 BootNotification has chargePointVendor, 2.0.1 reason.
  CHECK(rig.loop.calls("BootNotification", "CP-16").at(0).json().HasMember("chargePointVendor"));
  CHECK(rig.loop.calls("BootNotification", "CS-201").at(0).json().HasMember("reason"));
  CHECK(rig.loop.errors().empty());
  // One goes away; the other keeps running on the same runner.
  cp.value().reset();
  REQUIRE(!cs->set_connector_status(1, 1, ConnectorStatusEnumType::Available));
  REQUIRE(
      test::eventually([&] { return status_calls(rig.loop, "CS-201", 1, 1, "Available") == 2; }));
}

TEST_CASE("charging station: create() refuses a bad configuration", "[v201][charging_station]") {
  Rig rig;
  auto refused = [&](ChargingStationConfig c) {
    auto r = ChargingStation::create(rig.runner, std::move(c), {});
    return !r.ok() && r.error() == ocpp::make_error_code(Errc::invalid_argument);
  };
  auto c = make_config();
  c.identity = "";
  CHECK(refused(std::move(c)));
  c = make_config();
  c.identity = "CS:1";
  CHECK(refused(std::move(c)));
  c = make_config();
  c.csms_url = "http://csms.test";
  CHECK(refused(std::move(c)));
  c = make_config("CS-1", {});
  CHECK(refused(std::move(c)));
  c = make_config("CS-1", {1, 0});
  CHECK(refused(std::move(c)));
  c = make_config();
  c.charging_station.model = "";
  CHECK(refused(std::move(c)));
  c = make_config();
  c.charging_station.vendorName = std::string(51, 'v');  // vendorName is ≤ 50
  CHECK(refused(std::move(c)));
  c = make_config();
  c.security_profile = ocpp::SecurityProfile::tls_basic_auth;  // needs wss://
  c.password = "0123456789abcdef";
  CHECK(refused(std::move(c)));
  c = make_config();
  c.security_profile = ocpp::SecurityProfile::basic_auth;  // without a password
  CHECK(refused(std::move(c)));
  c = make_config();
  c.password = "short";
  CHECK(refused(std::move(c)));
  c = make_config();
  c.password = std::string(41, 'p');
  CHECK(refused(std::move(c)));
  c = make_config();
  c.security_profile = ocpp::SecurityProfile::basic_auth;
  c.password = std::string(16, 'p');
  auto ok = ChargingStation::create(rig.runner, std::move(c), {});
  CHECK(ok.ok());
}
