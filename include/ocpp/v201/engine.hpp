// The OCPP 2.0.1 protocol engine, sans I/O.
//
// The engine does no I/O of its own: no sockets, threads, sleeps, clocks or randomness.
// The host hands it received text and the current time, takes the text to send from
// poll_transmit(), and calls handle_timeout() at next_deadline().
//
// Hooks are never called from inside an engine method: the engine queues them, and the host
// runs them with poll_hook_call() outside any lock of its own, then calls handle_timeout().
//
// This increment covers the provisioning block's boot (B01 to B03) and Reset (B11, B12), the
// heartbeat (G02), TriggerMessage (F06), connector status reporting (G01), ChangeAvailability
// (G03, G04; persisted in the Store), the device model: GetVariables, SetVariables
// (persisted), GetBaseReport and GetReport (B05-B08), transactions (E01 to E09, E12, E14:
// every TransactionEventRequest through the durable outbox), authorization of presented
// idTokens (C01, C15) with the Authorization Cache (C10 to C12) and the Local Authorization
// List (C13, C14, D01, D02; both persisted in the Store), remote start and stop (F01 to F03),
// UnlockConnector (F05), meter values (J01, J02), security events (A04), DataTransfer from
// the CSMS (P01) and, with a SecurityProvider, certificate management (M03 to M05) and the
// renewal of the charging station certificate (A02, A03).
// Not thread-safe: one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ocpp/connection_request.hpp"
#include "ocpp/error.hpp"
#include "ocpp/export.hpp"
#include "ocpp/security.hpp"
#include "ocpp/store.hpp"
#include "ocpp/time.hpp"
#include "ocpp/v201/device_model.hpp"
#include "ocpp/v201/generated/messages.hpp"
#include "ocpp/v201/hooks.hpp"

namespace ocpp::v201 {

/// Which trial of a connection change ended (Engine::connection_trial_ended).
enum class ConnectionTrial {
  security_profile,     ///< a SecurityProfile the CSMS raised (A05)
  basic_auth_password,  ///< a BasicAuthPassword the CSMS set (A01)
  network_profile,      ///< a slot of NetworkConfigurationPriority (B10)
};

/// What Engine::create() needs besides the store and the hooks.
struct EngineOptions {
  /// The EVSEs, numbered 1..N in this order: each entry is that EVSE's number of connectors
  /// (1..N as well). E.g. {2, 1}: EVSE 1 with connectors 1 and 2, EVSE 2 with connector 1.
  std::vector<int> evses{1};
  /// The chargingStation of every BootNotificationRequest (model and vendorName required).
  ChargingStationType charging_station;
  /// The reason of the BootNotificationRequest sent on the first connection after create()
  /// (B01.FR.09): PowerUp after a power-on, RemoteReset after a reset the CSMS asked for, ...
  BootReasonEnumType boot_reason = BootReasonEnumType::PowerUp;
  /// Seed for message ids (the host supplies randomness; tests a fixed value).
  std::uint64_t id_seed = 0;
  /// How long to wait for the CALLRESULT of our CALL before giving up on that attempt.
  std::chrono::seconds call_timeout{30};
  /// Wait before the next BootNotificationRequest when the CSMS answered with a status other
  /// than Accepted and interval 0, or did not answer (B02.FR.07, B03.FR.05).
  std::chrono::seconds boot_retry_default{60};
  /// Heartbeat interval until a BootNotificationResponse Accepted gives one (B01.FR.04).
  std::chrono::seconds heartbeat_interval{300};
  /// Entries kept in the security log (A04.FR.04), the oldest dropped first.
  std::size_t security_log_limit = 1000;

