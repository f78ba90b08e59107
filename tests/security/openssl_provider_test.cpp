// The OpenSSL SecurityProvider against a test PKI made here: key pairs and CSRs, CA
// certificates by use with their hash data, deletion by hash data, the charge point's
// certificate chain with its checks, signature verification, and what the transport gets.
#include <openssl/ocsp.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "ocpp/security.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

using namespace test_pki;
using test_support::TempDir;
using ocpp::CaCertificateUse;
using ocpp::SecurityErrc;

namespace {

std::unique_ptr<ocpp::SecurityProvider> open_provider(const std::string& dir) {
  auto p = ocpp::make_openssl_security_provider(dir);
  REQUIRE(p);
  return std::move(p.value());
}

}  // namespace

TEST_CASE("security: the provider's directory is private and an empty path is refused", "[security]") {
  TempDir tmp;
  const std::string dir = tmp.path + "/store";
  auto p = open_provider(dir);
  CHECK(mode_of(dir) == 0700);
  CHECK(mode_of(dir + "/ca/csms_root") == 0700);
  std::filesystem::permissions(dir, std::filesystem::perms::all);  // loosened by someone
  auto again = open_provider(dir);
  CHECK(mode_of(dir) == 0700);
  CHECK(ocpp::make_openssl_security_provider("").error() == ocpp::Errc::invalid_argument);
}

TEST_CASE("security: same_certificate ignores case and leading zeroes of the serial", "[security]") {
  ocpp::CertificateHashData a{ocpp::HashAlgorithm::sha256, "ab01", "cd02", "0FFF"};
  ocpp::CertificateHashData b{ocpp::HashAlgorithm::sha256, "AB01", "CD02", "fff"};
  CHECK(ocpp::same_certificate(a, b));
  b.serial_number = "FFE";
  CHECK_FALSE(ocpp::same_certificate(a, b));
  b = a;
  b.hash_algorithm = ocpp::HashAlgorithm::sha384;
  CHECK_FALSE(ocpp::same_certificate(a, b));
  b = a;
  b.issuer_key_hash = "cd03";
  CHECK_FALSE(ocpp::same_certificate(a, b));
}

TEST_CASE("security: generate_csr makes a key pair and a CSR with CN and O, keeping the key", "[security]") {
  TempDir tmp;
  auto p = open_provider(tmp.path);
  for (auto type : {ocpp::KeyType::ec_p256, ocpp::KeyType::ec_p384, ocpp::KeyType::rsa_2048}) {
    auto csr = p->generate_csr({"CP 001", "Acme CPO", "NL", type});
    REQUIRE(csr);
    CHECK(csr->find("BEGIN CERTIFICATE REQUEST") != std::string::npos);
    CHECK(csr->find("PRIVATE KEY") == std::string::npos);
    auto req = parse_csr(*csr);
    REQUIRE(req);
    EVP_PKEY* pub = X509_REQ_get0_pubkey(req.get());
    REQUIRE(pub);
    CHECK(X509_REQ_verify(req.get(), pub) == 1);  // signed with the new key
    char cn[64] = {}, o[64] = {}, c[8] = {};
    X509_NAME* name = X509_REQ_get_subject_name(req.get());
    X509_NAME_get_text_by_NID(name, NID_commonName, cn, sizeof cn);
    X509_NAME_get_text_by_NID(name, NID_organizationName, o, sizeof o);
    X509_NAME_get_text_by_NID(name, NID_countryName, c, sizeof c);
    CHECK(std::string(cn) == "CP 001");
    CHECK(std::string(o) == "Acme CPO");
    CHECK(std::string(c) == "NL");
    CHECK(EVP_PKEY_get_bits(pub) >= (type == ocpp::KeyType::rsa_2048 ? 2048 : 256));
  }
  CHECK(mode_of(tmp.path + "/pending_key.pem") == 0600);
  CHECK(p->generate_csr({"", "Acme", "", {}}).error() == SecurityErrc::invalid_request);
  CHECK(p->generate_csr({"CP001", "", "", {}}).error() == SecurityErrc::invalid_request);
  CHECK(p->generate_csr({"CP001", "Acme", "NLD", {}}).error() == SecurityErrc::invalid_request);
  CHECK(p->generate_csr({std::string(65, 'x'), "Acme", "", {}}).error() == SecurityErrc::invalid_request);
  CHECK(p->charging_station_certificate().error() == SecurityErrc::not_found);
}

