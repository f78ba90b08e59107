// Firmware Management profile: UpdateFirmware (OCPP 1.6 section 5.19, errata 3.47-3.49),
// FirmwareStatusNotification (4.5), GetDiagnostics (5.9, errata 3.31) and
// DiagnosticsStatusNotification (4.4).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::Errc;
using ocpp::v16::ChargePointStatus;
using ocpp::v16::DiagnosticsStatus;
using ocpp::v16::FirmwareStatus;
using ocpp::v16::Reason;

namespace {

// Records the firmware-side hook calls with the simulated time at which they ran.
struct FirmwareSide {
  std::vector<std::string> downloads;  // locations
  std::vector<std::int64_t> download_at;
  int installs = 0;
  std::vector<std::int64_t> install_at;
  struct Upload {
    std::string location, file;
    std::optional<ocpp::DateTime> start, stop;
    std::int64_t at;
  };
  std::vector<Upload> uploads;
  std::vector<std::string> diag_requests;  // locations seen by get_diagnostics
  std::optional<std::string> diag_file = std::string("diag-001.tar.gz");

  void attach(test::Harness& h) {
    h.hooks.firmware_download = [this, &h](const std::string& loc) {
      downloads.push_back(loc);
      download_at.push_back(h.elapsed());
    };
    h.hooks.firmware_install = [this, &h] {
      ++installs;
      install_at.push_back(h.elapsed());
    };
    h.hooks.get_diagnostics = [this](const ocpp::v16::GetDiagnosticsRequest& r) {
      diag_requests.push_back(r.location);
      return diag_file;
    };
    h.hooks.upload_diagnostics = [this, &h](const std::string& loc, const std::string& file,
                                            std::optional<ocpp::DateTime> start,
                                            std::optional<ocpp::DateTime> stop) {
      uploads.push_back({loc, file, start, stop, h.elapsed()});
    };
  }
};

std::vector<std::string> notification_statuses(const test::Harness& h, const std::string& action) {
  std::vector<std::string> out;
  for (const auto& c : h.calls_of(action)) out.push_back(c.json()["status"].GetString());
  return out;
}
std::vector<std::string> fw_notes(const test::Harness& h) {
  return notification_statuses(h, "FirmwareStatusNotification");
}
std::vector<std::string> diag_notes(const test::Harness& h) {
  return notification_statuses(h, "DiagnosticsStatusNotification");
}

std::string update_firmware(const test::Harness& h, std::chrono::seconds from_now,
                            const std::string& extra = "") {
  return R"({"location":"https://fw.example.com/fw-2.0.bin","retrieveDate":")" +
         ocpp::format_datetime(h.now().wall + from_now) + "\"" + extra + "}";
}

// The CALLRESULT payload of a reply frame, as compact JSON text; fails on a CALLERROR.
std::string result_payload(const std::optional<std::string>& reply) {
  REQUIRE(reply.has_value());
  rapidjson::Document d;
  d.Parse(reply->c_str());
  REQUIRE(d.IsArray());
  REQUIRE(d[0].GetInt() == 3);
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  d[2].Accept(w);
  return sb.GetString();
}

std::string error_code_of(const std::optional<std::string>& reply) {
  REQUIRE(reply.has_value());
  rapidjson::Document d;
  d.Parse(reply->c_str());
  REQUIRE(d.IsArray());
  REQUIRE(d[0].GetInt() == 4);
  return d[2].GetString();
}

std::size_t index_of(const test::Harness& h, const std::string& action, std::size_t nth = 0) {
  for (std::size_t i = 0; i < h.calls.size(); ++i)
    if (h.calls[i].action == action && nth-- == 0) return i;
  return h.calls.size();
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("firmware: UpdateFirmware full sequence Downloading..Installed through the hooks",
          "[v16][firmware]") {
  // OCPP 1.6 section 5.19 (figure 41) and 4.5: UpdateFirmware.conf has no fields; at
  // retrieveDate the download starts; every step is a FirmwareStatusNotification.
  test::Harness h(nullptr, 2);
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  CHECK(e.firmware_status() == FirmwareStatus::Idle);

  CHECK(result_payload(h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, -60s))) == "{}");
  // retrieveDate in the past: download at once.
  REQUIRE(fw.downloads == Strings{"https://fw.example.com/fw-2.0.bin"});
  CHECK(fw.download_at == std::vector<std::int64_t>{0});
  CHECK(fw_notes(h).empty());  // the firmware reports, the library does not guess
  CHECK(e.firmware_status() == FirmwareStatus::Downloading);

