// The version-neutral parts of ocpp/security.hpp that need no crypto library.
#include <algorithm>
#include <cctype>

#include "ocpp/security.hpp"

namespace ocpp {
namespace {

class SecurityCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ocpp.security"; }
  std::string message(int ev) const override {
    switch (static_cast<SecurityErrc>(ev)) {
      case SecurityErrc::ok: return "success";
      case SecurityErrc::not_found: return "no such certificate or key";
      case SecurityErrc::invalid_certificate: return "invalid certificate";
      case SecurityErrc::invalid_request: return "invalid certificate signing request data";
      case SecurityErrc::untrusted: return "the certificate does not chain to a trusted root";
      case SecurityErrc::expired: return "the certificate has expired";
      case SecurityErrc::not_yet_valid: return "the certificate is not yet valid";
      case SecurityErrc::key_mismatch: return "the certificate does not match the key pair";
      case SecurityErrc::invalid_signature: return "the signature does not verify";
      case SecurityErrc::crypto_failure: return "cryptographic operation failed";
      case SecurityErrc::storage_failure: return "certificate storage failed";
    }
    return "unknown security error";
  }
};

// Case-insensitive comparison of hex strings, leading zeroes ignored when asked to.
bool same_hex(std::string_view a, std::string_view b, bool ignore_leading_zeroes) {
  if (ignore_leading_zeroes) {
    while (!a.empty() && a.front() == '0') a.remove_prefix(1);
    while (!b.empty() && b.front() == '0') b.remove_prefix(1);
  }
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

const std::error_category& security_category() noexcept {
  static const SecurityCategory category;
  return category;
}

std::error_code make_error_code(SecurityErrc e) noexcept { return {static_cast<int>(e), security_category()}; }

bool same_certificate(const CertificateHashData& a, const CertificateHashData& b) noexcept {
  return a.hash_algorithm == b.hash_algorithm && same_hex(a.issuer_name_hash, b.issuer_name_hash, false) &&
         same_hex(a.issuer_key_hash, b.issuer_key_hash, false) &&
         same_hex(a.serial_number, b.serial_number, true);
}

}  // namespace ocpp
