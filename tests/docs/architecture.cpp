// Watches the paths described in the architecture guide: every frame in both directions
// (Hooks::frame) and the library's log, while one session runs.
#include <ocpp/runner.hpp>
#include <ocpp/v16/charge_point.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

int main(int argc, char** argv) {
  ocpp::Runner runner;
  ocpp::v16::ChargePointConfig cfg;
  cfg.charge_point_id = "CP001";
  cfg.csms_url = argc > 1 ? argv[1] : "ws://127.0.0.1:9000/ocpp";
  cfg.vendor = "Acme";
  cfg.model = "Wallbox22";
  ocpp::v16::Hooks hooks;
  hooks.frame = [](bool outbound, const std::string& text) {  // runner thread, no lock held
    std::printf("%s %s\n", outbound ? "->" : "<-", text.c_str());
  };
  hooks.log = [](int level, const std::string& message) {
    std::fprintf(stderr, "[%d] %s\n", level, message.c_str());
  };
  auto cp = ocpp::v16::ChargePoint::create(runner, std::move(cfg), std::move(hooks));
  if (!cp) return 1;
  runner.start();
  (*cp)->plug_in(1);
  (*cp)->present_id_tag("04A2B3C4D5");  // outbound: Authorize (volatile), StartTransaction (durable)
  std::this_thread::sleep_for(std::chrono::seconds(5));  // inbound CALLs are answered meanwhile
  (*cp)->unplug(1);  // durable StopTransaction
  std::this_thread::sleep_for(std::chrono::seconds(2));
  cp.value().reset();
  runner.stop();
}
