// Functional block M of OCPP 2.0.1 part 2, the CA certificates: GetInstalledCertificateIds
// (M03), DeleteCertificate (M04) and InstallCertificate (M05) with the replacement of the CSMS
// root under AdditionalRootCertificateCheck and its fallback (M05.FR.09 to M05.FR.13). The
// store is the SecurityProvider's; the rules are shared with 1.6 (security/
// certificate_management.hpp). The station without a provider has no certificate store.
//
// Over security profile 1 the CSMS is not authenticated: certificate changes are refused there
// except the first CSMS root, without which the upgrade to profile 2 could never be made over
// OCPP (docs/protocol-choices.md, as in 1.6).
#include <algorithm>

#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

namespace {

CaCertificateUse to_use(InstallCertificateUseEnumType t) {
  switch (t) {
    case InstallCertificateUseEnumType::V2GRootCertificate:
      return CaCertificateUse::v2g_root;
    case InstallCertificateUseEnumType::MORootCertificate:
      return CaCertificateUse::mo_root;
    case InstallCertificateUseEnumType::CSMSRootCertificate:
      return CaCertificateUse::csms_root;
    case InstallCertificateUseEnumType::ManufacturerRootCertificate:
      break;
  }
  return CaCertificateUse::manufacturer_root;
}

GetCertificateIdUseEnumType to_id_use(CaCertificateUse u) {
  switch (u) {
    case CaCertificateUse::csms_root:
      return GetCertificateIdUseEnumType::CSMSRootCertificate;
    case CaCertificateUse::manufacturer_root:
      return GetCertificateIdUseEnumType::ManufacturerRootCertificate;
    case CaCertificateUse::v2g_root:
      return GetCertificateIdUseEnumType::V2GRootCertificate;
    case CaCertificateUse::mo_root:
      break;
  }
  return GetCertificateIdUseEnumType::MORootCertificate;
}

// The leaf of a PEM chain and the certificate after it (its issuer), empty when there is none.
std::string second_certificate(const std::string& chain) {
  const auto at = chain.find("-----BEGIN CERTIFICATE-----", 1);
  return at == std::string::npos ? std::string() : chain.substr(at);
}

}  // namespace

std::error_code Engine::Impl::load_certificates() {
  std::vector<std::pair<std::string, std::string>> rows;
  if (auto ec = store_.kv_load(kCsmsRootFallbackKey, rows)) return ec;
  for (auto& [key, value] : rows)
    if (key == kCsmsRootFallbackKey) csms_root_fallback_ = security::hash_data_from_text(value);
  // Kept until a connection made after this start succeeded (M05.FR.13).
  fallback_epoch_ = epoch();
  return {};
}

int Engine::Impl::security_profile() const {
  return static_cast<int>(dm_.get_int("SecurityCtrlr", "SecurityProfile").value_or(0));
}

std::size_t Engine::Impl::certificate_entries() const {
  if (!options_.security_provider) return 0;
  auto installed = options_.security_provider->installed_ca_certificates({});
  return installed ? installed->size() : 0;
}

