// The OCPP 2.0.1 engine: the RPC session (OCPP 2.0.1 part 4), the dispatch of the CSMS's
// CALLs, timers and the public forwarding functions.
#include <algorithm>

#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

namespace {

rpc::SessionOptions session_options(const EngineOptions& o) {
  rpc::SessionOptions so;
  so.dialect = RpcDialect::ocpp201;
  so.call_timeout = o.call_timeout;
  so.id_seed = o.id_seed;
  return so;
}

// Actions the Charging Station sends but never answers: "recognized but not supported"
// (part 4 section 4.3, NotSupported; NotImplemented means "not known by receiver").
bool sent_by_charging_station_only(Action a) {
  switch (a) {
    case Action::Authorize:
    case Action::BootNotification:
    case Action::ClearedChargingLimit:
    case Action::FirmwareStatusNotification:
    case Action::Get15118EVCertificate:
    case Action::GetCertificateStatus:
    case Action::Heartbeat:
    case Action::LogStatusNotification:
    case Action::MeterValues:
    case Action::NotifyChargingLimit:
    case Action::NotifyCustomerInformation:
    case Action::NotifyDisplayMessages:
    case Action::NotifyEVChargingNeeds:
    case Action::NotifyEVChargingSchedule:
    case Action::NotifyEvent:
    case Action::NotifyMonitoringReport:
    case Action::NotifyReport:
    case Action::PublishFirmwareStatusNotification:
    case Action::ReportChargingProfiles:
    case Action::ReservationStatusUpdate:
    case Action::SecurityEventNotification:
    case Action::SignCertificate:
    case Action::StatusNotification:
    case Action::TransactionEvent:
      return true;
    default:
      return false;
  }
}

}  // namespace

Engine::Impl::Impl(EngineOptions options, Store& store, Hooks hooks)
    : options_(std::move(options)),
      preload_(store),
      store_(preload_),
      hooks_(std::move(hooks)),
      durable_(make_durable_handler(*this)),
      session_(session_options(options_), store_, *durable_,
               [this](int level, std::string message) { log(level, std::move(message)); }),
      heartbeat_interval_(options_.heartbeat_interval),
      dm_(store_, [this](int level, std::string message) { log(level, std::move(message)); }),
      auth_cache_(store_, "v201.authcache.") {
  if (hooks_.frame) {
    session_.set_frame_observer([this](bool sent, const std::string& text) {
      defer([h = hooks_.frame, sent, text] { h(sent, text); });
    });
  }
}

std::error_code Engine::Impl::load(Now now) {
  core::PreloadScope preload(preload_);
  evses_.clear();
  for (int n : options_.evses)
    evses_.push_back(Evse{true, std::vector<Connector>(static_cast<std::size_t>(n))});
  evse_txs_.assign(evses_.size(), EvseTx{});
  if (auto ec = load_availability()) return ec;
  if (auto ec = define_device_model()) return ec;  // device model (B05-B08)
  follow_tx_settings();
  if (auto ec = load_authorization()) return ec;  // C10.FR.02, D01.FR.10
  if (auto ec = session_.load()) return ec;
  schedule_aligned(now);
  if (auto ec = load_transactions(now)) return ec;
  if (auto ec = load_smart_charging(now)) return ec;  // smart charging (block K), K01.FR.27
  if (auto ec = load_external_limits()) return ec;    // K11-K13
  if (auto ec = load_certificates()) return ec;       // certificate management (M05.FR.12)
  if (auto ec = load_security_log(now)) return ec;
  if (auto ec = load_connection_security()) return ec;  // A01, A05
  if (auto ec = load_network_profiles()) return ec;     // B09, B10
  return load_file_transfers(now);                      // firmware update (L01), logs (N01)
}

void Engine::Impl::log(int level, std::string message) {
  if (!hooks_.log) return;
  defer([h = hooks_.log, level, m = std::move(message)] { h(level, m); });
}

std::function<void()> Engine::Impl::poll_hook_call() {
  if (hook_calls_.empty()) return {};
  auto f = std::move(hook_calls_.front());
  hook_calls_.pop_front();
  return f;
}

