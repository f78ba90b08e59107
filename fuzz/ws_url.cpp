// Target ws_url: the CSMS URL parser of the libwebsockets transport. What it accepts must be
// what libwebsockets can be handed (host and path without control characters, a port in
// range), and printing the parts as a URL again must parse to the same parts.
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "transport/lws/ws_url.hpp"

namespace {

using ocpp::lws_transport::WsUrl;

bool printable(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  return true;
}

std::string print(const WsUrl& u) {
  std::string s = u.tls ? "wss://" : "ws://";
  s += u.ipv6_literal ? "[" + u.host + "]" : u.host;
  s += ":" + std::to_string(u.port);
  s += u.path;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto url = ocpp::lws_transport::parse_ws_url(text);
  if (!url) return 0;
  FUZZ_CHECK(!url->host.empty());
  FUZZ_CHECK_MSG(printable(url->host), url->host);
  FUZZ_CHECK(url->port >= 1 && url->port <= 65535);
  FUZZ_CHECK(!url->path.empty() && url->path.front() == '/');
  FUZZ_CHECK_MSG(printable(url->path), url->path);
  FUZZ_CHECK(url->path.find('#') == std::string::npos);
  FUZZ_CHECK(url->ipv6_literal == (url->host.find(':') != std::string::npos));
  const std::string again = print(*url);
  const auto back = ocpp::lws_transport::parse_ws_url(again);
  FUZZ_CHECK_MSG(back.has_value(), again);
  FUZZ_CHECK_MSG(back->tls == url->tls && back->host == url->host && back->port == url->port &&
                     back->path == url->path && back->ipv6_literal == url->ipv6_literal,
                 again);
  return 0;
}
