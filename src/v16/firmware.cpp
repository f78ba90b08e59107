// Firmware Management profile (OCPP 1.6 sections 4.4, 4.5, 5.9, 5.19; errata 3.47-3.49).
//
// The library does no file transfer itself: it schedules the steps and leaves the transfers to
// the firmware through hooks (firmware_download, firmware_install, upload_diagnostics), which
// report their progress back with Engine::report_firmware_status / report_diagnostics_status.
// Each report becomes a status notification. The state of an update or upload is persisted
// (store keys "fw.update" and "fw.diag") on every step, because a firmware update normally
// spans a reboot: after a restart the update goes on where it was (see load()).
#include "v16/firmware.hpp"

#include "v16/engine_impl.hpp"
#include "v16/file_transfer.hpp"
// --- Security Whitepaper: logs and signed firmware ---
#include "v16/security/signed_firmware.hpp"

namespace ocpp::v16 {
namespace {

using transfer::Notifier;
using transfer::phase_from;
using transfer::put_string;

constexpr const char* kUpdateKey = "fw.update";
constexpr const char* kDiagKey = "fw.diag";

// Steps of a firmware update. Each is persisted, so the names are part of the stored format.
enum class FwPhase {
  None,
  Scheduled,         // waiting for retrieveDate
  Downloading,       // firmware_download was called; waiting for Downloaded / DownloadFailed
  RetryWait,         // DownloadFailed, waiting retryInterval for the next attempt
  Downloaded,        // waiting for the running transactions to end
  InstallRequested,  // firmware_install was called; waiting for Installing
  Installing,        // the firmware reported Installing; waiting for Installed / InstallationFailed
  Done,              // finished; kept only until its last status notification was confirmed
};
constexpr const char* kFwPhaseNames[] = {"None",       "Scheduled",        "Downloading",
                                         "RetryWait",  "Downloaded",       "InstallRequested",
                                         "Installing", "Done"};

enum class DiagPhase { None, Uploading, RetryWait, Done };
constexpr const char* kDiagPhaseNames[] = {"None", "Uploading", "RetryWait", "Done"};

class FirmwareModule final : public Module {
 public:
  explicit FirmwareModule(Engine::Impl& engine) : engine_(engine) {}

  // ------------------------------------------------------------------ state for others

  FirmwareStatus firmware_status() const {
    // Section 4.5: Idle when "not busy downloading/installing firmware": also while only
    // waiting for retrieveDate.
    switch (fw_.phase) {
      case FwPhase::Downloading: return FirmwareStatus::Downloading;
      case FwPhase::RetryWait: return FirmwareStatus::DownloadFailed;
      case FwPhase::Downloaded:
      case FwPhase::InstallRequested: return FirmwareStatus::Downloaded;
      case FwPhase::Installing: return FirmwareStatus::Installing;
      default: return FirmwareStatus::Idle;
    }
  }
  DiagnosticsStatus diagnostics_status() const {
    switch (diag_.phase) {
      case DiagPhase::Uploading: return DiagnosticsStatus::Uploading;
      case DiagPhase::RetryWait: return DiagnosticsStatus::UploadFailed;
      default: return DiagnosticsStatus::Idle;
    }
  }

  // ------------------------------------------------------------------ Module

  std::error_code load(Now now) override {
    std::vector<std::pair<std::string, std::string>> kv;
    if (auto ec = engine_.store_.kv_load("fw.", kv)) return ec;
    for (const auto& [key, value] : kv) {
      if (key == kUpdateKey && !parse_update(value)) {
        engine_.log(0, "discarding an unreadable stored firmware update");
        fw_ = FwState{};
      } else if (key == kDiagKey && !parse_diag(value)) {
        engine_.log(0, "discarding an unreadable stored diagnostics upload");
        diag_ = DiagState{};
      }
    }
    // Resume where the power went off. A hook call queued but lost with the process memory
    // is repeated; a step the firmware itself acknowledged (Installing) is not, since only the
    // firmware knows its outcome (it reports Installed after booting the new image).
    switch (fw_.phase) {
      case FwPhase::Scheduled:
      case FwPhase::RetryWait: fw_due_ = transfer::mono_for(fw_.retry.at, now); break;
      case FwPhase::Downloading: call_download(now); break;
      case FwPhase::Downloaded: maybe_install(now); break;
      case FwPhase::InstallRequested: call_install(now); break;
      default: break;
    }
    switch (diag_.phase) {
      case DiagPhase::RetryWait: diag_due_ = transfer::mono_for(diag_.retry.at, now); break;
      case DiagPhase::Uploading: call_upload(now); break;
      default: break;
    }
    return {};
  }

