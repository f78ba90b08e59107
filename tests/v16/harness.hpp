// Test harness for the sans-I/O engine: a simulated clock and an in-process fake CSMS that
// answers our CALLs per a policy the test can change, and records every frame.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include "ocpp/sqlite_store.hpp"
#include "ocpp/store.hpp"
#include "ocpp/v16/engine.hpp"
#include "ocpp/time.hpp"
#include "support/reply_lookup.hpp"

namespace test {

using namespace std::chrono_literals;

struct SentCall {
  std::string id;
  std::string action;
  std::string payload;  // JSON text
  std::string raw;
  ocpp::MonoTime at{};  // simulated time at which it was sent
  rapidjson::Document json() const {
    rapidjson::Document d;
    d.Parse(payload.c_str());
    return d;
  }
};

class Harness {
 public:
  explicit Harness(ocpp::Store* store = nullptr, int connectors = 1,
                   std::vector<std::pair<std::string, std::string>> defaults = {}) {
    if (!store) {
      owned_store_ = ocpp::make_memory_store();
      store = owned_store_.get();
    }
    store_ = store;
    now_.mono = ocpp::MonoTime{} + 1000s;
    now_.wall = ocpp::DateTime{} + 1'790'000'000s;
    options_.connectors = connectors;
    options_.boot.chargePointVendor = "TestVendor";
    options_.boot.chargePointModel = "TestModel";
    options_.id_seed = 42;
    options_.configuration_defaults = std::move(defaults);
    install_default_policy();
  }

  ocpp::v16::Hooks hooks;
  ocpp::v16::EngineOptions options_;

  /// Creates the engine (after the test has set hooks/options).
  ocpp::v16::Engine& start() {
    auto r = ocpp::v16::Engine::create(options_, *store_, hooks, now_);
    REQUIRE(r.ok());
    engine_ = std::move(r.value());
    return *engine_;
  }
  ocpp::v16::Engine& engine() { return *engine_; }
  void restart() {  // as after a power cut: the engine's memory is gone, the store stays
    engine_.reset();
    connected_ = false;
    start();
  }
  /// As restart(), but the engine comes back on another Store object (e.g. the same SQLite
  /// file opened again, so that only what reached the disk survives).
  void restart(ocpp::Store* reopened) {
    engine_.reset();
    connected_ = false;
    store_ = reopened;
    start();
  }
  /// As restart(reopened), with the charge point switched off for d: both clocks move on
  /// while no engine runs (reservation profile: what expired meanwhile is gone at the start).
  void restart_after(std::chrono::milliseconds d, ocpp::Store* reopened = nullptr) {
    engine_.reset();
    connected_ = false;
    now_.mono += d;
    now_.wall += std::chrono::duration_cast<ocpp::DateTime::duration>(d);
    if (reopened) store_ = reopened;
    start();
  }
  ocpp::Now now() const { return now_; }
  /// Sets the simulated wall clock (e.g. to the real time, for certificates made by OpenSSL
  /// relative to it).
  void set_wall_clock(ocpp::DateTime t) { now_.wall = t; }

  // --- the connection ---
  void connect() {
    connected_ = true;
    engine_->connected(now_);
    pump();
  }
  void disconnect() {
    connected_ = false;
    engine_->disconnected(now_);
    pump();
  }

  /// Delivers a frame from the CSMS.
  void csms_send(const std::string& text) {
    engine_->receive(text, now_);
    pump();
  }

  /// Advances simulated time by d, handling every deadline on the way.
  void advance(std::chrono::milliseconds d) {
    const auto end = now_.mono + d;
    for (int guard = 0; guard < 100000; ++guard) {
      auto dl = engine_->next_deadline();
      if (!dl || *dl > end) break;
      if (*dl > now_.mono) {
        now_.wall += std::chrono::duration_cast<ocpp::DateTime::duration>(*dl - now_.mono);
        now_.mono = *dl;
      }
      engine_->handle_timeout(now_);
      pump();
    }
    now_.wall += std::chrono::duration_cast<ocpp::DateTime::duration>(end - now_.mono);
    now_.mono = end;
    engine_->handle_timeout(now_);
    pump();
  }

