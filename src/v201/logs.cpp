// Functional block N of OCPP 2.0.1 part 2: N01 Retrieve Log Information (GetLogRequest,
// LogStatusNotificationRequest).
//
// The upload's steps, retries and persistence (store key "log201.upload") are the
// version-neutral core::LogUpload the 1.6 GetLog uses too; this file answers the request,
// binds the 2.0.1 hooks (get_log, upload_log, cancel_log_upload) and hands the hook the
// entries of the security log the library keeps (N01.FR.03).
#include "core/log_upload.hpp"
#include "v201/engine_impl.hpp"
#include "v201/transfer_codec.hpp"

namespace ocpp::v201 {

using LogUpload201 = core::LogUpload<TransferCodec, Engine::Impl, GetLogRequest,
                                     UploadLogStatusEnumType, LogStatusNotificationRequest>;

struct Engine::Impl::LogsBlock {
  LogsBlock(Impl& im, std::function<void(Now)> call_upload)
      : upload(im, "log201.upload", std::move(call_upload)) {}
  LogUpload201 upload;
};

namespace {

constexpr std::size_t kMaxFileName = 255;  // GetLogResponse filename, string[0..255]

// Starts an attempt of the current upload: the upload_log hook with the security log entries
// in the request's range (LogParametersType: both ends included).
void call_upload(Engine::Impl& im, Now now) {
  LogUpload201& upload = im.logs_->upload;
  const GetLogRequest& request = upload.request();
  if (!im.hooks_.upload_log) {
    // Only after a restart with other hooks: nothing can upload.
    im.log(1, "GetLog: no upload_log hook, reporting UploadFailure");
    upload.give_up_retries();
    upload.report(UploadLogStatusEnumType::UploadFailure, request.requestId, now);
    return;
  }
  std::vector<SecurityEventNotificationRequest> entries;
  if (request.logType == LogEnumType::SecurityLog) {
    const auto& p = request.log;
    for (const auto& row : im.security_log_.entries()) {
      SecurityEventNotificationRequest e;
      codec::Error err;
      if (!codec::from_json(row.payload, e, err)) continue;
      if ((!p.oldestTimestamp || e.timestamp >= *p.oldestTimestamp) &&
          (!p.latestTimestamp || e.timestamp <= *p.latestTimestamp))
        entries.push_back(std::move(e));
    }
  }
  im.defer([h = im.hooks_.upload_log, req = request, file = upload.file(),
            entries = std::move(entries)] { h(req, file, entries); });
}

// Answers the GetLogRequest once the file name is known (nullopt: no such log, N01.FR.05).
void decide(Engine::Impl& im, const std::string& id, std::uint64_t epoch, const GetLogRequest& req,
            std::optional<std::string> name, Now now) {
  // An answer decided after the connection changed reaches no one: the CSMS forgot the call
  // and would never learn of the upload, so none starts (and none is cancelled).
  if (im.epoch() != epoch || !im.connected()) return;
  if (name && (name->empty() || name->size() > kMaxFileName)) {
    if (!name->empty()) im.log(0, "get_log returned a file name over 255 characters");
    name.reset();
  }
  LogUpload201& upload = im.logs_->upload;
  GetLogResponse resp;
  resp.status = LogStatusEnumType::Rejected;
  if (name) {
    // N01.FR.12: a new request cancels the upload under way.
    resp.status =
        upload.running() ? LogStatusEnumType::AcceptedCanceled : LogStatusEnumType::Accepted;
    resp.filename = name;  // N01.FR.01
  }
  im.reply(id, codec::to_json(resp));
  if (!name) return;
  const std::optional<std::int32_t> old = upload.request_id();
  if (old) {
    im.log(1, "GetLog " + std::to_string(req.requestId) + " cancels the upload of request " +
                  std::to_string(*old));
    if (im.hooks_.cancel_log_upload)
      im.defer([h = im.hooks_.cancel_log_upload, o = *old] { h(o); });
    // N01.FR.20: the cancelled upload's last status, with its requestId.
    upload.notify(UploadLogStatusEnumType::AcceptedCanceled, *old);
  }
  upload.start(req, *name, now);  // N01.FR.02
}

}  // namespace

std::error_code Engine::Impl::load_logs(Now now) {
  logs_ = std::make_shared<LogsBlock>(*this, [this](Now n) { call_upload(*this, n); });
  return logs_->upload.load(now);
}

void Engine::Impl::handle_get_log(const rpc::Frame& frame, Now now) {
  GetLogRequest req;
  if (!decode_request(frame, req)) return;
  // Nothing can be uploaded without the hook that uploads: Rejected at once, rather than
  // Accepted followed by a certain UploadFailure.
  if (!hooks_.upload_log) {
    decide(*this, frame.id, epoch(), req, std::nullopt, now);
    return;
  }
  if (!hooks_.get_log) {
    // The library keeps the security log, so it can name that file itself; diagnostics only
    // the firmware has.
    std::optional<std::string> name;
    if (req.logType == LogEnumType::SecurityLog)
      name = "SecurityLog-" + std::to_string(req.requestId) + ".log";
    decide(*this, frame.id, epoch(), req, name, now);
    return;
  }
  defer_decision<std::optional<std::string>>(
      [h = hooks_.get_log, req] { return h(req); },
      [id = frame.id, epoch = epoch(), req](Impl& im, std::optional<std::string> name, Now n) {
        decide(im, id, epoch, req, std::move(name), n);
      });
}

void Engine::Impl::send_log_status_triggered() {
  send_volatile(Action::LogStatusNotification, codec::to_json(logs_->upload.triggered()));
}

std::optional<MonoTime> Engine::Impl::logs_deadline() const {
  return logs_ ? logs_->upload.next_deadline() : std::nullopt;
}

void Engine::Impl::logs_timer(Now now) {
  if (logs_) logs_->upload.on_timer(now);
}

std::error_code Engine::report_log_status(UploadLogStatusEnumType status, std::int32_t requestId,
                                          Now now) {
  if (status == UploadLogStatusEnumType::AcceptedCanceled)
    return make_error_code(Errc::invalid_argument);  // the library's own (N01.FR.20)
  return impl_->logs_->upload.report(status, requestId, now);
}

UploadLogStatusEnumType Engine::log_status() const { return impl_->logs_->upload.status(); }

}  // namespace ocpp::v201