  REQUIRE(!e.report_firmware_status(FirmwareStatus::Downloading, h.now()));
  h.pump();
  CHECK(fw_notes(h) == Strings{"Downloading"});
  CHECK(e.connector_state(1)->status == ChargePointStatus::Available);
  h.advance(30s);
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Downloaded, h.now()));
  h.pump();
  CHECK(fw_notes(h) == Strings{"Downloading", "Downloaded"});
  // No transaction runs: installation follows at once.
  CHECK(fw.installs == 1);
  CHECK(fw.install_at == std::vector<std::int64_t>{30});
  CHECK(e.firmware_status() == FirmwareStatus::Downloaded);
  // Errata 3.49: free connectors are Unavailable while the update waits and installs.
  CHECK(e.connector_state(1)->status == ChargePointStatus::Unavailable);
  CHECK(e.connector_state(2)->status == ChargePointStatus::Unavailable);

  REQUIRE(!e.report_firmware_status(FirmwareStatus::Installing, h.now()));
  h.pump();
  CHECK(e.firmware_status() == FirmwareStatus::Installing);
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Installed, h.now()));
  h.pump();
  CHECK(fw_notes(h) == Strings{"Downloading", "Downloaded", "Installing", "Installed"});
  // Idle only in a triggered notification (section 4.5), never sent on its own.
  CHECK(e.firmware_status() == FirmwareStatus::Idle);
  CHECK(e.connector_state(1)->status == ChargePointStatus::Available);
  CHECK(e.connector_state(2)->status == ChargePointStatus::Available);
  // The status notifications of the connectors: Unavailable after Downloaded, Available after
  // Installed.
  const auto unav = index_of(h, "FirmwareStatusNotification", 1);
  REQUIRE(unav < h.calls.size());
  CHECK(h.calls[unav + 1].action == "StatusNotification");
  CHECK(std::string(h.calls[unav + 1].json()["status"].GetString()) == "Unavailable");
  CHECK(std::string(h.calls.back().json()["status"].GetString()) == "Available");
  // The update is over: a further report is misuse.
  CHECK(e.report_firmware_status(FirmwareStatus::Installed, h.now()) == Errc::invalid_state);
  CHECK(fw.downloads.size() == 1);
  CHECK(fw.installs == 1);
}

TEST_CASE("firmware: nothing happens before retrieveDate, download exactly at it",
          "[v16][firmware]") {
  // Section 5.19: "SHOULD start retrieving the firmware as soon as possible after retrieve-date".
  test::Harness h;
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  CHECK(result_payload(h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, 3600s))) == "{}");
  h.advance(3599s);
  CHECK(fw.downloads.empty());
  CHECK(fw_notes(h).empty());
  CHECK(e.firmware_status() == FirmwareStatus::Idle);  // waiting is not downloading
  h.advance(1s);
  REQUIRE(fw.downloads.size() == 1);
  CHECK(fw.download_at == std::vector<std::int64_t>{3600});
  CHECK(e.firmware_status() == FirmwareStatus::Downloading);
}

