// The program every consumer project builds: it constructs a charge point the way an
// application would (a runner, a memory store, a CSMS URL on a closed local port), lets it
// try to connect for a moment, and tears everything down in the documented order.
#include <ocpp/runner.hpp>
#include <ocpp/v16/charge_point.hpp>

#include <chrono>
#include <cstdio>
#include <thread>

#ifndef OCPP_CONSUMER
#define OCPP_CONSUMER "consumer"
#endif

int main(int argc, char** argv) {
  ocpp::Runner runner;
  ocpp::v16::ChargePointConfig cfg;
  cfg.charge_point_id = "CONSUMER1";
  // Port 1 on the loopback interface: nothing listens there, so connecting fails fast.
  cfg.csms_url = argc > 1 ? argv[1] : "ws://127.0.0.1:1/ocpp";
  cfg.vendor = "Consumer";
  cfg.model = "Check";
  cfg.db_path.clear();  // a memory store
  auto cp = ocpp::v16::ChargePoint::create(runner, std::move(cfg), ocpp::v16::Hooks{});
  if (!cp) {
    std::fprintf(stderr, "%s: ChargePoint::create failed: %s\n", OCPP_CONSUMER,
                 cp.error().message().c_str());
    return 1;
  }
  if (auto ec = runner.start()) {
    std::fprintf(stderr, "%s: Runner::start failed: %s\n", OCPP_CONSUMER, ec.message().c_str());
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a connection attempt or two
  cp.value().reset();  // detach before the runner stops
  if (auto ec = runner.stop()) {
    std::fprintf(stderr, "%s: Runner::stop failed: %s\n", OCPP_CONSUMER, ec.message().c_str());
    return 1;
  }
  std::printf("%s: ChargePoint created and destroyed cleanly\n", OCPP_CONSUMER);
  return 0;
}
