// ocpp-chargerd's security options (examples/chargerd/options.cpp): parsing from the command
// line and the config file, and what apply_security_options() hands the library.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "chargerd_options.hpp"
#include "options.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace {

std::string parse_args(std::vector<std::string> args, DaemonOptions& o) {
  return chargerd_test::parse(std::move(args), o);
}

std::string parse_required_and(std::vector<std::string> extra, DaemonOptions& o) {
  std::vector<std::string> args = {"--url", "wss://127.0.0.1:9443/ocpp", "--id", "CP1", "--db",
                                   "cp.db"};
  args.insert(args.end(), extra.begin(), extra.end());
  return parse_args(args, o);
}

std::string parse_required_and(std::vector<std::string> extra) {
  DaemonOptions o;
  return parse_required_and(std::move(extra), o);
}

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// The settings both tests below give, on the command line and in a file.
void check_security_settings(const DaemonOptions& o) {
  CHECK(o.security_profile == 3);
  CHECK(o.ca_file == "/etc/csms-ca.pem");
  CHECK(o.cert_file == "/etc/cp.pem");
  CHECK(o.key_file == "/etc/cp.key");
  CHECK(o.cpo_name == std::optional<std::string>("Acme CPO"));
  CHECK(o.security_dir == "/var/lib/pki");
  CHECK(o.password == std::optional<std::string>("00112233"));
}

}  // namespace

TEST_CASE("chargerd options: security settings on the command line", "[examples][chargerd]") {
  DaemonOptions o;
  REQUIRE(parse_required_and({"--security-profile", "3", "--ca-file", "/etc/csms-ca.pem", "--cert",
                              "/etc/cp.pem", "--key", "/etc/cp.key", "--cpo-name", "Acme CPO",
                              "--security-dir", "/var/lib/pki", "--password", "00112233"},
                             o) == "");
  check_security_settings(o);

  DaemonOptions plain;
  REQUIRE(parse_required_and({}, plain) == "");
  CHECK_FALSE(plain.security_profile.has_value());  // the library chooses per connection
  CHECK_FALSE(plain.cpo_name.has_value());
  CHECK(plain.security_dir.empty());
}

TEST_CASE("chargerd options: bad security settings are refused", "[examples][chargerd]") {
  for (const char* p : {"0", "1", "2", "3"})
    CHECK(parse_required_and({"--security-profile", p}) == "");
  CHECK(parse_required_and({"--security-profile", "4"}) == "--security-profile must be 0..3");
  CHECK(parse_required_and({"--security-profile", "-1"}) == "--security-profile must be 0..3");
  CHECK(parse_required_and({"--security-profile", "x"}) == "bad value for security-profile: x");
  CHECK(parse_required_and({"--key", "/etc/cp.key"}) == "--key needs --cert");
  CHECK(parse_required_and({"--cert", "/etc/cp.pem"}) == "");  // the key in the same file
  CHECK(parse_required_and({"--cpo-name", ""}) == "--cpo-name must be 1..64 bytes");
  CHECK(parse_required_and({"--cpo-name", std::string(65, 'C')}) ==
        "--cpo-name must be 1..64 bytes");
  CHECK(parse_required_and({"--cpo-name", std::string(64, 'C')}) == "");
  CHECK(
      parse_required_and({"--firmware-signing-root", "/etc/mf.pem"}).find("needs --security-dir") !=
      std::string::npos);
}

