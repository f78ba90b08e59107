// Hooks: how the library tells the firmware what to do, and asks it for decisions.
// Every hook is optional. Hooks run on the library's thread (the runner, or whoever drives
// the engine), never with a library lock held, so a hook may call back into the API.
// A hook must not block for long: the protocol waits while it runs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ocpp/v16/generated/messages.hpp"

namespace ocpp::v16 {

/// What the firmware learns about a transaction.
struct TransactionInfo {
  int connectorId = 0;                        ///< 1..N
  std::int64_t tx_key = 0;                    ///< the library's local key, stable across restarts
  std::string idTag;                          ///< the idTag that started it
  std::optional<std::int32_t> transactionId;  ///< the CSMS's id, once StartTransaction.conf arrived
  std::int32_t meterStart = 0;                ///< Wh
};

/// The firmware's callbacks; see the rules at the top of this file. Every member is optional.
struct Hooks {
  // --- decisions (the answer goes into the reply to the CSMS) ---

  /// RemoteStartTransaction.req (OCPP 1.6 section 5.11) passed the library's checks (connector
  /// exists, is not 0, is free). Return Accepted to let it go on, Rejected to refuse.
  /// Without the hook: Accepted.
  std::function<RemoteStartStopStatus(const RemoteStartTransactionRequest&)> remote_start;
  /// RemoteStopTransaction.req (section 5.12) for a running transaction. Without the hook: Accepted.
  std::function<RemoteStartStopStatus(const TransactionInfo&)> remote_stop;
  /// Measured values for MeterValues.req (section 4.7), called at each sample time while a
  /// transaction runs (Sample.Periodic), at each clock-aligned tick (Sample.Clock, also outside
  /// transactions and for connector 0, the main meter), for TriggerMessage (Trigger) and for
  /// Transaction.Begin when StopTxnSampledData/StopTxnAlignedData are set. Without the hook, or when it returns nothing, the library reports the
  /// last energy reading given to set_meter_energy() as Energy.Active.Import.Register in Wh.
  std::function<std::vector<SampledValue>(int connectorId, ReadingContext context)> sample_meter;

  // --- notifications ---

  /// The WebSocket connection opened (true) or closed (false).
  std::function<void(bool connected, const std::string& reason)> connection;
  /// BootNotification.conf arrived (section 4.2).
  std::function<void(RegistrationStatus status, std::int32_t interval)> boot;
  /// A StatusNotification for the connector was produced (connector 0 is the charge point).
  std::function<void(int connectorId, ChargePointStatus status, ChargePointErrorCode errorCode)>
      status;
  /// The outcome of presenting an idTag (Authorize.conf, or a local decision when offline).
  std::function<void(const std::string& idTag, const IdTagInfo& info)> authorize;
  /// A transaction started: the firmware should now deliver energy on the connector.
  std::function<void(const TransactionInfo&)> transaction_started;
  /// StartTransaction.conf arrived with the CSMS's transactionId and the idTag's status.
  std::function<void(const TransactionInfo&, const IdTagInfo&)> transaction_confirmed;
  /// A transaction stopped: the firmware should stop delivering energy on the connector.
  std::function<void(const TransactionInfo&, Reason reason, std::int32_t meterStop)>
      transaction_stopped;
  /// A RemoteStartTransaction/RemoteStopTransaction was answered.
  std::function<void(const RemoteStartTransactionRequest&, RemoteStartStopStatus)>
      remote_start_answered;
  /// A RemoteStopTransaction for transactionId was answered.
  std::function<void(std::int32_t transactionId, RemoteStartStopStatus)> remote_stop_answered;
  /// A configuration key was changed by the CSMS (ChangeConfiguration) and persisted.
  std::function<void(const std::string& key, const std::string& value)> configuration_changed;
  /// Heartbeat.conf carried the CSMS's time (section 4.6): the firmware may set its clock.
  std::function<void(DateTime currentTime)> time_sync;
  /// A text frame was sent (outbound = true) or received. For logging and tracing.
  std::function<void(bool outbound, const std::string& text)> frame;
  /// A diagnostic message from the library (level 0 error, 1 warning, 2 info, 3 debug).
  std::function<void(int level, const std::string& message)> log;

