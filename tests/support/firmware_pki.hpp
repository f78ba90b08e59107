// A firmware-signing PKI made with OpenSSL in the test (on test_pki): a manufacturer root
// installed in an OpenSSL SecurityProvider, a firmware-signing certificate it issued, a firmware
// file signed with its key (SHA256, base64), a tampered copy, a signing certificate from another
// root and an expired one; and the SignedUpdateFirmware.req payload that carries them.
#pragma once

#include <memory>
#include <string>

#include "ocpp/security.hpp"
#include "ocpp/time.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace test_pki {

struct FirmwarePki {
  test_support::TempDir dir;
  std::shared_ptr<ocpp::SecurityProvider> provider;
  Cert root;      // the ManufacturerRootCertificate, installed in the provider
  Cert signer;    // the firmware signing certificate, issued by root
  Cert stranger;  // a signing certificate from another root (not installed)
  Cert expired;   // issued by root, validity ended an hour ago
  std::string firmware = std::string("FIRMWARE-IMAGE-v2.0\n") + std::string(100000, 'x');
  std::string firmware_path;  // the firmware, signed by signer
  std::string tampered_path;  // the firmware with one byte changed
  std::string signature;      // base64 of signer's SHA256 signature of the firmware

  /// install_root: whether the manufacturer root is installed (a provider without it cannot
  /// verify any firmware).
  explicit FirmwarePki(bool install_root = true) {
    auto p = ocpp::make_openssl_security_provider(dir.path + "/provider");
    REQUIRE(p);
    provider = std::shared_ptr<ocpp::SecurityProvider>(std::move(p.value()));
    root = make_root("Manufacturer Root", 1);
    signer = issue(root, "Firmware Signing", 2, false, {}, nullptr, rsa_key());
    Cert other_root = make_root("Other Root", 3);
    stranger = issue(other_root, "Firmware Signing", 4);
    expired = issue(root, "Old Firmware Signing", 5, false, Validity{-48, -1});
    if (install_root)
      REQUIRE(
          provider->install_ca_certificate(ocpp::CaCertificateUse::manufacturer_root, root.pem()));
    firmware_path = dir.path + "/firmware.bin";
    tampered_path = dir.path + "/tampered.bin";
    write_file(firmware_path, firmware);
    std::string tampered = firmware;
    tampered[10] = 'X';
    write_file(tampered_path, tampered);
    signature = sign_base64(signer.key.get(), firmware);
  }

  /// A SignedUpdateFirmware.req payload for firmware signed by `cert` with `sig`.
  static std::string request(int request_id, const std::string& cert_pem, const std::string& sig,
                             ocpp::DateTime retrieve,
                             std::optional<ocpp::DateTime> install = std::nullopt,
                             std::optional<int> retries = std::nullopt,
                             std::optional<int> retry_interval = std::nullopt) {
    std::string pem;
    for (char ch : cert_pem) {
      if (ch == '\n')
        pem += "\\n";
      else
        pem += ch;
    }
    std::string out =
        R"({"requestId":)" + std::to_string(request_id) +
        R"(,"firmware":{"location":"https://fw.example/v2.bin","retrieveDateTime":")" +
        ocpp::format_datetime(retrieve) + "\"";
    if (install) out += R"(,"installDateTime":")" + ocpp::format_datetime(*install) + "\"";
    out += R"(,"signingCertificate":")" + pem + R"(","signature":")" + sig + "\"}";
    if (retries) out += R"(,"retries":)" + std::to_string(*retries);
    if (retry_interval) out += R"(,"retryInterval":)" + std::to_string(*retry_interval);
    return out + "}";
  }
  /// The request for the good firmware.
  std::string good_request(int request_id, ocpp::DateTime retrieve,
                           std::optional<ocpp::DateTime> install = std::nullopt) const {
    return request(request_id, signer.pem(), signature, retrieve, install);
  }
};

}  // namespace test_pki
