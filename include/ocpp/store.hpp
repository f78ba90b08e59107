// The storage interface the engine writes through. The library ships a SQLite store
// (ocpp/sqlite_store.hpp) and an in-memory one for tests; a host may bring its own.
//
// Contract for every implementation: each method is atomic (all of it or nothing) and
// durable when it returns (a power cut right after the return loses nothing). Methods are
// called from one thread at a time per Store object.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "ocpp/export.hpp"

namespace ocpp {

/// One message in the durable outbox (a CALL not yet acknowledged by the CSMS).
struct OutboxMessage {
  std::int64_t seq = 0;      ///< assigned by the store on append; strictly increasing, never reused
  std::string action;        ///< OCPP action, e.g. "StartTransaction"
  std::string payload;       ///< JSON payload of the CALL (without the RPC frame)
  std::int64_t tx_key = 0;   ///< local key of the transaction it belongs to; 0 = none
  bool droppable = false;    ///< may be dropped, oldest first, when the queue is at its bound
  int attempts = 0;          ///< delivery attempts that failed so far
};

/// A transaction as the charger knows it, from its start until its StopTransaction is acknowledged.
struct TransactionRecord {
  std::int64_t tx_key = 0;                   ///< local key, assigned by the store; never reused
  int connector_id = 0;                      ///< 1..N
  std::string id_tag;                        ///< the idTag that started it
  std::int32_t meter_start = 0;              ///< Wh
  std::string start_time;                    ///< RFC 3339
  std::optional<std::int32_t> transaction_id;///< the CSMS's transactionId, once known
  bool stopped = false;                      ///< StopTransaction has been queued
};

/// What acknowledging a message changes, in the same atomic write as its removal.
struct AckEffects {
  std::optional<std::int32_t> set_transaction_id;  ///< StartTransaction.conf: record the CSMS's id
  bool delete_transaction = false;                 ///< StopTransaction.conf: forget the transaction
};

/// The durable state of one charge point: the outbox, its transactions and key/value state.
/// See the contract at the top of this file.
class OCPP_API Store {
 public:
  virtual ~Store() = default;

  // --- outbox (FIFO by seq) ---
  /// Appends a message; sets msg.seq.
  virtual std::error_code outbox_append(OutboxMessage& msg) = 0;
  /// The oldest message, or nullopt when the outbox is empty.
  virtual std::error_code outbox_front(std::optional<OutboxMessage>& out) = 0;
  /// Number of messages in the outbox.
  virtual std::error_code outbox_size(std::size_t& out) = 0;
  /// Records a failed attempt (sets attempts).
  virtual std::error_code outbox_set_attempts(std::int64_t seq, int attempts) = 0;
  /// Removes the message with seq and applies effects to its transaction (msg.tx_key), atomically.
  virtual std::error_code outbox_ack(std::int64_t seq, std::int64_t tx_key, const AckEffects& effects) = 0;
  /// Removes the oldest droppable message; sets dropped=false if there is none.
  virtual std::error_code outbox_drop_oldest_droppable(bool& dropped) = 0;

  // --- transactions ---
  /// Inserts rec (sets rec.tx_key) and appends start_msg (sets seq, tx_key) atomically.
  virtual std::error_code transaction_begin(TransactionRecord& rec, OutboxMessage& start_msg) = 0;
  /// Marks the transaction stopped and appends stop_msg atomically.
  virtual std::error_code transaction_end(std::int64_t tx_key, OutboxMessage& stop_msg) = 0;
  /// Every transaction not yet forgotten (running, or stopped with the StopTransaction undelivered).
  virtual std::error_code transactions_load(std::vector<TransactionRecord>& out) = 0;

  // --- key/value state (configuration keys, availability, ...) ---
  /// Sets key to value (inserting or replacing).
  virtual std::error_code kv_set(const std::string& key, const std::string& value) = 0;
  /// Removes key; no error if it is absent.
  virtual std::error_code kv_erase(const std::string& key) = 0;
  /// Every pair whose key starts with prefix.
  virtual std::error_code kv_load(const std::string& prefix,
                                  std::vector<std::pair<std::string, std::string>>& out) = 0;
};

/// A store kept in memory only: nothing survives the process. For tests and simulators.
OCPP_API std::unique_ptr<Store> make_memory_store();

}  // namespace ocpp
