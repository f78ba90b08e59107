// Security Whitepaper L01: SignedUpdateFirmware and SignedFirmwareStatusNotification.
//
// The steps of a secure update, each reported as a SignedFirmwareStatusNotification with the
// request's requestId (L01.FR.01, L01.FR.10): the signing certificate is verified against the
// ManufacturerRootCertificate before the request is accepted (L01.FR.23/24); the download waits
// for retrieveDateTime (DownloadScheduled, L01.FR.13) and is retried after retryInterval; the
// downloaded file's signature is verified through the SecurityProvider before anything is
// installed (L01.FR.04, L01.FR.12); the installation waits for installDateTime (InstallScheduled,
// L01.FR.16) and for the running transactions (L01.FR.06/18), with the free connectors
// Unavailable meanwhile (L01.FR.07/19). Transfers and installation are the firmware's, through
// hooks, reported back with Engine::report_signed_firmware_status. The state is persisted (store
// key "sfw.update") on every step: an update normally spans a reboot.
#include "v16/security/signed_firmware.hpp"

#include "v16/engine_impl.hpp"
#include "v16/file_transfer.hpp"
#include "v16/security/security_events.hpp"

namespace ocpp::v16 {
namespace {

using Status = FirmwareStatusEnumType;

constexpr const char* kUpdateKey = "sfw.update";

// Steps of a signed update. Each is persisted, so the names are part of the stored format.
enum class SfwPhase {
  None,
  DownloadScheduled,  // waiting for retrieveDateTime or the next attempt
  Downloading,       // signed_firmware_download was called; waiting for Downloaded / DownloadFailed
  InstallScheduled,  // signature verified; waiting for installDateTime
  InstallWaiting,    // waiting for the running transactions to end
  InstallRequested,  // signed_firmware_install was called; waiting for Installing
  Installing,        // the firmware reported Installing / InstallRebooting
  Done,              // finished; kept only until its last status notification was confirmed
};
constexpr const char* kSfwPhaseNames[] = {
    "None",           "DownloadScheduled", "Downloading", "InstallScheduled",
    "InstallWaiting", "InstallRequested",  "Installing",  "Done"};

// The provider's answers that say the signing certificate is not valid or could not be
// verified: everything but a signature that does not match (over the empty data it is
// checked with at request time).
bool certificate_refused(std::error_code ec) { return ec && ec != SecurityErrc::invalid_signature; }

class SignedFirmwareModule final : public Module {
 public:
  explicit SignedFirmwareModule(Engine::Impl& engine) : engine_(engine) {}

  // ------------------------------------------------------------------ state for others

  // L01.FR.28/29: the last status sent, Idle once it was Installed (or before any).
  Status trigger_status() const {
    if (!note_.latest || *note_.latest == Status::Installed) return Status::Idle;
    return *note_.latest;
  }
  std::optional<std::int32_t> trigger_request_id() const {
    return trigger_status() == Status::Idle ? std::nullopt : note_.request_id;
  }

  // ------------------------------------------------------------------ Module

  std::error_code load(Now now) override {
    std::vector<std::pair<std::string, std::string>> kv;
    if (auto ec = engine_.store_.kv_load(kUpdateKey, kv)) return ec;
    for (const auto& [key, value] : kv) {
      if (key != kUpdateKey) continue;
      if (!transfer::read_request_state(value, state_, note_) ||
          !transfer::phase_from(kSfwPhaseNames, state_.phase, phase_)) {
        engine_.log(0, "discarding an unreadable stored signed firmware update");
        state_ = {};
        note_ = {};
        phase_ = SfwPhase::None;
      }
    }
    // Resume where the power went off; a step the firmware acknowledged (Installing) is not
    // repeated, only the firmware knows its outcome (it reports Installed after its reboot).
    switch (phase_) {
      case SfwPhase::DownloadScheduled:
        due_ = transfer::mono_for(state_.retry.at, now);
        break;
      case SfwPhase::Downloading:
        call_download(now);
        break;
      case SfwPhase::InstallScheduled:
        install_due_ = transfer::mono_for(install_time(), now);
        break;
      case SfwPhase::InstallWaiting:
        maybe_install(now);
        break;
      case SfwPhase::InstallRequested:
        call_install(now);
        break;
      default:
        break;
    }
    return {};
  }

  bool handles(Action a) const override { return a == Action::SignedUpdateFirmware; }