bool Engine::Impl::handle_certificate_call(const rpc::Frame& frame, Action action, Now now) {
  auto* provider = options_.security_provider;
  auto security_event = [this, now](std::string what) {
    // Keys and trust anchors changed: ReconfigurationOfSecurityParameters (not critical).
    if (auto ec = raise_security_event("ReconfigurationOfSecurityParameters", std::move(what), now,
                                       std::nullopt))
      log(1, "security event not recorded: " + ec.message());
  };
  if (action == Action::GetInstalledCertificateIds) {
    GetInstalledCertificateIdsRequest req;
    if (!decode_request(frame, req)) return true;
    GetInstalledCertificateIdsResponse resp;
    resp.status = GetInstalledCertificateStatusEnumType::NotFound;  // M03.FR.02
    std::vector<CertificateHashDataChainType> found;
    auto installed =
        provider ? provider->installed_ca_certificates({})
                 : Result<std::vector<InstalledCertificate>>(std::vector<InstalledCertificate>{});
    if (!installed) log(1, "GetInstalledCertificateIds: " + installed.error().message());
    // No filter: every type. V2GCertificateChain: this station has no V2G certificate of its
    // own (M03.FR.05), so nothing is found for it.
    const auto& wanted = req.certificateType;
    for (const auto& c : installed ? *installed : std::vector<InstalledCertificate>{}) {
      const auto type = to_id_use(c.use);
      if (wanted && std::find(wanted->begin(), wanted->end(), type) == wanted->end()) continue;
      CertificateHashDataChainType item;
      item.certificateType = type;
      item.certificateHashData = security::hash_data_message<CertificateHashDataType>(c.hash);
      found.push_back(std::move(item));
    }
    if (!found.empty()) {
      // M03.FR.03, M03.FR.04: the hash data of each one (SHA256, A00.FR.506).
      resp.status = GetInstalledCertificateStatusEnumType::Accepted;
      resp.certificateHashDataChain = std::move(found);
    }
    reply(frame.id, codec::to_json(resp));
    return true;
  }
  if (action == Action::DeleteCertificate) {
    DeleteCertificateRequest req;
    if (!decode_request(frame, req)) return true;
    DeleteCertificateResponse resp;
    resp.status = DeleteCertificateStatusEnumType::NotFound;  // nothing without a store
    const auto hash = security::hash_data_of(req.certificateHashData);
    if (provider) {
      // M04.FR.06: the charging station certificate is not deleted over OCPP (its issuer is
      // the next certificate of its chain, or an installed CA).
      bool own = false;
      if (auto cert = provider->charging_station_certificate()) {
        std::vector<std::string> issuers{second_certificate(cert->chain_pem)};
        if (auto cas = provider->installed_ca_certificates({}))
          for (auto& c : *cas) issuers.push_back(c.pem);
        for (auto& issuer : issuers) {
          if (issuer.empty() || !certificate_issued_by(cert->chain_pem, issuer)) continue;
          auto h = certificate_hash_data(cert->chain_pem, issuer, hash.hash_algorithm);
          own = own || (h && same_certificate(*h, hash));
        }
      }
      if (own) {
        resp.status = DeleteCertificateStatusEnumType::Failed;
      } else {
        // M04.FR.02 to M04.FR.04; the only CSMS root stays (M04.FR.03: rejected).
        auto out = security::delete_ca_certificate(*provider, hash, certificate_changes_allowed(),
                                                   csms_root_fallback_);
        if (out.status == security::CaChange::accepted) {
          resp.status = DeleteCertificateStatusEnumType::Accepted;
          if (out.was_fallback) {
            csms_root_fallback_.reset();
            (void)store_.kv_erase(kCsmsRootFallbackKey);
          }
          security_event("CA certificate deleted");
        } else if (out.status != security::CaChange::not_found) {
          log(1, "DeleteCertificate: " + out.why);
          resp.status = DeleteCertificateStatusEnumType::Failed;
        }
      }
    }
    reply(frame.id, codec::to_json(resp));
    return true;
  }
  if (action == Action::InstallCertificate) {
    InstallCertificateRequest req;
    if (!decode_request(frame, req)) return true;
    InstallCertificateResponse resp;
    resp.status = InstallCertificateStatusEnumType::Rejected;  // no store: no room (M05.FR.06)
    if (provider) {
      security::CaInstallPolicy policy;
      policy.authenticated = certificate_changes_allowed();
      policy.additional_root_check =
          dm_.get_bool("SecurityCtrlr", "AdditionalRootCertificateCheck").value_or(false);
      policy.max_entries = kCertificateEntriesMax;  // M05.FR.06
      // M05.FR.07 (invalid), M05.FR.09 to M05.FR.12 (replacement), M05.FR.17 (present).
      auto out =
          security::install_ca_certificate(*provider, to_use(req.certificateType), req.certificate,
                                           now.wall, policy, csms_root_fallback_);
      if (out.status == security::CaChange::accepted) {
        resp.status = InstallCertificateStatusEnumType::Accepted;  // M05.FR.02
        if (out.fallback) {
          csms_root_fallback_ = out.fallback;
          fallback_epoch_ = epoch();
          if (auto ec =
                  store_.kv_set(kCsmsRootFallbackKey, security::hash_data_to_text(*out.fallback)))
            log(1, "cannot store the fallback CSMS root: " + ec.message());
        }
        security_event(std::string(to_string(req.certificateType)) + " installed");
      } else {
        log(1, "InstallCertificate: " + out.why);
        resp.status = out.status == security::CaChange::failed
                          ? InstallCertificateStatusEnumType::Failed  // M05.FR.03
                          : InstallCertificateStatusEnumType::Rejected;
      }
    }
    reply(frame.id, codec::to_json(resp));
    return true;
  }
  if (action == Action::CertificateSigned) {
    handle_certificate_signed(frame, now);  // certificate_renewal.cpp
    return true;
  }
  return false;
}

}  // namespace ocpp::v201
