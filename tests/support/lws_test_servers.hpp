// Test peers for the libwebsockets IoLoop, on 127.0.0.1:
// - LwsTestServer: a WebSocket server built on lws itself (echo, Basic-auth capture,
//   close on demand, TLS with a certificate generated here, pause to starve pongs);
// - RawTestServer: a few lines of plain sockets for what lws will not do as a server
//   (answer the upgrade without our subprotocol or with a foreign one, or never answer).
#pragma once

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include "ocpp/error.hpp"
#include "ocpp/transport.hpp"
#include "support/temp_dir.hpp"

namespace lws_test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------
// Certificates

using test_support::TempDir;

// Writes a self-signed P-256 certificate (for IP 127.0.0.1 unless `san` says otherwise) and
// its key as PEM files.
inline void make_self_signed(const std::string& cert_path, const std::string& key_path, long serial,
                             const char* san = "IP:127.0.0.1") {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  REQUIRE(key != nullptr);
  X509* x = X509_new();
  REQUIRE(x != nullptr);
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair<int, const char*>{NID_subject_alt_name, san},
                            {NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    REQUIRE(ext != nullptr);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  REQUIRE(X509_sign(x, key, EVP_sha256()) > 0);

  FILE* f = std::fopen(cert_path.c_str(), "w");
  REQUIRE(f != nullptr);
  PEM_write_X509(f, x);
  std::fclose(f);
  f = std::fopen(key_path.c_str(), "w");
  REQUIRE(f != nullptr);
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(x);
  EVP_PKEY_free(key);
}

inline std::string base64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// ---------------------------------------------------------------------------------------
// WebSocket server on lws, serviced on its own thread.

class LwsTestServer {
 public:
  struct Tls {
    Tls() = default;
    Tls(std::string cert_file, std::string key_file) : cert(std::move(cert_file)), key(std::move(key_file)) {}
    std::string cert;
    std::string key;
    /// Non-empty: a client certificate issued by this CA (PEM file) is required and checked.
    std::string client_ca;
    /// Non-empty: the server's TLS 1.2 cipher suites (OpenSSL syntax).
    std::string cipher_list;
    bool tls12_only = false;  ///< no TLS 1.3, so that cipher_list decides
  };

  explicit LwsTestServer(const Tls* tls = nullptr) {
    lws_set_log_level(LLL_ERR, nullptr);
    protocols_[0].name = "ocpp1.6";
    protocols_[0].callback = &LwsTestServer::callback;
    protocols_[0].per_session_data_size = sizeof(Session*);

    // lws 4.1 leaks the client SSL_CTX it builds for a TLS server vhost; the server never
    // connects out, so it gets an empty one of ours that is freed below.
    client_ssl_ = tls ? SSL_CTX_new(TLS_client_method()) : nullptr;
    lws_context_creation_info info;
    std::memset(&info, 0, sizeof info);
    // IPv4 only, so that iface really binds 127.0.0.1 and other loopback addresses refuse.
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6 | (tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0);
    info.port = 0;
    info.iface = "127.0.0.1";
    info.protocols = protocols_;
    info.vhost_name = "test-server";
    info.gid = -1;
    info.uid = -1;
    info.user = this;
    if (tls) {
      info.ssl_cert_filepath = tls->cert.c_str();
      info.ssl_private_key_filepath = tls->key.c_str();
      info.provided_client_ssl_ctx = client_ssl_;
      if (!tls->client_ca.empty()) {
        info.options |= LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT;
        info.ssl_ca_filepath = tls->client_ca.c_str();
      }
      if (!tls->cipher_list.empty()) info.ssl_cipher_list = tls->cipher_list.c_str();
      if (tls->tls12_only) info.ssl_options_set = SSL_OP_NO_TLSv1_3;
    }
    ctx_ = lws_create_context(&info);
    REQUIRE(ctx_ != nullptr);
    lws_vhost* vh = lws_get_vhost_by_name(ctx_, "test-server");
    REQUIRE(vh != nullptr);
    port_ = lws_get_vhost_listen_port(vh);
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { run(); });
  }

  ~LwsTestServer() {
    stop_ = true;
    lws_cancel_service(ctx_);
    thread_.join();
    lws_context_destroy(ctx_);
    SSL_CTX_free(client_ssl_);
  }

  int port() const { return port_; }

  std::string authorization() {
    std::lock_guard<std::mutex> lock(mu_);
    return authorization_;
  }
  std::string path() {
    std::lock_guard<std::mutex> lock(mu_);
    return path_;
  }
  /// The CN of the client certificate of the last connection ("" without one).
  std::string peer_cn() {
    std::lock_guard<std::mutex> lock(mu_);
    return peer_cn_;
  }
  int connections() const { return connections_.load(); }
  // The status code of the last close frame a client sent (0 before any).
  int peer_close_code() const { return peer_close_code_.load(); }

  void close_all() {
    close_all_ = true;
    lws_cancel_service(ctx_);
  }
  // Stops servicing the socket: the kernel still accepts bytes, nothing is answered.
  void pause() {
    paused_ = true;
    lws_cancel_service(ctx_);
  }
  void resume() { paused_ = false; }

 private:
  struct Session {
    std::string rx;
    std::deque<std::string> out;
  };

  void run() {
    while (!stop_) {
      if (paused_) {
        std::this_thread::sleep_for(5ms);
        continue;
      }
      lws_service(ctx_, 0);
    }
  }

  static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
    // lws asks protocol 0 to judge a client certificate, with a stand-in wsi, and accepts
    // whatever it is not told to refuse: refuse what OpenSSL could not verify (len is
    // preverify_ok).
    if (reason == LWS_CALLBACK_OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION) return len ? 0 : 1;
    auto* self = static_cast<LwsTestServer*>(lws_context_user(lws_get_context(wsi)));
    auto** pss = static_cast<Session**>(user);
    switch (reason) {
      case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        std::lock_guard<std::mutex> lock(self->mu_);
        const int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
        self->authorization_.assign(n > 0 ? static_cast<std::size_t>(n) + 1 : 0, '\0');
        if (n > 0) {
          lws_hdr_copy(wsi, self->authorization_.data(), n + 1, WSI_TOKEN_HTTP_AUTHORIZATION);
          self->authorization_.resize(static_cast<std::size_t>(n));
        }
        const int p = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI);
        self->path_.assign(p > 0 ? static_cast<std::size_t>(p) + 1 : 0, '\0');
        if (p > 0) {
          lws_hdr_copy(wsi, self->path_.data(), p + 1, WSI_TOKEN_GET_URI);
          self->path_.resize(static_cast<std::size_t>(p));
        }
        // Here, before the upgrade is answered, so that a client that saw it open can ask.
        self->peer_cn_.clear();
        if (SSL* ssl = lws_get_ssl(wsi)) {
          if (X509* peer = SSL_get1_peer_certificate(ssl)) {
            char buf[256] = {};
            X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, buf, sizeof buf);
            self->peer_cn_ = buf;
            X509_free(peer);
          }
        }
        return 0;
      }
      case LWS_CALLBACK_ESTABLISHED:
        *pss = new Session;
        ++self->connections_;
        return 0;
      case LWS_CALLBACK_RECEIVE: {
        Session* s = *pss;
        s->rx.append(static_cast<const char*>(in), len);
        if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
          s->out.push_back(std::move(s->rx));
          s->rx.clear();
          lws_callback_on_writable(wsi);
        }
        return 0;
      }
      case LWS_CALLBACK_SERVER_WRITEABLE: {
        Session* s = *pss;
        if (self->close_all_) {
          lws_close_reason(wsi, LWS_CLOSE_STATUS_GOINGAWAY,
                           reinterpret_cast<unsigned char*>(const_cast<char*>("bye")), 3);
          return -1;
        }
        if (!s || s->out.empty()) return 0;
        std::string msg = std::move(s->out.front());
        s->out.pop_front();
        std::vector<unsigned char> buf(LWS_PRE + msg.size());
        std::memcpy(buf.data() + LWS_PRE, msg.data(), msg.size());
        if (lws_write(wsi, buf.data() + LWS_PRE, msg.size(), LWS_WRITE_TEXT) < 0) return -1;
        if (!s->out.empty()) lws_callback_on_writable(wsi);
        return 0;
      }
      case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
        const auto* p = static_cast<const unsigned char*>(in);
        if (p && len >= 2) self->peer_close_code_ = (p[0] << 8) | p[1];
        return 0;
      }
      case LWS_CALLBACK_CLOSED:
        delete *pss;
        *pss = nullptr;
        return 0;
      case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (self && self->close_all_) {
          lws_callback_on_writable_all_protocol(lws_get_context(wsi), &self->protocols_[0]);
        }
        return 0;
      default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
  }

  lws_protocols protocols_[2]{};
  lws_context* ctx_ = nullptr;
  SSL_CTX* client_ssl_ = nullptr;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> paused_{false};
  std::atomic<bool> close_all_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> peer_close_code_{0};
  std::mutex mu_;
  std::string authorization_;
  std::string path_;
  std::string peer_cn_;
};

