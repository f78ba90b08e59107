// Security Whitepaper edition 3, the charge point certificate: renewal asked by the CSMS (A02,
// ExtendedTriggerMessage(SignChargePointCertificate)) and before expiry (A03), SignCertificate
// and CertificateSigned with their checks, and the switch to the new certificate at its
// not-before time, against a real OpenSSL provider and a test PKI.
#include <catch2/catch.hpp>

#include "v16/security/certificate_support.hpp"

using namespace cert_test;
using namespace test_pki;
using namespace std::chrono_literals;

namespace {

// CN and O of a PEM CSR's subject.
std::pair<std::string, std::string> subject_of_csr(const std::string& pem) {
  auto req = parse_csr(pem);
  REQUIRE(req);
  REQUIRE(X509_REQ_verify(req.get(), X509_REQ_get0_pubkey(req.get())) == 1);
  char cn[128] = {};
  char o[128] = {};
  X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req.get()), NID_commonName, cn, sizeof cn);
  X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req.get()), NID_organizationName, o,
                            sizeof o);
  return {cn, o};
}

// A station at `profile` with CpoName set and a CSMS root installed.
struct Renewal {
  explicit Renewal(int profile = 3) : s(profile, {{"CpoName", "Acme CPO"}}) {
    REQUIRE(s.install("CentralSystemRootCertificate", root.pem()) == "Accepted");
  }
  Cert root = make_root("CPO Root", 1);
  Station s;
};

}  // namespace

TEST_CASE(
    "A02.FR.02, A02.FR.03, A02.FR.13: SignChargePointCertificate leads to a CSR with CN and "
    "CpoName, "
    "the signed certificate is installed and used from its not-before time (A02.FR.08)",
    "[security][certificates]") {
  Renewal r;
  CHECK(r.s.trigger("SignChargePointCertificate") == "Accepted");
  // The answer first, then the SignCertificate.req (A02.FR.02: after the .conf).
  REQUIRE(r.s.h.calls_of("SignCertificate").size() == 1);
  const std::string csr = r.s.last_csr();
  CHECK(csr.find("BEGIN CERTIFICATE REQUEST") != std::string::npos);
  CHECK(csr.find("PRIVATE KEY") == std::string::npos);  // A02.FR.05
  CHECK(subject_of_csr(csr) == std::make_pair(std::string("CP001"), std::string("Acme CPO")));

  Cert signed_cert = issue_for_csr(r.root, csr, 10, {1, 24 * 365});  // valid in one hour
  CHECK(r.s.certificate_signed(signed_cert.pem()) == "Accepted");
  CHECK(r.s.provider->charging_station_certificate()->chain_pem == signed_cert.pem());
  CHECK(events_of(r.s.h.engine(), "InvalidChargePointCertificate") == 0);
  // Reconnect (to present it) once its validity has begun, not before.
  const auto at = r.s.h.elapsed();
  r.s.h.advance(59min);
  CHECK(r.s.reconnects.empty());
  r.s.h.advance(2min);
  REQUIRE(r.s.reconnects.size() == 1);
  CHECK(r.s.reconnects.front() - at >= 3599);
  CHECK(r.s.reconnects.front() - at <= 3601);
}

TEST_CASE("A02.FR.08: a certificate valid at once is used at once (SecurityProfile 3 only)",
          "[security][certificates]") {
  for (int profile : {2, 3}) {
    Renewal r(profile);
    REQUIRE(r.s.trigger("SignChargePointCertificate") == "Accepted");
    CHECK(r.s.certificate_signed(issue_for_csr(r.root, r.s.last_csr(), 11).pem()) == "Accepted");
    CHECK(r.s.reconnects.size() == (profile == 3 ? 1u : 0u));
  }
}

TEST_CASE("A02 prerequisite: without CpoName SignChargePointCertificate is Rejected",
          "[security][certificates]") {
  Station s(3);
  REQUIRE(s.install("CentralSystemRootCertificate", make_root("CPO Root", 1).pem()) == "Accepted");
  CHECK(s.trigger("SignChargePointCertificate") == "Rejected");
  CHECK(s.h.calls_of("SignCertificate").empty());
}

