// Version-neutral certificate management (see certificate_management.hpp). The provider does
// the cryptography and keeps the store; these functions decide what the protocols allow.
#include "security/certificate_management.hpp"

#include <algorithm>
#include <cctype>

namespace ocpp::security {

std::string pem_without_whitespace(std::string_view pem) {
  std::string out;
  out.reserve(pem.size());
  for (char c : pem)
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  return out;
}

std::string hash_data_to_text(const CertificateHashData& h) {
  return h.issuer_name_hash + " " + h.issuer_key_hash + " " + h.serial_number;
}

std::optional<CertificateHashData> hash_data_from_text(const std::string& text) {
  const auto a = text.find(' ');
  const auto b = a == std::string::npos ? a : text.find(' ', a + 1);
  if (b == std::string::npos) return std::nullopt;
  return CertificateHashData{HashAlgorithm::sha256, text.substr(0, a),
                             text.substr(a + 1, b - a - 1), text.substr(b + 1)};
}

bool names_certificate(const InstalledCertificate& c, const std::vector<InstalledCertificate>& all,
                       const CertificateHashData& hash) {
  if (hash.hash_algorithm == HashAlgorithm::sha256) return same_certificate(c.hash, hash);
  // Another algorithm: computed here from the certificate and its issuer (itself for a root).
  std::string issuer = c.pem;
  for (auto& other : all)
    if (&other != &c && certificate_issued_by(c.pem, other.pem) &&
        !certificate_issued_by(c.pem, c.pem))
      issuer = other.pem;
  auto h = certificate_hash_data(c.pem, issuer, hash.hash_algorithm);
  return h && same_certificate(*h, hash);
}

CaInstallOutcome install_ca_certificate(SecurityProvider& provider, CaCertificateUse use,
                                        std::string_view pem, DateTime now,
                                        const CaInstallPolicy& policy,
                                        const std::optional<CertificateHashData>& fallback) {
  CaInstallOutcome out;
  auto installed = provider.installed_ca_certificates({});
  if (!installed) {
    out.why = installed.error().message();
    return out;  // failed
  }
  std::vector<const InstalledCertificate*> roots;
  for (auto& c : *installed)
    if (c.use == CaCertificateUse::csms_root) roots.push_back(&c);
  out.status = CaChange::rejected;
  // Without TLS the CSMS is not authenticated: whoever answers the connection could plant
  // trust anchors. The first CSMS root is the exception: without it TLS can never begin.
  if (!policy.authenticated && !(use == CaCertificateUse::csms_root && roots.empty())) {
    out.why = "certificate changes need an authenticated CSMS (security profile 2 or 3)";
    return out;
  }
  // One PEM CA certificate (A00.FR.507), within its validity period.
  auto info = inspect_certificate_chain(pem);
  if (!info || info->chain_length != 1 || !info->is_ca || info->not_after <= now ||
      info->not_before > now) {
    out.why = "not one valid PEM CA certificate";
    return out;
  }
  const std::string text = pem_without_whitespace(pem);
  if (std::any_of(installed->begin(), installed->end(), [&](const InstalledCertificate& c) {
        return c.use == use && pem_without_whitespace(c.pem) == text;
      })) {
    out.status = CaChange::accepted;  // installed already: nothing changes
    return out;
  }
  const bool replace = use == CaCertificateUse::csms_root && policy.additional_root_check;
  // A replacement that drops the older fallback does not grow the store.
  const std::size_t growth = replace && fallback ? 0 : 1;
  if (static_cast<std::int64_t>(installed->size() + growth) > policy.max_entries) {
    out.why = "the certificate store is full";
    return out;
  }
  const InstalledCertificate* current = nullptr;
  if (replace) {
    // One root (plus the fallback): the new one replaces the current, which signed it.
    for (auto* r : roots)
      if (!fallback || !same_certificate(r->hash, *fallback)) current = r;
    if (current && !certificate_issued_by(pem, current->pem)) {
      out.why = "the new CSMS root is not signed by the one it replaces";
      return out;
    }
  }
  auto hash = provider.install_ca_certificate(use, pem);
  if (!hash) {
    const auto ec = hash.error();
    const bool invalid = ec == SecurityErrc::invalid_certificate || ec == SecurityErrc::expired ||
                         ec == SecurityErrc::not_yet_valid || ec == SecurityErrc::untrusted;
    out.status = invalid ? CaChange::rejected : CaChange::failed;
    out.why = ec.message();
    return out;
  }
  if (replace && current) {
    // The replaced root stays as the fallback; an older fallback goes now.
    if (fallback) (void)provider.delete_ca_certificate(*fallback);
    out.fallback = current->hash;
  }
  out.status = CaChange::accepted;
  return out;
}

CaDeleteOutcome delete_ca_certificate(SecurityProvider& provider, const CertificateHashData& hash,
                                      bool authenticated,
                                      const std::optional<CertificateHashData>& fallback) {
  CaDeleteOutcome out;
  auto installed = provider.installed_ca_certificates({});
  if (!installed) {
    out.why = installed.error().message();
    return out;
  }
  const InstalledCertificate* target = nullptr;
  std::size_t csms_roots = 0;
  for (auto& c : *installed) {
    if (c.use == CaCertificateUse::csms_root) ++csms_roots;
    if (!target && names_certificate(c, *installed, hash)) target = &c;
  }
  // The charging station certificate is no CA certificate: never found here.
  if (!target) {
    out.status = CaChange::not_found;
    return out;
  }
  if (!authenticated) {
    out.why = "certificate changes need an authenticated CSMS (security profile 2 or 3)";
    return out;
  }
  // The only CSMS root is the one the connection was verified with (the engine does not see
  // the handshake; with several, any may go).
  if (target->use == CaCertificateUse::csms_root && csms_roots == 1) {
    out.why = "the only CSMS root certificate";
    return out;
  }
  out.was_fallback = fallback && same_certificate(target->hash, *fallback);
  const auto ec = provider.delete_ca_certificate(hash);
  if (ec == SecurityErrc::not_found) {
    out.status = CaChange::not_found;
  } else if (ec) {
    out.why = ec.message();
  } else {
    out.status = CaChange::accepted;
  }
  return out;
}

std::optional<std::string> signed_certificate_problem(std::string_view chain, DateTime now,
                                                      const SignedCertificateRules& rules,
                                                      CertificateInfo& info) {
  if (chain.size() > rules.max_chain_size)
    return "certificate chain longer than " + rules.max_chain_size_name;
  auto parsed = inspect_certificate_chain(chain);
  if (!parsed) return "not a PEM certificate chain";
  info = *parsed;
  if (info.is_ca) return "the leaf is a CA certificate";
  if (info.not_after <= now) return "the certificate has expired";
  if (rules.must_have_begun && info.not_before > now)
    return "the certificate's validity has not begun";
  // A00.FR.509, A00.FR.511: O is the CPO's name, CN the station's, as in the CSR sent.
  if (!rules.common_name.empty() && info.common_name != rules.common_name)
    return "CN is not " + rules.common_name;
  if (!rules.organization.empty() && info.organization != rules.organization)
    return "O is not " + rules.organization;
  return std::nullopt;
}

std::optional<std::chrono::steady_clock::duration> wait_before_renewal(
    std::chrono::system_clock::time_point not_after, DateTime now) {
  const auto due = not_after - kRenewBeforeExpiry;
  if (now >= due) return std::nullopt;
  const auto wait = std::chrono::duration_cast<std::chrono::steady_clock::duration>(due - now);
  return std::min<std::chrono::steady_clock::duration>(wait, kExpiryCheckInterval);
}

void CsrBackoff::accepted(MonoTime now, std::chrono::seconds minimum, std::int64_t repeat_times) {
  repeat_limit_ = std::max<std::int64_t>(repeat_times, 0);
  // A02.FR.18: doubled after every resend; capped at a year so the doubling cannot overflow
  // whatever the CSMS configured.
  constexpr std::chrono::seconds kCap{365LL * 24 * 3600};
  std::chrono::seconds wait = std::clamp(minimum, std::chrono::seconds{1}, kCap);
  for (std::int64_t i = 0; i < repeats_ && wait < kCap; ++i) wait = std::min(wait * 2, kCap);
  wait_ = wait;
  due_ = now + wait;
}

bool CsrBackoff::take_resend(MonoTime now) {
  if (!due_ || now < *due_) return false;
  due_.reset();
  // A02.FR.19: after CertSigningRepeatTimes resends, no more until the CSMS asks again.
  if (repeats_ >= repeat_limit_) return false;
  ++repeats_;
  return true;
}

}  // namespace ocpp::security
