// Time as the library sees it. The protocol engine never reads a clock: the host passes
// the current time in every call, which makes the engine deterministic under test.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "ocpp/export.hpp"

namespace ocpp {

/// Monotonic time, used for every deadline (heartbeat, retries, timeouts).
using MonoTime = std::chrono::steady_clock::time_point;
/// Wall-clock time, used for OCPP timestamps (dateTime fields).
using DateTime = std::chrono::system_clock::time_point;

/// The current time, as passed into the engine by its host.
struct Now {
  MonoTime mono;  ///< for deadlines
  DateTime wall;  ///< for timestamps
};

/// Reads both clocks. For hosts and runners; the engine never calls it.
OCPP_API Now now_from_system_clocks() noexcept;

/// Formats a dateTime as RFC 3339 in UTC with milliseconds, e.g. "2026-11-21T04:56:18.123Z".
OCPP_API std::string format_datetime(DateTime t);

/// Parses an RFC 3339 dateTime ("2026-11-21T04:56:18Z", fractions and "+hh:mm" offsets
/// accepted). Returns false if the text is not a valid dateTime.
OCPP_API bool parse_datetime(std::string_view text, DateTime& out) noexcept;

}  // namespace ocpp