  void handle(Action, const rpc::Frame& frame, Now now) override {
    SignedUpdateFirmwareRequest req;
    if (!engine_.decode_request(frame, req)) return;
    SignedUpdateFirmwareResponse resp;
    if (auto why = check_certificate(req)) {
      // L01.FR.24 and L01.FR.02; an update under way goes on (this request was not accepted).
      resp.status = UpdateFirmwareStatusEnumType::InvalidCertificate;
      engine_.reply(frame.id, codec::to_json(resp));
      raise_event("InvalidFirmwareSigningCertificate", *why, now);
      return;
    }
    if (phase_ == SfwPhase::InstallRequested || phase_ == SfwPhase::Installing) {
      // L01.FR.27: an installation handed to the firmware cannot be cancelled.
      resp.status = UpdateFirmwareStatusEnumType::Rejected;
      engine_.reply(frame.id, codec::to_json(resp));
      return;
    }
    const bool cancel = phase_ != SfwPhase::None && phase_ != SfwPhase::Done;
    resp.status = cancel ? UpdateFirmwareStatusEnumType::AcceptedCanceled
                         : UpdateFirmwareStatusEnumType::Accepted;
    engine_.reply(frame.id, codec::to_json(resp));
    if (cancel) {
      // L01.FR.26: the new request replaces the update under way.
      engine_.log(1, "SignedUpdateFirmware " + std::to_string(req.requestId) +
                         " cancels the update of request " +
                         std::to_string(state_.request.requestId));
      if (engine_.hooks_.signed_firmware_cancel)
        engine_.defer(
            [h = engine_.hooks_.signed_firmware_cancel, id = state_.request.requestId] { h(id); });
    }
    due_.reset();
    install_due_.reset();
    state_ = {};
    state_.request = req;
    state_.retry.set(req.retries, req.retryInterval);
    state_.retry.at = req.firmware.retrieveDateTime;
    phase_ = SfwPhase::DownloadScheduled;
    if (req.firmware.retrieveDateTime > now.wall) {
      due_ = transfer::mono_for(req.firmware.retrieveDateTime, now);
      notify(Status::DownloadScheduled);  // L01.FR.13
    } else {
      start_download(now);
    }
    if (cancel) refresh_connectors(now);
  }

  // L01.FR.07/19: the free connectors are Unavailable while the installation waits for the
  // transactions to end and until the firmware is installed.
  bool makes_unavailable(const Connector& c) const override {
    if (c.id == 0 || c.tx_key) return false;
    return phase_ == SfwPhase::InstallWaiting || phase_ == SfwPhase::InstallRequested ||
           phase_ == SfwPhase::Installing;
  }

  void on_transaction_stopped(Connector&, std::int64_t, Reason, Now now) override {
    maybe_install(now);
  }

  void on_timer(Now now) override {
    if (due_ && now.mono >= *due_) {
      due_.reset();
      if (phase_ == SfwPhase::DownloadScheduled) start_download(now);
    }
    if (install_due_ && now.mono >= *install_due_) {
      install_due_.reset();
      if (phase_ == SfwPhase::InstallScheduled) wait_for_transactions(now);  // L01.FR.17
    }
    if (engine_.online() && note_.waiting()) send_note();
  }

  std::optional<MonoTime> next_deadline() const override {
    if (engine_.online() && note_.waiting()) return MonoTime{};  // waits for the connection: now
    if (due_ && install_due_) return std::min(*due_, *install_due_);
    return due_ ? due_ : install_due_;
  }

  // ------------------------------------------------------------------ firmware reports

  std::error_code report(Status st, std::int32_t request_id, Now now,
                         const std::optional<std::string>& path) {
    if (phase_ == SfwPhase::None || phase_ == SfwPhase::Done ||
        state_.request.requestId != request_id)
      return make_error_code(Errc::invalid_state);  // not this update's (L01.FR.10)
    const bool downloading = phase_ == SfwPhase::Downloading;
    const bool installing = phase_ == SfwPhase::InstallRequested || phase_ == SfwPhase::Installing;
    switch (st) {
      case Status::Downloading:
      case Status::DownloadPaused:  // L01.FR.14
        if (!downloading) return make_error_code(Errc::invalid_state);
        return notify(st);
      case Status::Downloaded:
        if (!path || path->empty()) return make_error_code(Errc::invalid_argument);
        if (!downloading) return make_error_code(Errc::invalid_state);
        state_.file = *path;
        notify(st);
        return verify(now);
      case Status::DownloadFailed:
        if (!downloading) return make_error_code(Errc::invalid_state);
        // DownloadFailed is a failure end state (6.8): while retries are left the download is
        // scheduled again instead, and that is the state reported.
        if (state_.retry.next_attempt(now, due_)) {
          phase_ = SfwPhase::DownloadScheduled;
          return notify(Status::DownloadScheduled);
        }
        phase_ = SfwPhase::Done;
        return notify(st);
      case Status::Installing:
      case Status::InstallRebooting:  // L01.FR.15
        if (!installing) return make_error_code(Errc::invalid_state);
        phase_ = SfwPhase::Installing;
        return notify(st);
      case Status::Installed:
      case Status::InstallationFailed:
      case Status::InstallVerificationFailed: {
        if (!installing) return make_error_code(Errc::invalid_state);
        phase_ = SfwPhase::Done;
        std::error_code ec = notify(st);
        refresh_connectors(now);
        if (st == Status::Installed)
          raise_event("FirmwareUpdated", "requestId " + std::to_string(request_id), now,
                      std::nullopt);
        return ec;
      }
      default:  // the library's own statuses, and Idle (only for a trigger)
        return make_error_code(Errc::invalid_argument);
    }
  }

