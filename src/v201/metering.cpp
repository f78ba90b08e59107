// Block J of OCPP 2.0.1 part 2, the meter values not tied to the sampled transaction data of
// transactions.cpp: clock-aligned values (J01, AlignedDataCtrlr) and those TriggerMessage asks
// for (F06.FR.06, F06.FR.07).
#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

std::optional<MonoTime> Engine::Impl::next_clock_aligned(Now now,
                                                         std::chrono::seconds interval) const {
  const auto iv = interval.count();
  if (iv <= 0) return std::nullopt;
  // Clock-aligned: at midnight (UTC) and every interval after it, the last one of a day
  // cut short by the next midnight.
  constexpr std::int64_t kDay = 86400;
  const auto wall = std::chrono::duration_cast<std::chrono::seconds>(now.wall.time_since_epoch());
  const std::int64_t of_day = ((wall.count() % kDay) + kDay) % kDay;
  const std::int64_t next = std::min<std::int64_t>((of_day / iv + 1) * iv, kDay);
  return now.mono + std::chrono::seconds(next - of_day);
}

void Engine::Impl::schedule_aligned(Now now) {
  next_aligned_ = next_clock_aligned(now, tx_settings_.aligned_interval);
  next_aligned_ended_ = next_clock_aligned(now, tx_settings_.aligned_ended_interval);
}

bool Engine::Impl::send_meter_values(int evse_id, const std::vector<MeasurandEnumType>& list,
                                     ReadingContextEnumType context, Now now) {
  // J01.FR.21: AlignedDataCtrlr.SignReadings signs what a MeterValuesRequest carries.
  auto mv = meter_values(evse_tx(evse_id), list, context, now.wall, tx_settings_.sign_aligned);
  if (!mv) return false;
  MeterValuesRequest req;
  req.evseId = evse_id;  // J01.FR.02
  req.meterValue = std::move(*mv);
  send_volatile(Action::MeterValues, codec::to_json(req));
  return true;
}

void Engine::Impl::aligned_timer(Now now) {
  if (next_aligned_ended_ && now.mono >= *next_aligned_ended_) {
    next_aligned_ended_ = next_clock_aligned(now, tx_settings_.aligned_ended_interval);
    // AlignedDataCtrlr.TxEndedInterval: clock-aligned samples of TxEndedMeasurands, sent only
    // in the transaction's Ended message (E06.FR.11), context Sample.Clock.
    for (EvseTx& e : evse_txs_)
      if (e.tx)
        if (auto mv = meter_values(e, tx_settings_.aligned_ended_measurands,
                                   ReadingContextEnumType::Sample_Clock, now.wall,
                                   tx_settings_.sign_aligned))
          add_ended_sample(*e.tx, std::move(*mv));
  }
  if (!next_aligned_ || now.mono < *next_aligned_) return;
  next_aligned_ = next_clock_aligned(now, tx_settings_.aligned_interval);
  const bool station_busy = transactions_in(std::nullopt);
  for (int id = 1; id <= static_cast<int>(evse_txs_.size()); ++id) {
    EvseTx& e = evse_tx(id);
    // J01.FR.19, J01.FR.20: with SendDuringIdle, nothing while a transaction is ongoing.
    if (tx_settings_.aligned_send_during_idle && station_busy) break;
    if (e.tx) {
      // J01.FR.22: in the transaction's messages (durable, in order with them).
      if (!meter_values(e, tx_settings_.aligned_measurands, ReadingContextEnumType::Sample_Clock,
                        now.wall, false))
        continue;
      if (auto ec = write_event(id, TransactionEventEnumType::Updated,
                                TriggerReasonEnumType::MeterValueClock, now, std::nullopt,
                                ReadingContextEnumType::Sample_Clock))
        log(0, "cannot queue the clock-aligned meter values: " + ec.message());
    } else if (online()) {
      // J01.FR.14: MeterValuesRequest for an EVSE without a transaction.
      send_meter_values(id, tx_settings_.aligned_measurands, ReadingContextEnumType::Sample_Clock,
                        now);
    }
  }
}

bool Engine::Impl::trigger_meter_values(std::optional<int> evse_id, Now now) {
  // F06.FR.06: the most recent values of AlignedDataMeasurands; F06.FR.11: without evse for
  // every EVSE. Rejected when there is nothing to send (sampledValue needs one item).
  bool any = false;
  for (int id = 1; id <= static_cast<int>(evse_txs_.size()); ++id) {
    if (evse_id && *evse_id != id) continue;
    if (meter_values(evse_tx(id), tx_settings_.aligned_measurands, ReadingContextEnumType::Trigger,
                     now.wall, false))
      any = true;
  }
  return any;
}

bool Engine::Impl::trigger_transaction_event(std::optional<int> evse_id) const {
  for (int id = 1; id <= static_cast<int>(evse_txs_.size()); ++id)
    if ((!evse_id || *evse_id == id) && evse_txs_[static_cast<std::size_t>(id - 1)].tx) return true;
  return false;
}

void Engine::Impl::send_triggered(MessageTriggerEnumType what, std::optional<int> evse_id,
                                  Now now) {
  for (int id = 1; id <= static_cast<int>(evse_txs_.size()); ++id) {
    if (evse_id && *evse_id != id) continue;
    EvseTx& e = evse_tx(id);
    if (what == MessageTriggerEnumType::MeterValues) {
      send_meter_values(id, tx_settings_.aligned_measurands, ReadingContextEnumType::Trigger, now);
    } else if (e.tx) {
      // F06.FR.07: triggerReason Trigger, at least the chargingState (sent again even if
      // unchanged), and the latest meter values.
      e.tx->charging_state.reset();
      if (auto ec =
              write_event(id, TransactionEventEnumType::Updated, TriggerReasonEnumType::Trigger,
                          now, std::nullopt, ReadingContextEnumType::Trigger))
        log(0, "cannot queue the triggered TransactionEvent: " + ec.message());
    }
  }
}

}  // namespace ocpp::v201
