// core::ConnectionManager on a simulated clock with a fake IoLoop that records what it is
// asked to connect to: configuration checks, URL and identity, security profiles and the
// credentials each one sends, back-off, reconnects, a SecurityProvider's credentials.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/connection_manager.hpp"
#include "ocpp/error.hpp"

using namespace std::chrono_literals;
using ocpp::SecurityProfile;
using ocpp::core::ConnectionConfig;
using ocpp::core::ConnectionManager;

namespace {

struct FakeConnection final : ocpp::Connection {
  explicit FakeConnection(std::vector<std::string>& sent, int& closes) : sent_(sent), closes_(closes) {}
  std::error_code send(std::string_view text) override {
    sent_.emplace_back(text);
    return {};
  }
  void close() override { ++closes_; }
  std::vector<std::string>& sent_;
  int& closes_;
};

struct FakeLoop final : ocpp::IoLoop {
  std::unique_ptr<ocpp::Connection> connect(const ocpp::ConnectOptions& o, ocpp::TransportEvents&) override {
    attempts.push_back(o);
    return std::make_unique<FakeConnection>(sent, closes);
  }
  void poll(std::chrono::milliseconds) override {}
  void wake() override {}
  std::vector<ocpp::ConnectOptions> attempts;
  std::vector<std::string> sent;
  int closes = 0;
};

struct NoEvents final : ocpp::TransportEvents {
  void on_open(std::string_view) override {}
  void on_message(std::string_view) override {}
  void on_close(std::error_code, std::string_view) override {}
};

struct FakeHost final : ConnectionManager::Host {
  ocpp::core::AttemptSettings settings;
  int opened = 0;
  int closed = 0;
  std::vector<std::string> logs;
  ocpp::core::AttemptSettings attempt_settings() override { return settings; }
  void connection_opened(ocpp::Now) override { ++opened; }
  void connection_closed(ocpp::Now) override { ++closed; }
  void connection_log(int, const std::string& m) override { logs.push_back(m); }
  std::vector<std::pair<ocpp::core::SecurityFailure, std::string>> failures;
  void connection_security_failure(ocpp::core::SecurityFailure f, const std::string& d) override {
    failures.emplace_back(f, d);
  }
  std::vector<std::pair<bool, std::string>> trials;
  void connection_trial_ended(bool ok, const std::string& why, ocpp::Now) override { trials.emplace_back(ok, why); }
};

// A provider that hands out fixed credentials (or an error); the rest is not used here.
struct FixedProvider final : ocpp::SecurityProvider {
  ocpp::Result<ocpp::TlsCredentials> creds = ocpp::TlsCredentials{};
  ocpp::Result<std::string> generate_csr(const ocpp::CsrRequest&) override { return ocpp::Errc::invalid_state; }
  std::error_code install_charging_station_certificate(std::string_view, std::optional<std::string_view>) override {
    return ocpp::Errc::invalid_state;
  }
  ocpp::Result<ocpp::ChargingStationCertificate> charging_station_certificate() const override {
    return ocpp::Errc::invalid_state;
  }
  ocpp::Result<ocpp::CertificateHashData> install_ca_certificate(ocpp::CaCertificateUse, std::string_view) override {
    return ocpp::Errc::invalid_state;
  }
  ocpp::Result<std::vector<ocpp::InstalledCertificate>> installed_ca_certificates(
      const std::vector<ocpp::CaCertificateUse>&) const override {
    return ocpp::Errc::invalid_state;
  }
  std::error_code delete_ca_certificate(const ocpp::CertificateHashData&) override { return ocpp::Errc::invalid_state; }
  std::error_code verify_signature(std::string_view, std::string_view, std::string_view,
                                   ocpp::CaCertificateUse) override {
    return ocpp::Errc::invalid_state;
  }
  std::error_code verify_file_signature(const std::string&, std::string_view, std::string_view,
                                        ocpp::CaCertificateUse) override {
    return ocpp::Errc::invalid_state;
  }
  ocpp::Result<ocpp::TlsCredentials> tls_credentials() override { return creds; }
};

ConnectionConfig config(const std::string& url = "ws://csms.example.com/ocpp") {
  ConnectionConfig c;
  c.csms_url = url;
  c.identity = "CP001";
  c.subprotocols = {"ocpp1.6"};
  return c;
}

// A manager on a simulated clock.
struct Rig {
  FakeLoop loop;
  NoEvents events;
  FakeHost host;
  std::unique_ptr<ConnectionManager> m;
  ocpp::Now now{ocpp::MonoTime{} + 1000s, ocpp::DateTime{}};

