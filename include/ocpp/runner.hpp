// The runner: one library thread that drives the transport's event loop and every charge
// point attached to it. One runner can drive many charge points (a fleet simulator).
#pragma once

#include <functional>
#include <memory>
#include <system_error>

#include "ocpp/time.hpp"
#include "ocpp/transport.hpp"

namespace ocpp {

/// The library's thread: runs the IoLoop, steps every attached client (charge point) at its
/// deadlines and runs their hooks. Create it first, destroy it last.
class OCPP_API Runner {
 public:
  /// Something the runner drives (implemented by the library's charge points).
  class OCPP_API Client {
   public:
    virtual ~Client() = default;
    /// Does the client's due work; returns when it wants to be stepped again at the latest.
    /// Between deadlines the client is stepped only when something is for it: wake(client)
    /// from an API call or a transport event of its own.
    virtual MonoTime step(Now now) = 0;
    /// The runner stops: close connections cleanly.
    virtual void shutdown() = 0;
  };

  /// A runner on the given event loop; nullptr = the libwebsockets loop.
  explicit Runner(std::unique_ptr<IoLoop> io = nullptr);
  /// Stops the runner. Destroy every ChargePoint attached to it first.
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  /// Starts the library thread. Errors: Errc::invalid_state if it runs already;
  /// Errc::transport_error if the event loop could not be created (see error()).
  std::error_code start();
  /// Closes connections, waits for their close handshakes (at most 2 s), stops the thread and
  /// joins it. Idempotent. Must not be called from a
  /// hook (it would wait for itself); returns Errc::invalid_state then.
  std::error_code stop();
  /// True between start() and stop().
  bool running() const;
  /// Errc::transport_error when the default event loop (libwebsockets) could not be created,
  /// for instance for lack of file descriptors; then start() fails and connections fail at
  /// once. No error otherwise.
  std::error_code error() const;

  /// The event loop (for clients: connect() on the runner thread only).
  IoLoop& io();
  /// Makes the runner step all its clients soon. Safe from any thread.
  void wake();
  /// Makes the runner step this client soon (and no other). Safe from any thread; a client
  /// that is not attached is ignored.
  void wake(Client& client);
  /// Runs f on the runner thread and waits for it; runs it inline when called on the runner
  /// thread or when the runner is not running.
  void call_sync(const std::function<void()>& f);
  /// Adds or removes a client (any thread; remove waits until it is no longer being stepped).
  void attach(std::shared_ptr<Client> client);
  /// Removes a client, calling its shutdown() on the runner thread (see call_sync).
  void detach(const std::shared_ptr<Client>& client);
  /// True on the runner's own thread.
  bool on_runner_thread() const;

  class OCPP_LOCAL Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ocpp
