// OCPP 2.0.1 L01 secure firmware update: UpdateFirmwareRequest and the
// FirmwareStatusNotificationRequests of its steps, with a real PKI (a manufacturer root in the
// OpenSSL provider, firmware signed by a certificate it issued, a tampered copy, a certificate
// of another root), the simulated clock for retrieveDateTime / installDateTime / retries, and
// power cuts.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/firmware_pki.hpp"
#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::error_code;
using test::v201::Harness;
using test::v201::parse;
using test::v201::result_status;
using test_pki::FirmwarePki;
using namespace std::chrono_literals;
using Strings = std::vector<std::string>;
using S = FirmwareStatusEnumType;

namespace {

struct FirmwareSide {
  std::vector<UpdateFirmwareRequest> downloads;
  std::vector<std::int64_t> download_at;
  std::vector<std::string> installs;
  std::vector<std::int32_t> cancelled;
};

struct Fixture {
  FirmwarePki pki;
  Harness h;
  FirmwareSide fw;
  explicit Fixture(std::vector<int> evses = {1}, bool provider = true) : h(std::move(evses)) {
    if (provider) h.options.security_provider = pki.provider.get();
    h.hooks.firmware_download = [this](const UpdateFirmwareRequest& r) {
      fw.downloads.push_back(r);
      fw.download_at.push_back(h.seconds(h.now().mono));
    };
    h.hooks.firmware_install = [this](const UpdateFirmwareRequest&, const std::string& path) {
      fw.installs.push_back(path);
    };
    h.hooks.firmware_cancel = [this](std::int32_t id) { fw.cancelled.push_back(id); };
    h.start();
    h.connect();
  }
  std::optional<std::string> update(const std::string& id, const std::string& payload) {
    return h.csms_call(id, "UpdateFirmware", payload);
  }
  std::string good(int request_id, std::optional<ocpp::DateTime> install = std::nullopt,
                   std::optional<int> retries = std::nullopt,
                   std::optional<int> interval = std::nullopt) {
    return FirmwarePki::request(request_id, pki.signer.pem(), pki.signature, h.now().wall, install,
                                retries, interval);
  }
  std::error_code report(S s, int id, std::optional<std::string> path = std::nullopt) {
    auto ec = h.engine().report_firmware_status(s, id, h.now(), std::move(path));
    h.pump();
    return ec;
  }
};

// The statuses of the FirmwareStatusNotificationRequests; each carries requestId `id`
// (L01.FR.10, L01.FR.20).
Strings notes(const Harness& h, int id) {
  Strings out;
  for (const auto& c : h.calls_of("FirmwareStatusNotification")) {
    rapidjson::Document p;
    p.Parse(c.payload.c_str());
    REQUIRE(p.HasMember("requestId"));
    CHECK(p["requestId"].GetInt() == id);
    out.push_back(p["status"].GetString());
  }
  return out;
}

Strings firmware_events(const Harness& h) {
  Strings out;
  for (const auto& c : h.calls_of("SecurityEventNotification")) {
    rapidjson::Document p;
    p.Parse(c.payload.c_str());
    out.push_back(p["type"].GetString());
  }
  return out;
}

bool has(const Strings& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE(
    "v201 L01.FR.01 L01.FR.04 L01.FR.05 L01.FR.10 L01.FR.28 L01.FR.31: a verified update "
    "is installed, every step reported with its requestId",
    "[v201][firmware]") {
  Fixture f;
  CHECK(result_status(f.update("u1", f.good(5))) == "Accepted");
  REQUIRE(f.fw.downloads.size() == 1);
  CHECK(f.fw.downloads[0].firmware.location == "https://fw.example/v2.bin");
  CHECK(f.report(S::Downloading, 5) == std::error_code{});
  CHECK(f.report(S::Downloaded, 5, f.pki.firmware_path) == std::error_code{});
  REQUIRE(f.fw.installs == Strings{f.pki.firmware_path});  // L01.FR.05: no installDateTime
  CHECK(f.report(S::Installing, 5) == std::error_code{});
  CHECK(f.report(S::Installed, 5) == std::error_code{});
  CHECK(notes(f.h, 5) ==
        Strings{"Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"});
  CHECK(has(firmware_events(f.h), "FirmwareUpdated"));
  // L01.FR.25: after Installed a trigger says Idle, without requestId.
  CHECK(result_status(f.h.csms_call("t1", "TriggerMessage",
                                    R"({"requestedMessage":"FirmwareStatusNotification"})")) ==
        "Accepted");
  const auto last = f.h.calls_of("FirmwareStatusNotification").back().payload;
  CHECK(last == R"({"status":"Idle"})");
  CHECK(f.h.engine().firmware_status() == S::Idle);
}

TEST_CASE(
    "v201 F06.FR.16 L01.FR.26: a trigger gives Idle before any update, the last status "
    "during one",
    "[v201][firmware]") {
  Fixture f;
  f.h.csms_call("t1", "TriggerMessage", R"({"requestedMessage":"FirmwareStatusNotification"})");
  CHECK(f.h.calls_of("FirmwareStatusNotification").back().payload == R"({"status":"Idle"})");
  f.update("u1", f.good(9));
  f.report(S::Downloading, 9);
  f.h.csms_call("t2", "TriggerMessage", R"({"requestedMessage":"FirmwareStatusNotification"})");
  CHECK(f.h.calls_of("FirmwareStatusNotification").back().payload ==
        R"({"status":"Downloading","requestId":9})");
}

TEST_CASE(
    "v201 L01.FR.21 L01.FR.22 L01.FR.02: a signing certificate that does not chain to the "
    "manufacturer root is InvalidCertificate, with its security event",
    "[v201][firmware]") {
  Fixture f;
  SECTION("a certificate of another root") {
    CHECK(result_status(f.update("u1", FirmwarePki::request(3, f.pki.stranger.pem(),
                                                            f.pki.signature, f.h.now().wall))) ==
          "InvalidCertificate");
  }
  SECTION("no certificate and no signature (TC_L_18)") {
    CHECK(result_status(f.update(
              "u1", R"({"requestId":3,"firmware":{"location":"https://fw.example/a.bin",)"
                    R"("retrieveDateTime":")" +
                        ocpp::format_datetime(f.h.now().wall) + "\"}}")) == "InvalidCertificate");
  }
  CHECK(f.fw.downloads.empty());
  CHECK(f.h.calls_of("FirmwareStatusNotification").empty());
  CHECK(has(firmware_events(f.h), "InvalidFirmwareSigningCertificate"));
}

TEST_CASE("v201 L01.FR.21: without a SecurityProvider nothing can be verified: InvalidCertificate",
          "[v201][firmware]") {
  Fixture f({1}, false);
  CHECK(result_status(f.update("u1", f.good(3))) == "InvalidCertificate");
  CHECK(f.fw.downloads.empty());
}

TEST_CASE(
    "v201 L01.FR.03 L01.FR.04: a file whose signature does not match is InvalidSignature "
    "and never installed",
    "[v201][firmware]") {
  Fixture f;
  f.update("u1", f.good(4));
  f.report(S::Downloaded, 4, f.pki.tampered_path);
  CHECK(notes(f.h, 4) == Strings{"Downloaded", "InvalidSignature"});
  CHECK(f.fw.installs.empty());
  CHECK(has(firmware_events(f.h), "InvalidFirmwareSignature"));
  // Finished: the firmware's later reports are refused.
  CHECK(f.report(S::Installing, 4) == make_error_code(ocpp::Errc::invalid_state));
}

TEST_CASE(
    "v201 L01.FR.13 L01.FR.30: DownloadScheduled until retrieveDateTime, retries after "
    "retryInterval, DownloadFailed after the last",
    "[v201][firmware]") {
  Fixture f;
  const std::string req = FirmwarePki::request(6, f.pki.signer.pem(), f.pki.signature,
                                               f.h.now().wall + 100s, std::nullopt, 2, 60);
  const auto t0 = f.h.seconds(f.h.now().mono);
  CHECK(result_status(f.update("u1", req)) == "Accepted");
  CHECK(f.fw.downloads.empty());
  f.h.advance(99s);
  CHECK(f.fw.downloads.empty());
  f.h.advance(1s);
  REQUIRE(f.fw.download_at == std::vector<std::int64_t>{t0 + 100});
  f.report(S::DownloadFailed, 6);  // retry 1 of 2
  f.h.advance(60s);
  f.report(S::DownloadFailed, 6);  // retry 2 of 2
  f.h.advance(60s);
  f.report(S::DownloadFailed, 6);  // the last attempt
  CHECK(f.fw.download_at == std::vector<std::int64_t>{t0 + 100, t0 + 160, t0 + 220});
  CHECK(notes(f.h, 6) ==
        Strings{"DownloadScheduled", "DownloadScheduled", "DownloadScheduled", "DownloadFailed"});
  f.h.advance(600s);
  CHECK(f.fw.downloads.size() == 3);
}

TEST_CASE("v201 L01.FR.30: negative retries and retryInterval are read as none",
          "[v201][firmware]") {
  Fixture f;
  CHECK(result_status(f.update(
            "u1", FirmwarePki::request(7, f.pki.signer.pem(), f.pki.signature, f.h.now().wall,
                                       std::nullopt, -5, -10))) == "Accepted");
  f.report(S::DownloadFailed, 7);
  f.h.advance(3600s);
  CHECK(f.fw.downloads.size() == 1);
  CHECK(notes(f.h, 7) == Strings{"DownloadFailed"});
}

TEST_CASE("v201 L01.FR.16: installDateTime in the future is InstallScheduled, installed then",
          "[v201][firmware]") {
  Fixture f;
  f.update("u1", f.good(8, f.h.now().wall + 300s));
  f.report(S::Downloaded, 8, f.pki.firmware_path);
  CHECK(notes(f.h, 8) == Strings{"Downloaded", "SignatureVerified", "InstallScheduled"});
  f.h.advance(299s);
  CHECK(f.fw.installs.empty());
  f.h.advance(1s);
  CHECK(f.fw.installs.size() == 1);
}

TEST_CASE(
    "v201 L01.FR.06 L01.FR.07: the installation waits for the transactions to end, the free "
    "EVSEs Unavailable meanwhile",
    "[v201][firmware]") {
  Fixture f({1, 1});
  REQUIRE(f.h.engine().plug_in(1, 1, f.h.now()) == std::error_code{});
  IdTokenType tag;
  tag.idToken = "TAG1";
  tag.type = IdTokenEnumType::ISO14443;
  REQUIRE(f.h.engine().present_id_token(1, tag, f.h.now()) == std::error_code{});
  f.h.pump();
  REQUIRE(f.h.engine().transaction_id(1).has_value());
  f.update("u1", f.good(10));
  f.report(S::Downloaded, 10, f.pki.firmware_path);
  CHECK(f.fw.installs.empty());  // L01.FR.06
  CHECK(f.h.engine().connector_status(2, 1).value() == ConnectorStatusEnumType::Unavailable);
  CHECK(f.h.engine().connector_status(1, 1).value() == ConnectorStatusEnumType::Occupied);
  REQUIRE(f.h.engine().stop_transaction(1, ReasonEnumType::Local, f.h.now()) == std::error_code{});
  f.h.pump();
  CHECK(f.fw.installs.size() == 1);
  CHECK(f.h.engine().connector_status(1, 1).value() == ConnectorStatusEnumType::Unavailable);
  f.report(S::Installing, 10);
  f.report(S::InstallationFailed, 10);
  CHECK(f.h.engine().connector_status(2, 1).value() == ConnectorStatusEnumType::Available);
  // The CSMS was told: Unavailable, then Available again.
  Strings evse2;
  for (const auto& c : f.h.calls_of("StatusNotification")) {
    rapidjson::Document p;
    p.Parse(c.payload.c_str());
    if (p["evseId"].GetInt() == 2) evse2.push_back(p["connectorStatus"].GetString());
  }
  CHECK(evse2 == Strings{"Available", "Unavailable", "Available"});
}

TEST_CASE(
    "v201 L01.FR.24 L01.FR.27: a new request cancels a download (AcceptedCanceled), not an "
    "installation (Rejected)",
    "[v201][firmware]") {
  Fixture f;
  f.update("u1", f.good(11));
  f.report(S::Downloading, 11);
  CHECK(result_status(f.update("u2", f.good(12))) == "AcceptedCanceled");
  CHECK(f.fw.cancelled == std::vector<std::int32_t>{11});
  CHECK(f.fw.downloads.size() == 2);
  CHECK(f.fw.downloads[1].requestId == 12);
  CHECK(f.report(S::Downloaded, 11, f.pki.firmware_path) ==
        make_error_code(ocpp::Errc::invalid_state));
  f.report(S::Downloaded, 12, f.pki.firmware_path);
  f.report(S::Installing, 12);
  CHECK(result_status(f.update("u3", f.good(13))) == "Rejected");
  CHECK(f.fw.cancelled.size() == 1);
  CHECK(f.report(S::Installed, 12) == std::error_code{});
}

TEST_CASE(
    "v201 L01.FR.32: a power cut during the installation; the new firmware reports "
    "Installed with the requestId",
    "[v201][firmware]") {
  Fixture f;
  f.update("u1", f.good(14));
  f.report(S::Downloaded, 14, f.pki.firmware_path);
  f.report(S::InstallRebooting, 14);
  f.h.options.boot_reason = BootReasonEnumType::FirmwareUpdate;
  f.h.restart();
  f.h.connect();
  CHECK(f.fw.installs.size() == 1);  // not asked again: the firmware knows its outcome
  CHECK(f.report(S::Installed, 14) == std::error_code{});
  CHECK(notes(f.h, 14).back() == "Installed");
  CHECK(has(firmware_events(f.h), "FirmwareUpdated"));
}

TEST_CASE(
    "v201 L01.FR.01: a status reached offline is sent after the reconnect, also after a "
    "power cut",
    "[v201][firmware]") {
  Fixture f;
  f.update("u1", f.good(15));
  f.h.disconnect();
  f.report(S::DownloadFailed, 15);
  f.h.restart();
  f.h.connect();
  CHECK(notes(f.h, 15) == Strings{"DownloadFailed"});
  f.h.restart();
  f.h.connect();
  CHECK(notes(f.h, 15).size() == 1);  // confirmed: not repeated
}

TEST_CASE("v201 L01: an over-long location is refused by the schema, nothing downloaded",
          "[v201][firmware]") {
  Fixture f;
  const std::string payload = R"({"requestId":1,"firmware":{"location":")" + std::string(600, 'a') +
                              R"(","retrieveDateTime":")" + ocpp::format_datetime(f.h.now().wall) +
                              R"(","signingCertificate":"x","signature":"y"}})";
  CHECK(parse(f.update("u1", payload))[0].GetInt() == 4);
  CHECK(error_code(f.h.reply_to("u1")) != "");
  CHECK(f.fw.downloads.empty());
}

