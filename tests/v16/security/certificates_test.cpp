// Security Whitepaper edition 3, CA certificate management: InstallCertificate (M05),
// DeleteCertificate (M04), GetInstalledCertificateIds (M03), AdditionalRootCertificateCheck
// (section 7.1) and the refusal of certificate changes below SecurityProfile 2, against a real
// OpenSSL provider and a test PKI.
#include <catch2/catch.hpp>

#include "v16/security/certificate_support.hpp"

using namespace cert_test;
using namespace test_pki;
using ocpp::CaCertificateUse;

namespace {

// Installs a CentralSystemRootCertificate and a ManufacturerRootCertificate (both Accepted).
void install_both(Station& s, const Cert& csms, const Cert& maker) {
  REQUIRE(s.install("CentralSystemRootCertificate", csms.pem()) == "Accepted");
  REQUIRE(s.install("ManufacturerRootCertificate", maker.pem()) == "Accepted");
}

// Makes a CentralSystemRootCertificate and installs it (Accepted).
Cert install_root(Station& s) {
  Cert root = make_root("CSMS Root", 1);
  REQUIRE(s.install("CentralSystemRootCertificate", root.pem()) == "Accepted");
  return root;
}

}  // namespace

TEST_CASE(
    "M05.FR.02: InstallCertificate installs a CentralSystemRootCertificate and a "
    "ManufacturerRootCertificate",
    "[security][certificates]") {
  Station s;
  Cert csms = make_root("CSMS Root", 1);
  Cert maker = make_root("Manufacturer Root", 2);
  install_both(s, csms, maker);
  auto roots = s.provider->installed_ca_certificates({CaCertificateUse::csms_root});
  REQUIRE(roots);
  REQUIRE(roots->size() == 1);
  CHECK(roots->front().pem == csms.pem());
  auto makers = s.provider->installed_ca_certificates({CaCertificateUse::manufacturer_root});
  REQUIRE(makers);
  REQUIRE(makers->size() == 1);
  CHECK(makers->front().pem == maker.pem());
  // Section 8: keys changed.
  CHECK(events_of(s.h.engine(), "ReconfigurationOfSecurityParameters") == 2);
}

TEST_CASE("M05.FR.02: installing an installed certificate again is Accepted and changes nothing",
          "[security][certificates]") {
  Station s;
  Cert csms = install_root(s);
  std::string rewrapped = csms.pem();
  rewrapped.insert(rewrapped.find('\n', 30) + 10, "\n");  // other line breaks, same certificate
  CHECK(s.install("CentralSystemRootCertificate", rewrapped) == "Accepted");
  CHECK(s.provider->installed_ca_certificates()->size() == 1);
}

TEST_CASE(
    "M05.FR.03: InstallCertificate is Rejected when CertificateStoreMaxLength certificates are "
    "installed",
    "[security][certificates]") {
  Station s;
  REQUIRE_FALSE(s.h.engine().set_configuration("CertificateStoreMaxLength", "2"));
  CHECK(s.install("CentralSystemRootCertificate", make_root("Root A", 1).pem()) == "Accepted");
  CHECK(s.install("ManufacturerRootCertificate", make_root("Root B", 2).pem()) == "Accepted");
  CHECK(s.install("CentralSystemRootCertificate", make_root("Root C", 3).pem()) == "Rejected");
  CHECK(s.provider->installed_ca_certificates()->size() == 2);
}

TEST_CASE("M05.FR.06: an invalid certificate is Rejected", "[security][certificates]") {
  Station s;
  Cert root = make_root("Root", 1);
  CHECK(s.install("CentralSystemRootCertificate", "not a certificate") == "Rejected");
  CHECK(s.install("CentralSystemRootCertificate", issue(root, "a leaf, no CA", 2).pem()) ==
        "Rejected");
  CHECK(s.install("CentralSystemRootCertificate", make_root("Expired", 3, {-48, -24}).pem()) ==
        "Rejected");
  CHECK(s.install("CentralSystemRootCertificate", make_root("Future", 4, {24, 48}).pem()) ==
        "Rejected");
  CHECK(s.install("CentralSystemRootCertificate", root.pem() + make_root("Two", 5).pem()) ==
        "Rejected");
  // A sub-CA whose issuer is not installed cannot be checked.
  CHECK(s.install("ManufacturerRootCertificate", issue(root, "Orphan Sub CA", 6, true).pem()) ==
        "Rejected");
  CHECK(s.provider->installed_ca_certificates()->empty());
}

