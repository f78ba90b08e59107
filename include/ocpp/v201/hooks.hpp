// Hooks of the OCPP 2.0.1 engine: how the library tells the firmware what happened.
// Every hook is optional. The engine never calls a hook from inside one of its methods: it
// queues the call, and the host runs it with Engine::poll_hook_call() outside any lock of its
// own, so a hook may call back into the engine.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ocpp/time.hpp"
#include "ocpp/v201/generated/messages.hpp"

namespace ocpp::v201 {

/// The answer of the data_transfer hook.
struct DataTransferResult {
  /// The DataTransferResponse's status (P01.FR.05 to P01.FR.07).
  DataTransferStatusEnumType status = DataTransferStatusEnumType::UnknownVendorId;
  std::optional<std::string> data;  ///< any JSON value, as text
};

/// What the transaction_event hook is told about one TransactionEventRequest.
struct TransactionEventInfo {
  int evseId = 0;             ///< the EVSE of the transaction (1..N)
  int connectorId = 0;        ///< 0 while no connector is known
  std::string transactionId;  ///< the station's transactionId (E01.FR.08)
  TransactionEventEnumType eventType =
      TransactionEventEnumType::Started;  ///< Started, Updated, Ended
  TriggerReasonEnumType triggerReason = TriggerReasonEnumType::Authorized;  ///< why it was sent
  std::int32_t seqNo = 0;  ///< its sequence number in the transaction (E01.FR.07)
  bool offline = false;    ///< produced while not connected to the CSMS (E04.FR.03)
  std::optional<ChargingStateEnumType> chargingState;  ///< when it changed (E01.FR.18)
  std::optional<ReasonEnumType> stoppedReason;         ///< eventType Ended
  std::optional<std::string> idToken;                  ///< the idToken sent with it, if any
  /// Set when the cable was unplugged at the EV side (plug_out): true to unlock the cable at
  /// the station now (OCPPCommCtrlr.UnlockOnEVSideDisconnect, E09.FR.02; or the transaction
  /// ended, E06.FR.10), false to keep it locked until the driver's idToken ends the
  /// transaction (E09.FR.03, E10.FR.01). nullopt for every other event.
  std::optional<bool> unlockCable;
};

// --- firmware update (L01), logs (N01), customer information (N09, N10) ---
/// The answer of the customer_information hook: what the firmware holds about the customer.
struct CustomerData {
  /// The firmware's data about the customer, as text (sent in NotifyCustomerInformationRequest
  /// parts of 512 characters, at most 64 KiB in all); empty: none.
  std::string data;
};
// --- end firmware update, logs, customer information ---

/// The firmware's callbacks; see the rules at the top of this file. Every member is optional.
struct Hooks {
  // --- decisions (the answer goes into the reply to the CSMS) ---

  /// A ResetRequest (B11) for the station (evseId nullopt) or one EVSE: Accepted, Rejected
  /// (e.g. a firmware update that cannot be interrupted, B11.FR.06; an EVSE reset the station
  /// does not support, B11.FR.09) or Scheduled (B11.FR.07: the firmware resets later on its
  /// own). Without this hook or without `reset`: Rejected.
  std::function<ResetStatusEnumType(ResetEnumType type, std::optional<std::int32_t> evseId)>
      reset_allowed;
  /// Performs a reset that reset_allowed Accepted, once the ResetResponse has been sent: reboot
  /// the station (B11.FR.03; the next engine is created with boot_reason RemoteReset and boots
  /// as in B01, B11.FR.04) or reset the EVSE (B11.FR.08).
  std::function<void(ResetEnumType type, std::optional<std::int32_t> evseId)> reset;

  /// A RequestStartTransactionRequest (F01, F02) for an EVSE (nullopt: the station picks
  /// one) and idToken: Accepted lets the library authorize the idToken on that EVSE (without
  /// an AuthorizeRequest unless AuthorizeRemoteStart) and start the transaction at
  /// TxStartPoint; Rejected answers Rejected. Without this hook: Accepted for an EVSE that is
  /// available.
  std::function<RequestStartStopStatusEnumType(
      std::optional<std::int32_t> evseId, const IdTokenType& idToken, std::int32_t remoteStartId)>
      remote_start_allowed;

