#include "report.hpp"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <set>

namespace fleet {
namespace {

constexpr double kLowestMs = 0.01;  // the first bucket's lower bound
constexpr const char* kTimelineFields[] = {"t",        "created",  "connected", "booted",
                                           "charging", "messages", "errors",    "queue"};
constexpr std::size_t kMaxErrorsSeen = 20;

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void key_u(Writer& w, const char* k, std::uint64_t v) {
  w.Key(k);
  w.Uint64(v);
}

// An object of counters: "key": {"name": n, ...}.
void counters(Writer& w, const char* key,
              std::initializer_list<std::pair<const char*, std::uint64_t>> fields) {
  w.Key(key);
  w.StartObject();
  for (const auto& [name, n] : fields) key_u(w, name, n);
  w.EndObject();
}

void key_d(Writer& w, const char* k, double v) {
  w.Key(k);
  // Three decimals are enough for milliseconds and seconds, and keep the file readable.
  w.Double(std::round(v * 1000) / 1000);
}

std::uint64_t get_u(const rapidjson::Value& o, const char* k) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}

double get_d(const rapidjson::Value& o, const char* k, double dflt = 0) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsNumber() ? it->value.GetDouble() : dflt;
}

const rapidjson::Value* get_o(const rapidjson::Value& o, const char* k) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsObject() ? &it->value : nullptr;
}

void add_errors_seen(std::vector<std::string>& into, const std::vector<std::string>& from) {
  for (const auto& e : from) {
    if (into.size() >= kMaxErrorsSeen) return;
    if (std::find(into.begin(), into.end(), e) == into.end()) into.push_back(e);
  }
}

}  // namespace

int Histogram::bucket(double ms) {
  if (!(ms > kLowestMs)) return 0;
  const int b = static_cast<int>(std::floor(std::log10(ms / kLowestMs) * kPerDecade));
  return std::min(b, kBuckets - 1);
}

double Histogram::upper_bound(int bucket) {
  return kLowestMs * std::pow(10.0, static_cast<double>(bucket + 1) / kPerDecade);
}

void Histogram::add(double ms) {
  if (!(ms >= 0)) ms = 0;
  ++buckets_[static_cast<std::size_t>(bucket(ms))];
  ++count_;
  max_ms_ = std::max(max_ms_, ms);
  sum_ms_ += ms;
}

void Histogram::merge(const Histogram& other) {
  for (int i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_ms_ = std::max(max_ms_, other.max_ms_);
  sum_ms_ += other.sum_ms_;
}

void Histogram::assign(const std::array<std::uint64_t, kBuckets>& buckets, double max_ms,
                       double sum_ms) {
  buckets_ = buckets;
  count_ = 0;
  for (auto b : buckets_) count_ += b;
  max_ms_ = max_ms;
  sum_ms_ = sum_ms;
}

double Histogram::percentile(double p) const {
  if (count_ == 0) return 0;
  // The rank of the sample that p percent of the samples do not exceed (nearest rank).
  const auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= std::max<std::uint64_t>(rank, 1)) return std::min(upper_bound(i), max_ms_);
  }
  return max_ms_;
}

std::uint64_t Report::total_errors() const {
  std::uint64_t n = create_errors + connection_errors + api_errors;
  for (const auto& [name, a] : actions) n += a.errors;
  return n;
}

