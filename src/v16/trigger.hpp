// The messages the CSMS can ask for with TriggerMessage (OCPP 1.6 section 5.17) and with the
// Security Whitepaper's ExtendedTriggerMessage (section 5.5): one set of rules for both, in
// remote_trigger.cpp.
#pragma once

#include <cstdint>
#include <optional>

#include "ocpp/time.hpp"
#include "ocpp/v16/engine.hpp"
#include "ocpp/v16/generated/messages.hpp"

namespace ocpp::v16 {

/// Whether the requested message will be sent: the connector exists, BootNotification only
/// before Accepted (errata 3.35), nothing else before Accepted, room in the queue, MeterValues
/// only with MeterValuesSampledData (errata 3.46) and connector 0 only with the sample_meter hook.
bool trigger_accepted(const Engine::Impl& engine, MessageTrigger message,
                      std::optional<std::int32_t> connectorId);

/// Whether the connector of a trigger exists (0..N, or none given).
bool trigger_connector_valid(const Engine::Impl& engine, std::optional<std::int32_t> connectorId);

/// Queues the requested message (after the answer to the trigger was queued, so that the CSMS
/// sees the answer first). Calls the status hook for StatusNotification and the sample_meter
/// hook for MeterValues.
void send_triggered(Engine::Impl& engine, MessageTrigger message,
                    std::optional<std::int32_t> connectorId, Now now);

}  // namespace ocpp::v16
