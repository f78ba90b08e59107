// ocpp::v16::ChargePoint: an OCPP 1.6J charge point with its connection, durable store and
// engine, driven by a Runner's thread.
//
// Threading: every method may be called from any thread and returns without waiting for
// the network. Methods that produce a transaction message (they say so) return once the
// message is durable in the store, which costs one fsync. Hooks run on the runner's thread
// with no library lock held and may call these methods.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "ocpp/error.hpp"
#include "ocpp/facade_config.hpp"
#include "ocpp/runner.hpp"
#include "ocpp/security.hpp"
#include "ocpp/store.hpp"
#include "ocpp/v16/engine.hpp"
#include "ocpp/v16/hooks.hpp"

namespace ocpp::v16 {

/// What ChargePoint::create() needs: identity, BootNotification fields, security, and (in
/// FacadeConfig) the CSMS, the store and the connection's timing.
struct ChargePointConfig : FacadeConfig {
  std::string charge_point_id;  ///< the identity; appended to csms_url as the last path segment
  int connectors = 1;           ///< number of connectors (1..N)
  std::string vendor;           ///< BootNotification chargePointVendor (required, ≤ 20)
  std::string model;            ///< BootNotification chargePointModel (required, ≤ 20)
  std::optional<std::string> serial_number;     ///< chargePointSerialNumber
  std::optional<std::string> firmware_version;  ///< firmwareVersion
  /// Initial AuthorizationKey for HTTP Basic auth (security profiles 1 and 2); applied on first
  /// start only: a key set later by the CSMS wins.
  std::optional<std::string> password;
  /// The security profile (docs/guides/security.md). Unset: chosen at each connection from
  /// the URL and the credentials, as before the SecurityProfile key: TLS for wss://, HTTP
  /// Basic auth when an AuthorizationKey is set, the client certificate over wss:// when one
  /// is configured (then without Basic auth). Set: enforced; create() refuses a URL that does
  /// not fit it (1 needs ws://, 2 and 3 wss://) and profile 3 without a client certificate.
  std::optional<SecurityProfile> security_profile;
  /// Configuration key values applied on first start only (a stored value wins).
  std::vector<std::pair<std::string, std::string>> configuration;
  /// Entries kept in the security log (see EngineOptions::security_log_limit).
  std::size_t security_log_limit = 1000;
};

/// An OCPP 1.6J charge point: a thread-safe facade over an Engine, its Store and its
/// connection, driven by a Runner (see the threading notes at the top of this file).
class OCPP_API ChargePoint {
 public:
  /// Opens the store, loads state and attaches to the runner, which connects and boots.
  /// Errors: Errc::invalid_argument (empty id or one with ':' or control characters, bad URL,
  /// a security_profile that does not fit the URL, profile 3 without a client certificate,
  /// vendor/model missing or too long, connectors < 1), the store's errors (Errc::storage_*),
  /// Runner::error(), Errc::resource_exhausted (RLIMIT_NOFILE leaves no descriptor for its
  /// socket: every charge point of the process needs one, three more with a database file of
  /// its own, and 32 are kept for the rest). A connection attempt that later gets no socket
  /// is logged at level 0 as resource_exhausted and retried with back-off.
  static Result<std::unique_ptr<ChargePoint>> create(Runner& runner, ChargePointConfig config,
                                                     Hooks hooks);
  /// Closes the connection and detaches from the runner. Not from inside a hook.
  ~ChargePoint();
  ChargePoint(const ChargePoint&) = delete;
  ChargePoint& operator=(const ChargePoint&) = delete;

  /// See Engine::plug_in. May start a transaction (durable on return).
  std::error_code plug_in(int connectorId);
  /// See Engine::unplug. May stop a transaction (durable on return).
  std::error_code unplug(int connectorId);
  /// See Engine::present_id_tag.
  std::error_code present_id_tag(std::string_view idTag, std::optional<int> connectorId = {});
  /// See Engine::set_meter_energy.
  std::error_code set_meter_energy(int connectorId, std::int64_t wh);
  /// See Engine::report_fault.
  std::error_code report_fault(int connectorId, ChargePointErrorCode errorCode,
                               std::string_view info = {});
  /// See Engine::clear_fault.
  std::error_code clear_fault(int connectorId);
  /// See Engine::suspend / Engine::resume.
  std::error_code suspend(int connectorId, bool by_ev);
  /// See Engine::resume.
  std::error_code resume(int connectorId);
  /// See Engine::stop_transaction (durable on return).
  std::error_code stop_transaction(int connectorId, Reason reason = Reason::Local);
  /// See Engine::get_configuration / Engine::set_configuration.
  Result<std::string> get_configuration(std::string_view key) const;
  /// See Engine::set_configuration.
  std::error_code set_configuration(std::string_view key, std::string_view value);

  /// See Engine::is_connected.
  bool is_connected() const;
  /// See Engine::registration.
  std::optional<RegistrationStatus> registration() const;
  /// See Engine::connector_state.
  Result<ConnectorState> connector_state(int connectorId) const;
  /// See Engine::queued_transaction_messages.
  std::size_t queued_transaction_messages() const;

  // --- Core profile: data transfer, vendor configuration keys, availability ---
  /// See Engine::send_data_transfer (the callback runs on the runner's thread, as a hook).
  std::error_code send_data_transfer(std::string_view vendorId, std::optional<std::string> messageId,
                                     std::optional<std::string> data, DataTransferCallback callback);
  /// See Engine::add_configuration_key.
  std::error_code add_configuration_key(std::string_view key, ConfigurationKeyType type,
                                        ConfigurationKeyAccess access, std::string_view default_value,
                                        std::function<bool(std::string_view)> validator = {},
                                        bool reboot_required = false);
  /// See Engine::availability.
  Result<AvailabilityType> availability(int connectorId) const;

  // --- Firmware Management profile ---
  /// See Engine::report_firmware_status.
  std::error_code report_firmware_status(FirmwareStatus status);
  /// See Engine::report_diagnostics_status.
  std::error_code report_diagnostics_status(DiagnosticsStatus status);
  /// See Engine::firmware_status / Engine::diagnostics_status.
  FirmwareStatus firmware_status() const;
  /// See Engine::diagnostics_status.
  DiagnosticsStatus diagnostics_status() const;

  // --- Security Whitepaper ---
  /// See Engine::report_security_event (a critical event is durable on return).
  std::error_code report_security_event(std::string_view type, std::optional<std::string> techInfo = {},
                                        std::optional<bool> critical = std::nullopt);
  /// See Engine::security_log.
  std::vector<SecurityEventNotificationRequest> security_log() const;
  // --- Security Whitepaper: logs and signed firmware ---
  /// See Engine::report_log_status.
  std::error_code report_log_status(UploadLogStatusEnumType status, std::int32_t requestId);
  /// See Engine::log_status.
  UploadLogStatusEnumType log_status() const;
  /// See Engine::report_signed_firmware_status (Downloaded verifies the file's signature first).
  std::error_code report_signed_firmware_status(FirmwareStatusEnumType status, std::int32_t requestId,
                                                std::optional<std::string> path = std::nullopt);
  /// See Engine::signed_firmware_status.
  FirmwareStatusEnumType signed_firmware_status() const;

  class OCPP_LOCAL Impl;

 private:
  explicit ChargePoint(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace ocpp::v16
