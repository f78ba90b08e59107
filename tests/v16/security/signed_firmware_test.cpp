// Security Whitepaper edition 3, L01: SignedUpdateFirmware and SignedFirmwareStatusNotification
// (5.19-5.22, 6.8, 6.9, 6.18), with a real PKI: a manufacturer root in the OpenSSL provider, a
// firmware file signed by a signing certificate it issued, a tampered file, a signing
// certificate of another root and an expired one.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/firmware_pki.hpp"
#include "v16/harness.hpp"

using namespace std::chrono_literals;
using ocpp::Errc;
using ocpp::v16::ChargePointStatus;
using ocpp::v16::FirmwareStatusEnumType;
using ocpp::v16::Reason;
using ocpp::v16::SignedUpdateFirmwareRequest;
using test_pki::FirmwarePki;
using S = FirmwareStatusEnumType;
using Strings = std::vector<std::string>;

namespace {

using test::status_of;

// The firmware's side of a signed update: what the hooks were asked.
struct FirmwareSide {
  std::vector<SignedUpdateFirmwareRequest> downloads;
  std::vector<std::int64_t> download_at;
  std::vector<std::string> installs;  // paths
  std::vector<std::int64_t> install_at;
  std::vector<std::int32_t> cancelled;

  void attach(test::Harness& h) {
    h.hooks.signed_firmware_download = [this, &h](const SignedUpdateFirmwareRequest& r) {
      downloads.push_back(r);
      download_at.push_back(h.elapsed());
    };
    h.hooks.signed_firmware_install = [this, &h](const SignedUpdateFirmwareRequest&,
                                                 const std::string& path) {
      installs.push_back(path);
      install_at.push_back(h.elapsed());
    };
    h.hooks.signed_firmware_cancel = [this](std::int32_t id) { cancelled.push_back(id); };
  }
};

// The statuses of the SignedFirmwareStatusNotifications sent; each must carry requestId `id`
// (L01.FR.10, L01.FR.21).
Strings notes(const test::Harness& h, int id) {
  Strings out;
  for (const auto& c : h.calls_of("SignedFirmwareStatusNotification")) {
    auto j = c.json();
    REQUIRE(j.HasMember("requestId"));
    CHECK(j["requestId"].GetInt() == id);
    out.push_back(j["status"].GetString());
  }
  return out;
}

Strings events(const test::Harness& h) {
  Strings out;
  for (const auto& c : h.calls_of("SecurityEventNotification"))
    out.push_back(c.json()["type"].GetString());
  return out;
}

struct FirmwareFixture {
  FirmwarePki pki;
  test::Harness h;
  FirmwareSide fw;
  explicit FirmwareFixture(int connectors = 1, bool install_root = true)
      : pki(install_root), h(nullptr, connectors) {
    h.options_.security = pki.provider;
    fw.attach(h);
    h.start();
    h.connect();
  }
  ocpp::v16::Engine& e() { return h.engine(); }
  // Downloads and verifies request `id` (already accepted).
  void download(int id, const std::string& path) {
    REQUIRE_FALSE(e().report_signed_firmware_status(S::Downloading, id, h.now()));
    REQUIRE_FALSE(e().report_signed_firmware_status(S::Downloaded, id, h.now(), path));
    h.pump();
  }
};

}  // namespace

TEST_CASE(
    "L01: the happy flow reports every state in order with the requestId, then FirmwareUpdated",
    "[security][firmware]") {
  FirmwareFixture f;
  CHECK(status_of(f.h.csms_call("su1", "SignedUpdateFirmware",
                                f.pki.good_request(11, f.h.now().wall))) == "Accepted");
  REQUIRE(f.fw.downloads.size() == 1);
  CHECK(f.fw.downloads[0].firmware.location == "https://fw.example/v2.bin");
  f.download(11, f.pki.firmware_path);
  REQUIRE(f.fw.installs == Strings{f.pki.firmware_path});
  REQUIRE_FALSE(f.e().report_signed_firmware_status(S::Installing, 11, f.h.now()));
  REQUIRE_FALSE(
      f.e().report_signed_firmware_status(S::InstallRebooting, 11, f.h.now()));  // L01.FR.15
  f.h.pump();
  f.h.restart();  // the reboot into the new firmware
  f.h.connect();
  REQUIRE_FALSE(f.h.engine().report_signed_firmware_status(S::Installed, 11, f.h.now()));
  f.h.pump();
  CHECK(notes(f.h, 11) == Strings{"Downloading", "Downloaded", "SignatureVerified", "Installing",
                                  "InstallRebooting", "Installed"});
  CHECK(events(f.h) == Strings{"FirmwareUpdated"});
  // L01.FR.28: after Installed a trigger reports Idle.
  CHECK(f.h.engine().signed_firmware_status() == S::Idle);
}

