// ocpp::v201::ChargingStation: the 2.0.1 engine on the runner, through core::Facade (shared
// with v16::ChargePoint). A wrapper for a new engine call is one line: with_engine for an
// event, read for a query.
#include "ocpp/v201/charging_station.hpp"

#include <algorithm>
#include <cstdlib>

#include "core/facade.hpp"

namespace ocpp::v201 {

/// The subprotocol of OCPP 2.0.1 (part 4 section 3.1.2).
inline constexpr const char* kSubprotocol = "ocpp2.0.1";

class ChargingStation::Impl final : public core::Facade<Engine> {
 public:
  using Facade::Facade;

  // --- core::ConnectionManager::Host (runner thread) ---
  core::AttemptSettings attempt_settings() override {
    core::AttemptSettings s;
    s.basic_auth_password = password_;
    // A01: the password the CSMS set (SecurityCtrlr.BasicAuthPassword) wins once set.
    std::lock_guard<std::mutex> lk(m_);
    auto stored = engine_->get_variable(security_ctrlr(), variable("BasicAuthPassword"));
    if (stored && !stored.value().empty()) s.basic_auth_password = stored.value();
    s.ca_pem = trust_anchors();
    return s;
  }
  /// M05.FR.14 to M05.FR.16: the CSMS roots this attempt verifies the CSMS with, while the
  /// old root is kept as the fallback (M05.FR.12): without it while migrating to another
  /// network profile (M05.FR.15) and at a reconnection until the new roots failed to verify
  /// the CSMS (M05.FR.14); with it for the attempt after that, and after a migration went back
  /// to the previous profile (M05.FR.16). nullopt: the provider's bundle (every CSMS root).
  /// Under m_.
  std::optional<std::string> trust_anchors() {
    attempt_with_fallback_ = false;
    const auto fallback = security_ ? engine_->csms_root_fallback() : std::nullopt;
    if (!fallback) return std::nullopt;
    const bool with = fallback_root_next_ && !network_trial_;
    fallback_root_next_ = false;
    auto roots = security_->installed_ca_certificates({CaCertificateUse::csms_root});
    std::string pem;
    if (!with && roots)
      for (const auto& r : *roots)
        if (!same_certificate(r.hash, *fallback)) pem += r.pem;
    attempt_with_fallback_ = pem.empty();
    if (pem.empty()) return std::nullopt;
    return pem;
  }
  void connection_opened(Now now) override {
    Facade::connection_opened(now);
    fallback_root_next_ = false;
    if (attempt_with_fallback_) {
      // M05.FR.13 applies to a connection the new root verified: the fallback stays.
      std::lock_guard<std::mutex> lk(m_);
      engine_->csms_root_fallback_used();
    }
    if (!password_trial_) return;
    password_trial_ = false;  // A01: the new password connected, it is final
    std::lock_guard<std::mutex> lk(m_);
    (void)engine_->connection_trial_ended(ConnectionTrial::basic_auth_password, true, {}, now);
  }
  void connection_security_failure(core::SecurityFailure failure,
                                   const std::string& detail) override {
    // The security events of part 2's appendix: recorded by the engine (the critical ones
    // reach the CSMS once connected).
    static constexpr const char* kTypes[] = {"InvalidCsmsCertificate",
                                             "FailedToAuthenticationAtCsms", "InvalidTLSVersion",
                                             "InvalidTLSCipherSuite"};
    // A01: the CSMS refused the new password: the previous one comes back for the next attempt.
    const bool refused = failure == core::SecurityFailure::credentials_rejected && password_trial_;
    // M05.FR.14: the new CSMS root did not verify the CSMS: the next attempt tries the old one
    // as well (while migrating, M05.FR.15: not before the migration went back, M05.FR.16).
    if (failure == core::SecurityFailure::server_certificate && !attempt_with_fallback_)
      fallback_root_next_ = true;
    if (refused) password_trial_ = false;
    std::error_code trial_ec;
    const auto ec = with_engine([&](Engine& e, Now now) {
      auto r =
          e.report_security_event(kTypes[static_cast<int>(failure)], detail.substr(0, 255), now);
      if (refused)
        trial_ec = e.connection_trial_ended(ConnectionTrial::basic_auth_password, false,
                                            detail.substr(0, 200), now);
      return r;
    });
    if (ec) connection_log(0, "security event not recorded: " + ec.message());
    if (trial_ec) connection_log(0, "password trial: " + trial_ec.message());
  }
  // certificate management (A02.FR.10 errata 2025-01): a new client certificate that never
  // connects is discarded, the previous one comes back (DiscardedRenewedClientCertificate is
  // not in the appendix of this edition: ReconfigurationOfSecurityParameters). A05: a raised
  // security profile that never connects goes back to the previous one.
  void connection_trial_ended(bool succeeded, const std::string& why, Now now) override {
    if (end_certificate_trial(succeeded, why, now, "ReconfigurationOfSecurityParameters")) return;
    if (!succeeded && trial_fallback_) profile_ = *trial_fallback_;
    trial_fallback_.reset();
    const auto trial =
        network_trial_ ? ConnectionTrial::network_profile : ConnectionTrial::security_profile;
    // M05.FR.16: a migration that failed goes back with the old CSMS root (fallback) trusted.
    if (network_trial_ && !succeeded) fallback_root_next_ = true;
    network_trial_ = false;
    std::error_code ec;
    {
      std::lock_guard<std::mutex> lk(m_);
      ec = engine_->connection_trial_ended(trial, succeeded, why, now);
    }
    if (ec) connection_log(0, "security profile trial: " + ec.message());
  }

