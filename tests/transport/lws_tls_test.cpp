// TLS of the libwebsockets IoLoop beyond server verification: client certificates (security
// profile 3) against a server that requires and checks them, renewal of TLS contexts when
// the files change, and the cipher policy. The PKI is made here (support/test_pki.hpp).
#include <catch2/catch.hpp>

#include <string>

#include "ocpp/error.hpp"
#include "ocpp/transport.hpp"
#include "support/lws_test_servers.hpp"
#include "support/test_pki.hpp"
#include "transport/lws/lws_io_loop.hpp"

using namespace std::chrono_literals;
using namespace lws_test;
using test_pki::Cert;

namespace {

// A server CA and the server's certificate for 127.0.0.1, a client CA, and files for them.
struct Pki {
  TempDir dir;
  Cert server_ca = test_pki::make_root("Test CSMS Root", 1);
  Cert server = test_pki::issue(server_ca, "127.0.0.1", 2, false, {}, "IP:127.0.0.1");
  Cert client_ca = test_pki::make_root("Test CPO Root", 3);
  std::string server_ca_file = dir.path + "/csms-root.pem";
  std::string server_cert_file = dir.path + "/server.pem";
  std::string server_key_file = dir.path + "/server.key";
  std::string client_ca_file = dir.path + "/cpo-root.pem";
  std::string cert_file = dir.path + "/cp.pem";
  std::string key_file = dir.path + "/cp.key";

  Pki() {
    test_pki::write_file(server_ca_file, server_ca.pem());
    test_pki::write_file(server_cert_file, server.pem());
    test_pki::write_file(server_key_file, server.key_pem());
    test_pki::write_file(client_ca_file, client_ca.pem());
  }
  // Writes a client certificate for `cn` issued by `ca` (and its key) to cert_file/key_file.
  void client_cert(const Cert& ca, const std::string& cn, long serial, const std::string& extra_chain = {}) {
    Cert c = test_pki::issue(ca, cn, serial);
    test_pki::write_file(cert_file, c.pem() + extra_chain);
    test_pki::write_file(key_file, c.key_pem());
  }
  LwsTestServer::Tls tls(bool require_client_cert = true) const {
    LwsTestServer::Tls t;
    t.cert = server_cert_file;
    t.key = server_key_file;
    if (require_client_cert) t.client_ca = client_ca_file;
    return t;
  }
  ocpp::ConnectOptions options(int port) const {
    auto o = ws_options(port);
    o.url = "wss://127.0.0.1:" + std::to_string(port) + "/ocpp/CP001";
    o.ca_file = server_ca_file;
    o.client_cert_file = cert_file;
    o.client_key_file = key_file;
    return o;
  }
};

// Connects and waits for the outcome.
void connect_and_wait(ocpp::IoLoop& loop, const ocpp::ConnectOptions& o, Recorder& rec,
                      std::unique_ptr<ocpp::Connection>& conn) {
  conn = loop.connect(o, rec);
  REQUIRE(pump(loop, [&] { return rec.opens + rec.closes > 0; }));
}

}  // namespace