TEST_CASE("firmware: DownloadFailed is retried after retryInterval, retries times, then given up",
          "[v16][firmware]") {
  // Section 6.55: retries = how many times to try again before giving up; retryInterval in s.
  test::Harness h;
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, 0s, R"(,"retries":2,"retryInterval":120)"));
  REQUIRE(fw.downloads.size() == 1);
  h.advance(10s);
  REQUIRE(!e.report_firmware_status(FirmwareStatus::DownloadFailed, h.now()));
  h.pump();
  CHECK(e.firmware_status() == FirmwareStatus::DownloadFailed);  // still busy: a retry follows
  h.advance(119s);
  CHECK(fw.downloads.size() == 1);
  h.advance(1s);
  REQUIRE(fw.downloads.size() == 2);
  CHECK(fw.download_at[1] == 130);
  CHECK(e.firmware_status() == FirmwareStatus::Downloading);
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Downloading, h.now()));
  REQUIRE(!e.report_firmware_status(FirmwareStatus::DownloadFailed, h.now()));
  h.pump();
  h.advance(120s);
  REQUIRE(fw.downloads.size() == 3);
  CHECK(fw.download_at[2] == 250);
  REQUIRE(!e.report_firmware_status(FirmwareStatus::DownloadFailed, h.now()));
  h.pump();
  h.advance(3600s);
  CHECK(fw.downloads.size() == 3);  // 1 attempt + 2 retries
  CHECK(fw_notes(h) == Strings{"DownloadFailed", "Downloading", "DownloadFailed", "DownloadFailed"});
  CHECK(e.firmware_status() == FirmwareStatus::Idle);
  CHECK(e.report_firmware_status(FirmwareStatus::Downloaded, h.now()) == Errc::invalid_state);
  CHECK(fw.installs == 0);
}

TEST_CASE("firmware: without retries a DownloadFailed is final", "[v16][firmware]") {
  // Section 6.55: retries absent = left to the charge point; the library makes one attempt.
  test::Harness h;
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, 0s));
  REQUIRE(!e.report_firmware_status(FirmwareStatus::DownloadFailed, h.now()));
  h.advance(24h);
  CHECK(fw.downloads.size() == 1);
  CHECK(fw_notes(h) == Strings{"DownloadFailed"});
}

TEST_CASE("firmware: installation waits until the running transaction stops",
          "[v16][firmware]") {
  // Section 5.19 figure 41 "Waiting for transactions to finish..."; errata 3.49: do not stop
  // the session; free connectors are Unavailable meanwhile, so no new session starts.
  test::Harness h(nullptr, 2);
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  REQUIRE(e.connector_state(1)->status == ChargePointStatus::Charging);

  h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, 0s));
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Downloading, h.now()));
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Downloaded, h.now()));
  h.pump();
  h.advance(600s);
  CHECK(fw.installs == 0);
  CHECK(e.connector_state(1)->status == ChargePointStatus::Charging);  // not interrupted
  CHECK(e.connector_state(2)->status == ChargePointStatus::Unavailable);
  CHECK(e.present_id_tag("CARD2", 2, h.now()) == Errc::invalid_state);
  CHECK(e.report_firmware_status(FirmwareStatus::Installing, h.now()) == Errc::invalid_state);

  REQUIRE(!e.stop_transaction(1, Reason::Local, h.now()));
  h.pump();
  CHECK(fw.installs == 1);
  CHECK(fw.install_at == std::vector<std::int64_t>{600});
  CHECK(h.calls_of("StopTransaction").size() == 1);
  REQUIRE(!e.unplug(1, h.now()));
  h.pump();
  CHECK(e.connector_state(1)->status == ChargePointStatus::Unavailable);
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Installing, h.now()));
  REQUIRE(!e.report_firmware_status(FirmwareStatus::InstallationFailed, h.now()));
  h.pump();
  CHECK(fw_notes(h) == Strings{"Downloading", "Downloaded", "Installing", "InstallationFailed"});
  CHECK(e.connector_state(1)->status == ChargePointStatus::Available);
  CHECK(e.connector_state(2)->status == ChargePointStatus::Available);
}