  // B10.FR.04: after a restart the first slot of NetworkConfigurationPriority is in place
  // before the first attempt: the station does not begin with the connection it was configured
  // with (and so, B10.FR.06, never reaches the old CSMS first).
  MonoTime step(Now now) override {
    if (startup_request_ && startup_request_->configurationSlot) after_transmit(now);
    return Facade::step(now);
  }

  // A01, A05: the engine's ConnectionRequests (a new password, a raised profile).
  void after_transmit(Now now) override {
    for (;;) {
      std::optional<ConnectionRequest> req = std::move(startup_request_);
      startup_request_.reset();
      if (!req) {
        std::lock_guard<std::mutex> lk(m_);
        req = engine_->poll_connection_request();
      }
      if (!req) return;
      apply(*req, now);
    }
  }
  void apply(const ConnectionRequest& req, Now now) {
    if (req.configurationSlot) {
      apply_network_profile(req, now);
      return;
    }
    if (req.newBasicAuthPassword) password_trial_ = true;
    if (req.securityProfile == profile_ && !req.fallbackProfile) {
      connection_->reconnect(now);  // the same profile, a new password (A01 steps 3 and 4)
      return;
    }
    const int before = profile_;
    profile_ = req.securityProfile;
    core::ConnectionConfig next = connection_for_profile(base_connection_, req.securityProfile);
    std::error_code ec;
    if (req.fallbackProfile) {
      certificate_trial_ = false;  // the profile's trial takes over, with the certificate in place
      trial_fallback_ = before;
      ec = connection_->try_configure(std::move(next), trial_attempts(), now);
      if (ec) connection_trial_ended(false, "the connection settings do not fit the profile", now);
    } else {
      ec = connection_->configure(std::move(next));
      if (!ec) connection_->reconnect(now);
    }
    if (ec)
      connection_log(0, "cannot use security profile " + std::to_string(req.securityProfile) +
                            ": " + ec.message());
  }
  /// B10: connects with a slot of NetworkConfigurationPriority (B10.FR.06: the connection in
  /// place closes first); a trial when the engine gives a fallback: after
  /// NetworkProfileConnectionAttempts failed attempts the configuration in use comes back
  /// (B10.FR.03) and the engine picks the next slot.
  void apply_network_profile(const ConnectionRequest& req, Now now) {
    core::ConnectionConfig next = base_connection_;
    if (!req.csmsUrl.empty()) next.csms_url = req.csmsUrl;
    const int profile = req.csmsUrl.empty() ? base_profile_ : req.securityProfile;
    next = connection_for_profile(std::move(next), profile);
    const int before = profile_;
    profile_ = profile;
    std::error_code ec;
    if (req.fallbackProfile) {
      certificate_trial_ = false;
      network_trial_ = true;
      trial_fallback_ = before;
      ec = connection_->try_configure(std::move(next), trial_attempts(), now);
      if (ec) connection_trial_ended(false, "the network profile does not fit the connection", now);
    } else {
      ec = connection_->configure(std::move(next));
      if (!ec) connection_->reconnect(now);
    }
    if (ec)
      connection_log(0, "cannot use network profile slot " +
                            std::to_string(*req.configurationSlot) + ": " + ec.message());
  }
  /// OCPPCommCtrlr.NetworkProfileConnectionAttempts (at least 1).
  unsigned trial_attempts() {
    std::lock_guard<std::mutex> lk(m_);
    ComponentType c;
    c.name = "OCPPCommCtrlr";
    auto v = engine_->get_variable(c, variable("NetworkProfileConnectionAttempts"));
    long n = v ? std::strtol(v.value().c_str(), nullptr, 10) : 0;
    return n >= 1 ? static_cast<unsigned>(n) : kTrialAttempts;
  }
  /// The connection settings for a profile: 2 and 3 need TLS, so a ws:// URL becomes wss://
  /// on the same host and path.
  static core::ConnectionConfig connection_for_profile(core::ConnectionConfig c, int profile) {
    c.security_profile = static_cast<SecurityProfile>(profile);
    if (profile >= 2 && c.csms_url.rfind("ws://", 0) == 0)
      c.csms_url = "wss://" + c.csms_url.substr(5);
    return c;
  }
  static ComponentType security_ctrlr() {
    ComponentType c;
    c.name = "SecurityCtrlr";
    return c;
  }
  static VariableType variable(const char* name) {
    VariableType v;
    v.name = name;
    return v;
  }

