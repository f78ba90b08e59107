// ocpp-fleet's scenario file, identities, shards and command line (examples/fleet).
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "fleet_options.hpp"
#include "scenario.hpp"

using namespace fleet;

namespace {

Scenario parse_ok(const std::string& text) {
  Scenario s;
  const std::string e = parse_scenario(text, s);
  INFO(e);
  REQUIRE(e.empty());
  return s;
}

std::string parse_err(const std::string& text) {
  Scenario s;
  return parse_scenario(text, s);
}

std::string run_args(std::vector<std::string> args, CliOptions& out) {
  args.insert(args.begin(), "ocpp-fleet");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_run_options(static_cast<int>(argv.size()), argv.data(), false, out);
}

const char* kMixed = R"({
  "url": "ws://csms.example:9000/ocpp",
  "id_pattern": "SITE-{n:04}",
  "duration_s": 300, "ramp_up_per_s": 100, "seed": 7,
  "behaviour": {"session_s": [60, 120], "meter_interval_s": 15, "id_tags": ["A", "B"],
                "outages": [{"at_s": 100, "duration_s": 20, "fraction": 0.1}]},
  "groups": [
    {"ocpp": "1.6", "count": 6, "model": "AC22"},
    {"ocpp": "2.0.1", "count": 4, "model": "DC50", "connectors": 2, "url": "wss://other:443/ocpp",
     "security_profile": 2, "password": "0123456789abcdef",
     "behaviour": {"meter_interval_s": 5, "faults_per_hour": 0.5}}
  ]})";

}  // namespace

TEST_CASE(
    "fleet scenario: a mixed file parses, groups take the top-level behaviour and override it",
    "[fleet]") {
  Scenario s = parse_ok(kMixed);
  REQUIRE(resolve_urls(s, "").empty());
  CHECK(s.duration_s == 300);
  CHECK(s.ramp_up_per_s == 100);
  CHECK(s.seed == 7);
  REQUIRE(s.groups.size() == 2);
  const Group& a = s.groups[0];
  const Group& b = s.groups[1];
  CHECK(a.name == "1.6 AC22");
  CHECK(a.url == "ws://csms.example:9000/ocpp");
  CHECK(a.behaviour.meter_interval_s == 15);
  CHECK(a.behaviour.session_s.min == 60);
  CHECK(a.behaviour.session_s.max == 120);
  CHECK(a.behaviour.id_tags == std::vector<std::string>{"A", "B"});
  REQUIRE(a.behaviour.outages.size() == 1);
  CHECK(a.behaviour.outages[0].fraction == 0.1);
  CHECK(a.behaviour.faults_per_hour == 0);
  CHECK(b.ocpp == "2.0.1");
  CHECK(b.connectors == 2);
  CHECK(b.url == "wss://other:443/ocpp");
  CHECK(b.security_profile == 2);
  // The group's own fields over the top-level ones; the rest inherited.
  CHECK(b.behaviour.meter_interval_s == 5);
  CHECK(b.behaviour.faults_per_hour == 0.5);
  CHECK(b.behaviour.session_s.max == 120);
  CHECK(b.behaviour.id_tags.size() == 2);
  CHECK(total_count(s) == 10);
}

