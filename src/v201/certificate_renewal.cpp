// The charging station certificate of OCPP 2.0.1 part 2: A02 (renewal the CSMS asks for with
// TriggerMessage SignChargingStationCertificate, see remote_control.cpp), A03 (renewal a month
// before expiry), SignCertificateRequest with its back-off (A02.FR.17 to A02.FR.19) and
// CertificateSignedRequest; also the removal of the fallback CSMS root (M05.FR.13), the other
// timer of certificate management.
//
// The key pair and the certificate live in the SecurityProvider: the engine asks it for a CSR
// and hands it the signed chain; the private key never passes through the engine (A02.FR.05).
// A new certificate is presented at the next TLS handshake (A02.FR.08), which the engine cannot
// open: it calls the client_certificate_changed hook (ChargingStation reconnects on it).
#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

namespace {

// A00.FR.511: CN is the station's unique identity. SecurityCtrlr.Identity when the firmware
// set it (the identity the CSMS knows the station by), else the serial number of the
// BootNotificationRequest; empty when neither is known (docs/protocol-choices.md).
std::string common_name(const Engine::Impl& im) {
  auto identity = im.dm_.get_string("SecurityCtrlr", "Identity").value_or("");
  if (!identity.empty()) return identity;
  return im.options_.charging_station.serialNumber.value_or("");
}

std::string organization_name(const Engine::Impl& im) {
  return im.dm_.get_string("SecurityCtrlr", "OrganizationName").value_or("");
}

}  // namespace

bool Engine::Impl::can_sign_certificate() const {
  return options_.security_provider && certificate_changes_allowed() && accepted() &&
         !common_name(*this).empty() && !organization_name(*this).empty() &&
         session_.volatile_room() > 0;
}

bool Engine::Impl::send_sign_certificate(bool fresh, Now) {
  if (fresh || csr_pem_.empty()) {
    CsrRequest request;
    request.common_name = common_name(*this);
    request.organization = organization_name(*this);  // A00.FR.509
    auto csr = options_.security_provider->generate_csr(request);
    if (!csr) {
      log(0, "cannot make a certificate signing request: " + csr.error().message());
      return false;
    }
    csr_pem_ = std::move(*csr);
    csr_requested_ = request;
    csr_backoff_.started();
    csr_blocked_ = false;  // a trigger lifts A02.FR.19 and A02.FR.20
  }
  SignCertificateRequest msg;
  msg.csr = csr_pem_;
  // A02.FR.13: the certificate the renewal is for.
  msg.certificateType = CertificateSigningUseEnumType::ChargingStationCertificate;
  send_volatile(Action::SignCertificate, codec::to_json(msg),
                [this](const rapidjson::Value* result, Now now) {
                  SignCertificateResponse resp;
                  codec::Error err;
                  if (!result || !codec::decode(*result, resp, err)) {
                    log(1, "SignCertificateRequest got no valid answer");
                    csr_backoff_.stop();
                  } else if (resp.status == GenericStatusEnumType::Rejected) {
                    // A02.FR.12: the CSMS cannot process it; an operator runs A02 again.
                    log(1, "SignCertificateRequest rejected by the CSMS");
                    csr_backoff_.stop();
                  } else {
                    // A02.FR.17, A02.FR.18: resent when no certificate comes in time.
                    const auto wait = dm_.get_int("SecurityCtrlr", "CertSigningWaitMinimum");
                    const auto times = dm_.get_int("SecurityCtrlr", "CertSigningRepeatTimes");
                    csr_backoff_.accepted(now.mono, std::chrono::seconds(wait.value_or(60)),
                                          times.value_or(0));
                  }
                });
  return true;
}