TEST_CASE(
    "M05.FR.09, M05.FR.11: with AdditionalRootCertificateCheck a new root signed by the old one "
    "replaces it",
    "[security][certificates]") {
  Station s(2, {{"AdditionalRootCertificateCheck", "true"}});
  Cert old_root = make_root("CSMS Root 2025", 1);
  Cert new_root = issue(old_root, "CSMS Root 2026", 2, true);
  Cert newer_root = issue(new_root, "CSMS Root 2027", 3, true);
  REQUIRE(s.install("CentralSystemRootCertificate", old_root.pem()) == "Accepted");
  CHECK(s.install("CentralSystemRootCertificate", new_root.pem()) == "Accepted");
  // The old root stays as the fallback until a connection with the new one succeeded.
  CHECK(s.provider->installed_ca_certificates({CaCertificateUse::csms_root})->size() == 2);
  s.h.advance(std::chrono::seconds(10));
  CHECK(s.provider->installed_ca_certificates({CaCertificateUse::csms_root})->size() == 2);

  SECTION("M05.FR.12: the fallback goes after the next successful connection") {
    s.h.disconnect();
    s.h.connect();
    auto roots = s.provider->installed_ca_certificates({CaCertificateUse::csms_root});
    REQUIRE(roots);
    REQUIRE(roots->size() == 1);
    CHECK(roots->front().pem == new_root.pem());
  }
  SECTION("M05.FR.08: a further replacement drops the older fallback") {
    CHECK(s.install("CentralSystemRootCertificate", newer_root.pem()) == "Accepted");
    auto roots = s.provider->installed_ca_certificates({CaCertificateUse::csms_root});
    REQUIRE(roots);
    CHECK(roots->size() == 2);
    for (const auto& r : *roots) CHECK(r.pem != old_root.pem());
  }
  SECTION("the fallback is remembered across a restart") {
    s.h.restart();
    s.h.connect();
    CHECK(s.provider->installed_ca_certificates({CaCertificateUse::csms_root})->size() == 1);
  }
}

TEST_CASE(
    "M05.FR.10: with AdditionalRootCertificateCheck a root not signed by the old one is Rejected",
    "[security][certificates]") {
  Station s(2, {{"AdditionalRootCertificateCheck", "true"}});
  Cert old_root = install_root(s);
  CHECK(s.install("CentralSystemRootCertificate", make_root("Someone Else", 2).pem()) ==
        "Rejected");
  auto roots = s.provider->installed_ca_certificates({CaCertificateUse::csms_root});
  REQUIRE(roots->size() == 1);
  CHECK(roots->front().pem == old_root.pem());
  // Manufacturer roots are not concerned.
  CHECK(s.install("ManufacturerRootCertificate", make_root("Maker", 3).pem()) == "Accepted");
}

TEST_CASE(
    "Certificate changes are refused below SecurityProfile 2, but the first CSMS root (A05.FR.03)",
    "[security][certificates]") {
  for (int profile : {0, 1}) {
    INFO("SecurityProfile " << profile);
    Station s(profile, {{"CpoName", "Acme CPO"}});
    Cert csms = make_root("CSMS Root", 1);
    // The upgrade to profile 2 needs a CentralSystemRootCertificate: the first one is taken.
    CHECK(s.install("CentralSystemRootCertificate", csms.pem()) == "Accepted");
    CHECK(s.install("CentralSystemRootCertificate", make_root("Second", 2).pem()) == "Rejected");
    CHECK(s.install("ManufacturerRootCertificate", make_root("Maker", 3).pem()) == "Rejected");
    CHECK(s.remove(hash_json(ocsp_hash_data(csms.x.get(), csms.x.get()))) == "Failed");
    CHECK(s.trigger("SignChargePointCertificate") == "Rejected");
    CHECK(s.certificate_signed(issue(csms, "CP001", 4).pem()) == "Rejected");
    CHECK(s.provider->installed_ca_certificates()->size() == 1);
    CHECK(s.h.calls_of("SignCertificate").empty());
  }
}

