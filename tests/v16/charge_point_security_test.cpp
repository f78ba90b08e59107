// The 1.6 ChargePoint's security settings reach the connection: a profile that does not fit
// the URL is refused by create(), a set profile decides what is sent, and a SecurityProvider
// supplies the CA bundle and the client certificate.
#include <catch2/catch.hpp>

#include <mutex>
#include <string>
#include <vector>

#include "ocpp/runner.hpp"
#include "ocpp/security.hpp"
#include "ocpp/v16/charge_point.hpp"
#include "support/memory_transport.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

using namespace std::chrono_literals;
using ocpp::SecurityProfile;
using ocpp::v16::ChargePoint;
using ocpp::v16::ChargePointConfig;

namespace {

struct Rig {
  Rig() { REQUIRE(!runner.start()); }
  ~Rig() { runner.stop(); }
  std::unique_ptr<test::MemoryIoLoop> owned = std::make_unique<test::MemoryIoLoop>();
  test::MemoryIoLoop& loop = *owned;
  ocpp::Runner runner{std::move(owned)};
};

ChargePointConfig make_config(const std::string& id, const std::string& url) {
  ChargePointConfig c;
  c.charge_point_id = id;
  c.csms_url = url;
  c.vendor = "TestVendor";
  c.model = "TestModel";
  c.backoff_min = 20ms;
  c.backoff_max = 100ms;
  return c;
}

}  // namespace

TEST_CASE("charge point: a security profile that does not fit the URL is refused", "[v16][charge_point][security]") {
  Rig rig;
  auto refused = [&](ChargePointConfig c) {
    return ChargePoint::create(rig.runner, std::move(c), {}).error() == ocpp::Errc::invalid_argument;
  };
  auto c = make_config("CP-P2", "ws://csms.test/ocpp");
  c.security_profile = SecurityProfile::tls_basic_auth;
  CHECK(refused(std::move(c)));
  c = make_config("CP-P1", "wss://csms.test/ocpp");
  c.security_profile = SecurityProfile::basic_auth;
  CHECK(refused(std::move(c)));
  c = make_config("CP-P3", "wss://csms.test/ocpp");
  c.security_profile = SecurityProfile::tls_client_cert;  // and no certificate anywhere
  CHECK(refused(std::move(c)));
  c = make_config("CP:1", "ws://csms.test/ocpp");
  CHECK(refused(std::move(c)));
  CHECK(rig.loop.attempts().empty());
}

TEST_CASE("charge point: profile 2 waits for an AuthorizationKey, then sends it", "[v16][charge_point][security]") {
  Rig rig;
  std::mutex m;
  std::vector<std::string> logs;
  ocpp::v16::Hooks hooks;
  hooks.log = [&](int, const std::string& line) {
    std::lock_guard<std::mutex> lk(m);
    logs.push_back(line);
  };
  auto c = make_config("CP-P2", "wss://csms.test/ocpp");
  c.security_profile = SecurityProfile::tls_basic_auth;
  auto cp = ChargePoint::create(rig.runner, std::move(c), hooks);
  REQUIRE(cp);
  REQUIRE(test::eventually([&] {
    std::lock_guard<std::mutex> lk(m);
    return !logs.empty();
  }));
  {
    std::lock_guard<std::mutex> lk(m);
    CHECK(logs[0].find("needs a Basic authentication password") != std::string::npos);
  }
  CHECK(rig.loop.attempts().empty());
  REQUIRE_FALSE((*cp)->set_configuration("AuthorizationKey", "0123456789abcdef0123"));
  REQUIRE(test::eventually([&] { return !rig.loop.attempts().empty(); }));
  const auto a = rig.loop.attempts()[0].options;
  CHECK(a.basic_auth_user == std::optional<std::string>("CP-P2"));
  CHECK(a.basic_auth_password == std::optional<std::string>("0123456789abcdef0123"));
}

TEST_CASE("charge point: profile 3 takes its credentials from the SecurityProvider", "[v16][charge_point][security]") {
  test_support::TempDir dir;
  auto provider = ocpp::make_openssl_security_provider(dir.path + "/keys");
  REQUIRE(provider);
  std::shared_ptr<ocpp::SecurityProvider> security = std::move(provider.value());
  auto root = test_pki::make_root("CSMS Root", 1);
  REQUIRE(security->install_ca_certificate(ocpp::CaCertificateUse::csms_root, root.pem()));
  auto csr = security->generate_csr({"CP-P3", "Acme CPO", "", ocpp::KeyType::ec_p256});
  REQUIRE(csr);
  REQUIRE_FALSE(security->install_charging_station_certificate(test_pki::issue_for_csr(root, *csr, 2).pem()));
  auto creds = security->tls_credentials();
  REQUIRE(creds);

  Rig rig;
  auto c = make_config("CP-P3", "wss://csms.test/ocpp");
  c.security_profile = SecurityProfile::tls_client_cert;
  c.security = security;
  c.password = "0123456789abcdef0123";  // set, but profile 3 does not send it
  auto cp = ChargePoint::create(rig.runner, std::move(c), {});
  REQUIRE(cp);
  REQUIRE(test::eventually([&] { return !rig.loop.attempts().empty(); }));
  const auto a = rig.loop.attempts()[0].options;
  CHECK(a.ca_file == creds->ca_file);
  CHECK(a.client_cert_file == creds->client_cert_file);
  CHECK(a.client_key_file == creds->client_key_file);
  CHECK_FALSE(a.basic_auth_user);
  CHECK_FALSE(a.basic_auth_password);
}
