// Functional block F (remote control) of OCPP 2.0.1 part 2: TriggerMessage (F06) for the
// messages this engine sends, BootNotification, Heartbeat and StatusNotification.
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
    default:
      // F06.FR.08: a message this Charging Station does not implement.
      resp.status = TriggerMessageStatusEnumType::NotImplemented;
      break;
  }
  reply(frame.id, codec::to_json(resp));
  // F06.FR.10: what was Accepted is sent.
  if (send) send();
}

}  // namespace ocpp::v201
