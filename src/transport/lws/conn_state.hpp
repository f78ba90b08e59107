// The state of one libwebsockets client connection (lws_io_loop.cpp), shared between the
// Connection handle and the loop: the loop keeps it for as long as lws may call back with it
// as user data.
#pragma once

#include <libwebsockets.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "ocpp/transport.hpp"
#include "transport/lws/tls_contexts.hpp"
#include "transport/lws/ws_url.hpp"

namespace ocpp::lws_transport {

using Clock = std::chrono::steady_clock;

enum class Phase { pending, resolving, connecting, open, closing, done };

struct ConnState : std::enable_shared_from_this<ConnState> {
  IoLoop* loop = nullptr;  // the lws loop that owns it; null once the loop forgot it
  TransportEvents* events = nullptr;
  WsUrl url;
  std::string host_header;
  TlsSettings tls;
  std::uint64_t tls_id = 0;  // the TLS context in use, released when the loop forgets st
  std::string offered;       // comma-separated, as sent in Sec-WebSocket-Protocol
  std::vector<std::string> offered_list;
  std::string authorization;  // complete header value, empty when no Basic auth
  std::chrono::seconds ping_interval{0};
  std::chrono::seconds connect_timeout{30};
  // The cap keeps a hostile or broken server from exhausting memory by streaming one endless
  // message.
  std::size_t max_message = kDefaultMaxMessageSize;

  // Numeric addresses of url.host, tried in order; empty until resolved.
  std::vector<std::string> addresses;
  std::size_t address_index = 0;
  bool retry_next_address = false;  // this attempt failed; the next address follows
  std::uint64_t ticket = 0;         // of the lookup in progress
  Clock::time_point resolve_deadline{};

  lws* wsi = nullptr;
  Phase phase = Phase::pending;
  bool counted_connecting = false;  // counted among the loop's attempts in progress
  bool close_reported = false;
  bool close_requested = false;  // by the host, through Connection::close()
  bool detached = false;         // the Connection handle is gone
  bool close_sent = false;       // our close frame went out; waiting for the server's
  bool ping_due = false;
  bool ping_outstanding = false;
  // The status our close frame carries; 1009 after an oversized message, 1007 after one that
  // is not UTF-8.
  lws_close_status close_status = LWS_CLOSE_STATUS_NORMAL;
  Clock::time_point ping_sent{};
  std::uint64_t timer = 0;  // generation of its entry in the loop's TimerHeap; 0 = none
  std::string selected;
  std::string peer_close;
  // Why OpenSSL refused the server's certificate, when it did: the connection error that
  // follows says only that the handshake failed.
  std::string server_cert_error;
  std::string rx;
  std::deque<std::vector<unsigned char>> tx;  // each with LWS_PRE bytes of headroom
  std::size_t tx_bytes = 0;                   // payload bytes in tx
};

}  // namespace ocpp::lws_transport
