// Reconnect back-off: exponential with full jitter and a cap, applied on every redial.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace ocpp::core {

/// Delay before reconnect attempt number `attempt` (0 = first retry). jitter01 in [0,1) comes
/// from the host's randomness. The result lies in [min/2, cap] and grows as min * 2^attempt.
/// Bounds from a configuration file may be anything: min below 1 ms counts as 1 ms, a cap
/// below min wins, and the doubling stops at the cap (no shift or multiplication overflows).
inline std::chrono::milliseconds backoff_delay(unsigned attempt, std::chrono::milliseconds min,
                                               std::chrono::milliseconds cap, double jitter01) {
  const std::int64_t hi = std::max<std::int64_t>(cap.count(), 1);
  std::int64_t ceiling = std::min<std::int64_t>(std::max<std::int64_t>(min.count(), 1), hi);
  for (unsigned i = 0; i < attempt && ceiling < hi; ++i)
    ceiling = ceiling > hi / 2 ? hi : ceiling * 2;
  // Half fixed, half random: never a tight loop, and a fleet does not reconnect in lockstep.
  const auto half = ceiling / 2;
  const auto jitter = static_cast<std::int64_t>(static_cast<double>(ceiling - half) * jitter01);
  return std::chrono::milliseconds(std::max<std::int64_t>(1, half + jitter));
}

}  // namespace ocpp::core
