// Certificate management that every OCPP version does the same way (1.6 Security Whitepaper
// M03-M05, A02, A03; OCPP 2.0.1 part 2 blocks M and A): the checks on a CA certificate the
// CSMS installs, its replacement of the CSMS root with a fallback (AdditionalRootCertificate-
// Check), the search by hash data, the checks on a signed charging station certificate, and
// the schedule of renewals (the expiry check and the back-off of SignCertificate). The engines
// keep only the messages and their configuration names.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocpp/security.hpp"
#include "ocpp/time.hpp"

namespace ocpp::security {

/// The PEM text without its whitespace, to compare certificates whatever their line breaks.
std::string pem_without_whitespace(std::string_view pem);

/// Hash data stored as text, "<issuerNameHash> <issuerKeyHash> <serialNumber>" (SHA256).
std::string hash_data_to_text(const CertificateHashData& h);
std::optional<CertificateHashData> hash_data_from_text(const std::string& text);

/// Whether `c` is the certificate the CSMS names by `hash`, computed with the algorithm the
/// CSMS names (providers report SHA256 only); the issuer is looked for among `all`.
bool names_certificate(const InstalledCertificate& c, const std::vector<InstalledCertificate>& all,
                       const CertificateHashData& hash);

/// The answer to an installation or a deletion of a CA certificate, as the messages spell it
/// in both versions.
enum class CaChange { accepted, rejected, failed, not_found };

/// The settings of an installation (M05) that come from the version's configuration.
struct CaInstallPolicy {
  /// The CSMS is authenticated (TLS, profile 2 or 3): else only the first CSMS root goes in.
  bool authenticated = false;
  /// AdditionalRootCertificateCheck: one CSMS root at a time, replaced by one it signed.
  bool additional_root_check = false;
  /// The most CA certificates the store holds (1.6 CertificateStoreMaxLength, 2.0.1
  /// CertificateEntries maxLimit).
  std::int64_t max_entries = 0;
};

/// What an installation did. `fallback` is the CSMS root replaced under
/// AdditionalRootCertificateCheck, kept as the fallback until a connection succeeded.
struct CaInstallOutcome {
  CaChange status = CaChange::failed;
  std::optional<CertificateHashData> fallback;
  std::string why;  ///< for the log when not accepted
};

/// Installs a CA certificate the CSMS sent: one PEM CA certificate within its validity at
/// `now` (else rejected); installed already for the use: accepted without a change; beyond
/// max_entries: rejected; a CSMS root under additional_root_check must be signed by the root
/// it replaces (the current fallback, if any, is deleted). Calls only the provider.
CaInstallOutcome install_ca_certificate(SecurityProvider& provider, CaCertificateUse use,
                                        std::string_view pem, DateTime now,
                                        const CaInstallPolicy& policy,
                                        const std::optional<CertificateHashData>& fallback);

/// What a deletion did; `was_fallback` when the certificate deleted was the fallback root.
struct CaDeleteOutcome {
  CaChange status = CaChange::failed;
  bool was_fallback = false;
  std::string why;
};

/// Deletes the CA certificate the CSMS names (M04): not_found when none matches; failed when
/// the CSMS is not authenticated or it is the only CSMS root (the one the connection trusts).
CaDeleteOutcome delete_ca_certificate(SecurityProvider& provider, const CertificateHashData& hash,
                                      bool authenticated,
                                      const std::optional<CertificateHashData>& fallback);

/// The expected subject of a signed charging station certificate, and when it is checked.
struct SignedCertificateRules {
  std::string common_name;             ///< CN of the CSR sent; empty: not checked
  std::string organization;            ///< O of the CSR sent; empty: not checked
  std::size_t max_chain_size = 10000;  ///< characters of the PEM chain
  /// The version's name of that limit, in the reason (CertificateSignedMaxChainSize in 1.6,
  /// MaxCertificateChainSize in 2.0.1).
  std::string max_chain_size_name = "the chain size limit";
  /// OCPP 2.0.1 errata 2025-01 (A02.FR.06): the validity must have begun already. 1.6
  /// accepts one that starts later and switches at its not-before (A02.FR.08).
  bool must_have_begun = false;
};

/// Why a CertificateSigned chain is refused before the provider sees it (size, PEM, leaf not
/// a CA, validity, CN and O), or nullopt; on success `info` describes it.
std::optional<std::string> signed_certificate_problem(std::string_view chain, DateTime now,
                                                      const SignedCertificateRules& rules,
                                                      CertificateInfo& info);

/// A03.FR.02: a renewal starts when the certificate will expire within a month.
inline constexpr std::chrono::hours kRenewBeforeExpiry{24 * 30};
/// How often the expiry is looked at (the wall clock may be set meanwhile).
inline constexpr std::chrono::hours kExpiryCheckInterval{24};

/// When the certificate expiring at `not_after` is next looked at: nullopt when its renewal is
/// due now, else the wait (at most kExpiryCheckInterval).
std::optional<std::chrono::steady_clock::duration> wait_before_renewal(
    std::chrono::system_clock::time_point not_after, DateTime now);

/// The back-off of SignCertificate (OCPP 2.0.1 A02.FR.17-A02.FR.19): after a request was
/// accepted and no certificate came within CertSigningWaitMinimum seconds, the request goes
/// again, the wait doubling each time, at most CertSigningRepeatTimes times; then it stops
/// until the CSMS asks again. No clock of its own: times come in.
class CsrBackoff {
 public:
  /// A new request was sent (triggered, or due to expiry): the count starts again.
  void started() {
    repeats_ = 0;
    wait_.reset();
    due_.reset();
  }
  /// The CSMS accepted the request: the wait begins (the first one `minimum`, then doubled).
  void accepted(MonoTime now, std::chrono::seconds minimum, std::int64_t repeat_times);
  /// The signed certificate came, or the CSMS rejected the request: no more resends.
  void stop() { due_.reset(); }
  /// When the request goes again; nullopt: not waiting.
  std::optional<MonoTime> due() const { return due_; }
  /// The wait is over: true when the request is to be sent again (counts it).
  bool take_resend(MonoTime now);
  /// Resends made for the current request.
  std::int64_t repeats() const { return repeats_; }

