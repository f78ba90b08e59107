// Internal state of the OCPP 1.6 engine. Split over several files by concern:
// engine.cpp (RPC, call queue, durable outbox, boot and heartbeat), connectors.cpp
// (connector state machine, authorization, transactions, meter values) and handlers.cpp
// (CALLs from the CSMS).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/preloading_store.hpp"
#include "ocpp/v16/engine.hpp"
#include "rpc/frame.hpp"
#include "rpc/session.hpp"
#include "v16/configuration.hpp"
#include "v16/generated/codec.hpp"
#include "v16/module.hpp"

namespace ocpp::v16 {

/// The subprotocol name of OCPP 1.6, as recorded with every stored row this engine writes.
inline constexpr const char* kProtocol = "ocpp1.6";

/// Reads a stored transaction id: the CSMS's int32 transactionId in decimal.
bool parse_transaction_id(std::string_view text, std::int32_t& out);

/// A transaction the engine knows of: the store's TransactionRecord as OCPP 1.6 reads it.
struct TxState {
  std::int64_t tx_key = 0;
  int connector_id = 0;
  std::string id_tag;
  std::int32_t meter_start = 0;
  std::string start_time;                      // RFC 3339
  std::optional<std::int32_t> transaction_id;  // the CSMS's, once known
  bool stopped = false;

  /// The record to store (meterStart and startTime go into its data).
  TransactionRecord to_record() const;
  /// Reads a stored record; false when it was not written by OCPP 1.6 or is damaged.
  static bool from_record(const TransactionRecord& r, TxState& out, std::string& why);
};

struct Connector {
  int id = 0;
  bool plugged = false;
  bool faulted = false;
  ChargePointErrorCode error_code = ChargePointErrorCode::NoError;
  std::string error_info;
  bool suspended_ev = false;
  bool suspended_evse = false;
  bool finishing = false;  // a transaction ended while the cable is still plugged
  std::optional<std::int64_t> tx_key;  // the running transaction
  // An idTag authorized for this connector, waiting for the cable (ConnectionTimeOut).
  std::optional<std::string> authorized_id_tag;
  std::optional<std::string> authorized_parent_id;
  MonoTime authorized_until{};
  // The parentIdTag of the running transaction's idTag, when known (authorization module):
  // another idTag of the same group may stop the transaction (section 3.10).
  std::optional<std::string> tx_parent_id_tag;
  std::int64_t meter_wh = 0;
  MonoTime next_sample{};  // MeterValueSampleInterval
  std::optional<ChargePointStatus> reported_status;
  ChargePointErrorCode reported_error = ChargePointErrorCode::NoError;
};

class Engine::Impl {
 public:
  Impl(EngineOptions options, Store& store, Hooks hooks);
  std::error_code load(Now now);

  // engine.cpp
  void connected(Now now);
  void disconnected(Now now);
  void receive(std::string_view text, Now now);
  std::optional<std::string> poll_transmit(Now now);
  std::optional<MonoTime> next_deadline() const;
  void handle_timeout(Now now);
  std::function<void()> poll_hook_call();

  /// Queues a CALL of ours that is not durable (lost on disconnect by design: after a
  /// reconnect the charger reports current state instead of stale messages).
  void send_volatile(Action action, std::string payload,
                     std::function<void(const rapidjson::Value*, Now)> on_done = {});
  /// Answers the CSMS's CALL `id` (a CALLRESULT or a CALLERROR); it is no longer in progress.
  /// Returns the reply's ticket (rpc::Session::reply_gone).
  std::uint64_t reply(const std::string& id, std::string payload_json);
  void reply_error(const std::string& id, RpcErrorCode code, std::string_view description);
  /// Answers the CSMS's CALL later (after a hook decided), unless the connection it came on
  /// is gone: the CSMS forgot the call then. Returns the reply's ticket, 0 if none was queued.
  std::function<std::uint64_t(Impl&, std::string)> replier(const rpc::Frame& frame) const {
    return [id = frame.id, epoch = epoch()](Impl& im, std::string payload) -> std::uint64_t {
      if (im.epoch() != epoch || !im.connected()) return 0;
      return im.reply(id, std::move(payload));
    };
  }
  /// Appends a transaction message (written by this version) to the durable outbox.
  std::error_code append_durable(OutboxMessage& msg);
  /// Bookkeeping after a message was appended through a store method of the engine's own.
  void appended_durable(std::int64_t seq) { session_.appended(seq); }
  /// The payload of a stored message as it goes on the wire, or nullopt (with why) when it
  /// can never be sent.
  std::optional<std::string> durable_payload(const OutboxMessage& m, std::string& why);
  /// A durable message left the outbox (acknowledged when result is set).
  void durable_removed(const OutboxMessage& m, const AckEffects& effects,
                       const rapidjson::Value* result, Now now);
  /// The retry policy from TransactionMessageAttempts / TransactionMessageRetryInterval.
  void apply_retry_policy();
  void queue_boot(Now now);
  void on_boot_result(const rapidjson::Value* result, Now now);
  void log(int level, std::string message);

