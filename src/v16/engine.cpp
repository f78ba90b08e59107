#include <algorithm>
#include <type_traits>

#include "v16/engine_impl.hpp"
#include "v16/security/security_events.hpp"

namespace ocpp::v16 {

namespace {

constexpr MonoTime kImmediately{};
// How long to wait before discarding a queued message again after the store failed to remove it.

// The stored payload as it goes on the wire: decoded and validated against its action's schema
// (a store read back from disk can hold anything), with the CSMS's transactionId when given.
template <class T>
std::optional<std::string> checked_payload(const std::string& payload, std::optional<std::int32_t> id) {
  T msg;
  codec::Error err;
  if (!codec::from_json(payload, msg, err) || !codec::validate(msg, err)) return std::nullopt;
  if constexpr (std::is_same_v<T, StopTransactionRequest> || std::is_same_v<T, MeterValuesRequest>) {
    if (id) msg.transactionId = *id;
  }
  return codec::to_json(msg);
}

// The 1.6 part in delivering durable messages (rpc::Session): the CSMS's transactionId filled
// in at send time, the answers of StartTransaction, StopTransaction and MeterValues.
class Durable16 final : public rpc::DurableHandler {
 public:
  explicit Durable16(Engine::Impl& im) : im_(im) {}

  Prepared prepare(const OutboxMessage& m, std::string& payload) override {
    Action a{};
    if (m.protocol == kProtocol && !from_string(m.action, a)) return Prepared::unknown_action;
    std::string why;
    auto p = im_.durable_payload(m, why);
    if (!p) {
      im_.log(1, "discarding queued " + m.action + " " + why);
      return Prepared::discard;
    }
    payload = std::move(*p);
    return Prepared::send;
  }

  bool check_result(const OutboxMessage& m, const rapidjson::Value& result, AckEffects& fx,
                    std::string& error) override {
    codec::Error err;
    bool ok = false;
    if (m.action == "StartTransaction") {
      StartTransactionResponse resp;
      ok = codec::decode(result, resp, err);
      if (ok) fx.set_transaction_id = std::to_string(resp.transactionId);
    } else if (m.action == "StopTransaction") {
      StopTransactionResponse resp;
      ok = codec::decode(result, resp, err);
      fx.delete_transaction = true;
    } else if (m.action == "SecurityEventNotification") {
      SecurityEventNotificationResponse resp;
      ok = codec::decode(result, resp, err);
    } else {
      MeterValuesResponse resp;
      ok = codec::decode(result, resp, err);
    }
    if (!ok) error = err.message;
    return ok;
  }

  AckEffects discard_effects(const OutboxMessage& m) override {
    AckEffects fx;
    fx.delete_transaction = m.action == "StopTransaction";
    return fx;
  }

  void removed(const OutboxMessage& m, const AckEffects& fx, const rapidjson::Value* result,
               Now now) override {
    im_.durable_removed(m, fx, result, now);
  }

