// Security Whitepaper edition 3: the charge point certificate. A02 (renewal asked by the CSMS
// with ExtendedTriggerMessage(SignChargePointCertificate), see extended_trigger.cpp), A03
// (renewal before expiry, a timer), SignCertificate.req and CertificateSigned.req.
//
// The key pair and the certificate live in the SecurityProvider: the engine asks it for a CSR
// and hands it the signed chain; the private key never passes through the engine (A02.FR.05).
// A new certificate is used from its not-before time (A02.FR.08): the connection must be
// reopened for the TLS handshake to present it, which the engine cannot do; it calls the
// client_certificate_changed hook then (ChargePoint reconnects on it).
#include <algorithm>

#include "security/certificate_management.hpp"
#include "v16/engine_impl.hpp"
#include "v16/security/certificates.hpp"
#include "v16/security/security_events.hpp"

namespace ocpp::v16 {
namespace {

// The wait before the next renewal attempt while the certificate is still due (no
// CertificateSigned came, or the CSMS answered Rejected): security::kExpiryCheckInterval, once
// a day. The whitepaper advises against fast retries (A03, error handling): a CSR the CA
// refuses is not fixed by sending it again.
constexpr auto kCheckInterval = security::kExpiryCheckInterval;

class CertificateRenewalModule final : public Module {
 public:
  explicit CertificateRenewalModule(Engine::Impl& engine) : engine_(engine) {}

  bool handles(Action a) const override { return a == Action::CertificateSigned; }

  void handle(Action, const rpc::Frame& frame, Now now) override {
    CertificateSignedRequest req;
    if (!engine_.decode_request(frame, req)) return;
    CertificateSignedResponse resp;
    resp.status = certificate_signed(req.certificateChain, now)
                      ? CertificateSignedStatusEnumType::Accepted
                      : CertificateSignedStatusEnumType::Rejected;
    engine_.reply(frame.id, payload_of(resp));
  }

  std::optional<MonoTime> next_deadline() const override {
    std::optional<MonoTime> d = reconnect_at_;
    if (engine_.options_.security && engine_.online() && certificate_changes_allowed(engine_) &&
        (!d || next_check_ < *d))
      d = next_check_;
    return d;
  }

  void on_timer(Now now) override {
    if (reconnect_at_ && now.mono >= *reconnect_at_) {
      reconnect_at_.reset();
      signal_certificate_changed();
    }
    if (engine_.options_.security && engine_.online() && certificate_changes_allowed(engine_) &&
        now.mono >= next_check_)
      check_expiry(now);
  }

  bool start(Now) {
    CsrRequest request;
    request.common_name = certificate_common_name(engine_);
    request.organization = engine_.config_.get("CpoName").value_or("");  // A02.FR.13
    auto csr = engine_.options_.security->generate_csr(request);
    if (!csr) {
      engine_.log(0, "cannot make a certificate signing request: " + csr.error().message());
      return false;
    }
    SignCertificateRequest msg;
    msg.csr = std::move(*csr);
    requested_ = request;
    engine_.send_volatile(Action::SignCertificate, payload_of(msg),
                          [this](const rapidjson::Value* result, Now) {
                            SignCertificateResponse resp;
                            codec::Error err;
                            if (!result || !codec::decode(*result, resp, err)) {
                              engine_.log(1, "SignCertificate.req got no valid answer");
                            } else if (resp.status == GenericStatusEnumType::Rejected) {
                              // A02.FR.12: the CSMS cannot process it; the operator re-runs A02 (no
                              // retry here).
                              engine_.log(1, "SignCertificate.req rejected by the Central System");
                              requested_.reset();
                            }
                          });
    return true;
  }

 private:
  // A03.FR.02: a renewal when the installed certificate expires within a month.
  void check_expiry(Now now) {
    next_check_ = now.mono + kCheckInterval;
    auto cert = engine_.options_.security->charging_station_certificate();
    if (!cert) return;  // none installed: nothing to renew (A02 installs the first one)
    // A03.FR.02: due a month before expiry; looked at again when due, and at least daily.
    if (auto wait = security::wait_before_renewal(cert->not_after, now.wall)) {
      next_check_ = now.mono + *wait;
      return;
    }
    if (!can_renew_certificate(engine_)) {
      engine_.log(
          1,
          "the charge point certificate expires soon, but no renewal can be made (CpoName set?)");
      return;
    }
    engine_.log(2, "the charge point certificate expires soon: renewing it (A03)");
    start(now);
  }

