// What the thread-safe facade of every OCPP version (v16::ChargePoint, v201::ChargingStation)
// shares: the Runner client that steps a sans-I/O engine under a lock and runs its hooks with
// no lock held, the forwarding of transport events to the ConnectionManager and the engine,
// and the opening of the store.
//
// An engine type fits when it has handle_timeout(Now), poll_transmit(Now), poll_hook_call(),
// next_deadline(), receive(text, Now), connected(Now) and disconnected(Now).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/connection_manager.hpp"
#include "ocpp/error.hpp"
#include "ocpp/facade_config.hpp"
#include "ocpp/runner.hpp"
#include "ocpp/store.hpp"

namespace ocpp::core {

/// 64 random bits for message ids and the back-off jitter.
std::uint64_t random_seed();

/// The store a facade runs on: `given` when set, else SQLite at db_path (rows of `identity`),
/// else a memory store. Errors: those of open_sqlite_store().
Result<std::unique_ptr<Store>> open_store(std::unique_ptr<Store> given, const std::string& db_path,
                                          const std::string& identity);

/// The descriptors the charge points of the process need (a socket each, and the files of a
/// SQLite database of their own), counted against RLIMIT_NOFILE so that create() fails with
/// Errc::resource_exhausted rather than leaving a charge point whose connection can never
/// open. O(1): a process-wide counter, no look at /proc.
class DescriptorReservation {
 public:
  DescriptorReservation() = default;
  ~DescriptorReservation();
  DescriptorReservation(DescriptorReservation&& o) noexcept : n_(o.n_) { o.n_ = 0; }
  DescriptorReservation& operator=(DescriptorReservation&& o) noexcept {
    std::swap(n_, o.n_);
    return *this;
  }
  /// Reserves what a facade of this configuration needs. Errors: Errc::resource_exhausted
  /// when the charge points of the process would then need more than RLIMIT_NOFILE leaves
  /// beside kSpareDescriptors.
  std::error_code reserve(const FacadeConfig& config);

  /// Kept for everything else: stdio, the event loop's own, shared databases, the application.
  static constexpr long kSpareDescriptors = 32;

 private:
  long n_ = 0;
};

/// The connection settings of a facade's configuration, for one subprotocol.
ConnectionConfig connection_config(const FacadeConfig& config, std::string identity,
                                   std::string subprotocol, std::optional<SecurityProfile> profile);

/// The runner-side half of a facade over an engine of type E (see the top of this file). The
/// version derives from it for what is its own (attempt settings, security events, ...).
template <class E>
class Facade : public Runner::Client, public TransportEvents, public ConnectionManager::Host {
 public:
  explicit Facade(Runner& runner) : runner_(runner) {}

  // --- Runner::Client (runner thread) ---
  MonoTime step(Now now) override {
    connection_->step(now);
    // Nothing due: the runner steps it again on an API call or a transport event of its own.
    MonoTime wake = now.mono + std::chrono::hours(1);
    for (int round = 0; round < 64; ++round) {
      std::vector<std::string> out;
      std::vector<std::function<void()>> calls;
      {
        std::lock_guard<std::mutex> lk(m_);
        engine_->handle_timeout(now);
        while (auto t = engine_->poll_transmit(now)) out.push_back(std::move(*t));
        while (auto f = engine_->poll_hook_call()) calls.push_back(std::move(f));
        if (auto d = engine_->next_deadline()) wake = std::min(wake, *d);
      }
      for (auto& t : out) connection_->send(t);
      after_transmit(now);
      if (calls.empty()) break;
      for (auto& f : calls) f();  // no lock held: hooks may call back into the API
      now = now_from_system_clocks();
    }
    if (auto d = connection_->deadline()) wake = std::min(wake, *d);
    return wake;
  }

  void shutdown() override { connection_->shutdown(now_from_system_clocks()); }

  // --- TransportEvents (runner thread, inside IoLoop::poll) ---
  // Each event asks the runner to step this facade (and no other) right after the poll.
  void on_open(std::string_view subprotocol) override {
    runner_.wake(*this);
    connection_->on_open(subprotocol, now_from_system_clocks());
  }
  void on_message(std::string_view text) override {
    runner_.wake(*this);
    std::lock_guard<std::mutex> lk(m_);
    engine_->receive(text, now_from_system_clocks());
  }
  void on_close(std::error_code ec, std::string_view reason) override {
    runner_.wake(*this);
    connection_->on_close(ec, reason, now_from_system_clocks());
  }

