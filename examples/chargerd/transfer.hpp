// File transfers of the simulated charger: the log upload (GetLog) and the firmware download
// (SignedUpdateFirmware) go to and come from a local directory (file://) or a plain HTTP
// server (http://, no TLS). Blocking: call them from the daemon's main loop, never from a hook.
#pragma once

#include <string>
#include <vector>

#include "ocpp/time.hpp"

/// Stores `content` as `file_name` at `location`: in the directory of a file:///dir location,
/// or with an HTTP PUT to http://host[:port]/path/file_name. Returns "" or what went wrong.
std::string upload_file(const std::string& location, const std::string& file_name,
                        const std::string& content);

/// Fetches `location` (file:///path or http://host[:port]/path, a 200 answer) into the file
/// `dest`. Returns "" or what went wrong.
std::string download_file(const std::string& location, const std::string& dest);

/// The file a GetLogRequest uploads (1.6 and 2.0.1 alike): one line per security log entry
/// ("timestamp type techInfo"), or for a DiagnosticsLog the simulated charger's diagnostics for
/// the requested range.
template <class Request, class Entry>
std::string log_file_content(const Request& req, bool diagnostics, const std::string& station,
                             const std::vector<Entry>& entries) {
  std::string content;
  if (!diagnostics) {
    for (const auto& e : entries)
      content +=
          ocpp::format_datetime(e.timestamp) + " " + e.type + " " + e.techInfo.value_or("") + "\n";
    return content;
  }
  content = "ocpp-chargerd " + station + " diagnostics";
  if (req.log.oldestTimestamp)
    content += " from " + ocpp::format_datetime(*req.log.oldestTimestamp);
  if (req.log.latestTimestamp) content += " to " + ocpp::format_datetime(*req.log.latestTimestamp);
  return content + "\n";
}
