// An in-memory transport (IoLoop + Connection) with a fake CSMS attached to it.
//
// This is also the "bring your own transport" example: a host with its own WebSocket stack
// implements ocpp::IoLoop and ocpp::Connection like this, and passes the loop to ocpp::Runner.
// The rules it follows (ocpp/transport.hpp):
//   - connect() only records the attempt; its outcome (on_open or on_close) is delivered
//     later from poll(), never from inside connect() or send();
//   - poll(max_wait) waits on a condition variable until there is work or wake() was called;
//   - wake() may be called from any thread and makes the current or the next poll() return;
//   - destroying a Connection means no more events for it.
//
// The fake CSMS answers the charge point's CALLs (BootNotification, Heartbeat,
// StatusNotification, Authorize, StartTransaction, StopTransaction, MeterValues, anything
// else with {}), can hold every answer until released, can send CALLs to the charge point
// and can drop connections. Every frame both ways is recorded; accessors are thread-safe.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "ocpp/error.hpp"
#include "ocpp/time.hpp"
#include "ocpp/transport.hpp"

namespace test {

using namespace std::chrono_literals;

/// One recorded frame. outbound = sent by the charge point to the CSMS.
struct Frame {
  std::string cp_id;  ///< last path segment of the connection's URL
  int conn = 0;       ///< serial number of the connection (1, 2, ... per loop)
  bool outbound = true;
  std::string text;
  ocpp::MonoTime at{};
};

/// A CALL sent by the charge point, parsed.
struct Call {
  std::string cp_id;
  int conn = 0;
  std::string id;
  std::string action;
  std::string payload;  ///< JSON text
  ocpp::MonoTime at{};
  rapidjson::Document json() const {
    rapidjson::Document d;
    d.Parse(payload.c_str());
    return d;
  }
};

/// What connect() does.
struct ConnectOutcome {
  bool open = true;                 ///< false: the attempt fails (on_close with an error)
  std::string subprotocol = "ocpp1.6";
  std::error_code error = ocpp::make_error_code(ocpp::Errc::transport_error);
};

/// One recorded connect() call.
struct ConnectAttempt {
  ocpp::ConnectOptions options;
  std::string cp_id;
  int conn = 0;
  ocpp::MonoTime at{};
};

class MemoryIoLoop final : public ocpp::IoLoop {
  struct ConnState {
    int serial = 0;
    std::string cp_id;
    ocpp::TransportEvents* events = nullptr;
    bool alive = true;   // the Connection object exists
    bool open = false;   // on_open was delivered and no close yet
    bool closed = false; // a close/failure was queued: nothing more is delivered
  };
  struct Event {
    std::shared_ptr<ConnState> conn;
    enum Kind { open, message, close } kind = message;
    std::string text;
    std::error_code ec;
  };

  class MemoryConnection final : public ocpp::Connection {
   public:
    MemoryConnection(MemoryIoLoop& loop, std::shared_ptr<ConnState> st)
        : loop_(loop), st_(std::move(st)) {}
    ~MemoryConnection() override {
      std::lock_guard<std::mutex> lk(loop_.m_);
      st_->alive = false;
      st_->open = false;
      loop_.changed_.notify_all();
    }
    std::error_code send(std::string_view text) override {
      std::lock_guard<std::mutex> lk(loop_.m_);
      if (!st_->open || st_->closed) return ocpp::make_error_code(ocpp::Errc::transport_error);
      loop_.csms_receive_locked(st_, std::string(text));
      return {};
    }
    void close() override {
      std::lock_guard<std::mutex> lk(loop_.m_);
      if (st_->closed) return;
      st_->closed = true;
      loop_.events_.push_back(Event{st_, Event::close, "", std::error_code{}});
      loop_.cv_.notify_all();
    }

   private:
    MemoryIoLoop& loop_;
    std::shared_ptr<ConnState> st_;
  };

 public:
  MemoryIoLoop() { install_default_answers(); }