void Engine::Impl::handle_certificate_signed(const rpc::Frame& frame, Now now) {
  CertificateSignedRequest req;
  if (!decode_request(frame, req)) return;
  CertificateSignedResponse resp;
  resp.status = CertificateSignedStatusEnumType::Rejected;
  bool changed = false;
  // A02.FR.07: refused, discarded, InvalidChargingStationCertificate (critical); no CSR of our
  // own until the CSMS triggers one (A02.FR.20).
  auto invalid = [&](const std::string& why) {
    log(1, "CertificateSignedRequest rejected: " + why);
    csr_backoff_.stop();
    csr_blocked_ = true;
    if (auto ec = raise_security_event("InvalidChargingStationCertificate", why.substr(0, 255), now,
                                       std::nullopt))
      log(1, "security event not recorded: " + ec.message());
  };
  if (!options_.security_provider) {
    log(1, "CertificateSignedRequest: no certificate store");
  } else if (req.certificateType == CertificateSigningUseEnumType::V2GCertificate) {
    log(1, "CertificateSignedRequest: this station has no V2G certificate");
  } else if (!certificate_changes_allowed()) {
    log(1, "CertificateSignedRequest refused below security profile 2");
  } else {
    // A02.FR.06 (errata 2025-01: valid now), A02.FR.16 (MaxCertificateChainSize), the
    // Certificate Properties (CN and O of the CSR sent).
    security::SignedCertificateRules rules;
    rules.max_chain_size = static_cast<std::size_t>(
        dm_.get_int("SecurityCtrlr", "MaxCertificateChainSize").value_or(10000));
    rules.max_chain_size_name = "SecurityCtrlr.MaxCertificateChainSize";
    rules.common_name = csr_requested_ ? csr_requested_->common_name : common_name(*this);
    rules.organization = csr_requested_ ? csr_requested_->organization : organization_name(*this);
    rules.must_have_begun = true;
    CertificateInfo info;
    if (auto why =
            security::signed_certificate_problem(req.certificateChain, now.wall, rules, info)) {
      invalid(*why);
    } else if (auto ec = options_.security_provider->install_charging_station_certificate(
                   req.certificateChain)) {
      // The provider checks the key pair and the chain to a CSMS root (the CSO hierarchy).
      invalid(ec.message());
    } else {
      resp.status = CertificateSignedStatusEnumType::Accepted;
      csr_backoff_.stop();
      csr_requested_.reset();
      csr_pem_.clear();
      changed = true;
      if (auto ec = raise_security_event("ReconfigurationOfSecurityParameters",
                                         std::string("charging station certificate installed"), now,
                                         std::nullopt))
        log(1, "security event not recorded: " + ec.message());
    }
  }
  reply(frame.id, codec::to_json(resp));
  // A02.FR.08 (errata 2025-01): Accepted, then reconnect with it. Only profile 3 presents a
  // client certificate; the hook runs after the reply has gone out.
  if (changed && security_profile() == 3 && hooks_.client_certificate_changed)
    defer(hooks_.client_certificate_changed);
}

std::optional<MonoTime> Engine::Impl::certificates_next_deadline() const {
  if (!options_.security_provider || !online()) return std::nullopt;
  std::optional<MonoTime> d;
  // M05.FR.13: the fallback root goes once a connection after the replacement is up.
  if (csms_root_fallback_ && epoch() != fallback_epoch_ && certificate_changes_allowed())
    d = MonoTime{};
  if (auto due = csr_backoff_.due(); due && (!d || *due < *d)) d = *due;
  if (certificate_changes_allowed() && !csr_blocked_ && (!d || next_expiry_check_ < *d))
    d = next_expiry_check_;
  return d;
}

void Engine::Impl::certificates_timer(Now now) {
  if (!options_.security_provider || !online()) return;
  auto* provider = options_.security_provider;
  if (csms_root_fallback_ && epoch() != fallback_epoch_ && certificate_changes_allowed()) {
    // M05.FR.13: a connection after the replacement is up. One the fallback alone verified
    // does not count: the host says so (Engine::csms_root_fallback_used, M05.FR.14,
    // M05.FR.16), which moves fallback_epoch_ to it.
    const auto ec = provider->delete_ca_certificate(*csms_root_fallback_);
    if (ec && ec != SecurityErrc::not_found) {
      log(1, "cannot remove the fallback CSMS root: " + ec.message());
      fallback_epoch_ = epoch();  // again after the next connection
    } else {
      csms_root_fallback_.reset();
      (void)store_.kv_erase(kCsmsRootFallbackKey);
      if (auto e2 =
              raise_security_event("ReconfigurationOfSecurityParameters",
                                   std::string("fallback CSMS root removed"), now, std::nullopt))
        log(1, "security event not recorded: " + e2.message());
    }
  }
  // A02.FR.17 to A02.FR.19: the same CSR again, the wait doubled, CertSigningRepeatTimes times.
  if (csr_backoff_.due() && now.mono >= *csr_backoff_.due()) {
    if (csr_backoff_.take_resend(now.mono)) {
      if (can_sign_certificate()) send_sign_certificate(false, now);
    } else {
      csr_blocked_ = true;
      log(1, "no CertificateSignedRequest came: no more SignCertificateRequests until triggered");
    }
  }
  // A03.FR.02: a renewal a month before the certificate expires (none installed: nothing to
  // renew; A02 installs the first one).
  if (!csr_blocked_ && certificate_changes_allowed() && now.mono >= next_expiry_check_) {
    next_expiry_check_ = now.mono + security::kExpiryCheckInterval;
    auto cert = provider->charging_station_certificate();
    if (!cert) return;
    if (auto wait = security::wait_before_renewal(cert->not_after, now.wall)) {
      next_expiry_check_ = now.mono + *wait;
      return;
    }
    if (csr_backoff_.due()) return;  // a renewal is under way
    if (!can_sign_certificate()) {
      log(1, "the charging station certificate expires soon, but no CSR can be sent");
      return;
    }
    log(2, "the charging station certificate expires soon: renewing it (A03)");
    send_sign_certificate(true, now);
  }
}

}  // namespace ocpp::v201
