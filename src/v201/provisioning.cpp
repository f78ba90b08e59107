// Functional block B (provisioning) of OCPP 2.0.1 part 2: the boot of B01 (Accepted), B02
// (Pending) and B03 (Rejected), Reset (B11, and with transactions B12); and the heartbeat of G02,
// whose interval the boot sets.
#include <algorithm>

#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

void Engine::Impl::queue_boot(Now now) {
  // B01.FR.08, B02.FR.04: nothing but BootNotificationRequest before Accepted, and that not
  // before the interval the CSMS gave.
  if (!connected() || accepted() || boot_in_flight_ || now.mono < next_boot_) return;
  boot_in_flight_ = true;
  BootNotificationRequest req;
  req.chargingStation = options_.charging_station;
  req.reason = options_.boot_reason;  // B01.FR.09
  session_.send_opening("BootNotification", codec::to_json(req),
                        [this](const rapidjson::Value* result, Now n) {
                          // Cut off by a disconnect: the next connection boots afresh.
                          if (!result && !connected()) {
                            boot_in_flight_ = false;
                            return;
                          }
                          on_boot_result(result, n);
                        });
}

void Engine::Impl::on_boot_result(const rapidjson::Value* result, Now now) {
  boot_in_flight_ = false;
  BootNotificationResponse resp;
  codec::Error err;
  if (!result || !codec::decode(*result, resp, err)) {
    // No usable answer (CALLERROR, timeout, schema violation): try again later without
    // flooding the CSMS (B02.FR.07).
    if (result) log(0, "invalid BootNotificationResponse: " + err.message);
    next_boot_ = now.mono + options_.boot_retry_default;
    return;
  }
  registration_ = resp.status;
  session_.set_open(accepted());
  const std::int32_t interval = std::max<std::int32_t>(resp.interval, 0);
  if (hooks_.boot) defer([h = hooks_.boot, s = resp.status, interval] { h(s, interval); });
  // B01.FR.06: the CSMS's current time, for the firmware's clock.
  if (hooks_.time_sync) defer([h = hooks_.time_sync, t = resp.currentTime] { h(t); });
  if (accepted()) {
    // B01.FR.04, G02.FR.01: an interval > 0 is the heartbeat interval.
    if (interval > 0) {
      heartbeat_interval_ = std::chrono::seconds(interval);
      // OCPPCommCtrlr.HeartbeatInterval reads what is in use; not stored, since every boot
      // brings it again.
      VariableKey k;
      k.component = "OCPPCommCtrlr";
      k.variable = "HeartbeatInterval";
      dm_.set(k, AttributeEnumType::Actual, std::to_string(interval), SetSource::local);
    }
    if (heartbeat_interval_.count() > 0) next_heartbeat_ = now.mono + heartbeat_interval_;
    report_all_status(now);  // B01.FR.05
    external_limits_online(now);  // K11-K13: external limits set before Accepted
  } else {
    // B02.FR.07/08, B03.FR.05/06: the next BootNotificationRequest after the interval, or
    // after a wait of our own when it is 0.
    next_boot_ =
        now.mono + (interval > 0 ? std::chrono::seconds(interval) : options_.boot_retry_default);
  }
}

bool Engine::Impl::handle_pending_call(const rpc::Frame& frame, Action action) {
  // B02.FR.05: while Pending, RequestStartTransaction and RequestStopTransaction are
  // Rejected, even where transactions are allowed before Accepted (B02.FR.03).
  if (action == Action::RequestStartTransaction) {
    RequestStartTransactionRequest req;
    if (!decode_request(frame, req)) return true;
    RequestStartTransactionResponse resp;
    resp.status = RequestStartStopStatusEnumType::Rejected;
    reply(frame.id, codec::to_json(resp));
    return true;
  }
  if (action == Action::RequestStopTransaction) {
    RequestStopTransactionRequest req;
    if (!decode_request(frame, req)) return true;
    RequestStopTransactionResponse resp;
    resp.status = RequestStartStopStatusEnumType::Rejected;
    reply(frame.id, codec::to_json(resp));
    return true;
  }
  return false;
}

