#include "scenario.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace fleet {
namespace {

using Value = rapidjson::Value;

// Reads the members of one JSON object, each at most once; whatever is left unread at the end
// is an unknown field and an error.
class Fields {
 public:
  Fields(const Value& obj, std::string where) : obj_(obj), where_(std::move(where)) {}

  const Value* get(const char* name) {
    seen_.insert(name);
    auto it = obj_.FindMember(name);
    return it == obj_.MemberEnd() ? nullptr : &it->value;
  }

  std::string number(const char* name, double& out, double lo, double hi) {
    const Value* v = get(name);
    if (!v) return "";
    if (!v->IsNumber() || !std::isfinite(v->GetDouble()) || v->GetDouble() < lo ||
        v->GetDouble() > hi)
      return bad(name, "a number from " + fmt(lo) + " to " + fmt(hi));
    out = v->GetDouble();
    return "";
  }

  std::string integer(const char* name, int& out, int lo, int hi) {
    const Value* v = get(name);
    if (!v) return "";
    if (!v->IsInt() || v->GetInt() < lo || v->GetInt() > hi)
      return bad(name, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    out = v->GetInt();
    return "";
  }

  std::string string(const char* name, std::string& out, std::size_t max_len = 512) {
    const Value* v = get(name);
    if (!v) return "";
    if (!v->IsString() || v->GetStringLength() > max_len)
      return bad(name, "a string of at most " + std::to_string(max_len) + " characters");
    out.assign(v->GetString(), v->GetStringLength());
    return "";
  }

  // [min, max] or a single number (min = max).
  std::string range(const char* name, Range& out, double hi) {
    const Value* v = get(name);
    if (!v) return "";
    Range r;
    if (v->IsNumber()) {
      r.min = r.max = v->GetDouble();
    } else if (v->IsArray() && v->Size() == 2 && (*v)[0].IsNumber() && (*v)[1].IsNumber()) {
      r.min = (*v)[0].GetDouble();
      r.max = (*v)[1].GetDouble();
    } else {
      return bad(name, "a number or [min, max]");
    }
    if (!(r.min >= 0 && r.min <= r.max && r.max <= hi))
      return bad(name, "0 <= min <= max <= " + fmt(hi));
    out = r;
    return "";
  }

  std::string unknown() const {
    for (auto it = obj_.MemberBegin(); it != obj_.MemberEnd(); ++it) {
      std::string n(it->name.GetString(), it->name.GetStringLength());
      if (!seen_.count(n)) return where_ + ": unknown field \"" + n + "\"";
    }
    return "";
  }

  std::string bad(const char* name, const std::string& want) const {
    return where_ + "." + name + ": must be " + want;
  }

 private:
  static std::string fmt(double d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", d);
    return buf;
  }

  const Value& obj_;
  std::string where_;
  std::set<std::string> seen_;
};

constexpr double kMaxSeconds = 30.0 * 24 * 3600;

std::string parse_behaviour(const Value& v, const std::string& where, Behaviour& b) {
  if (!v.IsObject()) return where + ": must be an object";
  Fields f(v, where);
  std::string e;
  if (!(e = f.range("first_session_s", b.first_session_s, kMaxSeconds)).empty()) return e;
  if (!(e = f.number("sessions_per_hour", b.sessions_per_hour, 0, 3600)).empty()) return e;
  if (!(e = f.integer("max_sessions", b.max_sessions, 0, 1000000)).empty()) return e;
  if (!(e = f.range("session_s", b.session_s, kMaxSeconds)).empty()) return e;
  if (b.session_s.min < 1) return f.bad("session_s", "at least 1 s");
  if (!(e = f.integer("meter_interval_s", b.meter_interval_s, 1, 86400)).empty()) return e;
  if (!(e = f.number("power_w", b.power_w, 0, 1e7)).empty()) return e;
  if (const Value* tags = f.get("id_tags")) {
    if (!tags->IsArray() || tags->Empty() || tags->Size() > 10000)
      return f.bad("id_tags", "a list of 1 to 10000 idTags");
    b.id_tags.clear();
    for (const auto& t : tags->GetArray()) {
      // 20: the longest idTag of 1.6 (CiString20Type); 2.0.1 allows 36.
      if (!t.IsString() || t.GetStringLength() == 0 || t.GetStringLength() > 20)
        return f.bad("id_tags", "idTags of 1 to 20 characters");
      b.id_tags.emplace_back(t.GetString(), t.GetStringLength());
    }
  }
  if (!(e = f.number("faults_per_hour", b.faults_per_hour, 0, 3600)).empty()) return e;
  if (!(e = f.range("fault_s", b.fault_s, kMaxSeconds)).empty()) return e;
  if (const Value* outs = f.get("outages")) {
    if (!outs->IsArray() || outs->Size() > 1000)
      return f.bad("outages", "a list of at most 1000 outages");
    b.outages.clear();
    int i = 0;
    for (const auto& o : outs->GetArray()) {
      const std::string w = where + ".outages[" + std::to_string(i++) + "]";
      if (!o.IsObject()) return w + ": must be an object";
      Fields of(o, w);
      Outage out;
      if (!(e = of.number("at_s", out.at_s, 0, kMaxSeconds)).empty()) return e;
      if (!(e = of.number("duration_s", out.duration_s, 0, kMaxSeconds)).empty()) return e;
      if (!(e = of.number("fraction", out.fraction, 0, 1)).empty()) return e;
      if (!o.HasMember("at_s") || !o.HasMember("fraction"))
        return w + ": at_s and fraction are required";
      if (!(e = of.unknown()).empty()) return e;
      b.outages.push_back(out);
    }
  }
  return f.unknown();
}

std::string parse_group(const Value& v, const std::string& where, const Behaviour& defaults,
                        Group& g) {
  if (!v.IsObject()) return where + ": must be an object";
  Fields f(v, where);
  std::string e;
  if (!(e = f.string("name", g.name, 100)).empty()) return e;
  if (!(e = f.string("ocpp", g.ocpp, 10)).empty()) return e;
  if (g.ocpp != "1.6" && g.ocpp != "2.0.1") return f.bad("ocpp", "\"1.6\" or \"2.0.1\"");
  if (!(e = f.integer("count", g.count, 0, 10000000)).empty()) return e;
  if (!v.HasMember("count")) return where + ": count is required";
  if (!(e = f.string("url", g.url)).empty()) return e;
  if (!(e = f.string("vendor", g.vendor, 20)).empty()) return e;
  if (!(e = f.string("model", g.model, 20)).empty()) return e;
  if (g.vendor.empty() || g.model.empty()) return where + ": vendor and model must not be empty";
  if (!(e = f.integer("connectors", g.connectors, 1, 32)).empty()) return e;
  int profile = 0;
  if (!(e = f.integer("security_profile", profile, 1, 3)).empty()) return e;
  if (v.HasMember("security_profile")) g.security_profile = profile;
  if (!(e = f.string("password", g.password, 40)).empty()) return e;
  if (!(e = f.string("ca_file", g.ca_file)).empty()) return e;
  if (!(e = f.string("client_cert", g.client_cert)).empty()) return e;
  if (!(e = f.string("client_key", g.client_key)).empty()) return e;
  if (g.security_profile == 3 && g.client_cert.empty())
    return where + ": security_profile 3 needs client_cert";
  if (g.name.empty()) g.name = g.ocpp + " " + g.model;
  g.behaviour = defaults;
  if (const Value* b = f.get("behaviour")) {
    if (!(e = parse_behaviour(*b, where + ".behaviour", g.behaviour)).empty()) return e;
  }
  return f.unknown();
}

bool valid_url(const std::string& url) {
  return url.rfind("ws://", 0) == 0 || url.rfind("wss://", 0) == 0;
}

}  // namespace

std::string check_pattern(const std::string& pattern) {
  const auto open = pattern.find("{n");
  if (open == std::string::npos) return "id_pattern: must contain {n} or {n:0W}";
  const auto close = pattern.find('}', open);
  if (close == std::string::npos) return "id_pattern: unterminated {n";
  const std::string spec = pattern.substr(open, close - open + 1);
  if (spec != "{n}" &&
      !(spec.size() == 6 && spec.compare(0, 4, "{n:0") == 0 && spec[4] >= '1' && spec[4] <= '9'))
    return "id_pattern: " + spec + " is not {n} or {n:0W} with W from 1 to 9";
  if (pattern.find("{n", close) != std::string::npos) return "id_pattern: {n} may appear once";
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (i >= open && i <= close) continue;
    const unsigned char c = static_cast<unsigned char>(pattern[i]);
    if (c <= 0x20 || c >= 0x7f || c == ':' || c == '/' || c == '{' || c == '}' || c == '%' ||
        c == '?' || c == '#')
      return "id_pattern: character '" + std::string(1, pattern[i]) +
             "' not allowed in an identity";
  }
  return "";
}

