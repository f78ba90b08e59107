// The OCPP 1.6J protocol engine, sans I/O.
//
// The engine does no I/O of its own: no sockets, threads, sleeps, clocks or randomness.
// The host hands it received text and the current time, takes the text to send from
// poll_transmit(), and calls handle_timeout() at next_deadline(). Durable state goes
// through the Store passed in, synchronously, so an event method that produces a
// transaction message returns only once that message is durable.
//
// Hooks are never called from inside an engine method: the engine queues them, and the
// host runs them with poll_hook_call() outside any lock of its own, then calls
// handle_timeout() so that the answers they gave are applied.
//
// Not thread-safe: one thread at a time (ocpp::v16::ChargePoint adds the locking).
#pragma once

#include <chrono>
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
#include "ocpp/security.hpp"
#include "ocpp/store.hpp"
#include "ocpp/time.hpp"
#include "ocpp/v16/generated/messages.hpp"
#include "ocpp/v16/hooks.hpp"

namespace ocpp::v16 {

/// What Engine::create() needs besides the store and the hooks.
struct EngineOptions {
  /// Number of connectors (1..N); connector 0 stands for the whole charge point.
  int connectors = 1;
  /// The BootNotification.req sent after every start (vendor and model are required).
  BootNotificationRequest boot;
  /// Seed for message ids (the host supplies randomness; tests a fixed value).
  std::uint64_t id_seed = 0;
  /// How long to wait for the CALLRESULT of our CALL before giving up on that attempt.
  std::chrono::seconds call_timeout{30};
  /// Wait before the next BootNotification when the CSMS answered with interval 0.
  std::chrono::seconds boot_retry_default{30};
  /// Bound of the durable queue. At the bound, the oldest MeterValues is dropped to make room;
  /// StartTransaction and StopTransaction are never dropped (they may exceed the bound).
  std::size_t outbox_limit = 50000;
  /// Initial configuration values applied on first start only (a stored value wins).
  std::vector<std::pair<std::string, std::string>> configuration_defaults;

  // --- Security Whitepaper (OCPP 1.6 Security Whitepaper edition 3) ---
  /// Keeps the charge point's keys and certificates (certificate management, CSRs, signed
  /// firmware). Without one, the whitepaper's certificate CALLs are answered as a charge point
  /// with no certificate store would (Rejected, NotFound), never NotSupported.
  std::shared_ptr<SecurityProvider> security;
  /// Entries kept in the security log (A04.FR.04, rolling: the oldest go first).
  std::size_t security_log_limit = 1000;
  /// The host verifies the CSMS with a CA file of its own (not in `security`): it counts as
  /// an installed CentralSystemRootCertificate for raising SecurityProfile to 2 or 3 (A05.FR.03).
  bool csms_root_file = false;
  /// The host has a charge point certificate file of its own (not in `security`): it counts
  /// as an installed ChargePointCertificate for raising SecurityProfile to 3 (A05.FR.04).
  bool client_certificate_file = false;
  // --- Security Whitepaper: certificates ---
  /// The charge point's identity, as in the connection URL: the CN of the certificate signing
  /// requests (A00.FR.511 asks for the charge point's unique serial number there; the identity
  /// is what the CSMS knows the charge point by). Empty: boot.chargePointSerialNumber; with
  /// neither, no CSR is made (ExtendedTriggerMessage(SignChargePointCertificate) is Rejected).
  std::string charge_point_id;