TEST_CASE("security: CA certificates are installed by use, listed with their hash data, deleted by it",
          "[security]") {
  TempDir tmp;
  auto p = open_provider(tmp.path);
  Cert csms = make_root("CSMS Root", 0x0FFF);
  Cert maker = make_root("Manufacturer Root", 7);
  Cert sub = issue(csms, "CSMS Sub CA", 8, true);

  auto h1 = p->install_ca_certificate(CaCertificateUse::csms_root, csms.pem());
  REQUIRE(h1);
  CHECK(h1->hash_algorithm == ocpp::HashAlgorithm::sha256);
  CHECK(h1->serial_number == "FFF");  // upper-case hex, no leading zeroes (whitepaper §6.1)
  const auto want = ocsp_hash_data(csms.x.get(), csms.x.get());
  CHECK(h1->issuer_name_hash == want.issuer_name_hash);
  CHECK(h1->issuer_key_hash == want.issuer_key_hash);
  CHECK(h1->issuer_name_hash.size() == 64);

  REQUIRE(p->install_ca_certificate(CaCertificateUse::manufacturer_root, maker.pem()));
  // A sub-CA whose issuer is installed: its issuerKeyHash is that of the root's key.
  auto h3 = p->install_ca_certificate(CaCertificateUse::v2g_root, sub.pem());
  REQUIRE(h3);
  const auto want_sub = ocsp_hash_data(sub.x.get(), csms.x.get());
  CHECK(h3->issuer_key_hash == want_sub.issuer_key_hash);
  CHECK(h3->issuer_name_hash == want_sub.issuer_name_hash);
  CHECK(h3->serial_number == "8");

  // Installing the same one again changes nothing.
  auto again = p->install_ca_certificate(CaCertificateUse::csms_root, csms.pem());
  REQUIRE(again);
  CHECK(ocpp::same_certificate(*again, *h1));

  auto all = p->installed_ca_certificates();
  REQUIRE(all);
  CHECK(all->size() == 3);
  auto roots = p->installed_ca_certificates({CaCertificateUse::csms_root});
  REQUIRE(roots);
  REQUIRE(roots->size() == 1);
  CHECK(ocpp::same_certificate(roots->front().hash, *h1));
  CHECK(roots->front().subject.find("CSMS Root") != std::string::npos);
  CHECK(roots->front().pem == csms.pem());
  auto makers = p->installed_ca_certificates({CaCertificateUse::manufacturer_root, CaCertificateUse::mo_root});
  REQUIRE(makers);
  REQUIRE(makers->size() == 1);
  CHECK(makers->front().use == CaCertificateUse::manufacturer_root);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(tmp.path))
    if (entry.is_regular_file()) CHECK(mode_of(entry.path().string()) == 0600);

  // The transport's CA bundle holds the csms_root certificates only.
  auto creds = p->tls_credentials();
  REQUIRE(creds);
  REQUIRE_FALSE(creds->ca_file.empty());
  CHECK(creds->client_cert_file.empty());
  std::ifstream bundle(creds->ca_file);
  std::string text((std::istreambuf_iterator<char>(bundle)), std::istreambuf_iterator<char>());
  CHECK(text == csms.pem());

  // Deletion by hash data, with the algorithm the CSMS names (here in upper case, SHA-384).
  ocpp::CertificateHashData wrong = *h1;
  wrong.serial_number = "FFE";
  CHECK(p->delete_ca_certificate(wrong) == SecurityErrc::not_found);
  ocpp::CertificateHashData by384 = ocsp_hash_data(maker.x.get(), maker.x.get());
  by384.hash_algorithm = ocpp::HashAlgorithm::sha384;
  CHECK(p->delete_ca_certificate(by384) == SecurityErrc::not_found);  // SHA-256 values, SHA-384 named
  {
    OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha384(), maker.x.get(), maker.x.get());
    ASN1_OCTET_STRING* nh = nullptr;
    ASN1_OCTET_STRING* kh = nullptr;
    OCSP_id_get0_info(&nh, nullptr, &kh, nullptr, id);
    by384.issuer_name_hash = to_hex(nh);
    by384.issuer_key_hash = to_hex(kh);
    for (char& ch : by384.issuer_key_hash) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    by384.serial_number = "07";
    OCSP_CERTID_free(id);
  }
  CHECK_FALSE(p->delete_ca_certificate(by384));
  CHECK(p->installed_ca_certificates({CaCertificateUse::manufacturer_root})->empty());
  CHECK_FALSE(p->delete_ca_certificate(*h1));
  CHECK(p->installed_ca_certificates({CaCertificateUse::csms_root})->empty());
  CHECK(p->delete_ca_certificate(*h1) == SecurityErrc::not_found);
  auto after = p->tls_credentials();
  REQUIRE(after);
  CHECK(after->ca_file.empty());  // no CSMS root left
}

