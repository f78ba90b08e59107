// Security Whitepaper N01: GetLog and LogStatusNotification.
//
// The upload's steps, retries and persistence (store key "getlog.upload") are the shared
// core::LogUpload; this file answers GetLog.req and binds the 1.6 hooks: upload_log uploads,
// and the firmware reports its progress with Engine::report_log_status. For a SecurityLog the
// library hands the hook the entries of the security log it keeps (N01.FR.03, N01.FR.05).
#include "v16/security/logs.hpp"

#include "core/log_upload.hpp"
#include "v16/engine_impl.hpp"
#include "v16/file_transfer.hpp"
#include "v16/security/security_events.hpp"

namespace ocpp::v16 {
namespace {

constexpr const char* kUploadKey = "getlog.upload";
constexpr std::size_t kMaxFileName = 255;  // GetLog.conf filename, string[0..255] (5.10)

using Upload = core::LogUpload<transfer::Codec, Engine::Impl, GetLogRequest,
                               UploadLogStatusEnumType, LogStatusNotificationRequest>;

class LogsModule final : public Module {
 public:
  explicit LogsModule(Engine::Impl& engine)
      : engine_(engine), upload_(engine, kUploadKey, [this](Now now) { call_upload(now); }) {}

  // ------------------------------------------------------------------ state for others

  UploadLogStatusEnumType status() const { return upload_.status(); }
  std::optional<std::int32_t> request_id() const { return upload_.request_id(); }

  // ------------------------------------------------------------------ Module

  std::error_code load(Now now) override { return upload_.load(now); }

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

  void on_timer(Now now) override { upload_.on_timer(now); }
  std::optional<MonoTime> next_deadline() const override { return upload_.next_deadline(); }

  // ------------------------------------------------------------------ firmware reports

  std::error_code report(UploadLogStatusEnumType st, std::int32_t request_id, Now now) {
    return upload_.report(st, request_id, now);
  }

  void send_triggered() {
    engine_.send_volatile(Action::LogStatusNotification, codec::to_json(upload_.triggered()));
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
      resp.status =
          upload_.running() ? LogStatusEnumType::AcceptedCanceled : LogStatusEnumType::Accepted;
      resp.filename = name;  // N01.FR.01
    }
    // A decision that comes after the connection changed reaches no one: the CSMS forgot the
    // call and would never learn of the upload, so none starts (and none is cancelled).
    if (reply(engine_, codec::to_json(resp)) == 0 || !name) return;
    if (auto old = upload_.start(req, *name, now)) {
      engine_.log(1, "GetLog " + std::to_string(req.requestId) + " cancels the upload of request " +
                         std::to_string(*old));
      if (engine_.hooks_.cancel_log_upload)
        engine_.defer([h = engine_.hooks_.cancel_log_upload, id = *old] { h(id); });
    }
  }

  void call_upload(Now now) {
    const GetLogRequest& request = upload_.request();
    if (!engine_.hooks_.upload_log) {
      // Only after a restart with other hooks: nothing can upload.
      engine_.log(1, "GetLog: no upload_log hook, reporting UploadFailure");
      upload_.give_up_retries();
      upload_.report(UploadLogStatusEnumType::UploadFailure, request.requestId, now);
      return;
    }
    std::vector<SecurityEventNotificationRequest> entries;
    if (request.logType == LogEnumType::SecurityLog) {
      // N01.FR.03 with the range of LogParametersType (6.14), both ends included.
      const auto& p = request.log;
      for (auto& e : security_log(engine_))
        if ((!p.oldestTimestamp || e.timestamp >= *p.oldestTimestamp) &&
            (!p.latestTimestamp || e.timestamp <= *p.latestTimestamp))
          entries.push_back(std::move(e));
    }
    engine_.defer([h = engine_.hooks_.upload_log, req = request, file = upload_.file(),
                   entries = std::move(entries)] { h(req, file, entries); });
  }

  Engine::Impl& engine_;
  Upload upload_;
};

const LogsModule* find_logs_module(const Engine::Impl& engine) {
  return static_cast<const LogsModule*>(engine.logs_module_);
}
LogsModule* find_logs_module(Engine::Impl& engine) {
  return static_cast<LogsModule*>(engine.logs_module_);
}

}  // namespace

std::unique_ptr<Module> make_logs_module(Engine::Impl& engine) {
  auto m = std::make_unique<LogsModule>(engine);
  engine.logs_module_ = m.get();
  return m;
}

UploadLogStatusEnumType current_log_status(const Engine::Impl& engine) {
  const LogsModule* m = find_logs_module(engine);
  return m ? m->status() : UploadLogStatusEnumType::Idle;
}

std::optional<std::int32_t> current_log_request_id(const Engine::Impl& engine) {
  const LogsModule* m = find_logs_module(engine);
  return m ? m->request_id() : std::nullopt;
}

void send_log_status_notification(Engine::Impl& engine, Now) {
  if (LogsModule* m = find_logs_module(engine)) m->send_triggered();
}

std::error_code Engine::report_log_status(UploadLogStatusEnumType status, std::int32_t request_id,
                                          Now now) {
  LogsModule* m = find_logs_module(*impl_);
  if (!m) return make_error_code(Errc::invalid_state);
  return m->report(status, request_id, now);
}

UploadLogStatusEnumType Engine::log_status() const { return current_log_status(*impl_); }

}  // namespace ocpp::v16