// ---------------------------------------------------------------------------------------
// Minimal hand-written upgrade responder.

class RawTestServer {
 public:
  // unauthorized: answers the upgrade with HTTP 401 (a CSMS refusing the Basic auth password).
  enum class Mode { silent, no_subprotocol, other_subprotocol, unauthorized };

  explicit RawTestServer(Mode mode) : mode_(mode) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listen_fd_, 16) == 0);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~RawTestServer() {
    stop_ = true;
    thread_.join();
    for (int fd : clients_) ::close(fd);
    ::close(listen_fd_);
  }
  int port() const { return port_; }

 private:
  void run() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      clients_.push_back(fd);
      if (mode_ != Mode::silent) answer(fd);
    }
  }

  void answer(int fd) {
    std::string req;
    char buf[2048];
    const auto deadline = Clock::now() + 2s;
    while (req.find("\r\n\r\n") == std::string::npos && Clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      req.append(buf, static_cast<std::size_t>(n));
    }
    if (mode_ == Mode::unauthorized) {
      const std::string resp =
          "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"ocpp\"\r\nContent-Length: 0\r\n\r\n";
      (void)::send(fd, resp.data(), resp.size(), MSG_NOSIGNAL);
      return;
    }
    std::string lower = req;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto k = lower.find("sec-websocket-key:");
    if (k == std::string::npos) return;
    auto b = k + std::strlen("sec-websocket-key:");
    while (req[b] == ' ') ++b;
    const std::string key = req.substr(b, req.find("\r\n", b) - b);
    const std::string magic = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(magic.data(), magic.size(), md, &mdlen, EVP_sha1(), nullptr);
    std::string resp =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        base64(std::string(reinterpret_cast<char*>(md), mdlen)) + "\r\n";
    if (mode_ == Mode::other_subprotocol) resp += "Sec-WebSocket-Protocol: ocpp2.0.1\r\n";
    resp += "\r\n";
    (void)::send(fd, resp.data(), resp.size(), MSG_NOSIGNAL);
  }

  Mode mode_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::vector<int> clients_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

