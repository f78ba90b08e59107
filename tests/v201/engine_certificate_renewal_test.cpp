// OCPP 2.0.1 charging station certificate renewal: A02 (TriggerMessage
// SignChargingStationCertificate, SignCertificateRequest, CertificateSignedRequest and its
// checks, the back-off of A02.FR.17 to A02.FR.19) and A03 (renewal a month before expiry), on
// a real OpenSSL provider and a test PKI.
#include <catch2/catch.hpp>

#include "v201/certificate_support.hpp"

using namespace cert201;
using namespace test_pki;
using namespace std::chrono_literals;

namespace {

// A station with a CSMS root installed (the CA that signs its certificates).
struct Renewal {
  explicit Renewal(int profile = 3) : s(profile) {
    REQUIRE(s.install("CSMSRootCertificate", ca.pem()) == "Accepted");
  }
  Cert ca = make_root("CPO Root", 1);
  Station s;
};

}  // namespace

TEST_CASE(
    "v201 A02.FR.02 A02.FR.03 A02.FR.13 TriggerMessage SignChargingStationCertificate sends a CSR "
    "with CN and OrganizationName; A02.FR.08 the signed certificate is installed and used",
    "[v201][certificates]") {
  Renewal r;
  r.s.set("Identity", "CS-42");
  CHECK(r.s.trigger("SignChargingStationCertificate") == "Accepted");
  auto calls = r.s.h.calls_of("SignCertificate");
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].payload.find(R"("certificateType":"ChargingStationCertificate")") !=
        std::string::npos);
  auto csr = parse_csr(r.s.last_csr());
  REQUIRE(csr);
  char cn[128] = {}, o[128] = {};
  X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(csr.get()), NID_commonName, cn, sizeof cn);
  X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(csr.get()), NID_organizationName, o,
                            sizeof o);
  CHECK(std::string(cn) == "CS-42");
  CHECK(std::string(o) == "TestVendor");  // OrganizationName defaults to the vendor
  Cert signed_cert = issue_for_csr(r.ca, r.s.last_csr(), 50);
  CHECK(r.s.certificate_signed(signed_cert.pem()) == "Accepted");
  auto installed = r.s.provider->charging_station_certificate();
  REQUIRE(installed);
  CHECK(installed->chain_pem.find(signed_cert.pem()) != std::string::npos);
  CHECK(r.s.reconnects == 1);  // A02.FR.08: reconnect with it (profile 3)
  CHECK(r.s.events_of("ReconfigurationOfSecurityParameters") >= 2);
}

TEST_CASE("v201 A02.FR.08 below profile 3 no reconnect is needed", "[v201][certificates]") {
  Renewal r(2);
  REQUIRE(r.s.trigger("SignChargingStationCertificate") == "Accepted");
  CHECK(r.s.certificate_signed(issue_for_csr(r.ca, r.s.last_csr(), 51).pem()) == "Accepted");
  CHECK(r.s.reconnects == 0);
}

TEST_CASE("v201 A02 below profile 2 or without a CN the trigger is Rejected",
          "[v201][certificates]") {
  SECTION("profile 1") {
    Station s(1);
    CHECK(s.trigger("SignChargingStationCertificate") == "Rejected");
  }
  SECTION("no OrganizationName") {
    Renewal r;
    r.s.set("OrganizationName", "");
    CHECK(r.s.trigger("SignChargingStationCertificate") == "Rejected");
  }
  SECTION("V2G certificate: not implemented") {
    Renewal r;
    CHECK(r.s.trigger("SignV2GCertificate") == "NotImplemented");
  }
}

TEST_CASE(
    "v201 A02.FR.06 A02.FR.07 A02.FR.16 an invalid signed certificate is Rejected with "
    "InvalidChargingStationCertificate",
    "[v201][certificates]") {
  Renewal r;
  REQUIRE(r.s.trigger("SignChargingStationCertificate") == "Accepted");
  std::string chain;
  SECTION("garbage PEM") {
    chain = "-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n";
  }
  SECTION("not for the CSR's key") { chain = issue(r.ca, "SN-0001", 60).pem(); }
  SECTION("wrong CN") {
    // The CSR's key, another subject: a certificate for another station.
    auto req = parse_csr(r.s.last_csr());
    REQUIRE(req);
    Cert c;
    c.x = make_cert(X509_REQ_get0_pubkey(req.get()), "SOMEONE-ELSE", 61, &r.ca, r.ca.key.get(),
                    false, {}, nullptr, "TestVendor");
    chain = c.pem();
  }
  SECTION("not yet valid (errata 2025-01)") {
    chain = issue_for_csr(r.ca, r.s.last_csr(), 62, {2, 24 * 30}).pem();
  }
  SECTION("expired") { chain = issue_for_csr(r.ca, r.s.last_csr(), 63, {-48, -1}).pem(); }
  SECTION("not from the CPO hierarchy") {
    chain = issue_for_csr(make_root("Other Root", 9), r.s.last_csr(), 64).pem();
  }
  SECTION("a CA certificate") { chain = make_root("SN-0001", 65).pem(); }
  SECTION("longer than MaxCertificateChainSize") {
    r.s.set("MaxCertificateChainSize", "100");
    chain = issue_for_csr(r.ca, r.s.last_csr(), 66).pem();
  }
  CHECK(r.s.certificate_signed(chain) == "Rejected");
  CHECK_FALSE(r.s.provider->charging_station_certificate());
  CHECK(r.s.events_of("InvalidChargingStationCertificate") == 1);
  // Critical: on its way to the CSMS.
  r.s.h.advance(1s);
  CHECK(r.s.h.calls_of("SecurityEventNotification").size() >= 1);
  CHECK(r.s.reconnects == 0);
}