  // ---------------- ocpp::IoLoop ----------------
  std::unique_ptr<ocpp::Connection> connect(const ocpp::ConnectOptions& options,
                                            ocpp::TransportEvents& events) override {
    std::lock_guard<std::mutex> lk(m_);
    auto st = std::make_shared<ConnState>();
    st->serial = ++serial_;
    st->cp_id = options.url.substr(options.url.rfind('/') + 1);
    st->events = &events;
    attempts_.push_back(ConnectAttempt{options, st->cp_id, st->serial, std::chrono::steady_clock::now()});
    const ConnectOutcome out = connect_policy_ ? connect_policy_(options) : ConnectOutcome{};
    if (out.open) {
      events_.push_back(Event{st, Event::open, out.subprotocol, {}});
    } else {
      st->closed = true;
      events_.push_back(Event{st, Event::close, "refused", out.error});
    }
    conns_.push_back(st);
    cv_.notify_all();
    changed_.notify_all();
    return std::make_unique<MemoryConnection>(*this, st);
  }

  void poll(std::chrono::milliseconds max_wait) override {
    std::unique_lock<std::mutex> lk(m_);
    ++polls_;
    if (events_.empty() && !woken_) cv_.wait_for(lk, max_wait, [this] { return !events_.empty() || woken_; });
    woken_ = false;
    // Deliver what is queued now (not what the callbacks queue: that waits for the next poll).
    std::deque<Event> batch;
    batch.swap(events_);
    while (!batch.empty()) {
      Event e = std::move(batch.front());
      batch.pop_front();
      if (!e.conn->alive) continue;
      if (e.kind == Event::open) {
        if (e.conn->closed) continue;
        e.conn->open = true;
      } else if (e.kind == Event::message) {
        if (!e.conn->open) continue;
        record_locked(*e.conn, false, e.text);
      } else {
        e.conn->open = false;
        e.conn->closed = true;
      }
      ocpp::TransportEvents* ev = e.conn->events;
      changed_.notify_all();
      lk.unlock();  // callbacks run without the loop's lock: they call send()/close()
      switch (e.kind) {
        case Event::open: ev->on_open(e.text); break;
        case Event::message: ev->on_message(e.text); break;
        case Event::close: ev->on_close(e.ec, e.text); break;
      }
      lk.lock();
    }
  }

  void wake() override {
    std::lock_guard<std::mutex> lk(m_);
    woken_ = true;
    cv_.notify_all();
  }

  // ---------------- test control (any thread) ----------------
  /// Decides the outcome of each connect() (called with the loop's lock held: keep it simple).
  void set_connect_policy(std::function<ConnectOutcome(const ocpp::ConnectOptions&)> p) {
    std::lock_guard<std::mutex> lk(m_);
    connect_policy_ = std::move(p);
  }
  void set_boot_interval(int seconds) {
    std::lock_guard<std::mutex> lk(m_);
    boot_interval_ = seconds;
  }
  /// Answer policy for one action: returns the CALLRESULT payload.
  void set_answer(const std::string& action, std::function<std::string(const Call&)> f) {
    std::lock_guard<std::mutex> lk(m_);
    answers_[action] = std::move(f);
  }
  /// While holding, the CSMS answers nothing; release() sends what was held, in order.
  void hold(bool on) {
    std::lock_guard<std::mutex> lk(m_);
    holding_ = on;
    if (!on) {
      for (auto& h : held_) queue_locked(h.first, h.second);
      held_.clear();
    }
  }
  std::size_t held_count() const {
    std::lock_guard<std::mutex> lk(m_);
    return held_.size();
  }
  /// Sends a CALL from the CSMS to the charge point's current open connection. Returns the
  /// message id, or nullopt when it has none.
  std::optional<std::string> csms_call(const std::string& cp_id, const std::string& action,
                                       const std::string& payload) {
    std::lock_guard<std::mutex> lk(m_);
    auto st = current_open_locked(cp_id);
    if (!st) return std::nullopt;
    const std::string id = "csms-" + std::to_string(++csms_ids_);
    queue_locked(st, "[2,\"" + id + "\",\"" + action + "\"," + payload + "]");
    return id;
  }
  /// Drops the charge point's open connection (on_close with transport_error).
  bool drop(const std::string& cp_id) {
    std::lock_guard<std::mutex> lk(m_);
    auto st = current_open_locked(cp_id);
    if (!st) return false;
    st->closed = true;
    events_.push_back(Event{st, Event::close, "dropped by test",
                            ocpp::make_error_code(ocpp::Errc::transport_error)});
    cv_.notify_all();
    return true;
  }

