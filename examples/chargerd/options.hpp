// Command line and JSON config file of ocpp-chargerd.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ocpp/v16/charge_point.hpp"

struct DaemonOptions {
  std::string ocpp = "1.6";  // the protocol: "1.6" or "2.0.1" (v201.cpp)
  std::string url;
  std::string id;
  std::string db;
  int connectors = 1;  // 2.0.1: EVSEs, each with one connector
  std::optional<std::string> password;
  std::string ca_file;
  // Security (docs/guides/security.md): the profile of the 1.6 Security Whitepaper (0..3);
  // unset = the library picks it at each connection from the URL and the credentials.
  std::optional<int> security_profile;
  std::string cert_file;                // charge point certificate chain (leaf first), profile 3
  std::string key_file;                 // its private key; empty = in cert_file
  std::optional<std::string> cpo_name;  // CpoName configuration key default
  std::string security_dir;             // directory of the OpenSSL SecurityProvider
  std::string firmware_signing_root;    // PEM manufacturer root installed into the provider
  // --configuration KEY=VALUE (repeatable): configuration key defaults of the firmware, read-only
  // keys included (e.g. CertificateSignedMaxChainSize); applied on the first start only.
  std::vector<std::pair<std::string, std::string>> configuration;
  std::string control;  // Unix socket path for line commands
  bool log_frames = false;
  // 2.0.1: the station has a Master Pass UI (C16.FR.01): a master_pass event, then the
  // masterpass command stops the selection.
  bool master_pass_ui = false;
  double power_w = 11000;
  std::int64_t backoff_min_ms = 1000;
  std::int64_t backoff_max_ms = 60000;
  int call_timeout_s = 30;
  int connect_timeout_s = 30;
  std::string vendor = "ocpp-client";
  std::string model = "chargerd";
};

/// Parses argv (and the file named by --config; flags win). Returns an error message or "".
std::string parse_options(int argc, char** argv, DaemonOptions& out);
extern const char* const kUsage;

/// Puts the TLS options every protocol shares into `cfg`: CA file, client certificate and, with
/// security_dir, the OpenSSL SecurityProvider (with the manufacturer root of
/// firmware_signing_root installed). Returns an error message or "".
std::string apply_tls_options(const DaemonOptions& o, ocpp::FacadeConfig& cfg);

/// Puts the security options into `cfg`: profile, password, CA file, client certificate,
/// CpoName and, with security_dir, the OpenSSL SecurityProvider (with the manufacturer root of
/// firmware_signing_root installed). Returns an error message or "".
std::string apply_security_options(const DaemonOptions& o, ocpp::v16::ChargePointConfig& cfg);