  // Local authorization (C10-C14, D01-D02). Each is the initial value of a device model
  // variable until the CSMS sets the variable.
  /// AuthCacheCtrlr.Enabled: the Authorization Cache is kept and used.
  bool auth_cache_enabled = true;
  /// AuthCacheCtrlr.LifeTime: a cache entry without cacheExpiryDateTime expires this long
  /// after its idTokenInfo was last updated (C10.FR.10); 0: only cacheExpiryDateTime.
  std::chrono::seconds auth_cache_life_time{86400};
  /// Entries the Authorization Cache holds at most (1..100000): when full, the least recently
  /// used entry makes room (C10.FR.07).
  std::size_t auth_cache_max_entries = 1000;
  /// LocalAuthListCtrlr.Enabled: the Local Authorization List is used and can be sent.
  bool local_list_enabled = true;
  /// LocalAuthListCtrlr.Entries maxLimit: idTokens the Local Authorization List holds at
  /// most (1..100000); a SendLocalListRequest that would exceed it is answered Failed.
  std::size_t local_list_max_entries = 1000;
  /// LocalAuthListCtrlr.ItemsPerMessage: entries one SendLocalListRequest may carry (1..N);
  /// more are answered with CALLERROR OccurrenceConstraintViolation.
  std::size_t local_list_items_per_message = 250;
  /// LocalAuthListCtrlr.BytesPerMessage: the largest SendLocalListRequest payload (at least
  /// 1024); a larger one is answered with CALLERROR FormatViolation.
  std::size_t local_list_bytes_per_message = 64 * 1024;
  /// AuthCtrlr.LocalAuthorizeOffline: offline, an idToken Accepted in the list or the cache
  /// is authorized locally (C13).
  bool local_authorize_offline = true;
  /// AuthCtrlr.LocalPreAuthorize: online, an idToken Accepted in the list or the cache is
  /// authorized at once, without an AuthorizeRequest (C12, C14).
  bool local_pre_authorize = false;
  /// AuthCtrlr.OfflineTxForUnknownIdEnabled: offline, an idToken neither listed nor cached
  /// is accepted (C15.FR.08) and never cached (C15.FR.01).
  bool offline_tx_for_unknown_id = false;
  /// The EVSEs' cables are permanently attached (no socket): OCPPCommCtrlr.
  /// UnlockOnEVSideDisconnect is ReadOnly false, and a transaction suspended by an EV-side
  /// disconnect (StopTxOnEVSideDisconnect false) is deauthorized when the EV is not plugged in
  /// again within EVConnectionTimeOut (E10.FR.02). False: sockets, the cable stays locked until
  /// the driver comes back (E10.FR.01).
  bool cable_permanently_attached = false;
  /// The station's meter signs its readings (Eichrecht-style meters): the firmware passes the
  /// signatures with set_signed_measurand, SampledDataCtrlr.SignReadings and
  /// AlignedDataCtrlr.SignReadings exist (ReadWrite, default true) and DataSigned works as a
  /// TxStartPoint (E01.FR.04). False: those variables are not reported (part 2 appendix:
  /// "SHALL NOT report this variable") and DataSigned never starts a transaction.
  bool signed_meter_values = false;

  // Smart charging (block K).
  /// Line voltage used to convert between A (per phase) and W (K01.FR.50).
  double line_voltage = 230.0;
  /// What an EVSE may take when no charging profile limits it, A per phase: the limit the
  /// charging_limit hook reports without profiles, and the local limit of composite schedules.
  double max_current = 32.0;
  /// SmartChargingCtrlr.Entries maxLimit: charging profiles installed at most (1..1000); a
  /// SetChargingProfileRequest beyond it is Rejected.
  std::size_t max_charging_profiles = 100;
  // certificate management (M03-M05, A02, A03)
  /// Keeps the station's keys and certificates and verifies firmware signatures, e.g. the one
  /// of make_openssl_security_provider() (not owned; must outlive the engine). nullptr: no
  /// certificate management (GetInstalledCertificateIds and DeleteCertificate answer NotFound,
  /// InstallCertificate, CertificateSigned and TriggerMessage SignChargingStationCertificate
  /// Rejected) and nothing can be verified (every UpdateFirmwareRequest is answered
  /// InvalidCertificate).
  SecurityProvider* security_provider = nullptr;
};

/// The OCPP 2.0.1 protocol engine, sans I/O (see the notes at the top of this file).
class OCPP_API Engine {
 public:
  /// Creates an engine on the store (its durable queue, where no durable message is written
  /// yet, and the availability ChangeAvailability set in an earlier run).
  /// Errors: Errc::invalid_argument (no EVSE, an EVSE without connectors, more than 1000 of
  /// either, a charging_station the BootNotificationRequest schema refuses, max_charging_profiles
  /// not 1..1000, line_voltage not positive, max_current negative), storage errors.
  /// Queues the charging_limit hook for the station and every EVSE.
  static Result<std::unique_ptr<Engine>> create(EngineOptions options, Store& store, Hooks hooks,
                                                Now now);
  /// Destroys the engine; queued hook calls are dropped.
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // --- transport side ---
  /// The WebSocket is open: BootNotificationRequest follows, or after a reconnect once
  /// Accepted, a StatusNotificationRequest for every connector when the time since
  /// disconnected() exceeds OCPPCommCtrlr.OfflineThreshold (B04.FR.01), else only for the
  /// connectors whose status changed meanwhile or whose last report was lost (B04.FR.02).
  /// Queues the connection hook.
  void connected(Now now);
  /// The WebSocket closed: CALLs in flight or queued are dropped (state is reported afresh
  /// after the next connected(), see there); the offline period starts. Queues the connection
  /// hook.
  void disconnected(Now now);
  /// One complete text frame from the CSMS. Malformed frames are answered with a CALLERROR
  /// (id "-1" when the message id cannot be read); may queue the boot, time_sync and log hooks.
  void receive(std::string_view text, Now now);
  /// The next frame to send, or nullopt. Replies to the CSMS's CALLs come before our CALLs;
  /// at most one CALL of ours is unanswered at a time.
  std::optional<std::string> poll_transmit(Now now);
  /// When handle_timeout() should be called next; nullopt = no timer. A time in the past
  /// means "now".
  std::optional<MonoTime> next_deadline() const;
  /// Runs what is due at now (BootNotification retries, heartbeats, call timeouts, the answers
  /// of decision hooks that have run); may queue the reset hook.
  void handle_timeout(Now now);
  /// Takes the next queued hook invocation; the host runs it outside its locks. Empty
  /// function = none queued.
  std::function<void()> poll_hook_call();