  /// Queues a hook invocation (run by the host outside its locks).
  void defer(std::function<void()> call);
  /// Queues a hook whose answer is applied to the engine once it has run.
  template <class T>
  void defer_decision(std::function<T()> ask, std::function<void(Impl&, T, Now)> apply);

  bool accepted() const { return registration_ == RegistrationStatus::Accepted; }
  bool connected() const { return session_.is_connected(); }
  bool online() const { return connected() && accepted(); }
  /// Counts connections: an answer decided later is for the connection its CALL came on.
  std::uint64_t epoch() const { return session_.epoch(); }
  std::size_t outbox_size() const { return session_.outbox_size(); }

  // connectors.cpp
  Connector* connector(int id);
  /// Whether a new session may use the connector (not faulted, available, not reserved for
  /// another idTag).
  bool usable_for(const Connector& c, std::string_view id_tag) const;
  ChargePointStatus compute_status(const Connector& c) const;
  void update_status(Connector& c, Now now);
  void report_all_status(Now now);
  std::error_code plug_in(int id, Now now);
  std::error_code unplug(int id, Now now);
  std::error_code present_id_tag(std::string_view id_tag, std::optional<int> connector_id, Now now);
  void authorization_result(int connector_id, const std::string& id_tag, const IdTagInfo& info,
                            Now now);
  void try_start(Connector& c, Now now);
  std::error_code start_transaction(Connector& c, const std::string& id_tag, Now now);
  std::error_code stop_transaction(Connector& c, Reason reason, std::optional<std::string> id_tag,
                                   Now now);
  void on_start_confirmed(std::int64_t tx_key, const StartTransactionResponse& resp, Now now);
  void sample_meter_values(Connector& c, ReadingContext context, Now now);
  void write_meter_values(int connector_id, std::int64_t tx_key, std::vector<SampledValue> values,
                          ReadingContext context, Now now);
  void schedule_sample(Connector& c, Now now);
  TransactionInfo tx_info(std::int64_t tx_key) const;
  void connector_timers(Now now);

  // handlers.cpp
  void handle_call(rpc::Frame& frame, Now now);
  /// Decodes a CALL's payload; on a schema violation answers the CALLERROR it names and
  /// returns false.
  template <class Req>
  bool decode_request(const rpc::Frame& frame, Req& out) {
    codec::Error err;
    if (codec::decode(*frame.payload, out, err)) return true;
    reply_error(frame.id, err.code, err.message);
    invalid_request_ = frame.action + ": " + err.message;  // the InvalidMessages event
    return false;
  }
  std::optional<std::string> invalid_request_;

  // Feature-profile modules (module.hpp), asked in this order.
  std::vector<std::unique_ptr<Module>> modules_;
  // The modules other modules ask for by name, each set by its own factory: only that
  // module's file turns the pointer back into its type (no search by type).
  Module* core_actions_module_ = nullptr;
  Module* firmware_module_ = nullptr;
  Module* metering_module_ = nullptr;
  Module* security_events_module_ = nullptr;
  Module* security_profile_module_ = nullptr;
  // --- Security Whitepaper: certificates ---
  Module* certificate_renewal_module_ = nullptr;
  // --- Security Whitepaper: logs and signed firmware ---
  Module* logs_module_ = nullptr;
  Module* signed_firmware_module_ = nullptr;
  template <class F>
  void for_modules(F&& f) {
    for (auto& m : modules_) f(*m);
  }
  bool any_module(const std::function<bool(const Module&)>& pred) const {
    for (const auto& m : modules_)
      if (pred(*m)) return true;
    return false;
  }

