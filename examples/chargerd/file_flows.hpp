// The simulated file flows both protocol modes share: GetLog (1.6 Security Whitepaper and 2.0.1
// N01) and the signed firmware update (SignedUpdateFirmware in 1.6, UpdateFirmware in 2.0.1 L01).
// The transfers run later in the daemon's main loop (transfer.hpp), each step is reported to the
// library and printed as an event with the library's answer.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "console.hpp"
#include "ocpp/time.hpp"
#include "transfer.hpp"

namespace chargerd {

/// The members "requestId" and "stage" of a file flow's event.
inline void file_event_ids(Writer& w, std::int32_t requestId, const char* stage) {
  w.Key("requestId");
  w.Int(requestId);
  str(w, "stage", stage);
}

/// A step as reported to the library: stage "status", the status, the reason of a failure (if
/// any) and the library's refusal (if any).
inline void status_event(Writer& w, std::int32_t requestId, std::string_view status,
                         const std::string& why, std::error_code ec) {
  file_event_ids(w, requestId, "status");
  str(w, "status", status);
  if (!why.empty()) str(w, "reason", why);
  if (ec) str(w, "error", ec.message());
}

/// The file a GetLogRequest uploads: one line per security log entry ("timestamp type
/// techInfo"), or for a DiagnosticsLog the simulated station's diagnostics for the requested
/// range.
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

/// Runs f on the station (ChargePoint or ChargingStation) from the main loop after `ms`, if the
/// station still exists.
template <class Station>
using Later = std::function<void(int ms, std::function<void(Station&)>)>;

/// Sets the hooks get_log, upload_log and cancel_log_upload of `h` (1.6 or 2.0.1 Hooks): the file
/// "<logType>-<station>-<requestId>.log" is uploaded to the request's remoteLocation; Uploading,
/// then Uploaded or UploadFailure (Status: the version's UploadLogStatusEnumType), each a
/// `log_upload` event.
template <class Status, class Station, class Hooks>
void add_log_hooks(Hooks& h, Later<Station> later, const std::string& station) {
  h.get_log = [station](const auto& req) -> std::optional<std::string> {
    return std::string(to_string(req.logType)) + "-" + station + "-" +
           std::to_string(req.requestId) + ".log";
  };
  h.upload_log = [later, station](const auto& req, const std::string& file, const auto& entries) {
    const std::string content =
        log_file_content(req, to_string(req.logType) == "DiagnosticsLog", station, entries);
    const std::int32_t id = req.requestId;
    const std::string location = req.log.remoteLocation;
    emit("log_upload", [&](Writer& w) {
      file_event_ids(w, id, "requested");
      str(w, "logType", to_string(req.logType));
      str(w, "location", location);
      str(w, "fileName", file);
      w.Key("entries");
      w.Uint64(entries.size());
    });
    auto report = [](Station& s, std::int32_t request, Status st, const std::string& why) {
      const auto ec = s.report_log_status(st, request);
      emit("log_upload", [&](Writer& w) { status_event(w, request, to_string(st), why, ec); });
    };
    later(200, [id, report](Station& s) { report(s, id, Status::Uploading, ""); });
    later(600, [id, location, file, content, report](Station& s) {
      const std::string err = upload_file(location, file, content);
      report(s, id, err.empty() ? Status::Uploaded : Status::UploadFailure, err);
    });
  };
  h.cancel_log_upload = [](std::int32_t id) {
    emit("log_upload", [&](Writer& w) { file_event_ids(w, id, "cancelled"); });
  };
}

/// The firmware update as the simulated station does it: download() fetches the location into
/// `<db>.firmware-<requestId>` (Downloading, then Downloaded with the file or DownloadFailed),
/// install() "installs" it without a reboot (Installing, Installed); each step an `event` event.
/// Status: the version's FirmwareStatusEnumType.
template <class Status, class Station>
struct FirmwareFlow {
  const char* event;  ///< "signed_firmware" (1.6) or "firmware" (2.0.1)
  std::string db;     ///< the daemon's --db, the prefix of the downloaded file
  Later<Station> later;
  /// The version's report call (with the downloaded file's path for Downloaded).
  std::function<std::error_code(Station&, Status, std::int32_t, std::optional<std::string>)> report;

  template <class Request>
  void download(const Request& req) const {
    const std::int32_t id = req.requestId;
    const std::string location = req.firmware.location;
    const std::string dest = db + ".firmware-" + std::to_string(id);
    emit(event, [&](Writer& w) {
      file_event_ids(w, id, "download");
      str(w, "location", location);
    });
    const FirmwareFlow self = *this;
    later(200, [self, id](Station& s) { self.status(s, id, Status::Downloading, "", {}); });
    later(600, [self, id, location, dest](Station& s) {
      const std::string err = download_file(location, dest);
      if (err.empty())
        self.status(s, id, Status::Downloaded, "", dest);
      else
        self.status(s, id, Status::DownloadFailed, err, {});
    });
  }

  template <class Request>
  void install(const Request& req, const std::string& path) const {
    const std::int32_t id = req.requestId;
    emit(event, [&](Writer& w) {
      file_event_ids(w, id, "install");
      str(w, "path", path);
    });
    // No real installation: the simulated station keeps running the same program.
    const FirmwareFlow self = *this;
    later(200, [self, id](Station& s) { self.status(s, id, Status::Installing, "", {}); });
    later(600, [self, id](Station& s) { self.status(s, id, Status::Installed, "", {}); });
  }

  void cancelled(std::int32_t id) const {
    emit(event, [&](Writer& w) { file_event_ids(w, id, "cancelled"); });
  }

  /// Reports a step to the library and prints it, with the library's answer.
  void status(Station& s, std::int32_t id, Status st, const std::string& why,
              std::optional<std::string> path) const {
    const auto ec = report(s, st, id, std::move(path));
    emit(event, [&](Writer& w) { status_event(w, id, to_string(st), why, ec); });
  }
};

}  // namespace chargerd
