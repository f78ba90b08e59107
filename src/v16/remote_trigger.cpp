// RemoteTrigger profile: TriggerMessage (OCPP 1.6 section 5.17, errata 3.35, 3.40, 3.46).
//
// The TriggerMessage.conf is queued with reply() before the requested message is queued:
// the engine sends replies before its own CALLs, so the CSMS always sees the answer first
// ("The Charge Point SHALL first send the TriggerMessage response").
#include "v16/engine_impl.hpp"
#include "v16/firmware.hpp"
#include "v16/metering_data.hpp"
#include "v16/trigger.hpp"

namespace ocpp::v16 {
namespace {

/// The current status, even when unchanged since the last report (and without waiting for
/// MinimumStatusDuration: the trigger asks for the present).
void send_status(Engine::Impl& im, Connector& c, Now now) {
  const ChargePointStatus st = im.compute_status(c);
  const ChargePointErrorCode err = c.faulted ? c.error_code : ChargePointErrorCode::NoError;
  c.reported_status = st;
  c.reported_error = err;
  metering::status_settled(im, c.id);
  StatusNotificationRequest msg;
  msg.connectorId = c.id;
  msg.status = st;
  msg.errorCode = err;
  if (c.faulted && !c.error_info.empty()) msg.info = c.error_info;
  msg.timestamp = now.wall;
  im.send_volatile(Action::StatusNotification, codec::to_json(msg));
  if (im.hooks_.status) im.defer([h = im.hooks_.status, id = c.id, st, err] { h(id, st, err); });
}

/// The most recent values of MeterValuesSampledData (errata 3.46), context Trigger. During a
/// transaction they belong to it (errata 3.16: transactionId of the ongoing transaction).
void send_meter_values(Engine::Impl& im, const Connector& c, Now now) {
  const int cid = c.id;
  const std::int64_t tx_key = c.tx_key.value_or(0);
  auto write = [cid, tx_key](Engine::Impl& e, std::vector<SampledValue> values, Now n) {
    Connector* k = e.connector(cid);
    if (!k) return;
    if (values.empty()) {
      if (cid == 0) {
        e.log(1, "TriggerMessage MeterValues: the firmware reported nothing for connector 0");
        return;
      }
      values = metering::default_values(*k);
    }
    values = metering::valid_values(e, std::move(values));
    metering::write(e, cid, tx_key, std::move(values), ReadingContext::Trigger, "MeterValuesSampledData", n.wall);
  };
  if (im.hooks_.sample_meter) {
    im.defer_decision<std::vector<SampledValue>>(
        [h = im.hooks_.sample_meter, cid] { return h(cid, ReadingContext::Trigger); }, write);
  } else {
    write(im, {}, now);
  }
}

class RemoteTriggerModule final : public Module {
 public:
  explicit RemoteTriggerModule(Engine::Impl& engine) : engine_(engine) {}

  bool handles(Action a) const override { return a == Action::TriggerMessage; }

  void handle(Action, const rpc::Frame& frame, Now now) override {
    TriggerMessageRequest req;
    codec::Error err;
    if (!codec::decode(*frame.payload, req, err)) {
      // An unknown requestedMessage fails the schema's enum (PropertyConstraintViolation).
      engine_.reply_error(frame.id, err.code, err.message);
      return;
    }
    const bool accepted = trigger_accepted(engine_, req.requestedMessage, req.connectorId);
    TriggerMessageResponse resp;
    resp.status = accepted ? TriggerMessageStatus::Accepted : TriggerMessageStatus::Rejected;
    engine_.reply(frame.id, codec::to_json(resp));
    if (accepted) send_triggered(engine_, req.requestedMessage, req.connectorId, now);
  }

 private:
  Engine::Impl& engine_;
};

}  // namespace

bool trigger_connector_valid(const Engine::Impl& engine, std::optional<std::int32_t> connectorId) {
  return !connectorId || (*connectorId >= 0 && *connectorId <= engine.options_.connectors);
}

bool trigger_accepted(const Engine::Impl& engine, MessageTrigger message, std::optional<std::int32_t> connectorId) {
  // A connector that does not exist makes the request wrong whatever the message: Rejected
  // (docs/protocol-choices.md). An existing one is ignored where it is not relevant.
  if (!trigger_connector_valid(engine, connectorId)) return false;
  if (message == MessageTrigger::BootNotification) {
    // Errata 3.35: once Accepted, a triggered BootNotification is RECOMMENDED to be rejected
    // (a Pending/Rejected answer mid-transaction has no defined meaning). While Pending it
    // is the way for the CSMS to ask for the next BootNotification at once (section 4.2).
    return !engine.accepted();
  }
  // Before Accepted only BootNotification may be sent (section 4.2; the engine's queue holds
  // every other CALL until then): accepting would promise a message that cannot go out.
  if (!engine.accepted()) return false;
  // Room for every message the trigger may produce (one per connector and the charge point).
  if (engine.session_.volatile_room() < engine.connectors_.size()) return false;
  if (message == MessageTrigger::MeterValues) {
    // Connector 0 is the main meter (section 4.7): only the firmware's hook can read it.
    if (connectorId && *connectorId == 0 && !engine.hooks_.sample_meter) return false;
    // Errata 3.46: the values of MeterValuesSampledData; none configured, nothing to send.
    if (engine.config_.get("MeterValuesSampledData").value_or("").empty()) return false;
  }
  return true;
}

void send_triggered(Engine::Impl& im, MessageTrigger message, std::optional<std::int32_t> connectorId, Now now) {
  switch (message) {
    case MessageTrigger::BootNotification:
      // The one in flight (if any) answers the request; else the next one goes at once.
      if (!im.boot_in_flight_) im.next_boot_ = now.mono;
      return;
    case MessageTrigger::Heartbeat:
      im.send_volatile(Action::Heartbeat, "{}", [&im](const rapidjson::Value* result, Now) {
        HeartbeatResponse resp;
        codec::Error err;
        if (result && codec::decode(*result, resp, err) && im.hooks_.time_sync)
          im.defer([h = im.hooks_.time_sync, t = resp.currentTime] { h(t); });
      });
      return;
    case MessageTrigger::DiagnosticsStatusNotification: {
      // Idle is sent only in answer to this trigger (section 4.4); the firmware module knows.
      DiagnosticsStatusNotificationRequest msg;
      msg.status = current_diagnostics_status(im);
      im.send_volatile(Action::DiagnosticsStatusNotification, codec::to_json(msg));
      return;
    }
    case MessageTrigger::FirmwareStatusNotification: {
      FirmwareStatusNotificationRequest msg;
      msg.status = current_firmware_status(im);
      im.send_volatile(Action::FirmwareStatusNotification, codec::to_json(msg));
      return;
    }
    case MessageTrigger::StatusNotification:
      // Without connectorId: the charge point (0) and every connector (section 5.17).
      for (auto& c : im.connectors_)
        if (!connectorId || *connectorId == c.id) send_status(im, c, now);
      return;
    case MessageTrigger::MeterValues:
      for (auto& c : im.connectors_) {
        if (connectorId ? *connectorId != c.id : (c.id == 0 && !im.hooks_.sample_meter)) continue;
        send_meter_values(im, c, now);
      }
      return;
  }
}

std::unique_ptr<Module> make_remote_trigger_module(Engine::Impl& engine) {
  return std::make_unique<RemoteTriggerModule>(engine);
}

}  // namespace ocpp::v16