// ---------------------------------------------------------------- connection

void Engine::Impl::connected(Now now) {
  if (connected()) return;
  session_.connected();
  if (hooks_.connection) defer([h = hooks_.connection] { h(true, ""); });
  if (accepted()) {
    // A reconnect after Accepted is no reboot: no new BootNotificationRequest (B01.FR.03
    // asks for one at every boot); the CSMS hears what the connectors are doing now (B04).
    report_status_after_offline(now);
    external_limits_online(now);  // K11-K13: what the CSMS missed while offline
    if (heartbeat_interval_.count() > 0) next_heartbeat_ = now.mono + heartbeat_interval_;
  } else if (!registration_ || next_boot_ < now.mono) {
    // After Pending or Rejected the interval the CSMS gave still holds across a reconnect
    // (B02.FR.04, B03.FR.02); else boot at once (B01.FR.01).
    next_boot_ = now.mono;
  }
}

void Engine::Impl::disconnected(Now now) {
  if (!connected()) return;
  session_.disconnected(now);
  boot_in_flight_ = false;
  next_heartbeat_.reset();
  // B04: what the CSMS was told stays known (the StatusNotificationRequests the disconnect
  // cut off made their connectors' `reported` unknown); the offline period starts.
  offline_since_ = now.mono;
  report_.reset();  // device model (B05-B08): a report cut off is not resumed
  if (hooks_.connection) defer([h = hooks_.connection] { h(false, "disconnected"); });
}

// ---------------------------------------------------------------- messages

std::uint64_t Engine::Impl::reply(const std::string& id, const std::string& payload_json) {
  return session_.reply(id, payload_json);
}

void Engine::Impl::reply_error(const std::string& id, RpcErrorCode code,
                               std::string_view description) {
  session_.reply_error(id, code, description);
}

bool Engine::Impl::send_volatile(Action action, std::string payload, rpc::ResultFn done) {
  return session_.send(std::string(to_string(action)), std::move(payload), std::move(done));
}

std::optional<std::string> Engine::Impl::poll_transmit(Now now) {
  queue_boot(now);
  // Until Accepted only BootNotificationRequest goes out (B01.FR.08, B02.FR.02).
  session_.set_open(accepted());
  return session_.poll_transmit(now);
}

void Engine::Impl::receive(std::string_view text, Now now) {
  frame_bytes_ = text.size();  // BytesPerMessage checks (B06.FR.17, B08.FR.18)
  if (auto call = session_.receive(text, now, true)) handle_call(*call, now);
  if (auto why = session_.take_invalid_frame()) {
    log(1, "invalid frame from the CSMS: " + *why);
    note_invalid_message(*why, now);
  }
  if (auto why = std::exchange(invalid_payload_, std::nullopt)) note_invalid_message(*why, now);
}