  void send_triggered() {
    SignedFirmwareStatusNotificationRequest req;
    req.status = trigger_status();
    req.requestId = trigger_request_id();
    engine_.send_volatile(Action::SignedFirmwareStatusNotification, codec::to_json(req));
  }

 private:
  DateTime install_time() const {
    return state_.request.firmware.installDateTime.value_or(DateTime{});
  }

  // L01.FR.23 / L01.FR.12: the signing certificate chains to a ManufacturerRootCertificate and
  // is valid. The provider checks a certificate only with a signature, so it is given the
  // request's signature over no data: a certificate error comes before the signature check.
  // Returns why the certificate is refused, nullopt when it is fine.
  std::optional<std::string> check_certificate(const SignedUpdateFirmwareRequest& req) {
    auto& provider = engine_.options_.security;
    if (!provider) return std::string("no SecurityProvider to verify the signing certificate");
    const std::error_code ec =
        provider->verify_signature("", req.firmware.signature, req.firmware.signingCertificate,
                                   CaCertificateUse::manufacturer_root);
    if (!certificate_refused(ec)) return std::nullopt;
    return "signing certificate: " + ec.message();
  }

  void start_download(Now now) {
    phase_ = SfwPhase::Downloading;
    save();
    call_download(now);
  }

  void call_download(Now now) {
    if (!engine_.hooks_.signed_firmware_download) {
      engine_.log(
          1, "SignedUpdateFirmware: no signed_firmware_download hook, reporting DownloadFailed");
      state_.retry.left = 0;  // no attempt can ever succeed
      report(Status::DownloadFailed, state_.request.requestId, now, std::nullopt);
      return;
    }
    engine_.defer([h = engine_.hooks_.signed_firmware_download, req = state_.request] { h(req); });
  }

  // L01.FR.04: the signature over the whole downloaded file, SHA256, with the signing
  // certificate's key, before anything is installed. Synchronous: the provider is a port of
  // the engine as the Store is, and this runs once per update.
  std::error_code verify(Now now) {
    auto& provider = engine_.options_.security;
    const auto& fw = state_.request.firmware;
    const std::error_code ec =
        provider ? provider->verify_file_signature(state_.file, fw.signature, fw.signingCertificate,
                                                   CaCertificateUse::manufacturer_root)
                 : make_error_code(SecurityErrc::not_found);
    if (ec) {
      // L01 step 5 and L01.FR.03: InvalidSignature, a failure end state.
      phase_ = SfwPhase::Done;
      std::error_code saved = notify(Status::InvalidSignature);
      raise_event("InvalidFirmwareSignature",
                  "requestId " + std::to_string(state_.request.requestId) + ": " + ec.message(),
                  now);
      return saved;
    }
    notify(Status::SignatureVerified);
    phase_ = SfwPhase::InstallScheduled;
    if (fw.installDateTime && *fw.installDateTime > now.wall) {
      install_due_ = transfer::mono_for(*fw.installDateTime, now);
      return notify(Status::InstallScheduled);  // L01.FR.16
    }
    wait_for_transactions(now);  // L01.FR.05
    return {};
  }

  void wait_for_transactions(Now now) {
    phase_ = SfwPhase::InstallWaiting;
    save();
    refresh_connectors(now);
    maybe_install(now);
  }

  // L01.FR.06/18: installation waits until no transaction runs.
  void maybe_install(Now now) {
    if (phase_ != SfwPhase::InstallWaiting) return;
    for (const auto& c : engine_.connectors_)
      if (c.tx_key) return;
    phase_ = SfwPhase::InstallRequested;
    save();
    call_install(now);
  }