  // ---------------- observation (any thread) ----------------
  std::vector<Frame> frames(const std::string& cp_id = {}) const {
    std::lock_guard<std::mutex> lk(m_);
    std::vector<Frame> out;
    for (const auto& f : frames_)
      if (cp_id.empty() || f.cp_id == cp_id) out.push_back(f);
    return out;
  }
  std::vector<Call> calls(const std::string& action = {}, const std::string& cp_id = {}) const {
    std::lock_guard<std::mutex> lk(m_);
    std::vector<Call> out;
    for (const auto& c : calls_)
      if ((action.empty() || c.action == action) && (cp_id.empty() || c.cp_id == cp_id)) out.push_back(c);
    return out;
  }
  std::size_t count(const std::string& action, const std::string& cp_id = {}) const {
    return calls(action, cp_id).size();
  }
  /// The charge point's reply frame to a CSMS CALL, if it arrived.
  std::optional<std::string> reply_to(const std::string& id) const {
    std::lock_guard<std::mutex> lk(m_);
    for (const auto& f : frames_) {
      if (!f.outbound) continue;
      rapidjson::Document d;
      d.Parse(f.text.c_str());
      if (d.IsArray() && d.Size() >= 2 && d[0].IsInt() && d[0].GetInt() != 2 && d[1].IsString() &&
          id == d[1].GetString())
        return f.text;
    }
    return std::nullopt;
  }
  std::vector<ConnectAttempt> attempts(const std::string& cp_id = {}) const {
    std::lock_guard<std::mutex> lk(m_);
    std::vector<ConnectAttempt> out;
    for (const auto& a : attempts_)
      if (cp_id.empty() || a.cp_id == cp_id) out.push_back(a);
    return out;
  }
  /// Connections whose Connection object still exists.
  int alive_connections() const {
    std::lock_guard<std::mutex> lk(m_);
    int n = 0;
    for (const auto& c : conns_) n += c->alive ? 1 : 0;
    return n;
  }
  int open_connections() const {
    std::lock_guard<std::mutex> lk(m_);
    int n = 0;
    for (const auto& c : conns_) n += (c->alive && c->open) ? 1 : 0;
    return n;
  }
  /// Frames protocol violations seen by the CSMS (unparseable frames, bad replies).
  std::vector<std::string> errors() const {
    std::lock_guard<std::mutex> lk(m_);
    return errors_;
  }
  int last_transaction_id() const {
    std::lock_guard<std::mutex> lk(m_);
    return next_transaction_id_ - 1;
  }
  std::thread::id last_poll_thread() const {
    std::lock_guard<std::mutex> lk(m_);
    return poll_thread_;
  }

 private:
  std::shared_ptr<ConnState> current_open_locked(const std::string& cp_id) {
    for (auto it = conns_.rbegin(); it != conns_.rend(); ++it)
      if ((*it)->cp_id == cp_id && (*it)->alive && (*it)->open && !(*it)->closed) return *it;
    return nullptr;
  }

  void record_locked(const ConnState& st, bool outbound, const std::string& text) {
    frames_.push_back(Frame{st.cp_id, st.serial, outbound, text, std::chrono::steady_clock::now()});
    changed_.notify_all();
  }

