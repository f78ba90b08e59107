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
  int connectorId = 0;
  std::int64_t tx_key = 0;                    ///< the library's local key, stable across restarts
  std::string idTag;
  std::optional<std::int32_t> transactionId;  ///< the CSMS's id, once StartTransaction.conf arrived
  std::int32_t meterStart = 0;                ///< Wh
};

struct Hooks {
  // --- decisions (the answer goes into the reply to the CSMS) ---

  /// RemoteStartTransaction.req (OCPP 1.6 section 5.11) passed the library's checks (connector
  /// exists, is not 0, is free). Return Accepted to let it go on, Rejected to refuse.
  /// Without the hook: Accepted.
  std::function<RemoteStartStopStatus(const RemoteStartTransactionRequest&)> remote_start;
  /// RemoteStopTransaction.req (section 5.12) for a running transaction. Without the hook: Accepted.
  std::function<RemoteStartStopStatus(const TransactionInfo&)> remote_stop;
  /// Measured values for MeterValues.req (section 4.7), called at each sample time while a
  /// transaction runs. Without the hook, or when it returns nothing, the library reports the
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
  std::function<void(std::int32_t transactionId, RemoteStartStopStatus)> remote_stop_answered;
  /// A configuration key was changed by the CSMS (ChangeConfiguration) and persisted.
  std::function<void(const std::string& key, const std::string& value)> configuration_changed;
  /// Heartbeat.conf carried the CSMS's time (section 4.6): the firmware may set its clock.
  std::function<void(DateTime currentTime)> time_sync;
  /// A text frame was sent (outbound = true) or received. For logging and tracing.
  std::function<void(bool outbound, const std::string& text)> frame;
  /// A diagnostic message from the library (level 0 error, 1 warning, 2 info, 3 debug).
  std::function<void(int level, const std::string& message)> log;
};

}  // namespace ocpp::v16
