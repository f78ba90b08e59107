// Security Whitepaper edition 3: CA certificate management. InstallCertificate (M05),
// DeleteCertificate (M04) and GetInstalledCertificateIds (M03), on the SecurityProvider's
// trust store; the AdditionalRootCertificateCheck replacement of the CSMS root (section 7.1,
// M05.FR.08..13) with its fallback root.
//
// Over SecurityProfile 0 or 1 the CSMS is not authenticated: certificate changes are refused
// there (certificate_changes_allowed), except the first CentralSystemRootCertificate, without
// which the upgrade to profile 2 (A05.FR.03) could never be made over OCPP.
#include "v16/security/certificates.hpp"

#include "security/certificate_management.hpp"
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
  return security::pem_without_whitespace(pem);
}

namespace {

// The fallback CSMS root kept after a replacement (M05.FR.11), by its SHA256 hash data.
constexpr const char* kFallbackKey = "cert.csms_root_fallback";

CaCertificateUse to_use(CertificateUseEnumType t) {
  return t == CertificateUseEnumType::CentralSystemRootCertificate
             ? CaCertificateUse::csms_root
             : CaCertificateUse::manufacturer_root;
}

class CertificatesModule final : public Module {
 public:
  explicit CertificatesModule(Engine::Impl& engine) : engine_(engine) {}

  std::error_code load(Now) override {
    std::vector<std::pair<std::string, std::string>> rows;
    if (auto ec = engine_.store_.kv_load(kFallbackKey, rows)) return ec;
    for (auto& [key, value] : rows)
      if (key == kFallbackKey) fallback_ = security::hash_data_from_text(value);
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
      resp.status = remove(security::hash_data_of(req.certificateHashData), now);
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
    auto& provider = engine_.options_.security;
    // No certificate store: no room for any certificate (M05.FR.03).
    if (!provider) return Status::Rejected;
    security::CaInstallPolicy policy;
    policy.authenticated = certificate_changes_allowed(engine_);
    // M05.FR.08..10: one CentralSystemRootCertificate, replaced by one it signed.
    policy.additional_root_check = engine_.config_.get_bool("AdditionalRootCertificateCheck");
    // M05.FR.03: CertificateStoreMaxLength counts every installed CA certificate.
    policy.max_entries = engine_.config_.get_int("CertificateStoreMaxLength");
    // M05.FR.06 (validity, PEM, CA) and M05.FR.04 (the provider failed) in the shared rules.
    auto out = security::install_ca_certificate(*provider, to_use(req.certificateType),
                                                req.certificate, now.wall, policy, fallback_);
    if (out.status != security::CaChange::accepted) {
      engine_.log(1, "InstallCertificate: " + out.why);
      return out.status == security::CaChange::failed ? Status::Failed : Status::Rejected;
    }
    if (out.fallback) {
      // M05.FR.11: the replaced root stays as the fallback.
      fallback_ = out.fallback;
      fallback_epoch_ = engine_.epoch();
      if (auto ec = engine_.store_.kv_set(kFallbackKey, security::hash_data_to_text(*fallback_)))
        engine_.log(1, "cannot store the fallback CentralSystemRootCertificate: " + ec.message());
    }
    raise(now, std::string(to_string(req.certificateType)) + " installed");
    return Status::Accepted;
  }

  DeleteCertificateStatusEnumType remove(const CertificateHashData& hash, Now now) {
    using Status = DeleteCertificateStatusEnumType;
    auto& provider = engine_.options_.security;
    if (!provider) return Status::NotFound;  // nothing is installed without a store
    // M04.FR.04 (the charge point certificate is no CA certificate: never found, M04.FR.05),
    // M04.FR.06 (the only CentralSystemRootCertificate stays), M04.FR.03, M04.FR.07.
    auto out = security::delete_ca_certificate(*provider, hash,
                                               certificate_changes_allowed(engine_), fallback_);
    if (out.status == security::CaChange::not_found) return Status::NotFound;
    if (out.status != security::CaChange::accepted) {
      engine_.log(1, "DeleteCertificate: " + out.why);
      return Status::Failed;
    }
    if (out.was_fallback) forget_fallback();
    raise(now, "CA certificate deleted");
    return Status::Accepted;  // M04.FR.02
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
    for (auto& c : *installed)
      ids.push_back(security::hash_data_message<CertificateHashDataType>(c.hash));
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
