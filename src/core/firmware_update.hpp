// The secure firmware update (1.6 Security Whitepaper L01: SignedUpdateFirmware; 2.0.1 L01:
// UpdateFirmware), for every OCPP version. Each step is reported as a firmware status
// notification with the request's requestId (L01.FR.01, L01.FR.10): the signing certificate is
// verified against the ManufacturerRootCertificate before the request is accepted; the download
// waits for retrieveDateTime (DownloadScheduled) and is retried after retryInterval; the
// downloaded file's signature is verified through the SecurityProvider before anything is
// installed (L01.FR.04); the installation waits for installDateTime (InstallScheduled) and for
// the running transactions, with the free connectors Unavailable meanwhile (the Port decides
// how). Transfers and installation are the firmware's, through the version's hooks, reported
// back with report(). The state is persisted on every step: an update normally spans a reboot.
//
// Template arguments: the version's codec policy (core/file_transfer.hpp), its Engine::Impl,
// the request (SignedUpdateFirmwareRequest / UpdateFirmwareRequest), FirmwareStatusEnumType
// and the notification request.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "core/file_transfer.hpp"
#include "ocpp/error.hpp"
#include "ocpp/security.hpp"
#include "ocpp/time.hpp"

namespace ocpp::core {

/// A signature or certificate field, required in one version and optional in the other.
inline std::string_view field_text(const std::string& s) { return s; }
inline std::string_view field_text(const std::optional<std::string>& s) {
  return s ? std::string_view(*s) : std::string_view();
}

/// L01.FR.21/22 (1.6 L01.FR.23/24): whether the signing certificate chains to a
/// ManufacturerRootCertificate and is valid. The provider checks a certificate only with a
/// signature, so it is given the request's signature over no data: a certificate error comes
/// before the signature check (a signature that does not match is not the certificate's
/// fault). Returns why the certificate is refused, nullopt when it is fine.
inline std::optional<std::string> refuse_signing_certificate(SecurityProvider* provider,
                                                             std::string_view signature,
                                                             std::string_view certificate) {
  if (!provider) return std::string("no SecurityProvider to verify the signing certificate");
  if (certificate.empty()) return std::string("no signing certificate in the request");
  const std::error_code ec =
      provider->verify_signature("", signature, certificate, CaCertificateUse::manufacturer_root);
  if (!ec || ec == SecurityErrc::invalid_signature) return std::nullopt;
  return "signing certificate: " + ec.message();
}

/// L01.FR.04: the signature over the whole downloaded file, SHA256, with the signing
/// certificate's key. Synchronous: the provider is a port of the engine as the Store is, and
/// this runs once per update. Without a provider: SecurityErrc::not_found.
inline std::error_code verify_firmware_file(SecurityProvider* provider, const std::string& path,
                                            std::string_view signature,
                                            std::string_view certificate) {
  if (!provider) return make_error_code(SecurityErrc::not_found);
  return provider->verify_file_signature(path, signature, certificate,
                                         CaCertificateUse::manufacturer_root);
}

template <class Codec, class E, class Req, class Status, class Note>
class FirmwareUpdate {
 public:
  /// What differs between the versions: the hooks, the transactions, the connectors.
  struct Port {
    SecurityProvider* provider = nullptr;
    /// Queues the download hook for the request; false when there is none.
    std::function<bool(const Req&)> download;
    /// Queues the install hook for the request and the downloaded file; false without one.
    std::function<bool(const Req&, const std::string& path)> install;
    /// Queues the cancel hook of a replaced update (its requestId).
    std::function<void(std::int32_t)> cancel;
    /// Whether a transaction runs (the installation waits for it).
    std::function<bool()> transactions_running;
    /// The connectors' reported status may have changed (holds_connectors()).
    std::function<void(Now)> refresh_connectors;
    /// Raises a security event that is sent to the CSMS.
    std::function<void(std::string_view type, std::string tech_info, Now)> raise_event;
  };

  /// How a new request is answered.
  enum class Answer { Accepted, AcceptedCanceled, Rejected, InvalidCertificate };

  FirmwareUpdate(E& engine, const char* key, Port port)
      : engine_(engine), key_(key), port_(std::move(port)) {}

  // ------------------------------------------------------------------ state for others

  /// The status a triggered notification carries: the last status sent, Idle when none was
  /// sent or the last one was Installed (L01.FR.25/26; 1.6 L01.FR.28/29).
  Status trigger_status() const {
    if (!note_.latest || *note_.latest == Status::Installed) return Status::Idle;
    return *note_.latest;
  }
  /// The requestId that goes with trigger_status(); nullopt with Idle (L01.FR.20).
  std::optional<std::int32_t> trigger_request_id() const {
    return trigger_status() == Status::Idle ? std::nullopt : note_.request_id;
  }
  Note triggered() const {
    Note req;
    req.status = trigger_status();
    req.requestId = trigger_request_id();
    return req;
  }
  /// Whether the free connectors are Unavailable: the installation waits for the transactions
  /// to end, or runs (1.6 L01.FR.07/19; 2.0.1 L01.FR.07).
  bool holds_connectors() const {
    return phase_ == Phase::InstallWaiting || phase_ == Phase::InstallRequested ||
           phase_ == Phase::Installing;
  }
  /// Whether the installation waits for the running transactions to end (a station may let
  /// new sessions start meanwhile: 2.0.1 AllowNewSessionsPendingFirmwareUpdate).
  bool waiting_for_transactions() const { return phase_ == Phase::InstallWaiting; }
  /// Whether an update is under way (not finished).
  bool running() const { return phase_ != Phase::None && phase_ != Phase::Done; }

