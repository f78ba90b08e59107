// Part 6 test case TC_L_08 (OCPP 2.0.1 part 2 L01): a secure firmware update whose download
// and signature check succeed and whose installation fails, InstallVerificationFailed or
// InstallationFailed as the firmware reports it through report_firmware_status. The test
// follows the steps of the test case, checking each FirmwareStatusNotificationRequest.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/firmware_pki.hpp"
#include "v201/harness.hpp"

using namespace ocpp::v201;
using test::v201::field;
using test::v201::Harness;
using test::v201::payloads_of;
using test::v201::result_status;
using test_pki::FirmwarePki;
using namespace std::chrono_literals;

TEST_CASE("v201 L01.FR.01 L01.FR.10 L01.FR.12 L01.FR.20 TC_L_08: installation fails, reported",
          "[v201][firmware][conformance]") {
  const auto failure = GENERATE(FirmwareStatusEnumType::InstallVerificationFailed,
                                FirmwareStatusEnumType::InstallationFailed);
  const std::string failure_name = failure == FirmwareStatusEnumType::InstallVerificationFailed
                                       ? "InstallVerificationFailed"
                                       : "InstallationFailed";
  INFO(failure_name);
  FirmwarePki pki;
  Harness h;
  h.options.security_provider = pki.provider.get();
  std::vector<UpdateFirmwareRequest> downloads;
  std::vector<std::string> installs;
  h.hooks.firmware_download = [&](const UpdateFirmwareRequest& r) { downloads.push_back(r); };
  h.hooks.firmware_install = [&](const UpdateFirmwareRequest&, const std::string& path) {
    installs.push_back(path);
  };
  h.start();
  h.connect();
  auto report = [&](FirmwareStatusEnumType s, std::optional<std::string> path = std::nullopt) {
    REQUIRE(h.engine().report_firmware_status(s, 8, h.now(), std::move(path)) == std::error_code{});
    h.pump();
  };
  const std::size_t from = h.calls.size();
  // 1. UpdateFirmwareRequest: installDateTime and retrieveDateTime two hours ago, a trusted
  // signingCertificate and a real signature; 2. UpdateFirmwareResponse status Accepted.
  CHECK(result_status(h.csms_call("l08", "UpdateFirmware",
                                  FirmwarePki::request(8, pki.signer.pem(), pki.signature,
                                                       h.now().wall - 2h, h.now().wall - 2h))) ==
        "Accepted");
  REQUIRE(downloads.size() == 1);  // retrieveDateTime has passed: at once
  CHECK(downloads[0].requestId == 8);
  // 3. Downloading; 5. Downloaded (the library checks the signature: L01.FR.12);
  // 7. SignatureVerified; the installation starts (installDateTime has passed).
  report(FirmwareStatusEnumType::Downloading);
  report(FirmwareStatusEnumType::Downloaded, pki.firmware_path);
  REQUIRE(installs == std::vector<std::string>{pki.firmware_path});
  // 12. Installing (no reboot before the installation); 16. the failure.
  report(FirmwareStatusEnumType::Installing);
  report(failure);
  const auto notes = payloads_of(h, "FirmwareStatusNotification", from);
  const std::vector<std::string> expected = {"Downloading", "Downloaded", "SignatureVerified",
                                             "Installing", failure_name};
  REQUIRE(notes.size() == expected.size());
  for (std::size_t i = 0; i < notes.size(); ++i) {
    CHECK(field(notes[i], "status") == expected[i]);
    CHECK(field(notes[i], "requestId") == "8");  // L01.FR.20
  }
  // The firmware's failure is final: the library reports it as its status (L01.FR.25/26) and
  // takes no further step of that update.
  CHECK(h.engine().firmware_status() == failure);
  CHECK(h.engine().report_firmware_status(FirmwareStatusEnumType::Installed, 8, h.now()) ==
        make_error_code(ocpp::Errc::invalid_state));
  h.advance(10min);
  CHECK(payloads_of(h, "FirmwareStatusNotification", from).size() == expected.size());
  CHECK(downloads.size() == 1);
}