void Engine::Impl::handle_reset(const rpc::Frame& frame) {
  ResetRequest req;
  if (!decode_request(frame, req)) return;
  auto answer = [id = frame.id, epoch = epoch(), type = req.type, evse_id = req.evseId](
                    Impl& im, ResetStatusEnumType status, Now now) {
    // The connection the ResetRequest came on is gone: the CSMS forgot it; no reset.
    if (im.epoch() != epoch || !im.connected()) return;
    const bool busy = im.transactions_in(evse_id);
    // B12.FR.01: OnIdle with a transaction ongoing: Scheduled, the reset when it has ended.
    const bool when_idle =
        status == ResetStatusEnumType::Accepted && type == ResetEnumType::OnIdle && busy;
    if (when_idle) status = ResetStatusEnumType::Scheduled;
    ResetResponse resp;
    resp.status = status;
    const auto ticket = im.reply(id, codec::to_json(resp));  // B11.FR.01
    if (status == ResetStatusEnumType::Rejected) return;
    if (status == ResetStatusEnumType::Scheduled && !when_idle)
      return;  // B11.FR.07: the firmware resets later on its own
    im.pending_reset_ = PendingReset{ticket, type, evse_id};
    if (type == ResetEnumType::Immediate) {
      // B12.FR.04, B12.FR.08: the transactions end before the reset; their Ended messages are
      // durable and go out after it if not before (B12.FR.05).
      for (int e = 1; e <= static_cast<int>(im.evse_txs_.size()); ++e) {
        if (evse_id && *evse_id != e) continue;
        EvseTx& etx = im.evse_tx(e);
        if (!etx.tx) continue;
        // E02.FR.13: the reset stops the energy transfer; with the EV still connected the Ended
        // reports chargingState EVConnected (part 6 TC_B_22, TC_B_27 check it).
        if (etx.plugged_connector != 0 && etx.charging_state != ChargingStateEnumType::Idle)
          im.set_charging_time(etx, ChargingStateEnumType::EVConnected, now);
        if (auto ec = im.end_transaction(e, TriggerReasonEnumType::ResetCommand,
                                         ReasonEnumType::ImmediateReset, now))
          im.log(0, "cannot end the transaction before the reset: " + ec.message());
      }
    }
  };
  const bool known_evse =
      !req.evseId || (*req.evseId >= 1 && static_cast<std::size_t>(*req.evseId) <= evses_.size());
  if (!hooks_.reset_allowed || !hooks_.reset || !known_evse || pending_reset_) {
    // No way to reset, an EVSE that does not exist, or a reset already under way.
    answer(*this, ResetStatusEnumType::Rejected, Now{});
    return;
  }
  defer_decision<ResetStatusEnumType>([h = hooks_.reset_allowed, type = req.type,
                                       evse_id = req.evseId] { return h(type, evse_id); },
                                      std::move(answer));
}

bool Engine::Impl::transactions_in(std::optional<std::int32_t> evse_id) const {
  for (std::size_t i = 0; i < evse_txs_.size(); ++i)
    if (evse_txs_[i].tx && (!evse_id || *evse_id == static_cast<int>(i) + 1)) return true;
  return false;
}

bool Engine::Impl::reset_due() const {
  if (!pending_reset_ || !session_.reply_gone(pending_reset_->reply_ticket)) return false;
  // B12.FR.03, B12.FR.07: an OnIdle reset waits for the transactions to end.
  return pending_reset_->type != ResetEnumType::OnIdle || !transactions_in(pending_reset_->evse_id);
}

void Engine::Impl::reset_timer() {
  // B11.FR.03, B11.FR.08: the reset starts once the Accepted answer is out.
  if (!reset_due()) return;
  defer([h = hooks_.reset, type = pending_reset_->type, evse_id = pending_reset_->evse_id] {
    h(type, evse_id);
  });
  pending_reset_.reset();
}

void Engine::Impl::heartbeat_timer(Now now) {
  if (!online() || !next_heartbeat_ || now.mono < *next_heartbeat_) return;
  // G02.FR.02: HeartbeatRequest every heartbeat interval.
  next_heartbeat_ = heartbeat_interval_.count() > 0
                        ? std::optional<MonoTime>(now.mono + heartbeat_interval_)
                        : std::nullopt;
  send_heartbeat();
}

void Engine::Impl::send_heartbeat() {
  send_volatile(Action::Heartbeat, codec::to_json(HeartbeatRequest{}),
                [this](const rapidjson::Value* result, Now) {
                  HeartbeatResponse resp;
                  codec::Error err;
                  if (!result) return;
                  if (!codec::decode(*result, resp, err)) {
                    log(1, "invalid HeartbeatResponse: " + err.message);
                    return;
                  }
                  // G02.FR.06: the CSMS's current time, for the firmware's clock.
                  if (hooks_.time_sync)
                    defer([h = hooks_.time_sync, t = resp.currentTime] { h(t); });
                });
}

}  // namespace ocpp::v201
