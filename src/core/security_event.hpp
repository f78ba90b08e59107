// Recording a security event, the same in OCPP 1.6 (Security Whitepaper A04) and 2.0.1 (part 2
// A04): checked against the bounds both versions give SecurityEventNotification (type up to
// 50 characters, techInfo up to 255), written into the security log (A04.FR.04) and, when
// critical, into the durable outbox (A04.FR.01, A04.FR.02), both before the call returns.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/rolling_log.hpp"
#include "ocpp/error.hpp"
#include "ocpp/store.hpp"
#include "ocpp/time.hpp"

namespace ocpp::core {

/// Event is the version's SecurityEventNotification request; to_json its codec;
/// enqueue(OutboxMessage&) appends to the durable outbox. Returns the event recorded.
/// Errors: Errc::invalid_argument (bounds), the store's and enqueue's.
template <class Event, class ToJson, class Enqueue>
Result<Event> record_security_event(RollingLog& log, std::string_view type,
                                    std::optional<std::string> tech_info, DateTime at,
                                    bool critical, const char* protocol, ToJson to_json,
                                    Enqueue enqueue) {
  if (type.empty() || type.size() > 50 || (tech_info && tech_info->size() > 255))
    return Errc::invalid_argument;
  Event ev;
  ev.type = std::string(type);
  ev.timestamp = at;
  ev.techInfo = std::move(tech_info);
  const std::string payload = to_json(ev);
  if (auto ec = log.append(payload)) return ec;
  if (critical) {
    OutboxMessage msg;
    msg.action = "SecurityEventNotification";
    msg.payload = payload;
    msg.protocol = protocol;
    if (auto ec = enqueue(msg)) return ec;
  }
  return ev;
}

}  // namespace ocpp::core
