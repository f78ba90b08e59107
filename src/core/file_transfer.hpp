// What the file transfers the firmware does for the CSMS have in common, in every OCPP version:
// firmware updates (1.6 UpdateFirmware and SignedUpdateFirmware, 2.0.1 UpdateFirmware),
// diagnostics (1.6 GetDiagnostics) and log uploads (GetLog). Each is one attempt plus `retries`
// more after `retryInterval`, and reports its progress in a status notification whose latest
// status is kept until the CSMS confirmed it. The modules keep their own steps; this file keeps
// the retry arithmetic, the notifier and the JSON of their persisted state, so that each rule
// lives in one place.
//
// The templates take the engine (`E`: the version's Engine::Impl, which has log(), connected(),
// send_volatile() and store_) and a `Codec` policy with the version's generated codec:
//   template <class T> static std::string to_json(const T&);
//   template <class T> static bool decode(const rapidjson::Value&, T&);
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "core/json.hpp"
#include "ocpp/time.hpp"

namespace ocpp::core::transfer {

// Used when the CSMS leaves the choice to the station (1.6 sections 6.25 and 6.55, whitepaper
// 5.9 and 5.21; 2.0.1 GetLogRequest and UpdateFirmwareRequest): one attempt, no retry; the
// interval only matters for a request with retries but no interval.
inline constexpr std::int64_t kDefaultRetryInterval = 60;
inline constexpr std::int64_t kMaxRetries = 1000;
inline constexpr std::int64_t kMaxRetryInterval = 7 * 24 * 3600;

inline std::chrono::seconds clamp_seconds(std::int64_t s) {
  return std::chrono::seconds(std::clamp<std::int64_t>(s, 0, kMaxRetryInterval));
}

/// A wall-clock time as a monotonic deadline: in the past means "now"; later ones are at the
/// same distance, so the wait is immune to clock changes while it runs.
inline MonoTime mono_for(DateTime at, Now now) {
  if (at <= now.wall) return now.mono;
  return now.mono + std::chrono::duration_cast<MonoTime::duration>(at - now.wall);
}

/// The retries of one transfer.
struct Retry {
  std::int64_t left = 0;
  std::chrono::seconds interval{kDefaultRetryInterval};
  DateTime at{};  // the next attempt while waiting for one (or the first, as the module uses it)

  /// From a request's retries / retryInterval; integers (GetDiagnostics, GetLog,
  /// SignedUpdateFirmware, 2.0.1 UpdateFirmware) are clamped to 0..max.
  void set(std::optional<std::int32_t> retries, std::optional<std::int32_t> retry_interval) {
    if (retries) left = std::clamp<std::int64_t>(*retries, 0, kMaxRetries);
    if (retry_interval) interval = clamp_seconds(*retry_interval);
  }
  /// The 1.6 UpdateFirmware schema types them as numbers, section 6.55 as integers: a negative
  /// or fractional value is read as its integer part, at least 0.
  void set(std::optional<double> retries, std::optional<double> retry_interval) {
    if (retries && std::isfinite(*retries))
      left = static_cast<std::int64_t>(std::clamp(*retries, 0.0, static_cast<double>(kMaxRetries)));
    if (retry_interval && std::isfinite(*retry_interval))
      interval = clamp_seconds(static_cast<std::int64_t>(
          std::clamp(*retry_interval, 0.0, static_cast<double>(kMaxRetryInterval))));
  }
  /// An attempt failed: when a retry is left, spends it and sets the next attempt (at, due);
  /// false when the transfer has failed for good.
  bool next_attempt(Now now, std::optional<MonoTime>& due) {
    if (left <= 0) return false;
    --left;
    at = now.wall + interval;
    due = now.mono + interval;
    return true;
  }
};

/// The status notifications of one kind. A notification is volatile (lost with the connection,
/// as every status message of the engines), but the latest status is kept, persisted, until the
/// CSMS confirmed it: one that was not delivered is sent after the next Accepted / reconnect,
/// also after a restart. Statuses overtaken while offline are not sent (only the latest counts).
template <class Status>
struct Notifier {
  std::optional<Status> latest;
  std::optional<std::int32_t> request_id;  // of the notifications with one (N01.FR.07, L01.FR.10)
  bool unsent = false;                     // latest not yet confirmed by the CSMS
  std::uint64_t seq = 0;                   // counts reports, to tell the latest from older ones
  int queued = 0;                          // our calls in the engine's volatile queue or in flight

