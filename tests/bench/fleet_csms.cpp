// A loopback CSMS for ocpp-fleet's scale runs (docs/benchmarks.md, "ocpp-fleet"): MiniCsms
// (both subprotocols, every CALL answered at once) as a program of its own, so that the CSMS
// does not share the fleet's process or thread. Writes its URL to FILE once listening, prints
// its counters every 10 s and at SIGINT/SIGTERM.
// Usage: fleet_csms URL_FILE
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

#include "mini_csms.hpp"

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fleet_csms URL_FILE\n");
    return 2;
  }
  // One descriptor per charge point: as many as the hard limit allows.
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  bench::MiniCsms csms;
  {
    std::ofstream f(argv[1]);
    f << csms.url() << "\n";
  }
  std::fprintf(stderr, "fleet_csms: listening on %s\n", csms.url().c_str());
  auto report = [&] {
    std::fprintf(stderr,
                 "fleet_csms: %llu CALLs answered, %llu BootNotifications, %llu MeterValues\n",
                 static_cast<unsigned long long>(csms.calls.load()),
                 static_cast<unsigned long long>(csms.boots.load()),
                 static_cast<unsigned long long>(csms.meter_values.load()));
  };
  for (int tick = 1; !g_stop.load(); ++tick) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (tick % 100 == 0) report();
  }
  report();
  return 0;
}