  /// An UnlockConnectorRequest (F05) for a connector without an authorized transaction:
  /// Unlocked or UnlockFailed, tried even with no cable detected (F05.FR.06). Without this
  /// hook: UnlockFailed.
  std::function<UnlockStatusEnumType(int evseId, int connectorId)> unlock_connector;
  /// A DataTransferRequest from the CSMS (P01): its answer (status and optional data, JSON
  /// text). Without this hook: UnknownVendorId (P01.FR.05).
  std::function<DataTransferResult(const std::string& vendorId,
                                   const std::optional<std::string>& messageId,
                                   const std::optional<std::string>& data)>
      data_transfer;

  // --- notifications ---

  /// The WebSocket connection opened (true) or closed (false).
  std::function<void(bool connected, const std::string& reason)> connection;
  /// A BootNotificationResponse arrived (B01, B02, B03) with its status and interval (seconds).
  std::function<void(RegistrationStatusEnumType status, std::int32_t interval)> boot;
  /// A connector's status as reported to the CSMS changed: by set_connector_status, or by a
  /// ChangeAvailabilityRequest (Unavailable while Inoperative). evseId >= 1, connectorId >= 1.
  std::function<void(int evseId, int connectorId, ConnectorStatusEnumType status)> status;
  /// The answer to an idToken the firmware presented (present_id_token): from the
  /// AuthorizeResponse, or Accepted/Unknown offline (C15). evseId >= 1.
  std::function<void(int evseId, const IdTokenType& idToken, const IdTokenInfoType& info)>
      authorization;
  /// Setting this hook says the station has a user interface for the Master Pass (C16.FR.01).
  /// Called (after the authorization hook) when an idToken whose groupIdToken is
  /// AuthCtrlr.MasterPassGroupId was accepted (by the AuthorizeResponse, the Local
  /// Authorization List or the Authorization Cache), with that idToken and the evseIds that
  /// have an ongoing transaction at that moment (ascending; possibly empty). The engine stops
  /// nothing itself then: the firmware shows its Master Pass UI and, for each transaction the
  /// user selects, calls stop_transaction(evseId, ReasonEnumType::MasterPass), which sends
  /// TransactionEventRequest Ended with triggerReason StopAuthorized, stoppedReason
  /// MasterPass and this idToken. Without a selection before the firmware's own timeout it
  /// does nothing (C16 error handling: back to normal operation). The idToken never starts a
  /// transaction (C16.FR.03). Runs where every hook runs: from Engine::poll_hook_call(), on
  /// the Runner's thread for ChargingStation. Without this hook (no UI) the engine stops every
  /// ongoing transaction at once the same way (C16.FR.02).
  std::function<void(const IdTokenType& idToken, const std::vector<int>& evseIds)> master_pass;
  /// A TransactionEventRequest was written (durably) for an EVSE: the firmware starts or stops
  /// the energy offer from it (eventType Ended: stop; triggerReason Deauthorized: suspend).
  std::function<void(const TransactionEventInfo& event)> transaction_event;
  /// A security event was recorded (report_security_event, or one the library detected);
  /// critical ones are also on their way to the CSMS.
  std::function<void(const SecurityEventNotificationRequest& event, bool critical)> security_event;
  /// The CSMS's current time, from BootNotificationResponse (B01.FR.06) or HeartbeatResponse
  /// (G02.FR.06): the firmware may set its clock with it.
  std::function<void(DateTime csms_time)> time_sync;
  // smart charging (block K)
  /// The limit in effect on an EVSE (evseId >= 1) or the whole station (evseId 0: what it
  /// may draw from the grid) changed: a charging profile was set, cleared or expired, an
  /// external limit was set or released (K11-K13), a schedule period began or ended, a
  /// transaction started or ended. Called once per EVSE
  /// and the station after create(). limit is in unit (A per phase, or W); without profiles
  /// it is EngineOptions::max_current. numberPhases as the profile gives it, if it does.
  std::function<void(int evseId, double limit, ChargingRateUnitEnumType unit,
                     std::optional<std::int32_t> numberPhases)>
      charging_limit;
  /// A log line: level 0 error, 1 warning, 2 information.
  std::function<void(int level, const std::string& message)> log;
  /// Every frame sent (sent = true) or received, as text (for traces).
  std::function<void(bool sent, const std::string& text)> frame;
  /// A SetVariablesRequest (B05) set a value, once stored and answered Accepted or
  /// RebootRequired: e.g. SecurityCtrlr.BasicAuthPassword for the transport, or a vendor
  /// variable added with Engine::add_variable().
  std::function<void(const ComponentType& component, const VariableType& variable,
                     AttributeEnumType attributeType, const std::string& value)>
      variable_set;