 private:
  Engine::Impl& im_;
};

rpc::SessionOptions session_options(const EngineOptions& o) {
  rpc::SessionOptions so;
  so.call_timeout = o.call_timeout;
  so.outbox_limit = o.outbox_limit;
  so.id_seed = o.id_seed;
  return so;
}

}  // namespace

Engine::Impl::Impl(EngineOptions options, Store& store, Hooks hooks)
    : options_(std::move(options)),
      preload_(store),
      store_(preload_),
      hooks_(std::move(hooks)),
      config_(store_, options_.connectors),
      sample_interval_(config_.int_key("MeterValueSampleInterval")),
      heartbeat_interval_(config_.int_key("HeartbeatInterval")),
      durable_(std::make_unique<Durable16>(*this)),
      session_(session_options(options_), store_, *durable_,
               [this](int level, std::string message) { log(level, std::move(message)); }) {
  config_.on_change([this](std::string_view key) {
    if (key == "TransactionMessageAttempts" || key == "TransactionMessageRetryInterval")
      apply_retry_policy();
  });
  if (hooks_.frame) {
    session_.set_frame_observer([this](bool sent, const std::string& text) {
      defer([h = hooks_.frame, sent, text] { h(sent, text); });
    });
  }
  modules_.push_back(make_remote_control_module(*this));
  modules_.push_back(make_configuration_module(*this));
  modules_.push_back(make_core_actions_module(*this));
  modules_.push_back(make_authorization_module(*this));
  modules_.push_back(make_reservation_module(*this));
  modules_.push_back(make_smart_charging_module(*this));
  modules_.push_back(make_firmware_module(*this));
  modules_.push_back(make_remote_trigger_module(*this));
  modules_.push_back(make_metering_module(*this));
  modules_.push_back(make_security_events_module(*this));
  modules_.push_back(make_security_profile_module(*this));
  // --- Security Whitepaper: certificates ---
  modules_.push_back(make_certificates_module(*this));
  modules_.push_back(make_certificate_renewal_module(*this));
  modules_.push_back(make_extended_trigger_module(*this));
  // --- Security Whitepaper: logs and signed firmware ---
  modules_.push_back(make_logs_module(*this));
  modules_.push_back(make_signed_firmware_module(*this));
}

std::error_code Engine::Impl::load(Now now) {
  core::PreloadScope preload(preload_);
  if (auto ec = config_.load(options_.configuration_defaults)) return ec;
  connectors_.resize(static_cast<std::size_t>(options_.connectors) + 1);
  for (std::size_t i = 0; i < connectors_.size(); ++i) connectors_[i].id = static_cast<int>(i);

  std::vector<TransactionRecord> recs;
  if (auto ec = store_.transactions_load(recs)) return ec;
  for (auto& r : recs) {
    TxState tx;
    std::string why;
    if (!TxState::from_record(r, tx, why)) {
      // Its messages cannot be sent either (see durable_payload): the record is kept in the
      // store, untouched, for the version that wrote it.
      log(0, "ignoring stored transaction " + std::to_string(r.tx_key) + ": " + why);
      continue;
    }
    const std::int64_t key = tx.tx_key;
    const int cid = tx.connector_id;
    const bool running = !tx.stopped;
    txs_[key] = std::move(tx);
    if (running && cid >= 1 && cid <= options_.connectors) {
      // A transaction that was running when the process stopped resumes on its connector;
      // firmware that cannot resume energy delivery stops it (e.g. reason PowerLoss).
      Connector& c = connectors_[static_cast<std::size_t>(cid)];
      if (c.tx_key) log(1, "two running transactions stored for connector " + std::to_string(cid));
      c.tx_key = key;
      c.plugged = true;
      c.meter_wh = std::max<std::int64_t>(c.meter_wh, txs_[key].meter_start);
      schedule_sample(c, now);
    }
  }
  if (auto ec = session_.load()) return ec;
  apply_retry_policy();
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
  session_.connected();
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
  if (!connected()) return;
  session_.disconnected(now);
  boot_in_flight_ = false;
  next_heartbeat_.reset();
  for (auto& c : connectors_) c.reported_status.reset();  // report afresh after reconnect
  if (hooks_.connection) defer([h = hooks_.connection] { h(false, "disconnected"); });
}

// ---------------------------------------------------------------- outgoing

void Engine::Impl::send_volatile(Action action, std::string payload,
                                 std::function<void(const rapidjson::Value*, Now)> on_done) {
  session_.send(std::string(to_string(action)), std::move(payload), std::move(on_done));
}

std::uint64_t Engine::Impl::reply(const std::string& id, std::string payload_json) {
  return session_.reply(id, payload_json);
}

void Engine::Impl::reply_error(const std::string& id, RpcErrorCode code, std::string_view description) {
  session_.reply_error(id, code, description);
}

std::error_code Engine::Impl::append_durable(OutboxMessage& msg) {
  msg.protocol = kProtocol;
  return session_.append(msg);
}

void Engine::Impl::apply_retry_policy() {
  rpc::RetryPolicy p;
  p.attempts = static_cast<int>(std::clamp<std::int64_t>(config_.get_int("TransactionMessageAttempts"), 0, 1000));
  p.interval = std::chrono::seconds(config_.get_int("TransactionMessageRetryInterval"));
  session_.set_retry_policy(p);
}

std::optional<std::string> Engine::Impl::durable_payload(const OutboxMessage& m, std::string& why) {
  if (m.protocol != kProtocol) {
    // The charge point changed protocol version: this one cannot send it.
    why = "written by " + (m.protocol.empty() ? std::string("an unknown protocol") : m.protocol);
    return std::nullopt;
  }
  std::optional<std::int32_t> id;
  if (m.tx_key != 0 && m.action != "StartTransaction") {
    auto it = txs_.find(m.tx_key);
    if (it == txs_.end() || !it->second.transaction_id) {
      // Its StartTransaction was discarded after TransactionMessageAttempts failures: nothing
      // the CSMS could match it to.
      why = "of a transaction without transactionId";
      return std::nullopt;
    }
    id = it->second.transaction_id;
  }
  std::optional<std::string> p;
  if (m.action == "StartTransaction") p = checked_payload<StartTransactionRequest>(m.payload, id);
  if (m.action == "StopTransaction") p = checked_payload<StopTransactionRequest>(m.payload, id);
  if (m.action == "MeterValues") p = checked_payload<MeterValuesRequest>(m.payload, id);
  if (m.action == "SecurityEventNotification")
    p = checked_payload<SecurityEventNotificationRequest>(m.payload, std::nullopt);
  if (!p) why = "that is not a valid " + m.action + " request (a damaged store)";
  return p;
}

void Engine::Impl::durable_removed(const OutboxMessage& m, const AckEffects& effects,
                                   const rapidjson::Value* result, Now now) {
  if (effects.delete_transaction) txs_.erase(m.tx_key);
  if (effects.set_transaction_id) {
    auto it = txs_.find(m.tx_key);
    std::int32_t id = 0;
    if (it != txs_.end() && parse_transaction_id(*effects.set_transaction_id, id)) it->second.transaction_id = id;
  }
  if (!result) return;
  if (m.action == "StartTransaction") {
    StartTransactionResponse resp;
    codec::Error err;
    if (codec::decode(*result, resp, err)) on_start_confirmed(m.tx_key, resp, now);
  } else if (m.action == "StopTransaction") {
    // Section 4.10: the idTagInfo is about the idTag that stopped the transaction, and
    // updates the Authorization Cache like Authorize.conf does.
    StopTransactionResponse resp;
    StopTransactionRequest req;
    codec::Error err;
    if (codec::decode(*result, resp, err) && resp.idTagInfo && codec::from_json(m.payload, req, err) &&
        req.idTag) {
      for_modules([&](Module& mod) { mod.on_id_tag_info(*req.idTag, *resp.idTagInfo, now); });
    }
  }
}

void Engine::Impl::queue_boot(Now now) {
  // Before Accepted only BootNotification goes out (OCPP 1.6 section 4.2).
  if (!connected() || accepted() || boot_in_flight_ || now.mono < next_boot_) return;
  boot_in_flight_ = true;
  session_.send_opening("BootNotification", codec::to_json(options_.boot),
                        [this](const rapidjson::Value* result, Now n) {
                          // Cut off by a disconnect: the next connection boots afresh.
                          if (!result && !connected()) {
                            boot_in_flight_ = false;
                            return;
                          }
                          on_boot_result(result, n);
                        });
}

std::optional<std::string> Engine::Impl::poll_transmit(Now now) {
  queue_boot(now);
  session_.set_open(accepted());
  return session_.poll_transmit(now);
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
  session_.set_open(accepted());
  // The schema types interval as a number; the spec (section 6.5) as an integer of seconds.
  const auto interval = static_cast<std::int32_t>(std::clamp(resp.interval, 0.0, 86400.0 * 365));
  if (hooks_.boot) defer([h = hooks_.boot, s = resp.status, interval] { h(s, interval); });
  if (hooks_.time_sync) defer([h = hooks_.time_sync, t = resp.currentTime] { h(t); });
  if (resp.status == RegistrationStatus::Accepted) {
    // The interval of an Accepted answer is the heartbeat interval (section 4.2).
    // In use until the next boot, not stored: every boot gives one (as in 2.0.1).
    if (interval > 0) config_.apply("HeartbeatInterval", std::to_string(interval));
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

void Engine::Impl::receive(std::string_view text, Now now) {
  // "While Rejected, the Charge Point SHALL NOT respond to any Central System initiated
  // message" (OCPP 1.6 section 4.2); replies to our own BootNotification still count.
  const bool answer = registration_ != RegistrationStatus::Rejected;
  if (auto call = session_.receive(text, now, answer)) handle_call(*call, now);
  if (auto why = session_.take_invalid_frame()) note_invalid_message(*this, *why, now);
  if (auto why = std::exchange(invalid_request_, std::nullopt)) note_invalid_message(*this, *why, now);
}

// ---------------------------------------------------------------- time

std::optional<MonoTime> Engine::Impl::next_deadline() const {
  std::optional<MonoTime> d;
  auto consider = [&d](MonoTime t) {
    if (!d || t < *d) d = t;
  };
  if (!completions_.empty() && completions_.front().ready()) consider(kImmediately);
  if (auto t = session_.next_deadline()) consider(*t);
  if (connected()) {
    if (!accepted() && !boot_in_flight_) consider(next_boot_);
    if (next_heartbeat_) consider(*next_heartbeat_);
  }
  const auto interval = sample_interval_.get();
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
  session_.handle_timeout(now);
  queue_boot(now);
  if (online() && next_heartbeat_ && now.mono >= *next_heartbeat_) {
    const auto hb = heartbeat_interval_.get();
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
bool Engine::is_connected() const { return impl_->connected(); }
std::optional<RegistrationStatus> Engine::registration() const { return impl_->registration_; }
int Engine::connector_count() const { return impl_->options_.connectors; }
std::size_t Engine::queued_transaction_messages() const { return impl_->outbox_size(); }

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
  if (r == ChangeResult::Accepted || r == ChangeResult::RebootRequired) {
    if (key == "SecurityProfile") security_profile_set_by_firmware(*impl_);
    return {};
  }
  return make_error_code(Errc::invalid_argument);
}

}  // namespace ocpp::v16