  EngineOptions options_;
  // The engine's store, answering load()'s key/value reads from one read (declared before
  // everything that keeps a reference to the store).
  core::PreloadingStore preload_;
  Store& store_;  // preload_
  Hooks hooks_;
  Configuration config_;
  // Keys read on every deadline computation, as typed views (no lookup by name there).
  Configuration::IntKey sample_interval_;     // MeterValueSampleInterval
  Configuration::IntKey heartbeat_interval_;  // HeartbeatInterval
  // The RPC session and durable outbox; the handler gives it this version's payloads and
  // acknowledgements. Declared in this order: the session keeps a reference to the handler.
  std::unique_ptr<rpc::DurableHandler> durable_;
  rpc::Session session_;

  std::optional<RegistrationStatus> registration_;
  bool boot_in_flight_ = false;
  MonoTime next_boot_{};  // when to send BootNotification (after Pending/Rejected)
  std::optional<MonoTime> next_heartbeat_;

  std::vector<Connector> connectors_;  // index 0 = charge point, 1..N connectors
  std::map<std::int64_t, TxState> txs_;

  std::deque<std::function<void()>> hook_calls_;
  struct Completion {
    std::function<bool()> ready;
    std::function<void(Impl&, Now)> apply;
  };
  std::deque<Completion> completions_;
};

template <class T>
void Engine::Impl::defer_decision(std::function<T()> ask, std::function<void(Impl&, T, Now)> apply) {
  auto slot = std::make_shared<std::optional<T>>();
  hook_calls_.push_back([slot, ask = std::move(ask)] { *slot = ask(); });
  completions_.push_back(
      {[slot] { return slot->has_value(); },
       [slot, apply = std::move(apply)](Impl& im, Now now) { apply(im, std::move(**slot), now); }});
}

// One factory per module file.
std::unique_ptr<Module> make_remote_control_module(Engine::Impl& engine);  // remote_control.cpp
std::unique_ptr<Module> make_configuration_module(Engine::Impl& engine);   // configuration_actions.cpp
std::unique_ptr<Module> make_core_actions_module(Engine::Impl& engine);    // core_actions.cpp
std::unique_ptr<Module> make_authorization_module(Engine::Impl& engine);   // authorization.cpp
std::unique_ptr<Module> make_reservation_module(Engine::Impl& engine);     // reservation.cpp
std::unique_ptr<Module> make_smart_charging_module(Engine::Impl& engine);  // smart_charging.cpp
std::unique_ptr<Module> make_firmware_module(Engine::Impl& engine);        // firmware.cpp
std::unique_ptr<Module> make_remote_trigger_module(Engine::Impl& engine);  // remote_trigger.cpp
std::unique_ptr<Module> make_metering_module(Engine::Impl& engine);        // metering.cpp
std::unique_ptr<Module> make_security_events_module(Engine::Impl& engine);  // security/security_events.cpp
std::unique_ptr<Module> make_security_profile_module(Engine::Impl& engine);  // security/security_profile.cpp
/// The firmware set SecurityProfile (Engine::set_configuration): reconnect with it, no trial.
void security_profile_set_by_firmware(Engine::Impl& engine);  // security/security_profile.cpp
// --- Security Whitepaper: certificates ---
std::unique_ptr<Module> make_certificates_module(Engine::Impl& engine);         // security/certificates.cpp
std::unique_ptr<Module> make_certificate_renewal_module(Engine::Impl& engine);  // security/certificate_renewal.cpp
std::unique_ptr<Module> make_extended_trigger_module(Engine::Impl& engine);     // security/extended_trigger.cpp
// --- Security Whitepaper: logs and signed firmware ---
std::unique_ptr<Module> make_logs_module(Engine::Impl& engine);             // security/logs.cpp
std::unique_ptr<Module> make_signed_firmware_module(Engine::Impl& engine);  // security/signed_firmware.cpp

/// Whether two idTags are the same: IdToken is a CiString20Type, compared case-insensitively
/// (errata sheet 3.73). Used for local stops, the cache and the Local Authorization List.
inline bool same_id_tag(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

/// Encodes a message struct to its JSON payload text.
template <class T>
std::string payload_of(const T& msg) {
  return codec::to_json(msg);
}

}  // namespace ocpp::v16