  // --- Core profile: availability, data transfer, reset, unlock (OCPP 1.6 sections 4.3, 5.2,
  // 5.6, 5.14, 5.18, 9.1.33) ---

  /// The availability of a connector (0 = the charge point) changed (ChangeAvailability,
  /// section 5.2): at once, or, when it was Scheduled, when the connector's transaction ended.
  /// Also called once at start for every connector restored as Inoperative. An Inoperative
  /// connector accepts no new session.
  std::function<void(int connectorId, AvailabilityType type)> availability_changed;
  /// DataTransfer.req from the CSMS (section 5.6): the answer is sent as returned. Return
  /// UnknownVendorId for a vendorId the firmware does not know, UnknownMessageId for an unknown
  /// messageId. Without the hook: UnknownVendorId.
  std::function<DataTransferResponse(const DataTransferRequest&)> data_transfer;
  /// Reset.req (section 5.14): whether the charge point will attempt the reset. Without the hook:
  /// Accepted. When Accepted, the library stops every running transaction (reason SoftReset or
  /// HardReset; the StopTransaction.req are durable) and then calls execute_reset.
  std::function<ResetStatus(ResetType type)> reset;
  /// Performs an accepted reset: Soft restarts the application, Hard the hardware. Called once
  /// the Reset.conf was handed to the connection and the transactions are stopped; for Soft also
  /// once the CSMS confirmed the queued messages (while online; at most EngineOptions::call_timeout
  /// later). What is still queued goes out after the restart. Without the hook nothing restarts
  /// (logged).
  std::function<void(ResetType type)> execute_reset;
  /// Unlock the cable retention lock of connector 1..N (section 5.18), after its transaction (if
  /// any) was stopped with reason UnlockCommand; the answer goes into UnlockConnector.conf.
  /// Also called when UnlockConnectorOnEVSideDisconnect is true and a transaction stopped because
  /// the EV side was unplugged (section 9.1.33); the answer is then only logged.
  /// Without the hook: NotSupported (no connector lock).
  std::function<UnlockStatus(int connectorId)> unlock_connector;

  // --- Firmware Management profile (OCPP 1.6 sections 4.4, 4.5, 5.9, 5.19) ---

  /// Download the firmware at location (UpdateFirmware.req, section 5.19), called at its
  /// retrieveDate and again for each retry. Returns at once; the firmware reports progress with
  /// report_firmware_status(Downloading, then Downloaded or DownloadFailed). Without the hook the
  /// library reports DownloadFailed itself.
  std::function<void(const std::string& location)> firmware_download;
  /// Install the downloaded firmware, called once no transaction runs. Returns at once; the
  /// firmware reports Installing, then Installed or InstallationFailed (after its reboot if it
  /// reboots). Without the hook the library reports InstallationFailed itself.
  std::function<void()> firmware_install;
  /// GetDiagnostics.req (section 5.9): the name of the file that will be uploaded, or nothing
  /// when no diagnostics are available (then nothing is uploaded). Without the hook: nothing.
  std::function<std::optional<std::string>(const GetDiagnosticsRequest&)> get_diagnostics;
  /// Upload fileName to location (a directory URI) with the log entries between startTime and
  /// stopTime (when given); called after the GetDiagnostics.conf and for each retry. Returns at
  /// once; the firmware reports report_diagnostics_status(Uploading, then Uploaded or
  /// UploadFailed). Without the hook the library reports UploadFailed itself.
  std::function<void(const std::string& location, const std::string& fileName,
                     std::optional<DateTime> startTime, std::optional<DateTime> stopTime)>
      upload_diagnostics;

  // --- Security Whitepaper (edition 3) ---
  /// A security event was logged (section 3, A04): by the library (InvalidChargePointCertificate,
  /// ResetOrReboot, ...) or by report_security_event. critical: it is also on its way to the
  /// CSMS as a durable SecurityEventNotification.
  std::function<void(const SecurityEventNotificationRequest& event, bool critical)> security_event;
  // --- Security Whitepaper: certificates ---
  /// The charge point certificate to present changed, under SecurityProfile 3: a
  /// CertificateSigned.req was accepted, at once or at the new certificate's not-before time
  /// (A02.FR.08). The connection must be reopened for the TLS handshake to present it:
  /// ChargePoint does that itself before calling this hook; a host driving the Engine directly
  /// reconnects here.
  std::function<void()> client_certificate_changed;