  // --- firmware events ---
  /// The connector's status is now `status` (G01), as the firmware sees it. While the
  /// connector, its EVSE or the station is Inoperative (ChangeAvailability, G03, G04) it is
  /// reported as Unavailable unless Faulted, and comes back when they are Operative again.
  /// When the reported status changes, queues the status hook and sends a
  /// StatusNotificationRequest (not durable: lost on disconnect; reported again after the
  /// next Accepted or reconnect, see connected()). Before Accepted it is only recorded.
  /// Errors: Errc::unknown_connector (no such EVSE or connector).
  std::error_code set_connector_status(int evseId, int connectorId, ConnectorStatusEnumType status,
                                       Now now);

  // --- transactions (E), authorization (C01), metering (J02) ---
  /// The EV's cable was plugged into this connector: the connector becomes Occupied
  /// (E02.FR.05) and, with EVConnected in TxStartPoint (or PowerPathClosed with the driver
  /// authorized), a transaction starts (E01, E02); an ongoing one is told the connector
  /// (E01.FR.16, triggerReason CablePluggedIn). May queue the status and transaction hooks.
  /// Errors: Errc::unknown_connector; Errc::transaction_active when another connector of the
  /// EVSE is in use (E01.FR.14); storage errors (then nothing changed).
  std::error_code plug_in(int evseId, int connectorId, Now now);
  /// The EV's cable was unplugged from the EVSE: the connector becomes Available, and with
  /// EVConnected (or PowerPathClosed) in TxStopPoint the transaction ends (E06.FR.02,
  /// triggerReason EVCommunicationLost, stoppedReason EVDisconnected); otherwise with
  /// StopTxOnEVSideDisconnect it is deauthorized (E09.FR.01). Errors: Errc::unknown_connector,
  /// Errc::invalid_state (nothing plugged), storage errors.
  std::error_code plug_out(int evseId, Now now);
  /// The driver presented an idToken at the EVSE (C01). The Local Authorization List, then
  /// the Authorization Cache decide it when they can (C12 to C14: LocalPreAuthorize online,
  /// LocalAuthorizeOffline offline); else online it is sent in an AuthorizeRequest, and
  /// offline an unknown idToken is accepted only with AuthCtrlr.OfflineTxForUnknownIdEnabled
  /// (C15). The answer goes to the authorization hook; when Accepted the transaction starts or
  /// is told (E02.FR.20). The idToken of the ongoing transaction ends it (E07, stoppedReason
  /// Local). Errors: Errc::unknown_connector (no such EVSE), Errc::invalid_argument (an
  /// idToken the schema refuses), Errc::invalid_state (an authorization of this EVSE is in
  /// progress).
  std::error_code present_id_token(int evseId, const IdTokenType& idToken, Now now);
  /// The charging state of the EVSE as the firmware sees it (Charging, SuspendedEV,
  /// SuspendedEVSE, EVConnected, Idle). A change is told to the ongoing transaction
  /// (E01.FR.18, triggerReason ChargingStateChanged); Charging is the EnergyTransfer start
  /// point, leaving it the EnergyTransfer stop point. Errors: Errc::unknown_connector, storage
  /// errors.
  std::error_code set_charging_state(int evseId, ChargingStateEnumType state, Now now);
  /// What the parking bay detector of the EVSE sees (a station with one calls it; without one
  /// ParkingBayOccupancy is never met). An EV arriving starts a transaction with
  /// ParkingBayOccupancy in TxStartPoint (E01.FR.01, triggerReason EVDetected); leaving ends
  /// it with ParkingBayOccupancy in TxStopPoint (E06.FR.01, EVDeparted, stoppedReason Local).
  /// May queue the transaction hook. Errors: Errc::unknown_connector, storage errors.
  std::error_code set_parking_bay_occupied(int evseId, bool occupied, Now now);
  /// The latest reading of a measurand at the EVSE (e.g. Energy.Active.Import.Register in Wh),
  /// sampled into the transaction's meter values (Transaction.Begin, Sample.Periodic every
  /// SampledDataTxUpdatedInterval, Transaction.End). Errors: Errc::unknown_connector,
  /// Errc::invalid_argument (not finite).
  std::error_code set_measurand(int evseId, MeasurandEnumType measurand, double value, Now now);
  /// A reading with the meter's signature (EngineOptions::signed_meter_values): as
  /// set_measurand, and while SampledDataCtrlr.SignReadings (transaction meter values, E02.FR.14,
  /// J02.FR.21) or AlignedDataCtrlr.SignReadings (clock-aligned, J01.FR.21) is true the
  /// signedMeterValue goes with the sampled value until an unsigned reading of the measurand
  /// replaces it. With DataSigned in TxStartPoint, the first signed reading after the last
  /// transaction starts one (E01.FR.04, triggerReason SignedDataReceived). May queue the
  /// transaction hook. Errors: Errc::unknown_connector; Errc::invalid_argument (not finite, a
  /// field over its schema length: signedMeterData and publicKey 2500, the methods 50);
  /// Errc::invalid_state (the station was not created with signed_meter_values); storage errors.
  /// customData of signedMeterValue is not sent.
  std::error_code set_signed_measurand(int evseId, MeasurandEnumType measurand, double value,
                                       const SignedMeterValueType& signedMeterValue, Now now);
  /// Ends the EVSE's transaction for the firmware's reason (E06): Local, EmergencyStop,
  /// PowerLoss, ... (triggerReason AbnormalCondition for a fault, StopAuthorized for Local).
  /// MasterPass: a transaction the user selected in the Master Pass UI (Hooks::master_pass,
  /// C16.FR.01): triggerReason StopAuthorized, with the last accepted Master Pass idToken.
  /// Errors: Errc::unknown_connector, Errc::no_transaction, storage errors.
  std::error_code stop_transaction(int evseId, ReasonEnumType reason, Now now);
  /// The transactionId of the EVSE's ongoing transaction, or nullopt.
  std::optional<std::string> transaction_id(int evseId) const;
  /// Durable messages (TransactionEventRequests, critical SecurityEventNotificationRequests)
  /// written and not yet acknowledged by the CSMS (or given up after their attempts).
  std::size_t queued_transaction_messages() const;

