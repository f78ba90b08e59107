// Security of the connection to the CSMS, shared by every OCPP version: the security
// profiles, and the SecurityProvider that keeps the charge point's keys and certificates.
//
// The library ships an OpenSSL provider (make_openssl_security_provider) that keeps them in a
// directory. A host with a TPM, a secure element or an HSM implements SecurityProvider
// itself, so that the private key never leaves the hardware (docs/guides/security.md).
//
// Threading: the library calls a provider from the runner's thread; the host may call it from
// its own threads too. Implementations must be thread-safe (the OpenSSL one is).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "ocpp/error.hpp"
#include "ocpp/export.hpp"

namespace ocpp {

/// The security profiles of the OCPP 1.6 Security Whitepaper (§2.1) and of OCPP 2.0.1
/// (part 2, A00): how the charge point and the CSMS authenticate each other.
enum class SecurityProfile {
  none = 0,             ///< no charge point authentication (1.6 without a security profile)
  basic_auth = 1,       ///< ws://, HTTP Basic authentication (trusted networks only)
  tls_basic_auth = 2,   ///< wss:// with the server certificate verified, HTTP Basic authentication
  tls_client_cert = 3,  ///< wss:// with the server certificate verified, a TLS client certificate
};

/// The trust anchors a charge point keeps, by what they are trusted for. One enumeration for
/// every version: 1.6 calls csms_root CentralSystemRootCertificate; 2.0.1 calls it
/// CSMSRootCertificate and has the other three as well.
enum class CaCertificateUse {
  csms_root,          ///< verifies the CSMS's TLS server certificate (and signs ours)
  manufacturer_root,  ///< verifies firmware signing certificates
  v2g_root,           ///< ISO 15118 V2G root (2.0.1)
  mo_root,            ///< ISO 15118 mobility operator root (2.0.1)
};

/// Hash algorithms of CertificateHashData (1.6 whitepaper §6.1; 2.0.1 HashAlgorithmEnumType).
enum class HashAlgorithm { sha256, sha384, sha512 };

/// Identifies a certificate as OCSP does (RFC 6960 CertID): 1.6 whitepaper §6.1,
/// 2.0.1 CertificateHashDataType.
struct CertificateHashData {
  HashAlgorithm hash_algorithm = HashAlgorithm::sha256;  ///< of both hashes
  std::string issuer_name_hash;  ///< hash of the DER issuer name, lower-case hex
  std::string issuer_key_hash;   ///< hash of the issuer's public key bits, lower-case hex
  std::string serial_number;     ///< upper-case hex without leading zeroes ("FFF" for 4095)
};

/// Equality as the protocols define it: the same algorithm, the hex strings compared without
/// regard to case, and serial numbers without regard to leading zeroes.
OCPP_API bool same_certificate(const CertificateHashData& a, const CertificateHashData& b) noexcept;

/// One installed CA certificate.
struct InstalledCertificate {
  CaCertificateUse use = CaCertificateUse::csms_root;  ///< what it is trusted for
  CertificateHashData hash;  ///< its hash data (SHA256)
  std::string pem;           ///< the certificate, PEM
  std::string subject;       ///< its subject, one line (for logs and displays)
  std::chrono::system_clock::time_point not_after;  ///< end of its validity
};

/// Key types for the charge point's key pair (whitepaper A00.FR.501–503: at least 2048-bit
/// RSA or a 224-bit curve).
enum class KeyType { ec_p256, ec_p384, rsa_2048, rsa_3072 };

/// What a certificate signing request says about the charge point.
struct CsrRequest {
  std::string common_name;   ///< CN: the charge point identity (whitepaper A00.FR.511)
  std::string organization;  ///< O: the CPO's name (1.6 CpoName, 2.0.1 OrganizationName)
  std::string country;       ///< C: two letters, or empty to leave it out
  KeyType key_type = KeyType::ec_p256;  ///< the new key pair's type
};

/// The charge point's own certificate, once installed.
struct ChargingStationCertificate {
  std::string chain_pem;  ///< the leaf first, then intermediates, PEM
  std::string subject;    ///< the leaf's subject, one line
  std::chrono::system_clock::time_point not_before;  ///< start of the leaf's validity
  std::chrono::system_clock::time_point not_after;   ///< end of the leaf's validity
};

/// What the transport needs to open a TLS connection, as files (see ConnectOptions).
struct TlsCredentials {
  std::string ca_file;           ///< CA bundle to verify the CSMS; empty = none installed
  std::string client_cert_file;  ///< certificate chain (leaf first); empty = no client certificate
  std::string client_key_file;   ///< the private key (may be the same file); empty with the above
};

/// Errors of a SecurityProvider (category ocpp::security_category()).
enum class SecurityErrc {
  ok = 0,                ///< no error
  not_found,             ///< no such certificate (or no key pair, no charge point certificate)
  invalid_certificate,   ///< not a PEM X.509 certificate, or not usable for what it was given for
  invalid_request,       ///< a CSR field is empty, too long or malformed
  untrusted,             ///< the certificate does not chain to a trusted root
  expired,               ///< the certificate's validity ended
  not_yet_valid,         ///< the certificate's validity has not begun
  key_mismatch,          ///< the certificate is not for the provider's key pair
  invalid_signature,     ///< the signature does not verify
  crypto_failure,        ///< the crypto library failed (key generation, signing)
  storage_failure,       ///< the provider's storage could not be read or written
};

/// The error category of ocpp::SecurityErrc.
OCPP_API const std::error_category& security_category() noexcept;

/// Makes a std::error_code from an ocpp::SecurityErrc.
OCPP_API std::error_code make_error_code(SecurityErrc e) noexcept;

/// Keeps the charge point's keys and certificates and does the cryptography the protocol
/// needs. Errors are values: SecurityErrc, or a std::errc from the storage.
class OCPP_API SecurityProvider {
 public:
  virtual ~SecurityProvider() = default;