namespace {

// A transaction on the EVSE: plugged in, authorized.
void start_transaction(Fixture& f, int evse_id, const std::string& tag_id) {
  REQUIRE(f.h.engine().plug_in(evse_id, 1, f.h.now()) == std::error_code{});
  IdTokenType tag;
  tag.idToken = tag_id;
  tag.type = IdTokenEnumType::ISO14443;
  REQUIRE(f.h.engine().present_id_token(evse_id, tag, f.h.now()) == std::error_code{});
  f.h.pump();
  REQUIRE(f.h.engine().transaction_id(evse_id).has_value());
}

// The statuses reported for the EVSE's connector 1.
Strings evse_statuses(const Harness& h, int evse_id) {
  Strings out;
  for (const auto& c : h.calls_of("StatusNotification")) {
    rapidjson::Document p;
    p.Parse(c.payload.c_str());
    if (p["evseId"].GetInt() == evse_id) out.push_back(p["connectorStatus"].GetString());
  }
  return out;
}

}  // namespace

TEST_CASE(
    "v201 L01.FR.06 L01.FR.07 TC_L_12 TC_L_14: AllowNewSessionsPendingFirmwareUpdate true, "
    "new sessions start while the installation waits for the transactions",
    "[v201][firmware]") {
  Fixture f({1, 1});
  test::v201::set_variable(f.h, "ChargingStation", "AllowNewSessionsPendingFirmwareUpdate", "true");
  start_transaction(f, 1, "TAG1");
  f.update("u1", f.good(20));
  f.report(S::Downloaded, 20, f.pki.firmware_path);
  CHECK(f.fw.installs.empty());  // L01.FR.06
  // L01.FR.07 does not apply: the free EVSE stays Available, a second session starts on it.
  CHECK(f.h.engine().connector_status(2, 1).value() == ConnectorStatusEnumType::Available);
  start_transaction(f, 2, "TAG2");
  REQUIRE(f.h.engine().stop_transaction(1, ReasonEnumType::Local, f.h.now()) == std::error_code{});
  f.h.pump();
  CHECK(f.fw.installs.empty());  // the second transaction still runs
  CHECK(f.h.engine().connector_status(1, 1).value() == ConnectorStatusEnumType::Occupied);
  REQUIRE(f.h.engine().stop_transaction(2, ReasonEnumType::Local, f.h.now()) == std::error_code{});
  f.h.pump();
  // The last transaction ended: the installation starts, and no session starts during it.
  CHECK(f.fw.installs.size() == 1);
  CHECK(f.h.engine().connector_status(1, 1).value() == ConnectorStatusEnumType::Unavailable);
  CHECK(f.h.engine().connector_status(2, 1).value() == ConnectorStatusEnumType::Unavailable);
  f.report(S::Installing, 20);
  f.report(S::Installed, 20);
  CHECK(f.h.engine().connector_status(2, 1).value() == ConnectorStatusEnumType::Occupied);
  CHECK(evse_statuses(f.h, 2) == Strings{"Available", "Occupied", "Unavailable", "Occupied"});
  CHECK(notes(f.h, 20).back() == "Installed");
}

