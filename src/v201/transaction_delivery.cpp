// Delivery of the TransactionEventRequests (OCPP 2.0.1 E04, E12, E13) and of the critical
// SecurityEventNotificationRequests (A04.FR.02): the durable outbox's 2.0.1 part, what their
// answers change (E05: an idToken the CSMS does not accept), the transactions a power cut
// interrupted, and GetTransactionStatus (E14).
#include <rapidjson/document.h>

#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

namespace {

// The engine wrote the payload with the codec, whose output has no spaces.
bool is_ended(const OutboxMessage& m) {
  return m.payload.find(R"("eventType":"Ended")") != std::string::npos;
}

class Durable201 final : public rpc::DurableHandler {
 public:
  explicit Durable201(Engine::Impl& im) : im_(im) {}

  Prepared prepare(const OutboxMessage& m, std::string& payload) override {
    if (m.protocol != kProtocol) {
      // Written by another protocol version (the charger was switched from OCPP 1.6): it
      // can never be sent on this connection.
      im_.log(1, "discarding queued " + m.action + " written by " +
                     (m.protocol.empty() ? std::string("an unknown protocol") : m.protocol));
      return Prepared::discard;
    }
    if (m.action != "TransactionEvent" && m.action != "SecurityEventNotification")
      return Prepared::unknown_action;
    // Everything, the offline flag included (E04.FR.03), was fixed when it was written.
    payload = m.payload;
    return Prepared::send;
  }

  bool check_result(const OutboxMessage& m, const rapidjson::Value& result, AckEffects& effects,
                    std::string& error) override {
    codec::Error err;
    if (m.action == "SecurityEventNotification") {
      SecurityEventNotificationResponse resp;  // A04.FR.03
      if (codec::decode(result, resp, err)) return true;
      error = err.message;
      return false;
    }
    TransactionEventResponse resp;
    if (!codec::decode(result, resp, err)) {
      error = err.message;
      return false;
    }
    effects.delete_transaction = is_ended(m);
    return true;
  }

  AckEffects discard_effects(const OutboxMessage& m) override {
    AckEffects e;
    e.delete_transaction = m.protocol == kProtocol && is_ended(m);
    return e;
  }

  void removed(const OutboxMessage& m, const AckEffects&, const rapidjson::Value* result,
               Now now) override {
    if (m.action == "TransactionEvent") im_.on_transaction_message_removed(m, result, now);
  }

 private:
  Engine::Impl& im_;
};

}  // namespace

std::unique_ptr<rpc::DurableHandler> make_durable_handler(Engine::Impl& im) {
  return std::make_unique<Durable201>(im);
}

std::error_code Engine::Impl::load_transactions(Now now) {
  std::vector<std::pair<std::string, std::string>> kv;
  if (auto ec = store_.kv_load(kTxCounterKey, kv)) return ec;
  for (const auto& [k, v] : kv)
    if (k == kTxCounterKey) tx_counter_ = std::strtoll(v.c_str(), nullptr, 10);
  std::vector<TransactionRecord> recs;
  if (auto ec = store_.transactions_load(recs)) return ec;
  for (const TransactionRecord& rec : recs) {
    if (rec.protocol != kProtocol) continue;
    Pending& p = pending_[rec.tx_key];
    p.transaction_id = rec.transaction_id.value_or("");
    p.earlier = true;
    if (rec.stopped || !valid_evse(rec.evse_id)) continue;
    // A transaction the station was running when it lost power: it cannot go on after the
    // restart (the EV was not charged meanwhile), so it ends now with stoppedReason
    // PowerLoss, with the seqNo after the last one written (docs/protocol-choices.md).
    EvseTx& e = evse_tx(rec.evse_id);
    Transaction t;
    t.tx_key = rec.tx_key;
    t.transaction_id = p.transaction_id;
    t.next_seq_no = static_cast<std::int32_t>(rec.seq_no);
    t.connector_id = rec.connector_id;
    t.connector_sent = true;
    t.id_token_sent = true;
    t.charging_state = ChargingStateEnumType::Idle;
    e.tx = std::move(t);
    if (auto ec = end_transaction(rec.evse_id, TriggerReasonEnumType::AbnormalCondition,
                                  ReasonEnumType::PowerLoss, now))
      return ec;
  }
  return {};
}

