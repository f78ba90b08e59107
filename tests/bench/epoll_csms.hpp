// The fleet benchmark's CSMS: a small WebSocket server on epoll (no libwebsockets), so that
// accepting N connections costs O(N) and the CSMS is never what a boot storm measures (an lws
// server keeps a sorted list of per-connection timeouts: O(N) per accept). Subprotocols
// ocpp1.6 and ocpp2.0.1; CALLs answered as MiniCsms does (csms_reply); pings answered; no TLS.
// It runs in a child process (start_epoll_csms_child), so neither its memory nor its CPU
// is counted in the process being measured.
#pragma once

#include "csms_child.hpp"

namespace bench {

/// Forks the CSMS: it listens on 127.0.0.1 on a free port (returned in CsmsChild::port) until
/// stop_child(). Raise RLIMIT_NOFILE before: the child inherits it.
CsmsChild start_epoll_csms_child();

}  // namespace bench
