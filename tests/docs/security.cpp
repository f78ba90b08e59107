// Security profile 2 (TLS with Basic Authentication): wss://, the CSMS's CA, and the
// AuthorizationKey as the HTTP Basic password. For profile 1, use ws:// and leave ca_file empty.
#include <ocpp/runner.hpp>
#include <ocpp/v16/charge_point.hpp>

#include <cstdio>
#include <string>

int main() {
  ocpp::Runner runner;
  ocpp::v16::ChargePointConfig cfg;
  cfg.charge_point_id = "CP001";  // also the Basic auth user name
  cfg.csms_url = "wss://csms.example.com/ocpp";  // TLS 1.2 or later; the name must match the certificate
  cfg.ca_file = "/etc/charger/csms-ca.pem";  // PEM CA bundle; empty = the system's CAs
  cfg.password = "6D4E1A0C92F3B8774E21D05A9C3F6B18";  // initial AuthorizationKey (first start only)
  cfg.vendor = "Acme";
  cfg.model = "Wallbox22";
  cfg.db_path = "ocpp.db";
  ocpp::v16::Hooks hooks;
  hooks.connection = [](bool up, const std::string& reason) {
    if (!up) std::fprintf(stderr, "not connected: %s\n", reason.c_str());
  };
  hooks.log = [](int level, const std::string& message) {
    if (level <= 1) std::fprintf(stderr, "ocpp: %s\n", message.c_str());  // TLS and auth failures
  };
  hooks.configuration_changed = [](const std::string& key, const std::string&) {
    if (key == "AuthorizationKey") std::printf("CSMS rotated the password\n");  // never log it
  };
  auto cp = ocpp::v16::ChargePoint::create(runner, std::move(cfg), std::move(hooks));
  if (!cp) return 1;
  runner.start();
  cp.value().reset();
  runner.stop();
}
