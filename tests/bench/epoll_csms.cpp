#include "epoll_csms.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <unordered_map>

#include "mini_csms.hpp"

namespace bench {
namespace {

struct Peer {
  std::string in;
  std::string out;  // what the socket did not take yet
  bool upgraded = false;
  bool v201 = false;
  bool want_out = false;
};

// A request header's value (case-insensitive name), or empty.
std::string header(const std::string& req, const char* name) {
  const std::size_t n = std::strlen(name);
  for (std::size_t pos = req.find("\r\n"); pos != std::string::npos;
       pos = req.find("\r\n", pos + 2)) {
    const std::size_t line = pos + 2;
    if (req.size() >= line + n + 1 && strncasecmp(req.c_str() + line, name, n) == 0 &&
        req[line + n] == ':') {
      std::size_t v = line + n + 1;
      while (v < req.size() && req[v] == ' ') ++v;
      return req.substr(v, req.find("\r\n", v) - v);
    }
  }
  return {};
}

std::string accept_key(const std::string& key) {
  const std::string s = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest);
  unsigned char b64[64];
  const int n = EVP_EncodeBlock(b64, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(b64), static_cast<std::size_t>(n));
}

std::string frame(int opcode, const std::string& payload) {
  std::string f;
  f += static_cast<char>(0x80 | opcode);
  const std::size_t n = payload.size();
  if (n < 126) {
    f += static_cast<char>(n);
  } else if (n < 65536) {
    f += static_cast<char>(126);
    f += static_cast<char>(n >> 8);
    f += static_cast<char>(n & 0xff);
  } else {
    f += static_cast<char>(127);
    for (int i = 7; i >= 0; --i) f += static_cast<char>((n >> (8 * i)) & 0xff);
  }
  return f + payload;
}

class Server {
 public:
  explicit Server(int listen_fd) : lfd_(listen_fd), ep_(epoll_create1(EPOLL_CLOEXEC)) {
    add(lfd_, EPOLLIN);
  }

  void run(int stop_fd) {
    add(stop_fd, EPOLLIN);
    epoll_event evs[256];
    for (;;) {
      const int n = epoll_wait(ep_, evs, 256, -1);
      for (int i = 0; i < n; ++i) {
        const int fd = evs[i].data.fd;
        if (fd == stop_fd) return;
        if (fd == lfd_) {
          accept_all();
          continue;
        }
        if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
          drop(fd);
          continue;
        }
        if (evs[i].events & EPOLLOUT) flush(fd);
        if (evs[i].events & EPOLLIN) receive(fd);
      }
    }
  }

 private:
  void add(int fd, std::uint32_t events) {
    epoll_event e{};
    e.events = events;
    e.data.fd = fd;
    epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &e);
  }

  void accept_all() {
    for (;;) {
      const int fd = accept4(lfd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      peers_[fd];
      add(fd, EPOLLIN);
    }
  }

  void drop(int fd) {
    epoll_ctl(ep_, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    peers_.erase(fd);
  }

  void send(int fd, Peer& p, const std::string& data) {
    p.out += data;
    flush(fd);
  }

  void flush(int fd) {
    auto it = peers_.find(fd);
    if (it == peers_.end()) return;
    Peer& p = it->second;
    while (!p.out.empty()) {
      const ssize_t w = ::send(fd, p.out.data(), p.out.size(), MSG_NOSIGNAL);
      if (w < 0 && errno == EAGAIN) break;
      if (w <= 0) {
        drop(fd);
        return;
      }
      p.out.erase(0, static_cast<std::size_t>(w));
    }
    const bool want = !p.out.empty();
    if (want != p.want_out) {
      p.want_out = want;
      epoll_event e{};
      e.events = EPOLLIN | (want ? EPOLLOUT : 0u);
      e.data.fd = fd;
      epoll_ctl(ep_, EPOLL_CTL_MOD, fd, &e);
    }
  }

  void receive(int fd) {
    auto it = peers_.find(fd);
    if (it == peers_.end()) return;
    Peer& p = it->second;
    char buf[16384];
    for (;;) {
      const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
      if (r < 0 && errno == EAGAIN) break;
      if (r <= 0) {
        drop(fd);
        return;
      }
      p.in.append(buf, static_cast<std::size_t>(r));
    }
    if (!p.upgraded && !upgrade(fd, p)) return;
    frames(fd, p);
  }

  // The HTTP upgrade; false when the peer was dropped or the request is not complete yet.
  bool upgrade(int fd, Peer& p) {
    const std::size_t end = p.in.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    const std::string req = p.in.substr(0, end + 2);
    p.in.erase(0, end + 4);
    const std::string offered = header(req, "Sec-WebSocket-Protocol");
    const char* selected = offered.find("ocpp1.6") != std::string::npos     ? "ocpp1.6"
                           : offered.find("ocpp2.0.1") != std::string::npos ? "ocpp2.0.1"
                                                                            : nullptr;
    if (!selected) {
      drop(fd);
      return false;
    }
    p.v201 = std::strcmp(selected, "ocpp2.0.1") == 0;
    p.upgraded = true;
    send(fd, p,
         "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " +
             accept_key(header(req, "Sec-WebSocket-Key")) +
             "\r\nSec-WebSocket-Protocol: " + selected + "\r\n\r\n");
    return peers_.count(fd) != 0;
  }

  // Every complete (unfragmented, masked) frame in p.in.
  void frames(int fd, Peer& p) {
    for (;;) {
      if (p.in.size() < 2) return;
      const auto* b = reinterpret_cast<const unsigned char*>(p.in.data());
      const int opcode = b[0] & 0x0f;
      std::size_t len = b[1] & 0x7f;
      std::size_t pos = 2;
      if (len == 126) {
        if (p.in.size() < 4) return;
        len = (static_cast<std::size_t>(b[2]) << 8) | b[3];
        pos = 4;
      } else if (len == 127) {
        if (p.in.size() < 10) return;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
        pos = 10;
      }
      if (p.in.size() < pos + 4 + len) return;
      const unsigned char* mask = b + pos;
      std::string payload(p.in, pos + 4, len);
      for (std::size_t i = 0; i < len; ++i)
        payload[i] = static_cast<char>(payload[i] ^ mask[i % 4]);
      p.in.erase(0, pos + 4 + len);
      if (opcode == 1) {
        const std::string reply = csms_reply(payload.data(), payload.size(), p.v201);
        if (!reply.empty()) send(fd, p, frame(1, reply));
      } else if (opcode == 9) {
        send(fd, p, frame(10, payload));
      } else if (opcode == 8) {
        send(fd, p, frame(8, payload.substr(0, 2)));
        drop(fd);
        return;
      }
      if (!peers_.count(fd)) return;
    }
  }

  int lfd_;
  int ep_;
  std::unordered_map<int, Peer> peers_;
};

}  // namespace

CsmsChild start_epoll_csms_child() {
  const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof a;
  if (lfd < 0 || ::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(lfd, 65535) != 0 || ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &alen) != 0)
    die("epoll CSMS: cannot listen");
  int stop_pipe[2];
  if (pipe(stop_pipe) != 0) die("pipe");
  const pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    close(stop_pipe[1]);
    Server(lfd).run(stop_pipe[0]);
    _exit(0);
  }
  close(lfd);
  close(stop_pipe[0]);
  CsmsChild c;
  c.pid = pid;
  c.port = ntohs(a.sin_port);
  c.keep_fd = stop_pipe[1];
  return c;
}

}  // namespace bench