  // --- Security Whitepaper: logs and signed firmware ---
  /// GetLog.req (N01): the name of the file that will be uploaded (at most 255 characters), or
  /// nothing when no log of that type is available: GetLog is then answered Rejected and nothing
  /// is uploaded. Without the hook: for a SecurityLog (which the library keeps) the library names
  /// the file "SecurityLog-<requestId>.log"; a DiagnosticsLog is Rejected.
  std::function<std::optional<std::string>(const GetLogRequest& request)> get_log;
  /// Upload fileName to request.log.remoteLocation (N01.FR.02): for a SecurityLog the file holds
  /// `securityLog`, the library's security log entries between oldestTimestamp and
  /// latestTimestamp (N01.FR.03; empty for a DiagnosticsLog, N01.FR.04: the firmware's
  /// diagnostics in that range). Called after the GetLog.conf and for each retry. Returns at once;
  /// the firmware reports report_log_status(Uploading, then Uploaded or a failure) with
  /// request.requestId. Without the hook GetLog is answered Rejected.
  std::function<void(const GetLogRequest& request, const std::string& fileName,
                     const std::vector<SecurityEventNotificationRequest>& securityLog)>
      upload_log;
  /// A new GetLog.req cancelled the upload of requestId (N01.FR.11): stop it. Its later reports
  /// are refused (invalid_state).
  std::function<void(std::int32_t requestId)> cancel_log_upload;
  /// Download the firmware of a SignedUpdateFirmware.req (L01) to a local file, called at
  /// firmware.retrieveDateTime and again for each retry, once the signing certificate was
  /// verified. Returns at once; the firmware reports report_signed_firmware_status(Downloading,
  /// then Downloaded with the file's path, or DownloadFailed) with request.requestId. Without the
  /// hook the library reports DownloadFailed itself.
  std::function<void(const SignedUpdateFirmwareRequest& request)> signed_firmware_download;
  /// Install the firmware at path, whose signature the library verified (L01.FR.04), at
  /// installDateTime and once no transaction runs. Returns at once; the firmware reports
  /// Installing, InstallRebooting before a reboot, then Installed (after its reboot) or
  /// InstallationFailed / InstallVerificationFailed. Without the hook the library reports
  /// InstallationFailed itself.
  std::function<void(const SignedUpdateFirmwareRequest& request, const std::string& path)>
      signed_firmware_install;
  /// A new SignedUpdateFirmware.req cancelled the update of requestId while its download ran or
  /// its installation waited (L01.FR.26): stop it and drop its file. Its later reports are
  /// refused (invalid_state).
  std::function<void(std::int32_t requestId)> signed_firmware_cancel;

  // --- Reservation profile (OCPP 1.6 sections 5.1, 5.13) ---
  /// A reservation was made (reserved = true; after ReserveNow.conf Accepted, and after a
  /// restart for each restored one) or ended (false: cancelled, expired, used by its
  /// transaction, or ended by a fault or unavailability). connectorId 0: any connector.
  std::function<void(int connectorId, std::int32_t reservationId, bool reserved)> reservation;

  // --- Smart Charging profile (OCPP 1.6 section 3.13) ---
  /// The limit in effect on connectorId changed: after SetChargingProfile/ClearChargingProfile,
  /// when a transaction starts or stops, at each period, validity or recurrence boundary, and
  /// once for every connector after each start. connectorId 0 is the whole charge point (the
  /// ChargePointMaxProfile shared by all connectors, bounded by the sum of the connectors'
  /// limits); 1..N the connector (ChargePointMaxProfile, TxProfile or else TxDefaultProfile,
  /// and EngineOptions::max_current). unit is W when every profile that applies is in W, else
  /// A (per phase); numberPhases as given by the limiting period (absent: 3 assumed, 7.12).
  std::function<void(int connectorId, double limit, ChargingRateUnitType unit,
                     std::optional<std::int32_t> numberPhases)>
      charging_limit;
};

}  // namespace ocpp::v16