  // --- Smart Charging profile (OCPP 1.6 section 3.13) ---
  /// Line voltage used to convert charging limits between A and W (section 7.12: "the set
  /// voltage for the area (hence, 230 or 110 volt)").
  double line_voltage = 230.0;
  /// What one connector can deliver, in A per phase: the local limit (errata 3.1) reported in
  /// composite schedules and to the charging_limit hook where no profile limits less.
  double max_current = 32.0;
};

/// What a connector is doing, for status displays and tests.
struct ConnectorState {
  int connectorId = 0;                                             ///< 0..N
  ChargePointStatus status = ChargePointStatus::Available;         ///< as last reported
  ChargePointErrorCode errorCode = ChargePointErrorCode::NoError;  ///< as last reported
  bool plugged = false;                                            ///< a cable is plugged in
  std::optional<TransactionInfo> transaction;                      ///< the running transaction
  std::int64_t meter_wh = 0;                                       ///< last set_meter_energy()
};

// --- Core profile: vendor configuration keys (OCPP 1.6 section 9) ---
/// The type of a vendor configuration key's value: Integer (int32, decimal), Boolean ("true" or
/// "false"), String (at most 500 characters).
enum class ConfigurationKeyType { Integer, Boolean, String };
/// Who may read and write a vendor key: ReadOnly keys are changed by the firmware only
/// (set_configuration), WriteOnly keys are never reported to the CSMS.
enum class ConfigurationKeyAccess { ReadOnly, ReadWrite, WriteOnly };
/// Receives the answer to send_data_transfer: the DataTransfer.conf, or Errc::transport_error
/// (connection lost, CALLERROR or no answer in time) or Errc::decode_error (invalid answer).
using DataTransferCallback = std::function<void(Result<DataTransferResponse>)>;

/// What the engine asks of the connection (Security Whitepaper A05): the host applies it to
/// its transport; ocpp::v16::ChargePoint does so itself. 1.6 leaves newBasicAuthPassword false.
using ConnectionRequest = ocpp::ConnectionRequest;

/// The OCPP 1.6J protocol engine, sans I/O (see the notes at the top of this file).
class OCPP_API Engine {
 public:
  /// Creates an engine on the store, loading configuration and unfinished transactions.
  /// Errors: Errc::invalid_argument (connectors < 1, missing vendor/model), storage errors.
  static Result<std::unique_ptr<Engine>> create(EngineOptions options, Store& store, Hooks hooks,
                                                Now now);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // --- transport side ---
  /// The WebSocket is open: BootNotification (or, after a reconnect, StatusNotifications) follow.
  void connected(Now now);
  /// The WebSocket closed: the CALL in flight is retried after the next connected().
  void disconnected(Now now);
  /// One complete text frame from the CSMS. Malformed frames are answered with CALLERROR.
  void receive(std::string_view text, Now now);
  /// The next frame to send, or nullopt. Replies to the CSMS's CALLs come before our CALLs;
  /// at most one CALL of ours is unanswered at a time.
  std::optional<std::string> poll_transmit(Now now);
  /// When handle_timeout() should be called next; nullopt = no timer. A time in the past
  /// means "now".
  std::optional<MonoTime> next_deadline() const;
  /// Runs what is due at now (heartbeats, retries, samples, timeouts, hook answers).
  void handle_timeout(Now now);
  /// Takes the next queued hook invocation; the host runs it outside its locks and then calls
  /// handle_timeout(). Empty function = none queued.
  std::function<void()> poll_hook_call();

  // --- firmware events (all return at once; none waits for the network) ---
  /// The EV's cable was plugged into connector (1..N). May start a transaction if an idTag was
  /// authorized for it. Errors: unknown_connector.
  std::error_code plug_in(int connectorId, Now now);
  /// The cable was unplugged; stops a running transaction (reason EVDisconnected) when
  /// StopTransactionOnEVSideDisconnect is true. Errors: unknown_connector.
  std::error_code unplug(int connectorId, Now now);
  /// An idTag was presented (RFID card). Stops the transaction of the same idTag, else
  /// authorizes it (Authorize.req, or locally when offline) for the given or a free connector.
  /// Errors: invalid_argument (empty or longer than 20), unknown_connector, invalid_state
  /// (no connector free).
  std::error_code present_id_tag(std::string_view idTag, std::optional<int> connectorId, Now now);
  /// The energy meter of the connector reads wh (Wh, import register).
  /// Errors: unknown_connector, invalid_argument (negative).
  std::error_code set_meter_energy(int connectorId, std::int64_t wh, Now now);
  /// A fault on connector (0 = whole charge point): status Faulted with errorCode.
  /// Errors: unknown_connector, invalid_argument (NoError, or info longer than 50).
  std::error_code report_fault(int connectorId, ChargePointErrorCode errorCode,
                               std::string_view info, Now now);
  /// The fault is gone. Errors: unknown_connector.
  std::error_code clear_fault(int connectorId, Now now);
  /// Energy delivery is suspended by the EV (by_ev) or by the EVSE; resume() ends that.
  /// Errors: unknown_connector, no_transaction.
  std::error_code suspend(int connectorId, bool by_ev, Now now);
  /// Ends a suspend(): energy is offered again. Errors: unknown_connector, no_transaction.
  std::error_code resume(int connectorId, Now now);
  /// Stops the transaction on the connector with the reason. StopTransaction is durable when
  /// this returns. Errors: unknown_connector, no_transaction, storage errors.
  std::error_code stop_transaction(int connectorId, Reason reason, Now now);