TEST_CASE("lws: TLS client certificate, checked by a server that requires one", "[transport][lws][tls]") {
  Pki pki;
  auto tls = pki.tls();
  LwsTestServer server(&tls);
  auto loop = ocpp::make_lws_io_loop();
  auto o = pki.options(server.port());
  Recorder rec;
  std::unique_ptr<ocpp::Connection> conn;

  SECTION("issued by the CA the server trusts: opens, the server sees the identity") {
    pki.client_cert(pki.client_ca, "CP001", 10);
    connect_and_wait(*loop, o, rec, conn);
    INFO(rec.close_reason);
    REQUIRE(rec.opens == 1);
    CHECK(server.peer_cn() == "CP001");
    CHECK_FALSE(conn->send("profile 3"));
    REQUIRE(pump(*loop, [&] { return !rec.messages.empty() || rec.closes > 0; }));
    CHECK(rec.messages.at(0) == "profile 3");
  }
  SECTION("certificate and key in one file") {
    Cert c = test_pki::issue(pki.client_ca, "CP001", 11);
    test_pki::write_file(pki.cert_file, c.key_pem() + c.pem());
    o.client_key_file.clear();
    connect_and_wait(*loop, o, rec, conn);
    INFO(rec.close_reason);
    CHECK(rec.opens == 1);
  }
  SECTION("through an intermediate CA sent in the chain") {
    Cert sub = test_pki::issue(pki.client_ca, "Test CPO Sub CA", 12, true);
    pki.client_cert(sub, "CP001", 13, sub.pem());
    connect_and_wait(*loop, o, rec, conn);
    INFO(rec.close_reason);
    CHECK(rec.opens == 1);
  }
  SECTION("no client certificate: refused by the server") {
    o.client_cert_file.clear();
    o.client_key_file.clear();
    connect_and_wait(*loop, o, rec, conn);
    CHECK(rec.opens == 0);
    CHECK(rec.close_ec);
  }
  SECTION("issued by a CA the server does not trust: refused") {
    Cert stranger = test_pki::make_root("Someone Else", 14);
    pki.client_cert(stranger, "CP001", 15);
    connect_and_wait(*loop, o, rec, conn);
    CHECK(rec.opens == 0);
    CHECK(rec.close_ec);
  }
  SECTION("a key that does not match the certificate: a TLS error before connecting") {
    pki.client_cert(pki.client_ca, "CP001", 16);
    test_pki::write_file(pki.key_file, test_pki::pem_of(test_pki::ec_key().get()));
    connect_and_wait(*loop, o, rec, conn);
    CHECK(rec.opens == 0);
    CHECK(rec.close_ec == ocpp::Errc::tls_error);
    CHECK(rec.close_reason.find("client key") != std::string::npos);
    CHECK(server.connections() == 0);
  }
  SECTION("a missing certificate file: a TLS error") {
    o.client_cert_file = pki.dir.path + "/missing.pem";
    connect_and_wait(*loop, o, rec, conn);
    CHECK(rec.close_ec == ocpp::Errc::tls_error);
    CHECK(rec.close_reason.find("cannot read") != std::string::npos);
  }
}

TEST_CASE("lws: new certificate files give the next connection a new TLS context; unused ones go",
          "[transport][lws][tls]") {
  Pki pki;
  auto tls = pki.tls();
  LwsTestServer server(&tls);
  auto loop = ocpp::make_lws_io_loop();
  REQUIRE(loop);
  const auto o = pki.options(server.port());
  using ocpp::lws_transport::tls_context_count;

  pki.client_cert(pki.client_ca, "CP001-2026", 20);
  Recorder first;
  std::unique_ptr<ocpp::Connection> a;
  connect_and_wait(*loop, o, first, a);
  REQUIRE(first.opens == 1);
  CHECK(server.peer_cn() == "CP001-2026");
  CHECK(tls_context_count(*loop) == 1);

  // Same paths, same contents: the context is shared.
  Recorder same;
  std::unique_ptr<ocpp::Connection> b;
  connect_and_wait(*loop, o, same, b);
  REQUIRE(same.opens == 1);
  CHECK(tls_context_count(*loop) == 1);
  b.reset();

  // Renewed in place (a new key and certificate at the same paths): the next connection
  // presents the new one, while the open connection keeps its context.
  pki.client_cert(pki.client_ca, "CP001-2027", 21);
  Recorder renewed;
  std::unique_ptr<ocpp::Connection> c;
  connect_and_wait(*loop, o, renewed, c);
  INFO(renewed.close_reason);
  REQUIRE(renewed.opens == 1);
  CHECK(server.peer_cn() == "CP001-2027");
  CHECK(tls_context_count(*loop) == 2);
  CHECK(first.closes == 0);

  // The first connection closes: its context, no longer current, is freed.
  a->close();
  REQUIRE(pump(*loop, [&] { return first.closes > 0; }));
  CHECK(pump(*loop, [&] { return tls_context_count(*loop) == 1; }, 2s));

  // A new CA bundle at the same path counts too: one that does not hold the server's CA fails.
  const std::string server_ca_pem = pki.server_ca.pem();
  test_pki::write_file(pki.server_ca_file, test_pki::make_root("Other Root", 22).pem());
  Recorder untrusted;
  std::unique_ptr<ocpp::Connection> d;
  connect_and_wait(*loop, o, untrusted, d);
  CHECK(untrusted.opens == 0);
  CHECK(untrusted.close_ec == ocpp::Errc::tls_error);
  test_pki::write_file(pki.server_ca_file, server_ca_pem);
  Recorder back;
  std::unique_ptr<ocpp::Connection> e;
  connect_and_wait(*loop, o, back, e);
  CHECK(back.opens == 1);
  d.reset();
  c.reset();
  CHECK(pump(*loop, [&] { return tls_context_count(*loop) == 1; }, 2s));
}