  // ------------------------------------------------------------------ engine side

  /// Reads the update of an earlier run and resumes where the power went off; a step the
  /// firmware acknowledged (Installing) is not repeated, only the firmware knows its outcome
  /// (it reports Installed after its reboot).
  std::error_code load(Now now) {
    if (auto ec = transfer::load_request_state<Codec>(engine_, key_, kPhaseNames, Phase::None,
                                                      phase_, state_, note_, "firmware update"))
      return ec;
    switch (phase_) {
      case Phase::DownloadScheduled:
        due_ = transfer::mono_for(state_.retry.at, now);
        break;
      case Phase::Downloading:
        call_download(now);
        break;
      case Phase::InstallScheduled:
        install_due_ = transfer::mono_for(install_time(), now);
        break;
      case Phase::InstallWaiting:
        maybe_install(now);
        break;
      case Phase::InstallRequested:
        call_install(now);
        break;
      default:
        break;
    }
    return {};
  }

  /// Decides the answer to a new request; `why` is set for InvalidCertificate. Nothing changes:
  /// the caller sends the answer, then calls refused() or start().
  Answer decide(const Req& req, std::string& why) const {
    if (auto refused =
            refuse_signing_certificate(port_.provider, field_text(req.firmware.signature),
                                       field_text(req.firmware.signingCertificate))) {
      why = *refused;
      return Answer::InvalidCertificate;  // the update under way goes on
    }
    // An installation handed to the firmware cannot be cancelled (2.0.1 L01.FR.27).
    if (phase_ == Phase::InstallRequested || phase_ == Phase::Installing) return Answer::Rejected;
    return running() ? Answer::AcceptedCanceled : Answer::Accepted;
  }

  /// After InvalidCertificate was answered: the InvalidFirmwareSigningCertificate event
  /// (L01.FR.02).
  void refused(const std::string& why, Now now) {
    port_.raise_event("InvalidFirmwareSigningCertificate", why, now);
  }

  /// After Accepted / AcceptedCanceled was answered: the request replaces the update under
  /// way (L01.FR.24), whose requestId is returned.
  std::optional<std::int32_t> start(const Req& req, Now now) {
    std::optional<std::int32_t> cancelled;
    if (running()) {
      cancelled = state_.request.requestId;
      engine_.log(1, "firmware update " + std::to_string(req.requestId) +
                         " cancels the update of request " + std::to_string(*cancelled));
      if (port_.cancel) port_.cancel(*cancelled);
    }
    due_.reset();
    install_due_.reset();
    state_ = {};
    state_.request = req;
    state_.retry.set(req.retries, req.retryInterval);
    state_.retry.at = req.firmware.retrieveDateTime;
    phase_ = Phase::DownloadScheduled;
    if (req.firmware.retrieveDateTime > now.wall) {
      due_ = transfer::mono_for(req.firmware.retrieveDateTime, now);
      notify(Status::DownloadScheduled);  // L01.FR.13
    } else {
      start_download(now);
    }
    if (cancelled) port_.refresh_connectors(now);
    return cancelled;
  }

  /// A transaction ended: the installation may be able to start.
  void transaction_ended(Now now) { maybe_install(now); }

  void on_timer(Now now) {
    if (due_ && now.mono >= *due_) {
      due_.reset();
      if (phase_ == Phase::DownloadScheduled) start_download(now);
    }
    if (install_due_ && now.mono >= *install_due_) {
      install_due_.reset();
      if (phase_ == Phase::InstallScheduled) wait_for_transactions(now);
    }
    if (engine_.online() && note_.waiting()) send_note();
  }

  std::optional<MonoTime> next_deadline() const {
    if (engine_.online() && note_.waiting()) return MonoTime{};  // waits for the connection: now
    if (due_ && install_due_) return std::min(*due_, *install_due_);
    return due_ ? due_ : install_due_;
  }

  // ------------------------------------------------------------------ firmware reports