TEST_CASE("firmware: restart after Downloaded with a running transaction resumes the wait (SQLite)",
          "[v16][firmware][restart][sqlite]") {
  // Section 5.19: the update spans a power cut; the state is persisted.
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get());
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  REQUIRE(!e.plug_in(1, h.now()));
  REQUIRE(!e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, 0s));
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Downloaded, h.now()));
  h.pump();
  CHECK(fw.installs == 0);

  store.reset();
  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  auto& e2 = h.engine();
  CHECK(e2.firmware_status() == FirmwareStatus::Downloaded);
  h.connect();
  CHECK(fw.installs == 0);  // the restored transaction still runs
  CHECK(fw.downloads.size() == 1);  // not downloaded again
  CHECK(fw_notes(h) == Strings{"Downloaded"});  // confirmed before the restart: not repeated
  REQUIRE(!e2.stop_transaction(1, Reason::PowerLoss, h.now()));
  h.pump();
  CHECK(fw.installs == 1);
  REQUIRE(!e2.report_firmware_status(FirmwareStatus::Installing, h.now()));
  REQUIRE(!e2.report_firmware_status(FirmwareStatus::Installed, h.now()));
  h.pump();
  CHECK(fw_notes(h) == Strings{"Downloaded", "Installing", "Installed"});
}

TEST_CASE("firmware: restart while Installing waits for the new image to report Installed (SQLite)",
          "[v16][firmware][restart][sqlite]") {
  // Section 5.19 figure 41 "automatic reboot": Installing, reboot, BootNotification, then
  // Installed. The install hook is not called again after the reboot.
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get(), 2);
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, 0s));
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Downloading, h.now()));
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Downloaded, h.now()));
  h.pump();
  REQUIRE(fw.installs == 1);
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Installing, h.now()));
  h.pump();

  store.reset();
  store = test::open_sqlite(dir.file("cp.db"));
  h.calls.clear();
  h.restart(store.get());
  auto& e2 = h.engine();
  CHECK(e2.firmware_status() == FirmwareStatus::Installing);
  h.connect();
  CHECK(fw.installs == 1);
  CHECK(fw.downloads.size() == 1);
  CHECK(fw_notes(h).empty());
  // Still installing: the connectors stay Unavailable after the reboot.
  CHECK(e2.connector_state(1)->status == ChargePointStatus::Unavailable);
  REQUIRE(!e2.report_firmware_status(FirmwareStatus::Installed, h.now()));
  h.pump();
  CHECK(fw_notes(h) == Strings{"Installed"});
  CHECK(index_of(h, "BootNotification") < index_of(h, "FirmwareStatusNotification"));
  CHECK(e2.connector_state(1)->status == ChargePointStatus::Available);
  CHECK(e2.firmware_status() == FirmwareStatus::Idle);

  // Done: nothing is left in the store, a later restart has no update.
  store.reset();
  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  CHECK(h.engine().firmware_status() == FirmwareStatus::Idle);
  CHECK(h.engine().report_firmware_status(FirmwareStatus::Installed, h.now()) == Errc::invalid_state);
}

TEST_CASE("firmware: Installed reported before a reboot while offline is sent after it (SQLite)",
          "[v16][firmware][restart][sqlite]") {
  // Section 4.5: the CSMS must learn the outcome; the last status survives a power cut until
  // the CSMS confirmed it, and is sent once, after BootNotification Accepted.
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get());
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, 0s));
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Downloaded, h.now()));
  h.pump();
  REQUIRE(fw.installs == 1);
  h.disconnect();
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Installing, h.now()));
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Installed, h.now()));
  h.pump();

  store.reset();
  store = test::open_sqlite(dir.file("cp.db"));
  h.calls.clear();
  h.restart(store.get());
  CHECK(h.engine().firmware_status() == FirmwareStatus::Idle);
  h.connect();
  CHECK(fw_notes(h) == Strings{"Installed"});  // Installing was overtaken while offline
  CHECK(index_of(h, "BootNotification") < index_of(h, "FirmwareStatusNotification"));
  h.disconnect();
  h.connect();
  h.advance(600s);
  CHECK(fw_notes(h) == Strings{"Installed"});  // confirmed: not repeated
}