TEST_CASE("chargerd options: security settings in the config file; flags win",
          "[examples][chargerd]") {
  test_support::TempDir dir;
  const std::string path = dir.path + "/chargerd.json";
  write(path, R"({"url":"wss://127.0.0.1:9443/ocpp","id":"CP1","db":"d","security_profile":3,)"
              R"("ca_file":"/etc/csms-ca.pem","cert":"/etc/cp.pem","key":"/etc/cp.key",)"
              R"("cpo_name":"Acme CPO","security_dir":"/var/lib/pki","password":"00112233",)"
              R"("firmware_signing_root":"/etc/mf.pem"})");
  DaemonOptions o;
  REQUIRE(parse_args({"--config", path}, o) == "");
  check_security_settings(o);
  CHECK(o.firmware_signing_root == "/etc/mf.pem");

  DaemonOptions flags;
  REQUIRE(parse_args({"--config", path, "--security-profile", "2", "--cpo-name", "Other"}, flags) ==
          "");
  CHECK(flags.security_profile == 2);
  CHECK(flags.cpo_name == std::optional<std::string>("Other"));

  write(path, R"({"url":"wss://h/","id":"CP1","db":"d","security_profile":7})");
  DaemonOptions bad;
  CHECK(parse_args({"--config", path}, bad) == "--security-profile must be 0..3");
}

TEST_CASE("chargerd options: apply_security_options fills the charge point's config",
          "[examples][chargerd]") {
  DaemonOptions o;
  REQUIRE(
      parse_required_and({"--security-profile", "3", "--ca-file", "/ca.pem", "--cert", "/cp.pem",
                          "--key", "/cp.key", "--cpo-name", "Acme CPO", "--password", "AB12"},
                         o) == "");
  ocpp::v16::ChargePointConfig cfg;
  REQUIRE(apply_security_options(o, cfg) == "");
  CHECK(cfg.security_profile == ocpp::SecurityProfile::tls_client_cert);
  CHECK(cfg.ca_file == "/ca.pem");
  CHECK(cfg.client_cert_file == "/cp.pem");
  CHECK(cfg.client_key_file == "/cp.key");
  CHECK(cfg.password == std::optional<std::string>("AB12"));
  CHECK(cfg.configuration ==
        std::vector<std::pair<std::string, std::string>>{{"CpoName", "Acme CPO"}});
  CHECK(cfg.security == nullptr);  // no --security-dir: no provider

  DaemonOptions unset;
  REQUIRE(parse_required_and({}, unset) == "");
  ocpp::v16::ChargePointConfig cfg0;
  REQUIRE(apply_security_options(unset, cfg0) == "");
  CHECK_FALSE(cfg0.security_profile.has_value());
  CHECK(cfg0.configuration.empty());
}

TEST_CASE(
    "chargerd options: --security-dir makes the provider and installs the firmware signing root",
    "[examples][chargerd][security]") {
  test_support::TempDir dir;
  const std::string pki = dir.path + "/pki";
  const auto root = test_pki::make_root("Manufacturer Root", 1);
  write(dir.path + "/mf-root.pem", root.pem());

  DaemonOptions o;
  REQUIRE(parse_required_and(
              {"--security-dir", pki, "--firmware-signing-root", dir.path + "/mf-root.pem"}, o) ==
          "");
  ocpp::v16::ChargePointConfig cfg;
  REQUIRE(apply_security_options(o, cfg) == "");
  REQUIRE(cfg.security != nullptr);
  CHECK(std::filesystem::is_directory(pki));
  auto installed =
      cfg.security->installed_ca_certificates({ocpp::CaCertificateUse::manufacturer_root});
  REQUIRE(installed);
  REQUIRE(installed->size() == 1);
  CHECK(installed->front().subject.find("Manufacturer Root") != std::string::npos);
  // Nothing was installed as a CSMS root: the CA file stays what verifies the server.
  auto csms = cfg.security->installed_ca_certificates({ocpp::CaCertificateUse::csms_root});
  REQUIRE(csms);
  CHECK(csms->empty());

  // The next start installs it again: nothing changes.
  ocpp::v16::ChargePointConfig again;
  REQUIRE(apply_security_options(o, again) == "");
  auto after =
      again.security->installed_ca_certificates({ocpp::CaCertificateUse::manufacturer_root});
  REQUIRE(after);
  CHECK(after->size() == 1);

  // A file that is missing, or a certificate that is not a CA, is an error that names the file.
  DaemonOptions missing = o;
  missing.firmware_signing_root = dir.path + "/nothing.pem";
  ocpp::v16::ChargePointConfig cfg2;
  CHECK(apply_security_options(missing, cfg2).find("cannot read firmware_signing_root") == 0);
  CHECK(cfg2.security == nullptr);

  const auto leaf = test_pki::issue(root, "not a CA", 2);
  write(dir.path + "/leaf.pem", leaf.pem());
  DaemonOptions not_ca = o;
  not_ca.firmware_signing_root = dir.path + "/leaf.pem";
  ocpp::v16::ChargePointConfig cfg3;
  const std::string err = apply_security_options(not_ca, cfg3);
  CHECK(err.find("firmware_signing_root " + dir.path + "/leaf.pem: ") == 0);
  CHECK(cfg3.security == nullptr);
}