  bool handles(Action a) const override {
    return a == Action::UpdateFirmware || a == Action::GetDiagnostics;
  }

  void handle(Action a, const rpc::Frame& frame, Now now) override {
    if (a == Action::UpdateFirmware) {
      handle_update_firmware(frame, now);
    } else {
      handle_get_diagnostics(frame, now);
    }
  }

  // Errata 3.49: while the charge point waits for the sessions to end before installing, the
  // connectors not in use are RECOMMENDED to be Unavailable; they stay so during installation.
  bool makes_unavailable(const Connector& c) const override {
    if (c.id == 0 || c.tx_key) return false;
    return fw_.phase == FwPhase::Downloaded || fw_.phase == FwPhase::InstallRequested ||
           fw_.phase == FwPhase::Installing;
  }

  void on_transaction_stopped(Connector&, std::int64_t, Reason, Now now) override {
    if (fw_.phase == FwPhase::Downloaded) maybe_install(now);
  }

  void on_timer(Now now) override {
    if (fw_due_ && now.mono >= *fw_due_) {
      fw_due_.reset();
      if (fw_.phase == FwPhase::Scheduled || fw_.phase == FwPhase::RetryWait) {
        fw_.phase = FwPhase::Downloading;
        save_update();
        call_download(now);
      }
    }
    if (diag_due_ && now.mono >= *diag_due_) {
      diag_due_.reset();
      if (diag_.phase == DiagPhase::RetryWait) {
        diag_.phase = DiagPhase::Uploading;
        save_diag();
        call_upload(now);
      }
    }
    if (engine_.online()) {
      if (fw_note_.waiting()) send_firmware_note();
      if (diag_note_.waiting()) send_diag_note();
    }
  }

  std::optional<MonoTime> next_deadline() const override {
    std::optional<MonoTime> d;
    auto consider = [&d](MonoTime t) {
      if (!d || t < *d) d = t;
    };
    if (fw_due_) consider(*fw_due_);
    if (diag_due_) consider(*diag_due_);
    if (engine_.online() && (fw_note_.waiting() || diag_note_.waiting()))
      consider(MonoTime{});  // a notification waits for the connection: send it now
    return d;
  }

  // ------------------------------------------------------------------ firmware reports

  std::error_code report_firmware(FirmwareStatus st, Now now) {
    if (st == FirmwareStatus::Idle) return make_error_code(Errc::invalid_argument);
    switch (st) {
      case FirmwareStatus::Downloading:
        if (fw_.phase != FwPhase::Downloading) return make_error_code(Errc::invalid_state);
        break;
      case FirmwareStatus::Downloaded:
        if (fw_.phase != FwPhase::Downloading) return make_error_code(Errc::invalid_state);
        fw_.phase = FwPhase::Downloaded;
        break;
      case FirmwareStatus::DownloadFailed:
        if (fw_.phase != FwPhase::Downloading) return make_error_code(Errc::invalid_state);
        fw_.phase = fw_.retry.next_attempt(now, fw_due_) ? FwPhase::RetryWait : FwPhase::Done;
        break;
      case FirmwareStatus::Installing:
        if (fw_.phase != FwPhase::InstallRequested && fw_.phase != FwPhase::Installing)
          return make_error_code(Errc::invalid_state);
        fw_.phase = FwPhase::Installing;
        break;
      case FirmwareStatus::Installed:
      case FirmwareStatus::InstallationFailed:
        if (fw_.phase != FwPhase::InstallRequested && fw_.phase != FwPhase::Installing)
          return make_error_code(Errc::invalid_state);
        fw_.phase = FwPhase::Done;
        break;
      default:
        return make_error_code(Errc::invalid_argument);
    }
    fw_note_.set(st);
    std::error_code ec = save_update();
    if (engine_.online()) send_firmware_note();
    if (st == FirmwareStatus::Downloaded) {
      refresh_connectors(now);  // the free connectors become Unavailable
      maybe_install(now);
    } else if (fw_.phase == FwPhase::Done) {
      refresh_connectors(now);
    }
    return ec;
  }