  // --- firmware update (L01), logs (N01), customer information (N09, N10) ---
  /// Download the firmware of an UpdateFirmwareRequest (L01) to a local file, at
  /// firmware.retrieveDateTime and again for each retry, once the signing certificate was
  /// verified. Returns at once; the firmware reports report_firmware_status(Downloading, then
  /// Downloaded with the file's path, or DownloadFailed) with request.requestId. Without the
  /// hook the library reports DownloadFailed itself.
  std::function<void(const UpdateFirmwareRequest& request)> firmware_download;
  /// Install the firmware at path, whose signature the library verified (L01.FR.04), at
  /// installDateTime and once no transaction runs (L01.FR.06). Returns at once; the firmware
  /// reports Installing, InstallRebooting before a reboot, then Installed (after its reboot) or
  /// InstallationFailed / InstallVerificationFailed. Without the hook the library reports
  /// InstallationFailed itself.
  std::function<void(const UpdateFirmwareRequest& request, const std::string& path)>
      firmware_install;
  /// A new UpdateFirmwareRequest cancelled the update of requestId (L01.FR.24): stop it and
  /// drop its file. Its later reports are refused (invalid_state).
  std::function<void(std::int32_t requestId)> firmware_cancel;
  /// A GetLogRequest (N01): the name of the file that will be uploaded (1..255 characters), or
  /// nothing when no log of that type is available: Rejected (N01.FR.05). Without the hook: for
  /// a SecurityLog (which the library keeps) "SecurityLog-<requestId>.log"; a DiagnosticsLog is
  /// Rejected.
  std::function<std::optional<std::string>(const GetLogRequest& request)> get_log;
  /// Upload fileName to request.log.remoteLocation (N01.FR.02): for a SecurityLog the file holds
  /// `securityLog`, the library's security log entries between oldestTimestamp and
  /// latestTimestamp (N01.FR.03; empty for a DiagnosticsLog: the firmware's diagnostics in that
  /// range, N01.FR.04). Called after the GetLogResponse and for each retry. Returns at once; the
  /// firmware reports report_log_status(Uploading, then Uploaded or a failure) with
  /// request.requestId. Without the hook every GetLogRequest is answered Rejected.
  std::function<void(const GetLogRequest& request, const std::string& fileName,
                     const std::vector<SecurityEventNotificationRequest>& securityLog)>
      upload_log;
  /// A new GetLogRequest cancelled the upload of requestId (N01.FR.12): stop it.
  std::function<void(std::int32_t requestId)> cancel_log_upload;
  /// A CustomerInformationRequest (N09, N10) Accepted for one customer (exactly one of
  /// customerIdentifier, idToken, customerCertificate is set): return what the firmware holds
  /// about them (request.report) and, when request.clear, remove it. The library adds and
  /// clears what it holds itself (the Authorization Cache entry of an idToken; the Local
  /// Authorization List is reported, never cleared: N10.FR.03).
  std::function<CustomerData(const CustomerInformationRequest& request)> customer_information;
  // --- end firmware update, logs, customer information ---
  // --- certificate management (A02, A03) ---
  /// A new charging station certificate was installed from a CertificateSignedRequest and is
  /// valid now: the connection is to be opened again so that the TLS handshake presents it
  /// (A02.FR.08). ChargingStation reconnects on it (keeping the previous certificate as the
  /// fallback until the new one connected).
  std::function<void()> client_certificate_changed;
};

}  // namespace ocpp::v201
