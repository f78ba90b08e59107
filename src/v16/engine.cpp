#include <algorithm>
#include <type_traits>

#include "v16/engine_impl.hpp"

namespace ocpp::v16 {

namespace {

constexpr MonoTime kImmediately{};
// How long to wait before discarding a queued message again after the store failed to remove it.
constexpr std::chrono::seconds kStoreRetry{10};

}  // namespace

Engine::Impl::Impl(EngineOptions options, Store& store, Hooks hooks)
    : options_(std::move(options)),
      store_(store),
      hooks_(std::move(hooks)),
      config_(store, options_.connectors),
      ids_(options_.id_seed) {
  modules_.push_back(make_core_actions_module(*this));
  modules_.push_back(make_authorization_module(*this));
  modules_.push_back(make_reservation_module(*this));
  modules_.push_back(make_smart_charging_module(*this));
  modules_.push_back(make_firmware_module(*this));
  modules_.push_back(make_remote_trigger_module(*this));
  modules_.push_back(make_metering_module(*this));
}

std::error_code Engine::Impl::load(Now now) {
  if (auto ec = config_.load(options_.configuration_defaults)) return ec;
  connectors_.resize(static_cast<std::size_t>(options_.connectors) + 1);
  for (std::size_t i = 0; i < connectors_.size(); ++i) connectors_[i].id = static_cast<int>(i);

  std::vector<TransactionRecord> recs;
  if (auto ec = store_.transactions_load(recs)) return ec;
  for (auto& r : recs) {
    const std::int64_t key = r.tx_key;
    const int cid = r.connector_id;
    const bool running = !r.stopped;
    txs_[key] = TxState{std::move(r)};
    if (running && cid >= 1 && cid <= options_.connectors) {
      // A transaction that was running when the process stopped resumes on its connector;
      // firmware that cannot resume energy delivery stops it (e.g. reason PowerLoss).
      Connector& c = connectors_[static_cast<std::size_t>(cid)];
      if (c.tx_key) log(1, "two running transactions stored for connector " + std::to_string(cid));
      c.tx_key = key;
      c.plugged = true;
      c.meter_wh = std::max<std::int64_t>(c.meter_wh, txs_[key].rec.meter_start);
      schedule_sample(c, now);
    }
  }
  if (auto ec = store_.outbox_size(outbox_size_)) return ec;
  for (auto& m : modules_)
    if (auto ec = m->load(now)) return ec;
  return {};
}

void Engine::Impl::log(int level, std::string message) {
  if (!hooks_.log) return;
  defer([h = hooks_.log, level, m = std::move(message)] { h(level, m); });
}

void Engine::Impl::defer(std::function<void()> call) { hook_calls_.push_back(std::move(call)); }

std::function<void()> Engine::Impl::poll_hook_call() {
  if (hook_calls_.empty()) return {};
  auto f = std::move(hook_calls_.front());
  hook_calls_.pop_front();
  return f;
}

// ---------------------------------------------------------------- connection

void Engine::Impl::connected(Now now) {
  connected_ = true;
  ++epoch_;
  if (hooks_.connection) defer([h = hooks_.connection] { h(true, ""); });
  if (accepted()) {
    // Reconnected after an earlier Accepted: no new BootNotification (that is for reboots,
    // OCPP 1.6 section 4.2); report what the connectors are doing now instead of stale state.
    report_all_status(now);
    const auto interval = config_.get_int("HeartbeatInterval");
    if (interval > 0) next_heartbeat_ = now.mono + std::chrono::seconds(interval);
  } else if (!registration_ || next_boot_ < now.mono) {
    // After Rejected or Pending the interval the CSMS gave still holds across a reconnect
    // (section 4.2: no BootNotification earlier); else boot at once.
    next_boot_ = now.mono;
  }
}

void Engine::Impl::disconnected(Now now) {
  if (!connected_) return;
  connected_ = false;
  replies_.clear();  // replies belong to the closed connection
  if (in_flight_) {
    InFlight f = std::move(*in_flight_);
    in_flight_.reset();
    // A durable message stays at the head of the queue and is sent again after the
    // reconnect; the interruption is not a failure of the CSMS to process it.
    if (!f.durable && f.on_done) f.on_done(nullptr, now);
  }
  auto pending = std::move(volatile_);
  volatile_.clear();
  for (auto& v : pending)
    if (v.on_done) v.on_done(nullptr, now);
  boot_in_flight_ = false;
  next_heartbeat_.reset();
  for (auto& c : connectors_) c.reported_status.reset();  // report afresh after reconnect
  if (hooks_.connection) defer([h = hooks_.connection] { h(false, "disconnected"); });
}

// ---------------------------------------------------------------- outgoing

void Engine::Impl::send_volatile(Action action, std::string payload,
                                 std::function<void(const rapidjson::Value*, Now)> on_done) {
  volatile_.push_back({action, std::move(payload), std::move(on_done), last_appended_seq_});
}

void Engine::Impl::reply(const std::string& id, std::string payload_json) {
  replies_.push_back(rpc::make_call_result(id, payload_json));
}

void Engine::Impl::reply_error(const std::string& id, RpcErrorCode code, std::string_view description) {
  replies_.push_back(rpc::make_call_error(id, code, description));
}

std::error_code Engine::Impl::append_durable(OutboxMessage& msg) {
  if (msg.droppable && outbox_size_ >= options_.outbox_limit) {
    bool dropped = false;
    if (auto ec = store_.outbox_drop_oldest_droppable(dropped)) return ec;
    if (dropped) {
      --outbox_size_;
      durable_head_loaded_ = false;  // the head may have been the dropped one
      log(1, "durable queue at its bound: dropped the oldest MeterValues");
    } else {
      log(1, "durable queue at its bound: MeterValues not queued");
      return make_error_code(Errc::queue_full);
    }
  }
  if (auto ec = store_.outbox_append(msg)) return ec;
  appended_durable(msg.seq);
  return {};
}

namespace {

// The stored payload as it goes on the wire: decoded and validated against its action's schema
// (a store read back from disk can hold anything), with the CSMS's transactionId when given.
template <class T>
std::optional<std::string> checked_payload(const std::string& payload, std::optional<std::int32_t> id) {
  T msg;
  codec::Error err;
  if (!codec::from_json(payload, msg, err) || !codec::validate(msg, err)) return std::nullopt;
  if constexpr (!std::is_same_v<T, StartTransactionRequest>) {
    if (id) msg.transactionId = *id;
  }
  return codec::to_json(msg);
}

}  // namespace

std::optional<std::string> Engine::Impl::durable_payload(const OutboxMessage& m, std::string& why) {
  std::optional<std::int32_t> id;
  if (m.tx_key != 0 && m.action != "StartTransaction") {
    auto it = txs_.find(m.tx_key);
    if (it == txs_.end() || !it->second.rec.transaction_id) {
      // Its StartTransaction was discarded after TransactionMessageAttempts failures: nothing
      // the CSMS could match it to.
      why = "of a transaction without transactionId";
      return std::nullopt;
    }
    id = it->second.rec.transaction_id;
  }
  std::optional<std::string> p;
  if (m.action == "StartTransaction") p = checked_payload<StartTransactionRequest>(m.payload, id);
  if (m.action == "StopTransaction") p = checked_payload<StopTransactionRequest>(m.payload, id);
  if (m.action == "MeterValues") p = checked_payload<MeterValuesRequest>(m.payload, id);
  if (!p) why = "that is not a valid " + m.action + " request (a damaged store)";
  return p;
}

bool Engine::Impl::load_durable_head() {
  if (!durable_head_loaded_) {
    durable_head_.reset();
    if (auto ec = store_.outbox_front(durable_head_)) {
      // Logged once per run of failures: every poll_transmit reads again, and a log line per
      // read is a hook call per poll, which the host answers with another poll, for ever.
      if (!durable_read_failing_) log(0, "reading the durable queue failed: " + ec.message());
      durable_read_failing_ = true;
      return false;
    }
    durable_read_failing_ = false;
    durable_head_loaded_ = true;
  }
  return durable_head_.has_value();
}

bool Engine::Impl::forget_durable_head(const AckEffects& effects, Now now) {
  const OutboxMessage& m = *durable_head_;
  bool removed = true;
  if (auto ec = store_.outbox_ack(m.seq, m.tx_key, effects)) {
    log(0, "removing a delivered message from the queue failed: " + ec.message());
    removed = false;
  }
  if (effects.delete_transaction) txs_.erase(m.tx_key);
  if (effects.set_transaction_id) {
    auto it = txs_.find(m.tx_key);
    if (it != txs_.end()) it->second.rec.transaction_id = effects.set_transaction_id;
  }
  if (outbox_size_ > 0) --outbox_size_;
  durable_head_.reset();
  durable_head_loaded_ = false;
  durable_retry_at_.reset();
  (void)now;
  return removed;
}

std::optional<std::string> Engine::Impl::poll_transmit(Now now) {
  if (!connected_) return std::nullopt;
  if (!replies_.empty()) {
    std::string text = std::move(replies_.front());
    replies_.pop_front();
    if (hooks_.frame) defer([h = hooks_.frame, t = text] { h(true, t); });
    return text;
  }
  if (in_flight_) return std::nullopt;

  InFlight f;
  std::string payload;
  if (!accepted()) {
    // Before Accepted only BootNotification goes out (OCPP 1.6 section 4.2).
    if (boot_in_flight_ || now.mono < next_boot_) return std::nullopt;
    f.action = Action::BootNotification;
    payload = codec::to_json(options_.boot);
    boot_in_flight_ = true;
    f.on_done = [this](const rapidjson::Value* result, Now n) { on_boot_result(result, n); };
  } else {
    // Messages go out in the order they were produced: a volatile message (status, heartbeat,
    // authorize) produced after a transaction message waits for it, so the CSMS sees
    // StartTransaction before the Charging status it caused. While the durable head waits for
    // a retry, volatile messages go ahead.
    const bool durable_waits = durable_retry_at_ && now.mono < *durable_retry_at_;
    bool take_durable = false;
    if (!durable_waits) {
      std::optional<std::int64_t> discarded;  // seq of the message this loop removed last
      while (load_durable_head()) {
        if (!volatile_.empty() && durable_head_->seq > volatile_.front().after_seq) break;
        if (discarded && durable_head_->seq <= *discarded) {
          // The store said it removed that message but hands it back (a damaged file whose
          // index misses the row): the same loop again would never end. Try again later.
          durable_head_loaded_ = false;
          durable_retry_at_ = now.mono + kStoreRetry;
          break;
        }
        std::string why;
        auto p = durable_payload(*durable_head_, why);
        if (p) {
          payload = std::move(*p);
          take_durable = true;
          break;
        }
        log(1, "discarding queued " + durable_head_->action + " " + why);
        discarded = durable_head_->seq;
        AckEffects fx;
        fx.delete_transaction = durable_head_->action == "StopTransaction";
        if (!forget_durable_head(fx, now)) {
          // The store could not remove it (a failing disk): the next read would hand back the
          // same message, so this loop would never end. Try again later.
          durable_retry_at_ = now.mono + kStoreRetry;
          break;
        }
      }
    }
    if (take_durable) {
      Action a{};
      from_string(durable_head_->action, a);
      f.action = a;
      f.durable = true;
      f.seq = durable_head_->seq;
      // The wait for this attempt is over: a retry time left in the past would be reported by
      // next_deadline() until the answer came, and the host would spin on it.
      durable_retry_at_.reset();
    } else if (!volatile_.empty()) {
      VolatileCall v = std::move(volatile_.front());
      volatile_.pop_front();
      f.action = v.action;
      payload = std::move(v.payload);
      f.on_done = std::move(v.on_done);
    } else {
      return std::nullopt;
    }
  }
  f.id = ids_.next();
  f.deadline = now.mono + options_.call_timeout;
  std::string text = rpc::make_call(f.id, to_string(f.action), payload);
  in_flight_ = std::move(f);
  if (hooks_.frame) defer([h = hooks_.frame, t = text] { h(true, t); });
  return text;
}

void Engine::Impl::on_boot_result(const rapidjson::Value* result, Now now) {
  boot_in_flight_ = false;
  BootNotificationResponse resp;
  codec::Error err;
  if (!result || !codec::decode(*result, resp, err)) {
    if (result) log(0, "invalid BootNotification.conf: " + err.message);
    next_boot_ = now.mono + options_.boot_retry_default;
    return;
  }
  registration_ = resp.status;
  // The schema types interval as a number; the spec (section 6.5) as an integer of seconds.
  const auto interval = static_cast<std::int32_t>(std::clamp(resp.interval, 0.0, 86400.0 * 365));
  if (hooks_.boot) defer([h = hooks_.boot, s = resp.status, interval] { h(s, interval); });
  if (hooks_.time_sync) defer([h = hooks_.time_sync, t = resp.currentTime] { h(t); });
  if (resp.status == RegistrationStatus::Accepted) {
    // The interval of an Accepted answer is the heartbeat interval (section 4.2).
    if (interval > 0) config_.set("HeartbeatInterval", std::to_string(interval), false);
    const auto hb = config_.get_int("HeartbeatInterval");
    if (hb > 0) next_heartbeat_ = now.mono + std::chrono::seconds(hb);
    report_all_status(now);
    for_modules([&](Module& m) { m.on_accepted(now); });
  } else {
    const auto wait = interval > 0 ? std::chrono::seconds(interval) : options_.boot_retry_default;
    next_boot_ = now.mono + wait;
  }
}

// ---------------------------------------------------------------- incoming

void Engine::Impl::finish_in_flight(const rapidjson::Value* result, const std::string& error,
                                    Now now) {
  InFlight f = std::move(*in_flight_);
  in_flight_.reset();
  if (!f.durable) {
    if (!result && !error.empty()) log(1, std::string(to_string(f.action)) + " failed: " + error);
    if (f.on_done) f.on_done(result, now);
    return;
  }
  if (!load_durable_head() || durable_head_->seq != f.seq) return;  // dropped meanwhile
  if (result) {
    AckEffects fx;
    codec::Error err;
    bool ok = true;
    if (f.action == Action::StartTransaction) {
      StartTransactionResponse resp;
      ok = codec::decode(*result, resp, err);
      if (ok) {
        const std::int64_t key = durable_head_->tx_key;
        fx.set_transaction_id = resp.transactionId;
        forget_durable_head(fx, now);
        on_start_confirmed(key, resp, now);
        return;
      }
    } else if (f.action == Action::StopTransaction) {
      StopTransactionResponse resp;
      ok = codec::decode(*result, resp, err);
      fx.delete_transaction = true;
    } else {
      MeterValuesResponse resp;
      ok = codec::decode(*result, resp, err);
    }
    if (ok) {
      forget_durable_head(fx, now);
      return;
    }
    log(0, "invalid " + std::string(to_string(f.action)) + ".conf: " + err.message);
  }
  // A failure to process the message (OCPP 1.6 section 3.7): retry after
  // TransactionMessageRetryInterval × transmissions so far, up to TransactionMessageAttempts.
  const int attempts = durable_head_->attempts + 1;
  const auto max_attempts = config_.get_int("TransactionMessageAttempts");
  if (attempts >= max_attempts) {
    log(0, "discarding " + durable_head_->action + " after " + std::to_string(attempts) +
               " failed attempts: " + error);
    AckEffects fx;
    fx.delete_transaction = durable_head_->action == "StopTransaction";
    forget_durable_head(fx, now);
    return;
  }
  durable_head_->attempts = attempts;
  if (auto ec = store_.outbox_set_attempts(durable_head_->seq, attempts))
    log(0, "recording a failed attempt failed: " + ec.message());
  durable_retry_at_ =
      now.mono + std::chrono::seconds(config_.get_int("TransactionMessageRetryInterval") * attempts);
  log(1, durable_head_->action + " attempt " + std::to_string(attempts) + " failed: " + error);
}

void Engine::Impl::receive(std::string_view text, Now now) {
  if (hooks_.frame) defer([h = hooks_.frame, t = std::string(text)] { h(false, t); });
  if (!connected_) return;
  rpc::Frame frame = rpc::parse_frame(text);
  // "While Rejected, the Charge Point SHALL NOT respond to any Central System initiated
  // message" (OCPP 1.6 section 4.2); replies to our own BootNotification still count.
  const bool silent = registration_ == RegistrationStatus::Rejected;
  switch (frame.kind) {
    case rpc::Frame::Kind::Invalid:
      if (silent) {
        log(1, "ignored a frame while BootNotification is Rejected (" + frame.reason + ")");
      } else if (frame.reply_possible) {
        reply_error(frame.id, frame.reply_code, frame.reason);
      } else {
        log(1, "ignored a frame that cannot be answered (" + frame.reason + ")");
      }
      return;
    case rpc::Frame::Kind::Call:
      if (silent) {
        log(1, "ignored " + frame.action + " while BootNotification is Rejected");
        return;
      }
      handle_call(frame, now);
      return;
    case rpc::Frame::Kind::CallResult:
      if (in_flight_ && in_flight_->id == frame.id) {
        finish_in_flight(frame.payload, {}, now);
      } else {
        // Late or duplicate replies are matched by id only; never a crash.
        log(1, "ignored a CALLRESULT for unknown message id " + frame.id);
      }
      return;
    case rpc::Frame::Kind::CallError:
      if (in_flight_ && in_flight_->id == frame.id) {
        finish_in_flight(nullptr, frame.error_code + " " + frame.error_description, now);
      } else {
        log(1, "ignored a CALLERROR for unknown message id " + frame.id);
      }
      return;
  }
}

// ---------------------------------------------------------------- time

std::optional<MonoTime> Engine::Impl::next_deadline() const {
  std::optional<MonoTime> d;
  auto consider = [&d](MonoTime t) {
    if (!d || t < *d) d = t;
  };
  if (!completions_.empty() && completions_.front().ready()) consider(kImmediately);
  if (in_flight_) consider(in_flight_->deadline);
  if (connected_) {
    if (!accepted() && !boot_in_flight_) consider(next_boot_);
    if (next_heartbeat_) consider(*next_heartbeat_);
    // While another CALL is in flight the retry cannot go out; that CALL's answer or timeout
    // wakes the host anyway, and a retry time left in the past here would be a busy loop.
    if (accepted() && durable_retry_at_ && outbox_size_ > 0 && !in_flight_) consider(*durable_retry_at_);
  }
  const auto interval = config_.get_int("MeterValueSampleInterval");
  for (const auto& c : connectors_) {
    if (c.tx_key && interval > 0) consider(c.next_sample);
    if (c.authorized_id_tag) consider(c.authorized_until);
  }
  for (const auto& m : modules_)
    if (auto t = m->next_deadline()) consider(*t);
  return d;
}

void Engine::Impl::handle_timeout(Now now) {
  while (!completions_.empty() && completions_.front().ready()) {
    Completion c = std::move(completions_.front());
    completions_.pop_front();
    c.apply(*this, now);
  }
  if (in_flight_ && now.mono >= in_flight_->deadline) {
    finish_in_flight(nullptr, "no answer within " + std::to_string(options_.call_timeout.count()) + " s",
                     now);
  }
  if (online() && next_heartbeat_ && now.mono >= *next_heartbeat_) {
    const auto hb = config_.get_int("HeartbeatInterval");
    next_heartbeat_ = hb > 0 ? std::optional<MonoTime>(now.mono + std::chrono::seconds(hb)) : std::nullopt;
    send_volatile(Action::Heartbeat, "{}", [this](const rapidjson::Value* result, Now) {
      HeartbeatResponse resp;
      codec::Error err;
      if (result && codec::decode(*result, resp, err) && hooks_.time_sync)
        defer([h = hooks_.time_sync, t = resp.currentTime] { h(t); });
    });
  }
  connector_timers(now);
  for_modules([&](Module& m) { m.on_timer(now); });
}

// ---------------------------------------------------------------- public forwarding

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::create(EngineOptions options, Store& store, Hooks hooks,
                                               Now now) {
  if (options.connectors < 1 || options.connectors > 1000) return Errc::invalid_argument;
  codec::Error err;
  if (options.boot.chargePointVendor.empty() || options.boot.chargePointModel.empty() ||
      !codec::validate(options.boot, err))
    return Errc::invalid_argument;
  auto impl = std::make_unique<Impl>(std::move(options), store, std::move(hooks));
  if (auto ec = impl->load(now)) return ec;
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

void Engine::connected(Now now) { impl_->connected(now); }
void Engine::disconnected(Now now) { impl_->disconnected(now); }
void Engine::receive(std::string_view text, Now now) { impl_->receive(text, now); }
std::optional<std::string> Engine::poll_transmit(Now now) { return impl_->poll_transmit(now); }
std::optional<MonoTime> Engine::next_deadline() const { return impl_->next_deadline(); }
void Engine::handle_timeout(Now now) { impl_->handle_timeout(now); }
std::function<void()> Engine::poll_hook_call() { return impl_->poll_hook_call(); }
std::error_code Engine::plug_in(int id, Now now) { return impl_->plug_in(id, now); }
std::error_code Engine::unplug(int id, Now now) { return impl_->unplug(id, now); }
std::error_code Engine::present_id_tag(std::string_view tag, std::optional<int> c, Now now) {
  return impl_->present_id_tag(tag, c, now);
}
bool Engine::is_connected() const { return impl_->connected_; }
std::optional<RegistrationStatus> Engine::registration() const { return impl_->registration_; }
int Engine::connector_count() const { return impl_->options_.connectors; }
std::size_t Engine::queued_transaction_messages() const { return impl_->outbox_size_; }

Result<std::string> Engine::get_configuration(std::string_view key) const {
  const KeyDef* def = impl_->config_.find(key);
  if (!def || def->access == KeyAccess::WriteOnly) {
    // Write-only keys (AuthorizationKey) can be read by the firmware itself, not by the CSMS.
    if (!def) return Errc::invalid_argument;
  }
  auto v = impl_->config_.get(key);
  if (!v) return Errc::invalid_argument;
  return *v;
}

std::error_code Engine::set_configuration(std::string_view key, std::string_view value) {
  auto r = impl_->config_.set(key, value, false);
  if (r == ChangeResult::Accepted || r == ChangeResult::RebootRequired) return {};
  return make_error_code(Errc::invalid_argument);
}

}  // namespace ocpp::v16
