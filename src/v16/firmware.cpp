// Firmware Management profile (OCPP 1.6 sections 4.4, 4.5, 5.9, 5.19; errata 3.47-3.49).
//
// The library does no file transfer itself: it schedules the steps and leaves the transfers to
// the firmware through hooks (firmware_download, firmware_install, upload_diagnostics), which
// report their progress back with Engine::report_firmware_status / report_diagnostics_status.
// Each report becomes a status notification. The state of an update or upload is persisted
// (store keys "fw.update" and "fw.diag") on every step, because a firmware update normally
// spans a reboot: after a restart the update goes on where it was (see load()).
#include "core/json.hpp"
#include "v16/firmware.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>

#include "v16/engine_impl.hpp"

namespace ocpp::v16 {
namespace {

constexpr const char* kUpdateKey = "fw.update";
constexpr const char* kDiagKey = "fw.diag";
// Used when the CSMS leaves the choice to the charge point (sections 6.25 and 6.55): one
// attempt, no retry; the interval only matters for a request with retries but no interval.
constexpr std::int64_t kDefaultRetryInterval = 60;
constexpr std::int64_t kMaxRetries = 1000;
constexpr std::int64_t kMaxRetryInterval = 7 * 24 * 3600;

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

template <class E, std::size_t N>
bool phase_from(const char* const (&names)[N], const std::string& s, E& out) {
  for (std::size_t i = 0; i < N; ++i)
    if (s == names[i]) {
      out = static_cast<E>(i);
      return true;
    }
  return false;
}

// The status notifications of one kind. A notification is volatile (lost with the connection,
// as every status message of the engine), but the latest status is kept, persisted, until the
// CSMS confirmed it: one that was not delivered is sent after the next Accepted / reconnect,
// also after a restart. Statuses overtaken while offline are not sent (only the latest counts).
template <class Status>
struct Notifier {
  std::optional<Status> latest;
  bool unsent = false;       // latest not yet confirmed by the CSMS
  std::uint64_t seq = 0;     // counts reports, to tell the latest from older ones
  int queued = 0;            // our calls in the engine's volatile queue or in flight
};

std::chrono::seconds clamp_seconds(std::int64_t s) {
  return std::chrono::seconds(std::clamp<std::int64_t>(s, 0, kMaxRetryInterval));
}

MonoTime mono_for(DateTime at, Now now) {
  // A wall-clock time in the past means "now"; later ones become a monotonic deadline at the
  // same distance, so the wait is immune to clock changes while it runs.
  if (at <= now.wall) return now.mono;
  return now.mono + std::chrono::duration_cast<MonoTime::duration>(at - now.wall);
}

void put_string(rapidjson::Writer<rapidjson::StringBuffer>& w, const char* k, const std::string& v) {
  w.Key(k);
  w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
}

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
      case FwPhase::RetryWait: fw_due_ = mono_for(fw_.at, now); break;
      case FwPhase::Downloading: call_download(now); break;
      case FwPhase::Downloaded: maybe_install(now); break;
      case FwPhase::InstallRequested: call_install(now); break;
      default: break;
    }
    switch (diag_.phase) {
      case DiagPhase::RetryWait: diag_due_ = mono_for(diag_.at, now); break;
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
      if (fw_note_.unsent && fw_note_.queued == 0) send_firmware_note();
      if (diag_note_.unsent && diag_note_.queued == 0) send_diag_note();
    }
  }

  std::optional<MonoTime> next_deadline() const override {
    std::optional<MonoTime> d;
    auto consider = [&d](MonoTime t) {
      if (!d || t < *d) d = t;
    };
    if (fw_due_) consider(*fw_due_);
    if (diag_due_) consider(*diag_due_);
    if (engine_.online() && ((fw_note_.unsent && fw_note_.queued == 0) ||
                             (diag_note_.unsent && diag_note_.queued == 0)))
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
        if (fw_.retries_left > 0) {
          --fw_.retries_left;
          fw_.phase = FwPhase::RetryWait;
          fw_.at = now.wall + fw_.retry_interval;
          fw_due_ = now.mono + fw_.retry_interval;
        } else {
          fw_.phase = FwPhase::Done;
        }
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
    fw_note_.latest = st;
    fw_note_.unsent = true;
    ++fw_note_.seq;
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
      if (diag_.retries_left > 0) {
        --diag_.retries_left;
        diag_.phase = DiagPhase::RetryWait;
        diag_.at = now.wall + diag_.retry_interval;
        diag_due_ = now.mono + diag_.retry_interval;
      } else {
        diag_.phase = DiagPhase::Done;
      }
    }
    diag_note_.latest = st;
    diag_note_.unsent = true;
    ++diag_note_.seq;
    std::error_code ec = save_diag();
    if (engine_.online()) send_diag_note();
    return ec;
  }

 private:
  struct FwState {
    FwPhase phase = FwPhase::None;
    std::string location;
    std::int64_t retries_left = 0;
    std::chrono::seconds retry_interval{kDefaultRetryInterval};
    DateTime at{};  // Scheduled: retrieveDate; RetryWait: the next attempt
  };
  struct DiagState {
    DiagPhase phase = DiagPhase::None;
    std::string location;
    std::string file_name;
    std::optional<DateTime> start_time;
    std::optional<DateTime> stop_time;
    std::int64_t retries_left = 0;
    std::chrono::seconds retry_interval{kDefaultRetryInterval};
    DateTime at{};  // RetryWait: the next attempt
  };

  // ------------------------------------------------------------------ CALLs from the CSMS

  void handle_update_firmware(const rpc::Frame& frame, Now now) {
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
    // The schema types retries and retryInterval as numbers; the spec (section 6.55) as
    // integers. A negative or fractional value is read as its integer part, at least 0.
    if (req.retries && std::isfinite(*req.retries))
      fw_.retries_left = static_cast<std::int64_t>(
          std::clamp(*req.retries, 0.0, static_cast<double>(kMaxRetries)));
    if (req.retryInterval && std::isfinite(*req.retryInterval))
      fw_.retry_interval = clamp_seconds(static_cast<std::int64_t>(
          std::clamp(*req.retryInterval, 0.0, static_cast<double>(kMaxRetryInterval))));
    fw_.at = req.retrieveDate;
    fw_due_ = mono_for(req.retrieveDate, now);
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
    if (req.retries) diag_.retries_left = std::clamp<std::int64_t>(*req.retries, 0, kMaxRetries);
    if (req.retryInterval) diag_.retry_interval = clamp_seconds(*req.retryInterval);
    save_diag();
    call_upload(now);
  }

  // ------------------------------------------------------------------ steps

  void call_download(Now now) {
    if (!engine_.hooks_.firmware_download) {
      engine_.log(1, "UpdateFirmware: no firmware_download hook, reporting DownloadFailed");
      fw_.retries_left = 0;  // no attempt can ever succeed
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
      diag_.retries_left = 0;
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
    const std::uint64_t seq = fw_note_.seq;
    ++fw_note_.queued;
    engine_.send_volatile(Action::FirmwareStatusNotification, codec::to_json(req),
                          [this, seq](const rapidjson::Value* result, Now) {
                            --fw_note_.queued;
                            if (seq != fw_note_.seq) return;  // a newer status follows
                            if (!note_done(result, "FirmwareStatusNotification")) return;
                            fw_note_.unsent = false;
                            save_update();
                          });
  }

  void send_diag_note() {
    if (!diag_note_.latest) return;
    DiagnosticsStatusNotificationRequest req;
    req.status = *diag_note_.latest;
    const std::uint64_t seq = diag_note_.seq;
    ++diag_note_.queued;
    engine_.send_volatile(Action::DiagnosticsStatusNotification, codec::to_json(req),
                          [this, seq](const rapidjson::Value* result, Now) {
                            --diag_note_.queued;
                            if (seq != diag_note_.seq) return;
                            if (!note_done(result, "DiagnosticsStatusNotification")) return;
                            diag_note_.unsent = false;
                            save_diag();
                          });
  }

  // Whether the latest notification is settled. Lost with the connection: no, it is sent again
  // after the next Accepted. Answered (even with a CALLERROR or not within the call timeout)
  // while still connected: yes, the CSMS had its chance; repeating it could loop forever.
  bool note_done(const rapidjson::Value* result, const char* what) {
    if (result) return true;
    if (!engine_.connected()) return false;
    engine_.log(1, std::string(what) + " was not confirmed by the CSMS; not repeated");
    return true;
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
    w.Key("retriesLeft");
    w.Int64(fw_.retries_left);
    w.Key("retryInterval");
    w.Int64(fw_.retry_interval.count());
    put_string(w, "at", format_datetime(fw_.at));
    if (fw_note_.latest) put_string(w, "status", std::string(to_string(*fw_note_.latest)));
    w.Key("unsent");
    w.Bool(fw_note_.unsent);
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
    w.Key("retriesLeft");
    w.Int64(diag_.retries_left);
    w.Key("retryInterval");
    w.Int64(diag_.retry_interval.count());
    put_string(w, "at", format_datetime(diag_.at));
    if (diag_note_.latest) put_string(w, "status", std::string(to_string(*diag_note_.latest)));
    w.Key("unsent");
    w.Bool(diag_note_.unsent);
    w.EndObject();
    return check(engine_.store_.kv_set(kDiagKey, sb.GetString()));
  }

  std::error_code check(std::error_code ec) {
    if (ec) engine_.log(0, "persisting the firmware management state failed: " + ec.message());
    return ec;
  }

  static bool get_str(const rapidjson::Value& d, const char* k, std::string& out) {
    auto it = d.FindMember(k);
    if (it == d.MemberEnd() || !it->value.IsString()) return false;
    out.assign(it->value.GetString(), it->value.GetStringLength());
    return true;
  }
  static bool get_time(const rapidjson::Value& d, const char* k, DateTime& out) {
    std::string s;
    return get_str(d, k, s) && parse_datetime(s, out);
  }
  static bool get_int(const rapidjson::Value& d, const char* k, std::int64_t& out) {
    auto it = d.FindMember(k);
    if (it == d.MemberEnd() || !it->value.IsInt64()) return false;
    out = it->value.GetInt64();
    return true;
  }
  template <class Status>
  static bool get_note(const rapidjson::Value& d, Notifier<Status>& n) {
    std::string s;
    if (get_str(d, "status", s)) {
      Status st{};
      if (!from_string(s, st)) return false;
      n.latest = st;
    }
    auto it = d.FindMember("unsent");
    n.unsent = it != d.MemberEnd() && it->value.IsBool() && it->value.GetBool() && n.latest;
    return true;
  }

  bool parse_update(const std::string& text) {
    rapidjson::Document d;
    const bool parsed = core::parse_json(d, text);
    if (!parsed || !d.IsObject()) return false;
    FwState s;
    std::string phase;
    std::int64_t interval = 0;
    if (!get_str(d, "phase", phase) || !phase_from(kFwPhaseNames, phase, s.phase) ||
        !get_str(d, "location", s.location) || !get_int(d, "retriesLeft", s.retries_left) ||
        !get_int(d, "retryInterval", interval) || !get_time(d, "at", s.at) ||
        !get_note(d, fw_note_))
      return false;
    s.retry_interval = clamp_seconds(interval);
    fw_ = s;
    return true;
  }

  bool parse_diag(const std::string& text) {
    rapidjson::Document d;
    const bool parsed = core::parse_json(d, text);
    if (!parsed || !d.IsObject()) return false;
    DiagState s;
    std::string phase;
    std::int64_t interval = 0;
    if (!get_str(d, "phase", phase) || !phase_from(kDiagPhaseNames, phase, s.phase) ||
        !get_str(d, "location", s.location) || !get_str(d, "fileName", s.file_name) ||
        !get_int(d, "retriesLeft", s.retries_left) || !get_int(d, "retryInterval", interval) ||
        !get_time(d, "at", s.at) || !get_note(d, diag_note_))
      return false;
    DateTime t{};
    if (get_time(d, "startTime", t)) s.start_time = t;
    if (get_time(d, "stopTime", t)) s.stop_time = t;
    s.retry_interval = clamp_seconds(interval);
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

const FirmwareModule* find_module(const Engine::Impl& engine) {
  return static_cast<const FirmwareModule*>(engine.firmware_module_);
}

FirmwareModule* find_module(Engine::Impl& engine) {
  return static_cast<FirmwareModule*>(engine.firmware_module_);
}

}  // namespace

std::unique_ptr<Module> make_firmware_module(Engine::Impl& engine) {
  auto m = std::make_unique<FirmwareModule>(engine);
  engine.firmware_module_ = m.get();
  return m;
}

FirmwareStatus current_firmware_status(const Engine::Impl& engine) {
  const FirmwareModule* m = find_module(engine);
  return m ? m->firmware_status() : FirmwareStatus::Idle;
}

DiagnosticsStatus current_diagnostics_status(const Engine::Impl& engine) {
  const FirmwareModule* m = find_module(engine);
  return m ? m->diagnostics_status() : DiagnosticsStatus::Idle;
}

std::error_code Engine::report_firmware_status(FirmwareStatus status, Now now) {
  FirmwareModule* m = find_module(*impl_);
  if (!m) return make_error_code(Errc::invalid_state);
  return m->report_firmware(status, now);
}

std::error_code Engine::report_diagnostics_status(DiagnosticsStatus status, Now now) {
  FirmwareModule* m = find_module(*impl_);
  if (!m) return make_error_code(Errc::invalid_state);
  return m->report_diagnostics(status, now);
}

FirmwareStatus Engine::firmware_status() const { return current_firmware_status(*impl_); }
DiagnosticsStatus Engine::diagnostics_status() const { return current_diagnostics_status(*impl_); }

}  // namespace ocpp::v16
