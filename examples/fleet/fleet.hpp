// ocpp-fleet's simulation: the shard's charge points on one ocpp::Runner, driven by a few
// worker threads through the library's public API as firmware would drive it, until the
// duration ends or SIGINT; then every open transaction is stopped and delivered.
#pragma once

#include <atomic>
#include <cstdio>
#include <string>

#include "report.hpp"
#include "scenario.hpp"

namespace fleet {

/// How the progress is shown.
enum class ProgressMode {
  tty,    ///< one line rewritten in place
  lines,  ///< a plain line every `progress_interval_s`
  none,
};

/// What a run needs besides the scenario.
struct RunOptions {
  Scenario scenario;
  int shard_k = 1;
  int shard_n = 1;
  std::string db_path;  ///< the shared SQLite file; empty = the memory store
  int workers = 16;     ///< threads that call the API (their durable writes commit together)
  ProgressMode progress = ProgressMode::lines;
  double progress_interval_s = 10;
};

/// Runs the shard's part of the scenario; `interrupt` ends it early (SIGINT). Progress and
/// warnings go to `out`. Returns the report, or sets error when nothing could run.
Report run_fleet(const RunOptions& options, const std::atomic<bool>& interrupt, std::FILE* out,
                 std::string& error);

}  // namespace fleet