  /// Makes a new key pair and returns a PEM PKCS#10 request for it, signed with it, with the
  /// subject CN and O (and C) of `request`. The private key stays inside the provider; it
  /// becomes the charge point's key when a certificate for it is installed. A later call
  /// replaces a key pair still waiting for its certificate.
  /// Errors: invalid_request (CN or O empty, longer than 64 bytes, C not two letters),
  /// crypto_failure, storage_failure.
  virtual Result<std::string> generate_csr(const CsrRequest& request) = 0;

  /// Installs the charge point's certificate chain (PEM, the leaf first), issued for the key
  /// pair of the last generate_csr() (or the key in use). Checked before anything changes:
  /// the leaf must not have expired, must match that key, and chain to an installed
  /// csms_root or to `ca_pem` when given. On success the chain and its key are what
  /// tls_credentials() hands out once the leaf's validity has begun (whitepaper A02.FR.08);
  /// the chain and key installed before are kept as the previous ones, handed out until then
  /// (and a fallback, A02.FR.10).
  /// Errors: invalid_certificate, expired, key_mismatch (also: no key pair), untrusted,
  /// storage_failure.
  virtual std::error_code install_charging_station_certificate(
      std::string_view chain_pem, std::optional<std::string_view> ca_pem = std::nullopt) = 0;

  /// Goes back to the charge point certificate chain and key in use before the last
  /// install_charging_station_certificate(), dropping the newest ones: the newest could not
  /// connect to the CSMS (the whitepaper's fallback, A02.FR.10). Errors: not_found (no
  /// previous one kept; the default for providers that keep none), storage_failure.
  virtual std::error_code revert_charging_station_certificate() {
    return make_error_code(SecurityErrc::not_found);
  }

  /// The installed charge point certificate. Errors: not_found.
  virtual Result<ChargingStationCertificate> charging_station_certificate() const = 0;

  /// Installs a CA certificate (PEM) for a use and returns its hash data (SHA256). Installing
  /// one that is already installed for that use changes nothing. The certificate must be a CA
  /// certificate within its validity period: self-signed, or issued by an installed one.
  /// Errors: invalid_certificate, expired, not_yet_valid, untrusted, storage_failure.
  virtual Result<CertificateHashData> install_ca_certificate(CaCertificateUse use,
                                                              std::string_view pem) = 0;

  /// The installed CA certificates of the given uses (all uses when empty), with hash data
  /// in SHA256. Errors: storage_failure.
  virtual Result<std::vector<InstalledCertificate>> installed_ca_certificates(
      const std::vector<CaCertificateUse>& uses = {}) const = 0;

