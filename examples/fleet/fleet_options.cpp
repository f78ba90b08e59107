#include "fleet_options.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace fleet {
namespace {

bool to_double(const std::string& s, double& out, double lo, double hi) {
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (s.empty() || *end || !(d >= lo && d <= hi)) return false;
  out = d;
  return true;
}

bool to_int(const std::string& s, int& out, int lo, int hi) {
  double d = 0;
  if (!to_double(s, d, lo, hi) || d != static_cast<int>(d)) return false;
  out = static_cast<int>(d);
  return true;
}

}  // namespace

const char* usage() {
  return "usage: ocpp-fleet --url URL --count N [--ocpp 1.6|2.0.1] [--id-prefix P] [--id-tag TAG]\n"
         "                  [--duration SECONDS] [--db FILE | --memory] [--report FILE] [--html "
         "FILE]\n"
         "       ocpp-fleet --scenario FILE [--url URL] [--duration SECONDS] [...]\n"
         "       ocpp-fleet merge --report OUT.json [--html OUT.html] SHARD.json...\n"
         "options:\n"
         "  --scenario FILE      charge points and behaviour (docs/guides/fleet.md)\n"
         "  --url URL            the CSMS, ws://host:port/path or wss://...; the identity is "
         "appended\n"
         "  --count N            without a scenario: N charge points that boot, each run one "
         "short\n"
         "                       charging session with meter values, and stop\n"
         "  --ocpp V             without a scenario: 1.6 (default) or 2.0.1\n"
         "  --id-prefix P        identities P1, P2, ... (default: the scenario's id_pattern, "
         "FLEET-00001)\n"
         "  --id-tag TAG         the idTag every driver presents\n"
         "  --duration SECONDS   run time before the clean stop (default 60)\n"
         "  --db FILE            the SQLite file all charge points share (default ocpp-fleet.db,\n"
         "                       ocpp-fleet-K-of-N.db for a shard)\n"
         "  --memory             memory stores: fastest, but nothing survives a power cut\n"
         "  --report FILE        write the JSON report\n"
         "  --html FILE          write the report page\n"
         "  --shard K/N          run the K-th of N disjoint slices of the charge points\n"
         "  --ramp-up N          charge points created per second (default 500; 0 = at once)\n"
         "  --workers N          API threads (default 16)\n"
         "  --progress MODE      tty (one line), lines, none (default: tty on a terminal, else "
         "lines)\n"
         "  --progress-interval S  seconds between progress lines (default 10)\n"
         "  --seed N             random seed of the behaviour\n"
         "  --dry-run            check the options and scenario, print this shard's charge points, "
         "exit\n";
}