TEST_CASE("fleet scenario: every wrong field is an error naming it", "[fleet]") {
  const std::string g = R"("groups": [{"ocpp": "1.6", "count": 1}])";
  CHECK(parse_err("not json") == "the scenario is not a JSON object");
  CHECK(parse_err("[1]") == "the scenario is not a JSON object");
  CHECK(parse_err(R"({"url": "ws://x", "durations": 5, )" + g + "}")
            .find("unknown field \"durations\"") != std::string::npos);
  CHECK(parse_err(R"({"groups": [{"ocpp": "1.5", "count": 1}]})").find("groups[0].ocpp") !=
        std::string::npos);
  CHECK(parse_err(R"({"groups": [{"ocpp": "1.6"}]})").find("count is required") !=
        std::string::npos);
  CHECK(parse_err(R"({"groups": [{"ocpp": "1.6", "count": 1, "colour": 1}]})")
            .find("unknown field \"colour\"") != std::string::npos);
  CHECK(parse_err(R"({"groups": []})").find("1 to 1000 groups") != std::string::npos);
  CHECK(parse_err(R"({"groups": [{"count": 0}]})").find("1 to 10,000,000") != std::string::npos);
  CHECK(
      parse_err(R"({"behaviour": {"session_s": [9, 3]}, )" + g + "}").find("behaviour.session_s") !=
      std::string::npos);
  CHECK(parse_err(R"({"behaviour": {"session_s": 0.5}, )" + g + "}").find("at least 1 s") !=
        std::string::npos);
  CHECK(
      parse_err(R"({"behaviour": {"meter_interval_s": 0}, )" + g + "}").find("meter_interval_s") !=
      std::string::npos);
  CHECK(parse_err(R"({"behaviour": {"id_tags": ["123456789012345678901"]}, )" + g + "}")
            .find("id_tags") != std::string::npos);
  CHECK(parse_err(R"({"behaviour": {"id_tags": []}, )" + g + "}").find("id_tags") !=
        std::string::npos);
  CHECK(parse_err(R"({"behaviour": {"outages": [{"at_s": 5}]}, )" + g + "}")
            .find("at_s and fraction") != std::string::npos);
  CHECK(parse_err(R"({"behaviour": {"outages": [{"at_s": 5, "fraction": 2}]}, )" + g + "}")
            .find("fraction") != std::string::npos);
  CHECK(
      parse_err(R"({"behaviour": {"sleepy": true}, )" + g + "}").find("unknown field \"sleepy\"") !=
      std::string::npos);
  CHECK(parse_err(R"({"id_pattern": "CP", )" + g + "}").find("{n}") != std::string::npos);
  CHECK(parse_err(R"({"groups": [{"ocpp": "1.6", "count": 1, "vendor": ""}]})")
            .find("must not be empty") != std::string::npos);
  CHECK(parse_err(R"({"groups": [{"ocpp": "1.6", "count": 1, "security_profile": 4}]})")
            .find("security_profile") != std::string::npos);
  // Nested a million levels deep: an error, not a stack overflow.
  CHECK_FALSE(parse_err(std::string(1000000, '[') + std::string(1000000, ']')).empty());
}

TEST_CASE("fleet scenario: URLs come from the group, the scenario or --url, and must be ws(s)://",
          "[fleet]") {
  Scenario s = parse_ok(R"({"groups": [{"ocpp": "1.6", "count": 1}, {"ocpp": "2.0.1", "count": 1,
                            "url": "ws://own:1/x"}]})");
  Scenario none = s;
  CHECK(resolve_urls(none, "").find("groups[0]") != std::string::npos);
  Scenario bad = s;
  CHECK(resolve_urls(bad, "http://csms:80/").find("ws:// or wss://") != std::string::npos);
  REQUIRE(resolve_urls(s, "ws://cli:2/ocpp").empty());
  CHECK(s.groups[0].url == "ws://cli:2/ocpp");
  CHECK(s.groups[1].url == "ws://own:1/x");
}

TEST_CASE("fleet scenario: profile 3 needs a client certificate, whose path may name the identity",
          "[fleet]") {
  CHECK(
      parse_err(R"({"groups": [{"count": 1, "security_profile": 3}]})").find("needs client_cert") !=
      std::string::npos);
  const Scenario s = parse_ok(R"({"groups": [{"count": 1, "security_profile": 3,
      "client_cert": "certs/{id}-chain.pem", "client_key": "certs/{id}.key"}]})");
  CHECK(with_identity(s.groups[0].client_cert, "CP-7") == "certs/CP-7-chain.pem");
  CHECK(with_identity(s.groups[0].client_key, "CP-7") == "certs/CP-7.key");
  CHECK(with_identity("{id}/{id}", "A") == "A/A");
  CHECK(with_identity("plain.pem", "A") == "plain.pem");
}

