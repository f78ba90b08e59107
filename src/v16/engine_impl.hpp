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

#include "core/message_id.hpp"
#include "ocpp/v16/engine.hpp"
#include "rpc/frame.hpp"
#include "v16/configuration.hpp"
#include "v16/generated/codec.hpp"
#include "v16/module.hpp"

namespace ocpp::v16 {

/// A transaction the engine knows of (mirrors the store's TransactionRecord).
struct TxState {
  TransactionRecord rec;
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

/// A CALL of ours waiting to be sent that is not durable (lost on disconnect by design:
/// after a reconnect the charger reports current state instead of stale messages).
struct VolatileCall {
  Action action;
  std::string payload;
  std::function<void(const rapidjson::Value* result, Now now)> on_done;  // result null = failed
  std::int64_t after_seq = 0;  // goes out after the durable messages up to this seq
};

struct InFlight {
  std::string id;
  Action action;
  bool durable = false;
  std::int64_t seq = 0;  // durable
  MonoTime deadline{};
  std::function<void(const rapidjson::Value* result, Now now)> on_done;  // volatile
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

  void send_volatile(Action action, std::string payload,
                     std::function<void(const rapidjson::Value*, Now)> on_done = {});
  void reply(const std::string& id, std::string payload_json);
  void reply_error(const std::string& id, RpcErrorCode code, std::string_view description);
  std::error_code append_durable(OutboxMessage& msg);
  /// Bookkeeping after a message was appended to the store.
  void appended_durable(std::int64_t seq) {
    ++outbox_size_;
    last_appended_seq_ = seq;
    if (!durable_head_) durable_head_loaded_ = false;  // an empty cached head is stale now
  }
  /// The head's payload as sent, or nullopt with the reason it cannot be sent.
  std::optional<std::string> durable_payload(const OutboxMessage& m, std::string& why);
  bool load_durable_head();
  /// Removes the head from the store (false if the store failed) and applies effects.
  bool forget_durable_head(const AckEffects& effects, Now now);
  void on_boot_result(const rapidjson::Value* result, Now now);
  void finish_in_flight(const rapidjson::Value* result, const std::string& error, Now now);
  void log(int level, std::string message);

  /// Queues a hook invocation (run by the host outside its locks).
  void defer(std::function<void()> call);
  /// Queues a hook whose answer is applied to the engine once it has run.
  template <class T>
  void defer_decision(std::function<T()> ask, std::function<void(Impl&, T, Now)> apply);

  bool accepted() const { return registration_ == RegistrationStatus::Accepted; }
  bool online() const { return connected_ && accepted(); }

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
    return false;
  }

  // Feature-profile modules (module.hpp), asked in this order.
  std::vector<std::unique_ptr<Module>> modules_;
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
  Store& store_;
  Hooks hooks_;
  Configuration config_;
  core::MessageIdGenerator ids_;

  bool connected_ = false;
  std::uint64_t epoch_ = 0;  // counts connections: a reply is for the connection it came on
  std::optional<RegistrationStatus> registration_;
  bool boot_in_flight_ = false;
  MonoTime next_boot_{};  // when to send BootNotification (after Pending/Rejected)
  std::optional<MonoTime> next_heartbeat_;

  std::vector<Connector> connectors_;  // index 0 = charge point, 1..N connectors
  std::map<std::int64_t, TxState> txs_;

  std::deque<std::string> replies_;  // CALLRESULT/CALLERROR frames: go out first
  std::deque<VolatileCall> volatile_;
  std::optional<InFlight> in_flight_;
  std::optional<OutboxMessage> durable_head_;
  bool durable_head_loaded_ = false;
  bool durable_read_failing_ = false;  // the last outbox_front failed (and was logged)
  std::optional<MonoTime> durable_retry_at_;
  std::size_t outbox_size_ = 0;
  std::int64_t last_appended_seq_ = 0;  // seq of the newest message appended in this run

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
std::unique_ptr<Module> make_core_actions_module(Engine::Impl& engine);    // core_actions.cpp
std::unique_ptr<Module> make_authorization_module(Engine::Impl& engine);   // authorization.cpp
std::unique_ptr<Module> make_reservation_module(Engine::Impl& engine);     // reservation.cpp
std::unique_ptr<Module> make_smart_charging_module(Engine::Impl& engine);  // smart_charging.cpp
std::unique_ptr<Module> make_firmware_module(Engine::Impl& engine);        // firmware.cpp
std::unique_ptr<Module> make_remote_trigger_module(Engine::Impl& engine);  // remote_trigger.cpp
std::unique_ptr<Module> make_metering_module(Engine::Impl& engine);        // metering.cpp

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