std::string to_json(const Report& r) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.SetFormatOptions(rapidjson::kFormatSingleLineArray);
  w.StartObject();
  w.Key("tool");
  w.String("ocpp-fleet");
  w.Key("format");
  w.Int(1);
  w.Key("shards");
  w.StartArray();
  for (const auto& s : r.shards) w.String(s.c_str());
  w.EndArray();
  w.Key("started_at");
  w.String(r.started_at.c_str());
  key_d(w, "elapsed_s", r.elapsed_s);
  w.Key("charge_points");
  w.StartObject();
  key_u(w, "planned", r.planned);
  key_u(w, "created", r.created);
  key_u(w, "create_errors", r.create_errors);
  key_u(w, "booted", r.booted);
  w.Key("by_version");
  w.StartObject();
  for (const auto& [v, n] : r.by_version) key_u(w, v.c_str(), n);
  w.EndObject();
  w.EndObject();
  w.Key("boot_storm_s");
  if (r.boot_storm_s >= 0)
    w.Double(std::round(r.boot_storm_s * 1000) / 1000);
  else
    w.Null();
  counters(
      w, "connections",
      {{"opened", r.connections}, {"reconnects", r.reconnects}, {"errors", r.connection_errors}});
  counters(w, "sessions",
           {{"started", r.sessions_started},
            {"completed", r.sessions_completed},
            {"refused", r.sessions_refused}});
  key_u(w, "api_errors", r.api_errors);
  key_u(w, "faults", r.faults);
  key_u(w, "outages", r.outages);
  key_u(w, "lost_messages", r.lost_messages);
  key_u(w, "errors_total", r.total_errors());
  w.Key("interrupted");
  w.Bool(r.interrupted);
  counters(w, "process",
           {{"peak_rss_kb", r.peak_rss_kb}, {"peak_descriptors", r.peak_descriptors}});
  w.Key("actions");
  w.StartObject();
  for (const auto& [name, a] : r.actions) {
    w.Key(name.c_str());
    w.StartObject();
    key_u(w, "calls", a.calls);
    key_u(w, "errors", a.errors);
    key_u(w, "unanswered", a.unanswered);
    key_u(w, "answered", a.latency.count());
    key_d(w, "p50_ms", a.latency.percentile(50));
    key_d(w, "p95_ms", a.latency.percentile(95));
    key_d(w, "p99_ms", a.latency.percentile(99));
    key_d(w, "max_ms", a.latency.max_ms());
    key_d(w, "sum_ms", a.latency.sum_ms());
    // Sparse: [bucket, count] pairs; bucket i holds latencies up to 0.01 ms × 10^((i+1)/40).
    w.Key("histogram");
    w.StartArray();
    for (int i = 0; i < Histogram::kBuckets; ++i) {
      if (!a.latency.buckets()[i]) continue;
      w.StartArray();
      w.Int(i);
      w.Uint64(a.latency.buckets()[i]);
      w.EndArray();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndObject();
  w.Key("timeline_fields");
  w.StartArray();
  for (const char* f : kTimelineFields) w.String(f);
  w.EndArray();
  w.Key("timeline");
  w.StartArray();
  for (const auto& p : r.timeline) {
    w.StartArray();
    w.Double(std::round(p.t * 10) / 10);
    for (std::uint64_t v :
         {p.created, p.connected, p.booted, p.charging, p.messages, p.errors, p.queue})
      w.Uint64(v);
    w.EndArray();
  }
  w.EndArray();
  w.Key("errors_seen");
  w.StartArray();
  for (const auto& e : r.errors_seen)
    w.String(e.c_str(), static_cast<rapidjson::SizeType>(e.size()));
  w.EndArray();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize()) + "\n";
}

std::string from_json(const std::string& text, Report& out) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag>(text.c_str(), text.size());
  if (d.HasParseError() || !d.IsObject()) return "not a JSON object";
  auto tool = d.FindMember("tool");
  if (tool == d.MemberEnd() || !tool->value.IsString() ||
      std::string(tool->value.GetString()) != "ocpp-fleet" || get_u(d, "format") != 1)
    return "not an ocpp-fleet report (format 1)";
  Report r;
  if (auto it = d.FindMember("shards"); it != d.MemberEnd() && it->value.IsArray())
    for (const auto& s : it->value.GetArray())
      if (s.IsString()) r.shards.emplace_back(s.GetString());
  if (auto it = d.FindMember("started_at"); it != d.MemberEnd() && it->value.IsString())
    r.started_at = it->value.GetString();
  r.elapsed_s = get_d(d, "elapsed_s");
  if (const auto* cp = get_o(d, "charge_points")) {
    r.planned = get_u(*cp, "planned");
    r.created = get_u(*cp, "created");
    r.create_errors = get_u(*cp, "create_errors");
    r.booted = get_u(*cp, "booted");
    if (const auto* bv = get_o(*cp, "by_version"))
      for (auto it = bv->MemberBegin(); it != bv->MemberEnd(); ++it)
        if (it->value.IsUint64()) r.by_version[it->name.GetString()] = it->value.GetUint64();
  }
  r.boot_storm_s = get_d(d, "boot_storm_s", -1);
  if (const auto* c = get_o(d, "connections")) {
    r.connections = get_u(*c, "opened");
    r.reconnects = get_u(*c, "reconnects");
    r.connection_errors = get_u(*c, "errors");
  }
  if (const auto* s = get_o(d, "sessions")) {
    r.sessions_started = get_u(*s, "started");
    r.sessions_completed = get_u(*s, "completed");
    r.sessions_refused = get_u(*s, "refused");
  }
  r.api_errors = get_u(d, "api_errors");
  r.faults = get_u(d, "faults");
  r.outages = get_u(d, "outages");
  r.lost_messages = get_u(d, "lost_messages");
  if (auto it = d.FindMember("interrupted"); it != d.MemberEnd() && it->value.IsBool())
    r.interrupted = it->value.GetBool();
  if (const auto* p = get_o(d, "process")) {
    r.peak_rss_kb = get_u(*p, "peak_rss_kb");
    r.peak_descriptors = get_u(*p, "peak_descriptors");
  }
  if (const auto* acts = get_o(d, "actions")) {
    for (auto it = acts->MemberBegin(); it != acts->MemberEnd(); ++it) {
      if (!it->value.IsObject())
        return std::string("action ") + it->name.GetString() + ": not an object";
      ActionStats a;
      a.calls = get_u(it->value, "calls");
      a.errors = get_u(it->value, "errors");
      a.unanswered = get_u(it->value, "unanswered");
      std::array<std::uint64_t, Histogram::kBuckets> buckets{};
      if (auto h = it->value.FindMember("histogram");
          h != it->value.MemberEnd() && h->value.IsArray()) {
        for (const auto& pair : h->value.GetArray()) {
          if (!pair.IsArray() || pair.Size() != 2 || !pair[0].IsInt() || !pair[1].IsUint64() ||
              pair[0].GetInt() < 0 || pair[0].GetInt() >= Histogram::kBuckets)
            return std::string("action ") + it->name.GetString() + ": bad histogram";
          buckets[static_cast<std::size_t>(pair[0].GetInt())] += pair[1].GetUint64();
        }
      }
      a.latency.assign(buckets, get_d(it->value, "max_ms"), get_d(it->value, "sum_ms"));
      r.actions[it->name.GetString()] = a;
    }
  }
  if (auto it = d.FindMember("timeline"); it != d.MemberEnd() && it->value.IsArray()) {
    for (const auto& p : it->value.GetArray()) {
      if (!p.IsArray() || p.Size() != 8 || !p[0].IsNumber()) return "bad timeline point";
      TimelinePoint tp;
      tp.t = p[0].GetDouble();
      std::uint64_t* fields[] = {&tp.created,  &tp.connected, &tp.booted, &tp.charging,
                                 &tp.messages, &tp.errors,    &tp.queue};
      for (rapidjson::SizeType i = 1; i < 8; ++i) {
        if (!p[i].IsUint64()) return "bad timeline point";
        *fields[i - 1] = p[i].GetUint64();
      }
      r.timeline.push_back(tp);
    }
  }
  if (auto it = d.FindMember("errors_seen"); it != d.MemberEnd() && it->value.IsArray())
    for (const auto& e : it->value.GetArray())
      if (e.IsString() && r.errors_seen.size() < kMaxErrorsSeen)
        r.errors_seen.emplace_back(e.GetString());
  out = std::move(r);
  return "";
}

