// The version-neutral certificate inspection of ocpp/security.hpp: what an engine reads from
// a PEM chain before it hands the chain to the SecurityProvider (subject, validity, length),
// and whether one certificate issued another (the AdditionalRootCertificateCheck of the 1.6
// whitepaper, section 7.1). No trust decision is made here.
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ocpp/security.hpp"
#include "security/x509.hpp"

namespace ocpp {
namespace {

std::string name_entry(X509* cert, int nid) {
  X509_NAME* name = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, data);
  std::string out = n > 0 ? std::string(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n))
                          : std::string();
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

Result<CertificateInfo> inspect_certificate_chain(std::string_view pem) {
  auto chain = security::parse_certificates(pem);
  if (chain.empty()) return make_error_code(SecurityErrc::invalid_certificate);
  X509* leaf = chain.front().get();
  CertificateInfo info;
  info.subject = security::subject_line(leaf);
  info.common_name = name_entry(leaf, NID_commonName);
  info.organization = name_entry(leaf, NID_organizationName);
  info.not_before = security::not_before(leaf);
  info.not_after = security::not_after(leaf);
  info.is_ca = X509_check_ca(leaf) != 0;
  info.chain_length = chain.size();
  return info;
}

bool certificate_issued_by(std::string_view cert_pem, std::string_view issuer_pem) noexcept {
  auto cert = security::parse_certificates(cert_pem);
  auto issuer = security::parse_certificates(issuer_pem);
  return !cert.empty() && !issuer.empty() &&
         security::issued_by(cert.front().get(), issuer.front().get());
}

Result<CertificateHashData> certificate_hash_data(std::string_view cert_pem,
                                                  std::string_view issuer_pem,
                                                  HashAlgorithm algorithm) {
  auto cert = security::parse_certificates(cert_pem);
  auto issuer = security::parse_certificates(issuer_pem);
  if (cert.empty() || issuer.empty()) return make_error_code(SecurityErrc::invalid_certificate);
  return security::hash_data(cert.front().get(), issuer.front().get(), algorithm);
}

}  // namespace ocpp
