// A smaller receive limit for a CSMS known to send small messages only; what the library
// does at each limit is in docs/guides/limits.md. Runner::error() tells whether the event
// loop could be created at all.
#include <ocpp/runner.hpp>
#include <ocpp/v16/charge_point.hpp>

#include <cstdio>

int main() {
  ocpp::Runner runner;
  if (auto ec = runner.error()) return std::fprintf(stderr, "%s\n", ec.message().c_str()), 1;
  ocpp::v16::ChargePointConfig cfg;
  cfg.charge_point_id = "CP001";
  cfg.csms_url = "ws://127.0.0.1:9000/ocpp";
  cfg.vendor = "Acme";
  cfg.model = "Wallbox22";
  cfg.max_message_size = 256 * 1024;  // a longer message closes the connection with 1009
  auto cp = ocpp::v16::ChargePoint::create(runner, std::move(cfg), {});
  if (!cp) return std::fprintf(stderr, "%s\n", cp.error().message().c_str()), 1;
  return 0;
}
