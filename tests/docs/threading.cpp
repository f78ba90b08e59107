// The threading rules in one program: hooks run on the runner's thread with no library lock
// held and may call the API; hardware events come from the firmware's own threads; slow work
// leaves the hook for a worker; shutdown goes workers, charge points, runner.
#include <ocpp/runner.hpp>
#include <ocpp/v16/charge_point.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

int main() {
  ocpp::Runner runner;
  ocpp::v16::ChargePoint* self = nullptr;  // set before runner.start(), read only by hooks
  ocpp::v16::Hooks hooks;
  hooks.status = [&](int connectorId, ocpp::v16::ChargePointStatus status, ocpp::v16::ChargePointErrorCode) {
    // Runner thread, no lock held: calling back into the API is allowed.
    const bool on_runner = runner.on_runner_thread();
    const auto queued = self->queued_transaction_messages();
    std::printf("connector %d %s (runner thread: %d, queued: %zu)\n", connectorId,
                std::string(ocpp::v16::to_string(status)).c_str(), on_runner, queued);
  };
  std::mutex jobs_m;
  std::vector<std::thread> jobs;  // the firmware's workers, joined before shutdown
  bool closing = false;
  hooks.firmware_download = [&](const std::string& location) {
    // Must return at once: every charge point on this runner waits while a hook runs.
    std::lock_guard<std::mutex> lk(jobs_m);
    if (closing) return (void)self->report_firmware_status(ocpp::v16::FirmwareStatus::DownloadFailed);
    jobs.emplace_back([&self, location] {
      self->report_firmware_status(ocpp::v16::FirmwareStatus::Downloading);
      std::printf("downloading %s\n", location.c_str());  // ... the slow part ...
      self->report_firmware_status(ocpp::v16::FirmwareStatus::Downloaded);
    });
  };
  ocpp::v16::ChargePointConfig cfg;
  cfg.charge_point_id = "CP001";
  cfg.csms_url = "ws://127.0.0.1:9000/ocpp";
  cfg.vendor = "Acme";
  cfg.model = "Wallbox22";
  auto cp = ocpp::v16::ChargePoint::create(runner, std::move(cfg), std::move(hooks));
  if (!cp) return 1;
  self = cp.value().get();
  runner.start();

  std::atomic<bool> stop{false};
  std::thread meter([&] {  // a firmware thread: events never wait for the network
    for (std::int64_t wh = 0; !stop; wh += 10) {
      self->set_meter_energy(1, wh);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  self->plug_in(1);  // another thread at the same time: the API is thread-safe
  std::this_thread::sleep_for(std::chrono::seconds(2));

  stop = true;  // shutdown: 1. the firmware's threads that call the API
  meter.join();
  {
    std::lock_guard<std::mutex> lk(jobs_m);
    closing = true;
    for (auto& job : jobs) job.join();
  }
  cp.value().reset();  // 2. every ChargePoint (never from inside a hook)
  runner.stop();       // 3. the runner (never from inside a hook: it returns invalid_state)
}
