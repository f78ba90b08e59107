// The floor of the fleet benchmarks (bench_fleet_lws, bench_fleet_tls): a bare libwebsockets
// client in this process that opens `count` WebSocket connections (subprotocol ocpp1.6) to the
// CSMS, at most 1,000 handshakes at a time, sends one BootNotification frame on each as soon
// as it is open and waits for every reply: what the same handshakes and frames cost without
// the library. Over wss:// (FloorOptions::ca_file) it is lws with OpenSSL verifying the server
// against that CA, and with a password each upgrade carries HTTP Basic auth, as a charge point
// of security profile 2 does. After the last reply it stays connected and idle; the caller
// measures memory and descriptors in between (see FloorFleet).
#pragma once

#include <string>

struct lws_context;

namespace bench {

struct FloorOptions {
  /// Not empty: wss://, the server's certificate verified against this CA file (set on the lws
  /// client context, so every connection shares one SSL_CTX, as the library's do).
  std::string ca_file;
  /// Not empty: each upgrade carries "Authorization: Basic base64(FLOOR-<i>:<password>)".
  std::string password;
};

class FloorFleet {
 public:
  /// Creates the lws client context (no connection yet).
  explicit FloorFleet(const FloorOptions& options = {});
  ~FloorFleet();
  FloorFleet(const FloorFleet&) = delete;
  FloorFleet& operator=(const FloorFleet&) = delete;

  /// Opens `count` connections to host:port (path /ocpp/FLOOR-<i>), sends a BootNotification
  /// on each and services the loop until every reply is in. Returns the seconds from the
  /// first connect to the last reply; dies if a connection fails.
  double boot(const std::string& host, int port, int count);
  /// Services the (idle) connections for `seconds`.
  void idle(double seconds);
  /// Closes every connection and destroys the context; returns the seconds it took.
  double close_all();

  struct State;

 private:
  lws_context* ctx_ = nullptr;
  State* st_ = nullptr;
  bool tls_ = false;
};

}  // namespace bench