std::string parse_run_options(int argc, char** argv, bool tty, CliOptions& out) {
  std::map<std::string, std::string> v;
  bool memory = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") return "help";
    if (a == "--memory") {
      memory = true;
      continue;
    }
    if (a == "--dry-run") {
      out.dry_run = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) return "unexpected argument " + a;
    if (i + 1 >= argc) return "missing value for " + a;
    static const char* known[] = {
        "scenario", "url",      "count",   "ocpp",     "id-prefix",
        "id-tag",   "duration", "db",      "report",   "html",
        "shard",    "ramp-up",  "workers", "progress", "progress-interval",
        "seed"};
    const std::string key = a.substr(2);
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok) return "unknown option " + a;
    if (v.count(key)) return a + " given twice";
    v[key] = argv[++i];
  }
  Scenario& s = out.run.scenario;
  std::string e;
  if (v.count("scenario")) {
    if (v.count("count") || v.count("ocpp"))
      return "--count and --ocpp describe the charge points without --scenario";
    std::ifstream in(v["scenario"], std::ios::binary);
    if (!in) return "cannot read " + v["scenario"];
    std::stringstream ss;
    ss << in.rdbuf();
    if (!(e = parse_scenario(ss.str(), s)).empty()) return v["scenario"] + ": " + e;
  } else {
    if (!v.count("url") || !v.count("count"))
      return "--url and --count are required without --scenario";
    Group g;
    if (!to_int(v["count"], g.count, 1, 10000000)) return "--count must be 1 to 10000000";
    g.ocpp = v.count("ocpp") ? v["ocpp"] : "1.6";
    if (g.ocpp != "1.6" && g.ocpp != "2.0.1") return "--ocpp must be 1.6 or 2.0.1";
    g.name = g.ocpp + " " + g.model;
    s.groups.push_back(g);
  }
  if (v.count("duration") && !to_double(v["duration"], s.duration_s, 1, 30.0 * 24 * 3600))
    return "--duration must be 1 s to 30 days";
  if (!v.count("scenario")) {
    // One short session each, fitted into the duration.
    Behaviour& b = s.groups[0].behaviour;
    const double d = s.duration_s;
    b.first_session_s = {0, std::min(10.0, d / 4)};
    b.session_s = {std::max(1.0, std::min(20.0, d / 4)), std::max(1.0, std::min(60.0, d / 2))};
    b.max_sessions = 1;
    b.sessions_per_hour = 0;
  }
  if (v.count("id-prefix")) {
    s.id_pattern = v["id-prefix"] + "{n}";
    if (!(e = check_pattern(s.id_pattern)).empty()) return "--id-prefix: " + e;
  }
  if (v.count("id-tag")) {
    const std::string& tag = v["id-tag"];
    if (tag.empty() || tag.size() > 20) return "--id-tag must be 1 to 20 characters";
    for (auto& g : s.groups) g.behaviour.id_tags = {tag};
  }
  if (!(e = resolve_urls(s, v.count("url") ? v["url"] : "")).empty()) return e;
  if (v.count("ramp-up") && !to_double(v["ramp-up"], s.ramp_up_per_s, 0, 1e6))
    return "--ramp-up must be 0 to 1000000";
  if (v.count("seed")) {
    double seed = 0;
    if (!to_double(v["seed"], seed, 0, 9007199254740992.0))
      return "--seed must be a non-negative integer";
    s.seed = static_cast<std::uint64_t>(seed);
  }
  RunOptions& r = out.run;
  if (v.count("shard") && !(e = parse_shard(v["shard"], r.shard_k, r.shard_n)).empty()) return e;
  if (memory && v.count("db")) return "--db and --memory exclude each other";
  if (!memory)
    r.db_path = v.count("db")   ? v["db"]
                : r.shard_n > 1 ? "ocpp-fleet-" + std::to_string(r.shard_k) + "-of-" +
                                      std::to_string(r.shard_n) + ".db"
                                : "ocpp-fleet.db";
  if (v.count("workers") && !to_int(v["workers"], r.workers, 1, 256))
    return "--workers must be 1 to 256";
  r.progress = tty ? ProgressMode::tty : ProgressMode::lines;
  if (v.count("progress")) {
    const std::string& p = v["progress"];
    if (p == "tty")
      r.progress = ProgressMode::tty;
    else if (p == "lines")
      r.progress = ProgressMode::lines;
    else if (p == "none")
      r.progress = ProgressMode::none;
    else
      return "--progress must be tty, lines or none";
  }
  if (v.count("progress-interval") &&
      !to_double(v["progress-interval"], r.progress_interval_s, 0.1, 86400))
    return "--progress-interval must be 0.1 to 86400 s";
  out.report = v.count("report") ? v["report"] : "";
  out.html = v.count("html") ? v["html"] : "";
  return "";
}

std::string parse_merge_options(int argc, char** argv, MergeOptions& out) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") return "help";
    if (a == "--report" || a == "--html") {
      if (i + 1 >= argc) return "missing value for " + a;
      (a == "--report" ? out.report : out.html) = argv[++i];
    } else if (a.rfind("--", 0) == 0) {
      return "unknown option " + a;
    } else {
      out.inputs.push_back(a);
    }
  }
  if (out.inputs.empty()) return "no reports to merge";
  if (out.report.empty() && out.html.empty()) return "--report or --html is required";
  return "";
}

}  // namespace fleet
