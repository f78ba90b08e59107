// The fleet benchmark's CSMS: a small WebSocket server on epoll (no libwebsockets), so that
// accepting N connections costs O(N) and the CSMS is never what a boot storm measures (an lws
// server keeps a sorted list of per-connection timeouts: O(N) per accept). Subprotocols
// ocpp1.6 and ocpp2.0.1; CALLs answered as MiniCsms does (csms_reply); pings answered.
// Plain ws:// by default; wss:// with a certificate and key (OpenSSL, non-blocking handshakes,
// reads and writes driven by the same epoll loop: epoll_tls.hpp), optionally requiring HTTP
// Basic auth on the upgrade. It runs in a child process (start_epoll_csms_child), so neither
// its memory nor its CPU is counted in the process being measured.
#pragma once

#include <string>

#include "csms_child.hpp"

namespace bench {

struct EpollCsmsOptions {
  /// Not empty: serve wss:// with this certificate chain (PEM, leaf first) and key file.
  std::string cert_file;
  std::string key_file;
  /// Not empty: an upgrade must carry "Authorization: Basic base64(<identity>:<password>)",
  /// the identity being the last segment of its path; any other is answered 401.
  std::string password;
};

/// Forks the CSMS: it listens on 127.0.0.1 on a free port (returned in CsmsChild::port) until
/// stop_child(). Raise RLIMIT_NOFILE before: the child inherits it. With TLS it prints, when it
/// stops, how many handshakes agreed on each protocol version and cipher suite, and how many
/// upgrades it refused.
CsmsChild start_epoll_csms_child(const EpollCsmsOptions& options = {});

}  // namespace bench
