// Drives an ocpp::v16::Engine as a host would (simulated clock, pumping hooks and frames) and
// checks the engine's promises after every step; a broken promise aborts (fuzz_support.hpp):
//
// - Every frame we send is a valid OCPP-J frame; our CALL payloads and CALLRESULT payloads
//   conform to the schema of their action (the generated codec).
// - Every CALL from the CSMS with a readable id (rpc::parse_frame: Kind::Call, or Invalid with
//   reply_possible) that arrives while connected and not BootNotification-Rejected gets exactly
//   one answer before the connection closes; nothing else is answered. Answers that need a hook
//   come once the host has run the hooks (poll_hook_call, then handle_timeout).
// - At most one CALL of ours is unanswered; before Accepted that CALL is a BootNotification.
// - A message in the durable outbox leaves it only (a) by its acknowledgement: a CALLRESULT to
//   it that decodes as its response, after which it must be gone; (b) after a failed attempt
//   (CALLERROR, an invalid CALLRESULT, no answer within call_timeout) that reaches
//   TransactionMessageAttempts; (c) as a MeterValues or StopTransaction of a transaction that
//   has no transactionId and whose StartTransaction is no longer queued (it was discarded per
//   (b)); (d) as the oldest droppable message when a new one is queued at outbox_limit; or
//   (e) when it is unreadable: not a transaction message, or a payload that does not conform
//   to its action's request (only a damaged store holds such a message).
// - The engine's count of queued messages is the store's; after the host ran everything due,
//   the next deadline is in the future (no busy loop).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "ocpp/store.hpp"
#include "ocpp/v16/engine.hpp"

namespace fuzz {

class CheckedStore;

class EngineDriver {
 public:
  EngineDriver(ocpp::Store& store, int connectors, std::size_t outbox_limit);
  ~EngineDriver();
  EngineDriver(const EngineDriver&) = delete;
  EngineDriver& operator=(const EngineDriver&) = delete;

  /// Creates the engine on the store; false when Engine::create refused (e.g. a store that
  /// could not be read), which the caller decides whether to accept.
  bool start();
  /// A power cut: the engine is gone, the store stays, a new engine starts on it.
  void restart();
  bool running() const { return engine_ != nullptr; }
  ocpp::v16::Engine& engine() { return *engine_; }
  ocpp::Now now() const { return now_; }

  void connect();
  void disconnect();
  /// One frame from the CSMS.
  void deliver(std::string_view text);
  /// Advances the simulated clock by d, running every deadline on the way.
  void advance(std::chrono::milliseconds d);
  /// Moves the wall clock only (the host's clock was set).
  void jump_wall(std::chrono::seconds d);
  /// Runs hooks and sends what is due until quiet, then checks the invariants. Call after every
  /// direct use of engine().
  void settle();

  /// The firmware's answers when hooks run (remote start accepted or not, meter values, ...)
  /// follow from this byte and a counter, not from the input stream, so that a program's
  /// meaning does not depend on which hooks happen to run.
  void set_mood(std::uint8_t mood) { choices_.mood = mood; }

  /// Our CALL waiting for its answer.
  struct Sent {
    std::string id;
    ocpp::v16::Action action{};
    ocpp::MonoTime deadline{};
    std::optional<std::int64_t> seq;  // the durable message it carries
  };
  const std::optional<Sent>& in_flight() const { return in_flight_; }
  /// Every frame we sent, oldest first (bounded; for targets that look at them).
  const std::vector<std::string>& sent() const { return sent_; }

  /// The store calls these when a message leaves the outbox.
  void on_acked(const ocpp::OutboxMessage& m);
  void on_dropped(const ocpp::OutboxMessage& m, std::size_t queued_before);

 private:
  void install_hooks();
  void handle_timeout();
  void transmit(const std::string& text);
  void check_settled();
  int config_int(const char* key);

  struct Choices {
    std::uint8_t mood = 0;
    std::uint32_t count = 0;
    std::uint8_t byte() { return static_cast<std::uint8_t>(mood ^ (count++ * 37u)); }
    std::size_t pick(std::size_t n) { return byte() % n; }
  };

  std::unique_ptr<CheckedStore> store_;
  Choices choices_;
  ocpp::v16::EngineOptions options_;
  ocpp::v16::Hooks hooks_;
  std::unique_ptr<ocpp::v16::Engine> engine_;
  ocpp::Now now_;

  std::optional<Sent> in_flight_;
  std::set<std::string> our_ids_;
  // CSMS CALLs waiting for their answer, by id: the action, or nullopt for a frame that is
  // answered with a CALLERROR only (rpc::Frame::Kind::Invalid).
  std::map<std::string, std::vector<std::optional<ocpp::v16::Action>>> unanswered_;
  std::vector<std::string> sent_;

  // What the engine is doing while the store reports a removal.
  struct Reply {
    std::int64_t seq = 0;
    bool acknowledges = false;  // a CALLRESULT that decodes as the message's response
  };
  std::optional<Reply> reply_;  // receiving the answer to our durable CALL
  std::optional<std::int64_t> timing_out_;  // handle_timeout ends our durable CALL
  std::optional<std::int64_t> must_leave_;  // acknowledged: must be gone after receive()
  bool restart_requested_ = false;
};

/// A valid answer (CALLRESULT payload) of a CSMS to our CALL of action, chosen by variant:
/// BootNotification Accepted, Pending or Rejected, idTagInfo statuses, transactionIds from
/// next_tx_id (sometimes a repeated one, as a confused CSMS would send).
std::string valid_result(ocpp::v16::Action action, std::uint8_t variant, ocpp::Now now, int& next_tx_id);

}  // namespace fuzz