TEST_CASE("security: a CA certificate must be a valid CA with a known issuer", "[security]") {
  TempDir tmp;
  auto p = open_provider(tmp.path);
  Cert root = make_root("Root", 1);
  Cert leaf = issue(root, "not a CA", 2);
  Cert orphan = issue(root, "Sub CA of an unknown root", 3, true);
  CHECK(p->install_ca_certificate(CaCertificateUse::csms_root, "junk").error() == SecurityErrc::invalid_certificate);
  CHECK(p->install_ca_certificate(CaCertificateUse::csms_root, root.pem() + root.pem()).error() ==
        SecurityErrc::invalid_certificate);
  CHECK(p->install_ca_certificate(CaCertificateUse::csms_root, leaf.pem()).error() == SecurityErrc::invalid_certificate);
  CHECK(p->install_ca_certificate(CaCertificateUse::csms_root, orphan.pem()).error() == SecurityErrc::untrusted);
  CHECK(p->install_ca_certificate(CaCertificateUse::csms_root, make_root("Old", 4, {-48, -24}).pem()).error() ==
        SecurityErrc::expired);
  CHECK(p->install_ca_certificate(CaCertificateUse::csms_root, make_root("Future", 5, {24, 48}).pem()).error() ==
        SecurityErrc::not_yet_valid);
  CHECK(p->installed_ca_certificates()->empty());
}