  // --- device model (B05-B08) ---
  /// Adds a component variable to the device model (a vendor variable, or a standardized one
  /// the engine does not have): the CSMS reads it (GetVariables, reports) and, unless ReadOnly,
  /// sets it (SetVariables; the variable_set hook tells the firmware). A value the CSMS set in
  /// an earlier run (persistent) replaces definition.actual. Call it after create(), before
  /// connected(). Errors: Errc::invalid_argument (already defined; a name or instance over 50
  /// characters; an EVSE or connector the station does not have; attributeTypes without
  /// Actual; an actual value that fails the checks of dataType, valuesList and the limits).
  std::error_code add_variable(const VariableDefinition& definition);
  /// A value of the device model (e.g. OCPPCommCtrlr.HeartbeatInterval, or
  /// SecurityCtrlr.BasicAuthPassword: WriteOnly restricts the CSMS, not the firmware); the
  /// empty string when unset. Errors: Errc::invalid_argument (no such variable, or it lacks
  /// the attribute type).
  Result<std::string> get_variable(
      const ComponentType& component, const VariableType& variable,
      AttributeEnumType attributeType = AttributeEnumType::Actual) const;
  /// Sets an Actual value as the firmware measures or configures it (any mutability; e.g. a
  /// temperature, EVSE.Power, SecurityCtrlr.SecurityProfile). Kept in memory only: the firmware
  /// sets its values again after a restart. Blocks that follow the variable pick it up (e.g.
  /// HeartbeatInterval restarts the heartbeat timer). No hook is called. Errors:
  /// Errc::invalid_argument (no such variable; a value that fails the checks; a value the
  /// engine computes, such as AvailabilityState).
  std::error_code set_variable_actual(const ComponentType& component, const VariableType& variable,
                                      const std::string& value, Now now);

