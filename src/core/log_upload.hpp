// The log upload of GetLog (1.6 Security Whitepaper N01, 2.0.1 N01), for every OCPP version:
// the library does no file transfer; a hook of the version uploads, and the firmware reports
// its progress, each report becoming a LogStatusNotificationRequest with the request's
// requestId (N01.FR.07). A new request cancels the upload under way. Failures are retried
// after retryInterval while retries are left. The upload's state is persisted on every step,
// so that an upload cut by a restart is started again and its last status still reaches the
// CSMS.
//
// Template arguments: the version's codec policy (see core/file_transfer.hpp), its
// Engine::Impl, GetLogRequest, UploadLogStatusEnumType and LogStatusNotificationRequest.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "core/file_transfer.hpp"
#include "ocpp/error.hpp"
#include "ocpp/time.hpp"

namespace ocpp::core {

template <class Codec, class E, class Req, class Status, class Note>
class LogUpload {
 public:
  /// `key`: the store key of the state; `call_upload`: starts an attempt of the current
  /// request (queues the version's upload hook, or reports a failure without one).
  LogUpload(E& engine, const char* key, std::function<void(Now)> call_upload)
      : engine_(engine), key_(key), call_upload_(std::move(call_upload)) {}

  /// Whether an upload runs (uploading, or waiting for its next attempt).
  bool running() const { return phase_ == Phase::Uploading || phase_ == Phase::RetryWait; }

  /// The status a triggered LogStatusNotification carries: Idle when no upload runs, else
  /// Uploading, or the failure of the last attempt while waiting for the next one.
  Status status() const {
    if (phase_ == Phase::Uploading) return Status::Uploading;
    if (phase_ == Phase::RetryWait) return note_.latest.value_or(Status::UploadFailure);
    return Status::Idle;
  }
  /// The requestId of the running upload; nullopt when none runs (N01.FR.13).
  std::optional<std::int32_t> request_id() const {
    return running() ? std::optional<std::int32_t>(state_.request.requestId) : std::nullopt;
  }
  const Req& request() const { return state_.request; }
  const std::string& file() const { return state_.file; }

  /// Reads the state of an earlier run; an upload that died with the process starts again,
  /// with the retries it had left.
  std::error_code load(Now now) {
    if (auto ec = transfer::load_request_state<Codec>(engine_, key_, kPhaseNames, Phase::None,
                                                      phase_, state_, note_, "log upload"))
      return ec;
    if (phase_ == Phase::RetryWait) due_ = transfer::mono_for(state_.retry.at, now);
    if (phase_ == Phase::Uploading) call_upload_(now);
    return {};
  }

  /// Starts uploading `file` for `req` (its answer Accepted is out: N01.FR.02), replacing the
  /// upload under way; returns the requestId of the upload it cancelled (N01.FR.12).
  std::optional<std::int32_t> start(const Req& req, std::string file, Now now) {
    std::optional<std::int32_t> cancelled = request_id();
    due_.reset();
    state_ = {};
    state_.request = req;
    state_.file = std::move(file);
    state_.retry.set(req.retries, req.retryInterval);
    phase_ = Phase::Uploading;
    save();
    call_upload_(now);
    return cancelled;
  }

  /// No attempt can succeed (no hook to upload with): the retries are given up.
  void give_up_retries() { state_.retry.left = 0; }

  /// A status of the upload of request_id, as the firmware reports it. Errors:
  /// Errc::invalid_argument (Idle: only for a trigger), Errc::invalid_state (no upload of
  /// that requestId runs, e.g. one a newer request cancelled), storage errors.
  std::error_code report(Status st, std::int32_t request_id, Now now) {
    if (st == Status::Idle) return make_error_code(Errc::invalid_argument);
    if (phase_ != Phase::Uploading || state_.request.requestId != request_id)
      return make_error_code(Errc::invalid_state);
    if (st == Status::Uploaded) {
      phase_ = Phase::Done;
    } else if (failure(st)) {
      // N01.FR.10 reports the failure; the request's retries decide whether it is the last.
      phase_ = state_.retry.next_attempt(now, due_) ? Phase::RetryWait : Phase::Done;
    }
    return notify(st, request_id);
  }

  /// Reports a status of the library's own (e.g. AcceptedCanceled for a cancelled upload).
  std::error_code notify(Status st, std::int32_t request_id) {
    note_.set(st, request_id);
    std::error_code ec = save();
    if (engine_.online()) send_note();
    return ec;
  }

  void on_timer(Now now) {
    if (due_ && now.mono >= *due_) {
      due_.reset();
      if (phase_ == Phase::RetryWait) {
        phase_ = Phase::Uploading;
        save();
        call_upload_(now);
      }
    }
    if (engine_.online() && note_.waiting()) send_note();
  }

  std::optional<MonoTime> next_deadline() const {
    if (engine_.online() && note_.waiting()) return MonoTime{};  // waits for the connection: now
    return due_;
  }

  /// The notification a trigger asks for (status(), request_id()).
  Note triggered() const {
    Note req;
    req.status = status();
    req.requestId = request_id();
    return req;
  }

 private:
  enum class Phase { None, Uploading, RetryWait, Done };
  static constexpr const char* kPhaseNames[] = {"None", "Uploading", "RetryWait", "Done"};

  static bool failure(Status s) {
    return s == Status::UploadFailure || s == Status::BadMessage || s == Status::PermissionDenied ||
           s == Status::NotSupportedOperation;
  }

  void send_note() {
    transfer::send_latest<Codec, Note>(engine_, note_, [this] { save(); });
  }

  std::error_code save() {
    return transfer::save_request_state<Codec>(engine_, key_, kPhaseNames, Phase::None, Phase::Done,
                                               phase_, state_, note_, "the log upload");
  }

  E& engine_;
  const char* key_;
  std::function<void(Now)> call_upload_;
  Phase phase_ = Phase::None;
  transfer::RequestState<Req> state_;  // file: the file name given in the GetLogResponse
  std::optional<MonoTime> due_;        // the next attempt while in RetryWait
  transfer::Notifier<Status> note_;
};

}  // namespace ocpp::core
