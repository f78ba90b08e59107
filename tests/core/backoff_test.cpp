#include <catch2/catch.hpp>
#include <cstdint>

#include "core/backoff.hpp"
#include "core/message_id.hpp"

using namespace std::chrono_literals;
using ocpp::core::backoff_delay;

TEST_CASE("back-off grows exponentially, is jittered and capped", "[core][backoff]") {
  CHECK(backoff_delay(0, 1000ms, 60000ms, 0.0) == 500ms);
  CHECK(backoff_delay(0, 1000ms, 60000ms, 0.999).count() == 999);
  CHECK(backoff_delay(3, 1000ms, 60000ms, 0.0) == 4000ms);
  CHECK(backoff_delay(10, 1000ms, 60000ms, 0.0) == 30000ms);
  CHECK(backoff_delay(10, 1000ms, 60000ms, 0.999) <= 60000ms);
  CHECK(backoff_delay(1000, 1000ms, 60000ms, 0.5) <= 60000ms);  // no overflow
  CHECK(backoff_delay(0, 0ms, 0ms, 0.0) >= 1ms);                 // never a tight loop
}

TEST_CASE("back-off bounds out of range give a delay within the cap", "[core][backoff][fuzz]") {
  // Found by fuzzing (fuzz/chargerd_config.cpp): ocpp-chargerd passed "backoff_min_ms": -1000
  // from its config file into ChargePointConfig, and the delay was computed as min << attempt,
  // a left shift of a negative value (and of a large one past 64 bits): undefined behaviour.
  for (unsigned attempt : {0u, 1u, 20u, 63u, 64u, 1000u}) {
    const auto a = backoff_delay(attempt, -1000ms, 60000ms, 0.5);
    CHECK(a >= 1ms);
    CHECK(a <= 60000ms);
    const auto b = backoff_delay(attempt, std::chrono::milliseconds(INT64_MAX / 2), 60000ms, 0.999);
    CHECK(b >= 30000ms);
    CHECK(b <= 60000ms);
    const auto c = backoff_delay(attempt, 1000ms, std::chrono::milliseconds(INT64_MAX), 0.999);
    CHECK(c >= 500ms);
  }
  CHECK(backoff_delay(62, 1000ms, std::chrono::milliseconds(INT64_MAX), 0.0).count() == INT64_MAX / 2);
}

TEST_CASE("message ids are unique and at most 36 characters", "[core][rpc]") {
  ocpp::core::MessageIdGenerator a(1), b(2);
  auto x = a.next(), y = a.next(), z = b.next();
  CHECK(x != y);
  CHECK(x.substr(0, 16) != z.substr(0, 16));
  CHECK(x.size() <= 36);
  ocpp::core::MessageIdGenerator big(~0ULL);
  for (int i = 0; i < 5; ++i) CHECK(big.next().size() <= 36);
}