  // --- ConnectionManager::Host (runner thread) ---
  void connection_opened(Now now) override {
    std::lock_guard<std::mutex> lk(m_);
    engine_->connected(now);
  }
  void connection_closed(Now now) override {
    std::lock_guard<std::mutex> lk(m_);
    engine_->disconnected(now);
  }
  void connection_log(int level, const std::string& message) override {
    if (log_) log_(level, message);
  }

  /// Runs op(engine, now) under the lock, then wakes the runner (any thread): the API's
  /// event methods. Returns what op returns.
  template <class F>
  auto with_engine(F&& op) {
    using R = decltype(op(*engine_, now_from_system_clocks()));
    if constexpr (std::is_void_v<R>) {
      {
        std::lock_guard<std::mutex> lk(m_);
        op(*engine_, now_from_system_clocks());
      }
      runner_.wake(*this);
    } else {
      R r = [&] {
        std::lock_guard<std::mutex> lk(m_);
        return op(*engine_, now_from_system_clocks());
      }();
      runner_.wake(*this);
      return r;
    }
  }

  /// Runs op(const engine) under the lock (any thread): the API's state queries.
  template <class F>
  auto read(F&& op) const {
    std::lock_guard<std::mutex> lk(m_);
    return op(static_cast<const E&>(*engine_));
  }

  /// Creates the connection manager (the engine must exist) and attaches `self` to the runner,
  /// which connects. Errors: those of ConnectionManager::create().
  static std::error_code start(const std::shared_ptr<Facade>& self, ConnectionConfig config) {
    auto manager = ConnectionManager::create(std::move(config), self->runner_.io(), *self, *self,
                                             random_seed());
    if (!manager) return manager.error();
    self->connection_ = std::move(manager.value());
    self->runner_.attach(self);
    return {};
  }

  /// Detaches from the runner (closing the connection on its thread). Not from a hook.
  static void stop(const std::shared_ptr<Facade>& self) {
    std::shared_ptr<Runner::Client> client = self;
    self->runner_.detach(client);
  }

 protected:
  /// After the engine's frames went out, before its hooks run (runner thread, no lock held).
  virtual void after_transmit(Now) {}

 public:
  // --- a new charging station certificate (1.6 whitepaper and 2.0.1 A02.FR.08, A02.FR.10) ---
  /// Attempts with a new certificate (or profile) before going back to the previous one.
  static constexpr unsigned kTrialAttempts = 3;
  /// A new client certificate is tried like a new profile (runner thread): the previous one
  /// stays in the provider until the new one has connected, and comes back if it never does.
  void start_certificate_trial(Now now) {
    if (!connection_) return;
    if (connection_->in_trial()) {
      // A profile trial is running: it goes on, now with the new certificate.
      connection_->reconnect(now);
      return;
    }
    if (connection_->try_configure(connection_->config(), kTrialAttempts, now)) {
      connection_->reconnect(now);
      return;
    }
    certificate_trial_ = true;
  }
  /// The end of a connection trial: true when it was a certificate's, then handled here (a
  /// failed one reverts the provider's certificate and records `event_type` with why).
  bool end_certificate_trial(bool succeeded, const std::string& why, Now now,
                             const char* event_type) {
    if (!certificate_trial_) return false;
    certificate_trial_ = false;
    if (succeeded) return true;
    auto* security = connection_->config().security.get();
    const auto ec = security ? security->revert_charging_station_certificate()
                             : std::error_code(make_error_code(SecurityErrc::not_found));
    std::string info = (ec ? "new charging station certificate failed to connect, no previous one "
                             "to go back to: "
                           : "new charging station certificate failed to connect, back to the "
                             "previous one: ") +
                       why;
    info.resize(std::min<std::size_t>(info.size(), 255));
    std::lock_guard<std::mutex> lk(m_);
    if (auto e2 = engine_->report_security_event(event_type, std::move(info), now))
      if (log_) log_(0, "cannot log security event: " + e2.message());
    return true;
  }
  bool certificate_trial_ = false;  // the connection's trial is of a new certificate

 public:
  Runner& runner_;
  std::function<void(int, const std::string&)> log_;  // the log hook, for connection lines
  std::unique_ptr<Store> store_;
  mutable std::mutex m_;  // guards engine_
  std::unique_ptr<E> engine_;
  std::unique_ptr<ConnectionManager> connection_;  // runner thread only
  DescriptorReservation descriptors_;
};

}  // namespace ocpp::core