  explicit Rig(ConnectionConfig c) {
    auto r = ConnectionManager::create(std::move(c), loop, events, host, 42);
    REQUIRE(r);
    m = std::move(r.value());
  }
  void advance(std::chrono::milliseconds d) { now.mono += d; }
  // Steps until the next attempt, returning how long that took.
  std::chrono::milliseconds until_next_attempt() {
    const auto before = loop.attempts.size();
    const auto start = now.mono;
    for (int i = 0; i < 100000 && loop.attempts.size() == before; ++i) {
      auto d = m->deadline();
      REQUIRE(d);
      if (*d > now.mono) now.mono = *d;
      m->step(now);
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(now.mono - start);
  }
};

}  // namespace

TEST_CASE("connection manager: configurations that do not fit are refused", "[core][connection]") {
  using ocpp::core::validate;
  CHECK_FALSE(validate(config()));
  CHECK_FALSE(validate(config("wss://csms.example.com/ocpp")));
  auto bad = [](ConnectionConfig c) { return validate(c) == ocpp::Errc::invalid_argument; };
  CHECK(bad(config("http://csms.example.com/")));
  CHECK(bad(config("")));
  auto c = config();
  c.identity = "";
  CHECK(bad(c));
  c.identity = std::string(49, 'x');
  CHECK(bad(c));
  c.identity = "CP:1";  // the Basic auth user name cannot hold ':'
  CHECK(bad(c));
  c.identity = "CP\n1";
  CHECK(bad(c));
  c = config();
  c.subprotocols.clear();
  CHECK(bad(c));

  for (auto [profile, url, ok] : {std::tuple{SecurityProfile::none, "ws://h/", true},
                                 std::tuple{SecurityProfile::none, "wss://h/", true},
                                 std::tuple{SecurityProfile::basic_auth, "ws://h/", true},
                                 std::tuple{SecurityProfile::basic_auth, "wss://h/", false},
                                 std::tuple{SecurityProfile::tls_basic_auth, "ws://h/", false},
                                 std::tuple{SecurityProfile::tls_basic_auth, "wss://h/", true},
                                 std::tuple{SecurityProfile::tls_client_cert, "ws://h/", false}}) {
    auto pc = config(url);
    pc.security_profile = profile;
    INFO(static_cast<int>(profile) << " " << url);
    CHECK(!validate(pc) == ok);
  }
  auto p3 = config("wss://h/");
  p3.security_profile = SecurityProfile::tls_client_cert;
  CHECK(bad(p3));  // no client certificate anywhere
  p3.client_cert_file = "/etc/cp.pem";
  CHECK_FALSE(validate(p3));
  p3.client_cert_file.clear();
  p3.security = std::make_shared<FixedProvider>();
  CHECK_FALSE(validate(p3));

  // create() and configure() refuse them too; configure keeps the old configuration.
  FakeLoop loop;
  NoEvents events;
  FakeHost host;
  auto wrong = config("ws://h/");
  wrong.security_profile = SecurityProfile::tls_basic_auth;
  CHECK(ConnectionManager::create(wrong, loop, events, host, 1).error() == ocpp::Errc::invalid_argument);
  Rig rig(config());
  CHECK(rig.m->configure(wrong) == ocpp::Errc::invalid_argument);
  CHECK(rig.m->url() == "ws://csms.example.com/ocpp/CP001");
}

TEST_CASE("connection manager: the identity is the last path segment, percent-encoded", "[core][connection]") {
  CHECK(ocpp::core::percent_encode_identity("RDAM 123") == "RDAM%20123");
  CHECK(ocpp::core::percent_encode_identity("a-b.c_d~e/f%") == "a-b.c_d~e%2Ff%25");
  auto c = config("ws://csms.example.com/ocpp/");
  c.identity = "RDAM 123";
  Rig rig(c);
  rig.m->step(rig.now);
  REQUIRE(rig.loop.attempts.size() == 1);
  CHECK(rig.loop.attempts[0].url == "ws://csms.example.com/ocpp/RDAM%20123");
  CHECK(rig.loop.attempts[0].subprotocols == std::vector<std::string>{"ocpp1.6"});
}

TEST_CASE("connection manager: without a profile, the URL and the credentials choose it", "[core][connection]") {
  SECTION("ws://, no password: profile 0, no Authorization") {
    Rig rig(config());
    rig.m->step(rig.now);
    REQUIRE(rig.loop.attempts.size() == 1);
    CHECK(rig.m->last_profile() == SecurityProfile::none);
    CHECK_FALSE(rig.loop.attempts[0].basic_auth_user);
  }
  SECTION("ws://, a password: profile 1, Basic auth with the identity") {
    Rig rig(config());
    rig.host.settings.basic_auth_password = "0123456789abcdef";
    rig.host.settings.ping_interval = 30s;
    rig.m->step(rig.now);
    REQUIRE(rig.loop.attempts.size() == 1);
    const auto& o = rig.loop.attempts[0];
    CHECK(rig.m->last_profile() == SecurityProfile::basic_auth);
    CHECK(o.basic_auth_user == "CP001");
    CHECK(o.basic_auth_password == "0123456789abcdef");
    CHECK(o.ping_interval == 30s);
    CHECK(o.ca_file.empty());
  }
  SECTION("wss://, a password: profile 2 with the CA file") {
    auto c = config("wss://csms.example.com/ocpp");
    c.ca_file = "/etc/csms-ca.pem";
    c.client_key_file = "/unused.key";
    Rig rig(c);
    rig.host.settings.basic_auth_password = "secret";
    rig.m->step(rig.now);
    const auto& o = rig.loop.attempts.at(0);
    CHECK(rig.m->last_profile() == SecurityProfile::tls_basic_auth);
    CHECK(o.ca_file == "/etc/csms-ca.pem");
    CHECK(o.basic_auth_user == "CP001");
    CHECK(o.client_cert_file.empty());
  }
  SECTION("wss://, a client certificate: profile 3, no Basic auth") {
    auto c = config("wss://csms.example.com/ocpp");
    c.client_cert_file = "/etc/cp.pem";
    c.tls_cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256";
    Rig rig(c);
    rig.host.settings.basic_auth_password = "secret";
    rig.m->step(rig.now);
    const auto& o = rig.loop.attempts.at(0);
    CHECK(rig.m->last_profile() == SecurityProfile::tls_client_cert);
    CHECK_FALSE(o.basic_auth_user);
    CHECK(o.client_cert_file == "/etc/cp.pem");
    CHECK(o.client_key_file == "/etc/cp.pem");  // the key in the same file
    CHECK(o.tls_cipher_list == "ECDHE-ECDSA-AES128-GCM-SHA256");
  }
}

TEST_CASE("connection manager: a set profile is enforced at each attempt", "[core][connection]") {
  SECTION("profile 0 never sends the password") {
    auto c = config();
    c.security_profile = SecurityProfile::none;
    Rig rig(c);
    rig.host.settings.basic_auth_password = "secret";
    rig.m->step(rig.now);
    CHECK_FALSE(rig.loop.attempts.at(0).basic_auth_user);
  }
  SECTION("profile 2 without a password: no attempt, a log line, retried after the back-off") {
    auto c = config("wss://csms.example.com/ocpp");
    c.security_profile = SecurityProfile::tls_basic_auth;
    Rig rig(c);
    rig.m->step(rig.now);
    CHECK(rig.loop.attempts.empty());
    REQUIRE(rig.host.logs.size() == 1);
    CHECK(rig.host.logs[0].find("needs a Basic authentication password") != std::string::npos);
    REQUIRE(rig.m->deadline());
    CHECK(*rig.m->deadline() > rig.now.mono);
    rig.host.settings.basic_auth_password = "secret";  // the version sets it meanwhile
    rig.until_next_attempt();
    CHECK(rig.loop.attempts.at(0).basic_auth_password == "secret");
  }
  SECTION("profile 3 sends the certificate and never Basic auth") {
    auto c = config("wss://csms.example.com/ocpp");
    c.security_profile = SecurityProfile::tls_client_cert;
    c.client_cert_file = "/etc/cp.crt";
    c.client_key_file = "/etc/cp.key";
    Rig rig(c);
    rig.host.settings.basic_auth_password = "secret";
    rig.m->step(rig.now);
    const auto& o = rig.loop.attempts.at(0);
    CHECK_FALSE(o.basic_auth_user);
    CHECK(o.client_cert_file == "/etc/cp.crt");
    CHECK(o.client_key_file == "/etc/cp.key");
  }
}

TEST_CASE("connection manager: TLS credentials come from a SecurityProvider", "[core][connection]") {
  auto provider = std::make_shared<FixedProvider>();
  provider->creds = ocpp::TlsCredentials{"/store/bundle.pem", "/store/cs.pem", "/store/cs.pem"};
  auto c = config("wss://csms.example.com/ocpp");
  c.security_profile = SecurityProfile::tls_client_cert;
  c.ca_file = "/etc/fallback-ca.pem";
  c.security = provider;
  Rig rig(c);
  rig.m->step(rig.now);
  const auto& o = rig.loop.attempts.at(0);
  CHECK(o.ca_file == "/store/bundle.pem");
  CHECK(o.client_cert_file == "/store/cs.pem");
  CHECK(o.client_key_file == "/store/cs.pem");

  // No certificate installed yet: profile 3 cannot connect, and says so.
  rig.m->reconnect(rig.now);
  provider->creds = ocpp::TlsCredentials{"", "", ""};
  rig.m->step(rig.now);
  CHECK(rig.loop.attempts.size() == 1);
  CHECK(rig.host.logs.back().find("needs a client certificate") != std::string::npos);
  // Once it is there, the next attempt uses it; the CA file falls back to the configured one.
  provider->creds = ocpp::TlsCredentials{"", "/store/cs2.pem", ""};
  rig.until_next_attempt();
  CHECK(rig.loop.attempts.back().client_cert_file == "/store/cs2.pem");
  CHECK(rig.loop.attempts.back().ca_file == "/etc/fallback-ca.pem");
  // A failing provider: no attempt, a log line.
  provider->creds = ocpp::Result<ocpp::TlsCredentials>(ocpp::make_error_code(ocpp::SecurityErrc::storage_failure));
  rig.m->reconnect(rig.now);
  rig.m->step(rig.now);
  CHECK(rig.loop.attempts.size() == 2);
  CHECK(rig.host.logs.back().find("no TLS credentials") != std::string::npos);
}

TEST_CASE("connection manager: open, close and back-off", "[core][connection]") {
  auto c = config();
  c.backoff_min = 1000ms;
  c.backoff_max = 8000ms;
  Rig rig(c);
  rig.m->step(rig.now);
  REQUIRE(rig.loop.attempts.size() == 1);
  CHECK_FALSE(rig.m->deadline());  // connecting: the transport reports
  CHECK(rig.m->send("x") == ocpp::Errc::transport_error);

  // Failures back off within [min/2, cap], doubling up to the cap.
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 6; ++i) {
    rig.m->on_close(ocpp::make_error_code(ocpp::Errc::transport_error), "refused", rig.now);
    delays.push_back(rig.until_next_attempt());
  }
  CHECK(delays[0] >= 500ms);
  CHECK(delays[0] <= 1000ms);
  CHECK(delays[2] >= 2000ms);
  for (auto d : delays) CHECK(d <= 8000ms);
  CHECK(delays[5] >= 4000ms);
  CHECK(rig.host.logs.back().find("connection closed (transport error: refused); reconnecting in") == 0);
  CHECK(rig.host.opened == 0);
  CHECK(rig.host.closed == 0);  // never open: the version hears nothing

