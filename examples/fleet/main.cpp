// ocpp-fleet: simulates N charge points, OCPP 1.6 and 2.0.1 side by side, against a CSMS, all
// in one process on one ocpp::Runner, with a durable SQLite store shared by all of them.
// docs/guides/fleet.md describes the scenario file, the report and sizing. Exit status: 0 when
// every charge point was created and booted and no message was lost, 1 otherwise, 2 for a
// usage error.
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "fleet.hpp"
#include "fleet_options.hpp"
#include "html_report.hpp"
#include "report.hpp"

namespace {

std::atomic<bool> g_interrupt{false};

void on_signal(int) {
  // A second Ctrl-C does not wait for the delivery of the open transactions.
  if (g_interrupt.exchange(true)) _exit(130);
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) std::fprintf(stderr, "ocpp-fleet: cannot write %s\n", path.c_str());
  return static_cast<bool>(f);
}

bool write_outputs(const fleet::Report& r, const std::string& report, const std::string& html) {
  bool ok = true;
  if (!report.empty()) ok = write_file(report, fleet::to_json(r)) && ok;
  if (!html.empty()) ok = write_file(html, fleet::html_report(r)) && ok;
  return ok;
}

void print_summary(const fleet::Report& r) {
  std::printf(
      "ocpp-fleet: %llu of %llu charge points created, %llu booted; boot storm %s; sessions %llu "
      "started, %llu completed; %llu reconnects; %llu errors; lost messages %llu\n",
      static_cast<unsigned long long>(r.created), static_cast<unsigned long long>(r.planned),
      static_cast<unsigned long long>(r.booted),
      r.boot_storm_s < 0 ? "incomplete" : (std::to_string(r.boot_storm_s) + " s").c_str(),
      static_cast<unsigned long long>(r.sessions_started),
      static_cast<unsigned long long>(r.sessions_completed),
      static_cast<unsigned long long>(r.reconnects),
      static_cast<unsigned long long>(r.total_errors()),
      static_cast<unsigned long long>(r.lost_messages));
  for (const auto& [name, a] : r.actions)
    std::printf("  %-28s %8llu calls  p50 %8.1f ms  p95 %8.1f ms  p99 %8.1f ms  errors %llu\n",
                name.c_str(), static_cast<unsigned long long>(a.calls), a.latency.percentile(50),
                a.latency.percentile(95), a.latency.percentile(99),
                static_cast<unsigned long long>(a.errors + a.unanswered));
}

int merge_command(const fleet::MergeOptions& m) {
  fleet::Report merged;
  for (const auto& in : m.inputs) {
    std::string text, error;
    fleet::Report r;
    if (!read_file(in, text)) {
      std::fprintf(stderr, "ocpp-fleet merge: cannot read %s\n", in.c_str());
      return 2;
    }
    if (!(error = fleet::from_json(text, r)).empty()) {
      std::fprintf(stderr, "ocpp-fleet merge: %s: %s\n", in.c_str(), error.c_str());
      return 2;
    }
    if (&in == &m.inputs.front())
      merged = std::move(r);
    else
      fleet::merge(merged, r);
  }
  if (!write_outputs(merged, m.report, m.html)) return 1;
  print_summary(merged);
  return merged.lost_messages ? 1 : 0;
}

// What a parser's answer means for the process: -1 to go on, else the exit status (0 after
// the usage for --help, 2 after the error and the usage).
int parse_status(const std::string& err, const char* who) {
  if (err == "help") {
    std::puts(fleet::usage());
    return 0;
  }
  if (err.empty()) return -1;
  std::fprintf(stderr, "%s: %s\n%s", who, err.c_str(), fleet::usage());
  return 2;
}

// The plan of this shard, without connecting: which charge points, of which groups.
int dry_run(const fleet::CliOptions& cli) {
  const auto& o = cli.run;
  const auto members = fleet::members(o.scenario, o.shard_k, o.shard_n);
  std::printf("shard %d/%d: %zu of %d charge points", o.shard_k, o.shard_n, members.size(),
              fleet::total_count(o.scenario));
  if (!members.empty())
    std::printf(": %s .. %s", members.front().id.c_str(), members.back().id.c_str());
  std::printf("\n");
  std::vector<std::size_t> per_group(o.scenario.groups.size());
  for (const auto& m : members) ++per_group[static_cast<std::size_t>(m.group)];
  for (std::size_t g = 0; g < per_group.size(); ++g) {
    const auto& gr = o.scenario.groups[g];
    std::printf("  %-24s %zu charge points, OCPP %s, %d connector(s), %s\n", gr.name.c_str(),
                per_group[g], gr.ocpp.c_str(), gr.connectors, gr.url.c_str());
  }
  std::printf("  store: %s; duration %.0f s; ramp-up %.0f/s\n",
              o.db_path.empty() ? "memory" : o.db_path.c_str(), o.scenario.duration_s,
              o.scenario.ramp_up_per_s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "merge") == 0) {
    fleet::MergeOptions m;
    if (const int status =
            parse_status(fleet::parse_merge_options(argc - 1, argv + 1, m), "ocpp-fleet merge");
        status >= 0)
      return status;
    return merge_command(m);
  }
  fleet::CliOptions cli;
  if (const int status = parse_status(
          fleet::parse_run_options(argc, argv, isatty(STDERR_FILENO) != 0, cli), "ocpp-fleet");
      status >= 0)
    return status;
  if (cli.dry_run) return dry_run(cli);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  // One socket per charge point: as many descriptors as the hard limit allows (raising the
  // hard limit itself: docs/guides/fleet.md).
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  std::string error;
  const fleet::Report r = fleet::run_fleet(cli.run, g_interrupt, stderr, error);
  if (!error.empty()) {
    std::fprintf(stderr, "ocpp-fleet: %s\n", error.c_str());
    return 1;
  }
  const bool written = write_outputs(r, cli.report, cli.html);
  print_summary(r);
  // A fleet that did not fully come up fails a pipeline as lost messages do.
  const bool whole = r.created == r.planned && r.booted == r.created;
  return written && r.lost_messages == 0 && r.created > 0 && whole ? 0 : 1;
}
