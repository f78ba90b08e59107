// OpenSSL helpers of the security provider: owning pointers, PEM in and out, certificate
// hash data, validity, chain checks, files written with owner-only permissions.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ocpp/security.hpp"

namespace ocpp::security {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

/// Every certificate of a PEM text, in order; empty if there is none or a block is damaged.
std::vector<X509Ptr> parse_certificates(std::string_view pem);
/// The first private key of a PEM text.
PkeyPtr parse_private_key(std::string_view pem);
/// PEM of a certificate / of a private key (unencrypted PKCS#8).
std::string to_pem(X509* cert);
std::string to_pem(EVP_PKEY* key);

/// Hash data of `cert`, whose issuer is `issuer` (itself for a self-signed one).
CertificateHashData hash_data(X509* cert, X509* issuer, HashAlgorithm algorithm);
/// The subject as one line ("CN=CP001, O=Acme").
std::string subject_line(X509* cert);
/// notBefore / notAfter as time points.
std::chrono::system_clock::time_point not_before(X509* cert);
std::chrono::system_clock::time_point not_after(X509* cert);
/// SecurityErrc::expired / not_yet_valid against the system clock, or no error.
std::error_code check_validity(X509* cert);
/// True if `issuer` issued `cert` and its key verifies the signature (also for cert == issuer).
bool issued_by(X509* cert, X509* issuer);
/// Verifies `leaf` up to one of `roots` through `intermediates`, with the validity periods
/// at `at` (the system clock when not given). Errors: untrusted, expired, not_yet_valid.
std::error_code verify_chain(X509* leaf, const std::vector<X509*>& intermediates, const std::vector<X509*>& roots,
                             std::optional<std::chrono::system_clock::time_point> at = std::nullopt);

/// Base64 (with or without line breaks) to bytes; nullopt if it is not base64.
std::optional<std::string> decode_base64(std::string_view text);
/// Lower-case hex.
std::string hex(const unsigned char* data, std::size_t size);

/// Writes `data` to `path` through a temporary file, fsync and rename, mode 0600: a power cut
/// leaves the old or the new contents. Errors: SecurityErrc::storage_failure.
std::error_code write_file_atomically(const std::string& path, std::string_view data);
/// The contents of a file; nullopt if it cannot be read.
std::optional<std::string> read_file(const std::string& path);

}  // namespace ocpp::security
