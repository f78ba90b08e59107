// Security profile 3 (TLS with a client certificate) with the OpenSSL SecurityProvider: the
// provider makes the key pair and the CSR; the CPO's CA signs it; the provider checks and
// keeps the certificate; the charge point connects with it, and later renews it over OCPP.
// A TPM or HSM takes the place of make_openssl_security_provider() by implementing
// ocpp::SecurityProvider.
#include <ocpp/runner.hpp>
#include <ocpp/security.hpp>
#include <ocpp/v16/charge_point.hpp>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace {

std::string read(const char* path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int main() {
  auto made = ocpp::make_openssl_security_provider("/var/lib/charger/pki");  // 0700, files 0600
  if (!made) return std::fprintf(stderr, "%s\n", made.error().message().c_str()), 1;
  std::shared_ptr<ocpp::SecurityProvider> security = std::move(made.value());

  // Once, at installation: trust the CSMS's root, then get a certificate for a new key.
  auto root = security->install_ca_certificate(ocpp::CaCertificateUse::csms_root,
                                               read("/etc/charger/csms-root.pem"));
  if (!root) return std::fprintf(stderr, "root: %s\n", root.error().message().c_str()), 1;
  std::printf("CSMS root installed, serial %s\n", root->serial_number.c_str());
  if (!security->charging_station_certificate()) {
    auto csr = security->generate_csr({"CP001", "Acme CPO", "NL", ocpp::KeyType::ec_p256});
    if (!csr) return 1;
    std::printf("have this signed by the CPO's CA:\n%s", csr->c_str());  // the key stays inside
    // ... later, with the chain the CA returned (leaf first):
    if (auto ec = security->install_charging_station_certificate(read("/etc/charger/cp001-chain.pem")))
      return std::fprintf(stderr, "certificate refused: %s\n", ec.message().c_str()), 1;
  }

  ocpp::Runner runner;
  ocpp::v16::ChargePointConfig cfg;
  cfg.charge_point_id = "CP001";  // the certificate's CN
  cfg.csms_url = "wss://csms.example.com/ocpp";
  cfg.security_profile = ocpp::SecurityProfile::tls_client_cert;  // no Basic auth
  cfg.security = security;  // CA bundle and client certificate, read at each connection
  cfg.configuration = {{"CpoName", "Acme CPO"}};  // O of the renewal CSRs (A02, A03)
  cfg.vendor = "Acme";
  cfg.model = "Wallbox22";
  cfg.db_path = "ocpp.db";
  auto cp = ocpp::v16::ChargePoint::create(runner, std::move(cfg), {});
  if (!cp) return std::fprintf(stderr, "%s\n", cp.error().message().c_str()), 1;
  runner.start();
  cp.value().reset();
  runner.stop();
}
