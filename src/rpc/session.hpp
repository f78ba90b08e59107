// The OCPP-J RPC session shared by every protocol version: one CALL of ours in flight at a
// time, replies to the peer before any CALL of ours, call timeouts, connection epochs, a
// volatile queue (lost on disconnect by design) and the durable outbox pump (transaction
// messages, on disk until acknowledged). Sans-I/O: text in, text out, deadlines; no clock.
//
// What is specific to a version stays with the version: which CALLs it answers, the opening
// message (BootNotification) and when the session is open for other CALLs, how a durable
// payload is prepared before sending and what its acknowledgement changes (DurableHandler),
// and the retry policy (RetryPolicy values from its own configuration keys).
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <string_view>
#include <system_error>
#include <unordered_set>

#include "core/message_id.hpp"
#include "ocpp/rpc_error.hpp"
#include "ocpp/store.hpp"
#include "ocpp/time.hpp"
#include "rpc/frame.hpp"

namespace ocpp::rpc {

/// How often a durable message is tried (1.6: TransactionMessageAttempts and
/// TransactionMessageRetryInterval; 2.0.1: OCPPCommCtrlr.MessageAttempts and
/// MessageAttemptInterval). Before attempt n + 1 the session waits interval × n.
struct RetryPolicy {
  int attempts = 3;
  std::chrono::seconds interval{60};
};

/// Called with the CALLRESULT payload, or nullptr when the CALL failed (CALLERROR, timeout,
/// disconnect, or the session dropped it).
using ResultFn = std::function<void(const rapidjson::Value* result, Now now)>;

/// The version's part in delivering durable messages.
class DurableHandler {
 public:
  virtual ~DurableHandler() = default;
  enum class Prepared {
    send,            ///< payload holds the text to send
    discard,         ///< it can never be sent (e.g. its transaction has no id): removed, logged
    unknown_action,  ///< not an action of this version: an error, removed, never sent
  };
  /// The payload to send for m, as it must go out now (e.g. with the CSMS's transactionId).
  virtual Prepared prepare(const OutboxMessage& m, std::string& payload) = 0;
  /// Checks a CALLRESULT for m and says what its acknowledgement changes in the store.
  /// false (with a reason) counts as a failed attempt.
  virtual bool check_result(const OutboxMessage& m, const rapidjson::Value& result,
                            AckEffects& effects, std::string& error) = 0;
  /// What removing m without an acknowledgement changes (discarded after failed attempts).
  virtual AckEffects discard_effects(const OutboxMessage& m) = 0;
  /// m left the outbox; result is the CALLRESULT when it was acknowledged, else nullptr.
  virtual void removed(const OutboxMessage& m, const AckEffects& effects,
                       const rapidjson::Value* result, Now now) = 0;
};

struct SessionOptions {
  /// Spelling of error codes; 2.0.1 also answers frames whose message id cannot be read.
  RpcDialect dialect = RpcDialect::ocpp16;
  std::chrono::seconds call_timeout{30};
  /// CALLs of ours (not durable) waiting behind the one in flight.
  std::size_t max_volatile = 1000;
  /// Durable messages; at the bound the oldest droppable one makes room for a droppable one.
  std::size_t outbox_limit = 50000;
  std::uint64_t id_seed = 0;
};

class Session {
 public:
  using LogFn = std::function<void(int level, std::string message)>;
  using FrameFn = std::function<void(bool sent, const std::string& text)>;

  Session(SessionOptions options, Store& store, DurableHandler& durable, LogFn log);

  /// Reads the outbox size from the store.
  std::error_code load();

  // --- connection ---
  void connected();
  /// Fails the volatile CALL in flight and the queued ones; a durable one is resent later.
  void disconnected(Now now);
  bool is_connected() const { return connected_; }
  /// Counts connections: a reply belongs to the connection it came on.
  std::uint64_t epoch() const { return epoch_; }

  /// Until open, only the opening CALL (BootNotification) goes out.
  void set_open(bool open) { open_ = open; }
  bool is_open() const { return open_; }
  void set_retry_policy(RetryPolicy p) { retry_ = p; }
  /// How long a CALL sent from now on waits for its answer (the one in flight keeps its own).
  void set_call_timeout(std::chrono::seconds t) { options_.call_timeout = t; }
  std::chrono::seconds call_timeout() const { return options_.call_timeout; }
  /// Observes every frame sent and received (for logs).
  void set_frame_observer(FrameFn f) { frame_observer_ = std::move(f); }

