// The Security Whitepaper's hooks: security events, GetLog (N01) and SignedUpdateFirmware (L01).
// The library does no file transfer: a hook starts the work on a firmware thread and returns;
// that thread reports progress with the requestId. The library verifies the firmware's
// signature itself when the download is reported with its path.
#include <ocpp/runner.hpp>
#include <ocpp/security.hpp>
#include <ocpp/v16/charge_point.hpp>

#include <cstddef>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

// Stand-ins for the firmware's own transfer code (an HTTPS or FTP client, the installer).
bool fetch(const std::string& url, const std::string& path) { return !url.empty() && !path.empty(); }
bool send_file(const std::string& url, const std::string& name, std::size_t entries) {
  return !url.empty() && !name.empty() && entries < 100000;
}

}  // namespace

int main() {
  using namespace ocpp::v16;
  auto made = ocpp::make_openssl_security_provider("/var/lib/charger/pki");
  if (!made) return 1;
  ocpp::Runner runner;
  ChargePoint* self = nullptr;  // set before runner.start(), read only by hooks and workers
  std::mutex jobs_m;
  std::vector<std::thread> jobs;  // the firmware's workers, joined before shutdown
  bool closing = false;
  auto work = [&](auto job) {  // hooks must return at once: the slow part goes to a worker
    std::lock_guard<std::mutex> lk(jobs_m);
    if (!closing) jobs.emplace_back(std::move(job));
  };

  Hooks hooks;
  hooks.security_event = [](const SecurityEventNotificationRequest& e, bool critical) {
    std::printf("security event %s%s\n", e.type.c_str(), critical ? " (sent to the CSMS)" : "");
  };
  // GetLog: name the file (nothing = no such log: Rejected). Without this hook the library
  // names a SecurityLog itself and rejects a DiagnosticsLog.
  hooks.get_log = [](const GetLogRequest& req) -> std::optional<std::string> {
    if (req.logType == LogEnumType::SecurityLog) return "CP001-security-" + std::to_string(req.requestId) + ".log";
    return "CP001-diagnostics-" + std::to_string(req.requestId) + ".tar.gz";
  };
  hooks.upload_log = [&](const GetLogRequest& req, const std::string& file,
                         const std::vector<SecurityEventNotificationRequest>& security_log) {
    work([&self, req, file, n = security_log.size()] {  // a SecurityLog: write these entries
      self->report_log_status(UploadLogStatusEnumType::Uploading, req.requestId);
      const bool ok = send_file(req.log.remoteLocation, file, n);
      self->report_log_status(ok ? UploadLogStatusEnumType::Uploaded : UploadLogStatusEnumType::UploadFailure,
                              req.requestId);  // a failure is retried as the request says
    });
  };
  // SignedUpdateFirmware: called once the signing certificate was verified, at retrieveDateTime.
  hooks.signed_firmware_download = [&](const SignedUpdateFirmwareRequest& req) {
    work([&self, req] {
      self->report_signed_firmware_status(FirmwareStatusEnumType::Downloading, req.requestId);
      const std::string path = "/var/lib/charger/fw-" + std::to_string(req.requestId) + ".img";
      if (fetch(req.firmware.location, path))  // the library now checks the signature of the file
        self->report_signed_firmware_status(FirmwareStatusEnumType::Downloaded, req.requestId, path);
      else
        self->report_signed_firmware_status(FirmwareStatusEnumType::DownloadFailed, req.requestId);
    });
  };
  // Called at installDateTime once no transaction runs, only for a file whose signature verified.
  hooks.signed_firmware_install = [&](const SignedUpdateFirmwareRequest& req, const std::string& path) {
    self->report_signed_firmware_status(FirmwareStatusEnumType::Installing, req.requestId);
    std::printf("install %s, then reboot\n", path.c_str());
    // After the reboot, the new firmware reports Installed (which raises FirmwareUpdated).
  };
  hooks.signed_firmware_cancel = [](std::int32_t requestId) {
    std::printf("a newer SignedUpdateFirmware cancels update %d\n", static_cast<int>(requestId));
  };

  ChargePointConfig cfg;
  cfg.charge_point_id = "CP001";
  cfg.csms_url = "wss://csms.example.com/ocpp";
  cfg.security_profile = ocpp::SecurityProfile::tls_client_cert;
  cfg.security = std::move(made.value());  // verifies firmware signatures (ManufacturerRootCertificate)
  cfg.vendor = "Acme";
  cfg.model = "Wallbox22";
  cfg.db_path = "ocpp.db";
  auto cp = ChargePoint::create(runner, std::move(cfg), std::move(hooks));
  if (!cp) return std::fprintf(stderr, "%s\n", cp.error().message().c_str()), 1;
  self = cp.value().get();
  runner.start();
  self->report_security_event("StartupOfTheDevice", "firmware 1.4.2");  // critical: queued, durable
  self->report_security_event("TamperDetectionActivated");              // from the firmware's sensors
  {
    std::lock_guard<std::mutex> lk(jobs_m);
    closing = true;
    for (auto& job : jobs) job.join();
  }
  cp.value().reset();
  runner.stop();
}
