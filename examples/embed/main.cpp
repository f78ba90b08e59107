#include <ocpp/runner.hpp>
#include <ocpp/v16/charge_point.hpp>

#include <chrono>
#include <cstdio>
#include <thread>

int main(int argc, char** argv) {
  ocpp::Runner runner;  // the library's one thread: connection, timers, hooks
  ocpp::v16::ChargePointConfig cfg;
  cfg.charge_point_id = "CP001";
  cfg.csms_url = argc > 1 ? argv[1] : "ws://127.0.0.1:9000/ocpp";  // "/CP001" is appended
  cfg.vendor = "Acme";
  cfg.model = "Wallbox22";
  cfg.db_path = "ocpp.db";  // durable queue, transactions and configuration
  ocpp::v16::Hooks hooks;
  hooks.transaction_started = [](const ocpp::v16::TransactionInfo& t) {
    std::printf("energize connector %d\n", t.connectorId);  // close the contactor here
  };
  hooks.transaction_stopped = [](const ocpp::v16::TransactionInfo& t, ocpp::v16::Reason,
                                 std::int32_t meterStop) {
    std::printf("de-energize connector %d at %d Wh\n", t.connectorId, meterStop);
  };
  auto cp = ocpp::v16::ChargePoint::create(runner, std::move(cfg), hooks);
  if (!cp) return std::fprintf(stderr, "%s\n", cp.error().message().c_str()), 1;
  runner.start();
  (*cp)->plug_in(1);  // hardware events, from any thread; they never wait for the network
  (*cp)->present_id_tag("04A2B3C4D5");
  std::this_thread::sleep_for(std::chrono::seconds(20));
  (*cp)->unplug(1);  // the StopTransaction is on disk when this returns
  cp.value().reset();  // detach before the runner stops
  runner.stop();
}
