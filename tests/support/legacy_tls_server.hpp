// A TLS server that a charge point must refuse (Security Whitepaper A00.FR.315, A00.FR.322):
// one that speaks only TLS 1.1, or only CBC cipher suites. Plain OpenSSL on a thread: it
// accepts TCP connections and runs the server side of the handshake, which fails.
#pragma once

#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "support/test_pki.hpp"

namespace test_support {

class LegacyTlsServer {
 public:
  enum class Mode { tls11_only, cbc_only };

  explicit LegacyTlsServer(Mode mode) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    REQUIRE(ctx_);
    // Old versions and suites need OpenSSL's lowest security level.
    SSL_CTX_set_security_level(ctx_, 0);
    if (mode == Mode::tls11_only) {
      SSL_CTX_set_min_proto_version(ctx_, TLS1_1_VERSION);
      SSL_CTX_set_max_proto_version(ctx_, TLS1_1_VERSION);
    } else {
      SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
      SSL_CTX_set_max_proto_version(ctx_, TLS1_2_VERSION);
      REQUIRE(SSL_CTX_set_cipher_list(ctx_, "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA") == 1);
    }
    root_ = test_pki::make_root("Legacy CSMS Root", 1);
    leaf_ = test_pki::issue(root_, "127.0.0.1", 2, false, {}, "IP:127.0.0.1");
    REQUIRE(SSL_CTX_use_certificate(ctx_, leaf_.x.get()) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey(ctx_, leaf_.key.get()) == 1);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~LegacyTlsServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  int port() const { return port_; }
  /// The root that issued the server's certificate (the charge point's CA file).
  std::string root_pem() const { return root_.pem(); }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, c);
      (void)SSL_accept(ssl);  // fails: the alert goes to the client
      SSL_free(ssl);
      ::close(c);
    }
  }

  SSL_CTX* ctx_ = nullptr;
  test_pki::Cert root_;
  test_pki::Cert leaf_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace test_support
