// Target chargerd_config: ocpp-chargerd's JSON config file (examples/chargerd/options.cpp),
// through parse_options("--config FILE") as the daemon reads it. A config that is accepted
// must be one the daemon can run with: what it hands the library (connectors, reconnect
// back-off) and its simulated meter (power) stay in their ranges; anything else is an error
// message, never a crash.
#include <cmath>
#include <string>
#include <vector>

#include "core/backoff.hpp"
#include "fuzz_support.hpp"
#include "options.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fuzz::TempFile file("chargerd.json");
  const std::string& path = file.path();
  FUZZ_CHECK(fuzz::write_file(path, std::string_view(reinterpret_cast<const char*>(data), size)));
  std::vector<std::string> args = {"ocpp-chargerd", "--config", path};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  DaemonOptions o;
  const std::string err = parse_options(static_cast<int>(argv.size()), argv.data(), o);
  if (!err.empty()) return 0;
  FUZZ_CHECK(!o.url.empty() && !o.id.empty() && !o.db.empty());
  FUZZ_CHECK(o.connectors >= 1 && o.connectors <= 100);
  // The daemon adds power_w * seconds / 3600 to its meter and hands the result to the library
  // as a whole number of Wh.
  FUZZ_CHECK_MSG(std::isfinite(o.power_w) && o.power_w >= 0 && o.power_w <= 1e6, std::to_string(o.power_w));
  // The reconnect delay the library computes from the back-off bounds, at every attempt.
  for (unsigned attempt = 0; attempt < 40; ++attempt) {
    for (double jitter : {0.0, 0.5, 0.999}) {
      const auto d = ocpp::core::backoff_delay(attempt, std::chrono::milliseconds(o.backoff_min_ms),
                                               std::chrono::milliseconds(o.backoff_max_ms), jitter);
      FUZZ_CHECK_MSG(d.count() >= 1 && d.count() <= std::max<std::int64_t>(o.backoff_max_ms, 1),
                     std::to_string(d.count()));
    }
  }
  return 0;
}