TEST_CASE("security: the charge point certificate is checked, then handed to the transport", "[security]") {
  TempDir tmp;
  auto p = open_provider(tmp.path);
  Cert root = make_root("CSMS Root", 1);
  REQUIRE(p->install_ca_certificate(CaCertificateUse::csms_root, root.pem()));
  auto csr = p->generate_csr({"CP001", "Acme CPO", "", ocpp::KeyType::ec_p256});
  REQUIRE(csr);

  SECTION("issued by the installed root: accepted; key and chain in one private file") {
    Cert cert = issue_for_csr(root, *csr, 10);
    REQUIRE_FALSE(p->install_charging_station_certificate(cert.pem()));
    auto installed = p->charging_station_certificate();
    REQUIRE(installed);
    CHECK(installed->chain_pem == cert.pem());
    CHECK(installed->subject.find("CN = CP001") != std::string::npos);
    CHECK(installed->not_after > std::chrono::system_clock::now());
    auto creds = p->tls_credentials();
    REQUIRE(creds);
    CHECK_FALSE(creds->client_cert_file.empty());
    CHECK(mode_of(creds->client_cert_file) == 0600);
    CHECK_FALSE(std::filesystem::exists(tmp.path + "/pending_key.pem"));
    // The file holds the key that matches the certificate.
    std::ifstream in(creds->client_key_file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    REQUIRE(key);
    CHECK(X509_check_private_key(cert.x.get(), key) == 1);
    EVP_PKEY_free(key);
    // Renewed for the same key (no new CSR): accepted too.
    Cert renewed = issue_for_csr(root, *csr, 11);
    CHECK_FALSE(p->install_charging_station_certificate(renewed.pem()));
  }
  SECTION("through an intermediate in the chain") {
    Cert sub = issue(root, "CPO Sub CA", 20, true);
    Cert cert = issue_for_csr(sub, *csr, 21);
    CHECK(p->install_charging_station_certificate(cert.pem()) == SecurityErrc::untrusted);
    CHECK_FALSE(p->install_charging_station_certificate(cert.pem() + sub.pem()));
    CHECK(p->charging_station_certificate()->chain_pem == cert.pem() + sub.pem());
  }
  SECTION("issued by another CA: refused, unless that CA is given") {
    Cert other = make_root("Other Root", 30);
    Cert cert = issue_for_csr(other, *csr, 31);
    CHECK(p->install_charging_station_certificate(cert.pem()) == SecurityErrc::untrusted);
    CHECK(p->charging_station_certificate().error() == SecurityErrc::not_found);
    CHECK_FALSE(p->install_charging_station_certificate(cert.pem(), other.pem()));
  }
  SECTION("for another key: refused") {
    Cert cert = issue(root, "CP001", 40);
    CHECK(p->install_charging_station_certificate(cert.pem()) == SecurityErrc::key_mismatch);
    CHECK(p->tls_credentials()->client_cert_file.empty());
  }
  SECTION("expired: refused") {
    CHECK(p->install_charging_station_certificate(issue_for_csr(root, *csr, 50, {-48, -1}).pem()) ==
          SecurityErrc::expired);
    CHECK(p->charging_station_certificate().error() == SecurityErrc::not_found);
  }
  SECTION("not yet valid: installed, the previous one handed out until its validity begins (A02.FR.08)") {
    Cert current = issue_for_csr(root, *csr, 52);
    REQUIRE_FALSE(p->install_charging_station_certificate(current.pem()));
    const std::string in_use = p->tls_credentials()->client_cert_file;
    auto next_csr = p->generate_csr({"CP001", "Acme CPO", "", ocpp::KeyType::ec_p256});
    REQUIRE(next_csr);
    Cert future = issue_for_csr(root, *next_csr, 51, {1, 48});
    REQUIRE_FALSE(p->install_charging_station_certificate(future.pem()));
    CHECK(p->charging_station_certificate()->chain_pem == future.pem());  // the newest installed
    auto creds = p->tls_credentials();
    REQUIRE(creds);
    CHECK(creds->client_cert_file != in_use);  // the previous chain, kept in its own file
    CHECK(creds->client_key_file == creds->client_cert_file);
    CHECK(mode_of(creds->client_cert_file) == 0600);
    std::ifstream in(creds->client_cert_file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text.find(current.pem()) != std::string::npos);
    // A valid newer one is handed out at once.
    auto third_csr = p->generate_csr({"CP001", "Acme CPO", "", ocpp::KeyType::ec_p256});
    REQUIRE(third_csr);
    REQUIRE_FALSE(p->install_charging_station_certificate(issue_for_csr(root, *third_csr, 53).pem()));
    CHECK(p->tls_credentials()->client_cert_file == in_use);
  }
  SECTION("not a certificate: refused") {
    CHECK(p->install_charging_station_certificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n") ==
          SecurityErrc::invalid_certificate);
    CHECK(p->install_charging_station_certificate("") == SecurityErrc::invalid_certificate);
  }
}

TEST_CASE("security: a new provider on the same directory finds what was installed", "[security]") {
  TempDir tmp;
  Cert root = make_root("CSMS Root", 1);
  {
    auto p = open_provider(tmp.path);
    REQUIRE(p->install_ca_certificate(CaCertificateUse::csms_root, root.pem()));
    auto csr = p->generate_csr({"CP001", "Acme", "", {}});
    REQUIRE(csr);
    REQUIRE_FALSE(p->install_charging_station_certificate(issue_for_csr(root, *csr, 2).pem()));
  }
  auto p = open_provider(tmp.path);
  CHECK(p->installed_ca_certificates({CaCertificateUse::csms_root})->size() == 1);
  REQUIRE(p->charging_station_certificate());
  auto creds = p->tls_credentials();
  REQUIRE(creds);
  CHECK_FALSE(creds->ca_file.empty());
  CHECK_FALSE(creds->client_cert_file.empty());
}

TEST_CASE("security: signatures verify against a signing certificate from an installed root", "[security]") {
  TempDir tmp;
  auto p = open_provider(tmp.path);
  Cert maker = make_root("Manufacturer Root", 1);
  REQUIRE(p->install_ca_certificate(CaCertificateUse::manufacturer_root, maker.pem()));
  const std::string firmware = "firmware image \x01\x02\x03 " + std::string(200000, 'f');
  const std::string path = tmp.path + "/firmware.bin";
  write_file(path, firmware);

  for (bool rsa : {false, true}) {
    INFO((rsa ? "RSA" : "ECDSA"));
    Cert signer = issue(maker, "Firmware Signing", rsa ? 2 : 3, false, {}, nullptr, rsa ? rsa_key() : ec_key());
    const std::string sig = sign_base64(signer.key.get(), firmware);
    CHECK_FALSE(p->verify_signature(firmware, sig, signer.pem()));
    CHECK_FALSE(p->verify_file_signature(path, sig, signer.pem()));
    std::string with_breaks = sig;
    with_breaks.insert(40, "\n");
    CHECK_FALSE(p->verify_signature(firmware, with_breaks, signer.pem()));

    std::string tampered = firmware;
    tampered[100] ^= 1;
    CHECK(p->verify_signature(tampered, sig, signer.pem()) == SecurityErrc::invalid_signature);
    CHECK(p->verify_signature(firmware, "not base64!", signer.pem()) == SecurityErrc::invalid_signature);
    CHECK(p->verify_signature(firmware, sign_base64(signer.key.get(), "other"), signer.pem()) ==
          SecurityErrc::invalid_signature);
    // Trusted for firmware only through the manufacturer root, not as a CSMS root.
    CHECK(p->verify_signature(firmware, sig, signer.pem(), CaCertificateUse::csms_root) == SecurityErrc::untrusted);
  }
  Cert stranger_root = make_root("Someone Else", 9);
  Cert stranger = issue(stranger_root, "Firmware Signing", 10);
  CHECK(p->verify_signature(firmware, sign_base64(stranger.key.get(), firmware), stranger.pem()) ==
        SecurityErrc::untrusted);
  Cert old = issue(maker, "Old Signing", 11, false, {-48, -1});
  CHECK(p->verify_signature(firmware, sign_base64(old.key.get(), firmware), old.pem()) == SecurityErrc::expired);
  CHECK(p->verify_signature(firmware, "AAAA", "junk") == SecurityErrc::invalid_certificate);
  Cert signer = issue(maker, "Firmware Signing", 12);
  CHECK(p->verify_file_signature(tmp.path + "/missing.bin", sign_base64(signer.key.get(), firmware), signer.pem()) ==
        SecurityErrc::storage_failure);
}

TEST_CASE("security: deleting by hash data removes the certificate from every use", "[security]") {
  TempDir tmp;
  auto p = open_provider(tmp.path);
  Cert root = make_root("Shared Root", 5);
  auto h = p->install_ca_certificate(CaCertificateUse::csms_root, root.pem());
  REQUIRE(h);
  REQUIRE(p->install_ca_certificate(CaCertificateUse::manufacturer_root, root.pem()));
  REQUIRE(p->install_ca_certificate(CaCertificateUse::manufacturer_root, make_root("Other", 6).pem()));
  CHECK(p->installed_ca_certificates()->size() == 3);
  CHECK_FALSE(p->delete_ca_certificate(*h));
  auto left = p->installed_ca_certificates();
  REQUIRE(left);
  REQUIRE(left->size() == 1);
  CHECK(left->front().subject.find("Other") != std::string::npos);
}
