// Functional block F (remote control) of OCPP 2.0.1 part 2: UnlockConnector (F05) and
// TriggerMessage (F06) for the messages this engine sends (BootNotification, Heartbeat,
// StatusNotification, MeterValues, TransactionEvent). RequestStart/StopTransaction (F01 to
// F03) are in authorization.cpp.
#include "v201/engine_impl.hpp"

namespace ocpp::v201 {

void Engine::Impl::handle_trigger_message(const rpc::Frame& frame, Now now) {
  TriggerMessageRequest req;
  if (!decode_request(frame, req)) return;
  TriggerMessageResponse resp;
  resp.status = TriggerMessageStatusEnumType::Rejected;
  // What to send once the answer is queued: the TriggerMessageResponse goes first (F06.FR.04;
  // the session sends replies before CALLs of ours).
  std::function<void()> send;
  switch (req.requestedMessage) {
    case MessageTriggerEnumType::BootNotification:
      // F06.FR.17: Rejected after Accepted. Before Accepted a triggered BootNotificationRequest
      // may go out before the interval is over (B02.FR.04); Rejected while one is in flight,
      // whose answer is awaited.
      if (!accepted() && !boot_in_flight_) {
        resp.status = TriggerMessageStatusEnumType::Accepted;
        send = [this, now] { next_boot_ = now.mono; };
      }
      break;
    case MessageTriggerEnumType::Heartbeat:
      // The evse is not relevant to a heartbeat: ignored (F06.FR.03). Before Accepted only
      // BootNotification goes out in this increment: Rejected.
      if (accepted()) {
        resp.status = TriggerMessageStatusEnumType::Accepted;
        send = [this] { send_heartbeat(); };
      }
      break;
    case MessageTriggerEnumType::StatusNotification:
      // F06.FR.12: without evse or its connectorId, Rejected; an unknown connector as well.
      if (accepted() && req.evse && req.evse->connectorId &&
          connector(req.evse->id, *req.evse->connectorId)) {
        resp.status = TriggerMessageStatusEnumType::Accepted;
        send = [this, evse = req.evse->id, c = *req.evse->connectorId, now] {
          report_status(evse, c, now);
        };
      }
      break;
    case MessageTriggerEnumType::MeterValues:
    case MessageTriggerEnumType::TransactionEvent: {
      // F06.FR.03: an evse that does not exist is not relevant: Rejected (nothing to send).
      std::optional<int> evse_id;
      if (req.evse && req.evse->id != 0) evse_id = req.evse->id;
      const bool has = req.requestedMessage == MessageTriggerEnumType::MeterValues
                           ? trigger_meter_values(evse_id, now)
                           : trigger_transaction_event(evse_id);
      if (accepted() && has) {
        resp.status = TriggerMessageStatusEnumType::Accepted;
        send = [this, what = req.requestedMessage, evse_id, now] {
          send_triggered(what, evse_id, now);
        };
      }
      break;
    }
    // --- firmware update (L01), logs (N01) ---
    case MessageTriggerEnumType::FirmwareStatusNotification:
      // F06.FR.16, L01.FR.25/26: the last status sent, Idle when there is none or it was
      // Installed.
      if (accepted()) {
        resp.status = TriggerMessageStatusEnumType::Accepted;
        send = [this] { send_firmware_status_triggered(); };
      }
      break;
    case MessageTriggerEnumType::LogStatusNotification:
      // F06.FR.14/15: Uploading while an upload runs, else Idle.
      if (accepted()) {
        resp.status = TriggerMessageStatusEnumType::Accepted;
        send = [this] { send_log_status_triggered(); };
      }
      break;
    // --- end firmware update, logs ---
    case MessageTriggerEnumType::SignChargingStationCertificate:
      // certificate management (A02.FR.02: the key pair after the TriggerMessageResponse;
      // A02.FR.19, A02.FR.20: a trigger starts the back-off afresh).
      if (can_sign_certificate()) {
        resp.status = TriggerMessageStatusEnumType::Accepted;
        send = [this, now] { send_sign_certificate(true, now); };
      }
      break;
    default:
      // F06.FR.08: a message this Charging Station does not implement.
      resp.status = TriggerMessageStatusEnumType::NotImplemented;
      break;
  }
  reply(frame.id, codec::to_json(resp));
  // F06.FR.10: what was Accepted is sent.
  if (send) send();
}

void Engine::Impl::handle_unlock_connector(const rpc::Frame& frame) {
  UnlockConnectorRequest req;
  if (!decode_request(frame, req)) return;
  auto answer = [id = frame.id, epoch = epoch()](Impl& im, UnlockStatusEnumType status, Now) {
    if (im.epoch() != epoch || !im.connected()) return;  // F05.FR.01 on its connection
    UnlockConnectorResponse resp;
    resp.status = status;
    im.reply(id, codec::to_json(resp));
  };
  if (!connector(req.evseId, req.connectorId)) {
    answer(*this, UnlockStatusEnumType::UnknownConnector, Now{});  // F05.FR.03
    return;
  }
  const EvseTx& e = evse_tx(req.evseId);
  if (e.tx && e.tx->id_token && !e.tx->deauthorized &&
      (e.tx->connector_id == 0 || e.tx->connector_id == req.connectorId)) {
    answer(*this, UnlockStatusEnumType::OngoingAuthorizedTransaction, Now{});  // F05.FR.02
    return;
  }
  if (!hooks_.unlock_connector) {
    answer(*this, UnlockStatusEnumType::UnlockFailed, Now{});  // F05.FR.05: no way to unlock
    return;
  }
  // F05.FR.04 to F05.FR.06: the firmware tries, cable or not, and says how it went.
  defer_decision<UnlockStatusEnumType>(
      [h = hooks_.unlock_connector, evse = req.evseId, c = req.connectorId] { return h(evse, c); },
      std::move(answer));
}

}  // namespace ocpp::v201
