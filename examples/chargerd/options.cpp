#include "options.hpp"

#include <rapidjson/document.h>

#include <fstream>
#include <map>
#include <sstream>
#include <vector>

const char* const kUsage =
    "usage: ocpp-chargerd --url URL --id ID --db PATH [--ocpp 1.6|2.0.1] [--connectors N]\n"
    "                     [--password P]\n"
    "                     [--ca-file FILE] [--config FILE] [--control PATH] [--log-frames]\n"
    "                     [--master-pass-ui]\n"
    "                     [--power WATTS] [--backoff-min-ms N] [--backoff-max-ms N]\n"
    "                     [--call-timeout-s N] [--connect-timeout-s N]\n"
    "                     [--vendor V] [--model M]\n"
    "                     [--security-profile 0-3] [--cert FILE [--key FILE]] [--cpo-name NAME]\n"
    "                     [--security-dir DIR [--firmware-signing-root FILE]]\n"
    "                     [--configuration KEY=VALUE]...\n";

namespace {

constexpr double kMaxPowerW = 1e6;
constexpr std::int64_t kMaxBackoffMs = 86'400'000;  // a day
// The CSR's O field carries CpoName (Security Whitepaper A00.FR.509); X.520 bounds it to 64.
constexpr std::size_t kMaxCpoName = 64;

std::string apply(DaemonOptions& o, const std::string& key, const std::string& v) {
  try {
    // clang-format off
    if (key == "ocpp") o.ocpp = v;
    else if (key == "url") o.url = v;
    else if (key == "id") o.id = v;
    else if (key == "db") o.db = v;
    else if (key == "connectors") o.connectors = std::stoi(v);
    else if (key == "password") o.password = v;
    else if (key == "ca-file" || key == "ca_file") o.ca_file = v;
    else if (key == "security-profile" || key == "security_profile") o.security_profile = std::stoi(v);
    else if (key == "cert") o.cert_file = v;
    else if (key == "key") o.key_file = v;
    else if (key == "cpo-name" || key == "cpo_name") o.cpo_name = v;
    else if (key == "security-dir" || key == "security_dir") o.security_dir = v;
    else if (key == "firmware-signing-root" || key == "firmware_signing_root") o.firmware_signing_root = v;
    else if (key == "configuration") {
      const auto eq = v.find('=');
      if (eq == 0 || eq == std::string::npos) return "--configuration needs KEY=VALUE: " + v;
      o.configuration.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    }
    else if (key == "control") o.control = v;
    else if (key == "power") o.power_w = std::stod(v);
    else if (key == "backoff-min-ms" || key == "backoff_min_ms") o.backoff_min_ms = std::stoll(v);
    else if (key == "backoff-max-ms" || key == "backoff_max_ms") o.backoff_max_ms = std::stoll(v);
    else if (key == "call-timeout-s" || key == "call_timeout_s") o.call_timeout_s = std::stoi(v);
    else if (key == "connect-timeout-s" || key == "connect_timeout_s") o.connect_timeout_s = std::stoi(v);
    else if (key == "vendor") o.vendor = v;
    else if (key == "model") o.model = v;
    else if (key == "log-frames" || key == "log_frames") o.log_frames = v == "true" || v == "1";
    else if (key == "master-pass-ui" || key == "master_pass_ui") o.master_pass_ui = v == "true" || v == "1";
    else return "unknown option " + key;
    // clang-format on
  } catch (...) {
    return "bad value for " + key + ": " + v;
  }
  return "";
}

std::string load_file(const std::string& path, DaemonOptions& o) {
  std::ifstream in(path);
  if (!in) return "cannot read config file " + path;
  std::stringstream ss;
  ss << in.rdbuf();
  rapidjson::Document d;
  // Iterative: a config file nested a million levels deep must not overflow the stack.
  d.Parse<rapidjson::kParseIterativeFlag>(ss.str().c_str());
  if (d.HasParseError() || !d.IsObject()) return "config file is not a JSON object: " + path;
  for (auto it = d.MemberBegin(); it != d.MemberEnd(); ++it) {
    std::string key(it->name.GetString(), it->name.GetStringLength());
    std::string value;
    if (it->value.IsString()) value.assign(it->value.GetString(), it->value.GetStringLength());
    else if (it->value.IsBool()) value = it->value.GetBool() ? "true" : "false";
    else if (it->value.IsInt64()) value = std::to_string(it->value.GetInt64());
    else if (it->value.IsNumber()) value = std::to_string(it->value.GetDouble());
    else return "config file: bad value for " + key;
    if (auto err = apply(o, key, value); !err.empty()) return "config file: " + err;
  }
  return "";
}

}  // namespace