std::string with_identity(const std::string& path, const std::string& id) {
  std::string out = path;
  for (std::size_t p = 0; (p = out.find("{id}", p)) != std::string::npos; p += id.size())
    out.replace(p, 4, id);
  return out;
}

std::string identity(const std::string& pattern, int index) {
  const auto open = pattern.find("{n");
  const auto close = pattern.find('}', open);
  const std::string spec = pattern.substr(open, close - open + 1);
  std::string num = std::to_string(index + 1);
  if (spec != "{n}") {
    const std::size_t width = static_cast<std::size_t>(spec[4] - '0');
    if (num.size() < width) num.insert(0, width - num.size(), '0');
  }
  return pattern.substr(0, open) + num + pattern.substr(close + 1);
}

std::string parse_scenario(const std::string& text, Scenario& out) {
  rapidjson::Document d;
  // Iterative: a file nested a million levels deep must not overflow the stack.
  d.Parse<rapidjson::kParseIterativeFlag>(text.c_str(), text.size());
  if (d.HasParseError() || !d.IsObject()) return "the scenario is not a JSON object";
  Scenario s;
  Fields f(d, "scenario");
  std::string e;
  if (!(e = f.string("url", s.url)).empty()) return e;
  if (!(e = f.string("id_pattern", s.id_pattern, 40)).empty()) return e;
  if (!(e = check_pattern(s.id_pattern)).empty()) return e;
  if (!(e = f.number("duration_s", s.duration_s, 1, kMaxSeconds)).empty()) return e;
  if (!(e = f.number("ramp_up_per_s", s.ramp_up_per_s, 0, 1e6)).empty()) return e;
  if (!(e = f.number("stop_grace_s", s.stop_grace_s, 0, 86400)).empty()) return e;
  double seed = 1;
  if (!(e = f.number("seed", seed, 0, 9007199254740992.0)).empty()) return e;
  s.seed = static_cast<std::uint64_t>(seed);
  Behaviour defaults;
  const Value* bj = f.get("behaviour");
  if (bj && !(e = parse_behaviour(*bj, "scenario.behaviour", defaults)).empty()) return e;
  const Value* groups = f.get("groups");
  if (!groups || !groups->IsArray() || groups->Empty() || groups->Size() > 1000)
    return "scenario.groups: must be a list of 1 to 1000 groups";
  int i = 0;
  long long total = 0;
  for (const auto& gv : groups->GetArray()) {
    Group g;
    if (!(e = parse_group(gv, "scenario.groups[" + std::to_string(i++) + "]", defaults, g)).empty())
      return e;
    total += g.count;
    s.groups.push_back(std::move(g));
  }
  if (total < 1 || total > 10000000) return "scenario: 1 to 10,000,000 charge points in all";
  if (!(e = f.unknown()).empty()) return e;
  out = std::move(s);
  return "";
}