  std::error_code report_diagnostics(DiagnosticsStatus st, Now now) {
    if (st == DiagnosticsStatus::Idle) return make_error_code(Errc::invalid_argument);
    if (diag_.phase != DiagPhase::Uploading) return make_error_code(Errc::invalid_state);
    if (st == DiagnosticsStatus::Uploaded) {
      diag_.phase = DiagPhase::Done;
    } else if (st == DiagnosticsStatus::UploadFailed) {
      diag_.phase = diag_.retry.next_attempt(now, diag_due_) ? DiagPhase::RetryWait : DiagPhase::Done;
    }
    diag_note_.set(st);
    std::error_code ec = save_diag();
    if (engine_.online()) send_diag_note();
    return ec;
  }

 private:
  struct FwState {
    FwPhase phase = FwPhase::None;
    std::string location;
    transfer::Retry retry;  // at: retrieveDate while Scheduled, the next attempt in RetryWait
  };
  struct DiagState {
    DiagPhase phase = DiagPhase::None;
    std::string location;
    std::string file_name;
    std::optional<DateTime> start_time;
    std::optional<DateTime> stop_time;
    transfer::Retry retry;  // at: the next attempt in RetryWait
  };

  // ------------------------------------------------------------------ CALLs from the CSMS

  void handle_update_firmware(const rpc::Frame& frame, Now now) {
    // --- Security Whitepaper: logs and signed firmware ---
    // L01.FR.20: a charge point that does secure firmware updates answers the plain 1.6
    // request NotSupported and starts nothing (when that applies: secure_firmware_update_only).
    if (secure_firmware_update_only(engine_)) {
      engine_.reply_error(frame.id, RpcErrorCode::NotSupported,
                          "UpdateFirmware: this charge point only installs signed firmware (SignedUpdateFirmware)");
      return;
    }
    UpdateFirmwareRequest req;
    codec::Error err;
    if (!codec::decode(*frame.payload, req, err)) {
      engine_.reply_error(frame.id, err.code, err.message);
      return;
    }
    // UpdateFirmware.conf has no fields (section 6.56): the request cannot be refused, only
    // ignored. A second request replaces the first while nothing of the first runs in the
    // firmware (waiting for retrieveDate or for a retry); once a download or installation runs,
    // its reports could not be told apart from the new one's, so the new request is ignored.
    const bool busy = fw_.phase != FwPhase::None && fw_.phase != FwPhase::Scheduled &&
                      fw_.phase != FwPhase::RetryWait && fw_.phase != FwPhase::Done;
    engine_.reply(frame.id, "{}");
    if (busy) {
      engine_.log(1, "UpdateFirmware ignored: the previous update is still " +
                         std::string(kFwPhaseNames[static_cast<int>(fw_.phase)]));
      return;
    }
    fw_ = FwState{};
    fw_.phase = FwPhase::Scheduled;
    fw_.location = req.location;
    fw_.retry.set(req.retries, req.retryInterval);
    fw_.retry.at = req.retrieveDate;
    fw_due_ = transfer::mono_for(req.retrieveDate, now);
    save_update();
  }

  void handle_get_diagnostics(const rpc::Frame& frame, Now now) {
    GetDiagnosticsRequest req;
    codec::Error err;
    if (!codec::decode(*frame.payload, req, err)) {
      engine_.reply_error(frame.id, err.code, err.message);
      return;
    }
    const std::string id = frame.id;
    // Section 5.9: "Charge Point SHALL upload a single file". While one upload is still under
    // way a second request is answered without fileName: nothing more will be uploaded.
    if (diag_.phase == DiagPhase::Uploading || diag_.phase == DiagPhase::RetryWait) {
      engine_.log(1, "GetDiagnostics answered without fileName: an upload is still in progress");
      engine_.reply(id, "{}");
      return;
    }
    if (!engine_.hooks_.get_diagnostics) {
      engine_.reply(id, "{}");
      return;
    }
    const std::uint64_t epoch = engine_.epoch();
    engine_.defer_decision<std::optional<std::string>>(
        [h = engine_.hooks_.get_diagnostics, req] { return h(req); },
        [this, id, epoch, req](Engine::Impl& im, std::optional<std::string> name, Now n) {
          if (name && (name->empty() || name->size() > 255)) {
            // fileName is CiString255Type (section 6.26); an empty name names no file.
            if (!name->empty()) im.log(0, "get_diagnostics returned a fileName over 255 characters");
            name.reset();
          }
          // A decision that comes after the connection changed reaches no one: the CSMS forgot
          // the call, so it would never learn the file name; nothing is uploaded then.
          if (im.epoch() != epoch || !im.connected()) return;
          GetDiagnosticsResponse resp;
          resp.fileName = name;
          im.reply(id, codec::to_json(resp));
          if (name) start_upload(req, *name, n);
        });
    (void)now;
  }

