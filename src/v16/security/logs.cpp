// Security Whitepaper N01: GetLog and LogStatusNotification.
//
// As for GetDiagnostics, the library does no file transfer: the hook upload_log uploads, and
// the firmware reports its progress with Engine::report_log_status, each report becoming a
// LogStatusNotification with the request's requestId (N01.FR.07). For a SecurityLog the
// library hands the hook the entries of the security log it keeps (N01.FR.03, N01.FR.05). The
// upload's state is persisted (store key "getlog.upload") on every step, so that an upload
// cut by a restart is started again and its last status still reaches the CSMS.
#include "v16/security/logs.hpp"

#include "v16/engine_impl.hpp"
#include "v16/file_transfer.hpp"
#include "v16/security/security_events.hpp"

namespace ocpp::v16 {
namespace {

constexpr const char* kUploadKey = "getlog.upload";
constexpr std::size_t kMaxFileName = 255;  // GetLog.conf filename, string[0..255] (5.10)

enum class LogPhase { None, Uploading, RetryWait, Done };
constexpr const char* kLogPhaseNames[] = {"None", "Uploading", "RetryWait", "Done"};

bool failure(UploadLogStatusEnumType s) {
  return s == UploadLogStatusEnumType::UploadFailure || s == UploadLogStatusEnumType::BadMessage ||
         s == UploadLogStatusEnumType::PermissionDenied ||
         s == UploadLogStatusEnumType::NotSupportedOperation;
}

class LogsModule final : public Module {
 public:
  explicit LogsModule(Engine::Impl& engine) : engine_(engine) {}

  // ------------------------------------------------------------------ state for others

  bool running() const { return phase_ == LogPhase::Uploading || phase_ == LogPhase::RetryWait; }

  UploadLogStatusEnumType status() const {
    if (phase_ == LogPhase::Uploading) return UploadLogStatusEnumType::Uploading;
    if (phase_ == LogPhase::RetryWait)
      return note_.latest.value_or(UploadLogStatusEnumType::UploadFailure);
    return UploadLogStatusEnumType::Idle;
  }

  std::optional<std::int32_t> request_id() const {
    return running() ? std::optional<std::int32_t>(state_.request.requestId) : std::nullopt;
  }

  // ------------------------------------------------------------------ Module

  std::error_code load(Now now) override {
    std::vector<std::pair<std::string, std::string>> kv;
    if (auto ec = engine_.store_.kv_load(kUploadKey, kv)) return ec;
    for (const auto& [key, value] : kv) {
      if (key != kUploadKey) continue;
      if (!transfer::read_request_state(value, state_, note_) ||
          !transfer::phase_from(kLogPhaseNames, state_.phase, phase_)) {
        engine_.log(0, "discarding an unreadable stored log upload");
        state_ = {};
        note_ = {};
        phase_ = LogPhase::None;
      }
    }
    // The upload died with the process: it starts again, with the retries it had left.
    if (phase_ == LogPhase::RetryWait) due_ = transfer::mono_for(state_.retry.at, now);
    if (phase_ == LogPhase::Uploading) call_upload(now);
    return {};
  }

  bool handles(Action a) const override { return a == Action::GetLog; }

  void handle(Action, const rpc::Frame& frame, Now now) override {
    GetLogRequest req;
    if (!engine_.decode_request(frame, req)) return;
    auto reply = engine_.replier(frame);
    // Nothing can be uploaded without the hook that uploads: answered Rejected at once, rather
    // than Accepted followed by a certain UploadFailure.
    if (!engine_.hooks_.upload_log) {
      decide(req, std::nullopt, reply, now);
      return;
    }
    if (!engine_.hooks_.get_log) {
      // The library keeps the security log, so it can name that file itself; diagnostics only
      // the firmware has.
      std::optional<std::string> name;
      if (req.logType == LogEnumType::SecurityLog)
        name = "SecurityLog-" + std::to_string(req.requestId) + ".log";
      decide(req, name, reply, now);
      return;
    }
    engine_.defer_decision<std::optional<std::string>>(
        [h = engine_.hooks_.get_log, req] { return h(req); },
        [this, req, reply](Engine::Impl&, std::optional<std::string> name, Now n) {
          decide(req, name, reply, n);
        });
  }

  void on_timer(Now now) override {
    if (due_ && now.mono >= *due_) {
      due_.reset();
      if (phase_ == LogPhase::RetryWait) {
        phase_ = LogPhase::Uploading;
        save();
        call_upload(now);
      }
    }
    if (engine_.online() && note_.waiting()) send_note();
  }

  std::optional<MonoTime> next_deadline() const override {
    if (engine_.online() && note_.waiting()) return MonoTime{};  // waits for the connection: now
    return due_;
  }

  // ------------------------------------------------------------------ firmware reports

  std::error_code report(UploadLogStatusEnumType st, std::int32_t request_id, Now now) {
    if (st == UploadLogStatusEnumType::Idle) return make_error_code(Errc::invalid_argument);
    // A report of a cancelled (or finished) upload is not this upload's (N01.FR.07).
    if (phase_ != LogPhase::Uploading || state_.request.requestId != request_id)
      return make_error_code(Errc::invalid_state);
    if (st == UploadLogStatusEnumType::Uploaded) {
      phase_ = LogPhase::Done;
    } else if (failure(st)) {
      // N01.FR.10 reports the failure; the request's retries decide whether it is the last.
      phase_ = state_.retry.next_attempt(now, due_) ? LogPhase::RetryWait : LogPhase::Done;
    }
    note_.set(st, request_id);
    std::error_code ec = save();
    if (engine_.online()) send_note();
    return ec;
  }