  // --- configuration (OCPP 1.6 chapter 9) ---
  /// The value of a key. Errors: invalid_argument (unknown key).
  Result<std::string> get_configuration(std::string_view key) const;
  /// Sets a key as ChangeConfiguration would (validated, persisted; read-only keys included,
  /// since the firmware owns them). Errors: invalid_argument (unknown key or bad value).
  std::error_code set_configuration(std::string_view key, std::string_view value);

  // --- state ---
  /// True between connected() and disconnected().
  bool is_connected() const;
  /// The last BootNotification answer; nullopt before the first one.
  std::optional<RegistrationStatus> registration() const;
  /// State of connector 1..N (0 for the charge point). Errors: unknown_connector.
  Result<ConnectorState> connector_state(int connectorId) const;
  /// N, the number of connectors.
  int connector_count() const;
  /// Messages in the durable queue (not yet acknowledged by the CSMS).
  std::size_t queued_transaction_messages() const;

  // --- Firmware Management profile (OCPP 1.6 sections 4.4, 4.5, 5.9, 5.19) ---
  /// Progress of the firmware update the hooks firmware_download / firmware_install started:
  /// sends FirmwareStatusNotification (while offline only the latest status is kept, and sent
  /// after the next Accepted). Downloaded leads to firmware_install once no transaction runs;
  /// DownloadFailed to a new firmware_download after retryInterval while retries are left.
  /// Errors: invalid_argument (Idle: only sent for a TriggerMessage), invalid_state (no update
  /// in that step, e.g. Installed before firmware_install was called), storage errors.
  std::error_code report_firmware_status(FirmwareStatus status, Now now);
  /// Progress of the upload the hook upload_diagnostics started: sends
  /// DiagnosticsStatusNotification; UploadFailed leads to a new upload_diagnostics after
  /// retryInterval while retries are left. Errors: invalid_argument (Idle), invalid_state (no
  /// upload in progress), storage errors.
  std::error_code report_diagnostics_status(DiagnosticsStatus status, Now now);
  // --- Security Whitepaper: security events (section 3, A04) ---
  /// A security event the firmware detected (section 8: TamperDetectionActivated,
  /// StartupOfTheDevice, SettingSystemTime, MemoryExhaustion, ... or a vendor type). It is
  /// written to the security log; a critical one (section 8's table; vendor types are
  /// critical when `critical` says so) is also queued as a durable SecurityEventNotification
  /// (A04.FR.02), in order with the transaction messages. Calls the security_event hook.
  /// Errors: invalid_argument (type empty or longer than 50, techInfo longer than 255),
  /// storage errors.
  std::error_code report_security_event(std::string_view type, std::optional<std::string> techInfo,
                                        Now now, std::optional<bool> critical = std::nullopt);
  /// The security log, oldest first (at most EngineOptions::security_log_limit entries).
  std::vector<SecurityEventNotificationRequest> security_log() const;
  // --- Security Whitepaper: logs and signed firmware ---
  /// Progress of the log upload the hook upload_log started for requestId (N01): sends
  /// LogStatusNotification with that requestId (N01.FR.07; while offline only the latest status
  /// is kept). Uploading when it starts (N01.FR.08), Uploaded (N01.FR.09), or a failure
  /// (UploadFailure, BadMessage, PermissionDenied, NotSupportedOperation; N01.FR.10), which leads
  /// to a new upload_log after retryInterval while retries are left.
  /// Errors: invalid_argument (Idle: only sent for a trigger), invalid_state (no upload of that
  /// requestId in progress, e.g. one cancelled by a newer GetLog), storage errors.
  std::error_code report_log_status(UploadLogStatusEnumType status, std::int32_t requestId, Now now);
  /// The status a triggered LogStatusNotification would carry (Idle when no upload runs).
  UploadLogStatusEnumType log_status() const;
  /// Progress of the signed firmware update (L01) the hooks signed_firmware_download /
  /// signed_firmware_install started for requestId: sends SignedFirmwareStatusNotification with
  /// that requestId (L01.FR.01, L01.FR.10). The firmware reports Downloading, DownloadPaused,
  /// Downloaded (with `path`, the downloaded file), DownloadFailed, Installing, InstallRebooting,
  /// Installed, InstallationFailed, InstallVerificationFailed. On Downloaded the library verifies
  /// the file's signature through the SecurityProvider (L01.FR.04; this may take a while) and
  /// reports SignatureVerified, or InvalidSignature with an InvalidFirmwareSignature security
  /// event (L01.FR.03); then it calls signed_firmware_install at installDateTime once no
  /// transaction runs. DownloadFailed with retries left reports DownloadScheduled and downloads
  /// again after retryInterval. Installed raises the FirmwareUpdated security event.
  /// Errors: invalid_argument (a status the library reports itself, Downloaded without a path),
  /// invalid_state (no update of that requestId in that step), storage errors.
  std::error_code report_signed_firmware_status(FirmwareStatusEnumType status, std::int32_t requestId, Now now,
                                                std::optional<std::string> path = std::nullopt);
  /// The status a triggered SignedFirmwareStatusNotification would carry (L01.FR.28/29).
  FirmwareStatusEnumType signed_firmware_status() const;