  /// Runs hooks and moves frames between the engine and the fake CSMS until quiet.
  void pump() {
    for (int guard = 0; guard < 100000; ++guard) {
      bool progress = false;
      while (auto f = engine_->poll_hook_call()) {
        f();
        progress = true;
      }
      engine_->handle_timeout(now_);
      while (connected_) {
        auto t = engine_->poll_transmit(now_);
        if (!t) break;
        progress = true;
        on_frame(*t);
      }
      if (!progress) break;
    }
  }

  // --- the fake CSMS ---
  /// Answer policy per action: returns the CALLRESULT payload, or nullopt to hold the call
  /// unanswered (it stays in `held`). Set answer_error to answer with a CALLERROR instead.
  std::map<std::string, std::function<std::optional<std::string>(const SentCall&)>> policy;
  std::map<std::string, std::string> answer_error;  // action -> error code
  std::vector<SentCall> calls;       // every CALL we sent, in order
  std::vector<std::string> results;  // every CALLRESULT/CALLERROR we sent, in order
  std::vector<SentCall> held;
  std::vector<std::string> frames;   // every frame we sent (CALLs and replies), in order
  int next_transaction_id = 1001;

  std::vector<SentCall> calls_of(const std::string& action) const {
    std::vector<SentCall> out;
    for (const auto& c : calls)
      if (c.action == action) out.push_back(c);
    return out;
  }
  std::vector<std::string> actions() const {
    std::vector<std::string> out;
    for (const auto& c : calls) out.push_back(c.action);
    return out;
  }
  /// Seconds of simulated time since the harness was created (for exact timing checks).
  std::int64_t seconds(ocpp::MonoTime t) const {
    return std::chrono::duration_cast<std::chrono::seconds>(t - (ocpp::MonoTime{} + 1000s)).count();
  }
  std::int64_t elapsed() const { return seconds(now_.mono); }
  /// Sends a CALL from the CSMS; returns our reply to it (CALLRESULT or CALLERROR frame text),
  /// or nullopt when none was sent (yet).
  std::optional<std::string> csms_call(const std::string& id, const std::string& action,
                                       const std::string& payload) {
    csms_send("[2,\"" + id + "\",\"" + action + "\"," + payload + "]");
    return reply_to(id);
  }
  /// Our reply (CALLRESULT/CALLERROR frame text) to the CSMS's CALL with that id, if sent.
  std::optional<std::string> reply_to(const std::string& id) const {
    return find_reply(results, id);
  }
  void answer_held(const std::string& payload) {
    REQUIRE(!held.empty());
    SentCall c = held.front();
    held.erase(held.begin());
    csms_send("[3,\"" + c.id + "\"," + payload + "]");
  }

 private:
  void install_default_policy() {
    policy["BootNotification"] = [this](const SentCall&) -> std::optional<std::string> {
      return R"({"status":"Accepted","currentTime":")" + ocpp::format_datetime(now_.wall) +
             R"(","interval":300})";
    };
    policy["Heartbeat"] = [this](const SentCall&) -> std::optional<std::string> {
      return R"({"currentTime":")" + ocpp::format_datetime(now_.wall) + "\"}";
    };
    policy["Authorize"] = [](const SentCall&) -> std::optional<std::string> {
      return R"({"idTagInfo":{"status":"Accepted"}})";
    };
    policy["StartTransaction"] = [this](const SentCall&) -> std::optional<std::string> {
      return R"({"transactionId":)" + std::to_string(next_transaction_id++) +
             R"(,"idTagInfo":{"status":"Accepted"}})";
    };
    for (const char* a : {"StopTransaction", "StatusNotification", "MeterValues"})
      policy[a] = [](const SentCall&) -> std::optional<std::string> { return "{}"; };
  }

  void on_frame(const std::string& text) {
    rapidjson::Document d;
    d.Parse(text.c_str());
    REQUIRE(d.IsArray());
    frames.push_back(text);
    if (d[0].GetInt() != 2) {
      results.push_back(text);
      return;
    }
    SentCall c;
    c.id = d[1].GetString();
    c.action = d[2].GetString();
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    d[3].Accept(w);
    c.payload = sb.GetString();
    c.raw = text;
    c.at = now_.mono;
    calls.push_back(c);
    auto err = answer_error.find(c.action);
    if (err != answer_error.end()) {
      pending_.push_back("[4,\"" + c.id + "\",\"" + err->second + "\",\"test\",{}]");
    } else {
      auto p = policy.find(c.action);
      std::optional<std::string> payload =
          p != policy.end() ? p->second(c) : std::optional<std::string>("{}");
      if (payload) {
        pending_.push_back("[3,\"" + c.id + "\"," + *payload + "]");
      } else {
        held.push_back(c);
      }
    }
    // Answer after poll_transmit returned, as a real peer would.
    while (!pending_.empty()) {
      std::string f = pending_.front();
      pending_.erase(pending_.begin());
      engine_->receive(f, now_);
    }
  }

  std::unique_ptr<ocpp::Store> owned_store_;
  ocpp::Store* store_ = nullptr;
  std::unique_ptr<ocpp::v16::Engine> engine_;
  ocpp::Now now_;
  bool connected_ = false;
  std::vector<std::string> pending_;
};

