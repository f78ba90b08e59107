// An OCPP 2.0.1 Charging Station with two EVSEs (one connector each): connects, boots, and runs
// a charging session on EVSE 1 (cable, card, meter readings, cable out). Run it against a CSMS:
// ./v201 ws://host:port/ocpp
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
  cfg.db_path = "cs001.db";  // the durable outbox of TransactionEventRequests; empty: memory
  Hooks hooks;               // every hook runs on the runner's thread, no library lock held
  hooks.boot = [](RegistrationStatusEnumType status, std::int32_t interval) {
    std::printf("boot %s, heartbeat every %d s\n", to_string(status).data(), interval);
  };
  hooks.reset_allowed = [](ResetEnumType, std::optional<std::int32_t> evseId) {
    return evseId ? ResetStatusEnumType::Rejected : ResetStatusEnumType::Accepted;
  };
  hooks.reset = [](ResetEnumType, std::optional<std::int32_t>) { std::puts("rebooting"); };
  hooks.authorization = [](int evseId, const IdTokenType& t, const IdTokenInfoType& info) {
    std::printf("EVSE %d: %s %s\n", evseId, t.idToken.c_str(), to_string(info.status).data());
  };
  hooks.transaction_event = [](const TransactionEventInfo& e) {
    // Started: offer energy; Ended: stop it (a hook may call the station, e.g. to set the
    // charging state it sees).
    std::printf("transaction %s %s #%d (%s)\n", e.transactionId.c_str(),
                to_string(e.eventType).data(), e.seqNo, to_string(e.triggerReason).data());
  };
  auto cs = ChargingStation::create(runner, std::move(cfg), std::move(hooks));
  if (!cs) return std::fprintf(stderr, "cannot start: %s\n", cs.error().message().c_str()), 1;
  runner.start();  // connects (subprotocol ocpp2.0.1), BootNotification, StatusNotifications
  ChargingStation& station = **cs;
  constexpr auto kEnergy = MeasurandEnumType::Energy_Active_Import_Register;
  // Firmware events, from any thread; errors are values (e.g. Errc::unknown_connector).
  station.set_measurand(1, kEnergy, 1000);  // Wh
  station.plug_in(1, 1);                    // EVSE 1, connector 1: Occupied
  IdTokenType card;
  card.idToken = "04A2B3C4D5";
  card.type = IdTokenEnumType::ISO14443;
  station.present_id_token(1, card);  // Authorize; Accepted starts the transaction (E02)
  std::this_thread::sleep_for(std::chrono::seconds(2));
  station.set_charging_state(1, ChargingStateEnumType::Charging);
  station.set_measurand(1, kEnergy, 1450);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  station.plug_out(1);  // Ended, stoppedReason EVDisconnected (default TxStopPoint)
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::printf("transaction messages not yet acknowledged: %zu\n",
              station.queued_transaction_messages());
  cs.value().reset();  // stations first,
  runner.stop();       // then the runner
}
