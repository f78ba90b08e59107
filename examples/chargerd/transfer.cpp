#include "transfer.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

constexpr const char* kFile = "file://";
constexpr const char* kHttp = "http://";

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

struct HttpUrl {
  std::string host;
  std::string port = "80";
  std::string path = "/";
};

bool parse_http(const std::string& url, HttpUrl& out) {
  std::string rest = url.substr(std::char_traits<char>::length(kHttp));
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) out.path = rest.substr(slash);
  const auto colon = authority.rfind(':');
  if (colon != std::string::npos) {
    out.port = authority.substr(colon + 1);
    authority.resize(colon);
  }
  out.host = authority;
  return !out.host.empty() && !out.port.empty();
}

// One HTTP/1.0 request (the server closes the connection after its answer); returns "" and
// the status code and body, or what went wrong.
std::string http_request(const std::string& method, const std::string& url, const std::string& body,
                         int& status, std::string& response_body) {
  HttpUrl u;
  if (!parse_http(url, u)) return "bad URL " + url;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(u.host.c_str(), u.port.c_str(), &hints, &res) != 0 || !res)
    return "cannot resolve " + u.host;
  int fd = ::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
  const bool connected = fd >= 0 && ::connect(fd, res->ai_addr, res->ai_addrlen) == 0;
  ::freeaddrinfo(res);
  if (!connected) {
    if (fd >= 0) ::close(fd);
    return "cannot connect to " + u.host + ":" + u.port;
  }
  std::ostringstream req;
  req << method << ' ' << u.path << " HTTP/1.0\r\nHost: " << u.host << ':' << u.port
      << "\r\nContent-Length: " << body.size() << "\r\nConnection: close\r\n\r\n"
      << body;
  const std::string out = req.str();
  for (std::size_t sent = 0; sent < out.size();) {
    const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      return "send failed";
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string in;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    in.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  const auto head_end = in.find("\r\n\r\n");
  const auto sp = in.find(' ');
  if (head_end == std::string::npos || sp == std::string::npos || sp + 4 > in.size())
    return "no HTTP answer";
  status = std::atoi(in.substr(sp + 1, 3).c_str());
  response_body = in.substr(head_end + 4);
  return "";
}

}  // namespace

std::string upload_file(const std::string& location, const std::string& file_name,
                        const std::string& content) {
  if (file_name.find('/') != std::string::npos) return "bad file name " + file_name;
  if (starts_with(location, kFile)) {
    std::string dir = location.substr(std::char_traits<char>::length(kFile));
    if (!dir.empty() && dir.back() == '/') dir.pop_back();
    std::ofstream out(dir + "/" + file_name, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    return out ? "" : "cannot write " + dir + "/" + file_name;
  }
  if (starts_with(location, kHttp)) {
    std::string url = location;
    if (url.back() != '/') url += '/';
    int status = 0;
    std::string body;
    if (auto err = http_request("PUT", url + file_name, content, status, body); !err.empty())
      return err;
    return status / 100 == 2 ? "" : "HTTP status " + std::to_string(status);
  }
  return "unsupported location " + location;
}

std::string download_file(const std::string& location, const std::string& dest) {
  std::string data;
  if (starts_with(location, kFile)) {
    const std::string src = location.substr(std::char_traits<char>::length(kFile));
    std::ifstream in(src, std::ios::binary);
    if (!in) return "cannot read " + src;
    std::ostringstream ss;
    ss << in.rdbuf();
    data = ss.str();
  } else if (starts_with(location, kHttp)) {
    int status = 0;
    if (auto err = http_request("GET", location, "", status, data); !err.empty()) return err;
    if (status != 200) return "HTTP status " + std::to_string(status);
  } else {
    return "unsupported location " + location;
  }
  std::ofstream out(dest, std::ios::binary | std::ios::trunc);
  out << data;
  out.flush();
  return out ? "" : "cannot write " + dest;
}