std::string parse_options(int argc, char** argv, DaemonOptions& out) {
  std::vector<std::pair<std::string, std::string>> flags;
  std::string config;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") return "help";
    if (a.rfind("--", 0) != 0) return "unexpected argument " + a;
    std::string key = a.substr(2);
    if (key == "log-frames" || key == "master-pass-ui") {
      flags.emplace_back(key, "true");
      continue;
    }
    if (i + 1 >= argc) return "missing value for " + a;
    std::string v = argv[++i];
    if (key == "config") config = v;
    else flags.emplace_back(key, v);
  }
  if (!config.empty()) {
    if (auto err = load_file(config, out); !err.empty()) return err;
  }
  for (auto& [k, v] : flags)
    if (auto err = apply(out, k, v); !err.empty()) return err;
  if (out.url.empty() || out.id.empty() || out.db.empty()) return "--url, --id and --db are required";
  if (out.ocpp != "1.6" && out.ocpp != "2.0.1") return "--ocpp must be 1.6 or 2.0.1";
  // 2.0.1 has no CpoName key; its --configuration names Component.Variable (v201.cpp).
  if (out.ocpp == "2.0.1" && out.cpo_name) return "--cpo-name is an OCPP 1.6 option";
  if (out.ocpp != "2.0.1" && out.master_pass_ui) return "--master-pass-ui is an OCPP 2.0.1 option";
  if (out.connectors < 1 || out.connectors > 100) return "--connectors must be 1..100";
  if (out.call_timeout_s < 1 || out.connect_timeout_s < 1) return "timeouts must be at least 1 s";
  // The simulated meter adds power × seconds and hands whole Wh to the library: NaN, infinity
  // or a huge value would make that conversion undefined.
  if (!(out.power_w >= 0 && out.power_w <= kMaxPowerW)) return "--power must be 0..1000000 W";
  if (out.backoff_min_ms < 1 || out.backoff_max_ms < out.backoff_min_ms || out.backoff_max_ms > kMaxBackoffMs)
    return "--backoff-min-ms and --backoff-max-ms must satisfy 1 <= min <= max <= 86400000";
  if (out.security_profile && (*out.security_profile < 0 || *out.security_profile > 3))
    return "--security-profile must be 0..3";
  if (!out.key_file.empty() && out.cert_file.empty()) return "--key needs --cert";
  if (out.cpo_name && (out.cpo_name->empty() || out.cpo_name->size() > kMaxCpoName))
    return "--cpo-name must be 1..64 bytes";
  if (!out.firmware_signing_root.empty() && out.security_dir.empty())
    return "firmware_signing_root needs --security-dir (it is installed into the security "
           "provider)";
  return "";
}

std::string apply_security_options(const DaemonOptions& o, ocpp::v16::ChargePointConfig& cfg) {
  cfg.password = o.password;
  // The library checks the profile against the URL and the credentials (ChargePoint::create).
  if (o.security_profile)
    cfg.security_profile = static_cast<ocpp::SecurityProfile>(*o.security_profile);
  if (o.cpo_name) cfg.configuration.emplace_back("CpoName", *o.cpo_name);
  cfg.configuration.insert(cfg.configuration.end(), o.configuration.begin(), o.configuration.end());
  return apply_tls_options(o, cfg);
}

std::string apply_tls_options(const DaemonOptions& o, ocpp::FacadeConfig& cfg) {
  cfg.ca_file = o.ca_file;
  cfg.client_cert_file = o.cert_file;
  cfg.client_key_file = o.key_file;
  if (o.security_dir.empty()) return "";
  auto made = ocpp::make_openssl_security_provider(o.security_dir);
  if (!made) return "security directory " + o.security_dir + ": " + made.error().message();
  std::shared_ptr<ocpp::SecurityProvider> provider = std::move(made.value());
  if (!o.firmware_signing_root.empty()) {
    std::ifstream in(o.firmware_signing_root);
    std::stringstream pem;
    pem << in.rdbuf();
    if (!in || pem.str().empty())
      return "cannot read firmware_signing_root " + o.firmware_signing_root;
    // Installing a root that is already there changes nothing, so this runs at every start.
    auto installed =
        provider->install_ca_certificate(ocpp::CaCertificateUse::manufacturer_root, pem.str());
    if (!installed)
      return "firmware_signing_root " + o.firmware_signing_root + ": " +
             installed.error().message();
  }
  cfg.security = std::move(provider);
  return "";
}
