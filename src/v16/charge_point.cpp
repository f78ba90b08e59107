#include "ocpp/v16/charge_point.hpp"

#include <mutex>

#include "core/facade.hpp"

namespace ocpp::v16 {

class ChargePoint::Impl final : public core::Facade<Engine> {
 public:
  using Facade::Facade;

  // --- core::ConnectionManager::Host (runner thread) ---
  core::AttemptSettings attempt_settings() override {
    core::AttemptSettings s;
    std::lock_guard<std::mutex> lk(m_);
    if (auto k = engine_->get_configuration("AuthorizationKey")) s.basic_auth_password = k.value();
    if (auto p = engine_->get_configuration("WebSocketPingInterval"))
      s.ping_interval = std::chrono::seconds(std::stoll(p.value()));
    return s;
  }
  void connection_opened(Now now) override {
    last_security_failure_.clear();
    Facade::connection_opened(now);
  }
  void connection_security_failure(core::SecurityFailure failure, const std::string& detail) override {
    // Security Whitepaper section 8 (A00.FR.309 for the server certificate).
    const char* type = "FailedToAuthenticationAtCentralSystem";
    switch (failure) {
      case core::SecurityFailure::server_certificate: type = "InvalidCentralSystemCertificate"; break;
      case core::SecurityFailure::credentials_rejected: type = "FailedToAuthenticationAtCentralSystem"; break;
      case core::SecurityFailure::tls_version: type = "InvalidTLSVersion"; break;  // A00.FR.315
      case core::SecurityFailure::cipher_suite: type = "InvalidTLSCipherSuite"; break;  // A00.FR.322
    }
    // Each attempt fails the same way during an outage: the event is logged once until the
    // next successful connection or a different failure, not once per back-off.
    std::string key = std::string(type) + '\n' + detail;
    if (key == last_security_failure_) return;
    last_security_failure_ = std::move(key);
    std::lock_guard<std::mutex> lk(m_);
    if (auto ec = engine_->report_security_event(type, detail.substr(0, 255), now_from_system_clocks()))
      if (hooks_.log) hooks_.log(0, std::string("cannot log security event ") + type + ": " + ec.message());
  }
  // A02.FR.10: a new charge point certificate is tried like a new profile (core::Facade).
  void connection_trial_ended(bool succeeded, const std::string& why, Now now) override {
    if (end_certificate_trial(succeeded, why, now, "ReconfigurationOfSecurityParameters")) return;
    std::lock_guard<std::mutex> lk(m_);
    if (auto ec = engine_->connection_trial_ended(succeeded, why, now))
      if (hooks_.log) hooks_.log(0, "security profile trial: " + ec.message());
  }

  // Security Whitepaper A05: a SecurityProfile raised by the CSMS (tried, with the previous
  // one as fallback) or set by the firmware.
  void after_transmit(Now now) override {
    for (;;) {
      std::optional<ConnectionRequest> req;
      {
        std::lock_guard<std::mutex> lk(m_);
        req = engine_->poll_connection_request();
      }
      if (!req) return;
      core::ConnectionConfig next = connection_for_profile(base_connection_, req->securityProfile);
      std::error_code ec;
      if (req->fallbackProfile) {
        certificate_trial_ = false;  // the profile's trial takes over, with the certificate in place
        ec = connection_->try_configure(std::move(next), kTrialAttempts, now);
        if (ec) connection_trial_ended(false, "the connection settings do not fit the profile", now);
      } else {
        ec = connection_->configure(std::move(next));
        if (!ec) connection_->reconnect(now);
      }
      if (ec && hooks_.log)
        hooks_.log(0, "cannot use security profile " + std::to_string(req->securityProfile) + ": " + ec.message());
    }
  }

  /// The connection settings for a SecurityProfile value of the key: 0 keeps the configured
  /// behaviour; 2 and 3 need TLS, so a ws:// URL becomes wss:// on the same host and path.
  static core::ConnectionConfig connection_for_profile(core::ConnectionConfig c, int profile) {
    if (profile <= 0) return c;
    c.security_profile = static_cast<SecurityProfile>(profile);
    if (profile >= 2 && c.csms_url.rfind("ws://", 0) == 0) c.csms_url = "wss://" + c.csms_url.substr(5);
    return c;
  }