  /// A status of the update of request_id, as the firmware reports it (path: the downloaded
  /// file, with Downloaded). Errors: Errc::invalid_state (not this update's, or not in that
  /// step), Errc::invalid_argument (Downloaded without a path; a status of the library's own),
  /// storage errors.
  std::error_code report(Status st, std::int32_t request_id, Now now,
                         const std::optional<std::string>& path) {
    if (!running() || state_.request.requestId != request_id)
      return make_error_code(Errc::invalid_state);  // not this update's (L01.FR.10)
    const bool downloading = phase_ == Phase::Downloading;
    const bool installing = phase_ == Phase::InstallRequested || phase_ == Phase::Installing;
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
        // DownloadFailed is a failure end state (L01.FR.30: after all retries): while retries
        // are left the download is scheduled again instead, and that is the state reported.
        if (state_.retry.next_attempt(now, due_)) {
          phase_ = Phase::DownloadScheduled;
          return notify(Status::DownloadScheduled);
        }
        phase_ = Phase::Done;
        return notify(st);
      case Status::Installing:
      case Status::InstallRebooting:  // L01.FR.15
        if (!installing) return make_error_code(Errc::invalid_state);
        phase_ = Phase::Installing;
        return notify(st);
      case Status::Installed:
      case Status::InstallationFailed:
      case Status::InstallVerificationFailed: {  // L01.FR.28, L01.FR.29
        if (!installing) return make_error_code(Errc::invalid_state);
        phase_ = Phase::Done;
        std::error_code ec = notify(st);
        port_.refresh_connectors(now);
        if (st == Status::Installed)  // L01.FR.31
          port_.raise_event("FirmwareUpdated", "requestId " + std::to_string(request_id), now);
        return ec;
      }
      default:  // the library's own statuses, and Idle (only for a trigger)
        return make_error_code(Errc::invalid_argument);
    }
  }

 private:
  // Steps of an update. Each is persisted, so the names are part of the stored format.
  enum class Phase {
    None,
    DownloadScheduled,  // waiting for retrieveDateTime or the next attempt
    Downloading,        // the download hook was called; waiting for Downloaded / DownloadFailed
    InstallScheduled,   // signature verified; waiting for installDateTime
    InstallWaiting,     // waiting for the running transactions to end
    InstallRequested,   // the install hook was called; waiting for Installing
    Installing,         // the firmware reported Installing / InstallRebooting
    Done,               // finished; kept only until its last status notification was confirmed
  };
  static constexpr const char* kPhaseNames[] = {
      "None",           "DownloadScheduled", "Downloading", "InstallScheduled",
      "InstallWaiting", "InstallRequested",  "Installing",  "Done"};

  DateTime install_time() const {
    return state_.request.firmware.installDateTime.value_or(DateTime{});
  }

  void start_download(Now now) {
    phase_ = Phase::Downloading;
    save();
    call_download(now);
  }

  void call_download(Now now) {
    if (port_.download && port_.download(state_.request)) return;
    engine_.log(1, "firmware update: no download hook, reporting DownloadFailed");
    state_.retry.left = 0;  // no attempt can ever succeed
    report(Status::DownloadFailed, state_.request.requestId, now, std::nullopt);
  }

  std::error_code verify(Now now) {
    const auto& fw = state_.request.firmware;
    const std::error_code ec = verify_firmware_file(
        port_.provider, state_.file, field_text(fw.signature), field_text(fw.signingCertificate));
    if (ec) {
      // L01.FR.03: InvalidSignature, a failure end state, and its security event.
      phase_ = Phase::Done;
      std::error_code saved = notify(Status::InvalidSignature);
      port_.raise_event(
          "InvalidFirmwareSignature",
          "requestId " + std::to_string(state_.request.requestId) + ": " + ec.message(), now);
      return saved;
    }
    notify(Status::SignatureVerified);
    phase_ = Phase::InstallScheduled;
    if (fw.installDateTime && *fw.installDateTime > now.wall) {
      install_due_ = transfer::mono_for(*fw.installDateTime, now);
      return notify(Status::InstallScheduled);  // L01.FR.16
    }
    wait_for_transactions(now);  // L01.FR.05
    return {};
  }

  void wait_for_transactions(Now now) {
    phase_ = Phase::InstallWaiting;
    save();
    port_.refresh_connectors(now);
    maybe_install(now);
  }

  // L01.FR.06: the installation waits until no transaction runs.
  void maybe_install(Now now) {
    if (phase_ != Phase::InstallWaiting || port_.transactions_running()) return;
    phase_ = Phase::InstallRequested;
    save();
    call_install(now);
  }

  void call_install(Now now) {
    if (port_.install && port_.install(state_.request, state_.file)) return;
    engine_.log(1, "firmware update: no install hook, reporting InstallationFailed");
    report(Status::InstallationFailed, state_.request.requestId, now, std::nullopt);
  }

  // L01.FR.01: a notification for every state entered.
  std::error_code notify(Status st) {
    note_.set(st, state_.request.requestId);
    std::error_code ec = save();
    if (engine_.online()) send_note();
    return ec;
  }

  void send_note() {
    transfer::send_latest<Codec, Note>(engine_, note_, [this] { save(); });
  }

  std::error_code save() {
    return transfer::save_request_state<Codec>(engine_, key_, kPhaseNames, Phase::None, Phase::Done,
                                               phase_, state_, note_, "the firmware update");
  }

  E& engine_;
  const char* key_;
  Port port_;
  Phase phase_ = Phase::None;
  transfer::RequestState<Req> state_;    // file: the downloaded file's path
  std::optional<MonoTime> due_;          // the download (retrieveDateTime, retries)
  std::optional<MonoTime> install_due_;  // installDateTime
  transfer::Notifier<Status> note_;
};

}  // namespace ocpp::core
