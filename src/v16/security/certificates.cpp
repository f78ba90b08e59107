// Security Whitepaper edition 3: CA certificate management. InstallCertificate (M05),
// DeleteCertificate (M04) and GetInstalledCertificateIds (M03), on the SecurityProvider's
// trust store; the AdditionalRootCertificateCheck replacement of the CSMS root (section 7.1,
// M05.FR.08..13) with its fallback root.
//
// Over SecurityProfile 0 or 1 the CSMS is not authenticated: certificate changes are refused
// there (certificate_changes_allowed), except the first CentralSystemRootCertificate, without
// which the upgrade to profile 2 (A05.FR.03) could never be made over OCPP.
#include "v16/security/certificates.hpp"

#include <algorithm>
#include <cctype>

#include "v16/engine_impl.hpp"
#include "v16/security/security_events.hpp"

namespace ocpp::v16 {

int current_security_profile(const Engine::Impl& engine) {
  return static_cast<int>(engine.config_.get_int("SecurityProfile"));
}

bool certificate_changes_allowed(const Engine::Impl& engine) {
  return current_security_profile(engine) >= 2;
}

std::string pem_without_whitespace(std::string_view pem) {
  std::string out;
  out.reserve(pem.size());
  for (char c : pem)
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  return out;
}

namespace {

// The fallback CSMS root kept after a replacement (M05.FR.11), by its SHA256 hash data.
constexpr const char* kFallbackKey = "cert.csms_root_fallback";

HashAlgorithm to_algorithm(HashAlgorithmEnumType a) {
  switch (a) {
    case HashAlgorithmEnumType::SHA256:
      return HashAlgorithm::sha256;
    case HashAlgorithmEnumType::SHA384:
      return HashAlgorithm::sha384;
    case HashAlgorithmEnumType::SHA512:
      return HashAlgorithm::sha512;
  }
  return HashAlgorithm::sha256;
}

HashAlgorithmEnumType to_enum(HashAlgorithm a) {
  switch (a) {
    case HashAlgorithm::sha256:
      return HashAlgorithmEnumType::SHA256;
    case HashAlgorithm::sha384:
      return HashAlgorithmEnumType::SHA384;
    case HashAlgorithm::sha512:
      return HashAlgorithmEnumType::SHA512;
  }
  return HashAlgorithmEnumType::SHA256;
}

CaCertificateUse to_use(CertificateUseEnumType t) {
  return t == CertificateUseEnumType::CentralSystemRootCertificate
             ? CaCertificateUse::csms_root
             : CaCertificateUse::manufacturer_root;
}

CertificateHashData from_message(const CertificateHashDataType& h) {
  return {to_algorithm(h.hashAlgorithm), h.issuerNameHash, h.issuerKeyHash, h.serialNumber};
}

CertificateHashDataType to_message(const CertificateHashData& h) {
  return {to_enum(h.hash_algorithm), h.issuer_name_hash, h.issuer_key_hash, h.serial_number};
}

// Stored as "<issuerNameHash> <issuerKeyHash> <serialNumber>" (SHA256).
std::string to_text(const CertificateHashData& h) {
  return h.issuer_name_hash + " " + h.issuer_key_hash + " " + h.serial_number;
}

std::optional<CertificateHashData> from_text(const std::string& text) {
  const auto a = text.find(' ');
  const auto b = a == std::string::npos ? a : text.find(' ', a + 1);
  if (b == std::string::npos) return std::nullopt;
  return CertificateHashData{HashAlgorithm::sha256, text.substr(0, a),
                             text.substr(a + 1, b - a - 1), text.substr(b + 1)};
}

class CertificatesModule final : public Module {
 public:
  explicit CertificatesModule(Engine::Impl& engine) : engine_(engine) {}

  std::error_code load(Now) override {
    std::vector<std::pair<std::string, std::string>> rows;
    if (auto ec = engine_.store_.kv_load(kFallbackKey, rows)) return ec;
    for (auto& [key, value] : rows)
      if (key == kFallbackKey) fallback_ = from_text(value);
    // Kept until a connection made after this start succeeded (M05.FR.12).
    fallback_epoch_ = engine_.epoch();
    return {};
  }

  bool handles(Action a) const override {
    return a == Action::InstallCertificate || a == Action::DeleteCertificate ||
           a == Action::GetInstalledCertificateIds;
  }

