// CALLs from the CSMS. Each handler validates the payload against the schema (through the
// generated codec), then answers; answers that need the firmware's decision go through a
// deferred hook and are sent when it has run.
#include "v16/engine_impl.hpp"

namespace ocpp::v16 {
namespace {

// Actions the charge point sends but never receives: "recognized but not supported"
// (OCPP-J 1.6 section 4.2.3, NotSupported).
bool sent_by_charge_point_only(Action a) {
  switch (a) {
    case Action::Authorize:
    case Action::BootNotification:
    case Action::DiagnosticsStatusNotification:
    case Action::FirmwareStatusNotification:
    case Action::Heartbeat:
    case Action::MeterValues:
    case Action::StartTransaction:
    case Action::StatusNotification:
    case Action::StopTransaction:
    case Action::LogStatusNotification:
    case Action::SecurityEventNotification:
    case Action::SignCertificate:
    case Action::SignedFirmwareStatusNotification:
      return true;
    default:
      return false;
  }
}


}  // namespace

void Engine::Impl::handle_call(rpc::Frame& frame, Now now) {
  Action action{};
  if (!from_string(frame.action, action)) {
    reply_error(frame.id, RpcErrorCode::NotImplemented, "unknown action " + frame.action);
    return;
  }
  if (sent_by_charge_point_only(action)) {
    reply_error(frame.id, RpcErrorCode::NotSupported,
                frame.action + " is sent by the charge point, not to it");
    return;
  }
  for (auto& m : modules_) {
    if (m->handles(action)) {
      m->handle(action, frame, now);
      return;
    }
  }
  // Every action of the six feature profiles and of the Security Whitepaper is handled by a
  // module; an action a charge point sends (BootNotification, ...) arriving from the CSMS is
  // recognized but not one the charge point answers: NotSupported (OCPP-J 1.6 §4.2.3;
  // NotImplemented means "not known by receiver").
  reply_error(frame.id, RpcErrorCode::NotSupported, frame.action + " is not a call a charge point answers");
}

}  // namespace ocpp::v16
