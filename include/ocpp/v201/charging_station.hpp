// ocpp::v201::ChargingStation: an OCPP 2.0.1 Charging Station with its connection, store and
// engine, driven by a Runner's thread (the same Runner may drive v16::ChargePoints too).
//
// Threading: every method may be called from any thread and returns without waiting for the
// network. Hooks run on the runner's thread with no library lock held and may call these
// methods.
//
// It wraps what the 2.0.1 Engine does (see ocpp/v201/engine.hpp): boot, heartbeat, Reset,
// TriggerMessage, StatusNotification and ChangeAvailability; transactions (plug_in, plug_out,
// set_charging_state, stop_transaction; every TransactionEventRequest through the durable
// outbox of the store), authorization of presented idTokens (present_id_token), meter values
// (set_measurand), and the device model (add_variable, get_variable, set_variable_actual).
// Each method's errors are the Engine method's of the same name.
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
  /// The password for HTTP Basic auth (security profiles 1 and 2) until the CSMS sets
  /// SecurityCtrlr.BasicAuthPassword (A01: the stored one wins from then on, at every start);
  /// 16 to 40 characters (A00.FR.205: at least 16, at most BasicAuthPassword's maxLimit, which
  /// is at least 40).
  std::optional<std::string> password;
  /// The security profile (a higher one the CSMS set through SecurityCtrlr.SecurityProfile,
  /// A05, wins at every start). Unset: chosen at each connection from the URL and the credentials
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
  /// The meter signs its readings (see EngineOptions::signed_meter_values).
  bool signed_meter_values = false;
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
  /// long), the store's errors (Errc::storage_*), Runner::error(), Errc::resource_exhausted
  /// (no descriptor left for its socket: as v16::ChargePoint::create).
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

  // --- transactions (E), authorization (C01), metering (J02) ---
  /// The EV's cable was plugged into this connector (see Engine::plug_in): the connector
  /// becomes Occupied and a transaction may start. May lead to the status and
  /// transaction_event hooks. Errors: Errc::unknown_connector; Errc::transaction_active
  /// (another connector of the EVSE is in use, E01.FR.14); storage errors (then nothing
  /// changed).
  std::error_code plug_in(int evseId, int connectorId);
  /// The EV's cable was unplugged from the EVSE (see Engine::plug_out): the connector becomes
  /// Available and, with the default TxStopPoint, the transaction ends (stoppedReason
  /// EVDisconnected). May lead to the status and transaction_event hooks. Errors:
  /// Errc::unknown_connector, Errc::invalid_state (nothing plugged), storage errors.
  std::error_code plug_out(int evseId);
  /// The driver presented an idToken at the EVSE (C01; see Engine::present_id_token). The
  /// answer goes to the authorization hook; when Accepted the transaction starts or is told
  /// (transaction_event hook); the idToken of the ongoing transaction ends it. Errors:
  /// Errc::unknown_connector (no such EVSE), Errc::invalid_argument (an idToken the schema
  /// refuses), Errc::invalid_state (an authorization of this EVSE is in progress).
  std::error_code present_id_token(int evseId, const IdTokenType& idToken);
  /// The charging state of the EVSE as the firmware sees it (see Engine::set_charging_state);
  /// a change is told to the ongoing transaction (transaction_event hook). Errors:
  /// Errc::unknown_connector, storage errors.
  std::error_code set_charging_state(int evseId, ChargingStateEnumType state);
  /// What the parking bay detector of the EVSE sees (see Engine::set_parking_bay_occupied).
  /// May lead to the transaction_event hook. Errors: Errc::unknown_connector, storage errors.
  std::error_code set_parking_bay_occupied(int evseId, bool occupied);
  /// The latest reading of a measurand at the EVSE (e.g. Energy.Active.Import.Register in Wh),
  /// sampled into the transaction's meter values (see Engine::set_measurand). No hooks.
  /// Errors: Errc::unknown_connector, Errc::invalid_argument (not finite).
  std::error_code set_measurand(int evseId, MeasurandEnumType measurand, double value);
  /// A reading with the meter's signature (see Engine::set_signed_measurand). May lead to the
  /// transaction_event hook (DataSigned start point). Errors: Errc::unknown_connector,
  /// Errc::invalid_argument, Errc::invalid_state (no signed_meter_values), storage errors.
  std::error_code set_signed_measurand(int evseId, MeasurandEnumType measurand, double value,
                                       const SignedMeterValueType& signedMeterValue);
  /// Ends the EVSE's transaction for the firmware's reason (E06; see
  /// Engine::stop_transaction; MasterPass for a selection in the Master Pass UI,
  /// Hooks::master_pass). Leads to the transaction_event hook. Errors:
  /// Errc::unknown_connector, Errc::no_transaction, storage errors.
  std::error_code stop_transaction(int evseId, ReasonEnumType reason);
  /// The transactionId of the EVSE's ongoing transaction, or nullopt. No hooks, no errors.
  std::optional<std::string> transaction_id(int evseId) const;
  /// TransactionEventRequests written and not yet acknowledged by the CSMS. No hooks, no
  /// errors.
  std::size_t queued_transaction_messages() const;

  // --- device model (B05-B08) ---
  /// Adds a component variable to the device model (see Engine::add_variable); call it right
  /// after create(), before the first connection if the CSMS must see it from the start. No
  /// hooks. Errors: Errc::invalid_argument (see Engine::add_variable).
  std::error_code add_variable(const VariableDefinition& definition);
  /// A value of the device model; the empty string when unset (see Engine::get_variable).
  /// No hooks. Errors: Errc::invalid_argument (no such variable, or it lacks the attribute
  /// type).
  Result<std::string> get_variable(
      const ComponentType& component, const VariableType& variable,
      AttributeEnumType attributeType = AttributeEnumType::Actual) const;
  /// Sets an Actual value as the firmware measures or configures it (in memory only; see
  /// Engine::set_variable_actual). No hook is called. Errors: Errc::invalid_argument (no such
  /// variable; a value that fails the checks; a value the engine computes).
  std::error_code set_variable_actual(const ComponentType& component, const VariableType& variable,
                                      const std::string& value);

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

  // --- firmware update (L01), logs (N01) ---
  /// Progress of the firmware update the firmware_download / firmware_install hooks started
  /// for requestId (Downloaded with the downloaded file's path); see
  /// Engine::report_firmware_status (same errors). May queue the firmware_install and
  /// security_event hooks.
  std::error_code report_firmware_status(FirmwareStatusEnumType status, std::int32_t requestId,
                                         std::optional<std::string> path = std::nullopt);
  /// Progress of the log upload the upload_log hook started for requestId; see
  /// Engine::report_log_status (same errors). A failure may queue a new upload_log later.
  std::error_code report_log_status(UploadLogStatusEnumType status, std::int32_t requestId);

  // --- external charging limits (K11 to K13) ---
  /// An external system (`source` EMS, SO or Other) imposes or updates a limit on the grid
  /// connection (evseId 0) or an EVSE: installed as a ChargingStationExternalConstraints
  /// profile, told to the CSMS in a NotifyChargingLimitRequest when it changed by more than
  /// SmartChargingCtrlr.LimitChangeSignificance (after the next Accepted connection when
  /// offline), ongoing transactions whose limit changes get a TransactionEventRequest
  /// ChargingRateChanged; see Engine::set_external_limit (same errors). May lead to the
  /// charging_limit and transaction_event hooks.
  std::error_code set_external_limit(int evseId, ChargingLimitSourceEnumType source,
                                     const ChargingScheduleType& schedule,
                                     std::optional<bool> isGridCritical = std::nullopt);
  /// The external system released its limit on evseId: ClearedChargingLimitRequest, and
  /// ChargingRateChanged for the transactions whose limit changes; see
  /// Engine::release_external_limit (same errors). May lead to the charging_limit and
  /// transaction_event hooks.
  std::error_code release_external_limit(int evseId, ChargingLimitSourceEnumType source);
  // --- end external charging limits ---

  class OCPP_LOCAL Impl;

 private:
  explicit ChargingStation(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace ocpp::v201
