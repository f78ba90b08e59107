// Host-name resolution off the library thread.
//
// libwebsockets 4.1 as Debian builds it has no asynchronous DNS: it calls getaddrinfo() on the
// thread that services the loop, so one slow DNS server would stall every charge point on the
// Runner. Names are resolved here on a worker thread (started at the first name, not for IP
// literals) and lws is handed numeric addresses only.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ocpp::lws_transport {

/// Resolves one host name to its numeric addresses, preferred first. Empty with `error` set
/// when the name does not resolve. Called on the worker thread.
using ResolveFn = std::function<std::vector<std::string>(const std::string& host, std::string& error)>;

/// getaddrinfo() for TCP; IPv4 addresses before IPv6 ones, each family in the resolver's order.
std::vector<std::string> system_resolve(const std::string& host, std::string& error);

/// True for a numeric IPv4 or IPv6 address (which needs no resolution).
bool is_ip_literal(const std::string& host);

class Resolver {
 public:
  struct Result {
    std::uint64_t ticket = 0;
    std::vector<std::string> addresses;
    std::string error;
  };

  /// `notify` is called on the worker thread after each result (to wake the loop).
  Resolver(std::function<void()> notify, ResolveFn fn);
  /// Does not wait for a lookup in progress: the worker finishes it on its own and exits.
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  /// Queues a lookup; its Result comes back from take() with the same ticket.
  void request(std::uint64_t ticket, std::string host);
  /// The results so far, in completion order.
  std::vector<Result> take();

 private:
  struct State;
  static void run(const std::shared_ptr<State>& state);
  std::shared_ptr<State> state_;
};

}  // namespace ocpp::lws_transport