  void call_install(Now now) {
    if (!engine_.hooks_.signed_firmware_install) {
      engine_.log(
          1, "SignedUpdateFirmware: no signed_firmware_install hook, reporting InstallationFailed");
      report(Status::InstallationFailed, state_.request.requestId, now, std::nullopt);
      return;
    }
    engine_.defer([h = engine_.hooks_.signed_firmware_install, req = state_.request,
                   path = state_.file] { h(req, path); });
  }

  // L01.FR.02/03 ask for a SecurityEventNotification of the two events section 8 lists as not
  // critical: raised as critical here, so that they are sent.
  void raise_event(std::string_view type, std::string tech_info, Now now,
                   std::optional<bool> critical = true) {
    if (tech_info.size() > 255) tech_info.resize(255);
    if (auto ec = raise_security_event(engine_, type, std::move(tech_info), now, critical))
      engine_.log(0,
                  "raising the security event " + std::string(type) + " failed: " + ec.message());
  }

  void refresh_connectors(Now now) {
    for (auto& c : engine_.connectors_)
      if (c.id >= 1) engine_.update_status(c, now);
  }

  // L01.FR.01: a notification for every state entered.
  std::error_code notify(Status st) {
    note_.set(st, state_.request.requestId);
    std::error_code ec = save();
    if (engine_.online()) send_note();
    return ec;
  }

  void send_note() {
    if (!note_.latest) return;
    SignedFirmwareStatusNotificationRequest req;
    req.status = *note_.latest;
    req.requestId = note_.request_id;
    transfer::send_note(engine_, note_, req, [this] { save(); });
  }

  std::error_code save() {
    std::optional<std::string> json;
    if (phase_ == SfwPhase::Done && !note_.unsent) {
      // The last status stays for a trigger (L01.FR.29); the request itself is forgotten.
      phase_ = SfwPhase::None;
      state_ = {};
    }
    state_.phase = kSfwPhaseNames[static_cast<int>(phase_)];
    if (phase_ != SfwPhase::None || note_.unsent)
      json = transfer::write_request_state(state_, note_);
    return transfer::store_state(engine_, kUpdateKey, json, "the signed firmware update");
  }

  Engine::Impl& engine_;
  SfwPhase phase_ = SfwPhase::None;
  transfer::RequestState<SignedUpdateFirmwareRequest> state_;  // file: the downloaded file's path
  std::optional<MonoTime> due_;          // the download (retrieveDateTime, retries)
  std::optional<MonoTime> install_due_;  // installDateTime
  transfer::Notifier<Status> note_;
};

const SignedFirmwareModule* find_module(const Engine::Impl& engine) {
  return static_cast<const SignedFirmwareModule*>(engine.signed_firmware_module_);
}
SignedFirmwareModule* find_module(Engine::Impl& engine) {
  return static_cast<SignedFirmwareModule*>(engine.signed_firmware_module_);
}

}  // namespace

std::unique_ptr<Module> make_signed_firmware_module(Engine::Impl& engine) {
  auto m = std::make_unique<SignedFirmwareModule>(engine);
  engine.signed_firmware_module_ = m.get();
  return m;
}

FirmwareStatusEnumType current_signed_firmware_status(const Engine::Impl& engine) {
  const SignedFirmwareModule* m = find_module(engine);
  return m ? m->trigger_status() : FirmwareStatusEnumType::Idle;
}

std::optional<std::int32_t> current_signed_firmware_request_id(const Engine::Impl& engine) {
  const SignedFirmwareModule* m = find_module(engine);
  return m ? m->trigger_request_id() : std::nullopt;
}

void send_signed_firmware_status_notification(Engine::Impl& engine, Now) {
  if (SignedFirmwareModule* m = find_module(engine)) m->send_triggered();
}

bool secure_firmware_update_only(const Engine::Impl& engine) {
  const auto& provider = engine.options_.security;
  if (!provider) return false;
  auto roots = provider->installed_ca_certificates({CaCertificateUse::manufacturer_root});
  return roots.ok() && !roots.value().empty();
}

std::error_code Engine::report_signed_firmware_status(FirmwareStatusEnumType status,
                                                      std::int32_t request_id, Now now,
                                                      std::optional<std::string> path) {
  SignedFirmwareModule* m = find_module(*impl_);
  if (!m) return make_error_code(Errc::invalid_state);
  return m->report(status, request_id, now, path);
}

FirmwareStatusEnumType Engine::signed_firmware_status() const {
  return current_signed_firmware_status(*impl_);
}

}  // namespace ocpp::v16
