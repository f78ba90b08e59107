// Security Whitepaper edition 3, N01 (GetLog, LogStatusNotification): the state other modules
// read. ExtendedTriggerMessage(LogStatusNotification) reports it (section 5.5).
#pragma once

#include <cstdint>
#include <optional>

#include "ocpp/v16/engine.hpp"
#include "ocpp/v16/generated/messages.hpp"

namespace ocpp::v16 {

/// The log upload's current status as LogStatusNotification.req would report it: Idle when no
/// upload is in progress (section 6.19: Idle only in answer to ExtendedTriggerMessage).
UploadLogStatusEnumType current_log_status(const Engine::Impl& engine);

/// The requestId of the GetLog.req whose upload is in progress (or was the last), if any.
std::optional<std::int32_t> current_log_request_id(const Engine::Impl& engine);

}  // namespace ocpp::v16