  // --- inbound ---
  /// Parses one received frame. Replies are matched to the CALL in flight; malformed frames
  /// are answered (when they can be) with the CALLERROR OCPP-J names; a well-formed CALL is
  /// returned for the version to answer. With answer_calls false (1.6: BootNotification
  /// Rejected) CALLs and malformed frames are ignored.
  std::optional<Frame> receive(std::string_view text, Now now, bool answer_calls);
  /// Why the last received frame was not a valid message (malformed, or a CALL id already in
  /// progress), once: the version may record it (1.6 whitepaper InvalidMessages).
  std::optional<std::string> take_invalid_frame() { return std::exchange(invalid_frame_, std::nullopt); }

  // --- outbound ---
  /// Queues the answer to the peer's CALL id. Returns its ticket for reply_gone().
  std::uint64_t reply(const std::string& id, std::string_view payload_json);
  std::uint64_t reply_error(const std::string& id, RpcErrorCode code, std::string_view description);
  /// Whether the reply with this ticket has left (or was dropped with its connection).
  bool reply_gone(std::uint64_t ticket) const { return ticket <= replies_gone_; }
  /// Queues a CALL that is not durable. Returns false (done is not called) when the queue is
  /// at its bound.
  bool send(std::string action, std::string payload, ResultFn done = {});
  /// Room left in the volatile queue.
  std::size_t volatile_room() const;
  /// The opening CALL, sent even while not open; at most one at a time.
  void send_opening(std::string action, std::string payload, ResultFn done);
  bool opening_pending() const { return opening_ || (in_flight_ && in_flight_->opening); }
  /// Appends a durable message (the store assigns its seq). At the bound a droppable message
  /// makes room by dropping the oldest droppable one; Errc::queue_full when there is none.
  std::error_code append(OutboxMessage& m);
  /// Bookkeeping for a message the version appended through a store method of its own
  /// (e.g. together with a transaction record).
  void appended(std::int64_t seq);
  std::size_t outbox_size() const { return outbox_size_; }

  /// The next frame to send: replies first, then one CALL when none is in flight.
  std::optional<std::string> poll_transmit(Now now);
  std::optional<MonoTime> next_deadline() const;
  void handle_timeout(Now now);

 private:
  struct Volatile {
    std::string action;
    std::string payload;
    ResultFn done;
    std::int64_t after_seq = 0;  // goes out after the durable messages up to this seq
  };
  struct InFlight {
    std::string id;
    std::string action;
    bool durable = false;
    bool opening = false;
    std::int64_t seq = 0;
    MonoTime deadline{};
    ResultFn done;
  };

  bool load_head();
  void finish(const rapidjson::Value* result, const std::string& error, Now now);
  void finish_durable(const rapidjson::Value* result, const std::string& error, Now now);
  /// Removes the head from the store; false when the store failed to.
  bool remove_head(const AckEffects& effects, const rapidjson::Value* result, Now now);
  std::string start_call(InFlight f, std::string_view payload, Now now);
  // An answer that does not end a CALL in progress (a malformed frame, a duplicate id).
  std::uint64_t refuse(const std::string& id, RpcErrorCode code, std::string_view description);
  void observe(bool sent, const std::string& text);

  SessionOptions options_;
  Store& store_;
  DurableHandler& durable_;
  LogFn log_;
  FrameFn frame_observer_;
  std::optional<std::string> invalid_frame_;
  core::MessageIdGenerator ids_;
  RetryPolicy retry_;

  bool connected_ = false;
  bool open_ = false;
  std::uint64_t epoch_ = 0;
  std::deque<std::string> replies_;
  std::uint64_t replies_queued_ = 0;  // tickets handed out
  std::uint64_t replies_gone_ = 0;    // tickets sent or dropped
  // Ids of the peer's CALLs not answered yet (OCPP-J 1.6 section 4.2.3: a CALL with the id of
  // one "being handled already" is an error).
  std::unordered_set<std::string> calls_in_progress_;
  std::deque<Volatile> volatile_;
  std::optional<Volatile> opening_;
  std::optional<InFlight> in_flight_;
  std::optional<OutboxMessage> head_;
  bool head_loaded_ = false;
  std::optional<MonoTime> retry_at_;
  std::size_t outbox_size_ = 0;
  bool read_failing_ = false;
  // How long a store that fails to read or remove a message is left alone before the next try.
  static constexpr std::chrono::seconds kStoreRetry{10};
  // seq of the newest message appended in this run; kQueuedBeforeThisRun while the store held
  // messages of an earlier run at load and none was appended since: a volatile CALL produced
  // then goes after all of them.
  static constexpr std::int64_t kQueuedBeforeThisRun = std::numeric_limits<std::int64_t>::max();
  std::int64_t last_appended_seq_ = 0;
};

}  // namespace ocpp::rpc
