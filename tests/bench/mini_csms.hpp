// A minimal OCPP 1.6J CSMS for the benchmarks, on libwebsockets (server side), running on
// its own thread: subprotocol ocpp1.6, BootNotification answered Accepted, every other CALL
// answered at once with a valid CALLRESULT.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>

struct lws_context;

namespace bench {

class MiniCsms {
 public:
  MiniCsms();  ///< listens on 127.0.0.1 on a free port and starts its thread
  ~MiniCsms();
  MiniCsms(const MiniCsms&) = delete;
  MiniCsms& operator=(const MiniCsms&) = delete;

  int port() const { return port_; }
  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/ocpp"; }

  std::atomic<std::uint64_t> calls{0};  ///< CALLs answered
  std::atomic<std::uint64_t> boots{0};  ///< BootNotifications answered
  std::atomic<std::uint64_t> meter_values{0};

 private:
  void run();
  lws_context* ctx_ = nullptr;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// The CALLRESULT this CSMS sends for a message (empty when it is not a CALL), counted in
/// `counters` when given; v201: the connection's subprotocol is ocpp2.0.1.
std::string csms_reply(const char* data, std::size_t len, bool v201, MiniCsms* counters = nullptr);

/// The floor of the drain benchmark: a bare lws client in this process that sends `count`
/// CALLs (the given text with its message id replaced by a counter), one at a time, each after
/// the previous reply, to the CSMS at url. If on_reply is set it runs after each reply (e.g. a
/// bare durable SQLite write). Returns the elapsed seconds from connect to the last reply.
double floor_client_exchange(const std::string& host, int port, long count,
                             const std::string& call_prefix, const std::string& call_suffix,
                             void (*on_reply)(void*) = nullptr, void* arg = nullptr);

}  // namespace bench
