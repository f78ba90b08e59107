// ocpp-fleet's scenario: which charge points to simulate (groups of one protocol version and
// model each), how they behave, and which part of them this process runs (--shard K/N).
// The file format is described in docs/guides/fleet.md; parse_scenario() checks every field
// and refuses unknown ones, so that a typo is an error, not a silently ignored setting.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fleet {

/// A closed range [min, max] of seconds; a value is drawn uniformly from it.
struct Range {
  double min = 0;
  double max = 0;
};

/// At `at_s` seconds after the start, `fraction` of the charge points lose power for
/// `duration_s` seconds (0 = a reboot: off and on again at once).
struct Outage {
  double at_s = 0;
  double duration_s = 0;
  double fraction = 0;
};

/// What each charge point of a group does.
struct Behaviour {
  Range first_session_s{0, 10};  ///< delay from the first boot to the first session
  double sessions_per_hour = 0;  ///< later sessions: mean rate while idle (0 = none)
  int max_sessions = 1;          ///< sessions per charge point (0 = no limit)
  Range session_s{30, 60};       ///< how long a session charges
  int meter_interval_s = 10;     ///< MeterValueSampleInterval / TxUpdatedInterval
  double power_w = 11000;        ///< the EV's power while charging (the meter's ramp)
  std::vector<std::string> id_tags{"FLEET-TAG"};  ///< drawn at random for each session
  double faults_per_hour = 0;                     ///< connector faults while idle, mean rate
  Range fault_s{10, 30};                          ///< how long a fault lasts
  std::vector<Outage> outages;                    ///< planned power cuts and reboots
};

/// Charge points of one protocol version and model.
struct Group {
  std::string name;          ///< for the report; default "<ocpp> <model>"
  std::string ocpp = "1.6";  ///< "1.6" or "2.0.1"
  int count = 0;             ///< how many
  std::string url;           ///< the CSMS URL; empty = the scenario's
  std::string vendor = "OcppFleet";
  std::string model = "FleetSim";
  int connectors = 1;                   ///< per charge point (2.0.1: EVSEs of one connector each)
  std::optional<int> security_profile;  ///< 1..3; unset = from the URL and credentials
  std::string password;                 ///< HTTP Basic auth (profiles 1 and 2)
  std::string ca_file;                  ///< wss: the CSMS's CA bundle
  /// Profile 3: the TLS client certificate (chain) and key files; "{id}" in them becomes the
  /// charge point's identity, so that each presents its own.
  std::string client_cert;
  std::string client_key;
  Behaviour behaviour;
};

/// A whole scenario.
struct Scenario {
  std::string url;                          ///< the CSMS URL, ws:// or wss://, without identity
  std::string id_pattern = "FLEET-{n:05}";  ///< {n} = 1-based index, {n:0W} zero-padded
  double duration_s = 60;                   ///< from the start to the clean stop
  double ramp_up_per_s = 500;               ///< charge points created per second (0 = all at once)
  double stop_grace_s = 60;                 ///< at the end, how long to wait for delivery
  std::uint64_t seed = 1;                   ///< the behaviour's random numbers
  std::vector<Group> groups;
};

/// One charge point of the scenario: its global index (0-based), identity and group.
struct Member {
  int index = 0;
  std::string id;
  int group = 0;
};

/// Parses and checks a scenario file's text. A group without "behaviour" takes the top-level
/// "behaviour"; one with it takes the top-level one with its own fields over it. Returns the
/// error ("" when none).
std::string parse_scenario(const std::string& text, Scenario& out);

/// Gives every group without a URL the scenario's (`url` replaces the scenario's when not
/// empty: --url) and checks that each is ws:// or wss://. Returns the error ("" when none).
std::string resolve_urls(Scenario& s, const std::string& url);

/// `path` with every "{id}" replaced by the identity.
std::string with_identity(const std::string& path, const std::string& id);

/// The identity of charge point `index` (0-based) from the pattern.
std::string identity(const std::string& pattern, int index);
/// Checks an id pattern: exactly one {n} or {n:0W} (W 1..9), the rest printable ASCII without
/// ':' or '/'. Returns the error ("" when none).
std::string check_pattern(const std::string& pattern);

/// "K/N" → shard K of N (1 ≤ K ≤ N). Returns the error ("" when none).
std::string parse_shard(const std::string& text, int& k, int& n);
/// The charge points shard K of N runs: a contiguous slice of the global list, so that the
/// shards are disjoint and together cover every charge point.
std::vector<Member> members(const Scenario& s, int shard_k, int shard_n);

/// The total number of charge points in the scenario.
int total_count(const Scenario& s);

}  // namespace fleet