  void send_triggered() {
    LogStatusNotificationRequest req;
    req.status = status();
    req.requestId = request_id();
    engine_.send_volatile(Action::LogStatusNotification, codec::to_json(req));
  }

 private:
  // Answers the GetLog once the file name is known (nullopt: no such log, Rejected).
  void decide(const GetLogRequest& req, std::optional<std::string> name,
              const std::function<std::uint64_t(Engine::Impl&, std::string)>& reply, Now now) {
    if (name && (name->empty() || name->size() > kMaxFileName)) {
      if (!name->empty()) engine_.log(0, "get_log returned a file name over 255 characters");
      name.reset();
    }
    GetLogResponse resp;
    resp.status = LogStatusEnumType::Rejected;
    if (name) {
      // N01.FR.11: a new request cancels the upload under way.
      resp.status = running() ? LogStatusEnumType::AcceptedCanceled : LogStatusEnumType::Accepted;
      resp.filename = name;  // N01.FR.01
    }
    // A decision that comes after the connection changed reaches no one: the CSMS forgot the
    // call and would never learn of the upload, so none starts (and none is cancelled).
    if (reply(engine_, codec::to_json(resp)) == 0 || !name) return;
    if (running()) {
      engine_.log(1, "GetLog " + std::to_string(req.requestId) + " cancels the upload of request " +
                         std::to_string(state_.request.requestId));
      if (engine_.hooks_.cancel_log_upload)
        engine_.defer(
            [h = engine_.hooks_.cancel_log_upload, id = state_.request.requestId] { h(id); });
    }
    due_.reset();
    state_ = {};
    state_.request = req;
    state_.file = *name;
    state_.retry.set(req.retries, req.retryInterval);
    phase_ = LogPhase::Uploading;  // N01.FR.02
    save();
    call_upload(now);
  }

  void call_upload(Now now) {
    if (!engine_.hooks_.upload_log) {
      // Only after a restart with other hooks: nothing can upload.
      engine_.log(1, "GetLog: no upload_log hook, reporting UploadFailure");
      state_.retry.left = 0;
      report(UploadLogStatusEnumType::UploadFailure, state_.request.requestId, now);
      return;
    }
    std::vector<SecurityEventNotificationRequest> entries;
    if (state_.request.logType == LogEnumType::SecurityLog) {
      // N01.FR.03 with the range of LogParametersType (6.14), both ends included.
      const auto& p = state_.request.log;
      for (auto& e : security_log(engine_))
        if ((!p.oldestTimestamp || e.timestamp >= *p.oldestTimestamp) &&
            (!p.latestTimestamp || e.timestamp <= *p.latestTimestamp))
          entries.push_back(std::move(e));
    }
    engine_.defer([h = engine_.hooks_.upload_log, req = state_.request, file = state_.file,
                   entries = std::move(entries)] { h(req, file, entries); });
  }

  void send_note() {
    if (!note_.latest) return;
    LogStatusNotificationRequest req;
    req.status = *note_.latest;
    req.requestId = note_.request_id;
    transfer::send_note(engine_, note_, req, [this] { save(); });
  }

  std::error_code save() {
    std::optional<std::string> json;
    if (phase_ == LogPhase::Done && !note_.unsent) {
      phase_ = LogPhase::None;
      state_ = {};
    }
    state_.phase = kLogPhaseNames[static_cast<int>(phase_)];
    if (phase_ != LogPhase::None || note_.unsent)
      json = transfer::write_request_state(state_, note_);
    return transfer::store_state(engine_, kUploadKey, json, "the log upload");
  }

  Engine::Impl& engine_;
  LogPhase phase_ = LogPhase::None;
  transfer::RequestState<GetLogRequest> state_;  // file: the file name given in GetLog.conf
  std::optional<MonoTime> due_;                  // the next attempt while in RetryWait
  transfer::Notifier<UploadLogStatusEnumType> note_;
};

const LogsModule* find_module(const Engine::Impl& engine) {
  return static_cast<const LogsModule*>(engine.logs_module_);
}
LogsModule* find_module(Engine::Impl& engine) {
  return static_cast<LogsModule*>(engine.logs_module_);
}

}  // namespace

std::unique_ptr<Module> make_logs_module(Engine::Impl& engine) {
  auto m = std::make_unique<LogsModule>(engine);
  engine.logs_module_ = m.get();
  return m;
}

UploadLogStatusEnumType current_log_status(const Engine::Impl& engine) {
  const LogsModule* m = find_module(engine);
  return m ? m->status() : UploadLogStatusEnumType::Idle;
}

std::optional<std::int32_t> current_log_request_id(const Engine::Impl& engine) {
  const LogsModule* m = find_module(engine);
  return m ? m->request_id() : std::nullopt;
}

void send_log_status_notification(Engine::Impl& engine, Now) {
  if (LogsModule* m = find_module(engine)) m->send_triggered();
}

std::error_code Engine::report_log_status(UploadLogStatusEnumType status, std::int32_t request_id,
                                          Now now) {
  LogsModule* m = find_module(*impl_);
  if (!m) return make_error_code(Errc::invalid_state);
  return m->report(status, request_id, now);
}

UploadLogStatusEnumType Engine::log_status() const { return current_log_status(*impl_); }

}  // namespace ocpp::v16
