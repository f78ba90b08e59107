#include "rpc/session.hpp"

#include "ocpp/error.hpp"

namespace ocpp::rpc {

Session::Session(SessionOptions options, Store& store, DurableHandler& durable, LogFn log)
    : options_(options), store_(store), durable_(durable), log_(std::move(log)),
      ids_(options.id_seed) {}

std::error_code Session::load() {
  if (auto ec = store_.outbox_size(outbox_size_)) return ec;
  // Messages produced in this run go out after those queued before the restart: a status
  // report after the StopTransaction it follows (OCPP 1.6 section 3.7).
  if (outbox_size_ > 0) last_appended_seq_ = kQueuedBeforeThisRun;
  return {};
}

// ---------------------------------------------------------------- connection

void Session::connected() {
  connected_ = true;
  ++epoch_;
}

void Session::disconnected(Now now) {
  if (!connected_) return;
  connected_ = false;
  replies_.clear();  // replies and message ids belong to the closed connection
  replies_gone_ = replies_queued_;
  calls_in_progress_.clear();
  if (in_flight_) {
    InFlight f = std::move(*in_flight_);
    in_flight_.reset();
    // A durable message stays at the head of the outbox and is sent again after the
    // reconnect: the interruption is not a failure of the peer to process it.
    if (!f.durable && f.done) f.done(nullptr, now);
  }
  // Volatile CALLs are lost by design: after a reconnect the version reports current state
  // instead of stale messages.
  auto pending = std::move(volatile_);
  volatile_.clear();
  if (opening_) {
    pending.push_front(std::move(*opening_));
    opening_.reset();
  }
  for (auto& v : pending)
    if (v.done) v.done(nullptr, now);
}

// ---------------------------------------------------------------- inbound

std::optional<Frame> Session::receive(std::string_view text, Now now, bool answer_calls) {
  if (frame_observer_) frame_observer_(false, std::string(text));
  if (!connected_) return std::nullopt;
  Frame frame = parse_frame(text);
  switch (frame.kind) {
    case Frame::Kind::Invalid:
      invalid_frame_ = frame.reason;
      if (!answer_calls) {
        log_(1, "ignored a frame while not answering calls (" + frame.reason + ")");
      } else if (frame.reply_possible) {
        refuse(frame.id, frame.reply_code, frame.reason);
      } else if (options_.dialect == RpcDialect::ocpp201 && frame.maybe_call) {
        // OCPP 2.0.1 part 4 section 4.2.3: "When also the MessageId cannot be read, the
        // CALLERROR SHALL contain "-1" as MessageId". OCPP-J 1.6 has no such rule
        // (docs/protocol-choices.md): there the frame is dropped.
        refuse("-1", RpcErrorCode::RpcFrameworkError, frame.reason);
      } else {
        log_(1, "ignored a frame that cannot be answered (" + frame.reason + ")");
      }
      return std::nullopt;
    case Frame::Kind::Call:
      if (!answer_calls) {
        log_(1, "ignored " + frame.action + " while not answering calls");
        return std::nullopt;
      }
      // The first CALL with this id is still answered when its handling ends.
      if (!calls_in_progress_.insert(frame.id).second) {
        invalid_frame_ = "a CALL with the message id of one in progress";
        refuse(frame.id, RpcErrorCode::FormationViolation,
               "a CALL with this message id is being handled already");
        return std::nullopt;
      }
      return frame;
    case Frame::Kind::CallResult:
      if (in_flight_ && in_flight_->id == frame.id) {
        finish(frame.payload, {}, now);
      } else {
        // Late or duplicate replies are matched by id only; never a crash.
        log_(1, "ignored a CALLRESULT for unknown message id " + frame.id);
      }
      return std::nullopt;
    case Frame::Kind::CallError:
      if (in_flight_ && in_flight_->id == frame.id) {
        finish(nullptr, frame.error_code + " " + frame.error_description, now);
      } else {
        log_(1, "ignored a CALLERROR for unknown message id " + frame.id);
      }
      return std::nullopt;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- outbound

std::uint64_t Session::reply(const std::string& id, std::string_view payload_json) {
  calls_in_progress_.erase(id);
  replies_.push_back(make_call_result(id, payload_json));
  return ++replies_queued_;
}

std::uint64_t Session::reply_error(const std::string& id, RpcErrorCode code,
                                   std::string_view description) {
  calls_in_progress_.erase(id);
  return refuse(id, code, description);
}

std::uint64_t Session::refuse(const std::string& id, RpcErrorCode code,
                              std::string_view description) {
  replies_.push_back(make_call_error(id, code, description, options_.dialect));
  return ++replies_queued_;
}

bool Session::send(std::string action, std::string payload, ResultFn done) {
  // A caller waiting for the answer is told through done; a notification nobody waits for
  // is what gives way at the bound.
  if (volatile_.size() >= options_.max_volatile && !done) {
    log_(1, "message queue full: " + action + " not sent");
    return false;
  }
  volatile_.push_back({std::move(action), std::move(payload), std::move(done), last_appended_seq_});
  return true;
}

std::size_t Session::volatile_room() const {
  return volatile_.size() >= options_.max_volatile ? 0 : options_.max_volatile - volatile_.size();
}

void Session::send_opening(std::string action, std::string payload, ResultFn done) {
  opening_ = Volatile{std::move(action), std::move(payload), std::move(done), 0};
}

std::error_code Session::append(OutboxMessage& m) {
  if (m.droppable && outbox_size_ >= options_.outbox_limit) {
    bool dropped = false;
    if (auto ec = store_.outbox_drop_oldest_droppable(dropped)) return ec;
    if (!dropped) {
      log_(1, "durable queue at its bound: " + m.action + " not queued");
      return make_error_code(Errc::queue_full);
    }
    --outbox_size_;
    head_loaded_ = false;  // the head may have been the dropped one
    log_(1, "durable queue at its bound: dropped the oldest droppable message");
  }
  if (auto ec = store_.outbox_append(m)) return ec;
  appended(m.seq);
  return {};
}

void Session::appended(std::int64_t seq) {
  ++outbox_size_;
  if (last_appended_seq_ == kQueuedBeforeThisRun) {
    // The first message of this run. Seqs only grow: the volatile CALLs waiting so far go
    // after everything queued by the earlier run and before this message.
    for (auto& v : volatile_)
      if (v.after_seq == kQueuedBeforeThisRun) v.after_seq = seq - 1;
  }
  last_appended_seq_ = seq;
  if (!head_) head_loaded_ = false;  // an empty cached head is stale now
}

std::optional<std::string> Session::poll_transmit(Now now) {
  if (!connected_) return std::nullopt;
  if (!replies_.empty()) {
    std::string text = std::move(replies_.front());
    replies_.pop_front();
    ++replies_gone_;
    observe(true, text);
    return text;
  }
  if (in_flight_) return std::nullopt;

  InFlight f;
  if (opening_) {
    Volatile v = std::move(*opening_);
    opening_.reset();
    f.action = std::move(v.action);
    f.opening = true;
    f.done = std::move(v.done);
    return start_call(std::move(f), v.payload, now);
  }
  if (!open_) return std::nullopt;

  // Messages go out in the order they were produced: a volatile CALL produced after a durable
  // message waits for it. While the durable head waits for a retry, volatile CALLs go ahead.
  std::string payload;
  bool take_durable = false;
  if (!retry_at_ || now.mono >= *retry_at_) {
    std::optional<std::int64_t> discarded;  // seq of the message this loop removed last
    while (load_head()) {
      if (!volatile_.empty() && head_->seq > volatile_.front().after_seq) break;
      if (discarded && head_->seq <= *discarded) {
        // The store said it removed that message but hands it back (a damaged file whose
        // index misses the row): the same loop again would never end. Try again later.
        head_loaded_ = false;
        retry_at_ = now.mono + kStoreRetry;
        break;
      }
      const auto prepared = durable_.prepare(*head_, payload);
      if (prepared == DurableHandler::Prepared::send) {
        take_durable = true;
        break;
      }
      if (prepared == DurableHandler::Prepared::unknown_action)
        log_(0, "removed a stored message of unknown action '" + head_->action + "': never sent");
      discarded = head_->seq;
      if (!remove_head(durable_.discard_effects(*head_), nullptr, now)) {
        // The store cannot remove it either: reading the same head back at once would be an
        // endless loop.
        retry_at_ = now.mono + kStoreRetry;
        break;
      }
    }
  }
  if (take_durable) {
    // The wait for this attempt is over: a retry time left in the past would be reported by
    // next_deadline() until the answer came, and the host would spin on it.
    retry_at_.reset();
    f.action = head_->action;
    f.durable = true;
    f.seq = head_->seq;
  } else if (!volatile_.empty()) {
    Volatile v = std::move(volatile_.front());
    volatile_.pop_front();
    f.action = std::move(v.action);
    f.done = std::move(v.done);
    payload = std::move(v.payload);
  } else {
    return std::nullopt;
  }
  return start_call(std::move(f), payload, now);
}

std::string Session::start_call(InFlight f, std::string_view payload, Now now) {
  f.id = ids_.next();
  f.deadline = now.mono + options_.call_timeout;
  std::string text = make_call(f.id, f.action, payload);
  in_flight_ = std::move(f);
  observe(true, text);
  return text;
}

void Session::observe(bool sent, const std::string& text) {
  if (frame_observer_) frame_observer_(sent, text);
}

// ---------------------------------------------------------------- time

std::optional<MonoTime> Session::next_deadline() const {
  std::optional<MonoTime> d;
  if (in_flight_) d = in_flight_->deadline;
  // While a CALL is in flight the retry cannot go out; that CALL's answer or timeout wakes the
  // host anyway, and a retry time left in the past here would be a busy loop.
  if (connected_ && open_ && retry_at_ && outbox_size_ > 0 && !in_flight_) d = retry_at_;
  return d;
}

void Session::handle_timeout(Now now) {
  if (in_flight_ && now.mono >= in_flight_->deadline) {
    finish(nullptr, "no answer within " + std::to_string(options_.call_timeout.count()) + " s", now);
  }
}

// ---------------------------------------------------------------- durable outbox

bool Session::load_head() {
  if (!head_loaded_) {
    head_.reset();
    if (auto ec = store_.outbox_front(head_)) {
      // Logged once per run of failures: every poll_transmit reads again, and a log line per
      // read is a hook call per poll, which the host answers with another poll, for ever.
      if (!read_failing_) log_(0, "reading the durable queue failed: " + ec.message());
      read_failing_ = true;
      return false;
    }
    read_failing_ = false;
    head_loaded_ = true;
  }
  return head_.has_value();
}

void Session::finish(const rapidjson::Value* result, const std::string& error, Now now) {
  InFlight f = std::move(*in_flight_);
  in_flight_.reset();
  if (!f.durable) {
    if (!result && !error.empty()) log_(1, f.action + " failed: " + error);
    if (f.done) f.done(result, now);
    return;
  }
  if (!load_head() || head_->seq != f.seq) return;  // dropped meanwhile
  std::string why = error;
  if (result) {
    AckEffects effects;
    if (durable_.check_result(*head_, *result, effects, why)) {
      remove_head(effects, result, now);
      return;
    }
    log_(0, "invalid answer to " + head_->action + ": " + why);
  }
  // A failure to process the message (OCPP 1.6 section 3.7, OCPP 2.0.1 E13): retry after
  // interval × transmissions so far, up to the policy's attempts.
  const int attempts = head_->attempts + 1;
  if (attempts >= retry_.attempts) {
    log_(0, "discarding " + head_->action + " after " + std::to_string(attempts) +
                " failed attempts: " + why);
    remove_head(durable_.discard_effects(*head_), nullptr, now);
    return;
  }
  head_->attempts = attempts;
  if (auto ec = store_.outbox_set_attempts(head_->seq, attempts))
    log_(0, "recording a failed attempt failed: " + ec.message());
  retry_at_ = now.mono + retry_.interval * attempts;
  log_(1, head_->action + " attempt " + std::to_string(attempts) + " failed: " + why);
}

bool Session::remove_head(const AckEffects& effects, const rapidjson::Value* result, Now now) {
  OutboxMessage m = std::move(*head_);
  head_.reset();
  head_loaded_ = false;
  retry_at_.reset();
  bool removed = true;
  if (auto ec = store_.outbox_ack(m.seq, m.tx_key, effects)) {
    log_(0, "removing a delivered message from the queue failed: " + ec.message());
    removed = false;
  }
  if (outbox_size_ > 0) --outbox_size_;
  durable_.removed(m, effects, result, now);
  return removed;
}

}  // namespace ocpp::rpc