  void handle(Action a, const rpc::Frame& frame, Now now) override {
    if (a == Action::InstallCertificate) {
      InstallCertificateRequest req;
      if (!engine_.decode_request(frame, req)) return;
      InstallCertificateResponse resp;
      resp.status = install(req, now);
      engine_.reply(frame.id, payload_of(resp));
    } else if (a == Action::DeleteCertificate) {
      DeleteCertificateRequest req;
      if (!engine_.decode_request(frame, req)) return;
      DeleteCertificateResponse resp;
      resp.status = remove(from_message(req.certificateHashData), now);
      engine_.reply(frame.id, payload_of(resp));
    } else {
      GetInstalledCertificateIdsRequest req;
      if (!engine_.decode_request(frame, req)) return;
      engine_.reply(frame.id, payload_of(list(req.certificateType)));
    }
  }

  // M05.FR.12: the fallback root goes once a connection made after the replacement was
  // accepted (the engine does not see which root verified the TLS handshake; a connection
  // that verified through the fallback alone keeps working through the new root as well, since
  // the new root is signed by it and stays installed).
  std::optional<MonoTime> next_deadline() const override {
    if (fallback_ && engine_.online() && engine_.epoch() != fallback_epoch_ &&
        certificate_changes_allowed(engine_))
      return MonoTime{};
    return std::nullopt;
  }

  void on_timer(Now now) override {
    if (!next_deadline()) return;
    auto& security = engine_.options_.security;
    if (security) {
      const auto ec = security->delete_ca_certificate(*fallback_);
      if (ec && ec != SecurityErrc::not_found) {
        engine_.log(1, "cannot remove the fallback CentralSystemRootCertificate: " + ec.message());
        fallback_epoch_ = engine_.epoch();  // again after the next connection
        return;
      }
      raise(now, "fallback CentralSystemRootCertificate removed");
    }
    forget_fallback();
  }

 private:
  InstallCertificateStatusEnumType install(const InstallCertificateRequest& req, Now now) {
    using Status = InstallCertificateStatusEnumType;
    auto& security = engine_.options_.security;
    // No certificate store: no room for any certificate (M05.FR.03).
    if (!security) return Status::Rejected;
    const CaCertificateUse use = to_use(req.certificateType);
    auto installed = security->installed_ca_certificates({});
    if (!installed) return Status::Failed;
    std::vector<InstalledCertificate> roots;
    for (auto& c : *installed)
      if (c.use == CaCertificateUse::csms_root) roots.push_back(c);
    if (!certificate_changes_allowed(engine_) &&
        !(use == CaCertificateUse::csms_root && roots.empty())) {
      engine_.log(1, "InstallCertificate refused below SecurityProfile 2");
      return Status::Rejected;
    }
    // M05.FR.06: one PEM CA certificate (A00.FR.507), within its validity period.
    auto info = inspect_certificate_chain(req.certificate);
    if (!info || info->chain_length != 1 || !info->is_ca || info->not_after <= now.wall ||
        info->not_before > now.wall)
      return Status::Rejected;
    const std::string text = pem_without_whitespace(req.certificate);
    const bool duplicate =
        std::any_of(installed->begin(), installed->end(), [&](const InstalledCertificate& c) {
          return c.use == use && pem_without_whitespace(c.pem) == text;
        });
    if (duplicate) return Status::Accepted;  // installed already: nothing changes
    const bool replace = use == CaCertificateUse::csms_root &&
                         engine_.config_.get_bool("AdditionalRootCertificateCheck");
    // M05.FR.03: CertificateStoreMaxLength counts every installed CA certificate. A replacement
    // that drops the older fallback does not grow the store.
    const std::size_t growth = replace && fallback_ ? 0 : 1;
    if (static_cast<std::int64_t>(installed->size() + growth) >
        engine_.config_.get_int("CertificateStoreMaxLength"))
      return Status::Rejected;

    const InstalledCertificate* current = nullptr;
    if (replace) {
      // M05.FR.08, M05.FR.09: one root (plus the fallback); the new one replaces the current,
      // which must have signed it (M05.FR.10).
      for (auto& r : roots)
        if (!fallback_ || !same_certificate(r.hash, *fallback_)) current = &r;
      if (current && !certificate_issued_by(req.certificate, current->pem)) return Status::Rejected;
    }
    auto hash = security->install_ca_certificate(use, req.certificate);
    if (!hash) {
      // M05.FR.06 for what the provider finds wrong with it, M05.FR.04 for the rest.
      const auto ec = hash.error();
      const bool invalid = ec == SecurityErrc::invalid_certificate || ec == SecurityErrc::expired ||
                           ec == SecurityErrc::not_yet_valid || ec == SecurityErrc::untrusted;
      engine_.log(1, "InstallCertificate: " + ec.message());
      return invalid ? Status::Rejected : Status::Failed;
    }
    if (replace && current) {
      // M05.FR.11: the replaced root stays as the fallback; an older fallback goes now.
      if (fallback_) (void)security->delete_ca_certificate(*fallback_);
      fallback_ = current->hash;
      fallback_epoch_ = engine_.epoch();
      if (auto ec = engine_.store_.kv_set(kFallbackKey, to_text(*fallback_)))
        engine_.log(1, "cannot store the fallback CentralSystemRootCertificate: " + ec.message());
    }
    raise(now, std::string(to_string(req.certificateType)) + " installed");
    return Status::Accepted;
  }