void Engine::Impl::handle_call(const rpc::Frame& frame, Now now) {
  Action action{};
  const bool known = from_string(frame.action, action);
  if (registration_ == RegistrationStatusEnumType::Rejected) {
    // B03.FR.08: while Rejected, a message of the CSMS that is not a response to our
    // BootNotificationRequest is answered with CALLERROR SecurityError.
    reply_error(frame.id, RpcErrorCode::SecurityError,
                "the Charging Station's BootNotification was Rejected");
    return;
  }
  if (!known) {
    reply_error(frame.id, RpcErrorCode::NotImplemented, "unknown action " + frame.action);
    return;
  }
  if (sent_by_charging_station_only(action)) {
    reply_error(frame.id, RpcErrorCode::NotSupported,
                frame.action + " is sent by the Charging Station, not to it");
    return;
  }
  if (action == Action::ChangeAvailability) {
    handle_change_availability(frame, now);
    return;
  }
  if (action == Action::Reset) {
    handle_reset(frame);
    return;
  }
  // device model (B05-B08); answered while Pending too (B02.FR.01)
  if (action == Action::GetVariables) {
    handle_get_variables(frame);
    return;
  }
  if (action == Action::SetVariables) {
    handle_set_variables(frame, now);
    return;
  }
  if (action == Action::SetNetworkProfile) {
    handle_set_network_profile(frame, now);
    return;
  }
  if (action == Action::GetBaseReport) {
    handle_get_base_report(frame, now);
    return;
  }
  if (action == Action::GetReport) {
    handle_get_report(frame, now);
    return;
  }
  if (action == Action::UnlockConnector) {
    handle_unlock_connector(frame);  // F05
    return;
  }
  if (action == Action::DataTransfer) {
    handle_data_transfer(frame);  // P01
    return;
  }
  if (action == Action::GetTransactionStatus) {
    handle_get_transaction_status(frame);  // E14
    return;
  }
  // authorization cache, local list (C10-C14, D01-D02)
  if (action == Action::ClearCache) {
    handle_clear_cache(frame);
    return;
  }
  if (action == Action::SendLocalList) {
    handle_send_local_list(frame);
    return;
  }
  if (action == Action::GetLocalListVersion) {
    handle_get_local_list_version(frame);
    return;
  }
  if (action == Action::TriggerMessage) {
    handle_trigger_message(frame, now);  // also while Pending (B02.FR.02)
    return;
  }
  // certificate management (M03-M05, A02): also while Pending (A00.FR.429 renews then)
  if (handle_certificate_call(frame, action, now)) return;
  if (registration_ == RegistrationStatusEnumType::Pending && handle_pending_call(frame, action))
    return;
  // smart charging (block K)
  if (action == Action::SetChargingProfile) {
    handle_set_charging_profile(frame, now);
    return;
  }
  if (action == Action::ClearChargingProfile) {
    handle_clear_charging_profile(frame, now);
    return;
  }
  if (action == Action::GetChargingProfiles) {
    handle_get_charging_profiles(frame, now);
    return;
  }
  if (action == Action::GetCompositeSchedule) {
    handle_get_composite_schedule(frame, now);
    return;
  }
  if (action == Action::RequestStartTransaction) {
    handle_request_start_transaction(frame, now);  // F01, F02
    return;
  }
  if (action == Action::RequestStopTransaction) {
    handle_request_stop_transaction(frame, now);  // F03
    return;
  }
  // --- firmware update (L01), logs (N01), customer information (N09, N10) ---
  if (action == Action::UpdateFirmware) {
    handle_update_firmware(frame, now);
    return;
  }
  if (action == Action::GetLog) {
    handle_get_log(frame, now);
    return;
  }
  if (action == Action::CustomerInformation) {
    handle_customer_information(frame, now);
    return;
  }
  // --- end firmware update, logs, customer information ---
  // An action of OCPP 2.0.1 that this Charging Station does not support (yet).
  reply_error(frame.id, RpcErrorCode::NotSupported, frame.action + " is not supported");
}

// ---------------------------------------------------------------- time

std::optional<MonoTime> Engine::Impl::next_deadline() const {
  std::optional<MonoTime> d;
  auto consider = [&d](MonoTime t) {
    if (!d || t < *d) d = t;
  };
  if (!completions_.empty() && completions_.front().ready()) consider(MonoTime{});
  if (reset_due()) consider(MonoTime{});
  if (auto t = session_.next_deadline()) consider(*t);
  if (connected()) {
    if (!accepted() && !boot_in_flight_) consider(next_boot_);
    if (next_heartbeat_) consider(*next_heartbeat_);
  }
  if (auto t = tx_next_deadline()) consider(*t);
  if (next_aligned_) consider(*next_aligned_);
  if (next_aligned_ended_) consider(*next_aligned_ended_);
  if (auto t = firmware_deadline()) consider(*t);  // firmware update (L01)
  if (auto t = logs_deadline()) consider(*t);      // logs (N01)
  // smart charging (block K): the next period boundary; a remote start's TxProfile expiring
  if (smart_.deadline) consider(*smart_.deadline);
  for (const auto& [evse, p] : smart_.pending) consider(p.until + std::chrono::milliseconds(1));
  if (auto t = certificates_next_deadline()) consider(*t);  // certificate management
  return d;
}