void Engine::Impl::on_transaction_message_removed(const OutboxMessage& m,
                                                  const rapidjson::Value* result, Now now) {
  auto it = pending_.find(m.tx_key);
  if (it != pending_.end()) {
    if (it->second.queued > 0) --it->second.queued;
    if (is_ended(m)) pending_.erase(it);
  }
  if (!result) return;
  TransactionEventResponse resp;
  codec::Error err;
  if (!codec::decode(*result, resp, err) || !resp.idTokenInfo) return;
  // authorization cache (C10.FR.05): the idTokenInfo is of the idToken the request carried.
  TransactionEventRequest sent;
  if (codec::from_json(m.payload, sent, err) && sent.idToken)
    cache_id_token_info(*sent.idToken, *resp.idTokenInfo, now);
  if (resp.idTokenInfo->status == AuthorizationStatusEnumType::Accepted) return;
  // E05: the CSMS does not accept the idToken of an ongoing transaction. What follows writes
  // messages: it runs after the session has finished with this one.
  const std::int64_t tx_key = m.tx_key;
  completions_.push_back({[] { return true; },
                          [tx_key](Impl& im, Now now) {
                            for (std::size_t i = 0; i < im.evse_txs_.size(); ++i) {
                              const EvseTx& e = im.evse_txs_[i];
                              if (!e.tx || e.tx->tx_key != tx_key) continue;
                              const int evse_id = static_cast<int>(i) + 1;
                              if (auto ec = im.id_token_refused(evse_id, now))
                                im.log(0, "cannot record the deauthorization on EVSE " +
                                              std::to_string(evse_id) + ": " + ec.message());
                            }
                          }});
}

double Engine::Impl::transaction_energy(const EvseTx& e) const {
  auto it = e.readings.find(MeasurandEnumType::Energy_Active_Import_Register);
  if (!e.tx || !e.tx->energy_start || it == e.readings.end()) return 0;
  return it->second - *e.tx->energy_start;
}

std::error_code Engine::Impl::id_token_refused(int evse_id, Now now) {
  EvseTx& e = evse_tx(evse_id);
  if (!e.tx || e.tx->deauthorized || e.tx->invalid_id) return {};
  if (tx_settings_.stop_tx_on_invalid_id) {
    // E05.FR.09, E05.FR.10 (MaxEnergyOnInvalidId applies only without StopTxOnInvalidId).
    return authorization_ended(evse_id, TriggerReasonEnumType::Deauthorized,
                               ReasonEnumType::DeAuthorized, now);
  }
  const auto max = tx_settings_.max_energy_on_invalid_id;
  if (max > 0 && transaction_energy(e) < static_cast<double>(max)) {
    // E05.FR.03, C15.FR.07: energy goes on until the transaction has delivered
    // MaxEnergyOnInvalidId (set_measurand checks each new register reading).
    e.tx->invalid_id = true;
    return {};
  }
  return suspend_for_invalid_id(evse_id, now);  // E05.FR.02, C15.FR.06
}

std::error_code Engine::Impl::suspend_for_invalid_id(int evse_id, Now now) {
  EvseTx& e = evse_tx(evse_id);
  if (!e.tx) return {};
  e.tx->invalid_id = true;
  e.tx->deauthorized = true;
  if (tx_settings_.stop_points & kEnergyTransfer) {
    // E05.FR.02 note: with TxStopPoint EnergyTransfer the end of energy ends the transaction.
    return end_transaction(evse_id, TriggerReasonEnumType::ChargingStateChanged,
                           ReasonEnumType::DeAuthorized, now);
  }
  set_charging_time(e, ChargingStateEnumType::SuspendedEVSE, now);
  return write_event(evse_id, TransactionEventEnumType::Updated,
                     TriggerReasonEnumType::ChargingStateChanged, now);
}

void Engine::Impl::handle_get_transaction_status(const rpc::Frame& frame) {
  GetTransactionStatusRequest req;
  if (!decode_request(frame, req)) return;
  GetTransactionStatusResponse resp;
  if (req.transactionId) {
    bool ongoing = false;
    for (const EvseTx& e : evse_txs_)
      if (e.tx && e.tx->transaction_id == *req.transactionId) ongoing = true;
    bool queued = false;
    for (const auto& [key, p] : pending_)
      if (p.transaction_id == *req.transactionId && (p.queued > 0 || p.earlier)) queued = true;
    resp.ongoingIndicator = ongoing;  // E14.FR.01 to E14.FR.03
    resp.messagesInQueue = queued;    // E14.FR.04, E14.FR.05
  } else {
    // E14.FR.06 to E14.FR.08: the transaction-related ones (not the security events).
    for (const auto& [key, p] : pending_)
      if (p.queued > 0 || p.earlier) resp.messagesInQueue = true;
  }
  reply(frame.id, codec::to_json(resp));
}

}  // namespace ocpp::v201