TEST_CASE("firmware: restart before retrieveDate keeps the wall-clock schedule (SQLite)",
          "[v16][firmware][restart][sqlite]") {
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get());
  FirmwareSide fw;
  fw.attach(h);
  h.start();
  h.connect();
  h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, 3600s, R"(,"retries":1,"retryInterval":30)"));
  h.advance(600s);
  store.reset();
  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  h.connect();
  h.advance(2999s);
  CHECK(fw.downloads.empty());
  h.advance(1s);
  REQUIRE(fw.downloads.size() == 1);
  CHECK(fw.download_at[0] == 3600);
  // The retries survived the restart too.
  REQUIRE(!h.engine().report_firmware_status(FirmwareStatus::DownloadFailed, h.now()));
  h.advance(30s);
  CHECK(fw.downloads.size() == 2);
}

TEST_CASE("firmware: restart during a download asks for it again (SQLite)",
          "[v16][firmware][restart][sqlite]") {
  // The download in progress died with the process; the hook call is repeated without
  // spending a retry.
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get());
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, 0s));
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Downloading, h.now()));
  h.pump();
  store.reset();
  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  h.pump();
  CHECK(fw.downloads.size() == 2);
  CHECK(h.engine().firmware_status() == FirmwareStatus::Downloading);
  REQUIRE(!h.engine().report_firmware_status(FirmwareStatus::Downloaded, h.now()));
  h.pump();
  CHECK(fw.installs == 1);
}

TEST_CASE("firmware: statuses reported offline: only the latest is sent after reconnect",
          "[v16][firmware]") {
  test::Harness h;
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, 0s));
  h.disconnect();
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Downloading, h.now()));
  REQUIRE(!e.report_firmware_status(FirmwareStatus::DownloadFailed, h.now()));
  h.advance(60s);
  CHECK(fw_notes(h).empty());
  h.connect();
  CHECK(fw_notes(h) == Strings{"DownloadFailed"});
  h.advance(60s);
  CHECK(fw_notes(h) == Strings{"DownloadFailed"});
}

TEST_CASE("firmware: a notification lost with the connection is sent again after reconnect",
          "[v16][firmware]") {
  test::Harness h;
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, 0s));
  h.policy["FirmwareStatusNotification"] = [](const test::SentCall&) -> std::optional<std::string> {
    return std::nullopt;  // held: no answer
  };
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Downloading, h.now()));
  h.pump();
  REQUIRE(fw_notes(h).size() == 1);
  h.disconnect();
  h.policy.erase("FirmwareStatusNotification");
  h.connect();
  CHECK(fw_notes(h) == Strings{"Downloading", "Downloading"});
  h.advance(120s);
  CHECK(fw_notes(h).size() == 2);
}

TEST_CASE("firmware: a notification answered with CALLERROR is not repeated", "[v16][firmware]") {
  test::Harness h;
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, 0s));
  h.answer_error["FirmwareStatusNotification"] = "InternalError";
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Downloading, h.now()));
  h.pump();
  h.advance(300s);
  CHECK(fw_notes(h) == Strings{"Downloading"});
}

TEST_CASE("firmware: a second UpdateFirmware replaces a scheduled one, not a running one",
          "[v16][firmware]") {
  // UpdateFirmware.conf cannot refuse (section 6.56); see docs/protocol-choices.md.
  test::Harness h;
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, 3600s));
  CHECK(result_payload(h.csms_call(
            "uf-2", "UpdateFirmware",
            R"({"location":"ftp://fw.example.com/b.bin","retrieveDate":")" +
                ocpp::format_datetime(h.now().wall + 60s) + "\"}")) == "{}");
  h.advance(60s);
  REQUIRE(fw.downloads == Strings{"ftp://fw.example.com/b.bin"});
  CHECK(result_payload(h.csms_call("uf-3", "UpdateFirmware", update_firmware(h, 0s))) == "{}");
  h.advance(3600s);
  CHECK(fw.downloads.size() == 1);  // the running download is not disturbed
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Downloaded, h.now()));
  h.pump();
  CHECK(fw.installs == 1);
}

