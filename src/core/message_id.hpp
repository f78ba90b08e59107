// Message ids for our CALLs: unique per charge point and at most 36 characters
// (OCPP-J 1.6 section 4.1.3). The randomness comes from the host as a seed, so the engine
// stays deterministic under test.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace ocpp::core {

class MessageIdGenerator {
 public:
  explicit MessageIdGenerator(std::uint64_t seed) {
    // Mix the seed so that consecutive seeds do not give look-alike prefixes.
    std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    std::snprintf(prefix_, sizeof prefix_, "%016llx", static_cast<unsigned long long>(z));
  }
  /// "<16 hex digits>-<counter>": at most 16 + 1 + 19 = 36 characters.
  std::string next() {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s-%llu", prefix_, static_cast<unsigned long long>(++counter_));
    return buf;
  }

 private:
  char prefix_[17] = {};
  std::uint64_t counter_ = 0;
};

}  // namespace ocpp::core