TEST_CASE(
    "L01.FR.02/FR.24: a signing certificate from another root is refused with InvalidCertificate "
    "and "
    "InvalidFirmwareSigningCertificate",
    "[security][firmware]") {
  FirmwareFixture f;
  const auto req = FirmwarePki::request(12, f.pki.stranger.pem(), f.pki.signature, f.h.now().wall);
  CHECK(status_of(f.h.csms_call("su1", "SignedUpdateFirmware", req)) == "InvalidCertificate");
  f.h.pump();
  CHECK(f.fw.downloads.empty());
  CHECK(f.h.calls_of("SignedFirmwareStatusNotification").empty());
  CHECK(events(f.h) == Strings{"InvalidFirmwareSigningCertificate"});
  CHECK(f.e().security_log().back().type == "InvalidFirmwareSigningCertificate");
}

TEST_CASE(
    "L01.FR.23/FR.24: an expired, a malformed or an unverifiable signing certificate is "
    "InvalidCertificate",
    "[security][firmware]") {
  SECTION("expired") {
    FirmwareFixture f;
    const auto req = FirmwarePki::request(13, f.pki.expired.pem(), f.pki.signature, f.h.now().wall);
    CHECK(status_of(f.h.csms_call("su1", "SignedUpdateFirmware", req)) == "InvalidCertificate");
    f.h.pump();
    CHECK(events(f.h) == Strings{"InvalidFirmwareSigningCertificate"});
    CHECK(f.fw.downloads.empty());
  }
  SECTION("not a certificate") {
    FirmwareFixture f;
    const auto req = FirmwarePki::request(13, "junk", f.pki.signature, f.h.now().wall);
    CHECK(status_of(f.h.csms_call("su1", "SignedUpdateFirmware", req)) == "InvalidCertificate");
  }
  SECTION("no ManufacturerRootCertificate installed") {
    FirmwareFixture f(1, /*install_root=*/false);
    CHECK(status_of(f.h.csms_call("su1", "SignedUpdateFirmware",
                                  f.pki.good_request(13, f.h.now().wall))) == "InvalidCertificate");
  }
  SECTION("no SecurityProvider") {
    test::Harness h;
    FirmwarePki pki;
    h.start();
    h.connect();
    CHECK(status_of(h.csms_call("su1", "SignedUpdateFirmware",
                                pki.good_request(13, h.now().wall))) == "InvalidCertificate");
  }
}

TEST_CASE(
    "L01.FR.03/FR.04: a tampered file fails the signature check: InvalidSignature, "
    "InvalidFirmwareSignature, nothing installed",
    "[security][firmware]") {
  FirmwareFixture f;
  status_of(f.h.csms_call("su1", "SignedUpdateFirmware", f.pki.good_request(14, f.h.now().wall)));
  f.download(14, f.pki.tampered_path);
  f.h.advance(600s);
  CHECK(f.fw.installs.empty());
  CHECK(notes(f.h, 14) == Strings{"Downloading", "Downloaded", "InvalidSignature"});
  CHECK(events(f.h) == Strings{"InvalidFirmwareSignature"});
  // L01.FR.29: a trigger repeats the last status.
  CHECK(f.e().signed_firmware_status() == S::InvalidSignature);
  CHECK(f.e().report_signed_firmware_status(S::Installing, 14, f.h.now()) == Errc::invalid_state);
}