TEST_CASE("firmware: without hooks the library reports DownloadFailed / InstallationFailed",
          "[v16][firmware]") {
  test::Harness h;
  auto& e = h.start();
  h.connect();
  h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, 10s, R"(,"retries":3,"retryInterval":5)"));
  h.advance(9s);
  CHECK(fw_notes(h).empty());
  h.advance(1s);
  h.advance(60s);
  CHECK(fw_notes(h) == Strings{"DownloadFailed"});  // no retry can succeed without the hook
  CHECK(e.firmware_status() == FirmwareStatus::Idle);
}

TEST_CASE("firmware: report_firmware_status misuse returns error values", "[v16][firmware]") {
  test::Harness h;
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  // No update at all.
  for (auto st : {FirmwareStatus::Downloading, FirmwareStatus::Downloaded,
                  FirmwareStatus::DownloadFailed, FirmwareStatus::Installing,
                  FirmwareStatus::Installed, FirmwareStatus::InstallationFailed})
    CHECK(e.report_firmware_status(st, h.now()) == Errc::invalid_state);
  // Idle is only for a TriggerMessage (section 4.5).
  CHECK(e.report_firmware_status(FirmwareStatus::Idle, h.now()) == Errc::invalid_argument);
  // Scheduled but not yet downloading.
  h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, 600s));
  CHECK(e.report_firmware_status(FirmwareStatus::Downloading, h.now()) == Errc::invalid_state);
  h.advance(600s);
  // Downloading: install steps are out of order.
  CHECK(e.report_firmware_status(FirmwareStatus::Installing, h.now()) == Errc::invalid_state);
  CHECK(e.report_firmware_status(FirmwareStatus::Installed, h.now()) == Errc::invalid_state);
  CHECK(e.report_firmware_status(FirmwareStatus::Idle, h.now()) == Errc::invalid_argument);
  h.pump();
  CHECK(fw_notes(h).empty());
  CHECK(e.report_diagnostics_status(DiagnosticsStatus::Uploaded, h.now()) == Errc::invalid_state);
  CHECK(e.report_diagnostics_status(DiagnosticsStatus::Idle, h.now()) == Errc::invalid_argument);
  h.pump();
  CHECK(diag_notes(h).empty());
}

