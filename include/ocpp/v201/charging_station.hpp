// ocpp::v201::ChargingStation: an OCPP 2.0.1 Charging Station with its connection, store and
// engine, driven by a Runner's thread (the same Runner may drive v16::ChargePoints too).
//
// Threading: every method may be called from any thread and returns without waiting for the
// network. Hooks run on the runner's thread with no library lock held and may call these
// methods.
//
// This increment wraps what the 2.0.1 Engine does today (see ocpp/v201/engine.hpp): boot,
// heartbeat, Reset, TriggerMessage, StatusNotification and ChangeAvailability.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "ocpp/error.hpp"
#include "ocpp/export.hpp"
#include "ocpp/facade_config.hpp"
#include "ocpp/runner.hpp"
#include "ocpp/security.hpp"
#include "ocpp/v201/engine.hpp"
#include "ocpp/v201/hooks.hpp"

namespace ocpp::v201 {

/// What ChargingStation::create() needs: identity, EVSE topology, BootNotification fields,
/// security, and (in FacadeConfig) the CSMS, the store and the connection's timing.
struct ChargingStationConfig : FacadeConfig {
  /// The Charging Station's identity: appended to csms_url as the last path segment
  /// (part 4 section 3.1.1) and the HTTP Basic auth user name (1 to 48 characters, no ':').
  std::string identity;
  /// The EVSEs, numbered 1..N in this order: each entry is that EVSE's number of connectors.
  /// See EngineOptions::evses.
  std::vector<int> evses{1};
  /// The chargingStation of every BootNotificationRequest: model and vendorName required,
  /// serialNumber, firmwareVersion and modem optional.
  ChargingStationType charging_station;
  /// The reason of the first BootNotificationRequest (B01.FR.09): PowerUp, or RemoteReset
  /// when the station comes back from a reset the CSMS asked for, ...
  BootReasonEnumType boot_reason = BootReasonEnumType::PowerUp;
  /// The password for HTTP Basic auth (security profiles 1 and 2). For now it comes from here
  /// only (not from the device model's BasicAuthPassword); 16 to 40 characters (A00.FR.205:
  /// at least 16, at most BasicAuthPassword's maxLimit, which is at least 40).
  std::optional<std::string> password;
  /// The security profile. Unset: chosen at each connection from the URL and the credentials
  /// (TLS for wss://, Basic auth when a password is set, the client certificate over wss://
  /// when one is configured). Set: enforced; create() refuses a URL that does not fit it
  /// (1 needs ws://, 2 and 3 wss://), profile 3 without a client certificate and profiles 1
  /// and 2 without a password.
  std::optional<SecurityProfile> security_profile;
  /// Heartbeat interval until a BootNotificationResponse Accepted gives one.
  std::chrono::seconds heartbeat_interval{300};
  /// Entries kept in the security log (see EngineOptions::security_log_limit).
  std::size_t security_log_limit = 1000;
  /// Wait before the next BootNotificationRequest after a non-Accepted answer with interval 0
  /// or no answer (see EngineOptions::boot_retry_default).
  std::chrono::seconds boot_retry_default{60};
};

/// An OCPP 2.0.1 Charging Station: a thread-safe facade over an Engine, its Store and its
/// connection, driven by a Runner (see the threading notes at the top of this file).
class OCPP_API ChargingStation {
 public:
  /// Opens the store, loads state and attaches to the runner, which connects (subprotocol
  /// ocpp2.0.1) and boots. Hooks: none from here; afterwards all of `hooks`, on the runner's
  /// thread. Errors: Errc::invalid_argument (identity empty, too long or with ':' or control
  /// characters; a bad URL; a security_profile that does not fit the URL; profile 3 without
  /// a client certificate; profiles 1 and 2 without a password; a password not of 16 to 40
  /// characters; no EVSE, an EVSE without connectors; model or vendorName missing or too
  /// long), the store's errors (Errc::storage_*), Runner::error().
  static Result<std::unique_ptr<ChargingStation>> create(Runner& runner,
                                                         ChargingStationConfig config, Hooks hooks);
  /// Closes the connection and detaches from the runner. Not from inside a hook.
  ~ChargingStation();
  ChargingStation(const ChargingStation&) = delete;
  ChargingStation& operator=(const ChargingStation&) = delete;

  // --- firmware events ---
  /// The connector's status as the firmware sees it (G01); see Engine::set_connector_status.
  /// May lead to the status hook. Errors: Errc::unknown_connector.
  std::error_code set_connector_status(int evseId, int connectorId, ConnectorStatusEnumType status);

  // --- state ---
  /// True while the WebSocket connection to the CSMS is open. No hooks, no errors.
  bool is_connected() const;
  /// The status of the last BootNotificationResponse; nullopt before the first. No hooks.
  std::optional<RegistrationStatusEnumType> registration() const;
  /// The status of a connector as reported to the CSMS (Unavailable while Inoperative).
  /// No hooks. Errors: Errc::unknown_connector.
  Result<ConnectorStatusEnumType> connector_status(int evseId, int connectorId) const;

  // --- security events (A04) ---
  /// Records a security event; see Engine::report_security_event (same errors). Queues the
  /// security_event hook.
  std::error_code report_security_event(const std::string& type,
                                        std::optional<std::string> techInfo = std::nullopt);
  /// The security log, oldest first. No hooks.
  std::vector<SecurityEventNotificationRequest> security_log() const;

  class OCPP_LOCAL Impl;

 private:
  explicit ChargingStation(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace ocpp::v201