TEST_CASE("A02.FR.12: a Rejected SignCertificate.conf is not retried", "[security][certificates]") {
  Renewal r;
  r.s.h.policy["SignCertificate"] = [](const test::SentCall&) -> std::optional<std::string> {
    return R"({"status":"Rejected"})";
  };
  CHECK(r.s.trigger("SignChargePointCertificate") == "Accepted");
  r.s.h.advance(2h);
  CHECK(r.s.h.calls_of("SignCertificate").size() == 1);
}

TEST_CASE(
    "A02.FR.06, A02.FR.07: an invalid signed certificate is Rejected with "
    "InvalidChargePointCertificate",
    "[security][certificates]") {
  Renewal r;
  REQUIRE(r.s.trigger("SignChargePointCertificate") == "Accepted");
  const std::string csr = r.s.last_csr();
  Cert other_root = make_root("Other Root", 50);
  std::string chain;
  SECTION("for another key") { chain = issue(r.root, "CP001", 20).pem(); }
  SECTION("expired") { chain = issue_for_csr(r.root, csr, 21, {-48, -1}).pem(); }
  SECTION("not chaining to the CentralSystemRootCertificate") {
    chain = issue_for_csr(other_root, csr, 22).pem();
  }
  SECTION("longer than CertificateSignedMaxChainSize") {
    REQUIRE_FALSE(r.s.h.engine().set_configuration("CertificateSignedMaxChainSize", "500"));
    chain = issue_for_csr(r.root, csr, 23).pem();
    REQUIRE(chain.size() > 500);
  }
  SECTION("another CN (A00.FR.511)") {
    Cert cert;
    auto req = parse_csr(csr);
    cert.x = make_cert(X509_REQ_get0_pubkey(req.get()), "CP002", 24, &r.root, r.root.key.get(),
                       false, {}, nullptr, "Acme CPO");
    chain = cert.pem();
  }
  SECTION("another O (A00.FR.509)") {
    auto req = parse_csr(csr);
    Cert cert;
    cert.x = make_cert(X509_REQ_get0_pubkey(req.get()), "CP001", 25, &r.root, r.root.key.get(),
                       false, {}, nullptr, "Evil CPO");
    chain = cert.pem();
  }
  SECTION("not a certificate") {
    chain = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  }
  CHECK(r.s.certificate_signed(chain) == "Rejected");
  CHECK(events_of(r.s.h.engine(), "InvalidChargePointCertificate") == 1);
  CHECK_FALSE(r.s.provider->charging_station_certificate());
  r.s.h.advance(2h);
  CHECK(r.s.reconnects.empty());
  // The right one is still taken afterwards.
  REQUIRE_FALSE(r.s.h.engine().set_configuration("CertificateSignedMaxChainSize", "10000"));
  CHECK(r.s.certificate_signed(issue_for_csr(r.root, csr, 30).pem()) == "Accepted");
}

TEST_CASE("A03.FR.02: the charge point renews its certificate a month before it expires",
          "[security][certificates]") {
  Renewal r;
  // A certificate that expires in 40 days.
  auto csr = r.s.provider->generate_csr({"CP001", "Acme CPO", "", ocpp::KeyType::ec_p256});
  REQUIRE(csr);
  REQUIRE_FALSE(r.s.provider->install_charging_station_certificate(
      issue_for_csr(r.root, *csr, 40, {-1, 40 * 24}).pem()));
  r.s.h.advance(9 * 24h);
  CHECK(r.s.h.calls_of("SignCertificate").empty());
  r.s.h.advance(26h);  // the expiry is now within a month
  REQUIRE(r.s.h.calls_of("SignCertificate").size() == 1);
  CHECK(subject_of_csr(r.s.last_csr()).second == "Acme CPO");
  // When the expiry came within a month (10 days from now), not later.
  const auto first = r.s.h.calls_of("SignCertificate").front().at;
  CHECK(r.s.h.seconds(first) >= 10 * 24 * 3600 - 10);
  CHECK(r.s.h.seconds(first) <= 10 * 24 * 3600 + 10);
  // No certificate came: tried again a day later, not sooner.
  r.s.h.advance(23h);
  REQUIRE(r.s.h.calls_of("SignCertificate").size() == 2);
  CHECK(r.s.h.calls_of("SignCertificate").back().at - first == std::chrono::hours(24));
  // Once renewed, no more requests.
  REQUIRE(r.s.certificate_signed(issue_for_csr(r.root, r.s.last_csr(), 41).pem()) == "Accepted");
  r.s.h.advance(3 * 24h);
  CHECK(r.s.h.calls_of("SignCertificate").size() == 2);
}
