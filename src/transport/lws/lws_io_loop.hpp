// The libwebsockets IoLoop with a chosen name resolver (tests use a slow or failing one).
//
// Design notes (the why):
// - Every lws callback only records what happened; TransportEvents are delivered after
//   lws_service() returns. The host may then send, close, destroy connections or open new
//   ones from inside its callbacks without re-entering lws.
// - The per-connection state (ConnState) is shared between the Connection handle and the
//   loop. The loop keeps it alive for as long as lws may call back with it as user data
//   (until LWS_CALLBACK_WSI_DESTROY, or until a connect attempt failed synchronously), so a
//   destroyed handle never leaves lws with a dangling pointer; the handle only clears the
//   events pointer and asks lws to drop the socket.
// - lws_client_connect_via_info() resolves names with a blocking getaddrinfo() in this lws
//   build, so names are resolved on the Resolver's thread first and lws only ever sees
//   numeric addresses; when one address fails to connect, the next is tried. It may also call
//   back synchronously, so connect() only queues the attempt; poll() starts it.
// - lws 4.1 ignores lws_service()'s timeout and sleeps until the next scheduled event, so
//   poll() schedules its own wake-up to honour max_wait.
// - Pings are driven by our own timer instead of lws's validity policy, because only then
//   can a dead peer be reported as "pong timeout" rather than a generic close.
// - Every per-connection deadline (connect timeout, pings, a close's grace time) is in our
//   own heap (timer_heap.hpp), never an lws per-wsi timer: lws keeps those in one sorted list
//   whose insertion is O(N), which made a fleet's boot storm O(N²).
// - TLS contexts (one vhost each, renewed when the certificate files change) are managed by
//   TlsContexts (tls_contexts.hpp); a connection holds its context until the loop forgets it.
#pragma once

#include <memory>

#include "ocpp/transport.hpp"
#include "transport/lws/resolver.hpp"

namespace ocpp::lws_transport {

/// As ocpp::make_lws_io_loop(), resolving host names with `resolve` (nullptr: getaddrinfo).
std::unique_ptr<IoLoop> make_lws_io_loop(ResolveFn resolve);

/// TLS contexts the libwebsockets loop keeps (current or in use); 0 for another loop. For tests.
std::size_t tls_context_count(IoLoop& loop);

}  // namespace ocpp::lws_transport