  // Open with a foreign subprotocol: refused (OCPP-J §3.1.2).
  rig.m->on_open("ocpp2.0.1", rig.now);
  CHECK_FALSE(rig.m->is_open());
  CHECK(rig.loop.closes == 1);
  rig.m->on_close({}, "closed by client", rig.now);
  rig.until_next_attempt();

  rig.m->on_open("ocpp1.6", rig.now);
  CHECK(rig.m->is_open());
  CHECK(rig.host.opened == 1);
  CHECK_FALSE(rig.m->send("[2,\"1\",\"Heartbeat\",{}]"));
  CHECK(rig.loop.sent.size() == 1);

  // A lost connection after an open: the back-off starts again from the minimum.
  rig.m->on_close(ocpp::make_error_code(ocpp::Errc::transport_error), "lost", rig.now);
  CHECK(rig.host.closed == 1);
  CHECK_FALSE(rig.m->is_open());
  CHECK(rig.until_next_attempt() <= 1000ms);
}

TEST_CASE("connection manager: reconnect and shutdown", "[core][connection]") {
  Rig rig(config());
  rig.m->step(rig.now);
  rig.m->on_open("ocpp1.6", rig.now);
  REQUIRE(rig.m->is_open());

  // reconnect(): closed now (the version hears it), a new attempt at the next step.
  rig.m->reconnect(rig.now);
  CHECK(rig.loop.closes == 1);
  CHECK(rig.host.closed == 1);
  CHECK_FALSE(rig.m->is_open());
  rig.m->step(rig.now);
  CHECK(rig.loop.attempts.size() == 2);
  rig.m->on_open("ocpp1.6", rig.now);

  // shutdown(): closed, no attempt until stepped again, then at once.
  rig.m->shutdown(rig.now);
  CHECK(rig.host.closed == 2);
  CHECK(rig.loop.closes == 2);
  rig.advance(10s);
  rig.m->step(rig.now);
  CHECK(rig.loop.attempts.size() == 3);
}

