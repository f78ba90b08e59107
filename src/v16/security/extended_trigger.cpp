// Security Whitepaper edition 3, ExtendedTriggerMessage (sections 5.5, 5.6, 6.16): the
// TriggerMessage of OCPP 2.0.1 in 1.6. The 1.6 notifications follow the rules of
// TriggerMessage (trigger.hpp); the whitepaper adds LogStatusNotification, the
// SignedFirmwareStatusNotification (requested as FirmwareStatusNotification) and
// SignChargePointCertificate (A02).
//
// As for TriggerMessage, the answer is queued before the requested message, so the CSMS sees
// the ExtendedTriggerMessage.conf first (A02.FR.02: the key pair is made after the answer).
#include "v16/engine_impl.hpp"
#include "v16/firmware.hpp"
#include "v16/security/certificates.hpp"
#include "v16/security/logs.hpp"
#include "v16/security/signed_firmware.hpp"
#include "v16/trigger.hpp"

namespace ocpp::v16 {
namespace {

std::optional<MessageTrigger> to_triggered(MessageTriggerEnumType m) {
  switch (m) {
    case MessageTriggerEnumType::BootNotification:
      return MessageTrigger::BootNotification;
    case MessageTriggerEnumType::Heartbeat:
      return MessageTrigger::Heartbeat;
    case MessageTriggerEnumType::MeterValues:
      return MessageTrigger::MeterValues;
    case MessageTriggerEnumType::StatusNotification:
      return MessageTrigger::StatusNotification;
    case MessageTriggerEnumType::FirmwareStatusNotification:
      return MessageTrigger::FirmwareStatusNotification;
    case MessageTriggerEnumType::LogStatusNotification:
    case MessageTriggerEnumType::SignChargePointCertificate:
      return std::nullopt;
  }
  return std::nullopt;
}

// Section 6.16: FirmwareStatusNotification asks for the SignedFirmwareStatusNotification.
// The firmware module reports the 1.6 status, whose values the whitepaper's enumeration
// shares; L01.FR.28: after Installed the triggered status is Idle.
FirmwareStatusEnumType signed_firmware_status(const Engine::Impl& engine) {
  const FirmwareStatus status = current_firmware_status(engine);
  FirmwareStatusEnumType out = FirmwareStatusEnumType::Idle;
  if (status != FirmwareStatus::Installed) from_string(to_string(status), out);
  return out;
}

// A requestedMessage outside the enumeration (a later edition's value) fails the schema, yet
// section 6.17 defines the answer for it: the status NotImplemented, not a CALLERROR.
bool unknown_requested_message(const rpc::Frame& frame) {
  const rapidjson::Value& p = *frame.payload;
  if (!p.IsObject()) return false;
  auto it = p.FindMember("requestedMessage");
  MessageTriggerEnumType m{};
  return it != p.MemberEnd() && it->value.IsString() && !from_string(it->value.GetString(), m);
}

class ExtendedTriggerModule final : public Module {
 public:
  explicit ExtendedTriggerModule(Engine::Impl& engine) : engine_(engine) {}

  bool handles(Action a) const override { return a == Action::ExtendedTriggerMessage; }

  void handle(Action, const rpc::Frame& frame, Now now) override {
    ExtendedTriggerMessageResponse resp;
    if (unknown_requested_message(frame)) {
      resp.status = TriggerMessageStatusEnumType::NotImplemented;
      engine_.reply(frame.id, payload_of(resp));
      return;
    }
    ExtendedTriggerMessageRequest req;
    if (!engine_.decode_request(frame, req)) return;
    const bool accepted = decide(req);
    resp.status =
        accepted ? TriggerMessageStatusEnumType::Accepted : TriggerMessageStatusEnumType::Rejected;
    engine_.reply(frame.id, payload_of(resp));
    if (accepted) send_requested(req, now);
  }

 private:
  bool decide(const ExtendedTriggerMessageRequest& req) const {
    if (auto m = to_triggered(req.requestedMessage))
      return trigger_accepted(engine_, *m, req.connectorId);
    // LogStatusNotification and SignChargePointCertificate go out as any notification after
    // Accepted (the rules of a triggered Heartbeat: connector, registration, room).
    if (!trigger_accepted(engine_, MessageTrigger::Heartbeat, req.connectorId)) return false;
    // A02: a SecurityProvider to make the key pair, CpoName set (prerequisite), TLS.
    if (req.requestedMessage == MessageTriggerEnumType::SignChargePointCertificate)
      return can_renew_certificate(engine_);
    return true;
  }

  void send_requested(const ExtendedTriggerMessageRequest& req, Now now) {
    switch (req.requestedMessage) {
      case MessageTriggerEnumType::LogStatusNotification:
        send_log_status_notification(engine_, now);
        return;
      case MessageTriggerEnumType::FirmwareStatusNotification: {
        // A signed update in progress reports its own status and requestId; otherwise the
        // plain update's status (section 6.16's enumeration includes the 1.6 values).
        if (current_signed_firmware_status(engine_) != FirmwareStatusEnumType::Idle) {
          send_signed_firmware_status_notification(engine_, now);
          return;
        }
        SignedFirmwareStatusNotificationRequest msg;
        msg.status = signed_firmware_status(engine_);
        engine_.send_volatile(Action::SignedFirmwareStatusNotification, payload_of(msg));
        return;
      }
      case MessageTriggerEnumType::SignChargePointCertificate:
        // A02.FR.02: the new key pair after the ExtendedTriggerMessage.conf.
        renew_certificate(engine_, now);
        return;
      default:
        if (auto m = to_triggered(req.requestedMessage))
          send_triggered(engine_, *m, req.connectorId, now);
        return;
    }
  }

  Engine::Impl& engine_;
};

}  // namespace

std::unique_ptr<Module> make_extended_trigger_module(Engine::Impl& engine) {
  return std::make_unique<ExtendedTriggerModule>(engine);
}

}  // namespace ocpp::v16