TEST_CASE("L01.FR.04: a signature that is missing or not of this file is InvalidSignature",
          "[security][firmware]") {
  FirmwareFixture f;
  const auto other = test_pki::sign_base64(f.pki.signer.key.get(), "another image");
  status_of(f.h.csms_call("su1", "SignedUpdateFirmware",
                          FirmwarePki::request(15, f.pki.signer.pem(), other, f.h.now().wall)));
  f.download(15, f.pki.firmware_path);
  CHECK(notes(f.h, 15).back() == "InvalidSignature");
  status_of(f.h.csms_call("su2", "SignedUpdateFirmware",
                          FirmwarePki::request(16, f.pki.signer.pem(), "", f.h.now().wall)));
  f.h.calls.clear();
  f.download(16, f.pki.firmware_path);
  CHECK(notes(f.h, 16).back() == "InvalidSignature");
  CHECK(f.fw.installs.empty());
  // A Downloaded report needs the file's path.
  status_of(f.h.csms_call("su3", "SignedUpdateFirmware", f.pki.good_request(17, f.h.now().wall)));
  CHECK(f.e().report_signed_firmware_status(S::Downloaded, 17, f.h.now()) ==
        Errc::invalid_argument);
}

TEST_CASE(
    "L01.FR.13: a future retrieveDateTime is DownloadScheduled; the download starts at that time",
    "[security][firmware]") {
  FirmwareFixture f;
  status_of(
      f.h.csms_call("su1", "SignedUpdateFirmware", f.pki.good_request(20, f.h.now().wall + 3600s)));
  f.h.pump();
  CHECK(notes(f.h, 20) == Strings{"DownloadScheduled"});
  f.h.advance(3599s);
  CHECK(f.fw.downloads.empty());
  f.h.advance(1s);
  REQUIRE(f.fw.downloads.size() == 1);
  CHECK(f.fw.download_at == std::vector<std::int64_t>{3600});
  // L01.FR.14: a paused download is reported.
  REQUIRE_FALSE(f.e().report_signed_firmware_status(S::DownloadPaused, 20, f.h.now()));
  f.h.pump();
  CHECK(notes(f.h, 20).back() == "DownloadPaused");
}

TEST_CASE(
    "L01: a failed download is retried after retryInterval (DownloadScheduled), DownloadFailed at "
    "the end",
    "[security][firmware]") {
  FirmwareFixture f;
  status_of(f.h.csms_call("su1", "SignedUpdateFirmware",
                          FirmwarePki::request(21, f.pki.signer.pem(), f.pki.signature,
                                               f.h.now().wall, std::nullopt, 1, 300)));
  REQUIRE(f.fw.downloads.size() == 1);
  REQUIRE_FALSE(f.e().report_signed_firmware_status(S::DownloadFailed, 21, f.h.now()));
  f.h.advance(299s);
  CHECK(f.fw.downloads.size() == 1);
  f.h.advance(1s);
  REQUIRE(f.fw.downloads.size() == 2);
  REQUIRE_FALSE(f.e().report_signed_firmware_status(S::DownloadFailed, 21, f.h.now()));
  f.h.advance(3600s);
  CHECK(f.fw.downloads.size() == 2);
  CHECK(notes(f.h, 21) == Strings{"DownloadScheduled", "DownloadFailed"});
  // Without the download hook, the library reports DownloadFailed itself.
  test::Harness h;
  FirmwarePki pki;
  h.options_.security = pki.provider;
  h.start();
  h.connect();
  CHECK(status_of(h.csms_call("su1", "SignedUpdateFirmware", pki.good_request(22, h.now().wall))) ==
        "Accepted");
  h.pump();
  CHECK(notes(h, 22) == Strings{"DownloadFailed"});
}

TEST_CASE(
    "L01.FR.16/FR.17: a future installDateTime is InstallScheduled; installation at that time",
    "[security][firmware]") {
  FirmwareFixture f;
  status_of(f.h.csms_call("su1", "SignedUpdateFirmware",
                          f.pki.good_request(30, f.h.now().wall, f.h.now().wall + 7200s)));
  f.download(30, f.pki.firmware_path);
  CHECK(notes(f.h, 30) ==
        Strings{"Downloading", "Downloaded", "SignatureVerified", "InstallScheduled"});
  f.h.advance(7199s);
  CHECK(f.fw.installs.empty());
  f.h.advance(1s);
  CHECK(f.fw.install_at == std::vector<std::int64_t>{7200});
}