TEST_CASE("connection manager: configure applies from the next attempt", "[core][connection]") {
  Rig rig(config());
  rig.m->step(rig.now);
  rig.m->on_open("ocpp1.6", rig.now);
  auto next = config("wss://other.example.com/ocpp");
  next.security_profile = SecurityProfile::tls_basic_auth;
  REQUIRE_FALSE(rig.m->configure(next));
  CHECK(rig.m->is_open());  // the connection in place stays
  rig.host.settings.basic_auth_password = "secret";
  rig.m->reconnect(rig.now);
  rig.m->step(rig.now);
  CHECK(rig.loop.attempts.back().url == "wss://other.example.com/ocpp/CP001");
  CHECK(rig.m->last_profile() == SecurityProfile::tls_basic_auth);
}

TEST_CASE("connection manager: a refused server certificate or credentials are security failures",
          "[core][connection]") {
  Rig rig(config("wss://csms.example.com/ocpp"));
  rig.m->step(rig.now);
  rig.m->on_close(ocpp::make_error_code(ocpp::Errc::tls_error),
                  std::string(ocpp::kCloseServerCertificateRejected) + ": certificate has expired", rig.now);
  REQUIRE(rig.host.failures.size() == 1);
  CHECK(rig.host.failures[0].first == ocpp::core::SecurityFailure::server_certificate);
  CHECK(rig.host.failures[0].second.find("certificate has expired") != std::string::npos);
  rig.until_next_attempt();
  rig.m->on_close(ocpp::make_error_code(ocpp::Errc::transport_error),
                  std::string(ocpp::kCloseCredentialsRejected) + ": HTTP 401", rig.now);
  REQUIRE(rig.host.failures.size() == 2);
  CHECK(rig.host.failures[1].first == ocpp::core::SecurityFailure::credentials_rejected);
  rig.until_next_attempt();
  rig.m->on_close(ocpp::make_error_code(ocpp::Errc::tls_error),
                  std::string(ocpp::kCloseTlsVersionRefused) + ": the server offers no TLS version from 1.2 on", rig.now);
  rig.until_next_attempt();
  rig.m->on_close(ocpp::make_error_code(ocpp::Errc::tls_error),
                  std::string(ocpp::kCloseTlsCipherRefused) + ": no cipher suite in common", rig.now);
  REQUIRE(rig.host.failures.size() == 4);
  CHECK(rig.host.failures[2].first == ocpp::core::SecurityFailure::tls_version);
  CHECK(rig.host.failures[3].first == ocpp::core::SecurityFailure::cipher_suite);
  // Other failures are not security events.
  rig.until_next_attempt();
  rig.m->on_close(ocpp::make_error_code(ocpp::Errc::transport_error), "connection refused", rig.now);
  CHECK(rig.host.failures.size() == 4);
}