void Engine::Impl::handle_timeout(Now now) {
  while (!completions_.empty() && completions_.front().ready()) {
    Completion c = std::move(completions_.front());
    completions_.pop_front();
    c.apply(*this, now);
  }
  session_.handle_timeout(now);
  reset_timer();
  queue_boot(now);
  heartbeat_timer(now);
  tx_timer(now);
  aligned_timer(now);
  firmware_timer(now);        // firmware update (L01)
  logs_timer(now);            // logs (N01)
  smart_charging_timer(now);  // smart charging (block K)
  certificates_timer(now);    // certificate management (M05.FR.13, A02.FR.17, A03.FR.02)
}

// ---------------------------------------------------------------- public forwarding

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::create(EngineOptions options, Store& store, Hooks hooks,
                                               Now now) {
  if (options.evses.empty() || options.evses.size() > 1000) return Errc::invalid_argument;
  for (int n : options.evses)
    if (n < 1 || n > 1000) return Errc::invalid_argument;
  if (options.auth_cache_max_entries < 1 || options.auth_cache_max_entries > 100000 ||
      options.local_list_max_entries < 1 || options.local_list_max_entries > 100000 ||
      options.local_list_items_per_message < 1 || options.local_list_bytes_per_message < 1024 ||
      options.auth_cache_life_time.count() < 0 || options.max_charging_profiles < 1 ||
      options.max_charging_profiles > 1000 || !(options.line_voltage > 0) ||
      !(options.max_current >= 0))
    return Errc::invalid_argument;
  BootNotificationRequest boot;
  boot.chargingStation = options.charging_station;
  boot.reason = options.boot_reason;
  codec::Error err;
  if (boot.chargingStation.model.empty() || boot.chargingStation.vendorName.empty() ||
      !codec::validate(boot, err))
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
std::error_code Engine::set_connector_status(int evseId, int connectorId,
                                             ConnectorStatusEnumType status, Now now) {
  return impl_->set_connector_status(evseId, connectorId, status, now);
}
std::error_code Engine::plug_in(int evseId, int connectorId, Now now) {
  return impl_->plug_in(evseId, connectorId, now);
}
std::error_code Engine::plug_out(int evseId, Now now) { return impl_->plug_out(evseId, now); }
std::error_code Engine::present_id_token(int evseId, const IdTokenType& idToken, Now now) {
  return impl_->present_id_token(evseId, idToken, now);
}
std::error_code Engine::set_charging_state(int evseId, ChargingStateEnumType state, Now now) {
  return impl_->set_charging_state(evseId, state, now);
}
std::error_code Engine::set_signed_measurand(int evseId, MeasurandEnumType measurand, double value,
                                             const SignedMeterValueType& signedMeterValue,
                                             Now now) {
  return impl_->set_signed_measurand(evseId, measurand, value, signedMeterValue, now);
}

std::error_code Engine::set_parking_bay_occupied(int evseId, bool occupied, Now now) {
  return impl_->set_parking_bay_occupied(evseId, occupied, now);
}

std::error_code Engine::set_measurand(int evseId, MeasurandEnumType measurand, double value,
                                      Now now) {
  return impl_->set_measurand(evseId, measurand, value, now);
}
std::error_code Engine::stop_transaction(int evseId, ReasonEnumType reason, Now now) {
  return impl_->stop_transaction(evseId, reason, now);
}
std::optional<std::string> Engine::transaction_id(int evseId) const {
  if (!impl_->valid_evse(evseId)) return std::nullopt;
  const auto& tx = impl_->evse_txs_[static_cast<std::size_t>(evseId - 1)].tx;
  if (!tx) return std::nullopt;
  return tx->transaction_id;
}
std::size_t Engine::queued_transaction_messages() const { return impl_->session_.outbox_size(); }
bool Engine::is_connected() const { return impl_->connected(); }
std::optional<RegistrationStatusEnumType> Engine::registration() const {
  return impl_->registration_;
}
Result<ConnectorStatusEnumType> Engine::connector_status(int evseId, int connectorId) const {
  if (!impl_->connector(evseId, connectorId)) return Errc::unknown_connector;
  return impl_->effective_status(evseId, connectorId);
}

}  // namespace ocpp::v201