  // --- security events (A04) ---
  /// Records a security event (part 2 appendix "Security events", or a vendor's type) in the
  /// security log (A04.FR.04) and, when critical (by default as the appendix says; a vendor's
  /// type is not), queues a durable SecurityEventNotificationRequest (A04.FR.01, A04.FR.02)
  /// before it returns. The engine raises StartupOfTheDevice or ResetOrReboot at create(),
  /// InvalidMessages (once per connection) and the connection's failures through the facade.
  /// Queues the security_event hook. Errors: Errc::invalid_argument (type empty or over 50
  /// characters, techInfo over 255), Errc::queue_full, storage errors.
  std::error_code report_security_event(std::string_view type, std::optional<std::string> techInfo,
                                        Now now, std::optional<bool> critical = std::nullopt);
  /// The security log, oldest first (at most EngineOptions::security_log_limit entries).
  std::vector<SecurityEventNotificationRequest> security_log() const;

  // --- the connection's security: Basic auth password (A01), security profile (A05) ---
  /// Takes the next change the connection must make: a new SecurityCtrlr.BasicAuthPassword
  /// (A01: reconnect with it, the previous one kept until it connected) or a SecurityProfile
  /// the CSMS raised (A05: reconnect with it, the previous profile as the fallback). After a
  /// restart: the profile the CSMS raised in an earlier run (it wins over the configuration),
  /// a trial the restart interrupted, and the first slot of NetworkConfigurationPriority (B10,
  /// configurationSlot set; after a failed trial, the next slot). Calls no hook.
  std::optional<ConnectionRequest> poll_connection_request();
  /// The host's outcome of a trial (a ConnectionRequest with fallbackProfile, or with
  /// newBasicAuthPassword): succeeded when a connection opened with it (it is then final);
  /// otherwise SecurityProfile, or BasicAuthPassword, goes back to the previous value and a
  /// ReconfigurationOfSecurityParameters security event records why (never the password).
  /// May queue the security_event hook. Errors: Errc::invalid_state (no such trial pending),
  /// storage errors.
  std::error_code connection_trial_ended(ConnectionTrial trial, bool succeeded,
                                         std::string_view why, Now now);
  /// The old CSMS root kept as the fallback after AdditionalRootCertificateCheck replaced it
  /// (M05.FR.12); nullopt when there is none. A host that can choose the trust anchors of a
  /// handshake leaves it out while migrating to another network profile (M05.FR.15) and
  /// before a reconnection has found the new root does not verify the CSMS (M05.FR.14).
  std::optional<CertificateHashData> csms_root_fallback() const;
  /// The connection that just opened verified the CSMS's certificate only through the
  /// fallback CSMS root (M05.FR.14, M05.FR.16): the fallback stays, since M05.FR.13 removes
  /// it after a connection made with the new root. Without this call every connection that
  /// reaches BootNotification Accepted after the replacement removes it. Calls no hook.
  void csms_root_fallback_used();

  // --- firmware update (L01), logs (N01) ---
  /// Progress of the firmware update the hooks firmware_download / firmware_install started for
  /// requestId: sends FirmwareStatusNotificationRequest with that requestId (L01.FR.01,
  /// L01.FR.10). The firmware reports Downloading, DownloadPaused, Downloaded (with the path of
  /// the file: the library verifies its signature through EngineOptions::security_provider and
  /// reports SignatureVerified, or InvalidSignature with the InvalidFirmwareSignature security
  /// event, L01.FR.03/04) or DownloadFailed (a retry is scheduled while retries are left,
  /// L01.FR.30); then Installing, InstallRebooting, Installed (after its reboot, on the next
  /// engine; raises FirmwareUpdated, L01.FR.31), InstallationFailed or InstallVerificationFailed.
  /// May queue the firmware_install and security_event hooks. Errors: Errc::invalid_state (no
  /// update of that requestId, or not in that step), Errc::invalid_argument (Downloaded without
  /// a path; Idle or a status the library reports itself), storage errors.
  std::error_code report_firmware_status(FirmwareStatusEnumType status, std::int32_t requestId,
                                         Now now, std::optional<std::string> path = std::nullopt);
  /// The status a triggered FirmwareStatusNotificationRequest carries (L01.FR.25/26, F06.FR.16).
  FirmwareStatusEnumType firmware_status() const;
  /// Progress of the log upload the hook upload_log started for requestId (N01): sends
  /// LogStatusNotificationRequest with that requestId (N01.FR.07 to N01.FR.10). A failure
  /// (UploadFailure, BadMessage, PermissionDenied, NotSupportedOperation) leads to a new
  /// upload_log after retryInterval while retries are left. Errors: Errc::invalid_argument (Idle,
  /// AcceptedCanceled: the library's own), Errc::invalid_state (no upload of that requestId in
  /// progress, e.g. one a newer GetLogRequest cancelled), storage errors.
  std::error_code report_log_status(UploadLogStatusEnumType status, std::int32_t requestId,
                                    Now now);
  /// The status a triggered LogStatusNotificationRequest carries (Idle when no upload runs,
  /// F06.FR.14/15).
  UploadLogStatusEnumType log_status() const;