 private:
  std::int64_t repeats_ = 0;
  std::int64_t repeat_limit_ = 0;
  std::optional<std::chrono::seconds> wait_;
  std::optional<MonoTime> due_;
};

/// CertificateHashDataType of a version's messages (1.6 whitepaper and 2.0.1 spell its
/// fields and HashAlgorithmEnumType alike) to the provider's hash data.
template <class Message>
CertificateHashData hash_data_of(const Message& m) {
  using E = decltype(m.hashAlgorithm);
  CertificateHashData h;
  h.hash_algorithm = m.hashAlgorithm == E::SHA384   ? HashAlgorithm::sha384
                     : m.hashAlgorithm == E::SHA512 ? HashAlgorithm::sha512
                                                    : HashAlgorithm::sha256;
  h.issuer_name_hash = m.issuerNameHash;
  h.issuer_key_hash = m.issuerKeyHash;
  h.serial_number = m.serialNumber;
  return h;
}

/// The provider's hash data as a version's CertificateHashDataType.
template <class Message>
Message hash_data_message(const CertificateHashData& h) {
  using E = decltype(Message{}.hashAlgorithm);
  Message m;
  m.hashAlgorithm = h.hash_algorithm == HashAlgorithm::sha384   ? E::SHA384
                    : h.hash_algorithm == HashAlgorithm::sha512 ? E::SHA512
                                                                : E::SHA256;
  m.issuerNameHash = h.issuer_name_hash;
  m.issuerKeyHash = h.issuer_key_hash;
  m.serialNumber = h.serial_number;
  return m;
}

}  // namespace ocpp::security
