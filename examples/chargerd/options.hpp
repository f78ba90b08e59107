// Command line and JSON config file of ocpp-chargerd.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

struct DaemonOptions {
  std::string url;
  std::string id;
  std::string db;
  int connectors = 1;
  std::optional<std::string> password;
  std::string ca_file;
  std::string control;  // Unix socket path for line commands
  bool log_frames = false;
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
