// OCPP 2.0.1 certificate management, block M: GetInstalledCertificateIds (M03),
// DeleteCertificate (M04), InstallCertificate (M05) with AdditionalRootCertificateCheck, on a
// real OpenSSL provider and a test PKI; hostile inputs; the station without a provider.
#include <catch2/catch.hpp>

#include "v201/certificate_support.hpp"

using namespace cert201;
using namespace test_pki;
using ocpp::CaCertificateUse;

namespace {

Cert install_root(Station& s, const std::string& cn = "CSMS Root", long serial = 1) {
  Cert root = make_root(cn, serial);
  REQUIRE(s.install("CSMSRootCertificate", root.pem()) == "Accepted");
  return root;
}

}  // namespace

TEST_CASE("v201 M05.FR.02 InstallCertificate installs each CA type, with a security event",
          "[v201][certificates]") {
  Station s;
  const char* types[] = {"CSMSRootCertificate", "ManufacturerRootCertificate", "V2GRootCertificate",
                         "MORootCertificate"};
  const CaCertificateUse uses[] = {CaCertificateUse::csms_root, CaCertificateUse::manufacturer_root,
                                   CaCertificateUse::v2g_root, CaCertificateUse::mo_root};
  for (int i = 0; i < 4; ++i) {
    Cert root = make_root(std::string("Root ") + types[i], 10 + i);
    CHECK(s.install(types[i], root.pem()) == "Accepted");
    auto installed = s.provider->installed_ca_certificates({uses[i]});
    REQUIRE(installed);
    REQUIRE(installed->size() == 1);
    CHECK(installed->front().pem == root.pem());
  }
  CHECK(s.events_of("ReconfigurationOfSecurityParameters") == 4);
  // SecurityCtrlr.CertificateEntries counts them.
  auto entries = s.h.engine().get_variable(
      [] {
        ocpp::v201::ComponentType c;
        c.name = "SecurityCtrlr";
        return c;
      }(),
      [] {
        ocpp::v201::VariableType v;
        v.name = "CertificateEntries";
        return v;
      }());
  REQUIRE(entries);
  CHECK(entries.value() == "4");
}

TEST_CASE("v201 M05.FR.17 installing a present certificate again is Accepted, nothing added",
          "[v201][certificates]") {
  Station s;
  Cert root = install_root(s);
  std::string rewrapped = root.pem();
  rewrapped.insert(rewrapped.find('\n', 30) + 10, "\n");  // other line breaks, same certificate
  CHECK(s.install("CSMSRootCertificate", rewrapped) == "Accepted");
  CHECK(s.provider->installed_ca_certificates()->size() == 1);
}

TEST_CASE("v201 M05.FR.07 an invalid certificate is Rejected", "[v201][certificates]") {
  Station s;
  install_root(s);
  SECTION("garbage PEM") {
    CHECK(s.install("ManufacturerRootCertificate",
                    "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n") ==
          "Rejected");
  }
  SECTION("not PEM at all") {
    CHECK(s.install("ManufacturerRootCertificate", "hello") == "Rejected");
  }
  SECTION("not a CA") {
    Cert root = make_root("Maker", 5);
    CHECK(s.install("ManufacturerRootCertificate", issue(root, "leaf", 6).pem()) == "Rejected");
  }
  SECTION("expired") {
    CHECK(s.install("ManufacturerRootCertificate", make_root("Old", 7, {-48, -24}).pem()) ==
          "Rejected");
  }
  SECTION("two certificates") {
    CHECK(s.install("ManufacturerRootCertificate",
                    make_root("A", 8).pem() + make_root("B", 9).pem()) == "Rejected");
  }
  CHECK(s.provider->installed_ca_certificates()->size() == 1);
}

TEST_CASE("v201 M05.FR.01 an over-long certificate is a schema violation (CALLERROR)",
          "[v201][certificates]") {
  Station s;
  const std::string huge(6000, 'A');  // certificate is string[5500]
  auto reply =
      s.h.csms_call("big", "InstallCertificate",
                    R"({"certificateType":"CSMSRootCertificate","certificate":")" + huge + "\"}");
  // A value the schema's maxLength refuses (part 4 section 4.3).
  CHECK(test::v201::error_code(reply) == "PropertyConstraintViolation");
}

TEST_CASE("v201 M05.FR.06 beyond CertificateEntries maxLimit the installation is Rejected",
          "[v201][certificates]") {
  Station s;
  install_root(s);
  int accepted = 1;
  for (int i = 0; i < 25; ++i)
    if (s.install("ManufacturerRootCertificate",
                  make_root("M" + std::to_string(i), 100 + i).pem()) == "Accepted")
      ++accepted;
  CHECK(accepted == 20);
  CHECK(s.provider->installed_ca_certificates()->size() == 20);
}