TEST_CASE(
    "L01.FR.05/06/07: installation waits for the running transaction; the free connectors are "
    "Unavailable",
    "[security][firmware]") {
  FirmwareFixture f(2);
  auto& e = f.e();
  REQUIRE_FALSE(e.plug_in(1, f.h.now()));
  REQUIRE_FALSE(e.present_id_tag("CARD1", 1, f.h.now()));
  f.h.pump();
  REQUIRE(e.connector_state(1)->status == ChargePointStatus::Charging);
  status_of(f.h.csms_call("su1", "SignedUpdateFirmware", f.pki.good_request(31, f.h.now().wall)));
  f.download(31, f.pki.firmware_path);
  f.h.advance(600s);
  CHECK(f.fw.installs.empty());
  CHECK(e.connector_state(1)->status == ChargePointStatus::Charging);  // not interrupted
  CHECK(e.connector_state(2)->status == ChargePointStatus::Unavailable);
  CHECK(e.present_id_tag("CARD2", 2, f.h.now()) == Errc::invalid_state);
  REQUIRE_FALSE(e.stop_transaction(1, Reason::Local, f.h.now()));
  f.h.pump();
  CHECK(f.fw.install_at == std::vector<std::int64_t>{600});
  REQUIRE_FALSE(e.unplug(1, f.h.now()));
  f.h.pump();
  CHECK(e.connector_state(1)->status == ChargePointStatus::Unavailable);  // until installed
  REQUIRE_FALSE(e.report_signed_firmware_status(S::InstallationFailed, 31, f.h.now()));
  f.h.pump();
  CHECK(e.connector_state(1)->status == ChargePointStatus::Available);
  CHECK(e.connector_state(2)->status == ChargePointStatus::Available);
  CHECK(notes(f.h, 31).back() == "InstallationFailed");
}

TEST_CASE("L01.FR.26: a new SignedUpdateFirmware cancels the running update (AcceptedCanceled)",
          "[security][firmware]") {
  FirmwareFixture f;
  status_of(f.h.csms_call("su1", "SignedUpdateFirmware", f.pki.good_request(40, f.h.now().wall)));
  REQUIRE_FALSE(f.e().report_signed_firmware_status(S::Downloading, 40, f.h.now()));
  CHECK(status_of(f.h.csms_call("su2", "SignedUpdateFirmware",
                                f.pki.good_request(41, f.h.now().wall))) == "AcceptedCanceled");
  CHECK(f.fw.cancelled == std::vector<std::int32_t>{40});
  REQUIRE(f.fw.downloads.size() == 2);
  CHECK(f.fw.downloads[1].requestId == 41);
  CHECK(f.e().report_signed_firmware_status(S::Downloaded, 40, f.h.now(), f.pki.firmware_path) ==
        Errc::invalid_state);
  // An invalid certificate does not cancel anything.
  const auto bad = FirmwarePki::request(42, f.pki.stranger.pem(), f.pki.signature, f.h.now().wall);
  CHECK(status_of(f.h.csms_call("su3", "SignedUpdateFirmware", bad)) == "InvalidCertificate");
  CHECK(f.fw.cancelled.size() == 1);
  f.download(41, f.pki.firmware_path);
  CHECK(f.fw.installs.size() == 1);
}

TEST_CASE("L01.FR.27: an installation under way cannot be cancelled: Rejected",
          "[security][firmware]") {
  FirmwareFixture f;
  status_of(f.h.csms_call("su1", "SignedUpdateFirmware", f.pki.good_request(50, f.h.now().wall)));
  f.download(50, f.pki.firmware_path);
  REQUIRE(f.fw.installs.size() == 1);
  CHECK(status_of(f.h.csms_call("su2", "SignedUpdateFirmware",
                                f.pki.good_request(51, f.h.now().wall))) == "Rejected");
  CHECK(f.fw.cancelled.empty());
  REQUIRE_FALSE(f.e().report_signed_firmware_status(S::Installed, 50, f.h.now()));
}

