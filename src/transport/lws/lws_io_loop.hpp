// The libwebsockets IoLoop with a chosen name resolver (tests use a slow or failing one).
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
