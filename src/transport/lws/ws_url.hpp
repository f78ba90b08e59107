// Splitting ws:// and wss:// URLs into what lws_client_connect_info wants.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ocpp::lws_transport {

struct WsUrl {
  bool tls = false;
  bool ipv6_literal = false;
  std::string host;  ///< without the brackets of an IPv6 literal
  int port = 0;
  std::string path;  ///< starts with '/', query kept, fragment dropped
};

/// Returns nullopt for anything that is not an absolute ws:// or wss:// URL with a host.
std::optional<WsUrl> parse_ws_url(std::string_view url);

/// The Host header (and the name lws verifies the certificate against) for the URL: the
/// port only when it is not the scheme's default; an IPv6 literal bracketed over ws:// and
/// bare over wss:// (lws cuts the name at the first ':').
std::string host_header(const WsUrl& url);

}  // namespace ocpp::lws_transport