  // --- external charging limits (K11 to K13) ---
  /// An external system (an EMS, the grid operator: `source` EMS, SO or Other) imposes or
  /// updates a limit on the station's grid connection (evseId 0) or on an EVSE. The limit is
  /// installed as a ChargingStationExternalConstraints profile (a negative id, stackLevel 0,
  /// one per evseId and source; persisted like the CSMS's profiles): it bounds the limit of
  /// every EVSE and of the station (the minimum with the charging profiles and with the other
  /// external limits, K11.FR.01, K12.FR.01), GetChargingProfiles reports it with its
  /// chargingLimitSource (K11.FR.06, K12.FR.05), GetCompositeSchedule includes it, the CSMS
  /// can neither replace nor clear it (K01.FR.22, K10.FR.08, K10.FR.09). `schedule` without
  /// startSchedule starts now. Online, a NotifyChargingLimitRequest goes out when the limit
  /// differs from the one the CSMS last acknowledged by more than
  /// SmartChargingCtrlr.LimitChangeSignificance (K11.FR.02, K12.FR.02), with the schedule only
  /// when NotifyChargingLimitWithSchedules is true (K11.FR.03); offline it is sent after the
  /// next connection is Accepted. Every ongoing transaction whose limit changes by more than
  /// LimitChangeSignificance gets a TransactionEventRequest Updated with triggerReason
  /// ChargingRateChanged (K11.FR.04; durable). May queue the charging_limit and
  /// transaction_event hooks. Errors: Errc::unknown_connector (evseId not 0..N),
  /// Errc::invalid_argument (source CSO, K11.FR.05; a schedule that fails the checks of a
  /// charging profile: periods, chargingRateUnit not in SmartChargingCtrlr.RateUnit,
  /// PeriodsPerSchedule, phaseToUse, salesTariff), Errc::invalid_state
  /// (SmartChargingCtrlr.ExternalControlSignalsEnabled is false), storage errors (then
  /// nothing changed).
  std::error_code set_external_limit(int evseId, ChargingLimitSourceEnumType source,
                                     const ChargingScheduleType& schedule, Now now,
                                     std::optional<bool> isGridCritical = std::nullopt);
  /// The external system released the limit it set on evseId (K13): the limit no longer
  /// applies (K13.FR.01), a ClearedChargingLimitRequest goes out (K13.FR.02; offline: after
  /// the next connection is Accepted, when the CSMS had been told of the limit), ongoing
  /// transactions whose limit changes by more than LimitChangeSignificance get a
  /// TransactionEventRequest Updated with triggerReason ChargingRateChanged (K13.FR.03). May
  /// queue the charging_limit and transaction_event hooks. Errors: Errc::unknown_connector,
  /// Errc::invalid_argument (source CSO), Errc::invalid_state (no limit of that source on
  /// evseId), storage errors (then nothing changed).
  std::error_code release_external_limit(int evseId, ChargingLimitSourceEnumType source, Now now);
  // --- end external charging limits ---

  // --- state ---
  /// True between connected() and disconnected().
  bool is_connected() const;
  /// The status of the last BootNotificationResponse; nullopt before the first one.
  std::optional<RegistrationStatusEnumType> registration() const;
  /// The status of a connector as reported to the CSMS (see set_connector_status).
  /// Errors: Errc::unknown_connector.
  Result<ConnectorStatusEnumType> connector_status(int evseId, int connectorId) const;

  class OCPP_LOCAL Impl;  ///< opaque

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ocpp::v201
