// Why a client connection failed before it opened, as the close reason the host sees. The
// reasons of security failures start with the kClose... prefixes of ocpp/transport.hpp, so the
// connection manager can raise the whitepaper's security events (section 8).
#pragma once

#include <string>
#include <utility>

#include "ocpp/error.hpp"
#include "transport/lws/tls_contexts.hpp"

namespace ocpp::lws_transport {

/// What libwebsockets and OpenSSL said about a failed connection attempt.
struct ConnectFailure {
  bool tls = false;               ///< a wss:// connection
  std::string error;              ///< libwebsockets' connection error text
  std::string server_cert_error;  ///< OpenSSL's verification error of the server certificate
  TlsAlert alert;                 ///< the last TLS alert on the thread
  const void* ssl = nullptr;      ///< the connection's SSL object (to match the alert)
  unsigned http_status = 0;       ///< the HTTP status of the upgrade's answer, 0 if none
};

/// The error code and reason to report for a failed attempt (not for a subprotocol refusal,
/// which the caller tells apart first).
std::pair<Errc, std::string> describe(const ConnectFailure& f);

/// Why a connection attempt that lws could not even start failed, when the process is out of
/// a resource: a probe socket fails with EMFILE/ENFILE (descriptors) or ENOBUFS/ENOMEM
/// (memory), or gets a descriptor number at or beyond `loop_fds`, the size of the event
/// loop's descriptor table (fixed by RLIMIT_NOFILE when the loop was created). Empty when
/// none of these holds.
std::string resource_shortage(long loop_fds);

}  // namespace ocpp::lws_transport