  void start_upload(const GetDiagnosticsRequest& req, const std::string& name, Now now) {
    if (diag_.phase == DiagPhase::Uploading || diag_.phase == DiagPhase::RetryWait) return;
    diag_ = DiagState{};
    diag_.phase = DiagPhase::Uploading;
    diag_.location = req.location;
    diag_.file_name = name;
    diag_.start_time = req.startTime;
    diag_.stop_time = req.stopTime;
    diag_.retry.set(req.retries, req.retryInterval);
    save_diag();
    call_upload(now);
  }

  // ------------------------------------------------------------------ steps

  void call_download(Now now) {
    if (!engine_.hooks_.firmware_download) {
      engine_.log(1, "UpdateFirmware: no firmware_download hook, reporting DownloadFailed");
      fw_.retry.left = 0;  // no attempt can ever succeed
      report_firmware(FirmwareStatus::DownloadFailed, now);
      return;
    }
    engine_.defer([h = engine_.hooks_.firmware_download, loc = fw_.location] { h(loc); });
  }

  // Section 5.19 / errata 3.49: installation waits until no transaction runs.
  void maybe_install(Now now) {
    if (fw_.phase != FwPhase::Downloaded) return;
    for (const auto& c : engine_.connectors_)
      if (c.tx_key) return;
    fw_.phase = FwPhase::InstallRequested;
    save_update();
    call_install(now);
  }

  void call_install(Now now) {
    if (!engine_.hooks_.firmware_install) {
      engine_.log(1, "UpdateFirmware: no firmware_install hook, reporting InstallationFailed");
      report_firmware(FirmwareStatus::InstallationFailed, now);
      return;
    }
    engine_.defer([h = engine_.hooks_.firmware_install] { h(); });
  }

  void call_upload(Now now) {
    if (!engine_.hooks_.upload_diagnostics) {
      engine_.log(1, "GetDiagnostics: no upload_diagnostics hook, reporting UploadFailed");
      diag_.retry.left = 0;
      report_diagnostics(DiagnosticsStatus::UploadFailed, now);
      return;
    }
    engine_.defer([h = engine_.hooks_.upload_diagnostics, d = diag_] {
      h(d.location, d.file_name, d.start_time, d.stop_time);
    });
  }

  void refresh_connectors(Now now) {
    for (auto& c : engine_.connectors_)
      if (c.id >= 1) engine_.update_status(c, now);
  }

  // ------------------------------------------------------------------ notifications

  void send_firmware_note() {
    if (!fw_note_.latest) return;
    FirmwareStatusNotificationRequest req;
    req.status = *fw_note_.latest;
    transfer::send_note(engine_, fw_note_, req, [this] { save_update(); });
  }

  void send_diag_note() {
    if (!diag_note_.latest) return;
    DiagnosticsStatusNotificationRequest req;
    req.status = *diag_note_.latest;
    transfer::send_note(engine_, diag_note_, req, [this] { save_diag(); });
  }

  // ------------------------------------------------------------------ persistence

  std::error_code save_update() {
    if ((fw_.phase == FwPhase::None || fw_.phase == FwPhase::Done) && !fw_note_.unsent) {
      if (fw_.phase == FwPhase::Done) fw_ = FwState{};
      return check(engine_.store_.kv_erase(kUpdateKey));
    }
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    put_string(w, "phase", kFwPhaseNames[static_cast<int>(fw_.phase)]);
    put_string(w, "location", fw_.location);
    transfer::put_retry(w, fw_.retry);
    transfer::put_note(w, fw_note_);
    w.EndObject();
    return check(engine_.store_.kv_set(kUpdateKey, sb.GetString()));
  }

