// An OCPP 2.0.1 Charging Station with two EVSEs (one connector each): connects, boots, reports
// a cable plugged into EVSE 1. Run it against a CSMS: ./v201 ws://host:port/ocpp
#include <chrono>
#include <cstdio>
#include <ocpp/runner.hpp>
#include <ocpp/v201/charging_station.hpp>
#include <string>
#include <thread>

using namespace ocpp::v201;

int main(int argc, char** argv) {
  ocpp::Runner runner;  // the library's thread: create it first, stop it last
  ChargingStationConfig cfg;
  cfg.identity = "CS001";
  cfg.csms_url = argc > 1 ? argv[1] : "ws://127.0.0.1:9000/ocpp";
  cfg.evses = {1, 1};  // EVSE 1 and EVSE 2, one connector each
  cfg.charging_station.vendorName = "Acme";
  cfg.charging_station.model = "Wallbox22";
  cfg.db_path = "cs001.db";  // empty: a memory store
  Hooks hooks;               // every hook runs on the runner's thread, no library lock held
  hooks.boot = [](RegistrationStatusEnumType status, std::int32_t interval) {
    std::printf("boot %s, heartbeat every %d s\n", to_string(status).data(), interval);
  };
  hooks.reset_allowed = [](ResetEnumType, std::optional<std::int32_t> evseId) {
    return evseId ? ResetStatusEnumType::Rejected : ResetStatusEnumType::Accepted;
  };
  hooks.reset = [](ResetEnumType, std::optional<std::int32_t>) { std::puts("rebooting"); };
  auto cs = ChargingStation::create(runner, std::move(cfg), std::move(hooks));
  if (!cs) return std::fprintf(stderr, "cannot start: %s\n", cs.error().message().c_str()), 1;
  runner.start();  // connects (subprotocol ocpp2.0.1), BootNotification, StatusNotifications
  ChargingStation& station = **cs;
  station.set_connector_status(1, 1, ConnectorStatusEnumType::Occupied);  // from any thread
  std::this_thread::sleep_for(std::chrono::seconds(5));
  std::printf("registration: %s\n",
              station.registration() ? to_string(*station.registration()).data() : "none yet");
  cs.value().reset();  // stations first,
  runner.stop();       // then the runner
}