TEST_CASE("v201 M05 below security profile 2 only the first CSMS root is installed",
          "[v201][certificates]") {
  Station s(1);
  install_root(s);  // the first: needed before TLS can begin
  CHECK(s.install("CSMSRootCertificate", make_root("Other", 2).pem()) == "Rejected");
  CHECK(s.install("ManufacturerRootCertificate", make_root("Maker", 3).pem()) == "Rejected");
  CHECK(s.provider->installed_ca_certificates()->size() == 1);
}

TEST_CASE(
    "v201 M05.FR.10 M05.FR.11 M05.FR.12 M05.FR.13 AdditionalRootCertificateCheck replaces the "
    "CSMS root with one it signed and keeps the old one until the next connection",
    "[v201][certificates]") {
  Station s;
  s.set("AdditionalRootCertificateCheck", "true");
  Cert old_root = install_root(s, "Old Root", 1);
  // Not signed by the current root: Rejected (M05.FR.11).
  CHECK(s.install("CSMSRootCertificate", make_root("Stranger", 2).pem()) == "Rejected");
  // Signed by it (a CA certificate with the old root as issuer).
  Cert new_root = issue(old_root, "New Root", 3, true);
  CHECK(s.install("CSMSRootCertificate", new_root.pem()) == "Accepted");
  CHECK(s.provider->installed_ca_certificates({CaCertificateUse::csms_root})->size() == 2);
  // The fallback survives a restart, and goes after a later connection (M05.FR.13).
  s.h.restart();
  s.set("SecurityProfile", "2");
  CHECK(s.provider->installed_ca_certificates({CaCertificateUse::csms_root})->size() == 2);
  s.h.connect();
  s.h.advance(std::chrono::seconds(1));
  auto roots = s.provider->installed_ca_certificates({CaCertificateUse::csms_root});
  REQUIRE(roots->size() == 1);
  CHECK(roots->front().pem == new_root.pem());
}

TEST_CASE(
    "v201 M05.FR.13 M05.FR.14 M05.FR.16 TC_M_31 TC_B_47 a connection the fallback CSMS root "
    "verified keeps it; the next one the new root verified removes it",
    "[v201][certificates]") {
  Station s;
  s.set("AdditionalRootCertificateCheck", "true");
  Cert old_root = install_root(s, "Old Root", 1);
  CHECK_FALSE(s.h.engine().csms_root_fallback());
  Cert new_root = issue(old_root, "New Root", 3, true);
  REQUIRE(s.install("CSMSRootCertificate", new_root.pem()) == "Accepted");
  // The host learns which root to leave out of a migration's handshake (M05.FR.15).
  auto fallback = s.h.engine().csms_root_fallback();
  REQUIRE(fallback);
  CHECK(ocpp::same_certificate(*fallback, ocsp_hash_data(old_root.x.get(), old_root.x.get())));
  auto roots = [&] {
    return s.provider->installed_ca_certificates({CaCertificateUse::csms_root})->size();
  };
  // Reconnected, verified through the old root only (M05.FR.14, M05.FR.16): it stays.
  auto via_fallback = [&] { s.h.engine().csms_root_fallback_used(); };
  s.h.disconnect();
  s.h.connect(via_fallback);
  s.h.advance(std::chrono::seconds(5));
  CHECK(roots() == 2);
  CHECK(s.h.engine().csms_root_fallback());
  // Also past a restart.
  s.h.restart();
  s.set("SecurityProfile", "2");
  s.h.connect(via_fallback);
  s.h.advance(std::chrono::seconds(5));
  CHECK(roots() == 2);
  // The next connection the new root verified: the old one goes (M05.FR.13).
  s.h.disconnect();
  s.h.connect();
  s.h.advance(std::chrono::seconds(1));
  REQUIRE(roots() == 1);
  CHECK(s.provider->installed_ca_certificates({CaCertificateUse::csms_root})->front().pem ==
        new_root.pem());
  CHECK_FALSE(s.h.engine().csms_root_fallback());
  s.h.engine().csms_root_fallback_used();  // nothing to keep: no effect
  CHECK_FALSE(s.h.engine().csms_root_fallback());
}

