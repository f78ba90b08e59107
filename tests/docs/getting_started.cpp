// A charge point with one connector: connects, boots, and runs one session when the cable
// is plugged in and a card is presented. Run it against a CSMS: ./getting_started ws://host:port/ocpp
#include <ocpp/runner.hpp>
#include <ocpp/v16/charge_point.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

int main(int argc, char** argv) {
  ocpp::Runner runner;  // 1. the library's thread (create it first, stop it last)
  ocpp::v16::ChargePointConfig cfg;  // 2. who we are and where the CSMS is
  cfg.charge_point_id = "CP001";
  cfg.csms_url = argc > 1 ? argv[1] : "ws://127.0.0.1:9000/ocpp";
  cfg.vendor = "Acme";
  cfg.model = "Wallbox22";
  cfg.db_path = "cp001.db";  // durable queue, transactions and configuration
  ocpp::v16::Hooks hooks;  // 3. what the library asks the firmware to do
  hooks.connection = [](bool up, const std::string& why) {
    std::printf("%s %s\n", up ? "online" : "offline", why.c_str());
  };
  hooks.transaction_started = [](const ocpp::v16::TransactionInfo& t) {
    std::printf("close contactor %d\n", t.connectorId);
  };
  hooks.transaction_stopped = [](const ocpp::v16::TransactionInfo& t, ocpp::v16::Reason, std::int32_t) {
    std::printf("open contactor %d\n", t.connectorId);
  };
  auto cp = ocpp::v16::ChargePoint::create(runner, std::move(cfg), std::move(hooks));
  if (!cp) return std::fprintf(stderr, "cannot start: %s\n", cp.error().message().c_str()), 1;
  runner.start();  // 4. connect, BootNotification, StatusNotifications
  ocpp::v16::ChargePoint& charger = **cp;
  charger.plug_in(1);  // 5. report hardware events, from any thread
  charger.present_id_tag("04A2B3C4D5");  // Authorize, then StartTransaction
  for (std::int64_t wh = 0; wh <= 3000; wh += 500) {
    charger.set_meter_energy(1, wh);
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  charger.unplug(1);  // StopTransaction: on disk when this returns
  cp.value().reset();  // 6. destroy charge points, then stop the runner
  runner.stop();
}