/// A fresh folder under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("ocpp-engine-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// The payload of a CALLRESULT frame (the reply to a CSMS call); the test fails on anything else.
inline rapidjson::Document result_payload(const std::optional<std::string>& reply) {
  REQUIRE(reply.has_value());
  rapidjson::Document d;
  d.Parse(reply->c_str());
  REQUIRE(d.IsArray());
  REQUIRE(d[0].GetInt() == 3);
  rapidjson::Document p;
  p.CopyFrom(d[2], p.GetAllocator());
  return p;
}

/// A JSON string as a std::string, or "<not a string>" (which no expectation matches).
inline std::string str(const rapidjson::Value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : "<not a string>";
}

/// A JSON text parsed; the caller checks the document's type.
inline rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  return d;
}

/// The status field of a CALLRESULT frame's payload; the test fails on anything else.
inline std::string status_of(const std::optional<std::string>& reply) {
  auto p = result_payload(reply);
  REQUIRE(p.HasMember("status"));
  return str(p["status"]);
}

/// The error code of a CALLERROR frame; the test fails on anything else.
inline std::string error_code(const std::optional<std::string>& reply) {
  REQUIRE(reply.has_value());
  auto d = parse(*reply);
  REQUIRE(d.IsArray());
  REQUIRE(d[0].GetInt() == 4);
  return str(d[2]);
}

/// An answer policy (Harness::policy) that holds the call: the CSMS never answers it.
inline std::optional<std::string> hold(const SentCall&) { return std::nullopt; }

/// "connectorId:status" of each StatusNotification.req from call `from` on, in order.
inline std::vector<std::string> statuses(const Harness& h, std::size_t from = 0) {
  std::vector<std::string> out;
  for (std::size_t i = from; i < h.calls.size(); ++i) {
    if (h.calls[i].action != "StatusNotification") continue;
    auto d = h.calls[i].json();
    out.push_back(std::to_string(d["connectorId"].GetInt()) + ":" + str(d["status"]));
  }
  return out;
}

/// Plugs in on `connector` and presents `id_tag` ("CARD<connector>" when empty); the test
/// fails unless the transaction starts.
inline void start_transaction(Harness& h, int connector, std::string id_tag = "") {
  if (id_tag.empty()) id_tag = "CARD" + std::to_string(connector);
  REQUIRE(!h.engine().plug_in(connector, h.now()));
  REQUIRE(!h.engine().present_id_tag(id_tag, connector, h.now()));
  h.pump();
  REQUIRE(h.engine().connector_state(connector)->transaction.has_value());
}

/// Opens (or reopens) a SQLite store at path; the test fails if it cannot.
inline std::unique_ptr<ocpp::Store> open_sqlite(const std::string& path) {
  ocpp::SqliteStoreOptions o;
  o.path = path;
  o.charge_point_id = "CP-TEST";
  auto r = ocpp::open_sqlite_store(o);
  REQUIRE(r.ok());
  return std::move(r.value());
}

}  // namespace test
