// ocpp-fleet's command line.
#pragma once

#include <string>
#include <vector>

#include "fleet.hpp"

namespace fleet {

/// `ocpp-fleet [run options]`.
struct CliOptions {
  RunOptions run;
  std::string report;    ///< --report FILE: the JSON report
  std::string html;      ///< --html FILE: the report page
  bool dry_run = false;  ///< --dry-run: print the plan of this shard and exit
};

/// `ocpp-fleet merge`.
struct MergeOptions {
  std::vector<std::string> inputs;
  std::string report;
  std::string html;
};

/// The usage text.
const char* usage();
/// Parses the run's arguments (argv[0] is the program). With --scenario the file gives the
/// charge points, and --url, --duration, --id-prefix and --id-tag override it; without, --url
/// and --count describe them. `tty`: whether progress goes to a terminal. Returns "help",
/// an error, or "".
std::string parse_run_options(int argc, char** argv, bool tty, CliOptions& out);
/// Parses `merge`'s arguments (argv[0] is "merge"). Returns "help", an error, or "".
std::string parse_merge_options(int argc, char** argv, MergeOptions& out);

}  // namespace fleet
