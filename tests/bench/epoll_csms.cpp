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
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>

#include "bench_util.hpp"
#include "epoll_tls.hpp"
#include "mini_csms.hpp"

namespace bench {
namespace {

struct Peer {
  std::string in;
  std::string out;  // what the socket did not take yet
  bool upgraded = false;
  bool v201 = false;
  bool want_out = false;  // EPOLLOUT is watched
  // wss:// only: the session, whether its handshake is still running, and whether the last
  // SSL_read needs the socket writable before it can go on.
  SslPtr ssl;
  bool handshaking = false;
  bool read_wants_write = false;
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

std::string base64(const unsigned char* data, std::size_t size) {
  std::string b64(4 * ((size + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), data, static_cast<int>(size));
  b64.resize(static_cast<std::size_t>(n));
  return b64;
}

std::string accept_key(const std::string& key) {
  const std::string s = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest);
  return base64(digest, SHA_DIGEST_LENGTH);
}

// The Authorization header a charge point with this password sends on the request `req`: its
// identity is the last segment of the path ("GET /ocpp/CP-1 HTTP/1.1").
std::string basic_authorization(const std::string& req, const std::string& password) {
  const std::size_t end = req.find(' ', req.find(' ') + 1);
  const std::size_t slash = req.rfind('/', end);
  if (end == std::string::npos || slash == std::string::npos) return {};
  const std::string credentials = req.substr(slash + 1, end - slash - 1) + ":" + password;
  return "Basic " +
         base64(reinterpret_cast<const unsigned char*>(credentials.data()), credentials.size());
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
  Server(int listen_fd, SSL_CTX* tls, std::string password)
      : lfd_(listen_fd),
        ep_(epoll_create1(EPOLL_CLOEXEC)),
        tls_(tls),
        password_(std::move(password)) {
    add(lfd_, EPOLLIN);
  }

  // What the TLS handshakes agreed on, and the upgrades refused (printed at the end).
  void report() const {
    if (!tls_ && password_.empty()) return;
    long handshakes = 0;
    std::string agreed;
    for (const auto& [name, count] : tally_) {
      handshakes += count;
      agreed += "; " + std::to_string(count) + " " + name;
    }
    const double cpu = cpu_seconds();
    std::printf(
        "# epoll CSMS: %ld TLS handshakes%s; %ld failed; %ld upgrades refused (401); "
        "its CPU %.2f s\n",
        handshakes, agreed.c_str(), failed_handshakes_, refused_, cpu);
    std::fflush(stdout);
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
        if (tls_) {
          tls_service(fd);
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
      Peer& p = peers_[fd];
      if (tls_) {
        // The client speaks first: the handshake starts at its first readable event.
        p.ssl = accept_tls(tls_, fd);
        p.handshaking = true;
      }
      add(fd, EPOLLIN);
    }
  }

  void drop(int fd) {
    epoll_ctl(ep_, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    auto it = peers_.find(fd);
    if (it != peers_.end() && it->second.handshaking) ++failed_handshakes_;
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
    if (p.ssl) {
      tls_flush(fd, p);
      return;
    }
    while (!p.out.empty()) {
      const ssize_t w = ::send(fd, p.out.data(), p.out.size(), MSG_NOSIGNAL);
      if (w < 0 && errno == EAGAIN) break;
      if (w <= 0) {
        drop(fd);
        return;
      }
      p.out.erase(0, static_cast<std::size_t>(w));
    }
    watch_out(fd, p, !p.out.empty());
  }

  // Watches EPOLLOUT (besides EPOLLIN) or not.
  void watch_out(int fd, Peer& p, bool want) {
    if (want != p.want_out) {
      p.want_out = want;
      epoll_event e{};
      e.events = EPOLLIN | (want ? EPOLLOUT : 0u);
      e.data.fd = fd;
      epoll_ctl(ep_, EPOLL_CTL_MOD, fd, &e);
    }
  }

  // A wss:// peer, on any event: OpenSSL decides what it needs next (a read may have to write
  // and a write may have to read), so each event runs the handshake or the reads, then the
  // writes, and EPOLLOUT is watched while the last call wanted the socket writable.
  void tls_service(int fd) {
    auto it = peers_.find(fd);
    if (it == peers_.end()) return;
    Peer& p = it->second;
    p.read_wants_write = false;
    if (p.handshaking) {
      const TlsStatus s = tls_handshake(p.ssl.get());
      if (s == TlsStatus::closed) {
        drop(fd);
        return;
      }
      if (s != TlsStatus::done) {
        watch_out(fd, p, s == TlsStatus::want_write);
        return;
      }
      p.handshaking = false;
      ++tally_[tls_session_name(p.ssl.get())];
    }
    char buf[16384];
    for (;;) {
      const TlsIo r = tls_read(p.ssl.get(), buf, sizeof buf);
      if (r.status == TlsStatus::done) {
        p.in.append(buf, r.bytes);
        continue;
      }
      if (r.status == TlsStatus::closed) {
        drop(fd);
        return;
      }
      p.read_wants_write = r.status == TlsStatus::want_write;
      break;
    }
    if (p.upgraded || upgrade(fd, p)) frames(fd, p);
    if (peers_.count(fd)) tls_flush(fd, p);
  }

  void tls_flush(int fd, Peer& p) {
    bool want_write = p.read_wants_write;
    while (!p.out.empty()) {
      const TlsIo w = tls_write(p.ssl.get(), p.out.data(), p.out.size());
      if (w.status == TlsStatus::done) {
        p.out.erase(0, w.bytes);
        continue;
      }
      if (w.status == TlsStatus::closed) {
        drop(fd);
        return;
      }
      // want_read: retried after the next read (tls_service ends with a flush).
      want_write = want_write || w.status == TlsStatus::want_write;
      break;
    }
    watch_out(fd, p, want_write);
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
    if (!password_.empty() && header(req, "Authorization") != basic_authorization(req, password_)) {
      ++refused_;
      send(fd, p, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
      if (peers_.count(fd)) drop(fd);
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
  SSL_CTX* tls_;  // null: ws://
  std::string password_;
  std::unordered_map<int, Peer> peers_;
  TlsTally tally_;
  long failed_handshakes_ = 0;
  long refused_ = 0;
};

}  // namespace

CsmsChild start_epoll_csms_child(const EpollCsmsOptions& options) {
  // Made before the fork, so that a certificate that cannot be loaded stops the benchmark.
  SslCtxPtr tls;
  if (!options.cert_file.empty()) tls = make_server_tls(options.cert_file, options.key_file);
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
    Server server(lfd, tls.get(), options.password);
    server.run(stop_pipe[0]);
    server.report();
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