TEST_CASE("fleet scenario: identities from the pattern", "[fleet]") {
  CHECK(identity("CP-{n}", 0) == "CP-1");
  CHECK(identity("CP-{n}", 41) == "CP-42");
  CHECK(identity("SITE-{n:04}-X", 6) == "SITE-0007-X");
  CHECK(identity("{n:03}", 12344) == "12345");  // wider than the padding: all digits kept
  CHECK(check_pattern("CP-{n:05}").empty());
  CHECK_FALSE(check_pattern("CP").empty());
  CHECK_FALSE(check_pattern("CP-{n}-{n}").empty());
  CHECK_FALSE(check_pattern("CP-{n:5}").empty());
  CHECK_FALSE(check_pattern("CP-{n:00}").empty());
  CHECK_FALSE(check_pattern("CP/{n}").empty());
  CHECK_FALSE(check_pattern("CP:{n}").empty());
  CHECK_FALSE(check_pattern("CP {n}").empty());
  CHECK_FALSE(check_pattern("CP-{n").empty());
}

TEST_CASE("fleet shards: K/N slices are disjoint, contiguous and cover every charge point",
          "[fleet]") {
  int k = 0, n = 0;
  CHECK(parse_shard("2/5", k, n).empty());
  CHECK((k == 2 && n == 5));
  for (const char* bad : {"0/2", "3/2", "1/0", "a/b", "1/2x", "1", "-1/2", ""}) {
    INFO(bad);
    CHECK_FALSE(parse_shard(bad, k, n).empty());
  }
  for (const int total : {1, 7, 10, 1001}) {
    for (const int shards : {1, 2, 3, 8}) {
      Scenario s;
      Group a;
      a.count = total / 2;
      Group b;
      b.ocpp = "2.0.1";
      b.count = total - a.count;
      s.groups = {a, b};
      std::set<std::string> ids;
      int expected_index = 0;
      for (int i = 1; i <= shards; ++i) {
        const auto m = members(s, i, shards);
        // Sizes differ by at most one.
        CHECK(m.size() >= static_cast<std::size_t>(total / shards));
        CHECK(m.size() <= static_cast<std::size_t>(total / shards + 1));
        for (const auto& x : m) {
          CHECK(x.index == expected_index++);
          CHECK(x.group == (x.index < a.count ? 0 : 1));
          CHECK(x.id == identity(s.id_pattern, x.index));
          ids.insert(x.id);
        }
      }
      CHECK(expected_index == total);
      CHECK(ids.size() == static_cast<std::size_t>(total));
    }
  }
}