TEST_CASE("v201 A02.FR.16 a chain over the schema's 10000 characters is a CALLERROR",
          "[v201][certificates]") {
  Renewal r;
  auto reply = r.s.h.csms_call("huge", "CertificateSigned",
                               R"({"certificateChain":")" + std::string(10001, 'A') + "\"}");
  CHECK(test::v201::error_code(reply) == "PropertyConstraintViolation");
}

TEST_CASE(
    "v201 A02.FR.17 A02.FR.18 A02.FR.19 without a signed certificate the CSR is resent, the "
    "wait doubled, CertSigningRepeatTimes times, until triggered again",
    "[v201][certificates]") {
  Renewal r;
  r.s.set("CertSigningWaitMinimum", "10");
  r.s.set("CertSigningRepeatTimes", "2");
  REQUIRE(r.s.trigger("SignChargingStationCertificate") == "Accepted");
  const std::string first_csr = r.s.last_csr();
  r.s.h.advance(9s);
  CHECK(r.s.h.calls_of("SignCertificate").size() == 1);
  r.s.h.advance(1s);  // 10 s: the first resend, the same CSR
  REQUIRE(r.s.h.calls_of("SignCertificate").size() == 2);
  CHECK(r.s.last_csr() == first_csr);
  r.s.h.advance(19s);
  CHECK(r.s.h.calls_of("SignCertificate").size() == 2);
  r.s.h.advance(1s);  // 20 s later: the second
  CHECK(r.s.h.calls_of("SignCertificate").size() == 3);
  r.s.h.advance(3600s);  // the limit reached: no more
  CHECK(r.s.h.calls_of("SignCertificate").size() == 3);
  // A trigger starts again, with a new key pair.
  REQUIRE(r.s.trigger("SignChargingStationCertificate") == "Accepted");
  CHECK(r.s.h.calls_of("SignCertificate").size() == 4);
  CHECK(r.s.last_csr() != first_csr);
  // The certificate arriving stops the resends.
  CHECK(r.s.certificate_signed(issue_for_csr(r.ca, r.s.last_csr(), 70).pem()) == "Accepted");
  r.s.h.advance(3600s);
  CHECK(r.s.h.calls_of("SignCertificate").size() == 4);
}

TEST_CASE("v201 A02.FR.12 A02.FR.20 a Rejected SignCertificateResponse is not retried",
          "[v201][certificates]") {
  Renewal r;
  r.s.h.policy["SignCertificate"] = [](const test::v201::SentCall&) -> std::optional<std::string> {
    return R"({"status":"Rejected"})";
  };
  REQUIRE(r.s.trigger("SignChargingStationCertificate") == "Accepted");
  r.s.h.advance(24h);
  CHECK(r.s.h.calls_of("SignCertificate").size() == 1);
}

TEST_CASE("v201 A03.FR.02 the station renews its certificate a month before it expires",
          "[v201][certificates]") {
  Renewal r;
  r.s.set("CertSigningRepeatTimes", "0");  // no resends (A02.FR.17 is tested above)
  auto csr = r.s.provider->generate_csr({"SN-0001", "TestVendor", "", ocpp::KeyType::ec_p256});
  REQUIRE(csr);
  // Expires in 40 days: no renewal today, one ten days later.
  REQUIRE_FALSE(r.s.provider->install_charging_station_certificate(
      issue_for_csr(r.ca, *csr, 80, {-1, 24 * 40}).pem()));
  r.s.h.advance(24h);
  CHECK(r.s.h.calls_of("SignCertificate").empty());
  r.s.h.advance(24h * 10);
  REQUIRE(r.s.h.calls_of("SignCertificate").size() == 1);
  // Signed: the new certificate replaces it.
  CHECK(r.s.certificate_signed(issue_for_csr(r.ca, r.s.last_csr(), 81).pem()) == "Accepted");
  r.s.h.advance(24h);
  CHECK(r.s.h.calls_of("SignCertificate").size() == 1);
}
