// The 1.6 ChargePoint's security settings reach the connection: a profile that does not fit
// the URL is refused by create(), a set profile decides what is sent, and a SecurityProvider
// supplies the CA bundle and the client certificate.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
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

struct SecurityRig {
  SecurityRig() { REQUIRE(!runner.start()); }
  ~SecurityRig() { runner.stop(); }
  std::unique_ptr<test::MemoryIoLoop> owned = std::make_unique<test::MemoryIoLoop>();
  test::MemoryIoLoop& loop = *owned;
  ocpp::Runner runner{std::move(owned)};
};

// An OpenSSL provider in dir with a CSMS root and a charge point certificate for `id` issued
// by it (as after manufacturing).
struct ProvisionedProvider {
  std::shared_ptr<ocpp::SecurityProvider> security;
  test_pki::Cert root;
  test_pki::Cert certificate;
};
ProvisionedProvider provider_with_certificate(const std::string& dir, const std::string& id) {
  auto provider = ocpp::make_openssl_security_provider(dir + "/keys");
  REQUIRE(provider);
  ProvisionedProvider p{std::move(provider.value()), test_pki::make_root("CSMS Root", 1), {}};
  REQUIRE(p.security->install_ca_certificate(ocpp::CaCertificateUse::csms_root, p.root.pem()));
  auto csr = p.security->generate_csr({id, "Acme CPO", "", ocpp::KeyType::ec_p256});
  REQUIRE(csr);
  p.certificate = test_pki::issue_for_csr(p.root, *csr, 2);
  REQUIRE_FALSE(p.security->install_charging_station_certificate(p.certificate.pem()));
  return p;
}

ChargePointConfig security_config(const std::string& id, const std::string& url) {
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
  SecurityRig rig;
  auto refused = [&](ChargePointConfig c) {
    return ChargePoint::create(rig.runner, std::move(c), {}).error() == ocpp::Errc::invalid_argument;
  };
  auto c = security_config("CP-P2", "ws://csms.test/ocpp");
  c.security_profile = SecurityProfile::tls_basic_auth;
  CHECK(refused(std::move(c)));
  c = security_config("CP-P1", "wss://csms.test/ocpp");
  c.security_profile = SecurityProfile::basic_auth;
  CHECK(refused(std::move(c)));
  c = security_config("CP-P3", "wss://csms.test/ocpp");
  c.security_profile = SecurityProfile::tls_client_cert;  // and no certificate anywhere
  CHECK(refused(std::move(c)));
  c = security_config("CP:1", "ws://csms.test/ocpp");
  CHECK(refused(std::move(c)));
  CHECK(rig.loop.attempts().empty());
}

TEST_CASE("charge point: profile 2 waits for an AuthorizationKey, then sends it", "[v16][charge_point][security]") {
  SecurityRig rig;
  std::mutex m;
  std::vector<std::string> logs;
  ocpp::v16::Hooks hooks;
  hooks.log = [&](int, const std::string& line) {
    std::lock_guard<std::mutex> lk(m);
    logs.push_back(line);
  };
  auto c = security_config("CP-P2", "wss://csms.test/ocpp");
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
  auto provisioned = provider_with_certificate(dir.path, "CP-P3");
  std::shared_ptr<ocpp::SecurityProvider> security = provisioned.security;
  auto creds = security->tls_credentials();
  REQUIRE(creds);

  SecurityRig rig;
  auto c = security_config("CP-P3", "wss://csms.test/ocpp");
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

namespace {

// JSON string literal of a PEM text (newlines escaped).
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '\n') out += "\\n";
    else if (ch == '"') out += "\\\"";
    else out += ch;
  }
  return out + "\"";
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("charge point: A02.FR.10 a renewed certificate that cannot connect gives way to the previous one",
          "[v16][charge_point][security]") {
  test_support::TempDir dir;
  auto provisioned = provider_with_certificate(dir.path, "CP-RN");
  std::shared_ptr<ocpp::SecurityProvider> security = provisioned.security;
  const test_pki::Cert& root = provisioned.root;
  const test_pki::Cert& first = provisioned.certificate;

  const bool new_one_works = GENERATE(false, true);
  SecurityRig rig;
  // The CSMS's TLS server accepts the first certificate, and the renewed one only when it works.
  rig.loop.set_connect_policy([&](const ocpp::ConnectOptions& o) {
    test::ConnectOutcome out;
    out.open = new_one_works || file_text(o.client_cert_file).find(first.pem()) != std::string::npos;
    return out;
  });
  auto c = security_config("CP-RN", "wss://csms.test/ocpp");
  c.security_profile = SecurityProfile::tls_client_cert;
  c.security = security;
  c.configuration = {{"CpoName", "Acme CPO"}};
  auto cp = ChargePoint::create(rig.runner, std::move(c), {});
  REQUIRE(cp);
  REQUIRE(test::eventually([&] { return (*cp)->registration() == ocpp::v16::RegistrationStatus::Accepted; }));

  // A02: the CSMS asks for a new certificate and signs the CSR.
  rig.loop.set_answer("SignCertificate", [](const test::Call&) { return std::string(R"({"status":"Accepted"})"); });
  REQUIRE(rig.loop.csms_call("CP-RN", "ExtendedTriggerMessage", R"({"requestedMessage":"SignChargePointCertificate"})"));
  REQUIRE(test::eventually([&] { return rig.loop.count("SignCertificate", "CP-RN") == 1; }));
  const std::string new_csr = rig.loop.calls("SignCertificate", "CP-RN")[0].json()["csr"].GetString();
  const auto renewed = test_pki::issue_for_csr(root, new_csr, 3);
  const auto attempts_before = rig.loop.attempts("CP-RN").size();
  auto id = rig.loop.csms_call("CP-RN", "CertificateSigned", "{\"certificateChain\":" + json_string(renewed.pem()) + "}");
  REQUIRE(id);
  REQUIRE(test::eventually([&] { return rig.loop.reply_to(*id).has_value(); }));
  CHECK(rig.loop.reply_to(*id)->find("Accepted") != std::string::npos);

  auto uses = [&](const test_pki::Cert& cert) {
    auto creds = security->tls_credentials();
    return creds && file_text(creds->client_cert_file).find(cert.pem()) != std::string::npos;
  };
  if (new_one_works) {
    // Reconnected with the new certificate, which stays.
    REQUIRE(test::eventually([&] { return rig.loop.attempts("CP-RN").size() > attempts_before && (*cp)->is_connected(); }));
    CHECK(uses(renewed));
    CHECK(security->charging_station_certificate()->chain_pem == renewed.pem());
  } else {
    // Three attempts with the new certificate fail; the previous one is back and connects.
    REQUIRE(test::eventually([&] { return uses(first) && (*cp)->is_connected(); }, 10s));
    CHECK(rig.loop.attempts("CP-RN").size() >= attempts_before + 4);
    CHECK(security->charging_station_certificate()->chain_pem == first.pem());
    bool logged = false;
    for (const auto& e : (*cp)->security_log())
      logged = logged || (e.type == "ReconfigurationOfSecurityParameters" && e.techInfo &&
                          e.techInfo->find("back to the previous one") != std::string::npos);
    CHECK(logged);
  }
}