TEST_CASE(
    "L01.FR.28/FR.29: the status for a trigger is the last one sent, Idle after Installed or "
    "before any",
    "[security][firmware]") {
  FirmwareFixture f;
  CHECK(f.e().signed_firmware_status() == S::Idle);
  status_of(
      f.h.csms_call("su1", "SignedUpdateFirmware", f.pki.good_request(60, f.h.now().wall + 60s)));
  CHECK(f.e().signed_firmware_status() == S::DownloadScheduled);
  f.h.advance(60s);
  f.download(60, f.pki.firmware_path);
  CHECK(f.e().signed_firmware_status() == S::SignatureVerified);
  REQUIRE_FALSE(f.e().report_signed_firmware_status(S::InstallVerificationFailed, 60, f.h.now()));
  CHECK(f.e().signed_firmware_status() == S::InstallVerificationFailed);
  CHECK(f.e().report_signed_firmware_status(S::Idle, 60, f.h.now()) == Errc::invalid_state);
}

TEST_CASE(
    "L01.FR.20: with a ManufacturerRootCertificate the plain UpdateFirmware is NotSupported; "
    "without one "
    "it still works",
    "[security][firmware]") {
  SECTION("secure firmware update: NotSupported, nothing starts") {
    FirmwareFixture f;
    auto r = f.h.csms_call("uf1", "UpdateFirmware",
                           R"({"location":"ftp://fw/x.bin","retrieveDate":")" +
                               ocpp::format_datetime(f.h.now().wall) + "\"}");
    REQUIRE(r.has_value());
    CHECK(r->find(R"([4,"uf1","NotSupported")") == 0);
    f.h.advance(60s);
    CHECK(f.h.calls_of("FirmwareStatusNotification").empty());  // no download was even tried
  }
  SECTION("no ManufacturerRootCertificate: the 1.6 update runs") {
    test::Harness h;
    FirmwarePki pki(/*install_root=*/false);
    h.options_.security = pki.provider;
    std::vector<std::string> downloads;
    h.hooks.firmware_download = [&](const std::string& loc) { downloads.push_back(loc); };
    h.start();
    h.connect();
    auto r = h.csms_call("uf1", "UpdateFirmware",
                         R"({"location":"ftp://fw/x.bin","retrieveDate":")" +
                             ocpp::format_datetime(h.now().wall) + "\"}");
    REQUIRE(r.has_value());
    CHECK(*r == R"([3,"uf1",{}])");
    h.pump();
    CHECK(downloads == Strings{"ftp://fw/x.bin"});
  }
}

TEST_CASE(
    "L01: a restart while the installation waits for installDateTime keeps waiting and installs",
    "[security][firmware]") {
  FirmwareFixture f;
  status_of(f.h.csms_call("su1", "SignedUpdateFirmware",
                          f.pki.good_request(70, f.h.now().wall, f.h.now().wall + 600s)));
  f.download(70, f.pki.firmware_path);
  f.h.restart();
  f.h.connect();
  f.h.advance(599s);
  CHECK(f.fw.installs.empty());
  f.h.advance(1s);
  CHECK(f.fw.installs == Strings{f.pki.firmware_path});
  CHECK(f.h.engine().signed_firmware_status() == S::InstallScheduled);
}

TEST_CASE("Section 8: an accepted Reset raises ResetOrReboot after the StopTransactions",
          "[security][events]") {
  test::Harness h;
  bool executed = false;
  h.hooks.execute_reset = [&](ocpp::v16::ResetType) { executed = true; };
  auto& e = h.start();
  h.connect();
  REQUIRE_FALSE(e.plug_in(1, h.now()));
  REQUIRE_FALSE(e.present_id_tag("CARD1", 1, h.now()));
  h.pump();
  h.csms_call("r1", "Reset", R"({"type":"Hard"})");
  h.pump();
  CHECK(executed);
  auto a = h.actions();
  auto stop = std::find(a.begin(), a.end(), "StopTransaction");
  auto ev = std::find(a.begin(), a.end(), "SecurityEventNotification");
  REQUIRE(stop != a.end());
  REQUIRE(ev != a.end());
  CHECK(stop < ev);
  CHECK(events(h) == Strings{"ResetOrReboot"});
  // A refused reset raises nothing.
  test::Harness h2;
  h2.hooks.reset = [](ocpp::v16::ResetType) { return ocpp::v16::ResetStatus::Rejected; };
  h2.start();
  h2.connect();
  h2.csms_call("r1", "Reset", R"({"type":"Soft"})");
  h2.pump();
  CHECK(events(h2).empty());
}
