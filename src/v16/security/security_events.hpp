// Security Whitepaper section 3 (A04): security events and the security log, the state other
// modules use. Every module that detects a security event (certificates, firmware, the
// connection) raises it through raise_security_event().
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ocpp/time.hpp"
#include "ocpp/v16/engine.hpp"
#include "ocpp/v16/generated/messages.hpp"

namespace ocpp::v16 {

/// Whether the whitepaper's table of security events (section 8) marks `type` critical.
/// Types not in the table (vendor types) are not critical.
bool is_critical_security_event(std::string_view type);

/// Logs a security event and, when critical (by default as section 8 says), queues a durable
/// SecurityEventNotification (A04.FR.01, A04.FR.02). Calls the security_event hook.
/// Errors: invalid_argument (type empty or over 50, techInfo over 255), storage errors.
std::error_code raise_security_event(Engine::Impl& engine, std::string_view type,
                                     std::optional<std::string> tech_info, Now now,
                                     std::optional<bool> critical = std::nullopt);

/// A frame from the CSMS was not a valid OCPP message (malformed, schema violation, a reused
/// message id): the InvalidMessages event (section 8, not critical), at most once per
/// connection so that a broken CSMS cannot flood the log.
void note_invalid_message(Engine::Impl& engine, const std::string& why, Now now);

/// The security log, oldest first.
std::vector<SecurityEventNotificationRequest> security_log(const Engine::Impl& engine);

}  // namespace ocpp::v16