// ---------------------------------------------------------------------------------------
// Client side

struct Recorder : ocpp::TransportEvents {
  int opens = 0;
  int closes = 0;
  std::string subprotocol;
  std::vector<std::string> messages;
  std::error_code close_ec;
  std::string close_reason;
  std::function<void()> on_any;

  void on_open(std::string_view sp) override {
    ++opens;
    subprotocol = std::string(sp);
    if (on_any) on_any();
  }
  void on_message(std::string_view text) override {
    messages.emplace_back(text);
    if (on_any) on_any();
  }
  void on_close(std::error_code ec, std::string_view reason) override {
    ++closes;
    close_ec = ec;
    close_reason = std::string(reason);
    if (on_any) on_any();
  }
  int total() const { return opens + closes + static_cast<int>(messages.size()); }
};

// Generous: a passing wait returns as soon as pred holds; the bound only ends a failing one,
// and the sanitizer build on a loaded 2-core CI machine is slow.
template <class Pred>
bool pump(ocpp::IoLoop& loop, Pred pred, std::chrono::milliseconds timeout = 15s) {
  const auto deadline = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() >= deadline) return false;
    loop.poll(50ms);
  }
  return true;
}

inline void pump_for(ocpp::IoLoop& loop, std::chrono::milliseconds d) {
  const auto deadline = Clock::now() + d;
  while (Clock::now() < deadline) loop.poll(20ms);
}

inline ocpp::ConnectOptions ws_options(int port, const std::string& path = "/ocpp/CP001") {
  ocpp::ConnectOptions o;
  o.url = "ws://127.0.0.1:" + std::to_string(port) + path;
  o.subprotocols = {"ocpp1.6"};
  o.connect_timeout = 5s;
  return o;
}

}  // namespace lws_test