TEST_CASE(
    "M04.FR.02: DeleteCertificate deletes the certificate named with the hash algorithm it names "
    "(M04.FR.07)",
    "[security][certificates]") {
  Station s;
  Cert csms = make_root("CSMS Root", 1);
  Cert maker = make_root("Manufacturer Root", 0x0FFF);
  install_both(s, csms, maker);
  SECTION("SHA256") {
    CHECK(s.remove(hash_json(ocsp_hash_data(maker.x.get(), maker.x.get()))) == "Accepted");
  }
  SECTION("SHA384, upper-case hex, leading zeroes in the serial") {
    auto h = ocsp_hash_data(maker.x.get(), maker.x.get(), EVP_sha384());
    for (char& c : h.issuer_key_hash)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(h.serial_number == "0FFF");
    CHECK(s.remove(hash_json(h, "SHA384")) == "Accepted");
  }
  SECTION("SHA512") {
    CHECK(s.remove(hash_json(ocsp_hash_data(maker.x.get(), maker.x.get(), EVP_sha512()),
                             "SHA512")) == "Accepted");
  }
  CHECK(s.provider->installed_ca_certificates({CaCertificateUse::manufacturer_root})->empty());
  CHECK(s.provider->installed_ca_certificates({CaCertificateUse::csms_root})->size() == 1);
  CHECK(events_of(s.h.engine(), "ReconfigurationOfSecurityParameters") == 3);
}

TEST_CASE("M04.FR.04: DeleteCertificate of an unknown certificate is NotFound",
          "[security][certificates]") {
  Station s;
  Cert csms = install_root(s);
  auto h = ocsp_hash_data(csms.x.get(), csms.x.get());
  h.serial_number = "2";
  CHECK(s.remove(hash_json(h)) == "NotFound");
  // The SHA256 values named as SHA384: not that certificate (M04.FR.07).
  CHECK(s.remove(hash_json(ocsp_hash_data(csms.x.get(), csms.x.get()), "SHA384")) == "NotFound");
}

TEST_CASE("M04.FR.05: the charge point certificate cannot be deleted", "[security][certificates]") {
  Station s(2, {{"CpoName", "Acme CPO"}});
  Cert csms = install_root(s);
  auto csr = s.provider->generate_csr({"CP001", "Acme CPO", "", ocpp::KeyType::ec_p256});
  REQUIRE(csr);
  Cert mine = issue_for_csr(csms, *csr, 7);
  REQUIRE_FALSE(s.provider->install_charging_station_certificate(mine.pem()));
  CHECK(s.remove(hash_json(ocsp_hash_data(mine.x.get(), csms.x.get()))) == "NotFound");
  CHECK(s.provider->charging_station_certificate());
}

TEST_CASE("M04.FR.06: the CentralSystemRootCertificate in use cannot be deleted",
          "[security][certificates]") {
  Station s;
  Cert csms = install_root(s);
  const std::string id = hash_json(ocsp_hash_data(csms.x.get(), csms.x.get()));
  // The only one over TLS: the connection was verified with it.
  CHECK(s.remove(id) == "Failed");
  CHECK(s.provider->installed_ca_certificates()->size() == 1);
  // With another one installed, the CSMS may remove either (the remark of M04).
  REQUIRE(s.install("CentralSystemRootCertificate", make_root("CSMS Root 2", 2).pem()) ==
          "Accepted");
  CHECK(s.remove(id) == "Accepted");
}