  DeleteCertificateStatusEnumType remove(const CertificateHashData& hash, Now now) {
    using Status = DeleteCertificateStatusEnumType;
    auto& security = engine_.options_.security;
    if (!security) return Status::NotFound;  // nothing is installed without a store
    auto installed = security->installed_ca_certificates({});
    if (!installed) return Status::Failed;
    const InstalledCertificate* target = nullptr;
    std::size_t csms_roots = 0;
    for (auto& c : *installed) {
      if (c.use == CaCertificateUse::csms_root) ++csms_roots;
      if (!target && matches(c, *installed, hash)) target = &c;
    }
    // M04.FR.04 (the charge point certificate is no CA certificate: never found, M04.FR.05).
    if (!target) return Status::NotFound;
    if (!certificate_changes_allowed(engine_)) {
      engine_.log(1, "DeleteCertificate refused below SecurityProfile 2");
      return Status::Failed;
    }
    // M04.FR.06: with TLS, the only CentralSystemRootCertificate is the one the connection was
    // verified with (the engine does not see the handshake; with several, any may go).
    if (target->use == CaCertificateUse::csms_root && csms_roots == 1) return Status::Failed;
    const bool was_fallback = fallback_ && same_certificate(target->hash, *fallback_);
    const auto ec = security->delete_ca_certificate(hash);
    if (ec == SecurityErrc::not_found) return Status::NotFound;
    if (ec) return Status::Failed;  // M04.FR.03
    if (was_fallback) forget_fallback();
    raise(now, "CA certificate deleted");
    return Status::Accepted;  // M04.FR.02
  }

  // Whether `c` is the certificate the CSMS names, with the hash algorithm it names
  // (M04.FR.07): the provider reports SHA256 only.
  static bool matches(const InstalledCertificate& c, const std::vector<InstalledCertificate>& all,
                      const CertificateHashData& hash) {
    if (hash.hash_algorithm == HashAlgorithm::sha256) return same_certificate(c.hash, hash);
    std::string issuer = c.pem;
    for (auto& other : all)
      if (&other != &c && certificate_issued_by(c.pem, other.pem) &&
          !certificate_issued_by(c.pem, c.pem))
        issuer = other.pem;
    auto h = certificate_hash_data(c.pem, issuer, hash.hash_algorithm);
    return h && same_certificate(*h, hash);
  }

  GetInstalledCertificateIdsResponse list(CertificateUseEnumType type) const {
    GetInstalledCertificateIdsResponse resp;
    resp.status = GetInstalledCertificateStatusEnumType::NotFound;  // M03.FR.02
    auto& security = engine_.options_.security;
    if (!security) return resp;
    auto installed = security->installed_ca_certificates({to_use(type)});
    if (!installed) {
      engine_.log(1, "GetInstalledCertificateIds: " + installed.error().message());
      return resp;
    }
    if (installed->empty()) return resp;
    // M03.FR.03, M03.FR.04: the hash data of each one (SHA256, A00.FR.506).
    std::vector<CertificateHashDataType> ids;
    for (auto& c : *installed) ids.push_back(to_message(c.hash));
    resp.certificateHashData = std::move(ids);
    resp.status = GetInstalledCertificateStatusEnumType::Accepted;
    return resp;
  }

  void forget_fallback() {
    fallback_.reset();
    if (auto ec = engine_.store_.kv_erase(kFallbackKey))
      engine_.log(1, "cannot erase " + std::string(kFallbackKey));
  }

  // Section 8: keys changed, ReconfigurationOfSecurityParameters (not critical: logged).
  void raise(Now now, std::string what) {
    if (auto ec = raise_security_event(engine_, "ReconfigurationOfSecurityParameters",
                                       std::move(what), now))
      engine_.log(1, "security event not logged: " + ec.message());
  }

  Engine::Impl& engine_;
  std::optional<CertificateHashData> fallback_;
  std::uint64_t fallback_epoch_ = 0;
};

}  // namespace

std::unique_ptr<Module> make_certificates_module(Engine::Impl& engine) {
  return std::make_unique<CertificatesModule>(engine);
}

}  // namespace ocpp::v16
