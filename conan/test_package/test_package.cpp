// Conan's test_package: a charge point is created against a closed local port and destroyed.
#include <ocpp/runner.hpp>
#include <ocpp/v16/charge_point.hpp>

#include <cstdio>

int main() {
  ocpp::Runner runner;
  ocpp::v16::ChargePointConfig cfg;
  cfg.charge_point_id = "CONAN1";
  cfg.csms_url = "ws://127.0.0.1:1/ocpp";
  cfg.vendor = "Conan";
  cfg.model = "TestPackage";
  auto cp = ocpp::v16::ChargePoint::create(runner, std::move(cfg), ocpp::v16::Hooks{});
  if (!cp) return std::fprintf(stderr, "create: %s\n", cp.error().message().c_str()), 1;
  runner.start();
  cp.value().reset();
  runner.stop();
  std::puts("ocpp-client test_package: OK");
  return 0;
}