TEST_CASE("fleet command line: --url and --count without a scenario, one short session each",
          "[fleet]") {
  CliOptions o;
  REQUIRE(run_args({"--url", "ws://127.0.0.1:9/ocpp", "--count", "25", "--ocpp", "2.0.1",
                    "--id-prefix", "LOAD-", "--id-tag", "CARD", "--duration", "40", "--report",
                    "r.json", "--html", "r.html"},
                   o) == "");
  const Scenario& s = o.run.scenario;
  REQUIRE(s.groups.size() == 1);
  CHECK(s.groups[0].ocpp == "2.0.1");
  CHECK(s.groups[0].count == 25);
  CHECK(s.groups[0].url == "ws://127.0.0.1:9/ocpp");
  CHECK(identity(s.id_pattern, 0) == "LOAD-1");
  CHECK(s.groups[0].behaviour.id_tags == std::vector<std::string>{"CARD"});
  CHECK(s.groups[0].behaviour.max_sessions == 1);
  CHECK(s.groups[0].behaviour.session_s.max <= 20);  // fits in the 40 s
  CHECK(s.duration_s == 40);
  CHECK(o.run.db_path == "ocpp-fleet.db");
  CHECK(o.report == "r.json");
  CHECK(o.html == "r.html");
  CHECK(o.run.progress == ProgressMode::lines);

  CliOptions m;
  REQUIRE(run_args({"--url", "ws://h:1/", "--count", "3", "--memory", "--shard", "2/3",
                    "--progress", "none"},
                   m) == "");
  CHECK(m.run.db_path.empty());
  CHECK((m.run.shard_k == 2 && m.run.shard_n == 3));
  CHECK(m.run.progress == ProgressMode::none);
  CliOptions d;
  REQUIRE(run_args({"--url", "ws://h:1/", "--count", "3", "--shard", "1/2"}, d) == "");
  CHECK(d.run.db_path == "ocpp-fleet-1-of-2.db");

  CliOptions e;
  CHECK(run_args({"--count", "3"}, e).find("--url and --count") != std::string::npos);
  CHECK(run_args({"--url", "ws://h:1/", "--count", "0"}, e).find("--count") != std::string::npos);
  CHECK(run_args({"--url", "ws://h:1/", "--count", "2", "--ocpp", "1.5"}, e).find("--ocpp") !=
        std::string::npos);
  CHECK(run_args({"--url", "ws://h:1/", "--count", "2", "--memory", "--db", "x.db"}, e)
            .find("exclude") != std::string::npos);
  CHECK(
      run_args({"--url", "ws://h:1/", "--count", "2", "--bogus", "1"}, e).find("unknown option") !=
      std::string::npos);
  CHECK(run_args({"--url", "ws://h:1/", "--count", "2", "--count", "3"}, e).find("twice") !=
        std::string::npos);
  CHECK(run_args({"--url", "http://h:1/", "--count", "2"}, e).find("ws://") != std::string::npos);
  CHECK(run_args({"--url", "ws://h:1/", "--count", "2", "--id-tag", "123456789012345678901"}, e)
            .find("--id-tag") != std::string::npos);
  CHECK(run_args({"--url", "ws://h:1/", "--count", "2", "--duration"}, e).find("missing value") !=
        std::string::npos);
  CHECK(run_args({"--help"}, e) == "help");
}

TEST_CASE("fleet command line: a scenario file with --url and --duration over it", "[fleet]") {
  const std::string path = "fleet_scenario_test.json";
  {
    std::ofstream f(path);
    f << kMixed;
  }
  CliOptions o;
  REQUIRE(run_args({"--scenario", path, "--url", "ws://local:1/ocpp", "--duration", "30",
                    "--id-tag", "T1"},
                   o) == "");
  CHECK(o.run.scenario.groups[0].url == "ws://local:1/ocpp");
  CHECK(o.run.scenario.groups[1].url == "wss://other:443/ocpp");  // its own stays
  CHECK(o.run.scenario.duration_s == 30);
  CHECK(o.run.scenario.groups[1].behaviour.id_tags == std::vector<std::string>{"T1"});
  CHECK(o.run.scenario.groups[0].behaviour.session_s.min ==
        60);  // the file's, not the short default
  CliOptions e;
  CHECK(run_args({"--scenario", path, "--count", "3"}, e).find("without --scenario") !=
        std::string::npos);
  CHECK(run_args({"--scenario", "/nonexistent/x.json"}, e).find("cannot read") !=
        std::string::npos);
  std::remove(path.c_str());

  MergeOptions m;
  std::vector<std::string> margs{"merge", "--report", "all.json", "a.json", "b.json"};
  std::vector<char*> argv;
  for (auto& a : margs) argv.push_back(a.data());
  REQUIRE(parse_merge_options(static_cast<int>(argv.size()), argv.data(), m) == "");
  CHECK(m.inputs == std::vector<std::string>{"a.json", "b.json"});
  CHECK(m.report == "all.json");
  MergeOptions m2;
  std::vector<std::string> none{"merge", "--report", "x.json"};
  argv.clear();
  for (auto& a : none) argv.push_back(a.data());
  CHECK(parse_merge_options(static_cast<int>(argv.size()), argv.data(), m2) ==
        "no reports to merge");
}