  // A02.FR.06, A02.FR.07: the certificate is checked before it is used; a bad one is
  // discarded with an InvalidChargePointCertificate security event.
  bool certificate_signed(const std::string& chain, Now now) {
    auto& provider = engine_.options_.security;
    if (!provider) {
      engine_.log(1, "CertificateSigned.req: no certificate store");
      return false;
    }
    if (!certificate_changes_allowed(engine_)) {
      engine_.log(1, "CertificateSigned.req refused below SecurityProfile 2");
      return false;
    }
    // Section 7.3: the chain is at most CertificateSignedMaxChainSize characters.
    // A00.FR.509, A00.FR.511: O is the CPO's name, CN the charge point's, as in the CSR sent.
    security::SignedCertificateRules rules;
    rules.max_chain_size =
        static_cast<std::size_t>(engine_.config_.get_int("CertificateSignedMaxChainSize"));
    rules.max_chain_size_name = "CertificateSignedMaxChainSize";
    rules.common_name = requested_ ? requested_->common_name : certificate_common_name(engine_);
    rules.organization =
        requested_ ? requested_->organization : engine_.config_.get("CpoName").value_or("");
    CertificateInfo info;
    if (auto why = security::signed_certificate_problem(chain, now.wall, rules, info))
      return invalid(*why, now);
    // The provider checks the key pair, the chain to a CentralSystemRootCertificate (the CPO
    // hierarchy, section 2.6.2) and the validity period.
    if (auto ec = provider->install_charging_station_certificate(chain))
      return invalid(ec.message(), now);
    requested_.reset();
    if (auto ec = raise_security_event(engine_, "ReconfigurationOfSecurityParameters",
                                       std::string("charge point certificate installed"), now))
      engine_.log(1, "security event not logged: " + ec.message());
    // A02.FR.08: used from its not-before time, at the next connection. Only profile 3
    // presents a client certificate.
    if (current_security_profile(engine_) == 3) {
      if (info.not_before <= now.wall) {
        signal_certificate_changed();
      } else {
        reconnect_at_ = now.mono + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                       info.not_before - now.wall);
      }
    }
    return true;
  }

  bool invalid(const std::string& why, Now now) {
    engine_.log(1, "CertificateSigned.req rejected: " + why);
    if (auto ec =
            raise_security_event(engine_, "InvalidChargePointCertificate", why.substr(0, 255), now))
      engine_.log(1, "security event not logged: " + ec.message());
    return false;
  }

  void signal_certificate_changed() {
    if (engine_.hooks_.client_certificate_changed)
      engine_.defer(engine_.hooks_.client_certificate_changed);
  }

  Engine::Impl& engine_;
  std::optional<CsrRequest> requested_;   // the subject of the last CSR sent
  MonoTime next_check_{};                 // the next expiry check (A03)
  std::optional<MonoTime> reconnect_at_;  // the new certificate's not-before
};

CertificateRenewalModule& renewal_module(Engine::Impl& engine) {
  return *static_cast<CertificateRenewalModule*>(engine.certificate_renewal_module_);
}

}  // namespace

std::string certificate_common_name(const Engine::Impl& engine) {
  if (!engine.options_.charge_point_id.empty()) return engine.options_.charge_point_id;
  return engine.options_.boot.chargePointSerialNumber.value_or("");
}

bool can_renew_certificate(const Engine::Impl& engine) {
  return engine.options_.security && !engine.config_.get("CpoName").value_or("").empty() &&
         !certificate_common_name(engine).empty() && certificate_changes_allowed(engine) &&
         engine.accepted() && engine.session_.volatile_room() > 0;
}

bool renew_certificate(Engine::Impl& engine, Now now) { return renewal_module(engine).start(now); }

std::unique_ptr<Module> make_certificate_renewal_module(Engine::Impl& engine) {
  auto m = std::make_unique<CertificateRenewalModule>(engine);
  engine.certificate_renewal_module_ = m.get();
  return m;
}

}  // namespace ocpp::v16