  core::ConnectionConfig base_connection_;            // as configured
  int profile_ = 0;                                   // of the connection's configuration
  int base_profile_ = 0;                              // of base_connection_
  bool network_trial_ = false;                        // a network profile slot on trial (B10)
  std::optional<int> trial_fallback_;                 // during a profile trial
  bool password_trial_ = false;                       // a new password has not connected yet
  bool fallback_root_next_ = false;                   // the next attempt trusts the old root
  bool attempt_with_fallback_ = false;                // this one does (M05.FR.14, M05.FR.16)
  std::optional<ConnectionRequest> startup_request_;  // a trial a restart interrupted
  std::optional<std::string> password_;
  std::shared_ptr<SecurityProvider> security_;  // the engine's (EngineOptions::security)
};

namespace {

// A00.FR.205 (errata 2025-01): at least 16 characters, at most BasicAuthPassword's maxLimit,
// which is at least 40; 40 fits every station.
constexpr std::size_t kMinBasicAuthPassword = 16;
constexpr std::size_t kMaxBasicAuthPassword = 40;

std::error_code check_security(const ChargingStationConfig& c) {
  if (c.password &&
      (c.password->size() < kMinBasicAuthPassword || c.password->size() > kMaxBasicAuthPassword))
    return Errc::invalid_argument;
  // Profiles 1 and 2 authenticate with HTTP Basic (A00.FR.202, A00.FR.301).
  if (c.security_profile && *c.security_profile != SecurityProfile::tls_client_cert &&
      *c.security_profile != SecurityProfile::none && !c.password)
    return Errc::invalid_argument;
  return {};
}

}  // namespace

Result<std::unique_ptr<ChargingStation>> ChargingStation::create(Runner& runner,
                                                                 ChargingStationConfig config,
                                                                 Hooks hooks) {
  core::ConnectionConfig connection =
      core::connection_config(config, config.identity, kSubprotocol, config.security_profile);
  if (auto ec = core::validate(connection)) return ec;
  if (auto ec = check_security(config)) return ec;
  if (auto ec = runner.error()) return ec;
  core::DescriptorReservation descriptors;
  if (auto ec = descriptors.reserve(config)) return ec;
  EngineOptions eo;
  eo.evses = config.evses;
  eo.charging_station = config.charging_station;
  eo.boot_reason = config.boot_reason;
  eo.id_seed = core::random_seed();
  eo.call_timeout = config.call_timeout;
  eo.boot_retry_default = config.boot_retry_default;
  eo.signed_meter_values = config.signed_meter_values;
  eo.heartbeat_interval = config.heartbeat_interval;
  eo.security_log_limit = config.security_log_limit;
  eo.security_provider = config.security.get();  // certificate management (M, A02, A03)
  auto store = core::open_store(std::move(config.store), config.db_path, config.identity);
  if (!store) return store.error();

  auto impl = std::make_shared<Impl>(runner);
  impl->descriptors_ = std::move(descriptors);
  impl->log_ = hooks.log;
  impl->password_ = config.password;
  impl->security_ = config.security;
  impl->store_ = std::move(store.value());
  // certificate management: a new client certificate is presented at the next TLS handshake
  // (A02.FR.08). Hooks run on the runner's thread, where the connection manager lives.
  hooks.client_certificate_changed = [weak = std::weak_ptr<Impl>(impl),
                                      user = hooks.client_certificate_changed] {
    if (auto i = weak.lock()) i->start_certificate_trial(now_from_system_clocks());
    if (user) user();
  };
  auto engine =
      Engine::create(std::move(eo), *impl->store_, std::move(hooks), now_from_system_clocks());
  if (!engine) return engine.error();
  impl->engine_ = std::move(engine.value());
  // certificate management: the profile and identity the CSR and the certificate checks use.
  {
    const auto now = now_from_system_clocks();
    // Unset: TLS with a password is profile 2, without one 3 (A00: what the URL and the
    // credentials select), ws:// profile 1.
    const bool tls = connection.csms_url.rfind("wss://", 0) == 0;
    const int configured = connection.security_profile
                               ? static_cast<int>(*connection.security_profile)
                           : tls ? (impl->password_ ? 2 : 3)
                                 : 1;
    impl->base_connection_ = connection;
    impl->profile_ = configured;
    // A05: a profile the CSMS raised in an earlier run wins over the configuration (its trial,
    // if a restart interrupted it, goes on from the fallback); A01: so does a new password.
    impl->base_profile_ = configured;
    auto req = impl->engine_->poll_connection_request();
    if (req && req->configurationSlot) {
      // B10.FR.04: the first slot of NetworkConfigurationPriority, tried from the first step.
      impl->startup_request_ = req;
      auto in_force =
          impl->engine_->get_variable(Impl::security_ctrlr(), Impl::variable("SecurityProfile"));
      if (configured > (in_force ? std::atoi(in_force.value().c_str()) : 0))
        (void)impl->engine_->set_variable_actual(Impl::security_ctrlr(),
                                                 Impl::variable("SecurityProfile"),
                                                 std::to_string(configured), now);
    } else if (req && req->securityProfile > configured) {
      const int start = std::max(configured, req->fallbackProfile.value_or(req->securityProfile));
      if (start > configured)
        connection = Impl::connection_for_profile(std::move(connection), start);
      impl->profile_ = start;
      if (req->fallbackProfile || req->newBasicAuthPassword) impl->startup_request_ = req;
    } else {
      if (req && req->newBasicAuthPassword)
        impl->startup_request_ = ConnectionRequest{configured, std::nullopt, true};
      if (configured > 0)
        (void)impl->engine_->set_variable_actual(Impl::security_ctrlr(),
                                                 Impl::variable("SecurityProfile"),
                                                 std::to_string(configured), now);
    }
    (void)impl->engine_->set_variable_actual(Impl::security_ctrlr(), Impl::variable("Identity"),
                                             config.identity, now);
  }
  if (auto ec = Impl::start(impl, std::move(connection))) return ec;
  return std::unique_ptr<ChargingStation>(new ChargingStation(std::move(impl)));
}

ChargingStation::ChargingStation(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

ChargingStation::~ChargingStation() { Impl::stop(impl_); }

std::error_code ChargingStation::set_connector_status(int evse, int connector,
                                                      ConnectorStatusEnumType status) {
  return impl_->with_engine(
      [=](Engine& e, Now n) { return e.set_connector_status(evse, connector, status, n); });
}

std::error_code ChargingStation::plug_in(int evse, int connector) {
  return impl_->with_engine([=](Engine& e, Now n) { return e.plug_in(evse, connector, n); });
}
std::error_code ChargingStation::plug_out(int evse) {
  return impl_->with_engine([=](Engine& e, Now n) { return e.plug_out(evse, n); });
}
std::error_code ChargingStation::present_id_token(int evse, const IdTokenType& idToken) {
  return impl_->with_engine([&](Engine& e, Now n) { return e.present_id_token(evse, idToken, n); });
}
std::error_code ChargingStation::set_charging_state(int evse, ChargingStateEnumType state) {
  return impl_->with_engine([=](Engine& e, Now n) { return e.set_charging_state(evse, state, n); });
}
std::error_code ChargingStation::set_parking_bay_occupied(int evse, bool occupied) {
  return impl_->with_engine(
      [=](Engine& e, Now n) { return e.set_parking_bay_occupied(evse, occupied, n); });
}
std::error_code ChargingStation::set_measurand(int evse, MeasurandEnumType measurand,
                                               double value) {
  return impl_->with_engine(
      [=](Engine& e, Now n) { return e.set_measurand(evse, measurand, value, n); });
}
std::error_code ChargingStation::set_signed_measurand(
    int evse, MeasurandEnumType measurand, double value,
    const SignedMeterValueType& signedMeterValue) {
  return impl_->with_engine([&](Engine& e, Now n) {
    return e.set_signed_measurand(evse, measurand, value, signedMeterValue, n);
  });
}
std::error_code ChargingStation::stop_transaction(int evse, ReasonEnumType reason) {
  return impl_->with_engine([=](Engine& e, Now n) { return e.stop_transaction(evse, reason, n); });
}
std::optional<std::string> ChargingStation::transaction_id(int evse) const {
  return impl_->read([=](const Engine& e) { return e.transaction_id(evse); });
}
std::size_t ChargingStation::queued_transaction_messages() const {
  return impl_->read([](const Engine& e) { return e.queued_transaction_messages(); });
}

std::error_code ChargingStation::add_variable(const VariableDefinition& definition) {
  return impl_->with_engine([&](Engine& e, Now) { return e.add_variable(definition); });
}
Result<std::string> ChargingStation::get_variable(const ComponentType& component,
                                                  const VariableType& variable,
                                                  AttributeEnumType attributeType) const {
  return impl_->read(
      [&](const Engine& e) { return e.get_variable(component, variable, attributeType); });
}
std::error_code ChargingStation::set_variable_actual(const ComponentType& component,
                                                     const VariableType& variable,
                                                     const std::string& value) {
  return impl_->with_engine(
      [&](Engine& e, Now n) { return e.set_variable_actual(component, variable, value, n); });
}

bool ChargingStation::is_connected() const {
  return impl_->read([](const Engine& e) { return e.is_connected(); });
}
std::optional<RegistrationStatusEnumType> ChargingStation::registration() const {
  return impl_->read([](const Engine& e) { return e.registration(); });
}
Result<ConnectorStatusEnumType> ChargingStation::connector_status(int evse, int connector) const {
  return impl_->read([=](const Engine& e) { return e.connector_status(evse, connector); });
}

std::error_code ChargingStation::report_security_event(const std::string& type,
                                                       std::optional<std::string> techInfo) {
  return impl_->with_engine(
      [&](Engine& e, Now now) { return e.report_security_event(type, std::move(techInfo), now); });
}

std::vector<SecurityEventNotificationRequest> ChargingStation::security_log() const {
  return impl_->read([](const Engine& e) { return e.security_log(); });
}

std::error_code ChargingStation::report_firmware_status(FirmwareStatusEnumType status,
                                                        std::int32_t requestId,
                                                        std::optional<std::string> path) {
  return impl_->with_engine([&](Engine& e, Now n) {
    return e.report_firmware_status(status, requestId, n, std::move(path));
  });
}

std::error_code ChargingStation::report_log_status(UploadLogStatusEnumType status,
                                                   std::int32_t requestId) {
  return impl_->with_engine(
      [=](Engine& e, Now n) { return e.report_log_status(status, requestId, n); });
}

// --- external charging limits (K11-K13) ---
std::error_code ChargingStation::set_external_limit(int evseId, ChargingLimitSourceEnumType source,
                                                    const ChargingScheduleType& schedule,
                                                    std::optional<bool> isGridCritical) {
  return impl_->with_engine([&](Engine& e, Now n) {
    return e.set_external_limit(evseId, source, schedule, n, isGridCritical);
  });
}
std::error_code ChargingStation::release_external_limit(int evseId,
                                                        ChargingLimitSourceEnumType source) {
  return impl_->with_engine(
      [=](Engine& e, Now n) { return e.release_external_limit(evseId, source, n); });
}
// --- end external charging limits ---

}  // namespace ocpp::v201
