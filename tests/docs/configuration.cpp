// Configuration keys: initial values for the specification's keys, a vendor key of the
// firmware's own, and reading and changing keys locally.
#include <ocpp/runner.hpp>
#include <ocpp/v16/charge_point.hpp>

#include <cstdio>
#include <string>

int main() {
  ocpp::Runner runner;
  ocpp::v16::ChargePointConfig cfg;
  cfg.charge_point_id = "CP001";
  cfg.csms_url = "ws://127.0.0.1:9000/ocpp";
  cfg.vendor = "Acme";
  cfg.model = "Wallbox22";
  cfg.db_path = "ocpp.db";
  // Applied on the first start only; afterwards the stored value (maybe set by the CSMS) wins.
  cfg.configuration = {{"HeartbeatInterval", "300"}, {"MeterValueSampleInterval", "60"}};
  ocpp::v16::Hooks hooks;
  hooks.configuration_changed = [](const std::string& key, const std::string& value) {
    std::printf("CSMS set %s = %s (already persisted)\n", key.c_str(), value.c_str());
  };
  auto cp = ocpp::v16::ChargePoint::create(runner, std::move(cfg), std::move(hooks));
  if (!cp) return 1;
  ocpp::v16::ChargePoint& charger = **cp;

  // A vendor key, before runner.start() so that the CSMS sees it from the first connection.
  auto ec = charger.add_configuration_key(
      "AcmeLedBrightness", ocpp::v16::ConfigurationKeyType::Integer,
      ocpp::v16::ConfigurationKeyAccess::ReadWrite, "80",
      [](std::string_view v) {  // called only with values the type allows (an int32 here)
        const int percent = std::stoi(std::string(v));
        return percent >= 0 && percent <= 100;
      });
  if (ec) std::fprintf(stderr, "AcmeLedBrightness: %s\n", ec.message().c_str());

  if (auto v = charger.get_configuration("HeartbeatInterval")) std::printf("heartbeat %s s\n", v->c_str());
  charger.set_configuration("AcmeLedBrightness", "50");  // validated and persisted like a CSMS change
  runner.start();
  cp.value().reset();
  runner.stop();
}