  // --- Security Whitepaper: security profile (A05, section 7.6) ---
  /// Takes the next change the connection must make (a SecurityProfile raised by the CSMS or
  /// set by the firmware; after a restart, a profile change still on trial). Calls no hook.
  std::optional<ConnectionRequest> poll_connection_request();
  /// The host's outcome of a ConnectionRequest with a fallbackProfile: succeeded when the new
  /// profile connected (it is then final, A05.FR.09); otherwise SecurityProfile goes back to
  /// the fallback and a ReconfigurationOfSecurityParameters security event records why.
  /// May call the security_event hook. Errors: invalid_state (no trial pending), storage errors.
  std::error_code connection_trial_ended(bool succeeded, std::string_view why, Now now);

  /// The status a triggered FirmwareStatusNotification would carry (Idle when no update runs).
  FirmwareStatus firmware_status() const;
  /// The status a triggered DiagnosticsStatusNotification would carry (Idle when no upload runs).
  DiagnosticsStatus diagnostics_status() const;

  // --- Core profile: availability, data transfer, vendor configuration keys ---
  /// Sends DataTransfer.req (OCPP 1.6 section 4.3) as a non-durable CALL: it is lost, and the
  /// callback gets Errc::transport_error, if the connection closes before the answer. The
  /// callback runs as a hook (from poll_hook_call), exactly once when this returns no error.
  /// Errors: invalid_argument (vendorId empty or longer than 255, messageId longer than 50),
  /// invalid_state (not connected, or BootNotification not Accepted yet).
  std::error_code send_data_transfer(std::string_view vendorId, std::optional<std::string> messageId,
                                     std::optional<std::string> data, DataTransferCallback callback,
                                     Now now);
  /// Adds a vendor-specific configuration key, reported by GetConfiguration and changed by
  /// ChangeConfiguration like the specification's keys, persisted in the store. The stored value
  /// of an earlier run wins over default_value (for ReadOnly keys the default always wins). The
  /// validator (optional) may refuse values the type allows: ChangeConfiguration then answers
  /// Rejected. reboot_required: ChangeConfiguration answers RebootRequired (the value is stored;
  /// the firmware applies it at its next start). Calls no hook.
  /// Errors: invalid_argument (empty key, longer than 50, a key that exists already, a default
  /// the type or the validator refuses), storage errors.
  std::error_code add_configuration_key(std::string_view key, ConfigurationKeyType type,
                                        ConfigurationKeyAccess access, std::string_view default_value,
                                        std::function<bool(std::string_view)> validator = {},
                                        bool reboot_required = false);
  /// Whether the connector (0 = the charge point) is set Operative or Inoperative by
  /// ChangeAvailability; a Scheduled change shows once it happened. Errors: unknown_connector.
  Result<AvailabilityType> availability(int connectorId) const;

  class OCPP_LOCAL Impl;  ///< opaque

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ocpp::v16