  void set(Status s, std::optional<std::int32_t> request = std::nullopt) {
    latest = s;
    request_id = request;
    unsent = true;
    ++seq;
  }
  /// Whether the latest waits for a connection to be sent again.
  bool waiting() const { return unsent && queued == 0; }
};

/// Whether the latest notification is settled. Lost with the connection: no, it is sent again
/// after the next Accepted. Answered (even with a CALLERROR or not within the call timeout)
/// while still connected: yes, the CSMS had its chance; repeating it could loop forever.
template <class E>
bool note_done(E& engine, const rapidjson::Value* result, std::string_view what) {
  if (result) return true;
  if (!engine.connected()) return false;
  engine.log(1, std::string(what) + " was not confirmed by the CSMS; not repeated");
  return true;
}

/// Sends `req` (the notifier's latest status) as a volatile CALL; `settled` runs once the CSMS
/// confirmed it and no newer status was reported meanwhile (to persist that it was sent).
template <class Codec, class E, class Req, class Status>
void send_note(E& engine, Notifier<Status>& n, const Req& req, std::function<void()> settled) {
  const std::uint64_t seq = n.seq;
  ++n.queued;
  engine.send_volatile(
      Req::action, Codec::to_json(req),
      [&engine, &n, seq, settled = std::move(settled)](const rapidjson::Value* result, Now) {
        --n.queued;
        if (seq != n.seq) return;  // a newer status follows
        if (!note_done(engine, result, to_string(Req::action))) return;
        n.unsent = false;
        if (settled) settled();
      });
}

// ------------------------------------------------------------------ persisted state (JSON)

/// The step named `s` in `names` (the persisted names of a module's steps, indexed by value).
template <class E, std::size_t N>
bool phase_from(const char* const (&names)[N], const std::string& s, E& out) {
  for (std::size_t i = 0; i < N; ++i)
    if (s == names[i]) {
      out = static_cast<E>(i);
      return true;
    }
  return false;
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

inline void put_string(Writer& w, const char* k, const std::string& v) {
  w.Key(k);
  w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
}
inline bool get_str(const rapidjson::Value& d, const char* k, std::string& out) {
  auto it = d.FindMember(k);
  if (it == d.MemberEnd() || !it->value.IsString()) return false;
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}
inline bool get_time(const rapidjson::Value& d, const char* k, DateTime& out) {
  std::string s;
  return get_str(d, k, s) && parse_datetime(s, out);
}
inline bool get_int(const rapidjson::Value& d, const char* k, std::int64_t& out) {
  auto it = d.FindMember(k);
  if (it == d.MemberEnd() || !it->value.IsInt64()) return false;
  out = it->value.GetInt64();
  return true;
}

/// The retries as "retriesLeft", "retryInterval" and "at".
inline void put_retry(Writer& w, const Retry& r) {
  w.Key("retriesLeft");
  w.Int64(r.left);
  w.Key("retryInterval");
  w.Int64(r.interval.count());
  put_string(w, "at", format_datetime(r.at));
}
inline bool get_retry(const rapidjson::Value& d, Retry& r) {
  std::int64_t interval = 0;
  if (!get_int(d, "retriesLeft", r.left) || !get_int(d, "retryInterval", interval) ||
      !get_time(d, "at", r.at))
    return false;
  r.interval = clamp_seconds(interval);
  return true;
}

/// The notifier as "status", "requestId" and "unsent".
template <class Status>
void put_note(Writer& w, const Notifier<Status>& n) {
  if (n.latest) put_string(w, "status", std::string(to_string(*n.latest)));
  if (n.request_id) {
    w.Key("requestId");
    w.Int(*n.request_id);
  }
  w.Key("unsent");
  w.Bool(n.unsent);
}
template <class Status>
bool get_note(const rapidjson::Value& d, Notifier<Status>& n) {
  std::string s;
  if (get_str(d, "status", s)) {
    Status st{};
    if (!from_string(s, st)) return false;
    n.latest = st;
  }
  auto rid = d.FindMember("requestId");
  if (rid != d.MemberEnd() && rid->value.IsInt()) n.request_id = rid->value.GetInt();
  auto it = d.FindMember("unsent");
  n.unsent = it != d.MemberEnd() && it->value.IsBool() && it->value.GetBool() && n.latest;
  return true;
}

/// Parses a stored state; false (with nothing changed) when it is not a JSON object.
inline bool parse_object(rapidjson::Document& d, const std::string& text) {
  return core::parse_json(d, text) && d.IsObject();
}

/// Logs a failed write of a module's state; returns it.
template <class E>
std::error_code check_saved(E& engine, std::error_code ec, std::string_view what) {
  if (ec) engine.log(0, "persisting " + std::string(what) + " failed: " + ec.message());
  return ec;
}

/// The persisted state of a transfer a request with a requestId starts (GetLog, 1.6
/// SignedUpdateFirmware, 2.0.1 UpdateFirmware): its step, the CSMS's request as received, a
/// file name or path, the retries and the notifier.
template <class Req>
struct RequestState {
  std::string phase;
  Req request;
  std::string file;
  Retry retry;
};

template <class Codec, class Req, class Status>
std::string write_request_state(const RequestState<Req>& s, const Notifier<Status>& n) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  put_string(w, "phase", s.phase);
  const std::string req = Codec::to_json(s.request);
  w.Key("request");
  w.RawValue(req.c_str(), req.size(), rapidjson::kObjectType);
  put_string(w, "file", s.file);
  put_retry(w, s.retry);
  put_note(w, n);
  w.EndObject();
  return sb.GetString();
}

template <class Codec, class Req, class Status>
bool read_request_state(const std::string& text, RequestState<Req>& s, Notifier<Status>& n) {
  rapidjson::Document d;
  if (!parse_object(d, text)) return false;
  auto req = d.FindMember("request");
  return get_str(d, "phase", s.phase) && req != d.MemberEnd() &&
         Codec::decode(req->value, s.request) && get_str(d, "file", s.file) &&
         get_retry(d, s.retry) && get_note(d, n);
}

/// Writes a module's state to `key`, or erases it when there is nothing to keep (nullopt).
template <class E>
std::error_code store_state(E& engine, const char* key, const std::optional<std::string>& json,
                            std::string_view what) {
  return check_saved(engine, json ? engine.store_.kv_set(key, *json) : engine.store_.kv_erase(key),
                     what);
}

/// Reads the state save_request_state() wrote; an unreadable one is logged and discarded
/// (step `none`). Errors: the store's.
template <class Codec, class E, class Req, class Status, class Phase, std::size_t N>
std::error_code load_request_state(E& engine, const char* key, const char* const (&names)[N],
                                   Phase none, Phase& phase, RequestState<Req>& s,
                                   Notifier<Status>& n, std::string_view what) {
  std::vector<std::pair<std::string, std::string>> kv;
  if (auto ec = engine.store_.kv_load(key, kv)) return ec;
  for (const auto& [k, value] : kv) {
    if (k != key) continue;
    if (!read_request_state<Codec>(value, s, n) || !phase_from(names, s.phase, phase)) {
      engine.log(0, "discarding an unreadable stored " + std::string(what));
      s = {};
      n = {};
      phase = none;
    }
  }
  return {};
}

/// Sends the notifier's latest status as a `Note` (its status and requestId); `settled` as for
/// send_note.
template <class Codec, class Note, class E, class Status>
void send_latest(E& engine, Notifier<Status>& n, std::function<void()> settled) {
  if (!n.latest) return;
  Note req;
  req.status = *n.latest;
  req.requestId = n.request_id;
  send_note<Codec>(engine, n, req, std::move(settled));
}

/// Persists the state of a transfer a request started, in step `phase` (named by `names`): a
/// finished one (`done`) whose last status the CSMS confirmed is forgotten (step `none`; the
/// notifier keeps the last status for a trigger), and nothing is kept once there is nothing.
template <class Codec, class E, class Req, class Status, class Phase, std::size_t N>
std::error_code save_request_state(E& engine, const char* key, const char* const (&names)[N],
                                   Phase none, Phase done, Phase& phase, RequestState<Req>& s,
                                   const Notifier<Status>& n, std::string_view what) {
  std::optional<std::string> json;
  if (phase == done && !n.unsent) {
    phase = none;
    s = {};
  }
  s.phase = names[static_cast<std::size_t>(phase)];
  if (phase != none || n.unsent) json = write_request_state<Codec>(s, n);
  return store_state(engine, key, json, what);
}

}  // namespace ocpp::core::transfer
