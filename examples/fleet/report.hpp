// ocpp-fleet's report: counters, per-action latency histograms and a timeline, written as JSON
// at the end of a run, read back and merged across shards (`ocpp-fleet merge`).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fleet {

/// Latencies on a log scale: 40 buckets per decade from 10 µs to 1000 s (6 % wide), so that
/// percentiles stay exact to 6 % and histograms of shards merge by adding their buckets.
class Histogram {
 public:
  static constexpr int kPerDecade = 40;
  static constexpr int kBuckets = 8 * kPerDecade;  // 1e-2 ms .. 1e6 ms

  /// Adds one latency in milliseconds.
  void add(double ms);
  /// Adds every sample of another histogram.
  void merge(const Histogram& other);
  /// The p-th percentile (0 < p ≤ 100) in ms: the upper bound of the bucket that holds it,
  /// capped by the largest sample; 0 when empty.
  double percentile(double p) const;
  /// The bucket of a latency, and a bucket's upper bound in ms.
  static int bucket(double ms);
  static double upper_bound(int bucket);

  std::uint64_t count() const { return count_; }
  double max_ms() const { return max_ms_; }
  double sum_ms() const { return sum_ms_; }
  const std::array<std::uint64_t, kBuckets>& buckets() const { return buckets_; }
  /// Sets the whole state (reading a report back).
  void assign(const std::array<std::uint64_t, kBuckets>& buckets, double max_ms, double sum_ms);

 private:
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  double max_ms_ = 0;
  double sum_ms_ = 0;
};

/// One OCPP action the charge points sent: how many CALLs, how many the CSMS answered with a
/// CALLERROR, how many went unanswered (connection lost or timed out), and the round trips.
struct ActionStats {
  std::uint64_t calls = 0;
  std::uint64_t errors = 0;
  std::uint64_t unanswered = 0;
  Histogram latency;
};

/// One sample of the timeline, taken every second.
struct TimelinePoint {
  double t = 0;  ///< seconds since the start
  std::uint64_t created = 0;
  std::uint64_t connected = 0;
  std::uint64_t booted = 0;
  std::uint64_t charging = 0;
  std::uint64_t messages = 0;  ///< frames sent by the charge points in the last second
  std::uint64_t errors = 0;    ///< errors so far
  std::uint64_t queue = 0;     ///< transaction messages not yet acknowledged
};

/// Everything a run reports.
struct Report {
  std::vector<std::string> shards;  ///< "K/N" of each run merged into this report
  std::string started_at;           ///< UTC, ISO 8601
  double elapsed_s = 0;             ///< wall time of the run (the longest shard)
  std::uint64_t planned = 0;        ///< charge points in this shard's part of the scenario
  std::uint64_t created = 0;        ///< create() succeeded
  std::uint64_t create_errors = 0;  ///< create() failed (first message in errors_seen)
  std::uint64_t booted = 0;         ///< got a BootNotification Accepted
  std::map<std::string, std::uint64_t> by_version;  ///< created per protocol version
  double boot_storm_s = -1;       ///< from the start until every created one booted; -1 = never
  std::uint64_t connections = 0;  ///< connections opened
  std::uint64_t reconnects = 0;   ///< connections opened after the first of a charge point
  std::uint64_t connection_errors = 0;   ///< connections that failed or closed
  std::uint64_t sessions_started = 0;    ///< transactions the CSMS saw start
  std::uint64_t sessions_completed = 0;  ///< ... and stop
  std::uint64_t sessions_refused = 0;    ///< the idTag was not accepted
  std::uint64_t api_errors = 0;          ///< API calls that returned an error
  std::uint64_t faults = 0;              ///< faults simulated
  std::uint64_t outages = 0;             ///< power cuts and reboots simulated
  std::uint64_t lost_messages = 0;       ///< transaction messages never acknowledged
  bool interrupted = false;              ///< stopped by SIGINT/SIGTERM before its duration
  std::uint64_t peak_rss_kb = 0;       ///< the process's peak resident memory (summed over shards)
  std::uint64_t peak_descriptors = 0;  ///< its most open file descriptors (summed over shards)
  std::map<std::string, ActionStats> actions;
  std::vector<TimelinePoint> timeline;
  std::vector<std::string> errors_seen;  ///< the first distinct error messages (at most 20)

  /// Total errors: create, connection, API and CALLERRORs.
  std::uint64_t total_errors() const;
};

/// The report as JSON (with each action's p50/p95/p99 and its histogram).
std::string to_json(const Report& r);
/// Reads a report written by to_json. Returns the error ("" when none).
std::string from_json(const std::string& text, Report& out);
/// Adds `other` (another shard's report) into `into`: counters and histograms add up, the
/// timelines add up second by second, the boot storm and elapsed time are the longest.
void merge(Report& into, const Report& other);

}  // namespace fleet
