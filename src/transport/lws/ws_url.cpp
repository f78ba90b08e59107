#include "transport/lws/ws_url.hpp"

#include <cctype>

namespace ocpp::lws_transport {
namespace {

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

std::optional<int> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > 65535) return std::nullopt;
  return v;
}

}  // namespace

std::optional<WsUrl> parse_ws_url(std::string_view url) {
  WsUrl out;
  if (iequals_prefix(url, "wss://")) {
    out.tls = true;
    url.remove_prefix(6);
  } else if (iequals_prefix(url, "ws://")) {
    url.remove_prefix(5);
  } else {
    return std::nullopt;
  }
  out.port = out.tls ? 443 : 80;

  const auto auth_end = url.find_first_of("/?#");
  std::string_view authority = url.substr(0, auth_end);
  std::string_view rest =
      auth_end == std::string_view::npos ? std::string_view{} : url.substr(auth_end);

  // Credentials belong in ConnectOptions, never in the URL where they would end up in logs.
  if (authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view host;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
      if (port.empty()) return std::nullopt;
    }
    if (host.find(':') == std::string_view::npos) return std::nullopt;
    out.ipv6_literal = true;
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
  }
  if (host.empty()) return std::nullopt;
  // No control characters: the host goes to libwebsockets as a C string (a NUL would cut it
  // short) and into the Host header.
  for (char c : host) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '/' || c == '[' || c == ']') return std::nullopt;
  }
  if (!port.empty()) {
    auto p = parse_port(port);
    if (!p) return std::nullopt;
    out.port = *p;
  }
  out.host = std::string(host);

  const auto hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  if (rest.empty() || rest.front() != '/') {
    out.path = "/" + std::string(rest);
  } else {
    out.path = std::string(rest);
  }
  for (char c : out.path) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return std::nullopt;
  }
  return out;
}

std::string host_header(const WsUrl& url) {
  const bool default_port = url.port == (url.tls ? 443 : 80);
  if (url.ipv6_literal) {
    std::string h = url.tls ? url.host : "[" + url.host + "]";
    if (!url.tls && !default_port) h += ":" + std::to_string(url.port);
    return h;
  }
  return default_port ? url.host : url.host + ":" + std::to_string(url.port);
}

}  // namespace ocpp::lws_transport