TEST_CASE(
    "M03.FR.03, M03.FR.04: GetInstalledCertificateIds answers the hash data of each certificate of "
    "the type",
    "[security][certificates]") {
  Station s;
  Cert a = make_root("CSMS Root A", 0x0ABC);
  Cert b = make_root("CSMS Root B", 0x10);
  Cert sub = issue(a, "CSMS Sub CA", 0x11, true);
  Cert maker = make_root("Manufacturer Root", 3);
  for (auto* c : {&a, &b, &sub})
    REQUIRE(s.install("CentralSystemRootCertificate", c->pem()) == "Accepted");
  REQUIRE(s.install("ManufacturerRootCertificate", maker.pem()) == "Accepted");
  auto reply = s.h.csms_call("g1", "GetInstalledCertificateIds",
                             R"({"certificateType":"CentralSystemRootCertificate"})");
  auto p = result_of(reply);
  CHECK(std::string(p["status"].GetString()) == "Accepted");
  REQUIRE(p["certificateHashData"].Size() == 3);
  std::vector<ocpp::CertificateHashData> want = {ocsp_hash_data(a.x.get(), a.x.get()),
                                                 ocsp_hash_data(b.x.get(), b.x.get()),
                                                 ocsp_hash_data(sub.x.get(), a.x.get())};
  for (const auto& w : want) {
    bool found = false;
    for (const auto& h : p["certificateHashData"].GetArray()) {
      CHECK(std::string(h["hashAlgorithm"].GetString()) == "SHA256");
      const std::string serial = h["serialNumber"].GetString();
      CHECK(serial.front() != '0');  // section 6.1: no leading zeroes
      found = found || (h["issuerNameHash"].GetString() == w.issuer_name_hash &&
                        h["issuerKeyHash"].GetString() == w.issuer_key_hash &&
                        ocpp::same_certificate({ocpp::HashAlgorithm::sha256, w.issuer_name_hash,
                                                w.issuer_key_hash, w.serial_number},
                                               {ocpp::HashAlgorithm::sha256, w.issuer_name_hash,
                                                w.issuer_key_hash, serial}));
    }
    CHECK(found);
  }
  auto makers = result_of(s.h.csms_call("g2", "GetInstalledCertificateIds",
                                        R"({"certificateType":"ManufacturerRootCertificate"})"));
  REQUIRE(makers["certificateHashData"].Size() == 1);
  CHECK(std::string(makers["certificateHashData"][0]["serialNumber"].GetString()) == "3");
}

TEST_CASE(
    "M03.FR.02: GetInstalledCertificateIds answers NotFound when none of the type is installed",
    "[security][certificates]") {
  Station s;
  REQUIRE(s.install("CentralSystemRootCertificate", make_root("CSMS Root", 1).pem()) == "Accepted");
  auto p = result_of(s.h.csms_call("g1", "GetInstalledCertificateIds",
                                   R"({"certificateType":"ManufacturerRootCertificate"})"));
  CHECK(std::string(p["status"].GetString()) == "NotFound");
  CHECK_FALSE(p.HasMember("certificateHashData"));
}

TEST_CASE("Without a SecurityProvider the certificate CALLs are answered, never NotSupported",
          "[security][certificates]") {
  Station s(2, {{"CpoName", "Acme CPO"}}, false);
  Cert root = make_root("CSMS Root", 1);
  CHECK(s.install("CentralSystemRootCertificate", root.pem()) == "Rejected");
  CHECK(s.remove(hash_json(ocsp_hash_data(root.x.get(), root.x.get()))) == "NotFound");
  CHECK(status_of(s.h.csms_call("g1", "GetInstalledCertificateIds",
                                R"({"certificateType":"CentralSystemRootCertificate"})")) ==
        "NotFound");
  CHECK(s.certificate_signed(issue(root, "CP001", 2).pem()) == "Rejected");
  CHECK(s.trigger("SignChargePointCertificate") == "Rejected");
}