  void queue_locked(const std::shared_ptr<ConnState>& st, std::string text) {
    events_.push_back(Event{st, Event::message, std::move(text), {}});
    cv_.notify_all();
  }

  // The CSMS side: a frame from the charge point (runner thread, inside send()).
  void csms_receive_locked(const std::shared_ptr<ConnState>& st, std::string text) {
    poll_thread_ = std::this_thread::get_id();
    record_locked(*st, true, text);
    rapidjson::Document d;
    d.Parse(text.c_str());
    if (d.HasParseError() || !d.IsArray() || d.Size() < 3 || !d[0].IsInt() || !d[1].IsString()) {
      errors_.push_back(text);
      return;
    }
    if (d[0].GetInt() != 2) return;  // our CALL's CALLRESULT/CALLERROR: recorded only
    if (d.Size() != 4 || !d[2].IsString() || !d[3].IsObject()) {
      errors_.push_back(text);
      return;
    }
    Call c;
    c.cp_id = st->cp_id;
    c.conn = st->serial;
    c.id = d[1].GetString();
    c.action = d[2].GetString();
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    d[3].Accept(w);
    c.payload = sb.GetString();
    c.at = std::chrono::steady_clock::now();
    calls_.push_back(c);
    std::string payload = "{}";
    auto a = answers_.find(c.action);
    if (a != answers_.end() && a->second) payload = a->second(c);
    std::string reply = "[3,\"" + c.id + "\"," + payload + "]";
    if (holding_) {
      held_.emplace_back(st, std::move(reply));
    } else {
      queue_locked(st, std::move(reply));
    }
  }

  void install_default_answers() {
    const auto now_text = [] { return ocpp::format_datetime(std::chrono::system_clock::now()); };
    answers_["BootNotification"] = [this, now_text](const Call&) {
      return R"({"status":"Accepted","currentTime":")" + now_text() + R"(","interval":)" +
             std::to_string(boot_interval_) + "}";
    };
    answers_["Heartbeat"] = [now_text](const Call&) {
      return R"({"currentTime":")" + now_text() + "\"}";
    };
    answers_["Authorize"] = [](const Call&) { return std::string(R"({"idTagInfo":{"status":"Accepted"}})"); };
    answers_["StartTransaction"] = [this](const Call&) {
      return R"({"transactionId":)" + std::to_string(next_transaction_id_++) +
             R"(,"idTagInfo":{"status":"Accepted"}})";
    };
    answers_["StopTransaction"] = [](const Call&) { return std::string("{}"); };
    answers_["StatusNotification"] = [](const Call&) { return std::string("{}"); };
    answers_["MeterValues"] = [](const Call&) { return std::string("{}"); };
  }

  mutable std::mutex m_;
  std::condition_variable cv_;               // poll() waits on it
  mutable std::condition_variable changed_;  // notified on every recorded change
  std::deque<Event> events_;
  bool woken_ = false;
  int serial_ = 0;
  std::uint64_t polls_ = 0;
  std::vector<std::shared_ptr<ConnState>> conns_;
  std::vector<ConnectAttempt> attempts_;
  std::vector<Frame> frames_;
  std::vector<Call> calls_;
  std::vector<std::string> errors_;
  std::function<ConnectOutcome(const ocpp::ConnectOptions&)> connect_policy_;
  std::map<std::string, std::function<std::string(const Call&)>> answers_;
  bool holding_ = false;
  std::vector<std::pair<std::shared_ptr<ConnState>, std::string>> held_;
  int boot_interval_ = 300;
  int next_transaction_id_ = 1001;
  int csms_ids_ = 0;
  std::thread::id poll_thread_;
};

/// Polls pred every millisecond until it holds or the timeout passes; returns its last value.
/// The default is generous: a passing wait returns as soon as pred holds; the bound only ends
/// a failing one.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 10000ms) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= until) return pred();
    std::this_thread::sleep_for(1ms);
  }
}

/// A fresh folder under the system temp dir, removed with its contents at scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("ocpp-cp-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace test
