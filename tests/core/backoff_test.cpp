#include <catch2/catch.hpp>

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

TEST_CASE("message ids are unique and at most 36 characters", "[core][rpc]") {
  ocpp::core::MessageIdGenerator a(1), b(2);
  auto x = a.next(), y = a.next(), z = b.next();
  CHECK(x != y);
  CHECK(x.substr(0, 16) != z.substr(0, 16));
  CHECK(x.size() <= 36);
  ocpp::core::MessageIdGenerator big(~0ULL);
  for (int i = 0; i < 5; ++i) CHECK(big.next().size() <= 36);
}