TEST_CASE("connection manager: A05.FR.07/08 a trial configuration that connects stays", "[core][connection]") {
  Rig rig(config());
  rig.host.settings.basic_auth_password = "0123456789abcdef0123";
  rig.m->step(rig.now);
  rig.m->on_open("ocpp1.6", rig.now);
  auto next = config("wss://csms.example.com/ocpp");
  next.security_profile = SecurityProfile::tls_basic_auth;
  REQUIRE_FALSE(rig.m->try_configure(next, 3, rig.now));
  CHECK(rig.m->in_trial());
  CHECK(rig.host.closed == 1);  // A05.FR.06: disconnected at once
  rig.m->step(rig.now);
  REQUIRE(rig.loop.attempts.size() == 2);
  CHECK(rig.loop.attempts.back().url == "wss://csms.example.com/ocpp/CP001");
  rig.m->on_close(ocpp::make_error_code(ocpp::Errc::transport_error), "refused", rig.now);
  rig.until_next_attempt();
  rig.m->on_open("ocpp1.6", rig.now);
  CHECK_FALSE(rig.m->in_trial());
  REQUIRE(rig.host.trials.size() == 1);
  CHECK(rig.host.trials[0].first);
  // From now on the new configuration is the one: a later failure does not fall back.
  rig.m->on_close(ocpp::make_error_code(ocpp::Errc::transport_error), "lost", rig.now);
  for (int i = 0; i < 5; ++i) {
    rig.until_next_attempt();
    CHECK(rig.loop.attempts.back().url == "wss://csms.example.com/ocpp/CP001");
    rig.m->on_close(ocpp::make_error_code(ocpp::Errc::transport_error), "refused", rig.now);
  }
  CHECK(rig.host.trials.size() == 1);
}