  Hooks hooks_;
  core::ConnectionConfig base_connection_;  // as configured, before the SecurityProfile key
  std::string last_security_failure_;       // the last connection security event, until an open
};

Result<std::unique_ptr<ChargePoint>> ChargePoint::create(Runner& runner, ChargePointConfig config,
                                                         Hooks hooks) {
  // The identity becomes a URL path segment and the Basic auth user name.
  core::ConnectionConfig connection =
      core::connection_config(config, config.charge_point_id, "ocpp1.6", config.security_profile);
  if (auto ec = core::validate(connection)) return ec;
  if (auto ec = runner.error()) return ec;
  core::DescriptorReservation descriptors;
  if (auto ec = descriptors.reserve(config)) return ec;
  EngineOptions eo;
  eo.connectors = config.connectors;
  eo.boot.chargePointVendor = config.vendor;
  eo.boot.chargePointModel = config.model;
  eo.boot.chargePointSerialNumber = config.serial_number;
  eo.boot.firmwareVersion = config.firmware_version;
  eo.call_timeout = config.call_timeout;
  eo.configuration_defaults = config.configuration;
  eo.security = config.security;
  eo.security_log_limit = config.security_log_limit;
  eo.csms_root_file = !config.ca_file.empty();
  eo.client_certificate_file = !config.client_cert_file.empty();
  if (config.security_profile)
    eo.configuration_defaults.emplace_back("SecurityProfile", std::to_string(static_cast<int>(*config.security_profile)));
  if (config.password) eo.configuration_defaults.emplace_back("AuthorizationKey", *config.password);
  eo.id_seed = core::random_seed();
  auto store = core::open_store(std::move(config.store), config.db_path, config.charge_point_id);
  if (!store) return store.error();

  auto impl = std::make_shared<Impl>(runner);
  impl->descriptors_ = std::move(descriptors);
  impl->hooks_ = hooks;
  impl->log_ = hooks.log;
  // --- Security Whitepaper: certificates ---
  eo.charge_point_id = config.charge_point_id;
  // A new client certificate is presented at the next TLS handshake (A02.FR.08): reconnect.
  // Hooks run on the runner's thread, where the connection manager lives.
  hooks.client_certificate_changed = [weak = std::weak_ptr<Impl>(impl), user = hooks.client_certificate_changed] {
    if (auto i = weak.lock(); i && i->connection_) i->start_certificate_trial(now_from_system_clocks());
    if (user) user();
  };
  impl->store_ = std::move(store.value());
  auto engine = Engine::create(std::move(eo), *impl->store_, std::move(hooks), now_from_system_clocks());
  if (!engine) return engine.error();
  impl->engine_ = std::move(engine.value());
  // The SecurityProfile key wins over the configured profile once set: the CSMS may have
  // raised it (whitepaper 7.6), and it never goes down through OCPP.
  impl->base_connection_ = connection;
  std::int64_t key_profile = 0;
  if (auto k = impl->engine_->get_configuration("SecurityProfile")) key_profile = std::stoll(k.value());
  connection = Impl::connection_for_profile(std::move(connection), static_cast<int>(key_profile));
  if (auto ec = Impl::start(impl, std::move(connection))) return ec;
  return std::unique_ptr<ChargePoint>(new ChargePoint(std::move(impl)));
}

ChargePoint::ChargePoint(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

ChargePoint::~ChargePoint() { Impl::stop(impl_); }

std::error_code ChargePoint::plug_in(int c) {
  return impl_->with_engine([c](Engine& e, Now n) { return e.plug_in(c, n); });
}
std::error_code ChargePoint::unplug(int c) {
  return impl_->with_engine([c](Engine& e, Now n) { return e.unplug(c, n); });
}
std::error_code ChargePoint::present_id_tag(std::string_view tag, std::optional<int> c) {
  return impl_->with_engine([tag, c](Engine& e, Now n) { return e.present_id_tag(tag, c, n); });
}
std::error_code ChargePoint::set_meter_energy(int c, std::int64_t wh) {
  return impl_->with_engine([c, wh](Engine& e, Now n) { return e.set_meter_energy(c, wh, n); });
}
std::error_code ChargePoint::report_fault(int c, ChargePointErrorCode code, std::string_view info) {
  return impl_->with_engine([=](Engine& e, Now n) { return e.report_fault(c, code, info, n); });
}
std::error_code ChargePoint::clear_fault(int c) {
  return impl_->with_engine([c](Engine& e, Now n) { return e.clear_fault(c, n); });
}
std::error_code ChargePoint::suspend(int c, bool by_ev) {
  return impl_->with_engine([c, by_ev](Engine& e, Now n) { return e.suspend(c, by_ev, n); });
}
std::error_code ChargePoint::resume(int c) {
  return impl_->with_engine([c](Engine& e, Now n) { return e.resume(c, n); });
}
std::error_code ChargePoint::stop_transaction(int c, Reason reason) {
  return impl_->with_engine([c, reason](Engine& e, Now n) { return e.stop_transaction(c, reason, n); });
}
Result<std::string> ChargePoint::get_configuration(std::string_view key) const {
  return impl_->read([&](const Engine& e) { return e.get_configuration(key); });
}
std::error_code ChargePoint::set_configuration(std::string_view key, std::string_view value) {
  return impl_->with_engine([key, value](Engine& e, Now) { return e.set_configuration(key, value); });
}
bool ChargePoint::is_connected() const {
  return impl_->read([](const Engine& e) { return e.is_connected(); });
}
std::optional<RegistrationStatus> ChargePoint::registration() const {
  return impl_->read([](const Engine& e) { return e.registration(); });
}
Result<ConnectorState> ChargePoint::connector_state(int c) const {
  return impl_->read([&](const Engine& e) { return e.connector_state(c); });
}
std::size_t ChargePoint::queued_transaction_messages() const {
  return impl_->read([](const Engine& e) { return e.queued_transaction_messages(); });
}


// --- Firmware Management profile ---
std::error_code ChargePoint::report_firmware_status(FirmwareStatus s) {
  return impl_->with_engine([s](Engine& e, Now n) { return e.report_firmware_status(s, n); });
}
std::error_code ChargePoint::report_diagnostics_status(DiagnosticsStatus s) {
  return impl_->with_engine([s](Engine& e, Now n) { return e.report_diagnostics_status(s, n); });
}
FirmwareStatus ChargePoint::firmware_status() const {
  return impl_->read([](const Engine& e) { return e.firmware_status(); });
}
DiagnosticsStatus ChargePoint::diagnostics_status() const {
  return impl_->read([](const Engine& e) { return e.diagnostics_status(); });
}

// --- Security Whitepaper ---
std::error_code ChargePoint::report_security_event(std::string_view type, std::optional<std::string> tech_info,
                                                   std::optional<bool> critical) {
  return impl_->with_engine([&](Engine& e, Now n) {
    return e.report_security_event(type, std::move(tech_info), n, critical);
  });
}
std::vector<SecurityEventNotificationRequest> ChargePoint::security_log() const {
  return impl_->read([](const Engine& e) { return e.security_log(); });
}

// --- Security Whitepaper: logs and signed firmware ---
std::error_code ChargePoint::report_log_status(UploadLogStatusEnumType status, std::int32_t request_id) {
  return impl_->with_engine([&](Engine& e, Now n) { return e.report_log_status(status, request_id, n); });
}
UploadLogStatusEnumType ChargePoint::log_status() const {
  return impl_->read([](const Engine& e) { return e.log_status(); });
}
std::error_code ChargePoint::report_signed_firmware_status(FirmwareStatusEnumType status, std::int32_t request_id,
                                                           std::optional<std::string> path) {
  return impl_->with_engine([&](Engine& e, Now n) {
    return e.report_signed_firmware_status(status, request_id, n, std::move(path));
  });
}
FirmwareStatusEnumType ChargePoint::signed_firmware_status() const {
  return impl_->read([](const Engine& e) { return e.signed_firmware_status(); });
}

// --- Core profile: data transfer, vendor configuration keys, availability ---
std::error_code ChargePoint::send_data_transfer(std::string_view vendor_id, std::optional<std::string> message_id,
                                                std::optional<std::string> data, DataTransferCallback callback) {
  return impl_->with_engine([&](Engine& e, Now n) {
    return e.send_data_transfer(vendor_id, std::move(message_id), std::move(data), std::move(callback), n);
  });
}
std::error_code ChargePoint::add_configuration_key(std::string_view key, ConfigurationKeyType type,
                                                   ConfigurationKeyAccess access, std::string_view default_value,
                                                   std::function<bool(std::string_view)> validator,
                                                   bool reboot_required) {
  return impl_->with_engine([&](Engine& e, Now) {
    return e.add_configuration_key(key, type, access, default_value, std::move(validator), reboot_required);
  });
}
Result<AvailabilityType> ChargePoint::availability(int c) const {
  return impl_->read([&](const Engine& e) { return e.availability(c); });
}

}  // namespace ocpp::v16