TEST_CASE("v201 M03.FR.02 M03.FR.03 M03.FR.04 GetInstalledCertificateIds by type",
          "[v201][certificates]") {
  Station s;
  auto get = [&](const std::string& filter) {
    return payload_of(
        s.h.csms_call("g" + std::to_string(++s.ids), "GetInstalledCertificateIds",
                      filter.empty() ? "{}" : R"({"certificateType":[)" + filter + "]}"));
  };
  CHECK(std::string(get("")["status"].GetString()) == "NotFound");
  Cert csms = install_root(s);
  Cert maker = make_root("Maker", 2);
  REQUIRE(s.install("ManufacturerRootCertificate", maker.pem()) == "Accepted");
  auto all = get("");
  CHECK(std::string(all["status"].GetString()) == "Accepted");
  CHECK(all["certificateHashDataChain"].Size() == 2);
  auto only = get(R"("ManufacturerRootCertificate")");
  REQUIRE(only["certificateHashDataChain"].Size() == 1);
  const auto& item = only["certificateHashDataChain"][0];
  CHECK(std::string(item["certificateType"].GetString()) == "ManufacturerRootCertificate");
  const auto expected = ocsp_hash_data(maker.x.get(), maker.x.get());
  ocpp::CertificateHashData reported;
  reported.issuer_name_hash = item["certificateHashData"]["issuerNameHash"].GetString();
  reported.issuer_key_hash = item["certificateHashData"]["issuerKeyHash"].GetString();
  reported.serial_number = item["certificateHashData"]["serialNumber"].GetString();
  CHECK(ocpp::same_certificate(reported, expected));
  CHECK(reported.serial_number == "2");  // upper-case hex without leading zeroes
  // M03.FR.05: no V2G charging station certificate here.
  CHECK(std::string(get(R"("V2GCertificateChain")")["status"].GetString()) == "NotFound");
  CHECK(std::string(get(R"("MORootCertificate")")["status"].GetString()) == "NotFound");
}

TEST_CASE("v201 M04.FR.02 M04.FR.04 DeleteCertificate deletes by hash data, any algorithm",
          "[v201][certificates]") {
  Station s;
  Cert csms = install_root(s);
  Cert maker = make_root("Maker", 2);
  REQUIRE(s.install("ManufacturerRootCertificate", maker.pem()) == "Accepted");
  Cert unknown = make_root("Unknown", 3);
  CHECK(s.remove(hash_json(ocsp_hash_data(unknown.x.get(), unknown.x.get()))) == "NotFound");
  CHECK(s.remove(hash_json(ocsp_hash_data(maker.x.get(), maker.x.get(), EVP_sha384()), "SHA384")) ==
        "Accepted");
  CHECK(s.provider->installed_ca_certificates()->size() == 1);
  CHECK(s.remove(hash_json(ocsp_hash_data(maker.x.get(), maker.x.get()))) == "NotFound");
}

TEST_CASE("v201 M04.FR.03 the only CSMS root is not deleted (Failed)", "[v201][certificates]") {
  Station s;
  Cert csms = install_root(s);
  CHECK(s.remove(hash_json(ocsp_hash_data(csms.x.get(), csms.x.get()))) == "Failed");
  // With a second one, either may go.
  install_root(s, "Second", 2);
  CHECK(s.remove(hash_json(ocsp_hash_data(csms.x.get(), csms.x.get()))) == "Accepted");
}

TEST_CASE("v201 M04.FR.06 the charging station certificate is not deleted (Failed)",
          "[v201][certificates]") {
  Station s;
  Cert csms = install_root(s);
  auto csr = s.provider->generate_csr({"SN-0001", "TestVendor", "", ocpp::KeyType::ec_p256});
  REQUIRE(csr);
  Cert mine = issue_for_csr(csms, *csr, 7);
  REQUIRE_FALSE(s.provider->install_charging_station_certificate(mine.pem()));
  CHECK(s.remove(hash_json(ocsp_hash_data(mine.x.get(), csms.x.get()))) == "Failed");
  CHECK(s.provider->charging_station_certificate());
}

TEST_CASE("v201 M04 below security profile 2 a deletion is Failed", "[v201][certificates]") {
  Station s(1);
  Cert csms = install_root(s);
  REQUIRE_FALSE(
      s.provider
          ->install_ca_certificate(CaCertificateUse::manufacturer_root, make_root("Maker", 2).pem())
          .error());
  auto maker = s.provider->installed_ca_certificates({CaCertificateUse::manufacturer_root});
  REQUIRE(maker->size() == 1);
  CHECK(s.remove(hash_json(maker->front().hash)) == "Failed");
}

TEST_CASE("v201 M03 M04 M05 without a SecurityProvider: NotFound, NotFound, Rejected",
          "[v201][certificates]") {
  Station s(2, false);
  CHECK(test::v201::result_status(s.h.csms_call("g", "GetInstalledCertificateIds", "{}")) ==
        "NotFound");
  Cert root = make_root("Root", 1);
  CHECK(s.remove(hash_json(ocsp_hash_data(root.x.get(), root.x.get()))) == "NotFound");
  CHECK(s.install("CSMSRootCertificate", root.pem()) == "Rejected");
  CHECK(s.certificate_signed(root.pem()) == "Rejected");
  CHECK(s.trigger("SignChargingStationCertificate") == "Rejected");
}