TEST_CASE("connection manager: A05.FR.08 a trial configuration that never connects falls back",
          "[core][connection]") {
  Rig rig(config());
  rig.m->step(rig.now);
  rig.m->on_open("ocpp1.6", rig.now);
  auto next = config("wss://csms.example.com/ocpp");
  next.security_profile = SecurityProfile::tls_client_cert;
  next.client_cert_file = "/nonexistent/cp.pem";
  REQUIRE_FALSE(rig.m->try_configure(next, 3, rig.now));
  rig.m->step(rig.now);
  for (int i = 0; i < 3; ++i) {
    CHECK(rig.loop.attempts.back().url == "wss://csms.example.com/ocpp/CP001");
    CHECK(rig.m->in_trial());
    rig.m->on_close(ocpp::make_error_code(ocpp::Errc::tls_error),
                    std::string(ocpp::kCloseServerCertificateRejected) + ": unable to get local issuer certificate",
                    rig.now);
    if (i < 2) rig.until_next_attempt();
  }
  CHECK_FALSE(rig.m->in_trial());
  REQUIRE(rig.host.trials.size() == 1);
  CHECK_FALSE(rig.host.trials[0].first);
  CHECK(rig.host.trials[0].second.find("unable to get local issuer certificate") != std::string::npos);
  // The previous configuration is back, and connects after the shortest back-off.
  CHECK(rig.until_next_attempt() <= 1000ms);
  CHECK(rig.loop.attempts.back().url == "ws://csms.example.com/ocpp/CP001");
  CHECK(rig.m->last_profile() == SecurityProfile::none);
  // A trial that is refused at once (validate) changes nothing.
  auto bad = config("ws://csms.example.com/ocpp");
  bad.security_profile = SecurityProfile::tls_basic_auth;
  CHECK(rig.m->try_configure(bad, 3, rig.now) == ocpp::Errc::invalid_argument);
  CHECK_FALSE(rig.m->in_trial());
}
