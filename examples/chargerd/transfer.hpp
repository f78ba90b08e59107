// File transfers of the simulated charger: the log upload (GetLog) and the firmware download
// (SignedUpdateFirmware) go to and come from a local directory (file://) or a plain HTTP
// server (http://, no TLS). Blocking: call them from the daemon's main loop, never from a hook.
#pragma once

#include <string>

/// Stores `content` as `file_name` at `location`: in the directory of a file:///dir location,
/// or with an HTTP PUT to http://host[:port]/path/file_name. Returns "" or what went wrong.
std::string upload_file(const std::string& location, const std::string& file_name,
                        const std::string& content);

/// Fetches `location` (file:///path or http://host[:port]/path, a 200 answer) into the file
/// `dest`. Returns "" or what went wrong.
std::string download_file(const std::string& location, const std::string& dest);