  /// Deletes the installed CA certificate with this hash data, computed with its
  /// hash_algorithm (from every use it was installed for). Errors: not_found, storage_failure.
  virtual std::error_code delete_ca_certificate(const CertificateHashData& hash) = 0;

  /// Verifies `signature` (base64, as OCPP carries it; SHA256 with RSA or ECDSA) of `data`
  /// with the public key of `signing_certificate_pem`, which must chain to an installed CA
  /// certificate of use `trust` and be within its validity period.
  /// Errors: invalid_certificate, untrusted, expired, not_yet_valid, invalid_signature.
  virtual std::error_code verify_signature(std::string_view data, std::string_view signature,
                                           std::string_view signing_certificate_pem,
                                           CaCertificateUse trust = CaCertificateUse::manufacturer_root) = 0;

  /// As verify_signature(), over the contents of a file (a firmware image), read in pieces.
  /// Errors: those of verify_signature(), storage_failure when the file cannot be read.
  virtual std::error_code verify_file_signature(const std::string& path, std::string_view signature,
                                                std::string_view signing_certificate_pem,
                                                CaCertificateUse trust = CaCertificateUse::manufacturer_root) = 0;

  /// What the transport needs to connect: a CA bundle of the installed csms_root certificates
  /// and, once installed, the charge point's certificate chain and key (the newest whose
  /// validity has begun: the previous one while the newest is not yet valid), as files the
  /// transport reads at each connection (new contents give the next connection a new TLS
  /// context). Errors: storage_failure.
  virtual Result<TlsCredentials> tls_credentials() = 0;
};

/// What a PEM certificate chain says, read without any trust decision: the first
/// certificate (the leaf) and the length of the chain. Public-key data only, so hosts whose
/// keys live in hardware use it as it is.
struct CertificateInfo {
  std::string subject;       ///< the leaf's subject, one line
  std::string common_name;   ///< the leaf's CN (the first one), empty if none
  std::string organization;  ///< the leaf's O (the first one), empty if none
  std::chrono::system_clock::time_point not_before;  ///< start of the leaf's validity
  std::chrono::system_clock::time_point not_after;   ///< end of the leaf's validity
  bool is_ca = false;             ///< the leaf is a CA certificate (basicConstraints CA:TRUE)
  std::size_t chain_length = 0;   ///< certificates in the text, the leaf included
};

/// Parses a PEM certificate chain (the leaf first) and describes it. Checks no signature,
/// validity or trust: that is the provider's work. Errors: invalid_certificate (no
/// certificate, or a damaged PEM block).
OCPP_API Result<CertificateInfo> inspect_certificate_chain(std::string_view pem);

/// Whether the first certificate of `issuer_pem` issued the first certificate of `cert_pem`:
/// its subject is the certificate's issuer and its public key verifies the certificate's
/// signature (also true for a self-signed certificate given twice). False when either text is
/// not a PEM certificate.
OCPP_API bool certificate_issued_by(std::string_view cert_pem, std::string_view issuer_pem) noexcept;

/// The hash data (RFC 6960 CertID, with `algorithm`) of the first certificate of `cert_pem`,
/// issued by the first certificate of `issuer_pem` (the same text for a self-signed one): to
/// match hash data a CSMS names with another algorithm than the provider reports.
/// Errors: invalid_certificate (either text is not a PEM certificate).
OCPP_API Result<CertificateHashData> certificate_hash_data(std::string_view cert_pem, std::string_view issuer_pem,
                                                            HashAlgorithm algorithm);

/// The OpenSSL SecurityProvider. It keeps keys and certificates in `directory` (created if
/// missing, mode 0700; every file 0600): CA certificates by use, the charge point's key and
/// certificate chain, and the CA bundle handed to the transport. Files are replaced by
/// renaming, so a power cut leaves the old or the new contents.
/// Errors: Errc::invalid_argument (empty path), storage_failure (cannot create or secure it).
OCPP_API Result<std::unique_ptr<SecurityProvider>> make_openssl_security_provider(const std::string& directory);

}  // namespace ocpp

namespace std {
template <>
struct is_error_code_enum<ocpp::SecurityErrc> : true_type {};
}  // namespace std