TEST_CASE("firmware: UpdateFirmware / GetDiagnostics payload errors get the codec's CALLERROR",
          "[v16][firmware]") {
  // OCPP-J 1.6 section 4.2.3: required field missing = OccurenceConstraintViolation, wrong
  // type = TypeConstraintViolation.
  test::Harness h;
  FirmwareSide fw;
  fw.attach(h);
  h.start();
  h.connect();
  CHECK(error_code_of(h.csms_call("e1", "UpdateFirmware",
                                  R"({"retrieveDate":"2026-01-01T00:00:00Z"})")) ==
        "OccurenceConstraintViolation");
  CHECK(error_code_of(h.csms_call("e2", "UpdateFirmware", R"({"location":"ftp://x/fw.bin"})")) ==
        "OccurenceConstraintViolation");
  CHECK(error_code_of(h.csms_call("e3", "UpdateFirmware",
                                  R"({"location":"ftp://x/fw.bin","retrieveDate":"2026-01-01T00:00:00Z","retries":"3"})")) ==
        "TypeConstraintViolation");
  CHECK(error_code_of(h.csms_call("e4", "GetDiagnostics", R"({})")) ==
        "OccurenceConstraintViolation");
  CHECK(error_code_of(h.csms_call("e5", "GetDiagnostics", R"({"location":"ftp://x/","retries":"x"})")) ==
        "TypeConstraintViolation");
  h.advance(3600s);
  CHECK(fw.downloads.empty());
  CHECK(fw.diag_requests.empty());
  CHECK(fw_notes(h).empty());
}

TEST_CASE("firmware: GetDiagnostics answers the hook's fileName and uploads through the hook",
          "[v16][firmware]") {
  // Section 5.9 (errata 3.31): GetDiagnostics.conf(fileName), then Uploading, Uploaded.
  test::Harness h;
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  const auto start = ocpp::DateTime{} + 1'789'000'000s;
  const auto stop = ocpp::DateTime{} + 1'789'900'000s;
  CHECK(result_payload(h.csms_call("gd-1", "GetDiagnostics",
                                   R"({"location":"ftp://logs.example.com/up/","startTime":")" +
                                       ocpp::format_datetime(start) + R"(","stopTime":")" +
                                       ocpp::format_datetime(stop) + "\"}")) ==
        R"({"fileName":"diag-001.tar.gz"})");
  CHECK(fw.diag_requests == Strings{"ftp://logs.example.com/up/"});
  REQUIRE(fw.uploads.size() == 1);
  CHECK(fw.uploads[0].location == "ftp://logs.example.com/up/");
  CHECK(fw.uploads[0].file == "diag-001.tar.gz");
  CHECK(fw.uploads[0].start == start);
  CHECK(fw.uploads[0].stop == stop);
  // The reply goes out before anything about the upload.
  CHECK(e.diagnostics_status() == DiagnosticsStatus::Uploading);
  REQUIRE(!e.report_diagnostics_status(DiagnosticsStatus::Uploading, h.now()));
  h.advance(5s);
  REQUIRE(!e.report_diagnostics_status(DiagnosticsStatus::Uploaded, h.now()));
  h.pump();
  CHECK(diag_notes(h) == Strings{"Uploading", "Uploaded"});
  CHECK(e.diagnostics_status() == DiagnosticsStatus::Idle);
  CHECK(e.report_diagnostics_status(DiagnosticsStatus::Uploaded, h.now()) == Errc::invalid_state);
}

TEST_CASE("firmware: GetDiagnostics without diagnostics answers no fileName and uploads nothing",
          "[v16][firmware]") {
  // Section 5.9: "If no diagnostics file is available, then GetDiagnostics.conf SHALL NOT
  // contain a file name."
  test::Harness h;
  FirmwareSide fw;
  fw.diag_file.reset();
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  CHECK(result_payload(h.csms_call("gd-1", "GetDiagnostics", R"({"location":"ftp://x/"})")) == "{}");
  CHECK(fw.diag_requests.size() == 1);
  fw.diag_file = std::string();  // an empty name names no file either
  CHECK(result_payload(h.csms_call("gd-2", "GetDiagnostics", R"({"location":"ftp://x/"})")) == "{}");
  h.advance(60s);
  CHECK(fw.uploads.empty());
  CHECK(diag_notes(h).empty());
  CHECK(e.diagnostics_status() == DiagnosticsStatus::Idle);

  test::Harness bare;  // no hook at all
  bare.start();
  bare.connect();
  CHECK(result_payload(bare.csms_call("gd-1", "GetDiagnostics", R"({"location":"ftp://x/"})")) == "{}");
  CHECK(diag_notes(bare).empty());
}

TEST_CASE("firmware: UploadFailed is retried after retryInterval, retries times",
          "[v16][firmware]") {
  // Section 6.25: retries / retryInterval of GetDiagnostics.req.
  test::Harness h;
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  h.csms_call("gd-1", "GetDiagnostics", R"({"location":"ftp://x/","retries":1,"retryInterval":30})");
  REQUIRE(fw.uploads.size() == 1);
  REQUIRE(!e.report_diagnostics_status(DiagnosticsStatus::UploadFailed, h.now()));
  h.pump();
  CHECK(e.diagnostics_status() == DiagnosticsStatus::UploadFailed);
  h.advance(29s);
  CHECK(fw.uploads.size() == 1);
  h.advance(1s);
  REQUIRE(fw.uploads.size() == 2);
  CHECK(fw.uploads[1].at == 30);
  CHECK(fw.uploads[1].file == "diag-001.tar.gz");
  REQUIRE(!e.report_diagnostics_status(DiagnosticsStatus::UploadFailed, h.now()));
  h.advance(600s);
  CHECK(fw.uploads.size() == 2);
  CHECK(diag_notes(h) == Strings{"UploadFailed", "UploadFailed"});
  CHECK(e.diagnostics_status() == DiagnosticsStatus::Idle);
}

TEST_CASE("firmware: a second GetDiagnostics during an upload gets no fileName",
          "[v16][firmware]") {
  // Section 5.9: "Charge Point SHALL upload a single file".
  test::Harness h;
  FirmwareSide fw;
  fw.attach(h);
  auto& e = h.start();
  h.connect();
  h.csms_call("gd-1", "GetDiagnostics", R"({"location":"ftp://x/"})");
  CHECK(result_payload(h.csms_call("gd-2", "GetDiagnostics", R"({"location":"ftp://y/"})")) == "{}");
  CHECK(fw.uploads.size() == 1);
  CHECK(fw.diag_requests.size() == 1);
  REQUIRE(!e.report_diagnostics_status(DiagnosticsStatus::Uploaded, h.now()));
  h.pump();
  CHECK(result_payload(h.csms_call("gd-3", "GetDiagnostics", R"({"location":"ftp://z/"})")) ==
        R"({"fileName":"diag-001.tar.gz"})");
  CHECK(fw.uploads.size() == 2);
}

TEST_CASE("firmware: restart during an upload asks for it again (SQLite)",
          "[v16][firmware][restart][sqlite]") {
  test::TempDir dir;
  auto store = test::open_sqlite(dir.file("cp.db"));
  test::Harness h(store.get());
  FirmwareSide fw;
  fw.attach(h);
  h.start();
  h.connect();
  h.csms_call("gd-1", "GetDiagnostics", R"({"location":"ftp://x/","retries":2,"retryInterval":10})");
  REQUIRE(fw.uploads.size() == 1);
  store.reset();
  store = test::open_sqlite(dir.file("cp.db"));
  h.restart(store.get());
  h.pump();
  REQUIRE(fw.uploads.size() == 2);
  CHECK(fw.uploads[1].file == "diag-001.tar.gz");
  CHECK(fw.uploads[1].location == "ftp://x/");
  CHECK(h.engine().diagnostics_status() == DiagnosticsStatus::Uploading);
  h.connect();
  REQUIRE(!h.engine().report_diagnostics_status(DiagnosticsStatus::Uploaded, h.now()));
  h.pump();
  CHECK(diag_notes(h) == Strings{"Uploaded"});
}

TEST_CASE("firmware: the firmware and diagnostics calls are answered while a boot is Pending",
          "[v16][firmware]") {
  // Section 4.2: while Pending the CSMS may send requests; notifications wait for Accepted.
  test::Harness h;
  FirmwareSide fw;
  fw.attach(h);
  bool pending = true;
  h.policy["BootNotification"] = [&](const test::SentCall&) -> std::optional<std::string> {
    return std::string(R"({"status":")") + (pending ? "Pending" : "Accepted") +
           R"(","currentTime":")" + ocpp::format_datetime(h.now().wall) + R"(","interval":60})";
  };
  auto& e = h.start();
  h.connect();
  CHECK(result_payload(h.csms_call("uf-1", "UpdateFirmware", update_firmware(h, 0s))) == "{}");
  REQUIRE(fw.downloads.size() == 1);
  REQUIRE(!e.report_firmware_status(FirmwareStatus::Downloading, h.now()));
  h.pump();
  CHECK(fw_notes(h).empty());
  pending = false;
  h.advance(60s);
  CHECK(fw_notes(h) == Strings{"Downloading"});
  CHECK(index_of(h, "BootNotification", 1) < index_of(h, "FirmwareStatusNotification"));
}