void merge(Report& into, const Report& o) {
  into.shards.insert(into.shards.end(), o.shards.begin(), o.shards.end());
  if (into.started_at.empty() || (!o.started_at.empty() && o.started_at < into.started_at))
    into.started_at = o.started_at;
  into.elapsed_s = std::max(into.elapsed_s, o.elapsed_s);
  into.planned += o.planned;
  into.created += o.created;
  into.create_errors += o.create_errors;
  into.booted += o.booted;
  for (const auto& [v, n] : o.by_version) into.by_version[v] += n;
  // The shards start together, so the fleet booted when the slowest shard did.
  into.boot_storm_s = (into.boot_storm_s < 0 || o.boot_storm_s < 0)
                          ? -1
                          : std::max(into.boot_storm_s, o.boot_storm_s);
  into.connections += o.connections;
  into.reconnects += o.reconnects;
  into.connection_errors += o.connection_errors;
  into.sessions_started += o.sessions_started;
  into.sessions_completed += o.sessions_completed;
  into.sessions_refused += o.sessions_refused;
  into.api_errors += o.api_errors;
  into.faults += o.faults;
  into.outages += o.outages;
  into.lost_messages += o.lost_messages;
  into.interrupted = into.interrupted || o.interrupted;
  // Each shard is a process of its own: the fleet needs what they need together.
  into.peak_rss_kb += o.peak_rss_kb;
  into.peak_descriptors += o.peak_descriptors;
  for (const auto& [name, a] : o.actions) {
    auto& m = into.actions[name];
    m.calls += a.calls;
    m.errors += a.errors;
    m.unanswered += a.unanswered;
    m.latency.merge(a.latency);
  }
  // Second i of one shard adds to second i of the other; a shorter timeline keeps its last
  // counts (a stopped shard still has what it created) but no more messages.
  const std::size_t n = std::max(into.timeline.size(), o.timeline.size());
  std::vector<TimelinePoint> merged(n);
  for (std::size_t i = 0; i < n; ++i) {
    TimelinePoint& m = merged[i];
    const std::vector<TimelinePoint>* lists[] = {&into.timeline, &o.timeline};
    for (const auto* tl : lists) {
      if (tl->empty()) continue;
      const bool past = i >= tl->size();
      const TimelinePoint& p = past ? tl->back() : (*tl)[i];
      m.t = std::max(m.t, past ? static_cast<double>(i) + 1 : p.t);
      m.created += p.created;
      m.connected += past ? 0 : p.connected;
      m.booted += p.booted;
      m.charging += past ? 0 : p.charging;
      m.messages += past ? 0 : p.messages;
      m.errors += p.errors;
      m.queue += past ? 0 : p.queue;
    }
  }
  into.timeline = std::move(merged);
  add_errors_seen(into.errors_seen, o.errors_seen);
}

}  // namespace fleet