TEST_CASE(
    "v201 L01.FR.07: AllowNewSessionsPendingFirmwareUpdate changed while the installation "
    "waits frees or holds the free EVSEs at once",
    "[v201][firmware]") {
  Fixture f({1, 1});
  start_transaction(f, 1, "TAG1");
  f.update("u1", f.good(21));
  f.report(S::Downloaded, 21, f.pki.firmware_path);
  CHECK(f.h.engine().connector_status(2, 1).value() == ConnectorStatusEnumType::Unavailable);
  test::v201::set_variable(f.h, "ChargingStation", "AllowNewSessionsPendingFirmwareUpdate", "true");
  CHECK(f.h.engine().connector_status(2, 1).value() == ConnectorStatusEnumType::Available);
  test::v201::set_variable(f.h, "ChargingStation", "AllowNewSessionsPendingFirmwareUpdate",
                           "false");
  CHECK(f.h.engine().connector_status(2, 1).value() == ConnectorStatusEnumType::Unavailable);
  CHECK(evse_statuses(f.h, 2) == Strings{"Available", "Unavailable", "Available", "Unavailable"});
  CHECK(f.h.engine().connector_status(1, 1).value() == ConnectorStatusEnumType::Occupied);
}

TEST_CASE(
    "v201 L01.FR.07 B04.FR.02: an EVSE held for the installation while offline is reported "
    "after a short outage",
    "[v201][firmware][offline]") {
  Fixture f({1, 1});
  start_transaction(f, 1, "TAG1");
  f.update("u1", f.good(22));
  f.h.disconnect();
  const auto from = f.h.calls_of("StatusNotification").size();
  f.report(S::Downloaded, 22, f.pki.firmware_path);  // the installation waits, offline
  CHECK(f.h.engine().connector_status(2, 1).value() == ConnectorStatusEnumType::Unavailable);
  f.h.advance(10s);  // under the default OfflineThreshold (60 s)
  f.h.connect();
  const auto sn = f.h.calls_of("StatusNotification");
  REQUIRE(sn.size() == from + 1);  // EVSE 1 did not change: not reported (B04.FR.02)
  rapidjson::Document p;
  p.Parse(sn.back().payload.c_str());
  CHECK(p["evseId"].GetInt() == 2);
  CHECK(std::string(p["connectorStatus"].GetString()) == "Unavailable");
}
