// Security Whitepaper N01 (GetLog, LogStatusNotification): the state other modules use.
// ExtendedTriggerMessage (5.5) answers a trigger for LogStatusNotification with these.
#pragma once

#include <cstdint>
#include <optional>

#include "ocpp/time.hpp"
#include "ocpp/v16/engine.hpp"
#include "ocpp/v16/generated/messages.hpp"

namespace ocpp::v16 {

/// The log upload's current status as a triggered LogStatusNotification carries it: Idle when
/// no upload runs (6.19: Idle only in a triggered notification), else the latest status of the
/// running upload (Uploading before the firmware reported anything).
UploadLogStatusEnumType current_log_status(const Engine::Impl& engine);

/// The requestId of the running log upload; nullopt when none runs (N01.FR.12: the field is
/// left out of a triggered notification then).
std::optional<std::int32_t> current_log_request_id(const Engine::Impl& engine);

/// Queues a LogStatusNotification with current_log_status() and current_log_request_id(), for
/// an ExtendedTriggerMessage (after its answer was queued). Volatile, as every status message.
void send_log_status_notification(Engine::Impl& engine, Now now);

}  // namespace ocpp::v16
