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
  /// The protocol that wrote it, as its WebSocket subprotocol name ("ocpp1.6", "ocpp2.0.1"):
  /// a charge point that changes version never sends another version's message.
  std::string protocol;
  /// When > 0 (and tx_key is set): the transaction's next sequence number after this message
  /// (OCPP 2.0.1 seqNo), recorded in the same atomic write as the message.
  std::int64_t tx_seq_no = 0;
};

/// A transaction as the charger knows it, from its start until its last message is
/// acknowledged. The same record serves every protocol version; what only one version needs
/// is in `data`.
struct TransactionRecord {
  std::int64_t tx_key = 0;                    ///< local key, assigned by the store; never reused
  std::string protocol;                       ///< the protocol that started it ("ocpp1.6", ...)
  int evse_id = 0;                            ///< OCPP 2.0.1 EVSE; 0 in OCPP 1.6
  int connector_id = 0;                       ///< 1..N
  std::optional<std::string> id_token;        ///< the idTag / idToken that started it, if any
  /// The transaction's id: in 1.6 the CSMS's transactionId once known (decimal), in 2.0.1 the
  /// charging station's own from the start.
  std::optional<std::string> transaction_id;
  std::int64_t seq_no = 0;                    ///< next sequence number of its messages (2.0.1 seqNo)
  bool stopped = false;                       ///< its stop message has been queued
  std::string data = "{}";                    ///< the version's own fields, a JSON object
};

/// What acknowledging a message changes, in the same atomic write as its removal.
struct AckEffects {
  std::optional<std::string> set_transaction_id;  ///< 1.6 StartTransaction.conf: the CSMS's id
  bool delete_transaction = false;                ///< the last message: forget the transaction
};

/// The durable state of one charge point: the outbox, its transactions and key/value state.
/// See the contract at the top of this file.
class OCPP_API Store {
 public:
  virtual ~Store() = default;

  // --- outbox (FIFO by seq) ---
  /// Appends a message; sets msg.seq. With msg.tx_key and msg.tx_seq_no set, also records
  /// the transaction's next sequence number in the same write.
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