std::string resolve_urls(Scenario& s, const std::string& url) {
  if (!url.empty()) s.url = url;
  for (std::size_t i = 0; i < s.groups.size(); ++i) {
    Group& g = s.groups[i];
    if (g.url.empty()) g.url = s.url;
    if (!valid_url(g.url))
      return "scenario.groups[" + std::to_string(i) +
             "]: the CSMS URL must start with ws:// or wss:// (url or --url)";
  }
  return "";
}

std::string parse_shard(const std::string& text, int& k, int& n) {
  int a = 0, b = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%d/%d%c", &a, &b, &tail) != 2 || b < 1 || a < 1 || a > b ||
      b > 100000)
    return "--shard: must be K/N with 1 <= K <= N";
  k = a;
  n = b;
  return "";
}

int total_count(const Scenario& s) {
  long long t = 0;
  for (const auto& g : s.groups) t += g.count;
  return static_cast<int>(t);
}

std::vector<Member> members(const Scenario& s, int shard_k, int shard_n) {
  const long long total = total_count(s);
  const long long begin = total * (shard_k - 1) / shard_n;
  const long long end = total * shard_k / shard_n;
  std::vector<Member> out;
  out.reserve(static_cast<std::size_t>(end - begin));
  long long base = 0;
  for (std::size_t g = 0; g < s.groups.size(); ++g) {
    const long long gb = base, ge = base + s.groups[g].count;
    for (long long i = std::max(gb, begin); i < std::min(ge, end); ++i)
      out.push_back(
          {static_cast<int>(i), identity(s.id_pattern, static_cast<int>(i)), static_cast<int>(g)});
    base = ge;
  }
  return out;
}

}  // namespace fleet