  std::error_code save_diag() {
    if ((diag_.phase == DiagPhase::None || diag_.phase == DiagPhase::Done) && !diag_note_.unsent) {
      if (diag_.phase == DiagPhase::Done) diag_ = DiagState{};
      return check(engine_.store_.kv_erase(kDiagKey));
    }
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    put_string(w, "phase", kDiagPhaseNames[static_cast<int>(diag_.phase)]);
    put_string(w, "location", diag_.location);
    put_string(w, "fileName", diag_.file_name);
    if (diag_.start_time) put_string(w, "startTime", format_datetime(*diag_.start_time));
    if (diag_.stop_time) put_string(w, "stopTime", format_datetime(*diag_.stop_time));
    transfer::put_retry(w, diag_.retry);
    transfer::put_note(w, diag_note_);
    w.EndObject();
    return check(engine_.store_.kv_set(kDiagKey, sb.GetString()));
  }

  std::error_code check(std::error_code ec) {
    return transfer::check_saved(engine_, ec, "the firmware management state");
  }

  bool parse_update(const std::string& text) {
    rapidjson::Document d;
    if (!transfer::parse_object(d, text)) return false;
    FwState s;
    std::string phase;
    if (!transfer::get_str(d, "phase", phase) || !phase_from(kFwPhaseNames, phase, s.phase) ||
        !transfer::get_str(d, "location", s.location) || !transfer::get_retry(d, s.retry) ||
        !transfer::get_note(d, fw_note_))
      return false;
    fw_ = s;
    return true;
  }

  bool parse_diag(const std::string& text) {
    rapidjson::Document d;
    if (!transfer::parse_object(d, text)) return false;
    DiagState s;
    std::string phase;
    if (!transfer::get_str(d, "phase", phase) || !phase_from(kDiagPhaseNames, phase, s.phase) ||
        !transfer::get_str(d, "location", s.location) || !transfer::get_str(d, "fileName", s.file_name) ||
        !transfer::get_retry(d, s.retry) || !transfer::get_note(d, diag_note_))
      return false;
    DateTime t{};
    if (transfer::get_time(d, "startTime", t)) s.start_time = t;
    if (transfer::get_time(d, "stopTime", t)) s.stop_time = t;
    diag_ = s;
    return true;
  }

  Engine::Impl& engine_;
  FwState fw_;
  DiagState diag_;
  std::optional<MonoTime> fw_due_;
  std::optional<MonoTime> diag_due_;
  Notifier<FirmwareStatus> fw_note_;
  Notifier<DiagnosticsStatus> diag_note_;
};

const FirmwareModule* find_firmware_module(const Engine::Impl& engine) {
  return static_cast<const FirmwareModule*>(engine.firmware_module_);
}

FirmwareModule* find_firmware_module(Engine::Impl& engine) {
  return static_cast<FirmwareModule*>(engine.firmware_module_);
}

}  // namespace

std::unique_ptr<Module> make_firmware_module(Engine::Impl& engine) {
  auto m = std::make_unique<FirmwareModule>(engine);
  engine.firmware_module_ = m.get();
  return m;
}

FirmwareStatus current_firmware_status(const Engine::Impl& engine) {
  const FirmwareModule* m = find_firmware_module(engine);
  return m ? m->firmware_status() : FirmwareStatus::Idle;
}

DiagnosticsStatus current_diagnostics_status(const Engine::Impl& engine) {
  const FirmwareModule* m = find_firmware_module(engine);
  return m ? m->diagnostics_status() : DiagnosticsStatus::Idle;
}

std::error_code Engine::report_firmware_status(FirmwareStatus status, Now now) {
  FirmwareModule* m = find_firmware_module(*impl_);
  if (!m) return make_error_code(Errc::invalid_state);
  return m->report_firmware(status, now);
}

std::error_code Engine::report_diagnostics_status(DiagnosticsStatus status, Now now) {
  FirmwareModule* m = find_firmware_module(*impl_);
  if (!m) return make_error_code(Errc::invalid_state);
  return m->report_diagnostics(status, now);
}

FirmwareStatus Engine::firmware_status() const { return current_firmware_status(*impl_); }
DiagnosticsStatus Engine::diagnostics_status() const { return current_diagnostics_status(*impl_); }

}  // namespace ocpp::v16
