// What every protocol mode of ocpp-chargerd shares: JSON events on stdout, log lines on
// stderr, quitting on a signal or a command, work the simulated hardware does later, and the
// line commands read from stdin and from the --control socket.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chargerd {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// One JSON object per line; fill() writes the members after "event".
template <class F>
std::string event_json(const char* name, F&& fill) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  w.Key("event");
  w.String(name);
  fill(w);
  w.EndObject();
  return sb.GetString();
}

/// Writes one line to stdout (whole, flushed; any thread).
void emit_line(const std::string& line);

/// Prints the event `name` with the members fill() writes.
template <class F>
void emit(const char* name, F&& fill) {
  emit_line(event_json(name, std::forward<F>(fill)));
}

/// Writes the member key: v.
void str(Writer& w, const char* key, std::string_view v);
/// {"event":"error","message":m}, as a line.
std::string error_json(const std::string& m);
/// A log line on stderr: level 0 error, 1 warning, 2 info, 3 debug (the library's log hook).
void log_line(int level, const std::string& message);
/// {"event":"connected"} or {"event":"disconnected","reason":...} (the connection hook).
void emit_connection(bool up, const std::string& reason);
/// {"event":"boot","status":...,"interval":...} (the boot hook).
void emit_boot(std::string_view status, std::int32_t interval);
/// Prints every frame as a {"event":"frame","dir":"tx"|"rx","text":...} event.
void emit_frame(bool sent, const std::string& text);

/// Set by a signal, `quit` or a reset: the main loop ends.
extern std::atomic<bool> g_quit;
/// Sets g_quit and wakes the main loop.
void request_quit();
/// Installs the SIGTERM/SIGINT handlers (and ignores SIGPIPE). False when it cannot.
bool install_signal_handlers();
/// Waits until a signal or request_quit(), at most `ms` milliseconds.
void wait_for_quit(int ms);

/// Work the simulated hardware does later (firmware download, install, diagnostics upload),
/// run by the main loop so that hooks never block the library's thread.
class Scheduler {
 public:
  void at(std::chrono::milliseconds delay, std::function<void()> f);
  void run_due();

 private:
  std::mutex m_;
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::function<void()>>> jobs_;
};

/// The simulated meter: energy in Wh per connector (1.6) or EVSE (2.0.1), ramping while
/// charging, kept in a small file beside the database so readings stay monotonic across
/// restarts (kill -9 included).
class Meter {
 public:
  Meter(std::string path, int connectors);
  double get(int c) const { return wh_[static_cast<std::size_t>(c)]; }
  void set(int c, double v);

 private:
  void save() const;
  std::string path_;
  std::vector<double> wh_;
};

/// Executes one command line; returns the reply line, or "" when events report its effects.
using Executor = std::function<std::string(const std::string& line)>;

/// Reads command lines from stdin and, with a non-empty `control` path, from a Unix socket
/// there (one reply line per command), on threads of their own, until the process ends.
void serve_commands(Executor execute, const std::string& control);

}  // namespace chargerd
