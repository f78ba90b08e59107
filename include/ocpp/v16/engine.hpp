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

#include "ocpp/error.hpp"
#include "ocpp/store.hpp"
#include "ocpp/time.hpp"
#include "ocpp/v16/generated/messages.hpp"
#include "ocpp/v16/hooks.hpp"

namespace ocpp::v16 {

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
};

/// What a connector is doing, for status displays and tests.
struct ConnectorState {
  int connectorId = 0;
  ChargePointStatus status = ChargePointStatus::Available;
  ChargePointErrorCode errorCode = ChargePointErrorCode::NoError;
  bool plugged = false;
  std::optional<TransactionInfo> transaction;
  std::int64_t meter_wh = 0;
};

class Engine {
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
  bool is_connected() const;
  /// The last BootNotification answer; nullopt before the first one.
  std::optional<RegistrationStatus> registration() const;
  /// State of connector 1..N (0 for the charge point). Errors: unknown_connector.
  Result<ConnectorState> connector_state(int connectorId) const;
  int connector_count() const;
  /// Messages in the durable queue (not yet acknowledged by the CSMS).
  std::size_t queued_transaction_messages() const;

  class Impl;  ///< opaque

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ocpp::v16
