// Writes the seed databases of the sqlite_store fuzz target: files the SQLite store itself
// wrote while an engine ran offline, so that the fuzzer starts from the real schema with real
// rows (configuration, availability, queued StartTransaction/MeterValues/StopTransaction, one
// transaction still running) and mutates from there.
// Usage: fuzz_make_store_seeds DIRECTORY
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "ocpp/sqlite_store.hpp"
#include "ocpp/v16/engine.hpp"

namespace {

using namespace std::chrono_literals;

bool write_db(const std::string& path, bool with_session) {
  std::filesystem::remove(path);
  auto store = ocpp::open_sqlite_store({path, "CP-FUZZ"});
  if (!store) return false;
  ocpp::v16::EngineOptions o;
  o.connectors = 2;
  o.boot.chargePointVendor = "FuzzVendor";
  o.boot.chargePointModel = "FuzzModel";
  ocpp::Now now{ocpp::MonoTime{} + 1000s, ocpp::DateTime{} + 1'790'000'000s};
  auto created = ocpp::v16::Engine::create(o, *store.value(), {}, now);
  if (!created) return false;
  auto& e = *created.value();
  if (!with_session) return true;
  // Offline the whole time: every transaction message stays queued.
  bool ok = !e.set_configuration("AllowOfflineTxForUnknownId", "true") &&
            !e.set_configuration("MeterValueSampleInterval", "60") &&
            !e.set_configuration("HeartbeatInterval", "120");
  for (int c = 1; c <= 2; ++c) {
    ok = ok && !e.set_meter_energy(c, 1000 * c, now) && !e.present_id_tag("TAG" + std::to_string(c), c, now) &&
         !e.plug_in(c, now);
  }
  for (int i = 0; i < 3; ++i) {
    now.mono += 60s;
    now.wall += 60s;
    ok = ok && !e.set_meter_energy(1, 1000 + 500 * (i + 1), now);
    e.handle_timeout(now);
    while (auto f = e.poll_hook_call()) f();
    e.handle_timeout(now);
  }
  ok = ok && !e.unplug(1, now) && !e.report_fault(2, ocpp::v16::ChargePointErrorCode::GroundFailure, "", now);
  return ok && e.queued_transaction_messages() > 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  if (!write_db(dir + "/session.sqlite", true) || !write_db(dir + "/fresh.sqlite", false)) {
    std::fprintf(stderr, "writing the seed databases failed\n");
    return 1;
  }
  return 0;
}
