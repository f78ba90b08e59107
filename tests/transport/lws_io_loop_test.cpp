// Tests of the libwebsockets IoLoop against in-process servers on 127.0.0.1:
// - LwsTestServer: a WebSocket server built on lws itself (echo, Basic-auth capture,
//   close on demand, TLS with a certificate generated here, pause to starve pongs);
// - RawTestServer: a few lines of plain sockets for what lws will not do as a server
//   (answer the upgrade without our subprotocol or with a foreign one, or never answer).
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
#include "transport/lws/ws_url.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------
// Certificates

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/ocpp-lws-test-XXXXXX";
    const char* p = mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// Writes a self-signed P-256 certificate for IP 127.0.0.1 and its key as PEM files.
void make_self_signed(const std::string& cert_path, const std::string& key_path, long serial) {
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
  for (auto [nid, value] : {std::pair<int, const char*>{NID_subject_alt_name, "IP:127.0.0.1"},
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

std::string base64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

int free_port() {
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
    std::string cert;
    std::string key;
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
    info.options = tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0;
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
};

// ---------------------------------------------------------------------------------------
// Minimal hand-written upgrade responder.

class RawTestServer {
 public:
  enum class Mode { silent, no_subprotocol, other_subprotocol };

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

template <class Pred>
bool pump(ocpp::IoLoop& loop, Pred pred, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() >= deadline) return false;
    loop.poll(50ms);
  }
  return true;
}

void pump_for(ocpp::IoLoop& loop, std::chrono::milliseconds d) {
  const auto deadline = Clock::now() + d;
  while (Clock::now() < deadline) loop.poll(20ms);
}

ocpp::ConnectOptions ws_options(int port, const std::string& path = "/ocpp/CP001") {
  ocpp::ConnectOptions o;
  o.url = "ws://127.0.0.1:" + std::to_string(port) + path;
  o.subprotocols = {"ocpp1.6"};
  o.connect_timeout = 5s;
  return o;
}

}  // namespace

TEST_CASE("parse_ws_url splits ws and wss URLs", "[transport][lws]") {
  using ocpp::lws_transport::parse_ws_url;
  auto a = parse_ws_url("ws://csms.example.com/ocpp/CP001");
  REQUIRE(a);
  CHECK_FALSE(a->tls);
  CHECK(a->host == "csms.example.com");
  CHECK(a->port == 80);
  CHECK(a->path == "/ocpp/CP001");

  auto b = parse_ws_url("WSS://10.0.0.1:8443/steve/websocket/CentralSystemService/CP%2001?x=1#frag");
  REQUIRE(b);
  CHECK(b->tls);
  CHECK(b->port == 8443);
  CHECK(b->path == "/steve/websocket/CentralSystemService/CP%2001?x=1");

  auto c = parse_ws_url("wss://[::1]:9000/CP1");
  REQUIRE(c);
  CHECK(c->ipv6_literal);
  CHECK(c->host == "::1");
  CHECK(c->port == 9000);

  auto d = parse_ws_url("wss://[2001:db8::5]/x");
  REQUIRE(d);
  CHECK(d->port == 443);

  auto e = parse_ws_url("ws://host");
  REQUIRE(e);
  CHECK(e->path == "/");

  CHECK_FALSE(parse_ws_url("http://host/x"));
  CHECK_FALSE(parse_ws_url("ws:///x"));
  CHECK_FALSE(parse_ws_url("ws://host:0/x"));
  CHECK_FALSE(parse_ws_url("ws://host:65536/x"));
  CHECK_FALSE(parse_ws_url("ws://host:/x"));
  CHECK_FALSE(parse_ws_url("ws://user:pw@host/x"));
  CHECK_FALSE(parse_ws_url("ws://[::1/x"));
  CHECK_FALSE(parse_ws_url("ws://host/a b"));
}

TEST_CASE("lws: opens, echoes small and 300 kB messages in order, closes cleanly",
          "[transport][lws]") {
  LwsTestServer server;
  auto loop = ocpp::make_lws_io_loop();
  REQUIRE(loop);
  Recorder rec;
  auto conn = loop->connect(ws_options(server.port()), rec);
  REQUIRE(conn);
  CHECK(conn->send("too early") == ocpp::Errc::transport_error);
  REQUIRE(pump(*loop, [&] { return rec.opens == 1 || rec.closes > 0; }));
  REQUIRE(rec.opens == 1);
  CHECK(rec.subprotocol == "ocpp1.6");
  CHECK(server.path() == "/ocpp/CP001");

  std::string big(300 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  CHECK_FALSE(conn->send("[2,\"1\",\"Heartbeat\",{}]"));
  CHECK_FALSE(conn->send(big));
  CHECK_FALSE(conn->send("last"));
  REQUIRE(pump(*loop, [&] { return rec.messages.size() >= 3 || rec.closes > 0; }));
  INFO(rec.close_reason);
  REQUIRE(rec.messages.size() == 3);
  CHECK(rec.messages[0] == "[2,\"1\",\"Heartbeat\",{}]");
  CHECK(rec.messages[1] == big);
  CHECK(rec.messages[2] == "last");

  conn->close();
  CHECK(rec.closes == 0);  // only from a later poll
  REQUIRE(pump(*loop, [&] { return rec.closes > 0; }));
  CHECK_FALSE(rec.close_ec);
  CHECK(conn->send("after close") == ocpp::Errc::transport_error);
  pump_for(*loop, 100ms);
  CHECK(rec.closes == 1);
}

TEST_CASE("lws: many connections on one loop", "[transport][lws]") {
  LwsTestServer server;
  auto loop = ocpp::make_lws_io_loop();
  REQUIRE(loop);
  constexpr int kCount = 50;
  std::vector<Recorder> recs(kCount);
  std::vector<std::unique_ptr<ocpp::Connection>> conns;
  for (int i = 0; i < kCount; ++i) {
    conns.push_back(loop->connect(ws_options(server.port(), "/ocpp/CP" + std::to_string(i)), recs[i]));
  }
  auto all = [&](auto pred) {
    for (auto& r : recs) {
      if (!pred(r)) return false;
    }
    return true;
  };
  REQUIRE(pump(*loop, [&] { return all([](Recorder& r) { return r.opens == 1; }); }));
  for (int i = 0; i < kCount; ++i) CHECK_FALSE(conns[i]->send("msg" + std::to_string(i)));
  REQUIRE(pump(*loop, [&] { return all([](Recorder& r) { return r.messages.size() == 1; }); }));
  for (int i = 0; i < kCount; ++i) CHECK(recs[i].messages[0] == "msg" + std::to_string(i));
  CHECK(all([](Recorder& r) { return r.closes == 0; }));
}

TEST_CASE("lws: subprotocol not selected by the server", "[transport][lws]") {
  auto mode = GENERATE(RawTestServer::Mode::no_subprotocol, RawTestServer::Mode::other_subprotocol);
  RawTestServer server(mode);
  auto loop = ocpp::make_lws_io_loop();
  Recorder rec;
  auto conn = loop->connect(ws_options(server.port()), rec);
  REQUIRE(pump(*loop, [&] { return rec.closes > 0; }));
  CHECK(rec.opens == 0);
  CHECK(rec.close_ec == ocpp::Errc::subprotocol_rejected);
  CHECK(rec.close_reason == "server did not select ocpp1.6");
  pump_for(*loop, 100ms);
  CHECK(rec.total() == 1);
}

TEST_CASE("lws: sends HTTP Basic authorization", "[transport][lws]") {
  LwsTestServer server;
  auto loop = ocpp::make_lws_io_loop();
  Recorder rec;
  auto opts = ws_options(server.port());
  opts.basic_auth_user = "CP001";
  opts.basic_auth_password = "secretpass";
  auto conn = loop->connect(opts, rec);
  REQUIRE(pump(*loop, [&] { return rec.opens + rec.closes > 0; }));
  REQUIRE(rec.opens == 1);
  CHECK(server.authorization() == "Basic " + base64("CP001:secretpass"));
  CHECK(server.authorization() == "Basic Q1AwMDE6c2VjcmV0cGFzcw==");
}

TEST_CASE("lws: no Authorization header without basic_auth_user", "[transport][lws]") {
  LwsTestServer server;
  auto loop = ocpp::make_lws_io_loop();
  Recorder rec;
  auto conn = loop->connect(ws_options(server.port()), rec);
  REQUIRE(pump(*loop, [&] { return rec.opens + rec.closes > 0; }));
  REQUIRE(rec.opens == 1);
  CHECK(server.authorization().empty());
}

TEST_CASE("lws: connection refused is reported promptly", "[transport][lws]") {
  const int port = free_port();
  auto loop = ocpp::make_lws_io_loop();
  Recorder rec;
  const auto start = Clock::now();
  auto conn = loop->connect(ws_options(port), rec);
  REQUIRE(pump(*loop, [&] { return rec.closes > 0; }, 3s));
  CHECK(Clock::now() - start < 2s);
  CHECK(rec.opens == 0);
  CHECK(rec.close_ec == ocpp::Errc::transport_error);
  CHECK_FALSE(rec.close_reason.empty());
}

TEST_CASE("lws: invalid URL is reported from poll", "[transport][lws]") {
  auto loop = ocpp::make_lws_io_loop();
  Recorder rec;
  ocpp::ConnectOptions o;
  o.url = "http://127.0.0.1/x";
  o.subprotocols = {"ocpp1.6"};
  auto conn = loop->connect(o, rec);
  CHECK(rec.closes == 0);
  REQUIRE(pump(*loop, [&] { return rec.closes > 0; }, 1s));
  CHECK(rec.close_ec == ocpp::Errc::transport_error);
}

TEST_CASE("lws: connect timeout when the server never answers the upgrade",
          "[transport][lws]") {
  RawTestServer server(RawTestServer::Mode::silent);
  auto loop = ocpp::make_lws_io_loop();
  Recorder rec;
  auto opts = ws_options(server.port());
  opts.connect_timeout = 1s;
  const auto start = Clock::now();
  auto conn = loop->connect(opts, rec);
  REQUIRE(pump(*loop, [&] { return rec.closes > 0; }, 4s));
  CHECK(Clock::now() - start >= 900ms);
  CHECK(rec.opens == 0);
  CHECK(rec.close_ec == ocpp::Errc::transport_error);
  CHECK(rec.close_reason == "connect timeout");
}

TEST_CASE("lws: server closing the connection is reported", "[transport][lws]") {
  LwsTestServer server;
  auto loop = ocpp::make_lws_io_loop();
  Recorder rec;
  auto conn = loop->connect(ws_options(server.port()), rec);
  REQUIRE(pump(*loop, [&] { return rec.opens + rec.closes > 0; }));
  REQUIRE(rec.opens == 1);
  server.close_all();
  REQUIRE(pump(*loop, [&] { return rec.closes > 0; }));
  CHECK(rec.close_ec == ocpp::Errc::transport_error);
  CHECK(rec.close_reason.find("server closed") != std::string::npos);
  CHECK(rec.close_reason.find("1001") != std::string::npos);
  pump_for(*loop, 100ms);
  CHECK(rec.closes == 1);
}

namespace {

// Sends `text` to the echo server, which sends it back; what comes back must fail the
// connection: reported once with `reason`, the server hears `code` (RFC 6455 7.4.1), not a
// dropped socket. Then the same loop makes a normal connection that carries `after` unchanged.
void expect_echo_fails_connection(const std::string& text, const std::string& reason, int code,
                                  const std::string& after = "[2,\"1\",\"Heartbeat\",{}]") {
  LwsTestServer server;
  auto loop = ocpp::make_lws_io_loop();
  Recorder rec;
  auto conn = loop->connect(ws_options(server.port()), rec);
  REQUIRE(pump(*loop, [&] { return rec.opens + rec.closes > 0; }));
  REQUIRE(rec.opens == 1);
  CHECK_FALSE(conn->send(text));
  REQUIRE(pump(*loop, [&] { return rec.closes > 0; }));
  CHECK(rec.messages.empty());
  CHECK(rec.close_ec == ocpp::Errc::transport_error);
  CHECK(rec.close_reason.find(reason) != std::string::npos);
  CHECK(pump(*loop, [&] { return server.peer_close_code() == code; }));
  pump_for(*loop, 300ms);
  CHECK(rec.closes == 1);
  conn.reset();
  pump_for(*loop, 100ms);

  Recorder again;
  auto conn2 = loop->connect(ws_options(server.port()), again);
  REQUIRE(pump(*loop, [&] { return again.opens + again.closes > 0; }));
  REQUIRE(again.opens == 1);
  CHECK_FALSE(conn2->send(after));
  REQUIRE(pump(*loop, [&] { return !again.messages.empty(); }));
  CHECK(again.messages[0] == after);
  CHECK(again.closes == 0);
}

}  // namespace

TEST_CASE("lws: incoming message over 1 MB closes the connection", "[transport][lws]") {
  // Pitfall: closing from inside the receive callback made lws free the connection twice
  // (abort in __lws_close_free_wsi). The close must be clean (1009), reported once, and the
  // loop must stay usable for a new connection. Run under ASan by scripts/test.sh.
  for (std::size_t size : {std::size_t{1024 * 1024 + 10}, std::size_t{1024 * 1024 + 70000},
                           std::size_t{3 * 1024 * 1024 / 2}, std::size_t{2 * 1024 * 1024}}) {
    INFO(size);
    expect_echo_fails_connection(std::string(size, 'x'), "exceeds 1 MiB", 1009);
  }
}

TEST_CASE("lws: incoming text message that is not UTF-8 fails the connection with 1007",
          "[transport][lws]") {
  // RFC 6455 8.1. The test server does not check what it echoes.
  for (const std::string& bad : {std::string("[2,\"u\",\"DataTransfer\",{\"vendorId\":\"\xff\"}]"),
                                 std::string("\xc0\xaf"), std::string("ok \xed\xa0\x80"),
                                 std::string(300000, 'a') + "\xe2\x82"}) {
    INFO(bad.size());
    expect_echo_fails_connection(bad, "not valid UTF-8", 1007,
                                 "[2,\"1\",\"DataTransfer\",{\"vendorId\":\"\xe2\x82\xac \xf0\x9f\x94\x8c\"}]");
  }
}

TEST_CASE("lws: wss with certificate verification", "[transport][lws]") {
  TempDir dir;
  const std::string cert = dir.path + "/server.pem";
  const std::string key = dir.path + "/server.key";
  const std::string other_cert = dir.path + "/other.pem";
  const std::string other_key = dir.path + "/other.key";
  make_self_signed(cert, key, 1);
  make_self_signed(other_cert, other_key, 2);
  LwsTestServer::Tls tls{cert, key};
  LwsTestServer server(&tls);
  auto loop = ocpp::make_lws_io_loop();

  auto opts = ws_options(server.port());
  opts.url = "wss://127.0.0.1:" + std::to_string(server.port()) + "/ocpp/CP001";

  SECTION("the right CA file: opens and echoes") {
    Recorder rec;
    opts.ca_file = cert;
    auto conn = loop->connect(opts, rec);
    REQUIRE(pump(*loop, [&] { return rec.opens + rec.closes > 0; }));
    INFO(rec.close_reason);
    REQUIRE(rec.opens == 1);
    CHECK(rec.subprotocol == "ocpp1.6");
    CHECK_FALSE(conn->send("over tls"));
    REQUIRE(pump(*loop, [&] { return !rec.messages.empty() || rec.closes > 0; }));
    REQUIRE(rec.messages.size() == 1);
    CHECK(rec.messages[0] == "over tls");
  }
  SECTION("a different CA file: fails without on_open") {
    Recorder rec;
    opts.ca_file = other_cert;
    auto conn = loop->connect(opts, rec);
    REQUIRE(pump(*loop, [&] { return rec.closes > 0; }));
    CHECK(rec.opens == 0);
    INFO(rec.close_reason);
    CHECK(rec.close_ec == ocpp::Errc::tls_error);
  }
  SECTION("system CAs do not trust the self-signed certificate") {
    Recorder rec;
    auto conn = loop->connect(opts, rec);
    REQUIRE(pump(*loop, [&] { return rec.closes > 0; }));
    CHECK(rec.opens == 0);
    CHECK(rec.close_ec == ocpp::Errc::tls_error);
  }
  SECTION("a missing CA file is a TLS error") {
    Recorder rec;
    opts.ca_file = dir.path + "/missing.pem";
    auto conn = loop->connect(opts, rec);
    REQUIRE(pump(*loop, [&] { return rec.closes > 0; }, 1s));
    CHECK(rec.opens == 0);
    CHECK(rec.close_ec == ocpp::Errc::tls_error);
  }
}

TEST_CASE("lws: wss hostname verification", "[transport][lws]") {
  TempDir dir;
  const std::string cert = dir.path + "/server.pem";
  const std::string key = dir.path + "/server.key";
  make_self_signed(cert, key, 3);  // valid for IP 127.0.0.1 only
  LwsTestServer::Tls tls{cert, key};
  LwsTestServer server(&tls);
  auto loop = ocpp::make_lws_io_loop();
  auto opts = ws_options(server.port());
  opts.url = "wss://localhost:" + std::to_string(server.port()) + "/ocpp/CP001";
  opts.ca_file = cert;
  Recorder rec;
  auto conn = loop->connect(opts, rec);
  REQUIRE(pump(*loop, [&] { return rec.closes > 0 || rec.opens > 0; }));
  CHECK(rec.opens == 0);
  CHECK(rec.close_ec != std::error_code{});
}

TEST_CASE("lws: wake() from another thread ends a long poll", "[transport][lws]") {
  auto loop = ocpp::make_lws_io_loop();
  REQUIRE(loop);
  loop->poll(0ms);
  std::thread t([&] {
    std::this_thread::sleep_for(200ms);
    loop->wake();
  });
  const auto start = Clock::now();
  loop->poll(10s);
  const auto took = Clock::now() - start;
  t.join();
  CHECK(took < 1s);

  // A wake before the poll makes the next poll return promptly too.
  loop->wake();
  const auto start2 = Clock::now();
  loop->poll(10s);
  CHECK(Clock::now() - start2 < 1s);

  // Without a wake, poll waits for about max_wait.
  const auto start3 = Clock::now();
  loop->poll(200ms);
  const auto took3 = Clock::now() - start3;
  CHECK(took3 >= 150ms);
  CHECK(took3 < 1s);
}

TEST_CASE("lws: destroying a connection gives no further callbacks", "[transport][lws]") {
  LwsTestServer server;
  auto loop = ocpp::make_lws_io_loop();
  Recorder rec;
  int baseline = 0;

  SECTION("before the first poll") {
    auto conn = loop->connect(ws_options(server.port()), rec);
    conn.reset();
  }
  SECTION("while connecting") {
    auto conn = loop->connect(ws_options(server.port()), rec);
    loop->poll(0ms);
    CHECK(rec.total() == 0);
    conn.reset();
  }
  SECTION("after the handshake reply arrived but before the events were delivered") {
    auto conn = loop->connect(ws_options(server.port()), rec);
    Recorder probe;
    auto other = loop->connect(ws_options(server.port()), probe);
    // Destroy ours from inside the other connection's on_open, which may be delivered in
    // the same batch as ours.
    probe.on_any = [&] {
      if (conn) baseline = rec.total();
      conn.reset();
    };
    REQUIRE(pump(*loop, [&] { return probe.opens > 0 || probe.closes > 0; }));
    if (conn) baseline = rec.total();
    conn.reset();
  }
  SECTION("when open") {
    auto conn = loop->connect(ws_options(server.port()), rec);
    REQUIRE(pump(*loop, [&] { return rec.opens > 0 || rec.closes > 0; }));
    REQUIRE(rec.opens == 1);
    CHECK_FALSE(conn->send("pending data"));
    conn.reset();
    baseline = rec.total();
  }
  pump_for(*loop, 300ms);
  CHECK(rec.total() == baseline);
}

TEST_CASE("lws: destroying the loop with open connections is clean", "[transport][lws]") {
  LwsTestServer server;
  auto loop = ocpp::make_lws_io_loop();
  Recorder a;
  Recorder b;
  Recorder c;
  auto ca = loop->connect(ws_options(server.port()), a);
  auto cb = loop->connect(ws_options(server.port()), b);
  REQUIRE(pump(*loop, [&] { return a.opens + b.opens == 2; }));
  auto cc = loop->connect(ws_options(server.port()), c);  // never started
  CHECK_FALSE(ca->send("unsent"));
  loop.reset();
  CHECK(a.closes + b.closes + c.total() == 0);
  CHECK(ca->send("x") == ocpp::Errc::transport_error);
  ca->close();
  ca.reset();
  cb.reset();
  cc.reset();
  CHECK(a.closes + b.closes + c.total() == 0);
}

TEST_CASE("lws: pong timeout when the server stops answering", "[transport][lws]") {
  LwsTestServer server;
  auto loop = ocpp::make_lws_io_loop();
  Recorder rec;
  auto opts = ws_options(server.port());
  opts.ping_interval = 1s;
  auto conn = loop->connect(opts, rec);
  REQUIRE(pump(*loop, [&] { return rec.opens + rec.closes > 0; }));
  REQUIRE(rec.opens == 1);
  // Answered pings keep the connection up.
  pump_for(*loop, 1500ms);
  CHECK(rec.closes == 0);

  server.pause();
  const auto start = Clock::now();
  REQUIRE(pump(*loop, [&] { return rec.closes > 0; }, 5s));
  const auto took = Clock::now() - start;
  server.resume();
  CHECK(rec.close_ec == ocpp::Errc::transport_error);
  CHECK(rec.close_reason == "pong timeout");
  CHECK(took <= 3500ms);
  CHECK(conn->send("x") == ocpp::Errc::transport_error);
}