TEST_CASE("lws: a CA bundle given as text (ca_pem) wins over ca_file", "[transport][lws][tls]") {
  Pki pki;
  auto tls = pki.tls(false);
  LwsTestServer server(&tls);
  auto loop = ocpp::make_lws_io_loop();
  REQUIRE(loop);
  auto o = pki.options(server.port());
  o.client_cert_file.clear();
  o.client_key_file.clear();
  // 2.0.1 M05.FR.15: the trust anchors of one attempt, without a root the file holds.
  o.ca_pem = test_pki::make_root("Other Root", 30).pem();
  Recorder refused;
  std::unique_ptr<ocpp::Connection> a;
  connect_and_wait(*loop, o, refused, a);
  CHECK(refused.opens == 0);
  CHECK(refused.close_ec == ocpp::Errc::tls_error);
  // A bundle that holds the server's root: verified, in a context of its own.
  o.ca_pem = test_pki::make_root("Another Root", 31).pem() + pki.server_ca.pem();
  o.ca_file = pki.dir.path + "/missing.pem";  // not read
  Recorder opened;
  std::unique_ptr<ocpp::Connection> b;
  connect_and_wait(*loop, o, opened, b);
  INFO(opened.close_reason);
  CHECK(opened.opens == 1);
}

TEST_CASE("lws: the cipher policy allows the whitepaper's suites and refuses weaker ones",
          "[transport][lws][tls]") {
  Pki pki;
  auto o = pki.options(0);
  o.client_cert_file.clear();
  o.client_key_file.clear();
  auto loop = ocpp::make_lws_io_loop();
  Recorder rec;
  std::unique_ptr<ocpp::Connection> conn;

  auto server_with = [&](const char* ciphers) {
    auto tls = pki.tls(false);
    tls.cipher_list = ciphers;
    tls.tls12_only = true;
    return std::make_unique<LwsTestServer>(&tls);
  };
  auto at = [&](int port) {
    auto x = o;
    x.url = "wss://127.0.0.1:" + std::to_string(port) + "/ocpp/CP001";
    return x;
  };

  SECTION("a server with only TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (A00.FR.318): opens") {
    auto server = server_with("ECDHE-ECDSA-AES256-GCM-SHA384");
    connect_and_wait(*loop, at(server->port()), rec, conn);
    INFO(rec.close_reason);
    CHECK(rec.opens == 1);
  }
  SECTION("a server with only a CBC suite with SHA-1: refused by default, allowed when listed") {
    auto server = server_with("ECDHE-ECDSA-AES128-SHA");
    connect_and_wait(*loop, at(server->port()), rec, conn);
    CHECK(rec.opens == 0);
    CHECK(rec.close_ec == ocpp::Errc::tls_error);
    Recorder listed;
    auto x = at(server->port());
    x.tls_cipher_list = "ECDHE-ECDSA-AES128-SHA";
    std::unique_ptr<ocpp::Connection> conn2;
    connect_and_wait(*loop, x, listed, conn2);
    INFO(listed.close_reason);
    CHECK(listed.opens == 1);
  }
  SECTION("a cipher list with no usable suite: a TLS error") {
    auto x = at(1);
    x.tls_cipher_list = "NO-SUCH-SUITE";
    connect_and_wait(*loop, x, rec, conn);
    CHECK(rec.close_ec == ocpp::Errc::tls_error);
    CHECK(rec.close_reason.find("no usable cipher suite") != std::string::npos);
  }
}
